"""Receptive fields (convcalc/receptive.py): the published figures, the paper's library's own
test networks, and how the table and JSON show them. tests/conformance/test_receptive_conformance.py
holds the same arithmetic to real Keras and PyTorch."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from convcalc import load, summarize
from convcalc.analysis.receptive import LayerField, receptive_fields
from convcalc.cli.app import main

ROOT = Path(__file__).parents[1]


def fields(text: str) -> dict[str, LayerField]:
    return {f.name: f for f in receptive_fields(summarize(textwrap.dedent(text)))}


def figures(result: LayerField) -> tuple[tuple[int | None, ...], ...]:
    assert result.field is not None, result.reason
    return result.field.size, result.field.stride, result.field.padding


def last_field(spec: str) -> LayerField:
    return [f for f in receptive_fields(summarize(load(str(ROOT / "specs" / spec)))) if f.field is not None][-1]


@pytest.mark.parametrize("spec", ["keras-vgg16.yaml", "pytorch-vgg16.yaml"])
def test_vgg16_through_pool5_sees_212_with_stride_32(spec: str) -> None:
    # Araujo et al., Distill 2019 (https://distill.pub/2019/computing-receptive-fields/), VGG-16 through pool5: 212, stride 32
    # (and effective padding 90 in the paper's table; real Keras agrees: test_receptive_conformance.py).
    result = last_field(spec)
    assert result.name in ("block5_pool", "adaptiveavgpool2d")
    assert figures(result) == ((212, 212), (32, 32), (90, 90))


def test_keras_resnet50_sees_483_with_stride_32() -> None:
    # The same paper: ResNet-50 v1 (Keras ResNet50, stride on each stage's first 1x1 conv): 483, stride 32.
    # The padding, 241, is Keras's layers' (ZeroPadding 3 and 1 around conv1 and pool1); the paper's
    # TF-slim network pads otherwise (239). Real Keras's gradients give 241: test_receptive_conformance.py.
    assert figures(last_field("keras-resnet50.yaml")) == ((483, 483), (32, 32), (241, 241))


# The paper's open-source library (tensorflow/contrib/receptive_field, receptive_field_test.py,
# by the paper's authors) tests these networks on an 8x8 (or 16x16) image; written here in Keras.
# Its expected figures are per axis (x, y); convcalc lists axes as the shape does (height, width).
NETWORK_1 = """
    framework: keras
    input: [8, 8, 1]
    layers:
      - Conv2D(1, 1, strides=4, name="l1", inputs="input")
      - ZeroPadding2D(((1, 0), (1, 0)), name="l2_pad", inputs="input")
      - Conv2D(1, 3, strides=2, name="l2")
      - Conv2D(1, 1, strides=2, name="l3")
      - Add(name="output", inputs=["l1", "l3"])
"""


def test_paper_library_aligned_network() -> None:
    # create_test_network_1: receptive field 3, effective stride 4, effective padding 1.
    result = fields(NETWORK_1)["output"]
    assert figures(result) == ((3, 3), (4, 4), (1, 1))
    assert result.paths == () and result.field.misaligned == ()  # type: ignore[union-attr]


def test_paper_library_aligned_network_with_pooling() -> None:
    # create_test_network_2: layers 2 and 3 max-pooling instead: the same 3, 4, 1.
    text = NETWORK_1.replace('Conv2D(1, 3, strides=2, name="l2")', 'MaxPooling2D(3, strides=2, name="l2")')
    text = text.replace('Conv2D(1, 1, strides=2, name="l3")', 'MaxPooling2D(1, strides=2, name="l3")')
    assert figures(fields(text)["output"]) == ((3, 3), (4, 4), (1, 1))


def test_paper_library_misaligned_network_is_reported() -> None:
    # create_test_network_3: the library refuses it ("not aligned"); convcalc keeps the largest
    # path and lists both: left 5 wide, stride 2, padding 2; right 5 wide, stride 1, padding 0.
    result = fields(
        """
        framework: keras
        input: [8, 8, 1]
        layers:
          - ZeroPadding2D(((2, 1), (2, 1)), name="l1_pad", inputs="input")
          - Conv2D(1, 5, strides=2, name="l1")
          - Conv2D(1, 3, name="l2", inputs="input")
          - Conv2D(1, 3, name="l3")
          - Add(name="output", inputs=["l1", "l3"])
          - Conv2D(1, 1, name="after")
        """
    )
    merge = result["output"]
    assert [(ref, f.size, f.stride, f.padding) for ref, f in merge.paths] == [
        ("l1", (5, 5), (2, 2), (2, 2)),
        ("l3", (5, 5), (1, 1), (0, 0)),
    ]
    assert figures(merge) == ((5, 5), (2, 2), (2, 2))
    assert merge.field.misaligned == ("output",)  # type: ignore[union-attr]
    assert result["after"].field.misaligned == ("output",)  # type: ignore[union-attr]  # marked downstream too


def test_paper_library_same_padding_of_unknown_size_leaves_padding_unknown() -> None:
    # create_test_network_4: 'SAME' with stride 2 on an image of unknown size: 3, 4 and padding None.
    text = NETWORK_1.replace("[8, 8, 1]", "[null, null, 1]").replace(
        '      - ZeroPadding2D(((1, 0), (1, 0)), name="l2_pad", inputs="input")\n      - Conv2D(1, 3, strides=2, name="l2")',
        '      - Conv2D(1, 3, strides=2, padding="same", name="l2", inputs="input")',
    )
    assert figures(fields(text)["output"]) == ((3, 3), (4, 4), (None, None))


def test_paper_library_non_square_kernels() -> None:
    # create_test_network_5: kernels [3, 5] then [3, 1], stride 2: x (width) 5, y (height) 7; stride 4, padding 0.
    result = fields(
        """
        framework: keras
        input: [8, 8, 1]
        layers:
          - Conv2D(1, (3, 5), strides=2)
          - Conv2D(1, (3, 1), strides=2)
        """
    )
    assert figures(result["conv2d_1"]) == ((7, 5), (4, 4), (0, 0))


def test_paper_library_intermediate_addition() -> None:
    # create_test_network_8, 16x16: two additions of paths with different fields: 11, 8, 5.
    result = fields(
        """
        framework: keras
        input: [16, 16, 1]
        layers:
          - Conv2D(1, 1, strides=4, name="l1", inputs="input")
          - ZeroPadding2D(((1, 0), (1, 0)), name="l2_pad", inputs="input")
          - Conv2D(1, 3, strides=2, name="l2")
          - Conv2D(1, 1, strides=2, name="l3")
          - Add(name="l4", inputs=["l1", "l3"])
          - Conv2D(1, 1, strides=2, name="l5", inputs="l4")
          - ZeroPadding2D(((1, 0), (1, 0)), name="l6_pad", inputs="l4")
          - Conv2D(1, 3, strides=2, name="l6")
          - Add(name="output", inputs=["l5", "l6"])
        """
    )
    assert figures(result["output"]) == ((11, 11), (8, 8), (5, 5))


def test_same_padding_puts_the_odd_pixel_after() -> None:
    # Keras "same", stride 2: on 8 positions it pads (0, 1), on 7 (1, 1) (ceil(L/2) outputs;
    # total (out - 1) * 2 + 3 - L); PyTorch padding="same" with an even kernel 4 pads (1, 2).
    assert figures(fields("input: [8, 1]\nlayers:\n- Conv1D(1, 3, strides=2, padding='same')")["conv1d"]) == ((3,), (2,), (0,))
    assert figures(fields("input: [7, 1]\nlayers:\n- Conv1D(1, 3, strides=2, padding='same')")["conv1d"]) == ((3,), (2,), (1,))
    torch_same = fields("framework: pytorch\ninput: [1, 9]\nlayers:\n- Conv1d(1, 1, 4, padding='same')")["conv1d"]
    assert figures(torch_same) == ((4,), (1,), (1,))


def test_dilation_causal_padding_and_cropping() -> None:
    result = fields(
        """
        input: [32, 1]
        layers:
          - Conv1D(1, 3, dilation_rate=4, padding="causal")   # k' = 9, all 8 padded before
          - Cropping1D((2, 0))                                # crops 2 before: padding 8 - 2
          - MaxPooling1D(2)
        """
    )
    assert figures(result["conv1d"]) == ((9,), (1,), (8,))
    assert figures(result["cropping1d"]) == ((9,), (1,), (6,))
    assert figures(result["max_pooling1d"]) == ((10,), (2,), (6,))


def test_what_has_no_field_and_why() -> None:
    result = fields(
        """
        framework: keras
        input: [16, 16, 3]
        layers:
          - Conv2D(8, 3, name="conv")
          - GlobalAveragePooling2D(keepdims=True, name="squeeze")
          - Conv2D(8, 1, name="excite")
          - Multiply(name="scale", inputs=["conv", "excite"])   # broadcast: the field of conv
          - Conv2DTranspose(4, 2, strides=2, name="up")
          - Conv2D(4, 3, name="after_up")
          - Flatten(name="flat")
        """
    )
    assert figures(result["scale"]) == ((3, 3), (1, 1), (0, 0))
    assert result["squeeze"].reason == "GlobalAveragePooling2D: global pooling: each output value sees the whole input"
    assert result["excite"].field is None
    assert result["up"].field is None and "the paper leaves such layers out" in result["up"].reason
    assert result["after_up"].reason.startswith("after up: Conv2DTranspose:")
    assert result["flat"].field is None


def test_elementwise_layers_and_dense_on_channels_pass_the_field() -> None:
    result = fields(
        """
        input: [10, 10, 3]
        layers:
          - Conv2D(4, 3)
          - BatchNormalization()
          - ReLU()
          - Dense(5)        # acts on channels only: a 1x1 convolution
          - Dropout(0.5)
        """
    )
    assert {name: figures(f)[0] for name, f in result.items()} == {
        "conv2d": (3, 3),
        "batch_normalization": (3, 3),
        "re_lu": (3, 3),
        "dense": (3, 3),
        "dropout": (3, 3),
    }


def test_summary_table_gains_the_columns() -> None:
    runner = CliRunner()
    args = ["summary", "--input", "8,8,1", "--layer", "Conv2D(1, 3, strides=2, padding='same')", "--layer", "MaxPooling2D(2)"]
    assert "RF" not in runner.invoke(main, args).stdout
    result = runner.invoke(main, [*args, "--receptive-field", "--color", "never"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[2:6] == [
        "Layer (type)                  Output Shape     Weights                         Param #   RF  RF stride  RF padding",
        "------------------------------------------------------------------------------------------------------------------",
        "conv2d (Conv2D)               (None, 4, 4, 1)  kernel (3, 3, 1, 1), bias (1,)       10  3x3        2x2         0x0",
        "max_pooling2d (MaxPooling2D)  (None, 2, 2, 1)                                        0  5x5        4x4         0x0",
    ]
    assert result.stdout.splitlines()[-1].startswith("RF: receptive field size, stride and padding")


def test_misaligned_merges_are_marked_and_explained_under_the_table() -> None:
    spec = ROOT / "tests" / "specs" / "receptive-misaligned.yaml"
    result = CliRunner().invoke(main, ["summary", str(spec), "--receptive-field", "--color", "never"])
    lines = result.stdout.splitlines()
    assert [line.split()[-3:] for line in lines if line.startswith(("output", "after"))] == [
        ["5x5*", "2x2", "2x2"],
        ["5x5*", "2x2", "2x2"],
    ]
    assert lines[-1] == (
        "* output: its paths do not line up (l1 5x5, stride 2x2, padding 2x2; l3 5x5, stride 1x1, padding 0x0);"
        " the largest is shown"
    )


def test_json_always_has_the_field_and_follows_the_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "convcalc" / "schema" / "convcalc-1.schema.json").read_text())
    spec = ROOT / "tests" / "specs" / "receptive-misaligned.yaml"
    data = json.loads(CliRunner().invoke(main, ["summary", str(spec), "--format", "json"]).stdout)
    jsonschema.validate(data, schema)
    by_name = {layer["name"]: layer["receptive_field"] for layer in data["layers"]}
    assert by_name["output"] == {
        "size": [5, 5],
        "stride": [2, 2],
        "padding": [2, 2],
        "axes": [1, 2],
        "input": "input",
        "misaligned": ["output"],
        "paths": [
            {"input": "l1", "size": [5, 5], "stride": [2, 2], "padding": [2, 2]},
            {"input": "l3", "size": [5, 5], "stride": [1, 1], "padding": [0, 0]},
        ],
    }
    assert by_name["flat"] is None


def test_folded_blocks_show_their_last_layer() -> None:
    result = CliRunner().invoke(
        main, ["summary", str(ROOT / "specs" / "keras-vgg16.yaml"), "--depth", "1", "--receptive-field", "--color", "never"]
    )
    rows = {line.split()[0]: line.split()[-3:] for line in result.stdout.splitlines()[4:9]}
    assert rows["block5"] == ["212x212", "32x32", "90x90"]
