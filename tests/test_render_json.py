"""The JSON writer against the standard library: `render_json` writes each layer straight from
the rows, and `compact` writes one-line JSON without importing the json package; both must give,
byte for byte, what a generic layout over `json.dumps` gives for the same data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convcalc import load, summarize
from convcalc.analysis.costs import DTYPES, costs
from convcalc.analysis.receptive import receptive_fields
from convcalc.ops.tensor import Weight
from convcalc.render.json import _weights, compact, render_json, report_data

ROOT = Path(__file__).resolve().parent.parent
SPECS = sorted([*ROOT.glob("specs/*.yaml"), *ROOT.glob("tests/specs/valid/*.yaml"), *ROOT.glob("tests/specs/*.yaml")])
STDLIB = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode


def reference(value: object, indent: int = 0) -> str:
    """The documented layout, over the standard library's encoder: a container stays on one line
    when it has at most 25 items, none of them a container of more, and fits in 100 columns at
    its indent; otherwise one item per line, two spaces deeper."""
    items = list(value.values()) if isinstance(value, dict) else list(value) if isinstance(value, list | tuple) else None
    if items is None:
        return json.dumps(value, ensure_ascii=False)
    if not items:
        return "{}" if isinstance(value, dict) else "[]"
    if len(items) <= 25 and not any(isinstance(v, dict | list | tuple) and len(v) > 25 for v in items):
        line = STDLIB(value)
        if indent + len(line) <= 100:
            return line
    pad = ",\n" + " " * (indent + 2)
    if isinstance(value, dict):
        body = pad.join(json.dumps(str(k), ensure_ascii=False) + ": " + reference(v, indent + 2) for k, v in value.items())
        return "{\n" + " " * (indent + 2) + body + "\n" + " " * indent + "}"
    body = pad.join(reference(v, indent + 2) for v in items)
    return "[\n" + " " * (indent + 2) + body + "\n" + " " * indent + "]"


@pytest.mark.parametrize("spec", SPECS, ids=[p.stem for p in SPECS])
def test_the_writer_writes_what_the_generic_layout_writes(spec: Path) -> None:
    report = summarize(load(str(spec)))
    fields = receptive_fields(report)
    for dtype in DTYPES:
        cost = costs(report, dtype)
        assert render_json(report, cost, fields) == reference(report_data(report, cost, fields)) + "\n"


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**20), 10**20),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=12),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=6), st.dictionaries(st.text(max_size=6), inner, max_size=6)),
    max_leaves=30,
)


@settings(max_examples=2000, deadline=None)
@given(json_values)
def test_compact_is_the_standard_librarys_one_line_json(value: object) -> None:
    assert compact(value) == STDLIB(value)


weights = st.lists(
    st.builds(
        Weight,
        st.text(max_size=90),  # long names (one past a line), quotes, escapes
        st.lists(st.integers(0, 10**12), max_size=30).map(tuple),  # more sizes than a line takes
        st.booleans(),
        st.booleans(),
    ),
    max_size=30,
)


@settings(max_examples=1000, deadline=None)
@given(weights)
def test_a_layers_weights_are_laid_out_as_the_generic_layout_lays_them_out(layer_weights: list[Weight]) -> None:
    """The writer writes each weight object directly; the bundled specs' weights all fit their
    lines, so the layouts they never reach are checked here."""
    data = [{"name": w.name, "shape": list(w.shape), "trainable": w.trainable, "shared": w.shared} for w in layer_weights]
    assert _weights(tuple(layer_weights)) == reference(data, 6)
