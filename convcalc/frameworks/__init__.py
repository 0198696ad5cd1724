"""Framework vocabularies: each maps its class names and signatures onto neutral arithmetic."""

from __future__ import annotations

from convcalc.frameworks.base import Vocabulary


def vocabulary(framework: str) -> Vocabulary:
    """The vocabulary of `framework`, imported on first use."""
    if framework == "pytorch":
        from convcalc.frameworks.pytorch import PYTORCH

        return PYTORCH
    from convcalc.frameworks.keras import KERAS

    return KERAS
