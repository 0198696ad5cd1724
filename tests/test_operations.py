"""convcalc's own stand-ins for tensor functions (docs/operations.md): output shapes, the inputs
the frameworks reject, where the errors point, and what the analyses make of them.

Every expected shape and rejection below was read from the real call: torch 2.13.0 on the CPU,
on `torch.zeros((2, *input))` (x.permute, torch.chunk, F.scaled_dot_product_attention...), and
Keras 3.15.1 on the torch backend, on a keras.Input (keras.ops.mean...). No framework here: the
live comparison is the conformance suite's (tests/conformance/generate_ops.py and
test_operations_conformance.py).
"""

from __future__ import annotations

import json

import pytest

from convcalc import summarize
from convcalc.analysis.costs import costs
from convcalc.analysis.explain import explain
from convcalc.analysis.receptive import receptive_fields
from convcalc.errors import LayerError, SpecError
from convcalc.ops.attention import dot_product_attention
from convcalc.report import Report

Shape = tuple[int | None, ...]


def graph(framework: str, inputs: dict[str, Shape], layers: list[str], batch: int | None = 2) -> str:
    lines = [f"framework: {framework}", "inputs:"] + [f"  {name}: {json.dumps(list(s))}" for name, s in inputs.items()]
    if framework == "pytorch":
        lines.append(f"batch: {json.dumps(batch)}")
    return "\n".join([*lines, "layers:"] + [f"  - {json.dumps(layer)}" for layer in layers]) + "\n"


def outputs(framework: str, layer: str, *shapes: Shape) -> tuple[Shape, ...]:
    """The outputs of `layer` on inputs of `shapes` (batch excluded), named x, y, z, w."""
    names = "xyzw"[: len(shapes)]
    call = layer if len(shapes) == 1 else layer[:-1] + (", " if layer[-2] != "(" else "") + f"inputs={list(names)})"
    report = summarize(graph(framework, dict(zip(names, shapes)), [call]))
    return report.rows[-1].outputs


def rejection(framework: str, layer: str, *shapes: Shape) -> tuple[str, str]:
    with pytest.raises(SpecError) as caught:
        outputs(framework, layer, *shapes)
    found = caught.value.diagnostic
    return found.code, f"{found.message} ({found.hint})"


# (call, input shapes without the batch of 2, torch's outputs with it)
TORCH: list[tuple[str, tuple[Shape, ...], tuple[Shape, ...]]] = [
    ("Permute(0, 2, 3, 1)", ((3, 4, 5),), ((2, 4, 5, 3),)),
    ("Permute((0, 2, 3, 1))", ((3, 4, 5),), ((2, 4, 5, 3),)),
    ("Permute(dims=[0, 2, 3, 1])", ((3, 4, 5),), ((2, 4, 5, 3),)),
    ("Permute(0, -2, -1, 1)", ((3, 4, 5),), ((2, 4, 5, 3),)),
    ("Transpose(1, 3)", ((3, 4, 5),), ((2, 5, 4, 3),)),
    ("Transpose(1, 1)", ((3, 4, 5),), ((2, 3, 4, 5),)),
    ("Reshape(2, -1)", ((3, 4, 5),), ((2, 60),)),
    ("Reshape(shape=(2, -1))", ((3, 4, 5),), ((2, 60),)),
    ("View(size=(2, -1))", ((3, 4, 5),), ((2, 60),)),
    ("View(-1)", ((3, 4, 5),), ((120,),)),
    ("Squeeze()", ((1, 3, 1),), ((2, 3),)),
    ("Squeeze(2)", ((1, 3, 1),), ((2, 1, 3, 1),)),
    ("Squeeze((1, 3))", ((1, 3, 1),), ((2, 3),)),
    ("Squeeze([1, 2])", ((1, 3, 1),), ((2, 3, 1),)),
    ("Unsqueeze(4)", ((3, 4, 5),), ((2, 3, 4, 5, 1),)),
    ("Unsqueeze(-5)", ((3, 4, 5),), ((1, 2, 3, 4, 5),)),
    ("Expand(2, 4, 5)", ((1, 5),), ((2, 4, 5),)),
    ("Expand(-1, 4, -1)", ((1, 5),), ((2, 4, 5),)),
    ("Expand((3, 2, 4, 5))", ((1, 5),), ((3, 2, 4, 5),)),
    ("Repeat(2, 1, 3)", ((3, 4),), ((4, 3, 12),)),
    ("Repeat((3, 2, 1, 1))", ((3, 4),), ((3, 4, 3, 4),)),
    ("Repeat(repeats=[1, 1, 1])", ((3, 4),), ((2, 3, 4),)),
    ("Tile((2,))", ((3, 4),), ((2, 3, 8),)),
    ("Tile(2, 1, 1, 3)", ((3, 4),), ((2, 2, 3, 12),)),
    ("Tile(())", ((3, 4),), ((2, 3, 4),)),
    ("RepeatInterleave(2)", ((3, 4),), ((48,),)),
    ("RepeatInterleave(2, 1)", ((3, 4),), ((2, 6, 4),)),
    ("RepeatInterleave(3, dim=-1, output_size=12)", ((3, 4),), ((2, 3, 12),)),
    ("RepeatInterleave(1, 0)", ((3, 4),), ((2, 3, 4),)),
    ("Mean()", ((3, 4, 5),), ((),)),
    ("Mean(1)", ((3, 4, 5),), ((2, 4, 5),)),
    ("Mean((2, 3), keepdim=True)", ((3, 4, 5),), ((2, 3, 1, 1),)),
    ("Sum(())", ((3, 4, 5),), ((),)),
    ("Sum((-1, -2))", ((3, 4, 5),), ((2, 3),)),
    ("Amax()", ((3, 4, 5),), ((),)),
    ("Amax(1)", ((3, 4, 5),), ((2, 4, 5),)),
    ("Amin((1, 2), True)", ((3, 4, 5),), ((2, 1, 1, 5),)),
    ("Chunk(4, 1)", ((6, 5),), ((2, 2, 5),) * 3),
    ("Chunk(10, 1)", ((6, 5),), ((2, 1, 5),) * 6),
    ("Chunk(4, 2)", ((6, 5),), ((2, 6, 2), (2, 6, 2), (2, 6, 1))),
    ("Chunk(2)", ((6, 5),), ((1, 6, 5), (1, 6, 5))),
    ("Split(4, 1)", ((6, 5),), ((2, 4, 5), (2, 2, 5))),
    ("Split(10, 1)", ((6, 5),), ((2, 6, 5),)),
    ("Split([2, 4], 1)", ((6, 5),), ((2, 2, 5), (2, 4, 5))),
    ("Split(split_size_or_sections=2, dim=1)", ((6, 5),), ((2, 2, 5),) * 3),
    ("Matmul()", ((3, 4), (4, 5)), ((2, 3, 5),)),
    ("Matmul()", ((1, 2, 3), (5, 3, 4)), ((2, 5, 2, 4),)),
    ("ScaledDotProductAttention()", ((8, 5, 16), (8, 7, 16), (8, 7, 32)), ((2, 8, 5, 32),)),
    ("ScaledDotProductAttention()", ((5, 16), (7, 16), (7, 32)), ((2, 5, 32),)),
    ("ScaledDotProductAttention(is_causal=True)", ((8, 5, 16), (1, 7, 16), (1, 7, 32)), ((2, 8, 5, 32),)),
    ("ScaledDotProductAttention(enable_gqa=True)", ((8, 5, 16), (4, 7, 16), (2, 7, 32)), ((2, 8, 5, 32),)),
    ("ScaledDotProductAttention()", ((8, 5, 16), (8, 7, 16), (8, 7, 32), (1, 5, 7)), ((2, 8, 5, 32),)),
    ("ScaledDotProductAttention(dropout_p=1.0, scale=0.1)", ((8, 5, 16), (8, 7, 16), (8, 7, 32)), ((2, 8, 5, 32),)),
    ("Add(3)", ((3, 4),), ((2, 3, 4),)),
    ("Multiply(other=0.5)", ((3, 4),), ((2, 3, 4),)),
    ("Subtract(alpha=2)", ((3, 4), (1, 4)), ((2, 3, 4),)),
    ("Divide(rounding_mode='floor')", ((3, 4), (3, 1)), ((2, 3, 4),)),
    ("Interpolate(scale_factor=0.5, mode='bilinear', antialias=True)", ((3, 8, 8),), ((2, 3, 4, 4),)),
    ("Interpolate(size=(4, 5), mode='bicubic', antialias=True)", ((3, 8, 8),), ((2, 3, 4, 5),)),
    ("Interpolate(scale_factor=0.5, mode='lanczos', antialias=True)", ((3, 8, 8),), ((2, 3, 4, 4),)),
    ("Interpolate(scale_factor=1.3, recompute_scale_factor=True)", ((3, 8, 8),), ((2, 3, 10, 10),)),
    ("Interpolate(size=4)", ((3, 8),), ((2, 3, 4),)),
    ("Interpolate(size=3, mode='area')", ((3, 8, 8),), ((2, 3, 3, 3),)),
    ("Pad((1, 2))", ((3, 8, 8),), ((2, 3, 8, 11),)),
    ("Pad([1, 1])", ((3, 8, 8),), ((2, 3, 8, 10),)),
    ("Pad((1, 1, 1, 1, 1, 1, 1, 1))", ((3, 8, 8),), ((4, 5, 10, 10),)),
    ("Pad((-3, -3))", ((3, 8, 8),), ((2, 3, 8, 2),)),
    ("Pad((1, 2, 1, 1), mode='reflect')", ((3, 8, 8),), ((2, 3, 10, 11),)),
    ("Pad((1, 2, 1, 1, 1, 1), 'reflect')", ((3, 8, 8),), ((2, 5, 10, 11),)),
    ("Pad((1, 1, 2, 2), mode='circular')", ((3, 8, 8),), ((2, 3, 12, 10),)),
    ("Roll((-3, 3), (1, 2))", ((56, 56, 96),), ((2, 56, 56, 96),)),
    ("Roll(1)", ((3, 4),), ((2, 3, 4),)),
    ("Roll(2, -1)", ((3, 4),), ((2, 3, 4),)),
    ("Roll(shifts=(1, 1), dims=(1, 1))", ((3, 4),), ((2, 3, 4),)),
    ("Slice(-3, 0, None, 2)", ((7, 7, 96),), ((2, 4, 7, 96),)),
    ("Slice(-2, 1, None, 2)", ((7, 7, 96),), ((2, 7, 3, 96),)),
    ("Slice(1, None, 4)", ((7, 5),), ((2, 4, 5),)),
    ("Slice(2, -10, 100)", ((7, 5),), ((2, 7, 5),)),
    ("Slice(dim=1, start=-3, step=2)", ((7, 5),), ((2, 2, 5),)),
    ("Slice()", ((7, 5),), ((2, 7, 5),)),
    ("Index()", ((169, 3), (2401,)), ((2, 2401, 169, 3),)),
    ("Index()", ((10, 4), (5, 6)), ((2, 5, 6, 10, 4),)),
    ("Neg()", ((3, 4),), ((2, 3, 4),)),
    ("Cos()", ((3, 4),), ((2, 3, 4),)),
    ("Sin()", ((3, 4),), ((2, 3, 4),)),
    ("Exp()", ((3, 4),), ((2, 3, 4),)),
    ("Einsum('B G H I D, B G H J D -> B G H I J')", ((64, 2, 49, 32), (64, 2, 49, 32)), ((2, 64, 2, 49, 49),)),
    ("Einsum('bij,bjk->bik')", ((3, 4), (4, 5)), ((2, 3, 5),)),
    ("Einsum('...ij,...jk')", ((3, 4), (4, 5)), ((2, 3, 5),)),
    ("Einsum('bi,bj->ij')", ((3,), (4,)), ((3, 4),)),
    ("Einsum('bij->bji')", ((3, 4),), ((2, 4, 3),)),
    ("Clamp(max=4.605170185988092)", ((3, 1, 1),), ((2, 3, 1, 1),)),
    ("Clamp(-1, 1)", ((3, 4),), ((2, 3, 4),)),
    ("Normalize(dim=-1)", ((3, 49, 32),), ((2, 3, 49, 32),)),
    ("Normalize(1.0, 0, 1e-6)", ((3, 4),), ((2, 3, 4),)),
    ("Gather(1)", ((512,), (16,)), ((2, 16),)),  # RoBERTa's token types, gathered by position
    ("Gather(-1)", ((3, 4), (2, 7)), ((2, 2, 7),)),
    ("Cumsum(1)", ((16,),), ((2, 16),)),
    ("Cumsum(-1, dtype='int64')", ((3, 4),), ((2, 3, 4),)),
    ("NotEqual(1)", ((16,),), ((2, 16),)),
    ("NotEqual()", ((3, 4), (1, 4)), ((2, 3, 4),)),
]


@pytest.mark.parametrize(("call", "shapes", "expected"), TORCH, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(TORCH)])
def test_pytorch_operations_shape_as_torch(call: str, shapes: tuple[Shape, ...], expected: tuple[Shape, ...]) -> None:
    assert outputs("pytorch", call, *shapes) == expected


def test_matmul_of_vectors_as_torch() -> None:
    """torch.matmul(zeros(3), zeros(3)) is a scalar; (3,) @ (5, 3, 4) is (5, 4), (2, 3) @ (3,) is (2,):
    the batch is summed away first, as the conformance stacks do."""
    summed = ["Sum(0, name='v')", "Sum(0, name='w', inputs=['y'])"]
    rows = summarize(graph("pytorch", {"x": (3,), "y": (3,)}, [*summed, "Matmul(inputs=['v', 'w'])"])).rows
    assert rows[-1].output_shape == ()
    rows = summarize(graph("pytorch", {"x": (3,), "y": (3, 4)}, [*summed[:1], "Matmul(inputs=['v', 'y'])"])).rows
    assert rows[-1].output_shape == (2, 4)
    rows = summarize(graph("pytorch", {"x": (3,), "y": (2, 3)}, [*summed[:1], "Matmul(inputs=['y', 'v'])"])).rows
    assert rows[-1].output_shape == (2, 2)


# (call, input shapes, the code, a piece of convcalc's message): torch refuses each
TORCH_REJECTS: list[tuple[str, tuple[Shape, ...], str, str]] = [
    ("Permute(0, 1, 1, 2)", ((3, 4, 5),), "CC200", "names axis 1 twice"),
    ("Permute(0, 1, 2)", ((3, 4, 5),), "CC200", "orders 3 axes but the input (2, 3, 4, 5) has 4"),
    ("Permute(0, 1, 2, 4)", ((3, 4, 5),), "CC200", "dims 4 is out of range for a 4-D input"),
    ("Permute((0, 2), 1)", ((3, 4),), "CC105", "dims must be integers"),
    ("Transpose(1, 4)", ((3, 4, 5),), "CC200", "dim1 4 is out of range"),
    ("Reshape(7, -1)", ((3, 4, 5),), "CC201", "120 is not a multiple of 7"),
    ("Reshape(2, 3, 4)", ((3, 4, 5),), "CC201", "has 120 values but shape (2, 3, 4) holds 24"),
    ("Reshape(-1, -1)", ((3, 4, 5),), "CC105", "more than one -1"),
    ("View(0, -1)", ((3, 4, 5),), "CC105", "has a zero size"),
    ("View(-2, 60)", ((3, 4, 5),), "CC105", "sizes must be positive, or -1"),
    ("Squeeze(4)", ((1, 3, 1),), "CC200", "dim 4 is out of range"),
    ("Squeeze((1, 1))", ((1, 3, 1),), "CC200", "names axis 1 twice"),
    ("Unsqueeze(5)", ((3, 4, 5),), "CC200", "dim 5 is out of range for a 5-D input (expected -5 to 4)"),
    ("Unsqueeze((1, 2))", ((3, 4, 5),), "CC105", "dim must be an integer"),
    ("Expand(2, 4, 6)", ((1, 5),), "CC200", "cannot expand dim 2 of (2, 1, 5): it is 5, not 1"),
    ("Expand(4, 5)", ((1, 5),), "CC200", "fewer than the input (2, 1, 5) has axes"),
    ("Expand(-1, 2, 4, 5)", ((1, 5),), "CC200", "-1 cannot size the new leading dim 0"),
    ("Expand(2, 0, 5)", ((1, 5),), "CC105", "has the size 0"),
    ("Repeat(2, 2)", ((3, 4),), "CC200", "repeats (2, 2) has 2 repeats, fewer than the input (2, 3, 4) has axes"),
    ("Repeat(-1, 1, 1)", ((3, 4),), "CC105", "has the repeat -1"),
    ("Repeat(1, 0, 1)", ((3, 4),), "CC200", "repeats (1, 0, 1) repeats an axis 0 times"),
    ("Repeat(2.0, 1, 1)", ((3, 4),), "CC105", "repeats must be integers"),
    ("Tile((1, -4))", ((3, 4),), "CC105", "dims (1, 1, -4) has the repeat -4"),
    ("RepeatInterleave(-1, 1)", ((3, 4),), "CC105", "repeats must be non-negative, found -1"),
    ("RepeatInterleave(0, 1)", ((3, 4),), "CC200", "repeats 0 leaves no value"),
    ("RepeatInterleave(2, 3)", ((3, 4),), "CC200", "dim 3 is out of range for a 3-D input"),
    ("RepeatInterleave(2, 1, output_size=5)", ((3, 4),), "CC201", "Invalid output_size, expected 6 but got 5"),
    ("RepeatInterleave((1, 2, 3), 1)", ((3, 4),), "CC105", "a tensor of repeats sizes the output by its values"),
    ("Mean((1, 1))", ((3, 4, 5),), "CC200", "names axis 1 twice"),
    ("Mean(4)", ((3, 4, 5),), "CC200", "dim 4 is out of range"),
    ("Amax((1, 1))", ((3, 4, 5),), "CC200", "names axis 1 twice"),
    ("Chunk(0, 1)", ((6, 5),), "CC105", "chunks must be an integer greater than 0"),
    ("Chunk(2, 3)", ((6, 5),), "CC200", "dim 3 is out of range"),
    ("Split([2, 2], 1)", ((6, 5),), "CC200", "add up to 4, not to the size of dim 1 (6)"),
    ("Split([-1, 7], 1)", ((6, 5),), "CC105", "sizes >= 0"),
    ("Split([0, 6], 1)", ((6, 5),), "CC200", "make an empty piece"),
    ("Split(0, 1)", ((6, 5),), "CC105", "an integer >= 1"),
    ("Split(1, 1)", ((200_000,),), "CC200", "more than convcalc's bound of 100,000"),  # torch makes them all
    ("Matmul()", ((2, 3), (2, 4)), "CC200", "the inner sizes 3 and 2 differ"),
    ("Matmul()", ((4, 2, 3), (5, 3, 4)), "CC200", "leading (batch) axes (2, 4) and (2, 5) do not broadcast"),
    ("Matmul()", ((4, 2, 3),), "CC200", "Matmul takes 2 inputs, found 1"),
    ("ScaledDotProductAttention()", ((8, 5, 16), (8, 7, 12), (8, 7, 32)), "CC200", "features (E): 16 and 12"),
    ("ScaledDotProductAttention()", ((8, 5, 16), (8, 7, 16), (8, 6, 32)), "CC200", "lengths (S): 7 and 6"),
    ("ScaledDotProductAttention()", ((8, 5, 16), (4, 7, 16), (4, 7, 32)), "CC200", "enable_gqa=True lets fewer"),
    ("ScaledDotProductAttention(enable_gqa=True)", ((8, 5, 16), (3, 7, 16), (3, 7, 32)), "CC200", "3 heads (dim -3)"),
    ("ScaledDotProductAttention(enable_gqa=True)", ((1, 5, 16), (8, 7, 16), (8, 7, 32)), "CC200", "must divide the query's 1"),
    ("ScaledDotProductAttention(is_causal=True)", ((8, 5, 16), (8, 7, 16), (8, 7, 32), (5, 7)), "CC200", "is_causal=True"),
    ("ScaledDotProductAttention()", ((8, 5, 16), (8, 7, 16), (8, 7, 32), (5, 6)), "CC200", "does not broadcast to the scores"),
    ("ScaledDotProductAttention()", ((1, 5, 16), (1, 7, 16), (1, 7, 32), (3, 1, 5, 7)), "CC200", "(2, 1, 5, 7)"),
    ("ScaledDotProductAttention(dropout_p=1.5)", ((8, 5, 16), (8, 7, 16), (8, 7, 32)), "CC105", "between 0 and 1"),
    ("ScaledDotProductAttention(is_causal=1)", ((8, 5, 16), (8, 7, 16), (8, 7, 32)), "CC105", "True or False"),
    ("ScaledDotProductAttention()", ((8, 5, 16), (8, 7, 16)), "CC200", "takes 3 inputs"),
    ("ScaledDotProductAttention('mask')", ((8, 5, 16), (8, 7, 16), (8, 7, 32)), "CC105", "as a fourth input"),
    ("Add(3)", ((3, 4), (3, 4)), "CC200", "Add with other=3 takes one input, found 2"),
    ("Subtract()", ((3, 4),), "CC200", "Subtract takes 2 inputs"),
    ("Divide(rounding_mode='round')", ((3, 4), (3, 4)), "CC105", "rounding_mode must be one of None, 'trunc', 'floor'"),
    ("Interpolate(scale_factor=0.5, antialias=True)", ((3, 8, 8),), "CC105", "antialias=True is for the modes"),
    ("Interpolate(scale_factor=0.5, mode='linear', antialias=True)", ((3, 8),), "CC105", "antialias=True"),
    ("Interpolate(scale_factor=0.5, mode='bilinear', antialias=True)", ((3, 8, 8, 8),), "CC200", "4-D input"),
    ("Interpolate(scale_factor=0.5, mode='lanczos')", ((3, 8, 8),), "CC105", "needs antialias=True"),
    ("Interpolate(size=4, scale_factor=2)", ((3, 8, 8),), "CC105", "only one of size and scale_factor"),
    ("Interpolate(scale_factor=0)", ((3, 8, 8),), "CC200", "the output size would be (0, 0)"),
    ("Interpolate()", ((3, 8, 8),), "CC104", "give size or scale_factor"),
    ("Interpolate(size=4, align_corners=False)", ((3, 8, 8),), "CC105", "align_corners can only be set"),
    ("Interpolate(size=4, recompute_scale_factor=True)", ((3, 8, 8),), "CC105", "not meaningful with an explicit size"),
    ("Interpolate(size=4)", ((8,),), "CC200", "for mode='nearest'"),
    ("Pad(1)", ((3, 8, 8),), "CC105", "pad must be integers"),
    ("Pad((1, 2, 3))", ((3, 8, 8),), "CC105", "even length"),
    ("Pad((1, 1, 1, 1, 1, 1, 1, 1, 1, 1))", ((3, 8, 8),), "CC105", "at most 8 amounts"),
    ("Pad((1, 1), mode='reflect')", ((3, 8, 8),), "CC200", "needs a 2-D or 3-D input"),
    ("Pad((1, 1), mode='reflect', value=1.0)", ((3, 8),), "CC105", "takes no fill value"),
    ("Pad((1, 1), mode='zeros')", ((3, 8),), "CC105", "mode must be one of"),
    ("Pad((9, 1, 2, 2), mode='circular')", ((3, 8, 8),), "CC200", ""),
    ("Roll((1, 2), (1,))", ((3, 4),), "CC105", "shifts and dimensions must align: 2 shifts, 1 dims"),
    ("Roll((1, 2))", ((3, 4),), "CC105", "2 shifts, 0 dims"),
    ("Roll((), 1)", ((3, 4),), "CC105", "`shifts` required"),
    ("Roll(1, 3)", ((3, 4),), "CC200", "dims 3 is out of range for a 3-D input"),
    ("Slice(1, 0, None, 0)", ((3, 4),), "CC105", "slice step must be positive, found 0"),
    ("Slice(3)", ((3, 4),), "CC200", "dim 3 is out of range"),
    ("Slice(1, 3, 1)", ((3, 4),), "CC200", "the slice [3:1:1] of dim 1 (size 3) keeps no position"),
    ("Index()", ((3, 4), (2,), (2,)), "CC200", "Index takes 2 inputs"),
    ("Gather(1)", ((3, 4), (5,)), "CC200", "Index tensor must have the same number of dimensions as input tensor"),
    ("Gather(2)", ((3, 4), (4, 4)), "CC200", "index [2, 4, 4] to be no larger than self [2, 3, 4] apart from dimension 2"),
    ("Gather(3)", ((3, 4), (3, 4)), "CC200", "dim 3 is out of range for a 3-D input"),
    ("Cumsum(2)", ((3,),), "CC200", "dim 2 is out of range for a 2-D input"),
    ("Cumsum(1, dtype=3)", ((3,),), "CC105", "a dtype's name"),
    ("NotEqual()", ((3,),), "CC200", "NotEqual takes 2 inputs (or 1 and other=), found 1"),
    ("NotEqual()", ((3,), (4,)), "CC200", ""),
]


@pytest.mark.parametrize(("call", "shapes", "code", "text"), TORCH_REJECTS, ids=[c for c, *_ in TORCH_REJECTS])
def test_pytorch_operations_reject_what_torch_rejects(call: str, shapes: tuple[Shape, ...], code: str, text: str) -> None:
    found, message = rejection("pytorch", call, *shapes)
    assert (found, text in message) == (code, True), message


# Keras: (call, input shapes without the batch (None), Keras's symbolic output)
KERAS: list[tuple[str, tuple[Shape, ...], Shape]] = [
    ("Mean()", ((4, 5, 3),), ()),
    ("Mean(axis=(1, 2))", ((4, 5, 3),), (None, 3)),
    ("Mean(axis=[1, 2])", ((4, 5, 3),), (None, 3)),
    ("Mean(-1, keepdims=True)", ((4, 5, 3),), (None, 4, 5, 1)),
    ("Mean(axis=0)", ((4, 5, 3),), (4, 5, 3)),
    ("Mean(axis=())", ((4, 5, 3),), (None, 4, 5, 3)),
    ("Sum(1)", ((4, 5, 3),), (None, 5, 3)),
    ("Max(1, keepdims=True)", ((4, 5, 3),), (None, 1, 5, 3)),
    ("Max(1, initial=0.0)", ((4, 5),), (None, 5)),
    ("Min((1, 3))", ((4, 5, 3),), (None, 5)),
    ("Transpose()", ((4, 5, 3),), (3, 5, 4, None)),
    ("Transpose((0, 3, 1, 2))", ((4, 5, 3),), (None, 3, 4, 5)),
    ("Transpose((0, -1, 1, 2))", ((4, 5, 3),), (None, 3, 4, 5)),
    ("ExpandDims(1)", ((4, 5, 3),), (None, 1, 4, 5, 3)),
    ("ExpandDims(-1)", ((4, 5, 3),), (None, 4, 5, 3, 1)),
    ("ExpandDims((1, 2))", ((4, 5, 3),), (None, 1, 1, 4, 5, 3)),
    ("ExpandDims((1, 4))", ((4, 5),), (None, 1, 4, 5, 1)),
    ("Squeeze()", ((1, 5, 1),), (None, 5)),
    ("Squeeze(1)", ((1, 5, 1),), (None, 5, 1)),
    ("Squeeze((1, 3))", ((1, 5, 1),), (None, 5)),
    ("Squeeze()", ((None, 5),), (None, None, 5)),
    ("Matmul()", ((5, 3), (3, 4)), (None, 5, 4)),
    ("Matmul()", ((2, 5, 3), (3, 4)), (None, 2, 5, 4)),
    ("Matmul()", ((1, 5, 3), (7, 3, 4)), (None, 7, 5, 4)),
    ("Add(3.0)", ((4, 5),), (None, 4, 5)),
    ("Multiply(1 / 6)", ((4, 5),), (None, 4, 5)),
    ("Subtract(other=1)", ((4, 5),), (None, 4, 5)),
    ("TrueDivide(6)", ((4, 5),), (None, 4, 5)),
    ("TrueDivide()", ((4, 5), (1, 5)), (None, 4, 5)),
    ("TrueDivide()", ((None, 5), (4, 5)), (None, 4, 5)),
]


@pytest.mark.parametrize(("call", "shapes", "expected"), KERAS, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(KERAS)])
def test_keras_operations_shape_as_keras(call: str, shapes: tuple[Shape, ...], expected: Shape) -> None:
    assert outputs("keras", call, *shapes) == (expected,)


KERAS_REJECTS: list[tuple[str, tuple[Shape, ...], str]] = [
    ("Mean(4)", ((4, 5, 3),), "axis 4 is out of range"),
    ("Mean((1, 1))", ((4, 5, 3),), "names axis 1 twice"),  # Keras's symbolic shape drops two axes; its call fails
    ("Max(-5)", ((4, 5, 3),), "axis -5 is out of range"),
    ("Transpose((0, 1, 1, 2))", ((4, 5, 3),), "names axis 1 twice"),
    ("Transpose((0, 1, 2))", ((4, 5, 3),), "orders 3 axes"),
    ("Transpose((0, 1, 2, 4))", ((4, 5, 3),), "axes 4 is out of range"),
    ("ExpandDims(5)", ((4, 5, 3),), "axis 5 is out of range for a 5-D input"),
    ("ExpandDims((1, 1))", ((4, 5),), "names axis 1 twice"),
    ("Squeeze(2)", ((1, 5, 1),), "cannot squeeze axis 2, of size 5"),
    ("Squeeze(0)", ((1, 5, 1),), "axis 0 has an unknown size"),
    ("Matmul()", ((5, 3), (2, 4)), "the inner sizes 3 and 2 differ"),
    ("Matmul()", ((2, 5, 3), (7, 3, 4)), "do not broadcast"),
    ("Add(3.0)", ((4, 5), (4, 5)), "Add with other=3.0 takes one input, found 2"),
]


@pytest.mark.parametrize(("call", "shapes", "text"), KERAS_REJECTS, ids=[c for c, *_ in KERAS_REJECTS])
def test_keras_operations_reject_what_keras_rejects(call: str, shapes: tuple[Shape, ...], text: str) -> None:
    assert text in rejection("keras", call, *shapes)[1]


def test_grouped_query_attention_needs_heads() -> None:
    """torch reads the heads at dim -3 ("Dimension out of range" for 2-D inputs with enable_gqa)."""
    with pytest.raises(LayerError, match="reads the heads at dim -3"):
        dot_product_attention((5, 16), (7, 16), (7, 32), None, grouped=True)


def test_sizes_bind_as_torch_reads_an_int_list() -> None:
    code, message = rejection("pytorch", "Permute()", (3,))
    assert (code, "needs the argument 'dims'" in message) == ("CC104", True)
    code, message = rejection("pytorch", "Permute(0, 1, dims=(0, 1))", (3,))
    assert (code, "both by position and by keyword" in message) == ("CC104", True)


def test_a_cumsum_of_a_0_d_tensor_checks_its_dim() -> None:
    """torch.cumsum of a 0-d tensor (a Sum of every value) takes dim -1 or 0, as of a 1-D one:
    torch.cumsum(torch.tensor(1.0), 1) raises "Dimension out of range (expected to be in range
    of [-1, 0], but got 1)" (torch 2.13)."""
    for dim in (0, -1):
        assert summarize(graph("pytorch", {"x": (3,)}, ["Sum()", f"Cumsum({dim})"])).rows[-1].output_shape == ()
    with pytest.raises(SpecError) as caught:
        summarize(graph("pytorch", {"x": (3,)}, ["Sum()", "Cumsum(1)"]))
    assert (caught.value.diagnostic.code, "dim 1 is out of range" in caught.value.diagnostic.message) == ("CC200", True)


def test_the_forwards_batch_size_is_read_as_written() -> None:
    """`n = x.shape[0]; x.reshape(n, 768, -1)`, `token.expand(n, -1, -1)`: `shape(input)[0]` is
    the batch, a number when the spec gives one and None (unknown, carried along) when not."""
    layers = ["Reshape(shape(x)[0], 4, -1)", "Parameter((1, 1, 5), name='token')", "Expand(shape(x)[0], -1, -1)"]
    for batch, expected in ((2, [(2, 4, 3), (1, 1, 5), (2, 1, 5)]), (None, [(None, 4, 3), (1, 1, 5), (None, 1, 5)])):
        rows = summarize(graph("pytorch", {"x": (3, 4)}, layers, batch)).rows
        assert [row.output_shape for row in rows] == expected
    assert rejection("pytorch", "View(None, 'a')", (3, 4))[0] == "CC105"


def test_a_repeat_of_an_unknown_batch_is_unknown() -> None:
    """x.repeat(2, 1, 1) of a batch unknown until run time: 2 x None is None, as a repeat of 1 is."""
    for layer, expected in (
        ("Repeat(2, 1, 3)", (None, 3, 12)),
        ("Repeat(3, 1, 1, 1)", (3, None, 3, 4)),
        ("Tile((2,))", (None, 3, 8)),
        ("RepeatInterleave(2, 0)", (None, 3, 4)),
        ("RepeatInterleave(2)", (None,)),
    ):
        assert summarize(graph("pytorch", {"x": (3, 4)}, [layer], None)).rows[-1].output_shape == expected, layer


def test_an_error_points_at_the_argument() -> None:
    text = graph("pytorch", {"x": (3, 4, 5)}, ["Conv2d(3, 3, 1)", "Permute(0, 1, 1, 2)"])
    with pytest.raises(SpecError) as caught:
        summarize(text, "net.yaml")
    assert str(caught.value).startswith("net.yaml:7:14: CC200 layer permute (Permute): dims (0, 1, 1, 2) names axis 1 twice")


# --- The analyses


def report(framework: str, layers: list[str], **inputs: Shape) -> Report:
    return summarize(graph(framework, inputs or {"x": (4, 12, 10)}, layers))


def test_receptive_fields_follow_a_permute_and_end_at_a_reduction() -> None:
    rows = receptive_fields(
        report("pytorch", ["Conv2d(4, 4, 3, stride=2)", "Transpose(2, 3)", "Conv2d(4, 4, (3, 1))", "Mean((2, 3))"])
    )
    permuted, conv, mean = (r.field for r in rows[1:])
    assert permuted is not None and (permuted.axes, permuted.size, permuted.stride) == ((2, 3), (3, 3), (2, 2))
    assert conv is not None and conv.size == (7, 3)  # the (3, 1) window runs along the old width, stride 2
    assert mean is None and "it works along axis 2, which is spatial here" in rows[-1].reason


def test_receptive_fields_end_where_a_view_rearranges_and_carry_over_every_piece() -> None:
    rows = receptive_fields(
        report("pytorch", ["Conv2d(4, 4, 3)", "Chunk(2, 1, name='c')", "Conv2d(2, 2, 3, inputs=['c[1]'])", "Reshape(2, -1)"])
    )
    assert [r.field.size if r.field else None for r in rows] == [(3, 3), (3, 3), (5, 5), None]
    assert "rearranges positions" in rows[-1].reason
    spatial = receptive_fields(report("pytorch", ["Conv2d(4, 4, 3)", "Chunk(2, 2, name='c')"]))
    assert spatial[-1].field is None  # a cut along a spatial axis moves the later pieces


def test_receptive_fields_step_through_a_slice_and_end_at_a_roll() -> None:
    """A slice is a window one position wide: x[:, :, 1::2] strides the height by 2 and crops one
    row before it; a slice of the channels leaves the field as it was. A roll wraps positions
    round, so no window describes it."""
    layers = ["Conv2d(4, 4, 3, padding=1)", "Slice(2, 1, None, 2)", "Slice(1, 0, None, 2)", "Conv2d(2, 2, 3)", "Roll(1, 3)"]
    rows = receptive_fields(report("pytorch", layers))
    fields = [(r.field.size, r.field.stride, r.field.padding) if r.field else None for r in rows]
    assert fields[:4] == [((3, 3), (1, 1), (1, 1)), ((3, 3), (2, 1), (0, 1)), ((3, 3), (2, 1), (0, 1)), ((7, 5), (2, 1), (0, 1))]
    assert fields[4] is None and "it works along axis 3, which is spatial here" in rows[4].reason


def test_receptive_fields_pass_new_leading_axes_and_end_along_a_repeated_axis() -> None:
    """A repeat of the channels (or new axes in front) leaves the spatial field as it was; positions
    along a repeated or interleaved spatial axis wrap round or spread, so no window describes them."""
    layers = ["Conv2d(4, 4, 3)", "Repeat(1, 2, 1, 1)", "Tile((2, 1, 1, 1, 1))", "Tile((1, 2, 1))"]
    rows = receptive_fields(report("pytorch", layers))
    assert [r.field.size if r.field else None for r in rows] == [(3, 3), (3, 3), (3, 3), None]
    assert "it works along axis 3, which is spatial here" in rows[-1].reason  # the new leading axis moved it
    rows = receptive_fields(report("pytorch", ["Conv2d(4, 4, 3)", "RepeatInterleave(2, 1)", "RepeatInterleave(2, -1)"]))
    assert [r.field.size if r.field else None for r in rows] == [(3, 3), (3, 3), None]


def test_keras_permute_and_transpose_move_the_field() -> None:
    rows = receptive_fields(report("keras", ["Conv2D(2, 3, strides=2)", "Permute((2, 1, 3))", "Transpose((0, 2, 1, 3))"]))
    assert [(r.field.axes, r.field.stride) for r in rows if r.field] == [((1, 2), (2, 2))] * 3


def test_macs_are_fvcores() -> None:
    """matmul_flop_jit: elements of the first operand x the second's last size; attention's two
    products; F.interpolate's nearest handler (output elements); everything else 0."""
    pairs = report("pytorch", ["Matmul(inputs=['x', 'y'])"], x=(3, 4, 5), y=(3, 5, 6)).rows[0]
    assert costs(summarize(graph("pytorch", {"x": (3, 4, 5), "y": (3, 5, 6)}, ["Matmul(inputs=['x', 'y'])"]))).macs == 2 * 60 * 6
    assert pairs.output_shape == (2, 3, 4, 6)
    attention = graph(
        "pytorch",
        {"q": (8, 5, 16), "k": (2, 7, 16), "v": (2, 7, 32)},
        ["ScaledDotProductAttention(enable_gqa=True, inputs=[q, k, v])"],
    )
    assert costs(summarize(attention)).macs == 2 * 8 * 5 * 7 * (16 + 32)
    resized = [
        "Interpolate(scale_factor=2)",
        "Interpolate(scale_factor=0.5, mode='bilinear', antialias=True)",
        "Permute(0, 2, 3, 1)",
    ]
    assert [c.macs for c in costs(report("pytorch", resized)).layers] == [2 * 4 * 24 * 20, 0, 0]


def test_explain_words_each_family() -> None:
    layers = ["Reshape(2, 4, -1)", "Permute(0, 2, 1)", "Chunk(3, 1)", "Mean(-1, keepdim=True)", "Unsqueeze(0)"]
    found = {item.type: item.steps for item in explain(report("pytorch", layers))}
    assert [(s.what, s.value) for s in found["Reshape"][:2]] == [("values", 960), ("axis 2 (-1)", 120)]
    assert [(s.what, s.formula, s.value) for s in found["Permute"][:3]] == [
        ("axis 0", "input axis 0", 2),
        ("axis 1", "input axis 2", 120),
        ("axis 2", "input axis 1", 4),
    ]
    assert [(s.what, s.substituted, s.value) for s in found["Chunk"][:2]] == [
        ("piece size (axis 1)", "ceil(120 / 3)", 40),
        ("pieces", "ceil(120 / 40)", 3),
    ]
    assert (found["Mean"][0].what, found["Mean"][0].substituted) == ("input axis 2", "4 -> 1")
    assert found["Unsqueeze"][0].formula == "a new axis"
    found = {item.type: item.steps for item in explain(report("pytorch", ["Slice(2, -7, None, 3)", "Roll((1, -2), (1, 3))"]))}
    assert [(s.what, s.substituted, s.value) for s in found["Slice"][:1]] == [("axis 2", "ceil((12 - 5) / 3)", 3)]
    assert [(s.what, s.formula, s.value) for s in found["Roll"][:2]] == [
        ("axis 1", "positions move 1 places", 4),
        ("axis 3", "positions move -2 places", 10),
    ]
    gathered = explain(report("pytorch", ["Index(inputs=[x, i])"], x=(169, 3), i=(49, 49)))[0].steps
    assert [s.substituted for s in gathered if s.what == "output"] == ["(2, 49, 49) + (169, 3) = (2, 49, 49, 169, 3)"]


def test_the_schema_describes_each_stand_in_by_its_builder() -> None:
    """frameworks/descriptions.py holds what scripts/gen_signatures.py --descriptions reads from
    the stand-ins' builders (regenerate it when a docstring changes)."""
    import importlib.util
    from pathlib import Path

    from convcalc.frameworks import descriptions

    path = Path(__file__).parents[1] / "scripts" / "gen_signatures.py"
    loaded = importlib.util.spec_from_file_location("gen_signatures", path)
    assert loaded is not None and loaded.loader is not None
    generator = importlib.util.module_from_spec(loaded)
    loaded.loader.exec_module(generator)
    for framework in ("pytorch", "keras"):
        written = getattr(descriptions, framework.upper())
        for name, entry in generator.stand_ins(framework).items():
            assert written[name] == entry, f"{name}: run scripts/gen_signatures.py --descriptions"
            if name not in ("Parameter", "Buffer"):  # a learned or constant tensor (docs/spec.md), not a call
                assert entry[0].startswith(("torch.", "x.", "F.", "keras.ops.")), name
