"""convcalc: a network's shapes and parameter counts by pure arithmetic, as Keras and PyTorch
would report them, with no framework installed.

A spec goes in as YAML text, a file's path (or a bundled network's name), or a dict as the YAML
would read; the report, its JSON document and each analysis come out. Bad input raises
SpecError, whose `.diagnostic` says where (a line and column, or a dict's key path).

>>> from convcalc import summarize
>>> report = summarize("input: [28, 28, 1]\\nlayers:\\n- Conv2D(32, 3)\\n- Conv2D(64, 3)")
>>> [row.params for row in report.rows], report.rows[-1].output_shape
([320, 18496], (None, 24, 24, 64))
>>> summarize({"input": [28, 28, 1], "layers": ["Conv2D(32, 3)"]}).totals.params
320
>>> summarize("seed-example-2").output_shape  # a bundled network (`convcalc specs` lists them)
(None, 20, 20, 64)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:
    from convcalc.analysis.costs import Costs
    from convcalc.analysis.explain.steps import Explanation
    from convcalc.analysis.receptive import LayerField
    from convcalc.errors import Diagnostic
    from convcalc.report import Report
    from convcalc.spec.model import Spec

__version__ = "0.1.0"

Source = Union["Spec", str, "os.PathLike[str]", Mapping[str, Any]]
"""What the functions take as a spec: a Spec, YAML text, a path (str or Path) or a bundled
network's name, or a dict."""

__all__ = ["Diagnostic", "Source", "SpecError", "check", "costs", "document", "explain", "load", "receptive_fields", "summarize"]


def __getattr__(name: str) -> Any:
    """SpecError and Diagnostic, imported when first asked for (`import convcalc` stays light)."""
    if name in ("SpecError", "Diagnostic"):
        from convcalc import errors

        return getattr(errors, name)
    raise AttributeError(f"module 'convcalc' has no attribute {name!r}")


def load(source: Source, path: str | None = None) -> Spec:
    """A spec from YAML text, a file (`-` is standard input), a bundled network's name, or a
    dict. A string is a path when it is one line that ends in .yaml/.yml, names a file, or
    names a bundled network; any other string is YAML text, which `path` names in messages
    (`<string>` by default).

    >>> load({"input": (28, 28, 1), "layers": ["Conv2D(32, 3)"]}).inputs[0].shape
    (28, 28, 1)
    >>> load("my-net.yaml")
    Traceback (most recent call last):
    convcalc.errors.SpecError: my-net.yaml: CC001 no such file
    """
    return _load(source, path)


def _load(source: Source, path: str | None = None, problems: list[Diagnostic] | None = None) -> Spec:
    """load(), collecting the problems that end nothing (a bad `expect:` key) in `problems`."""
    from convcalc.spec.model import Spec

    if isinstance(source, Spec):
        return source
    if isinstance(source, Mapping):
        from convcalc.spec.data import load_data

        return load_data(source, problems=problems)
    from convcalc.spec.loading import load_path, load_text

    if isinstance(source, os.PathLike):
        return load_path(os.fspath(source), problems)
    if isinstance(source, str):
        if path is None and _is_path(source):
            return load_path(source, problems)
        return load_text(source, path or "<string>", problems)
    raise TypeError(f"a spec is YAML text, a path, a bundled network's name or a dict, not {type(source).__name__}")


def _is_path(text: str) -> bool:
    if "\n" in text or not text.strip():
        return False
    if text.endswith((".yaml", ".yml")) or os.path.exists(text):
        return True
    from convcalc.spec import bundled

    return bundled.find(text) is not None


def summarize(source: Source | Report, path: str | None = None, batch: int | None = None) -> Report:
    """The report: every layer's output shape, weights and parameter count (Report.rows) and
    the totals; `path` names YAML text in messages (as for load), `batch` as `summary --batch`.

    >>> summarize("lenet5", batch=32).rows[0].output_shape
    (32, 28, 28, 6)
    """
    from convcalc.report import Report

    if isinstance(source, Report):
        return source
    from convcalc.engine import run

    spec = load(source, path)
    return run(spec if batch is None else spec.replace(batch=batch))


def costs(source: Source | Report, dtype: str = "float32") -> Costs:
    """MACs (as fvcore counts them), output sizes and memory of every layer, and the totals.

    >>> costs("input: [28, 28, 1]\\nlayers: ['Conv2D(32, 3)']").macs  # 26 x 26 x 3 x 3 x 32
    194688
    """
    from convcalc.analysis.costs import costs as compute

    return compute(summarize(source), dtype)


def receptive_fields(source: Source | Report) -> tuple[LayerField, ...]:
    """Every layer's receptive field: size, effective stride and padding per spatial axis.

    >>> fields = receptive_fields({"input": [32, 32, 3], "layers": ["Conv2D(8, 3)", "Conv2D(8, 3, strides=2)"]})
    >>> [(layer.name, layer.field.size, layer.field.stride) for layer in fields if layer.field]
    [('conv2d', (3, 3), (1, 1)), ('conv2d_1', (5, 5), (2, 2))]
    """
    from convcalc.analysis.receptive import receptive_fields as compute

    return compute(summarize(source))


def explain(source: Source | Report, *layers: str) -> tuple[Explanation, ...]:
    """The arithmetic of the layers named (all without names), as `convcalc explain` shows it:
    each step's formula, with the numbers substituted, and its value.

    >>> step = explain({"input": [26, 26, 32], "layers": ["Conv2D(64, 3)"]})[0].steps[0]
    >>> step.substituted, step.value
    ('floor((26 + 0 - 1*(3-1) - 1) / 1) + 1', 24)
    """
    from convcalc.analysis.explain import explain as compute

    return compute(summarize(source), layers)


def document(source: Source | Report, dtype: str = "float32") -> dict[str, object]:
    """The `convcalc/1` JSON document of `summary --format json`, as Python data.

    >>> document({"input": [28, 28, 1], "layers": ["Conv2D(32, 3)"]})["totals"]["params"]
    320
    """
    from convcalc.render.json import report_data

    report = summarize(source)
    return report_data(report, costs(report, dtype), receptive_fields(report))


def check(source: Source) -> list[Diagnostic]:
    """Every problem of a spec, as `convcalc check` reports them: each that does not follow from
    an earlier one, then the `expect:` figures that differ. An empty list: the spec passes.

    >>> [p.code for p in check({"input": [4], "layers": ["Dense(2)"], "expect": {"params": 8, "max_params": 5}})]
    ['CC302', 'CC303']
    """
    from convcalc.analysis.check import check_spec
    from convcalc.errors import SpecError

    read: list[Diagnostic] = []
    try:
        spec = _load(source, None, read)
    except SpecError as exc:
        return [exc.diagnostic]
    return check_spec(spec, read)[0]
