"""What a framework vocabulary is: layer types (signature + arithmetic) under their names."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from convcalc.errors import LayerError, did_you_mean
from convcalc.report import Built
from convcalc.signature import REQUIRED, Args, Signature

Build = Callable[[Args, Any], Built]  # Any: a Shape, or a tuple of them for merges


@dataclass(frozen=True)
class LayerType:
    """A real layer class: its name, its `__init__` signature, and its shape arithmetic."""

    name: str
    signature: Signature
    build: Build
    merges: bool = False  # takes several inputs: `build` gets a tuple of shapes


@dataclass
class Vocabulary:
    framework: str
    types: dict[str, LayerType] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)

    def add(self, layer_type: LayerType, *aliases: str) -> None:
        self.types[layer_type.name] = layer_type
        for alias in aliases:
            self.aliases[alias] = layer_type.name

    def lookup(self, name: str, other: Vocabulary | None = None) -> LayerType:
        """The layer type called `name` (or an alias of it), or a LayerError with a suggestion."""
        found = self.types.get(self.aliases.get(name, name))
        if found is not None:
            return found
        hint = did_you_mean(name, list(self.types) + list(self.aliases))
        if other is not None and (name in other.types or name in other.aliases):
            hint = f"{name} is a {other.framework} layer; this spec's framework is {self.framework}" + (
                f"; {hint}" if hint else ""
            )
        raise LayerError(f"unknown {self.framework} layer type {name!r}", hint=hint, code="CC101")


def signature_from_table(entry: tuple, base_kwargs: frozenset[str]) -> Signature:
    """A Signature from a generated entry of frameworks/signatures.py; classes that take
    `**kwargs` accept the framework's base-class keywords (`base_kwargs`)."""
    positional, keyword_only, var_kwargs = entry

    def params(pairs: tuple) -> tuple[tuple[str, object], ...]:
        return tuple((name, REQUIRED if default == "REQUIRED" else default) for name, default in pairs)

    return Signature(params(positional), params(keyword_only), base_kwargs if var_kwargs else frozenset())


def snake_case(name: str) -> str:
    """Keras's automatic layer names (keras.src.utils.naming.to_snake_case).

    >>> snake_case("Conv2D"), snake_case("MaxPooling2D"), snake_case("ReLU")
    ('conv2d', 'max_pooling2d', 're_lu')
    """
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
