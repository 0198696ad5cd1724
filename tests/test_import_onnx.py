"""`convcalc import` of ONNX files: operators mapped to PyTorch layers, exporter artefacts read as
what they stand for, and files that are not what they claim refused in one line.

Graphs are built with onnx.helper (the real round trips, through torch.onnx.export, are in
tests/conformance/test_import_roundtrip.py).
"""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import invoke

onnx = pytest.importorskip("onnx", reason="the ONNX importer needs onnx (pip install onnx)")
from onnx import TensorProto, helper  # noqa: E402

from convcalc import summarize  # noqa: E402
from convcalc.errors import SpecError  # noqa: E402
from convcalc.sources import convert  # noqa: E402
from convcalc.sources.onnx_ops import OPS  # noqa: E402

DOCS = Path(__file__).parents[1] / "docs"
FLOAT = TensorProto.FLOAT
BN = ("weight", "bias", "running_mean", "running_var")


def weight(name: str, *dims: int) -> Any:
    """An initializer of these dims; its values are zeros (the importer never reads them)."""
    return helper.make_tensor(name, FLOAT, dims, [0.0] * math.prod(dims))


def ints(name: str, *values: int) -> Any:
    return helper.make_tensor(name, TensorProto.INT64, (len(values),), list(values))


def save(
    tmp_path: Path, nodes: list[Any], shape: list[Any], initializers: tuple[Any, ...] | list[Any] = (), opset: int = 17
) -> str:
    graph = helper.make_graph(
        nodes,
        "net",
        [helper.make_tensor_value_info("x", FLOAT, shape)],
        [helper.make_tensor_value_info(nodes[-1].output[0], FLOAT, None)],
        list(initializers),
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    path = tmp_path / "model.onnx"
    path.write_bytes(model.SerializeToString())
    return str(path)


def layers(path: str) -> list[str]:
    imported = convert(path)
    assert not imported.problems, [p.text() for p in imported.problems]
    return [line.split("#")[0].strip()[2:] for line in imported.text.splitlines() if line.startswith("  - ")]


def test_a_convolution_and_its_batch_norm(tmp_path: Path) -> None:
    nodes = [
        helper.make_node(
            "Conv", ["x", "conv.weight"], ["a"], "/conv/Conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2]
        ),
        helper.make_node(
            "BatchNormalization", ["a", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"], ["b"], "/bn/BN"
        ),
        helper.make_node("Clip", ["b", "zero", "six"], ["c"], "/act/Clip"),
        helper.make_node("GlobalAveragePool", ["c"], ["d"], "/pool/GlobalAveragePool"),
        helper.make_node("Flatten", ["d"], ["e"], "/Flatten"),
        helper.make_node("Gemm", ["e", "fc.weight", "fc.bias"], ["y"], "/fc/Gemm", transB=1),
    ]
    inits = [weight("conv.weight", 8, 3, 3, 3), weight("fc.weight", 10, 8), weight("fc.bias", 10)]
    inits += [weight(f"bn.{n}", 8) for n in BN]
    inits += [helper.make_tensor("zero", FLOAT, (), [0.0]), helper.make_tensor("six", FLOAT, (), [6.0])]
    expected = [
        'Conv2d(3, 8, 3, stride=2, padding=1, bias=False, name="conv")',
        'BatchNorm2d(8, name="bn")',
        'ReLU6(name="act")',
        'AdaptiveAvgPool2d(1, name="pool")',
        'Flatten(name="flatten")',
        'Linear(8, 10, name="fc")',
    ]
    assert layers(save(tmp_path, nodes, [1, 3, 32, 32], inits)) == expected
    # with a dynamic batch, ONNX states every shape with its None: nothing is inferred again
    # (onnx's inference of one node, given what ONNX already had, cannot fill the batch)
    from convcalc.sources import onnx_file

    inferred = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(onnx_file._Importer, "infer", lambda self, node: inferred.append(node.op))
        assert layers(save(tmp_path, nodes, ["batch", 3, 32, 32], inits)) == expected
    assert inferred == []


def test_deduplicated_initializers_are_read_through_identity(tmp_path: Path) -> None:
    """torch.onnx keeps one of equal initializers and hands it on under the others' names."""
    nodes = [
        helper.make_node("Identity", ["a.weight"], ["b.weight"], "Identity_0"),
        helper.make_node("BatchNormalization", ["x", "a.weight", "a.weight", "a.weight", "a.weight"], ["h"], "n1"),
        helper.make_node("BatchNormalization", ["h", "b.weight", "b.weight", "b.weight", "b.weight"], ["y"], "n2"),
    ]
    imported = convert(save(tmp_path, nodes, [1, 4, 5, 5], [weight("a.weight", 4)]))
    assert [line.split("#")[0].strip() for line in imported.text.splitlines() if "BatchNorm" in line] == [
        '- BatchNorm2d(4, name="a")',
        '- BatchNorm2d(4, name="b")',
    ]
    assert any("deduplication of equal initializers" in line for line in imported.draft.header)


def test_shape_arithmetic_feeding_a_reshape_is_followed(tmp_path: Path) -> None:
    """x.view(x.size(0), -1) with a symbolic batch: Shape, Gather, Unsqueeze, Concat, Reshape."""
    nodes = [
        helper.make_node("Shape", ["x"], ["s"], "/Shape"),
        helper.make_node("Constant", [], ["i"], "/Constant", value=helper.make_tensor("i", TensorProto.INT64, (), [0])),
        helper.make_node("Gather", ["s", "i"], ["n"], "/Gather", axis=0),
        helper.make_node("Unsqueeze", ["n", "axes"], ["n1"], "/Unsqueeze"),
        helper.make_node("Concat", ["n1", "minus"], ["shape"], "/Concat", axis=0),
        helper.make_node("Reshape", ["x", "shape"], ["r"], "/Reshape"),
        helper.make_node("Transpose", ["x"], ["y"], "/t/Transpose", perm=[0, 2, 3, 1]),
    ]
    path = save(tmp_path, nodes[:6], ["batch", 2, 3, 4], [ints("axes", 0), ints("minus", -1)])
    imported = convert(path)
    assert layers(path) == ['Flatten(name="reshape")']
    assert "input: [2, 3, 4]" in imported.text and "batch:" not in imported.text
    assert any("Shape arithmetic followed" in line for line in imported.draft.header)


def test_matmul_and_its_bias_are_one_linear(tmp_path: Path) -> None:
    nodes = [
        helper.make_node("MatMul", ["x", "onnx::MatMul_1"], ["m"], "/proj/MatMul"),
        helper.make_node("Add", ["proj.bias", "m"], ["a"], "/proj/Add"),
        helper.make_node("MatMul", ["a", "onnx::MatMul_2"], ["y"], "/head/MatMul"),
    ]
    inits = [weight("onnx::MatMul_1", 6, 8), weight("proj.bias", 8), weight("onnx::MatMul_2", 8, 2)]
    assert layers(save(tmp_path, nodes, [1, 5, 6], inits)) == [
        'Linear(6, 8, name="proj")',
        'Linear(8, 2, bias=False, name="head")',
    ]


def test_gemm_with_weights_stored_in_out(tmp_path: Path) -> None:
    nodes = [helper.make_node("Gemm", ["x", "fc.weight"], ["y"], "/fc/Gemm")]
    imported = convert(save(tmp_path, nodes, [1, 6], [weight("fc.weight", 6, 4)]))
    assert 'Linear(6, 4, bias=False, name="fc")' in imported.text
    assert any("transB=0" in line for line in imported.draft.header)


def test_padding_on_one_side_comes_first(tmp_path: Path) -> None:
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["a"], "c", kernel_shape=[3, 3], pads=[0, 0, 1, 1], strides=[2, 2]),
        helper.make_node("MaxPool", ["a"], ["y"], "p", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
    ]
    assert layers(save(tmp_path, nodes, [1, 3, 8, 8], [weight("w", 4, 3, 3, 3)])) == [
        'ZeroPad2d((0, 1, 0, 1), name="c_zeropad2d")',
        'Conv2d(3, 4, 3, stride=2, bias=False, name="c")',
        'MaxPool2d(3, stride=1, padding=1, name="p")',  # ONNX's strides default to 1, PyTorch's to the kernel
    ]


def test_operands_numbers_and_learned_tensors(tmp_path: Path) -> None:
    nodes = [
        helper.make_node("Mul", ["x", "half"], ["a"], "/Mul"),
        helper.make_node("Add", ["a", "pos_embedding"], ["b"], "/Add"),
        helper.make_node("Softmax", ["b"], ["y"], "/Softmax", axis=-1),
    ]
    inits = [helper.make_tensor("half", FLOAT, (), [0.5]), weight("pos_embedding", 1, 4, 8)]
    assert layers(save(tmp_path, nodes, [1, 4, 8], inits)) == [
        'Multiply(0.5, name="mul")',
        'Parameter((1, 4, 8), name="pos_embedding")',
        'Add(name="add", inputs=["mul", "pos_embedding"])',
        'Softmax(-1, name="softmax")',
    ]


def test_split_concat_and_resize(tmp_path: Path) -> None:
    nodes = [
        helper.make_node("Split", ["x", "sizes"], ["a", "b"], "/Split", axis=1),
        helper.make_node("Concat", ["b", "a"], ["c"], "/Concat", axis=1),
        helper.make_node("Resize", ["c", "", "scales"], ["y"], "/up/Resize", mode="nearest"),
    ]
    inits = [ints("sizes", 2, 4), helper.make_tensor("scales", FLOAT, (4,), [1, 1, 2, 2])]
    assert layers(save(tmp_path, nodes, [1, 6, 4, 4], inits)) == [
        'Split([2, 4], 1, name="split")',
        'Concat(1, name="concat", inputs=["split[1]", "split"])',
        'Upsample(scale_factor=2, name="up")',
    ]


def test_a_deduplicated_operand_is_the_models_own_tensor(tmp_path: Path) -> None:
    """ConvNeXt's layer scales are equal when fresh: torch.onnx keeps one and hands it on through
    Identity, but the model has one per block, and so does the spec."""
    nodes = [
        helper.make_node("Identity", ["a.layer_scale"], ["b.layer_scale"], "Identity_0"),
        helper.make_node("Mul", ["a.layer_scale", "x"], ["h"], "/a/Mul"),
        helper.make_node("Mul", ["b.layer_scale", "h"], ["y"], "/b/Mul"),
    ]
    assert layers(save(tmp_path, nodes, [1, 4, 5, 5], [weight("a.layer_scale", 4, 1, 1)])) == [
        'Parameter((4, 1, 1), name="a_layer_scale")',
        'Multiply(name="a", inputs=["a_layer_scale", "input"])',
        'Parameter((4, 1, 1), name="b_layer_scale")',
        'Multiply(name="b", inputs=["b_layer_scale", "a"])',
    ]


def test_a_transposed_weight_its_matmul_and_bias_are_one_linear(tmp_path: Path) -> None:
    """nn.Linear on a 3-D input, exported without constant folding: Transpose, MatMul, Add."""
    nodes = [
        helper.make_node("Transpose", ["fc.weight"], ["t"], "/fc/Transpose", perm=[1, 0]),
        helper.make_node("MatMul", ["x", "t"], ["m"], "/fc/MatMul"),
        helper.make_node("Add", ["fc.bias", "m"], ["y"], "/fc/Add"),
    ]
    path = save(tmp_path, nodes, [1, 5, 6], [weight("fc.weight", 8, 6), weight("fc.bias", 8)])
    assert layers(path) == ['Linear(6, 8, name="fc")']
    assert any("a Transpose of an initializer" in line for line in convert(path).draft.header)


def test_slices_of_a_tensor_are_the_pieces_of_one_split(tmp_path: Path) -> None:
    """x.chunk(2, dim=1) as torch.onnx exports it: two Slices, one Split."""
    nodes = [
        helper.make_node("Slice", ["x", "zero", "three", "one"], ["a"], "/Slice"),
        helper.make_node("Slice", ["x", "three", "six", "one"], ["b"], "/Slice_1"),
        helper.make_node("Relu", ["a"], ["r"], "/Relu"),
        helper.make_node("Concat", ["b", "r"], ["y"], "/Concat", axis=1),
    ]
    inits = [ints("zero", 0), ints("three", 3), ints("six", 6), ints("one", 1)]
    assert layers(save(tmp_path, nodes, [1, 6, 4, 4], inits)) == [
        'Split(3, 1, name="slice")',
        'ReLU(name="relu")',
        'Concat(1, name="concat", inputs=["slice[1]", "relu"])',
    ]


@pytest.mark.parametrize(("start", "shift"), [(3, -3), (53, 3)])
def test_two_slices_concatenated_the_other_way_round_are_a_roll(tmp_path: Path, start: int, shift: int) -> None:
    """torch.roll(x, -3, 1) (Swin's cyclic shift) is x[:, 3:] and x[:, :3] concatenated; its
    roll back, torch.roll(x, 3, 1), x[:, 53:] and x[:, :53]."""
    nodes = [
        helper.make_node("Slice", ["x", "start", "end", "one"], ["a"], "/Slice"),
        helper.make_node("Slice", ["x", "zero", "start", "one"], ["b"], "/Slice_1"),
        helper.make_node("Concat", ["a", "b"], ["y"], "/Concat", axis=1),
    ]
    inits = [ints("zero", 0), ints("start", start), ints("end", INT64_MAX), ints("one", 1)]
    path = save(tmp_path, nodes, [1, 56, 4], inits)
    assert layers(path) == [f'Roll({shift}, 1, name="slice")']
    assert summarize(convert(path).text, "r.yaml").rows[-1].output_shape == (1, 56, 4)


INT64_MAX = 2**63 - 1


def test_a_slice_with_steps_and_several_axes_is_a_slice_row_for_each_axis(tmp_path: Path) -> None:
    """Swin's patch merging x[..., 1::2, 0::2, :]: ONNX clamps as Python does, INT64's maximum
    is "to the end", and an axis the Slice does not cut (0:7:1) is no row."""
    nodes = [helper.make_node("Slice", ["x", "starts", "ends", "axes", "steps"], ["y"], "/Slice")]
    inits = [ints("starts", 1, 0, -100), ints("ends", INT64_MAX, INT64_MAX, 7), ints("axes", 1, -2, 3), ints("steps", 2, 2, 1)]
    imported = convert(save(tmp_path, nodes, [1, 7, 6, 7], inits))
    assert [line.split("#")[0].strip()[2:] for line in imported.text.splitlines() if line.startswith("  - ")] == [
        'Slice(1, 1, None, 2, name="slice_slice")',
        'Slice(2, 0, None, 2, name="slice")',
    ]
    assert summarize(imported.text, "s.yaml").rows[-1].output_shape == (1, 3, 3, 7)


def test_an_einsum_is_the_einsum_of_its_inputs(tmp_path: Path) -> None:
    """MaxViT's attention, exported: torch.einsum's equation as torch.onnx writes it, an
    initializer operand a Parameter; the shapes and MACs those of torch.einsum."""
    nodes = [
        helper.make_node("Einsum", ["x", "x"], ["s"], "/attn/Einsum", equation="bhid,bhjd->bhij"),
        helper.make_node("Einsum", ["s", "proj"], ["y"], "/attn/Einsum_1", equation="bhij,jk->bhik"),
    ]
    imported = convert(save(tmp_path, nodes, [1, 2, 5, 4], [weight("proj", 5, 3)]))
    assert [line.split("#")[0].strip()[2:] for line in imported.text.splitlines() if line.startswith("  - ")] == [
        'Einsum("bhid,bhjd->bhij", name="attn", inputs=["input", "input"])',
        'Parameter((5, 3), name="proj")',
        'Einsum("bhij,jk->bhik", name="attn_1", inputs=["attn", "proj"])',
    ]
    report = summarize(imported.text, "e.yaml")
    assert [row.output_shape for row in report.rows] == [(1, 2, 5, 5), (5, 3), (1, 2, 5, 3)]
    assert report.totals.params == 15


def test_a_slice_with_a_negative_step_is_refused(tmp_path: Path) -> None:
    nodes = [helper.make_node("Slice", ["x", "minus", "low", "zero", "minus"], ["y"], "/Slice")]
    inits = [ints("minus", -1), ints("low", -INT64_MAX), ints("zero", 0)]
    with pytest.raises(SpecError, match=r"Slice node '/Slice': a Slice with step -1: PyTorch's slices step forward"):
        convert(save(tmp_path, nodes, [1, 6, 4], inits))


def test_an_expand_by_a_shape_computed_through_where(tmp_path: Path) -> None:
    """ViT's class_token.expand(n, -1, -1): the shape goes through Equal and Where."""
    nodes = [
        helper.make_node("ConstantOfShape", ["three"], ["ones"], "/ConstantOfShape", value=helper.make_tensor("v", 7, (1,), [1])),
        helper.make_node("Equal", ["sizes", "minus"], ["unset"], "/Equal"),
        helper.make_node("Where", ["unset", "ones", "sizes"], ["shape"], "/Where"),
        helper.make_node("Expand", ["class_token", "shape"], ["t"], "/Expand"),
        helper.make_node("Concat", ["t", "x"], ["y"], "/Concat", axis=1),
    ]
    inits = [ints("three", 3), ints("sizes", 1, -1, -1), ints("minus", -1, -1, -1), weight("class_token", 1, 1, 8)]
    assert layers(save(tmp_path, nodes, [1, 4, 8], inits)) == [
        'Parameter((1, 1, 8), name="class_token")',
        'Expand(-1, -1, -1, name="expand")',
        'Concat(1, name="concat", inputs=["expand", "input"])',
    ]


def test_with_a_dynamic_batch_an_expand_to_the_batch_reads_the_inputs_size(tmp_path: Path) -> None:
    """ViT exported with a dynamic batch: `class_token.expand(n, -1, -1)`'s n is Shape(x)[0],
    unknown, through Equal and Where (where an unknown condition is an unknown size); the spec
    reads it from the input, so the spec runs at any batch."""
    nodes = [
        helper.make_node("Shape", ["x"], ["x_shape"], "/Shape"),
        helper.make_node("Gather", ["x_shape", "zero"], ["n"], "/Gather", axis=0),
        helper.make_node("Unsqueeze", ["n", "zero_axis"], ["n1"], "/Unsqueeze"),
        helper.make_node("Concat", ["n1", "minus_two"], ["sizes"], "/Concat_1", axis=0),
        helper.make_node("ConstantOfShape", ["three"], ["ones"], "/ConstantOfShape", value=helper.make_tensor("v", 7, (1,), [1])),
        helper.make_node("Equal", ["sizes", "minus"], ["unset"], "/Equal"),
        helper.make_node("Where", ["unset", "ones", "sizes"], ["shape"], "/Where"),
        helper.make_node("Expand", ["class_token", "shape"], ["t"], "/Expand"),
        helper.make_node("Concat", ["t", "x"], ["y"], "/Concat", axis=1),
    ]
    zero = helper.make_tensor("zero", TensorProto.INT64, (), [0])
    inits = [zero, ints("zero_axis", 0), ints("minus_two", -1, -1), ints("three", 3), ints("minus", -1, -1, -1)]
    path = save(tmp_path, nodes, ["batch", 4, 8], [*inits, weight("class_token", 1, 1, 8)])
    assert layers(path) == [
        'Parameter((1, 1, 8), name="class_token")',
        'Expand(shape(input)[0], -1, -1, name="expand")',
        'Concat(1, name="concat", inputs=["expand", "input"])',
    ]
    text = convert(path).text
    assert summarize(text).output_shape == (None, 5, 8)
    assert summarize(text, batch=3).output_shape == (3, 5, 8)


def test_with_a_dynamic_batch_a_reshape_reads_the_batch_from_the_input(tmp_path: Path) -> None:
    """timm's GroupNorm1 exported with a dynamic batch, `x.reshape(B, groups, -1)`: ONNX's 0
    copies the input's size (`shape(x)[0]`); CoAtNet's attention takes B from Shape(x)[0]. Two
    unknown sizes, one read from a tensor: the spec runs at any batch."""
    nodes = [
        helper.make_node("Reshape", ["x", "copied"], ["a"], "/norm/Reshape"),
        helper.make_node("Shape", ["a"], ["a_shape"], "/Shape"),
        helper.make_node("Gather", ["a_shape", "zero"], ["n"], "/Gather", axis=0),
        helper.make_node("Unsqueeze", ["n", "zero_axis"], ["n1"], "/Unsqueeze"),
        helper.make_node("Concat", ["n1", "rest"], ["sizes"], "/Concat", axis=0),
        helper.make_node("Reshape", ["a", "sizes"], ["y"], "/attn/Reshape"),
    ]
    zero = helper.make_tensor("zero", TensorProto.INT64, (), [0])
    inits = [ints("copied", 0, 2, -1), zero, ints("zero_axis", 0), ints("rest", 4, -1)]
    path = save(tmp_path, nodes, ["batch", 4, 6], inits)
    assert layers(path) == [
        'Reshape(shape(input)[0], 2, -1, name="norm")',
        'Reshape(shape(input)[0], 4, -1, name="attn")',
    ]
    text = convert(path).text
    assert summarize(text).output_shape == (None, 4, 6)
    assert summarize(text, batch=3).output_shape == (3, 4, 6)


@pytest.mark.parametrize(("dims", "size"), [(["batch", "length", 8], ["n1"]), (["batch", 4, 8], ["twice"])])
def test_an_expand_to_an_unknown_size_other_than_the_batch_is_refused(tmp_path: Path, dims: list[Any], size: list[str]) -> None:
    """Only the batch's own size is read from the input: a dynamic sequence length (dim 1,
    another dim_param) or twice the batch (`2 * x.size(0)`) would be misread as it."""
    index = 1 if dims[1] == "length" else 0
    nodes = [
        helper.make_node("Shape", ["x"], ["x_shape"], "/Shape"),
        helper.make_node("Gather", ["x_shape", f"i{index}"], ["n"], "/Gather", axis=0),
        helper.make_node("Mul", ["n", "two"], ["n2"], "/Mul"),
        helper.make_node("Unsqueeze", ["n", "zero_axis"], ["n1"], "/Unsqueeze"),
        helper.make_node("Unsqueeze", ["n2", "zero_axis"], ["twice"], "/Unsqueeze_1"),
        helper.make_node("Concat", [*size, "minus_one"], ["sizes"], "/Concat", axis=0),
        helper.make_node("Expand", ["token", "sizes"], ["y"], "/Expand"),
    ]
    scalars = [helper.make_tensor(name, TensorProto.INT64, (), [v]) for name, v in (("i0", 0), ("i1", 1), ("two", 2))]
    inits = [*scalars, ints("zero_axis", 0), ints("minus_one", -1), weight("token", 1, 8)]
    with pytest.raises(SpecError, match="Expand node '/Expand': shape is computed from values the importer cannot follow"):
        convert(save(tmp_path, nodes, dims, inits))


def test_a_tile_by_constant_repeats_is_a_tile(tmp_path: Path) -> None:
    """`x.repeat(1, 2, 3)`, `torch.tile(x, ...)` as torch.onnx writes them; with a dynamic batch a
    repeat of dim 0 leaves it unknown."""
    nodes = [helper.make_node("Tile", ["x", "repeats"], ["y"], "/Tile")]
    path = save(tmp_path, nodes, ["batch", 4, 8], [ints("repeats", 1, 2, 3)])
    assert layers(path) == ['Tile((1, 2, 3), name="tile")']
    assert summarize(convert(path).text).output_shape == (None, 8, 24)
    path = save(tmp_path, nodes, [2, 4, 8], [ints("repeats", 3, 1, 1)])
    assert summarize(convert(path).text).output_shape == (6, 4, 8)


def test_a_tile_by_repeats_computed_from_the_input_is_refused(tmp_path: Path) -> None:
    nodes = [
        helper.make_node("Shape", ["x"], ["x_shape"], "/Shape"),
        helper.make_node("Tile", ["x", "x_shape"], ["y"], "/Tile"),
    ]
    with pytest.raises(SpecError, match="Tile node '/Tile': repeats is computed from values the importer cannot follow"):
        convert(save(tmp_path, nodes, ["batch", 4, 8], []))


def test_with_a_dynamic_batch_a_reshape_out_of_windows_keeps_the_sizes_it_is_given(tmp_path: Path) -> None:
    """Swin's window reverse exported with a dynamic batch: windows of (B * nW, 4, 6) viewed as
    `(B, H // 2, W // 2, 2, 2, C)`, B and H, W read from the input's Shape. ONNX's inference
    loses the sizes the batch does not hold (B * nW over B); the importer keeps them, the
    batch's share unknown, so the Slice after it knows its axis."""

    def size(index: int, name: str) -> list[Any]:
        return [
            helper.make_node("Gather", ["x_shape", f"i{index}"], [f"{name}0"], f"/Gather_{index}", axis=0),
            helper.make_node("Div", [f"{name}0", "two"], [f"{name}1"], f"/Div_{index}"),
            helper.make_node("Unsqueeze", [f"{name}1", "zero_axis"], [name], f"/Unsqueeze_{index}"),
        ]

    nodes = [
        helper.make_node("Shape", ["x"], ["x_shape"], "/Shape"),
        helper.make_node("Reshape", ["x", "windows"], ["w"], "/Reshape"),
        helper.make_node("Gather", ["x_shape", "i0"], ["b0"], "/Gather", axis=0),
        helper.make_node("Unsqueeze", ["b0", "zero_axis"], ["b"], "/Unsqueeze"),
        *size(1, "h"),
        *size(2, "w2"),
        helper.make_node("Concat", ["b", "h", "w2", "rest"], ["target"], "/Concat", axis=0),
        helper.make_node("Reshape", ["w", "target"], ["r"], "/Reshape_1"),
        helper.make_node("Slice", ["r", "start", "end", "axis"], ["y"], "/Slice"),
    ]
    scalars = [helper.make_tensor(f"i{i}", TensorProto.INT64, (), [i]) for i in range(3)]
    scalars.append(helper.make_tensor("two", TensorProto.INT64, (), [2]))
    inits = [*scalars, ints("zero_axis", 0), ints("windows", -1, 4, 6), ints("rest", 2, 2, 6)]
    inits += [ints("start", 0), ints("end", 1), ints("axis", 1)]
    path = save(tmp_path, nodes, ["batch", 4, 4, 6], inits)
    assert layers(path) == [
        'Reshape(-1, 4, 6, name="reshape")',
        'Reshape(-1, 2, 2, 2, 2, 6, name="reshape_1")',
        'Split(1, 1, name="slice")',
    ]


def test_a_gather_of_a_learned_table_by_stored_indices_is_a_parameter_a_buffer_and_index(tmp_path: Path) -> None:
    """Swin's relative position bias: the table is counted once, however many blocks' indices
    torch.onnx deduplicated into one initializer; the indices (a buffer) never."""
    nodes = [
        helper.make_node("Identity", ["attn.index"], ["attn_1.index"], "/Identity"),
        helper.make_node("Gather", ["attn.table", "attn.index"], ["g"], "/attn/Gather"),
        helper.make_node("Add", ["x", "g"], ["a"], "/Add"),
        helper.make_node("Gather", ["attn_1.table", "attn_1.index"], ["h"], "/attn_1/Gather"),
        helper.make_node("Add", ["a", "h"], ["y"], "/Add_1"),
    ]
    inits = [weight("attn.table", 9, 3), weight("attn_1.table", 9, 3), ints("attn.index", 0, 1, 2, 3)]
    path = save(tmp_path, nodes, [1, 4, 3], inits)
    assert layers(path) == [
        'Parameter((9, 3), name="attn_table")',
        'Buffer((4,), dtype="int64", name="attn_index")',
        'Index(name="attn", inputs=["attn_table", "attn_index"])',
        'Add(name="add", inputs=["input", "attn"])',
        'Parameter((9, 3), name="attn_1_table")',
        'Buffer((4,), dtype="int64", name="attn_1_index")',
        'Index(name="attn_1", inputs=["attn_1_table", "attn_1_index"])',
        'Add(name="add_1", inputs=["add", "attn_1"])',
    ]
    report = summarize(convert(path).text, "g.yaml")
    assert report.totals.params == 2 * 9 * 3


def test_indices_from_a_large_constant_node_are_a_buffer(tmp_path: Path) -> None:
    """CoAtNet's relative position index, exported as a Constant node (too large for the
    importer to follow its values): a Buffer of its dtype, never counted, as an initializer's."""
    index = helper.make_tensor("v", TensorProto.INT64, (5000,), [0] * 5000)
    nodes = [
        helper.make_node("Constant", [], ["onnx::Gather_7"], "Constant_7", value=index),
        helper.make_node("Gather", ["rel_pos.table", "onnx::Gather_7"], ["y"], "/attn/Gather"),
    ]
    path = save(tmp_path, nodes, [1, 4, 3], [weight("rel_pos.table", 9, 3)])
    assert layers(path) == [
        'Parameter((9, 3), name="rel_pos_table")',
        'Buffer((5000,), dtype="int64", name="buffer")',
        'Index(name="attn", inputs=["rel_pos_table", "buffer"])',
    ]
    assert summarize(convert(path).text, "c.yaml").totals.params == 9 * 3


def test_a_tensor_gathered_by_stored_indices_is_index(tmp_path: Path) -> None:
    """torch.export's as_strided (an adaptive pool's output re-laid): a Reshape to one dim and a
    Gather by an index the file stores; one stored index of a scalar's shape stays a Select."""
    nodes = [
        helper.make_node("Reshape", ["x", "flat"], ["f"], "/Reshape"),
        helper.make_node("Gather", ["f", "where"], ["g"], "/Gather"),
        helper.make_node("Gather", ["g", "one"], ["y"], "/Gather_1"),
    ]
    inits = [ints("flat", -1), helper.make_tensor("where", TensorProto.INT64, (1, 6), [0, 1, 2, 3, 4, 5])]
    inits.append(helper.make_tensor("one", TensorProto.INT64, (), [0]))
    assert layers(save(tmp_path, nodes, [1, 2, 3], inits)) == [
        'Reshape(-1, name="reshape")',
        'Buffer((1, 6), dtype="int64", name="where")',
        'Index(name="gather", inputs=["reshape", "where"])',
        'Select(0, 0, name="gather_1")',
    ]


def test_what_torch_export_computed_is_what_its_signature_does_not_declare(tmp_path: Path) -> None:
    """torch.export's exporter lists the model's parameters in the graph's metadata: an
    initializer outside it (a bias the optimizer computed from a table) says so."""
    nodes = [helper.make_node("Add", ["x", "unsqueeze"], ["a"], "/Add"), helper.make_node("Add", ["a", "bias"], ["y"], "/Add_1")]
    path = save(tmp_path, nodes, [1, 4, 3], [weight("unsqueeze", 4, 3), weight("bias", 4, 3)])
    model = onnx.load(path)
    entry = model.graph.metadata_props.add()
    entry.key, entry.value = "pkg.torch.export.ExportedProgram.graph_signature", "p_bias: PARAMETER target='bias'\n"
    onnx.save(model, path)
    assert layers(path) == [
        'Parameter((4, 3), name="unsqueeze")',
        'Add(name="add", inputs=["input", "unsqueeze"])',
        'Parameter((4, 3), name="bias")',
        'Add(name="add_1", inputs=["add", "bias"])',
    ]
    said = {str(layer.name): layer.comment for layer in convert(path).draft.layers if "exporter" in layer.comment}
    assert said == {"unsqueeze": "unsqueeze: computed by the exporter"}


def test_pads_computed_through_a_reshape_a_reversing_slice_and_a_transpose(tmp_path: Path) -> None:
    """F.pad(x, (0, 0, 0, 2, 0, 1)) as torch.onnx exports it: PyTorch's pads, last dim first,
    become ONNX's (Reshape to pairs, Slice reversing them, Transpose, Reshape flat), followed
    as constants; the Pad's output shape, which onnx's inference leaves unknown, is worked out."""
    nodes = [
        helper.make_node("Concat", ["torch_pads", "zeros"], ["p"], "/Concat", axis=0),
        helper.make_node("Reshape", ["p", "pairs"], ["r"], "/Reshape"),
        helper.make_node("Slice", ["r", "minus", "low", "zero", "minus"], ["s"], "/Slice"),
        helper.make_node("Transpose", ["s"], ["t"], "/Transpose", perm=[1, 0]),
        helper.make_node("Reshape", ["t", "flat"], ["pads"], "/Reshape_1"),
        helper.make_node("Pad", ["x", "pads"], ["y"], "/Pad"),
    ]
    inits = [ints("torch_pads", 0, 0, 0, 2, 0, 1), ints("zeros", 0, 0), ints("pairs", -1, 2), ints("minus", -1)]
    inits += [ints("low", -INT64_MAX), ints("zero", 0), ints("flat", -1)]
    path = save(tmp_path, nodes, [1, 5, 6, 4], inits)
    assert layers(path) == ['Pad((0, 0, 0, 2, 0, 1), name="pad")']
    assert summarize(convert(path).text, "p.yaml").rows[-1].output_shape == (1, 6, 8, 4)


def test_a_mask_computed_from_constants_is_a_buffer_of_its_shape(tmp_path: Path) -> None:
    """Swin's shifted-window mask: built from sizes (ConstantOfShape, ScatterND, Unsqueeze) and
    added to the attention; its values are not followed, its shape is a Buffer's."""
    fill = helper.make_tensor("v", FLOAT, (1,), [0.0])
    nodes = [
        helper.make_node("Constant", [], ["one"], "/attn/Constant", value=helper.make_tensor("c", FLOAT, (1,), [1.0])),
        helper.make_node("Expand", ["one", "row"], ["updates"], "/attn/Expand"),
        helper.make_node("ConstantOfShape", ["size"], ["zeros"], "/attn/ConstantOfShape", value=fill),
        helper.make_node("ScatterND", ["zeros", "where", "updates"], ["mask"], "/attn/ScatterND"),
        helper.make_node("Unsqueeze", ["mask", "zero"], ["m"], "/attn/Unsqueeze"),
        helper.make_node("Add", ["x", "m"], ["y"], "/attn/Add"),
    ]
    inits = [ints("size", 80, 80), helper.make_tensor("where", TensorProto.INT64, (1, 1), [3]), ints("row", 1, 80)]
    inits.append(ints("zero", 0))
    path = save(tmp_path, nodes, [2, 1, 80, 80], inits)
    imported = convert(path)
    assert layers(path) == [
        'Buffer((1, 80, 80), persistent=False, name="attn_constant")',
        'Add(name="attn", inputs=["input", "attn_constant"])',
    ]
    assert any("ConstantOfShape x1, Expand x1, ScatterND x1, Unsqueeze x1" in line for line in imported.draft.header)
    assert summarize(imported.text, "m.yaml").totals.params == 0


def test_an_unknown_operator_names_itself_and_its_node(tmp_path: Path) -> None:
    path = save(tmp_path, [helper.make_node("NonMaxSuppression", ["x"], ["y"], "/nms/NMS")], [1, 4])
    with pytest.raises(SpecError) as caught:
        convert(path)
    message = caught.value.diagnostic.text()
    assert "NonMaxSuppression node '/nms/NMS'" in message and "does not map" in message


def test_an_operator_of_another_domain(tmp_path: Path) -> None:
    node = helper.make_node("Custom", ["x"], ["y"], "c", domain="com.example")
    with pytest.raises(SpecError, match=r"domain 'com\.example'"):
        convert(save(tmp_path, [node], [1, 4]))


def test_without_onnx_the_message_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = save(tmp_path, [helper.make_node("Relu", ["x"], ["y"], "r")], [1, 4])
    monkeypatch.setitem(sys.modules, "onnx", None)
    result = invoke("import", path)
    assert result.exit_code == 2
    assert "needs the onnx package (pip install 'convcalc[onnx]')" in result.stderr and result.stderr.count("\n") == 1


def test_the_docs_table_lists_every_operator() -> None:
    text = (DOCS / "import.md").read_text()
    section = text[text.index("## ONNX") : text.index("## PyTorch")]
    listed = set(re.findall(r"`([A-Z][A-Za-z]+)`", section))
    assert set(OPS) <= listed, sorted(set(OPS) - listed)


def group_norm_nodes(prefix: str, source: str, groups: int, weights: tuple[str, str]) -> list[Any]:
    """torch.onnx's GroupNorm (symbolic_opset9.group_norm), folded: a Reshape to (N, G, -1),
    InstanceNormalization by G ones and zeros, a Reshape back to the input's shape, the weight's
    Mul and the bias's Add."""

    def constant(name: str, values: list[float]) -> Any:
        return helper.make_node("Constant", [], [name], value=helper.make_tensor(name, FLOAT, (len(values),), values))

    return [
        helper.make_node("Constant", [], [f"{prefix}/g"], value=ints(f"{prefix}/g", 0, groups, -1)),
        helper.make_node("Reshape", [source, f"{prefix}/g"], [f"{prefix}/r"], f"/{prefix}/Reshape"),
        constant(f"{prefix}/one", [1.0] * groups),
        constant(f"{prefix}/zero", [0.0] * groups),
        helper.make_node(
            "InstanceNormalization", [f"{prefix}/r", f"{prefix}/one", f"{prefix}/zero"], [f"{prefix}/n"], epsilon=1e-6
        ),
        helper.make_node("Shape", [source], [f"{prefix}/s"]),
        helper.make_node("Reshape", [f"{prefix}/n", f"{prefix}/s"], [f"{prefix}/b"], f"/{prefix}/Reshape_1"),
        helper.make_node("Mul", [f"{prefix}/b", weights[0]], [f"{prefix}/m"], f"/{prefix}/Mul"),
        helper.make_node("Add", [f"{prefix}/m", weights[1]], [f"{prefix}/out"], f"/{prefix}/Add"),
    ]


def test_torch_onnxs_group_norm_is_one_group_norm(tmp_path: Path) -> None:
    """PoolFormer's GroupNorm(1, C), exported by torch.onnx as five nodes on two constants: one
    GroupNorm row with the module's 2 * C weights; a GroupNorm(affine=False)'s Mul and Add by one
    value are no weights."""
    ones = helper.make_node("Constant", [], ["one"], value=helper.make_tensor("one", FLOAT, (1, 1, 1), [1.0]))
    zero = helper.make_node("Constant", [], ["zero"], value=helper.make_tensor("zero", FLOAT, (1, 1, 1), [0.0]))
    nodes = [
        *group_norm_nodes("norm1", "x", 1, ("onnx::Mul_7", "onnx::Add_8")),
        ones,
        zero,
        *group_norm_nodes("norm2", "norm1/out", 4, ("one", "zero")),
    ]
    path = save(tmp_path, nodes, ["batch", 8, 5, 5], [weight("onnx::Mul_7", 8, 1, 1), weight("onnx::Add_8", 8, 1, 1)])
    assert layers(path) == [
        'GroupNorm(1, 8, eps=1e-06, name="norm1")',
        'GroupNorm(4, 8, eps=1e-06, affine=False, name="norm2")',
    ]
    assert summarize(convert(path).text, batch=3).totals.params == 16


def test_same_pads_worked_out_from_the_size_with_ceil_and_clip(tmp_path: Path) -> None:
    """timm's "same" padding (tf_efficientnet_lite0's Conv2dSame) as torch.onnx exports it:
    max((ceil(7 / 2) - 1) * 2 + 3 - 7, 0) = 2 through Cast, Div, Ceil, Clip, the half on each side
    cast back to an integer (truncated): followed as constants, a Pad of (1, 1, 1, 1)."""

    def number(name: str, value: float) -> Any:
        return helper.make_tensor(name, FLOAT, (), [value])

    nodes = [
        helper.make_node("Shape", ["x"], ["shape"]),
        helper.make_node("Gather", ["shape", "two"], ["size"], axis=0),
        helper.make_node("Cast", ["size"], ["s"], to=TensorProto.FLOAT),
        helper.make_node("Div", ["s", "stride"], ["d"]),
        helper.make_node("Ceil", ["d"], ["c"]),
        helper.make_node("Sub", ["c", "one"], ["e"]),
        helper.make_node("Mul", ["e", "stride"], ["m"]),
        helper.make_node("Add", ["m", "three"], ["a"]),
        helper.make_node("Sub", ["a", "s"], ["total"]),
        helper.make_node("Clip", ["total", "zero"], ["clipped"]),
        helper.make_node("Div", ["clipped", "stride"], ["half"]),
        helper.make_node("Cast", ["half"], ["side"], to=TensorProto.INT64),
        helper.make_node("Unsqueeze", ["side", "axes"], ["one_side"]),
        helper.make_node("Concat", ["two_zeros", "one_side", "one_side", "two_zeros", "one_side", "one_side"], ["pads"], axis=0),
        helper.make_node("Pad", ["x", "pads"], ["y"], "/conv_stem/Pad"),
    ]
    two = helper.make_tensor("two", TensorProto.INT64, (), [2])  # a scalar index: Gather gives the size itself
    inits = [two, ints("axes", 0), ints("two_zeros", 0, 0), number("stride", 2.0), number("one", 1.0)]
    inits += [number("three", 3.0), number("zero", 0.0)]
    path = save(tmp_path, nodes, ["batch", 3, 7, 7], inits)
    assert layers(path) == ['Pad((1, 1, 1, 1), name="conv_stem")']
    assert summarize(convert(path).text, batch=3).output_shape == (3, 3, 9, 9)


def test_attention_biases_gathered_along_axis_1_by_constant_indices(tmp_path: Path) -> None:
    """LeViT's `attention_biases[:, attention_bias_idxs]` as torch.onnx writes it: a Gather along
    axis 1 of the table by a Constant node of indices (followed, being small): `Index(dim=1)`, the
    indices a Buffer."""
    idxs = helper.make_tensor("idxs", TensorProto.INT64, (4, 4), [0] * 16)
    nodes = [
        helper.make_node("Constant", [], ["onnx::Gather_9"], value=idxs),
        helper.make_node("Gather", ["attn.attention_biases", "onnx::Gather_9"], ["g"], "/attn/Gather_2", axis=1),
        helper.make_node("Add", ["x", "g"], ["y"], "/attn/Add"),
    ]
    path = save(tmp_path, nodes, ["batch", 2, 4, 4], [weight("attn.attention_biases", 2, 9)])  # (its values unread)
    assert layers(path) == [
        'Parameter((2, 9), name="attn_attention_biases")',
        'Buffer((4, 4), persistent=False, dtype="int64", name="attn_constant")',
        'Index(dim=1, name="attn", inputs=["attn_attention_biases", "attn_constant"])',
        'Add(name="attn_1", inputs=["input", "attn"])',
    ]
    assert summarize(convert(path).text, batch=3).output_shape == (3, 2, 4, 4)


def test_a_reshape_by_a_multiple_of_the_batch_takes_the_sizes_inferred_at_two_fixed_batches(tmp_path: Path) -> None:
    """MobileViT's `x.reshape(B * P, N, -1)`: the first size computed from the dynamic batch
    (Mul of Shape's), the last -1, both unknown to the dynamic-batch inference; with the batch
    fixed at 2 and at 3 onnx's inference follows them, and the size both agree on is written."""
    nodes = [
        helper.make_node("Shape", ["x"], ["shape"]),
        helper.make_node("Gather", ["shape", "zero"], ["batch"], axis=0),
        helper.make_node("Mul", ["batch", "four"], ["folded"]),
        helper.make_node("Unsqueeze", ["folded", "axes"], ["first"]),
        helper.make_node("Concat", ["first", "rest"], ["target"], axis=0),
        helper.make_node("Reshape", ["x", "target"], ["y"], "/block/Reshape"),
    ]
    zero = helper.make_tensor("zero", TensorProto.INT64, (), [0])
    four = helper.make_tensor("four", TensorProto.INT64, (), [4])
    path = save(tmp_path, nodes, ["batch", 4, 6, 5], [zero, four, ints("axes", 0), ints("rest", 6, -1)])
    assert layers(path) == ['Reshape(-1, 6, 5, name="block")']
    assert summarize(convert(path).text, batch=3).output_shape == (12, 6, 5)


def test_a_nan_guard_after_a_softmax_is_read_as_its_input(tmp_path: Path) -> None:
    """torch.export writes scaled_dot_product_attention's softmax as `Where(IsNaN(s), 0, s)` (a
    row masked whole gives zeros, not NaN): s itself, no row; a Where of anything else is not."""
    guard = [
        helper.make_node("Softmax", ["x"], ["s"], "/Softmax", axis=-1),
        helper.make_node("IsNaN", ["s"], ["nan"], "/IsNaN"),
        helper.make_node("Where", ["nan", "val_0", "s"], ["w"], "/Where"),
        helper.make_node("MatMul", ["w", "x"], ["y"], "/MatMul"),
    ]
    zero = helper.make_tensor("val_0", FLOAT, (), [0.0])  # torch.export names its scalars so
    assert layers(save(tmp_path, guard, [1, 4, 4], [zero])) == [
        'Softmax(-1, name="softmax")',
        'Matmul(name="matmul", inputs=["softmax", "input"])',
    ]
    other = [*guard[:2], helper.make_node("Where", ["nan", "val_0", "x"], ["w"], "/Where"), guard[3]]
    with pytest.raises(SpecError, match=r"IsNaN node '/IsNaN': an operator convcalc does not map to a layer"):
        convert(save(tmp_path, other, [1, 4, 4], [zero]))


def test_weights_taken_by_two_layers_are_noted(tmp_path: Path) -> None:
    """torch.onnx writes a module called twice, or weights tied, as one initializer taken by both
    nodes, and torch.export merges equal initializers so too: ONNX cannot tell a tied tensor
    (torch counts it once) from two equal ones (twice). Each layer counts it, and the header
    says so (found by the review: a Linear called twice, exported, counted 2 x 72 for torch's 72)."""
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["h"], "/fc/MatMul"),
        helper.make_node("MatMul", ["h", "w"], ["y"], "/fc_1/MatMul"),
    ]
    imported = convert(save(tmp_path, nodes, ["n", 8], [weight("w", 8, 8)]))
    assert summarize(imported.text).totals.params == 2 * 8 * 8
    assert any("the weights of two layers or more" in line for line in imported.draft.header)
    single = convert(save(tmp_path, nodes[:1], ["n", 8], [weight("w", 8, 8)]))
    assert not any("the weights of two layers" in line for line in single.draft.header)
