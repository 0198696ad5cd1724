"""Symbolic sizes against the real frameworks: for networks written with a symbol in the input,
real Keras and PyTorch accept exactly the sampled sizes convcalc's domain accepts, and every
layer's output shape is convcalc's formula evaluated at the size. Skipped when torch or keras is
absent."""

from __future__ import annotations

import os
from itertools import product
from typing import Any, cast

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
pytest.importorskip("torch", reason="the conformance suite needs torch")
pytest.importorskip("keras", reason="the conformance suite needs keras 3")

from oracle import L, Stack, framework_facts

import convcalc
from convcalc.report import Report

pytestmark = pytest.mark.conformance

LENGTHS = list(range(1, 34))
SQUARES = [(h, w) for h, w in product((1, 2, 3, 4, 5, 8, 9, 16, 17), repeat=2)]

# (id, framework, input shape with symbols, layers, sizes to sample, the domain convcalc states)
CASES = [
    (
        "unet-1d",  # two 2x poolings undone by stride-2 transposed convolutions, then the skip: H % 4 == 0
        "pytorch",
        (2, "H"),
        (L("MaxPool1d", 2), L("MaxPool1d", 2), L("ConvTranspose1d", 2, 2, 2, stride=2), L("ConvTranspose1d", 2, 2, 2, stride=2))
        + (L("Concat", dim=1),),
        LENGTHS,
        "H % 4 == 0 and H >= 4",
    ),
    (
        "keras-same-upsample-skip",  # a stride-2 'same' convolution, up-sampled, joins its input: H even
        "keras",
        ("H", 3),
        (L("Conv1D", 4, 3, strides=2, padding="same"), L("UpSampling1D", 2), L("Concatenate")),
        LENGTHS,
        "H % 2 == 0 and H >= 2",
    ),
    (
        "keras-valid-strided",  # floor((H - 5)/3) + 1, then a pooling: a threshold
        "keras",
        ("H", 2),
        (L("Conv1D", 4, 5, strides=3), L("MaxPooling1D", 2), L("Conv1D", 2, 2)),
        LENGTHS,
        "H >= 14",
    ),
    (
        "pytorch-2d",  # ceil(H/2), then a valid 3x3 and a dilated pooling, on H and W apart
        "pytorch",
        (1, "H", "W"),
        (L("Conv2d", 1, 2, 3, stride=2, padding=1), L("Conv2d", 2, 2, 3), L("MaxPool2d", 2, dilation=2), L("Flatten")),
        SQUARES,
        "H >= 9 and W >= 9",
    ),
]


def _with_inputs(framework: str, layers: tuple[Any, ...]) -> tuple[Any, ...]:
    """The last layer (a concatenation) takes the input and the layer before it."""
    last = layers[-1]
    if last.type not in ("Concat", "Concatenate"):
        return layers
    joined = type(last)(last.type, last.args, last.kwargs, ("input", f"l{len(layers) - 2}"))
    return (*layers[:-1], joined)


def _values(symbols: tuple[str, ...], size: Any) -> dict[str, int]:
    return dict(zip(symbols, size if isinstance(size, tuple) else (size,)))


def _at(dim: Any, values: dict[str, int]) -> Any:
    return dim if dim is None or type(dim) is int else cast(Any, dim).expr.evaluate(values)


@pytest.mark.parametrize(("framework", "shape", "layers", "sizes", "domain"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_the_real_framework_accepts_exactly_the_domain_and_gives_the_formulas(
    framework: str, shape: tuple[Any, ...], layers: tuple[Any, ...], sizes: list[Any], domain: str
) -> None:
    layers = _with_inputs(framework, layers)
    symbolic = Stack(framework, shape, layers)
    report: Report = convcalc.summarize(symbolic.yaml(), "<stack>")
    assert report.symbolic is not None and report.symbolic.domain.proven
    assert report.symbolic.domain.text == domain
    symbols = report.symbolic.symbols
    accepted_sizes = 0
    for size in sizes:
        values = _values(symbols, size)
        concrete = tuple(values.get(d, d) if isinstance(d, str) else d for d in shape)
        real = framework_facts(Stack(framework, concrete, layers))
        accepted = report.symbolic.domain.contains(values)
        assert real.accepted == accepted, (values, real)
        if not accepted:
            continue
        accepted_sizes += 1
        if not all(guard.condition.holds(values) for guard in report.symbolic.guards):
            continue  # accepted on another path than the report's: its formulas are not these
        formulas = [tuple(_at(d, values) for d in row.outputs[0]) for row in report.rows]
        assert formulas == [layer.output_shape for layer in real.layers], values
    assert 0 < accepted_sizes < len(sizes)  # both answers were put to the test


def test_mobilenetv2_with_symbols_agrees_with_real_keras_at_odd_and_even_sizes() -> None:
    """keras.applications.MobileNetV2 pads by imagenet_utils.correct_pad (1 - H % 2): the bundled
    spec on [H, W, 3] gives formulas that, on sizes of each parity, are real Keras's shapes."""
    import warnings
    from pathlib import Path

    import keras

    text = (Path(__file__).resolve().parents[2] / "specs" / "keras-mobilenetv2.yaml").read_text()
    report: Report = convcalc.summarize(text.replace("input: [224, 224, 3]", "input: [H, W, 3]"), "mobilenetv2.yaml")
    assert report.symbolic is not None
    for h, w in ((96, 97), (129, 112)):
        values = {"H": h, "W": w}
        assert report.symbolic.domain.contains(values)
        assert all(guard.condition.holds(values) for guard in report.symbolic.guards)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "input_shape is undefined or non-square": Keras's own note
            model = keras.applications.MobileNetV2(input_shape=(h, w, 3), weights=None)
        real = {layer.name: tuple(layer.output.shape) for layer in model.layers}
        compared = [row for row in report.rows if row.name in real]
        for row in compared:
            assert tuple(_at(d, values) for d in row.outputs[0]) == real[row.name], (values, row.name)
        assert len(compared) > 100
        pads = [row for row in report.rows if row.type == "ZeroPadding2D"]
        assert pads and all(row.name in real for row in pads)
