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
    from convcalc.analysis.costs import Costs
    from convcalc.analysis.receptive import LayerField
    from convcalc.report import Report
    from convcalc.spec.model import Spec

__version__ = "0.1.0"


def load(path: str) -> Spec:
    """Read a spec file (`-` for standard input); raises SpecError on bad input."""
    from convcalc.spec.loading import load_path

    return load_path(path)


def summarize(spec: Spec | str, path: str = "<string>") -> Report:
    """Compute a Report from a Spec or from YAML text."""
    from convcalc.engine import run
    from convcalc.spec.loading import load_text

    return run(load_text(spec, path) if isinstance(spec, str) else spec)


def costs(report: Report, dtype: str = "float32") -> Costs:
    """MACs (as fvcore counts them), output sizes and memory of every layer, and the totals.

    >>> costs(summarize("input: [28, 28, 1]\\nlayers: ['Conv2D(32, 3)']")).macs  # 26 x 26 x 3 x 3 x 32
    194688
    """
    from convcalc.analysis.costs import costs as compute

    return compute(report, dtype)


def receptive_fields(report: Report) -> tuple[LayerField, ...]:
    """Every layer's receptive field: size, effective stride and padding per spatial axis."""
    from convcalc.analysis.receptive import receptive_fields as compute

    return compute(report)


def document(report: Report, dtype: str = "float32") -> dict[str, object]:
    """The `convcalc/1` JSON document of `summary --format json`, as Python data.

    >>> document(summarize("input: [28, 28, 1]\\nlayers: ['Conv2D(32, 3)']"))["totals"]["params"]
    320
    """
    from convcalc.render.json import report_data

    return report_data(report, costs(report, dtype), receptive_fields(report))
