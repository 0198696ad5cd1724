"""convcalc's own stand-ins for tensor functions and keras.ops calls against the real frameworks,
beyond the shapes and rejections of the generated stacks (generate_ops.py):

- MACs against fvcore (fvcore/nn/flop_count.py) on the same calls: matmul as matmul_flop_jit
  counts it, F.interpolate as its upsample handlers do (0 with antialias, which runs an op it has
  no handler for), every other operation 0; F.scaled_dot_product_attention, which fvcore counts
  0, as fvcore counts the same attention written with matmul (QK^T, then AV);
- receptive fields: positions are moved by a permute (measured by perturbing one input slice at
  a time, every weight 1, as test_receptive_conformance.py measures them), and carried by every
  piece of a split.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
torch = pytest.importorskip("torch", reason="the conformance suite needs torch and keras 3")
keras = pytest.importorskip("keras", reason="the conformance suite needs torch and keras 3")
pytest.importorskip("fvcore", reason="the MACs conformance needs fvcore (pip install fvcore)")
from fvcore.nn import FlopCountAnalysis  # noqa: E402
from oracle import L, Layer, Stack  # noqa: E402
from stand_ins import keras_calls, torch_calls  # noqa: E402

from convcalc import summarize  # noqa: E402
from convcalc.analysis.costs import costs  # noqa: E402
from convcalc.analysis.receptive import receptive_fields  # noqa: E402
from convcalc.spec.calls import parse_call, resolve  # noqa: E402

pytestmark = pytest.mark.conformance
logging.getLogger("fvcore").setLevel(logging.ERROR)
F = torch.nn.functional


class Replay(torch.nn.Module):
    """A stack of stand-ins as one module: x, then the extra inputs in the stack's order; a layer
    reads the previous output (-1), the input ("x"), an extra input or an earlier layer ("l0")."""

    def __init__(self, stack: Stack) -> None:
        super().__init__()
        self.stack = stack

    def forward(self, x: Any, *extras: Any) -> Any:
        named = {"x": x} | dict(zip((name for name, _ in self.stack.extras), extras))
        for index, layer in enumerate(self.stack.layers):
            tensors = [x if ref == -1 else named[ref] for ref in layer.inputs] if layer.inputs else [x]
            x = torch_calls()[layer.type](*layer.args, **layer.kwargs)(*tensors)
            x = named[f"l{index}"] = x[0] if isinstance(x, tuple) else x
        return x


def fvcore_total(module: Any, inputs: tuple[Any, ...]) -> int:
    analysis = FlopCountAnalysis(module, inputs)
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)
    return analysis.total()


def torch_inputs(stack: Stack) -> tuple[Any, ...]:
    return tuple(torch.rand(2, *shape) for shape in (stack.input_shape, *(s for _, s in stack.extras)))


def macs(stack: Stack) -> int | None:
    return costs(summarize(stack.yaml())).macs


def S(shape: tuple[int, ...], *layers: Layer, **extras: tuple[int, ...]) -> Stack:
    return Stack("pytorch", shape, layers, tuple(extras.items()))


def M(*args: Any, inputs: tuple[int | str, ...] = (), **kwargs: Any) -> Layer:
    return Layer("Matmul", args, kwargs, inputs)


TORCH_STACKS = {
    "matmul-batched": S((3, 4, 5), M(inputs=(-1, "y")), y=(3, 5, 6)),
    "matmul-broadcast": S((1, 4, 5), M(inputs=(-1, "y")), y=(3, 5, 6)),  # fvcore counts one copy of x
    "matmul-vector-first": S((5,), L("Sum", 0), M(inputs=(-1, "y")), y=(5, 6)),
    "matmul-2d-first": S((4, 5), L("Sum", 0), M(inputs=(-1, "y")), y=(5, 6)),
    "interpolate-nearest": S((3, 5, 6), L("Interpolate", scale_factor=2)),
    "interpolate-bilinear": S((3, 5, 6), L("Interpolate", size=(7, 9), mode="bilinear", align_corners=False)),
    "interpolate-area": S((3, 8, 6), L("Interpolate", size=(4, 3), mode="area")),
    "interpolate-antialias": S((3, 8, 6), L("Interpolate", scale_factor=0.5, mode="bilinear", antialias=True)),
    "interpolate-bicubic": S((3, 5, 6), L("Interpolate", scale_factor=2, mode="bicubic")),
    "interpolate-1d": S((3, 10), L("Interpolate", scale_factor=2, mode="linear")),
    "shapes": S(
        (4, 6, 8),
        L("Pad", (1, 2, 0, 1), mode="reflect"),
        L("Permute", 0, 2, 3, 1),
        L("Reshape", 2, -1, 4),
        L("Transpose", 1, 2),
        L("Unsqueeze", 1),
        L("Expand", -1, 3, -1, -1),
        L("Chunk", 2, 1),
        L("Split", [1, 3], 2),
        L("Squeeze", 1),
        L("Mean", -1, keepdim=True),
        L("Amax", 1),
        L("Norm", 2, -1, keepdim=True),
        L("Add", 3),
        L("Multiply", 0.5),
        L("View", -1),
    ),
    "positions": S(
        (4, 7, 8),
        L("Roll", (-3, 3), (2, 3)),
        L("Slice", -2, 0, None, 2),
        L("Slice", 3, 1, -1, 3),
        L("Neg"),
        L("Cos"),
        L("Sin"),
        L("Exp"),
        L("Sqrt"),
        L("Rsqrt"),
        L("Pow", 2),
        L("FullLike", 0.5),
        L("Clamp", max=2.0),
        L("Normalize", 2.0, -1),
        L("Cumsum", -1),
        L("Roll", 5),
        L("NotEqual", 1),
    ),
    # sizes whose cost numpy prints exactly (4 significant digits), as fvcore reads it
    "einsum": S((3, 4, 5), Layer("Einsum", ("a b i j, a b j k -> a b i k",), {}, (-1, "k")), k=(3, 5, 2)),
    "einsum_outer": S((3,), Layer("Einsum", ("bi,bj->bij",), {}, (-1, "k")), k=(5,)),
    "index": S((169, 3), Layer("Index", (), {}, (-1, "i")), L("View", 2, 49, 49, -1), i=(2401,)),
    "index_dim": S((4, 49), Layer("Index", (), {"dim": 2}, (-1, "i")), i=(49, 49)),  # LeViT's attention biases
    "gather": S((1, 512), Layer("Gather", (1,), {}, (-1, "i")), i=(1, 16)),  # RoBERTa's token types by position
    # NFNet's weight standardization: each filter normalized with a gain (x 5), BiT's without (x 4), then convolved
    "given_weights": S(
        (4, 8, 8),
        Layer("Select", (0, 0), {}, ("w",)),
        Layer("Select", (0, 0), {}, ("g",)),
        Layer("Reshape", (1, 8, -1), {}, ("l0",)),
        Layer("BatchNorm", (True, 0.0), {}, (-1, "l1")),
        Layer("BatchNorm", (True,), {}, (-1,)),
        Layer("Reshape", (8, 4, 3, 3), {}, ()),
        Layer("Convolution", (2, 1), {}, ("x", -1, "l1")),
        w=(8, 4, 3, 3),
        g=(8,),
    ),
}


@pytest.mark.parametrize("name", TORCH_STACKS)
def test_pytorch_operations_count_as_fvcore_counts_them(name: str) -> None:
    stack = TORCH_STACKS[name]
    assert macs(stack) == fvcore_total(Replay(stack), torch_inputs(stack))


def test_a_matrix_vector_product_counts_as_its_column_product() -> None:
    """fvcore's matmul_flop_jit reads the second operand's size -2, so it fails on a 1-D one;
    convcalc counts the product as fvcore counts it written with a column (y @ v[:, None])."""
    stack = S((5,), L("Sum", 0), M(inputs=("y", -1)), y=(4, 5))
    with pytest.raises(Exception):  # noqa: B017 (fvcore's own IndexError, inside its tracer)
        fvcore_total(Replay(stack), torch_inputs(stack))

    class Column(torch.nn.Module):
        def forward(self, x: Any, y: Any) -> Any:
            return torch.matmul(y, x.sum(0)[:, None])

    assert macs(stack) == fvcore_total(Column(), torch_inputs(stack)) > 0


ATTENTION = {
    "self": (((8, 10, 16), (8, 10, 16), (8, 10, 16)), {"is_causal": True}),
    "cross-widths": (((4, 6, 16), (4, 9, 16), (4, 9, 24)), {}),
    "grouped-query": (((8, 5, 16), (2, 5, 16), (2, 5, 16)), {"enable_gqa": True}),
    "unbatched-heads": (((7, 12), (9, 12), (9, 20)), {}),
}


@pytest.mark.parametrize("name", ATTENTION)
def test_attention_counts_as_its_two_products(name: str) -> None:
    """fvcore counts aten::scaled_dot_product_attention 0; convcalc counts what fvcore counts
    when the same attention is written with matmul: q @ k^T, then the weights @ v (key and value
    heads repeated for grouped-query attention, as enable_gqa does)."""
    (query, key, value), kwargs = ATTENTION[name]
    stack = S(query, Layer("ScaledDotProductAttention", (), kwargs, (-1, "k", "v")), k=key, v=value)
    inputs = torch_inputs(stack)
    assert fvcore_total(Replay(stack), inputs) == 0

    class Written(torch.nn.Module):
        def forward(self, q: Any, k: Any, v: Any) -> Any:
            if kwargs.get("enable_gqa"):
                k = k.repeat_interleave(q.size(-3) // k.size(-3), -3)
                v = v.repeat_interleave(q.size(-3) // v.size(-3), -3)
            scores = torch.matmul(q, k.transpose(-2, -1)) / q.size(-1) ** 0.5
            if kwargs.get("is_causal"):
                later = torch.ones(scores.shape[-2:], dtype=torch.bool).triu(1)
                scores = scores.masked_fill(later, float("-inf"))
            weights = torch.softmax(scores, dim=-1)
            return torch.matmul(weights, v)

    written = Written()
    assert torch.allclose(written(*inputs), Replay(stack)(*inputs), atol=1e-5)
    assert macs(stack) == fvcore_total(written, inputs) > 0


class Functional(torch.nn.Module):
    """A Keras functional model of several inputs, called as fvcore calls a module: one
    positional argument per input (Keras wants them as a list)."""

    def __init__(self, inputs: list[tuple[int, ...]], build: Any) -> None:
        super().__init__()
        tensors = [keras.Input(shape) for shape in inputs]
        self.model = keras.Model(tensors, build(*tensors))

    def forward(self, *xs: Any) -> Any:
        return self.model(list(xs) if len(xs) > 1 else xs[0])


KERAS_CASES = {
    "matmul": ([(4, 5), (5, 6)], lambda x, y: keras.ops.matmul(x, y), ["Matmul(inputs=[x, y])"]),
    "matmul-broadcast": ([(3, 4, 5), (1, 5, 6)], lambda x, y: keras.ops.matmul(x, y), ["Matmul(inputs=[x, y])"]),
    "ops": (
        [(6, 8, 4)],
        lambda x: (
            keras.ops.squeeze(keras.ops.expand_dims(keras.ops.mean(keras.ops.transpose(x, (0, 3, 1, 2)), axis=-1), 1), 1) * 0.5
            + 3.0
        ),
        ["Transpose((0, 3, 1, 2))", "Mean(axis=-1)", "ExpandDims(1)", "Squeeze(1)", "Multiply(0.5)", "Add(3.0)"],
    ),
}


@pytest.mark.parametrize("name", KERAS_CASES)
def test_keras_operations_on_torch_count_as_fvcore_counts_them(name: str) -> None:
    shapes, build, layers = KERAS_CASES[name]
    model = Functional(shapes, build)
    expected = fvcore_total(model, tuple(torch.rand(2, *shape) for shape in shapes))
    names = ("x", "y")[: len(shapes)]
    spec = {"framework": "keras", "batch": 2, "inputs": dict(zip(names, map(list, shapes))), "layers": layers}
    assert costs(summarize(json.dumps(spec))).macs == expected


# --- Receptive fields through permutes and splits


def seen(forward: Any, shape: tuple[int, ...], axis: int, out_axis: int) -> list[tuple[int, int] | None]:
    """For each output position along `out_axis`, the first and last input positions along
    `axis` (indices into the batched shapes) whose change changes it."""
    length = shape[axis - 1]
    batch = torch.ones((length + 1, *shape), dtype=torch.float64)
    for i in range(length):
        batch[(i + 1, *(slice(None),) * (axis - 1), i)] += 1e6
    with torch.no_grad():
        out = forward(batch)
    changed = (out[1:] - out[:1]).abs() > 0.5
    others = tuple(d for d in range(1, changed.dim()) if d != out_axis)
    hits = changed.any(dim=others) if others else changed
    found: list[tuple[int, int] | None] = []
    for f in range(hits.shape[1]):
        positions = torch.nonzero(hits[:, f]).flatten()
        found.append((positions.min().item(), positions.max().item()) if len(positions) else None)
    return found


def said(spec: str, out_axis: int, source: int) -> list[tuple[int, int]]:
    """convcalc's interval along the input axis `source`, for each output position along `out_axis`."""
    report = summarize(textwrap.dedent(spec))
    field = receptive_fields(report)[-1].field
    assert field is not None
    k = field.axes.index(out_axis)
    starts = [f * field.stride[k] - field.padding[k] for f in range(report.output_shape[out_axis])]  # type: ignore[arg-type, operator]
    return [(low, low + field.size[k] - 1) for low in starts]


def inside(intervals: list[tuple[int, int]], measured: list[tuple[int, int] | None], length: int) -> None:
    """Where convcalc's interval lies within the input, the positions that matter span it."""
    checked = 0
    for (low, high), found in zip(intervals, measured, strict=True):
        if low >= 0 and high < length:
            assert found == (low, high)
            checked += 1
    assert checked


def test_a_pytorch_permute_moves_the_field_with_its_axes() -> None:
    """Conv2d, permute height and width, a (1, 5) Conv2d (now along the old height): output
    axis 3 is input axis 2, with both convolutions' windows on it."""
    spec = """
        framework: pytorch
        input: [1, 19, 13]
        layers:
          - Conv2d(1, 1, 3, stride=2)
          - Permute(0, 1, 3, 2)
          - Conv2d(1, 1, (1, 5))
          - Chunk(1, 1)
    """
    module = torch.nn.Sequential(torch.nn.Conv2d(1, 1, 3, stride=2), torch.nn.Conv2d(1, 1, (1, 5))).double()
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.fill_(1.0)

    def forward(x: Any) -> Any:
        return module[1](module[0](x).permute(0, 1, 3, 2))

    for axis, out_axis in ((2, 3), (3, 2)):
        inside(said(spec, out_axis, axis), seen(forward, (1, 19, 13), axis, out_axis), (1, 19, 13)[axis - 1])


def test_a_slice_strides_and_crops_the_field() -> None:
    """x[:, :, 1::2] after a padded Conv2d, then a 3 x 3 Conv2d: output row f sees the input
    rows convcalc's field says (a slice is a window one position wide, stepping its step)."""
    spec = """
        framework: pytorch
        input: [1, 21, 9]
        layers:
          - Conv2d(1, 1, 3, padding=1)
          - Slice(2, 1, None, 2)
          - Slice(1, 0, 1)
          - Conv2d(1, 1, 3)
    """
    first, second = torch.nn.Conv2d(1, 1, 3, padding=1).double(), torch.nn.Conv2d(1, 1, 3).double()
    with torch.no_grad():
        for parameter in (*first.parameters(), *second.parameters()):
            parameter.fill_(1.0)

    def forward(x: Any) -> Any:
        return second(first(x)[:, :, 1::2][:, 0:1])

    for axis in (2, 3):
        inside(said(spec, axis, axis), seen(forward, (1, 21, 9), axis, axis), (1, 21, 9)[axis - 1])


def test_a_keras_transpose_and_each_piece_of_a_split_carry_the_field() -> None:
    spec = """
        framework: keras
        input: [17, 15, 2]
        layers:
          - Conv2D(2, 3, strides=2, name="conv")
          - Transpose((0, 2, 1, 3))
          - Conv2D(4, (5, 1))
          - Permute((2, 1, 3))
          - TrueDivide(2)
    """
    x = keras.Input((17, 15, 2))
    y = keras.layers.Conv2D(4, (5, 1))(keras.ops.transpose(keras.layers.Conv2D(2, 3, strides=2)(x), (0, 2, 1, 3)))
    model = keras.Model(x, keras.layers.Permute((2, 1, 3))(y) / 2)
    keras.config.set_floatx("float64")
    try:
        for weight in model.weights:
            weight.assign(keras.ops.ones(weight.shape, dtype=weight.dtype))
        for axis in (1, 2):
            inside(said(spec, axis, axis), seen(lambda b: model(b), (17, 15, 2), axis, axis), (17, 15, 2)[axis - 1])
    finally:
        keras.config.set_floatx("float32")
    pieces = summarize(
        textwrap.dedent(
            """
            framework: pytorch
            input: [4, 12, 12]
            layers:
              - Conv2d(4, 4, 3, name="conv")
              - Chunk(2, 1, name="halves")
              - Conv2d(2, 2, 3, inputs=["halves[1]"])
            """
        )
    )
    fields = [r.field for r in receptive_fields(pieces)]
    assert fields[-1] is not None and fields[-1].size == (5, 5)


# --- The unit tests' tables (tests/test_operations.py), checked against the frameworks

sys.path.insert(0, str(Path(__file__).parents[1]))
from test_operations import KERAS, KERAS_REJECTS, TORCH, TORCH_REJECTS  # noqa: E402


def call_arguments(call: str) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
    parsed = parse_call(call)
    return parsed.name, tuple(resolve(a, {}) for a in parsed.args), {k: resolve(v, {}) for k, v in parsed.kwargs.items()}


def torch_run(call: str, shapes: tuple[tuple[int, ...], ...]) -> tuple[tuple[int, ...], ...]:
    name, args, kwargs = call_arguments(call)
    tensors = [torch.zeros(2, *shape) for shape in shapes]
    result = torch_calls()[name](*args, **kwargs)(*tensors)
    results = result if isinstance(result, tuple | list) else (result,)
    found = tuple(tuple(r.shape) for r in results)
    assert all(0 not in shape for shape in found), "an empty tensor, which convcalc rejects"
    return found


@pytest.mark.parametrize(("call", "shapes", "expected"), TORCH, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(TORCH)])
def test_the_pytorch_table_is_torchs(call: str, shapes: Any, expected: Any) -> None:
    assert torch_run(call, shapes) == expected


@pytest.mark.parametrize(("call", "shapes", "code", "text"), TORCH_REJECTS, ids=[c for c, *_ in TORCH_REJECTS])
def test_torch_rejects_what_the_table_says(call: str, shapes: Any, code: str, text: str) -> None:
    if "convcalc's bound" in text:  # convcalc's own limit, which torch does not have
        torch_run(call, shapes)
        return
    with pytest.raises(Exception):  # noqa: B017 (torch's own TypeError, RuntimeError, IndexError...)
        torch_run(call, shapes)


def keras_run(call: str, shapes: tuple[tuple[int | None, ...], ...]) -> tuple[int | None, ...]:
    """The symbolic shape, after checking the call also runs (on a batch of 2, an unknown size 1)."""
    name, args, kwargs = call_arguments(call)
    function = keras_calls()[name](*args, **kwargs)
    symbolic = function(*(keras.Input(shape) for shape in shapes))
    function(*(keras.ops.zeros((2, *(1 if n is None else n for n in shape))) for shape in shapes))
    return tuple(symbolic.shape)


@pytest.mark.parametrize(("call", "shapes", "expected"), KERAS, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(KERAS)])
def test_the_keras_table_is_keras(call: str, shapes: Any, expected: Any) -> None:
    assert keras_run(call, shapes) == expected


@pytest.mark.parametrize(("call", "shapes", "text"), KERAS_REJECTS, ids=[c for c, *_ in KERAS_REJECTS])
def test_keras_rejects_what_the_table_says(call: str, shapes: Any, text: str) -> None:
    with pytest.raises(Exception):  # noqa: B017 (Keras's ValueError when building, torch's when running)
        keras_run(call, shapes)
