"""convcalc: a network's shapes and parameter counts by pure arithmetic, as Keras and PyTorch
would report them, with no framework installed.

>>> from convcalc import summarize
>>> report = summarize("input: [28, 28, 1]\\nlayers:\\n- Conv2D(32, 3)\\n- Conv2D(64, 3)")
>>> [row.params for row in report.rows], report.rows[-1].output_shape
([320, 18496], (None, 24, 24, 64))
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from convcalc.report import Report
    from convcalc.spec import Spec

__version__ = "0.1.0"


def load(path: str) -> Spec:
    """Read a spec file (`-` for standard input); raises SpecError on bad input."""
    from convcalc.spec import load_path

    return load_path(path)


def summarize(spec: Spec | str, path: str = "<string>") -> Report:
    """Compute a Report from a Spec or from YAML text."""
    from convcalc.engine import run
    from convcalc.spec import load_text

    return run(load_text(spec, path) if isinstance(spec, str) else spec)
