"""Every number `convcalc explain` prints for the golden cases (tests/test_explain.py CASES),
against the real layer: Keras 3 (torch backend) built on a keras.Input, PyTorch run on a batch
of 2. Per layer: the output shape (batch aside) and its spatial lengths as the steps give them,
each weight's size by its name, and the parameter counts."""

from __future__ import annotations

import os
import sys
from math import prod
from pathlib import Path

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
torch = pytest.importorskip("torch", reason="the conformance suite needs torch and keras 3")
keras = pytest.importorskip("keras", reason="the conformance suite needs torch and keras 3")

sys.path.insert(0, str(Path(__file__).parents[1]))
from test_explain import CASES  # noqa: E402

from convcalc.analysis.explain import explain  # noqa: E402
from convcalc.engine import run  # noqa: E402
from convcalc.spec.flags import from_flags  # noqa: E402

pytestmark = pytest.mark.conformance
AXES = ("length", "depth", "height", "width")


def keras_facts(shape: tuple[int, ...], layers: tuple[str, ...]) -> list[tuple[tuple, dict[str, int]]]:
    """(output shape without batch, {weight name: size}) of each layer, as Keras builds it."""
    x = keras.Input(shape)
    facts = []
    for text in layers:
        layer = eval(text, vars(keras.layers))
        out = layer(x, x) if isinstance(layer, keras.layers.MultiHeadAttention) else layer(x)
        weights = {w.path.split("/", 1)[1]: prod(w.shape) for w in layer.weights}
        facts.append((tuple(out.shape[1:]), weights, layer.count_params()))
        x = out
    return facts


def torch_facts(shape: tuple[int, ...], layers: tuple[str, ...]) -> list[tuple[tuple, dict[str, int]]]:
    x = torch.zeros(2, *shape)
    facts = []
    for text in layers:
        module = eval(text, vars(torch.nn))
        if isinstance(module, torch.nn.MultiheadAttention):
            out = module(x, x, x)[0]
        elif isinstance(module, torch.nn.RNNBase):
            out = module(x)[0]
        else:
            out = module(x)
        weights = {n: p.numel() for n, p in module.named_parameters()}
        facts.append((tuple(out.shape[1:]), weights, sum(weights.values())))
        x = out
    return facts


@pytest.mark.parametrize("name", CASES)
def test_explained_numbers_are_the_frameworks(name: str) -> None:
    framework, shape_text, layers = CASES[name]
    shape = tuple(int(d) for d in shape_text.split(","))
    report = run(from_flags(framework, shape_text, layers, None))
    facts = keras_facts(shape, layers) if framework == "keras" else torch_facts(shape, layers)
    for row, item, (out, weights, params) in zip(report.rows, explain(report), facts, strict=True):
        assert row.output_shape[1:] == out, row.name
        lengths = tuple(s.value for s in item.steps if s.what in AXES)
        if lengths:  # convolutions, pooling, padding: every spatial axis has its step
            assert lengths == (out[:-1] if framework == "keras" else out[1:]), row.name
        sizes = {s.what: s.value for s in item.steps if s.part == "weights" and s.what in weights}
        assert sizes == weights, row.name
        assert item.params == params, row.name
