"""Compute and memory (convcalc/compute.py): MACs per layer as fvcore counts them, output sizes,
memory totals, shares, and their columns, totals and JSON keys in `summary`.

Expected MACs are fvcore's: FlopCountAnalysis(module, x).total() from fvcore with torch 2.13.0
(CPU), modules in eval mode, Keras 3 layers run on its torch backend; where fvcore has no
handler the comment says what stands in. tests/conformance/test_compute_conformance.py runs
fvcore itself on many more.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import invoke

from convcalc import summarize
from convcalc.analysis.costs import DTYPES, costs
from convcalc.analysis.costs import layer_macs as row_macs
from convcalc.errors import SpecError
from convcalc.render.columns import Columns

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "specs" / "seed-example-2.yaml"


def spec(framework: str, shape: list[int | None], layers: list[str], batch: int | None = None) -> str:
    return json.dumps({"framework": framework, "batch": batch, "input": shape, "layers": layers})


def layer_macs(framework: str, shape: list[int | None], call: str, batch: int | None) -> int | None:
    report = summarize(spec(framework, shape, [call], batch))
    return row_macs(report.rows[-1], framework)


CASES = [
    # (framework, input without batch, batch, call, fvcore's count)
    ("pytorch", [3, 10, 10], 2, "Conv2d(3, 8, 3)", 27648),
    ("pytorch", [4, 5, 5], 1, "ConvTranspose2d(4, 6, 3, stride=2, groups=2)", 2700),  # input positions x weight
    ("pytorch", [3, 5], 2, "Linear(5, 7)", 210),  # Linear on a 3-D input
    ("pytorch", [3, 4, 4], 2, "BatchNorm2d(3)", 192),  # eval: 2 per element
    ("pytorch", [3, 4, 4], 2, "BatchNorm2d(3, affine=False)", 96),
    ("pytorch", [3, 5], 2, "LayerNorm(5)", 150),  # 5 per element
    ("pytorch", [3, 5], 2, "LayerNorm(5, elementwise_affine=False)", 120),
    ("pytorch", [4, 3, 3], 2, "GroupNorm(2, 4)", 360),
    ("pytorch", [4, 3, 3], 2, "InstanceNorm2d(4)", 288),
    ("pytorch", [4, 3, 3], 2, "InstanceNorm2d(4, affine=True)", 360),
    ("pytorch", [3, 4, 4], 1, "Upsample(scale_factor=2)", 192),  # upsample_nearest2d: output elements
    ("pytorch", [3, 4, 4], 1, "Upsample(scale_factor=2, mode='bilinear')", 768),  # x 4
    ("pytorch", [3, 4], 1, "Upsample(scale_factor=2)", 0),  # aten::upsample_nearest1d: no handler
    ("pytorch", [3, 4, 4], 1, "Upsample(scale_factor=2, mode='bicubic')", 0),
    ("pytorch", [3, 4, 4], 2, "AdaptiveAvgPool2d(1)", 96),  # input elements
    ("pytorch", [3, 4], 2, "AdaptiveAvgPool1d(1)", 0),
    ("pytorch", [3, 4, 4], 2, "AvgPool2d(2)", 0),
    ("pytorch", [3, 5], 2, "RMSNorm(5)", 0),  # aten::rms_norm: no handler
    ("pytorch", [3], 2, "PReLU()", 0),
    ("pytorch", [2, 8], 3, "MultiheadAttention(8, 2)", 1824),  # linear 1536 + bmm 288 (QK^T and AV)
    # fvcore 3552 (linear 3072 + layer_norm 480) + QK^T and AV in scaled_dot_product_attention,
    # which fvcore does not see: 2 x (N 2 x L 3 x S 3 x E 8) = 288
    ("pytorch", [2, 8], 3, "TransformerEncoderLayer(8, 2, 16)", 3840),
    ("keras", [4, 3], 2, "Dense(5)", 120),
    ("keras", [7, 3], 2, "Conv1DTranspose(4, 3, strides=2)", 504),
    ("keras", [5, 5, 5, 3], 2, "Conv3D(4, 3)", 17496),
    ("keras", [5, 3], 2, "LSTM(4)", 1120),  # the torch backend's matmuls, step by step
    ("keras", [5, 3], 2, "GRU(4)", 840),
    ("keras", [5, 3], 2, "Bidirectional(LSTM(4, return_sequences=True))", 2240),
    ("keras", [3, 5], 2, "TimeDistributed(Dense(4))", 120),
    ("keras", [4, 6, 3], 2, "Dense(5, lora_rank=2)", 750),  # 720 + the 3 x 2 x 5 merge of the LoRA factors
    ("keras", [6, 6, 4], 2, "LayerNormalization()", 1440),
    # fvcore's einsums 1920 (query, key, value and output projections) + the products in
    # scaled_dot_product_attention, which it does not see: 2 x 2 heads x 5 x 5 x (3 + 3) = 600
    ("keras", [5, 8], 2, "MultiHeadAttention(2, 3)", 2520),
]


@pytest.mark.parametrize(("framework", "shape", "batch", "call", "expected"), CASES)
def test_layer_macs_are_fvcores(framework: str, shape: list[int], batch: int, call: str, expected: int) -> None:
    if call.startswith("MultiHeadAttention"):
        call = call[:-1] + ", inputs=['input', 'input'])"
    assert layer_macs(framework, shape, call, batch) == expected


def test_keras_layers_count_as_their_pytorch_counterparts() -> None:
    """BatchNormalization as BatchNorm2d in eval mode (fvcore: 192 on 2 x 3 x 4 x 4),
    GlobalAveragePooling2D as AdaptiveAvgPool2d(1) (96), UpSampling2D as Upsample (192)."""
    assert layer_macs("keras", [4, 4, 3], "BatchNormalization()", 2) == 192
    assert layer_macs("keras", [4, 4, 3], "GlobalAveragePooling2D()", 2) == 96
    assert layer_macs("keras", [4, 4, 3], "UpSampling2D()", 1) == 192
    assert layer_macs("keras", [4, 3], "UpSampling1D()", 1) == 0  # as torch's 1-D nearest


def test_depthwise_and_separable_count_each_kernel_once_per_position() -> None:
    """fvcore on Keras's torch backend: DepthwiseConv2D(3, depth_multiplier=2) on 2 x 12 x 12 x 3
    is 2 x 10 x 10 x (3 x 3 x 3 x 2) = 10,800; a torch grouped conv of the same weights agrees
    (Conv2d(3, 6, 3, groups=3): weight (6, 1, 3, 3), 54 per position)."""
    assert layer_macs("keras", [12, 12, 3], "DepthwiseConv2D(3, depth_multiplier=2)", 2) == 10800
    assert layer_macs("pytorch", [3, 12, 12], "Conv2d(3, 6, 3, groups=3)", 2) == 10800
    # SeparableConv2D(5, 3): depthwise 10 x 10 x 27 + pointwise 10 x 10 x 15 per sample
    assert layer_macs("keras", [12, 12, 3], "SeparableConv2D(5, 3)", 1) == 2700 + 1500


def test_recurrent_layers_count_every_weight_matrix_per_step() -> None:
    """torch's LSTM has no fvcore handler (0 there); convcalc counts W_ih and W_hh of every
    gate per step, as fvcore counts the same recurrence written with F.linear (checked in the
    conformance suite): LSTM(3, 4) on 5 steps x 2 sequences = 10 x (16 x 3 + 16 x 4)."""
    assert layer_macs("pytorch", [2, 3], "LSTM(3, 4)", 5) == 1120
    assert layer_macs("pytorch", [5, 3], "LSTM(3, 4, batch_first=True)", 2) == 1120
    # two layers, both directions: layer 0 reads 3 features, layer 1 the 8 of both directions
    assert layer_macs("pytorch", [2, 3], "GRU(3, 4, num_layers=2, bidirectional=True)", 5) == 10 * 2 * (
        12 * 3 + 12 * 4 + 12 * 8 + 12 * 4
    )


def test_batch_scales_macs_and_activations_but_not_parameters() -> None:
    single = costs(summarize(SEED.read_text()))
    eight = costs(summarize(SEED.read_text().replace("name:", "batch: 8\nname:", 1)))
    assert single.per_sample and not eight.per_sample and eight.batch == 8
    assert eight.macs == 8 * single.macs == 8 * 21_862_400  # 24 x 24 x 5 x 5 x 3 x 32 + 20 x 20 x 5 x 5 x 32 x 64
    assert eight.activation_elements == 8 * single.activation_elements
    assert eight.param_bytes == single.param_bytes == 53_600 * 4


WINDOWS = """framework: pytorch
input: [8, 8, 16]
layers:
  - View(-1, 2, 4, 2, 4, 16)
  - Permute(0, 1, 3, 2, 4, 5)
  - Reshape(-1, 16, 16)                 # B * 4 windows of 16 positions: the batch's None folds the 4
  - Linear(16, 48)
  - Reshape(-1, 16, 3, 16)
  - Permute(0, 2, 1, 3)                 # the batch's None moves off dim 0
"""


def test_a_batch_folded_into_windows_is_still_counted_per_sample() -> None:
    """With the batch unknown, MACs and activations are per sample. Where a reshape folds the
    batch into another size (Swin's windows), that None is not one sample: the counts are those
    of batch 1, layer by layer; with a batch given they scale by it."""
    unknown, one, eight = (costs(summarize(WINDOWS, batch=b)) for b in (None, 1, 8))
    linear = 4 * 16 * 16 * 48  # 4 windows x 16 positions x 16 -> 48
    assert unknown.per_sample and unknown.macs == one.macs == linear and eight.macs == 8 * linear
    assert [layer.macs for layer in unknown.layers] == [layer.macs for layer in one.layers] == [0, 0, 0, linear, 0, 0]
    assert unknown.activation_elements == one.activation_elements == 3 * 8 * 8 * 16 + 3 * 4 * 16 * 48  # 3 rows of each
    assert [row.output_shape[0] for row in summarize(WINDOWS).rows[2:5]] == [None, None, None]  # the table still says None


def test_a_concatenation_along_the_batch_is_counted_per_sample() -> None:
    """`torch.cat([x, x], 0)` (test-time augmentation inside a model): with the batch unknown,
    the None after it is twice the batch, so the Linear after it runs on two rows a sample; along
    another axis the None stays one sample. Keras's Concatenate(axis=0) alike."""
    along_batch = spec("pytorch", [4], ["Concat(0, inputs=[input, input])", "Linear(4, 8)"])
    unknown, one = costs(summarize(along_batch)), costs(summarize(along_batch, batch=1))
    assert unknown.per_sample and unknown.macs == one.macs == 2 * 4 * 8
    assert [layer.output_elements for layer in unknown.layers] == [layer.output_elements for layer in one.layers] == [8, 16]
    assert summarize(along_batch).rows[0].output_shape == (None, 4)  # the table still says None
    keras = spec("keras", [4], ["Dense(4)", "Concatenate(axis=0, inputs=[input, dense])", "Dense(8)"])
    assert costs(summarize(keras)).macs == costs(summarize(keras, batch=1)).macs == 4 * 4 + 2 * 4 * 8
    along_features = spec("pytorch", [4], ["Concat(1, inputs=[input, input])", "Linear(8, 8)"])
    assert costs(summarize(along_features)).macs == 8 * 8


@pytest.mark.parametrize("layer", ["Repeat(2, 1)", "Tile((2, 1))", "RepeatInterleave(2, 0)", "Repeat(3, 1, 1)"])
def test_a_repetition_of_an_unknown_batch_is_counted_per_sample(layer: str) -> None:
    """`x.repeat(2, 1)` of (None, 4) is (None, 4) with twice the batch in it (torch.tile and
    repeat_interleave along dim 0 alike; `repeat(3, 1, 1)` moves it off dim 0): the per-sample
    counts are those at batch 1, where the Linear after runs on 2 (or 3) rows a sample."""
    text = spec("pytorch", [4], [layer, "Linear(4, 8)"])
    unknown, one = costs(summarize(text)), costs(summarize(text, batch=1))
    rows = 3 if layer.startswith("Repeat(3") else 2
    assert unknown.per_sample and unknown.macs == one.macs == rows * 4 * 8
    along_features = spec("pytorch", [4], ["Repeat(1, 2)", "Linear(8, 8)"])
    assert costs(summarize(along_features)).macs == 8 * 8


def test_a_folded_batch_where_a_layer_refuses_a_batch_of_one_is_counted_at_two_halved() -> None:
    """A BatchNorm1d in training refuses (1, C) as torch does ("Expected more than 1 value per
    channel when training"):
    the counts are batch 2's, halved."""
    text = WINDOWS + "  - Reshape(-1, 3072)\n  - BatchNorm1d(3072)\n"
    with pytest.raises(SpecError, match="more than one value per channel"):
        summarize(text, batch=1)
    two = costs(summarize(text, batch=2))
    unknown = costs(summarize(text))
    assert two.macs is not None and two.activation_elements is not None
    assert (unknown.macs, unknown.activation_elements) == (two.macs // 2, two.activation_elements // 2)


def test_a_folded_batch_in_a_spec_that_runs_at_no_batch_leaves_the_counts_unknown() -> None:
    """`Expand(None, ...)` (an unknown size) meets no batch in the Concat after it: the counts of
    the layers the batch reaches are unknown, not one window's."""
    layers = "  - Parameter((1, 8, 8, 16))\n  - Expand(None, -1, -1, -1)\n  - Concat(1, inputs=[expand, input])\n"
    text = WINDOWS.replace("layers:\n", "layers:\n" + layers)
    for batch in (1, 2):
        with pytest.raises(SpecError, match=r"torch\.cat does not broadcast"):
            summarize(text, batch=batch)
    counted = costs(summarize(text))
    assert counted.macs is None and counted.activation_elements is None
    assert [layer.macs for layer in counted.layers][:2] == [0, None]  # the Parameter (no batch), its Expand to None


def test_an_unknown_size_leaves_the_count_unknown() -> None:
    report = summarize(spec("keras", [None, 16], ["Conv1D(8, 3)", "GlobalAveragePooling1D()", "Dense(2)"]))
    result = costs(report)
    assert [c.macs for c in result.layers] == [None, 0, 16]
    assert result.macs is None and result.activation_elements is None and result.training_bytes is None
    assert result.layers[2].macs_share is None


def test_memory_per_dtype() -> None:
    """Output elements are the outputs' numel (torch: Conv2d(3, 32, 5) on 1 x 3 x 28 x 28 gives
    1 x 32 x 24 x 24 = 18,432); bytes scale with the dtype; the training estimate is the inputs
    and activations, the parameters, and three more copies (gradient, Adam's m and v) of each
    trainable one."""
    for dtype, size in DTYPES.items():
        result = costs(summarize(SEED.read_text()), dtype)
        first = result.layers[0]
        assert (first.output_elements, first.output_bytes) == (18_432, 18_432 * size)
        assert result.input_elements == 28 * 28 * 3
        assert result.activation_elements == 18_432 + 25_600
        assert result.training_bytes == (2_352 + 44_032 + 4 * 53_600) * size
    assert DTYPES == {"float32": 4, "float16": 2, "bfloat16": 2, "int8": 1}
    with pytest.raises(ValueError, match="float64"):
        costs(summarize(SEED.read_text()), "float64")


def test_every_output_counts_toward_the_layer_size() -> None:
    """An LSTM with return_state has three outputs: (2, 4) each, 24 elements."""
    report = summarize(spec("keras", [5, 3], ["LSTM(4, return_state=True)"], 2))
    assert costs(report).layers[0].output_elements == 24


def test_frozen_parameters_need_no_gradient_or_moments() -> None:
    """BatchNormalization's moving statistics (non-trainable) are held once."""
    report = summarize(spec("keras", [4], ["Dense(3)", "BatchNormalization()"]))
    result = costs(report)
    assert (result.params, result.trainable_params) == (15 + 12, 15 + 6)
    assert result.training_bytes == (4 + 3 + 3 + 27 + 3 * 21) * 4


def test_shares_add_up() -> None:
    result = costs(summarize((ROOT / "specs" / "pytorch-resnet18.yaml").read_text()))
    assert sum(c.params_share or 0 for c in result.layers) == pytest.approx(1)
    assert sum(c.macs_share or 0 for c in result.layers) == pytest.approx(1)
    assert result.layers[0].params_share == 9408 / 11_689_512  # conv1 (64, 3, 7, 7)


# --- summary: columns, totals, JSON


def summary_text(*args: str) -> str:
    result = invoke("summary", *args, "--color", "never")
    assert result.exit_code == 0, result.output
    return result.stdout


def test_summary_macs_columns_and_totals() -> None:
    assert summary_text(str(SEED), "--macs") == (
        'Model: "seed-example-2" (keras)\n'
        "-------------------------------------------------------------------------------------\n"
        "Layer (type)       Output Shape        Weights                Param #    MACs  MACs %\n"
        "-------------------------------------------------------------------------------------\n"
        "conv2d (Conv2D)    (None, 24, 24, 32)  kernel (5, 5, 3, 32)     2,400   1.38M    6.3%\n"
        "conv2d_1 (Conv2D)  (None, 20, 20, 64)  kernel (5, 5, 32, 64)   51,200  20.48M   93.7%\n"
        "-------------------------------------------------------------------------------------\n"
        "Total params: 53,600 (209.38 KB)\n"
        "Trainable params: 53,600 (209.38 KB)\n"
        "Non-trainable params: 0 (0.00 B)\n"
        "Total MACs: 21,862,400 (21.86M, per sample)\n"
        "Total FLOPs: 43,724,800 (43.72M) = 2 x MACs\n"
        "MACs: multiply-accumulates as fvcore counts them (bias, activations and element-wise ops not counted).\n"
    )


def test_the_default_table_is_unchanged() -> None:
    assert "MACs" not in summary_text(str(SEED))


def test_summary_memory_in_a_dtype() -> None:
    out = summary_text(str(SEED), "--memory", "--dtype", "float16", "--batch", "4")
    assert "Output (float16)" in out
    assert "Input size (float16): 18.38 KB (batch of 4)\n" in out  # 4 x 2,352 x 2 bytes
    assert "Activations (float16, one forward pass): 344.00 KB (batch of 4)\n" in out  # 4 x 44,032 x 2
    assert "Params size (float16): 104.69 KB\n" in out
    # (4 x 2,352 inputs + 4 x 44,032 activations + 4 x 53,600 parameters) x 2 bytes = 799,872 B
    assert "Training estimate (float16, Adam): 781.12 KB\n" in out


def test_bars_and_shares() -> None:
    lines = summary_text(str(SEED), "--bars", "--shares").splitlines()
    assert lines[2].split()[-4:] == ["Params", "%", "MACs", "bar"]
    assert lines[5].rstrip().endswith("95.5%  " + "█" * 20)  # the heaviest row is full
    assert "Total MACs: 21,862,400" in "\n".join(lines)


def test_folded_blocks_show_their_sums() -> None:
    path = str(ROOT / "specs" / "pytorch-resnet18.yaml")
    result = costs(summarize(Path(path).read_text()))
    report = summarize(Path(path).read_text())
    stage = sum(c.macs or 0 for row, c in zip(report.rows, result.layers) if row.blocks and row.blocks[0][0] == "layer1")
    out = summary_text(path, "--macs", "--depth", "0")
    line = next(line for line in out.splitlines() if line.startswith("layer1 "))
    assert f"{stage / 1e6:.2f}M" in line


def test_csv_has_whole_numbers() -> None:
    lines = summary_text(str(SEED), "--macs", "--memory", "--format", "csv").splitlines()
    assert lines[0].endswith(",MACs,MACs %,Output (float32)")
    assert lines[1].endswith(",1382400,6.3%,73728")


def test_json_keys_follow_the_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "convcalc" / "schema" / "convcalc-1.schema.json").read_text())
    data = json.loads(summary_text(str(ROOT / "specs" / "pytorch-resnet50.yaml"), "--format", "json", "--dtype", "bfloat16"))
    jsonschema.validate(data, schema)
    # fvcore on the same network built with torch.nn (tests/conformance): 4,111,512,576
    assert data["totals"]["macs"] == 4_111_512_576 and data["totals"]["flops"] == 2 * 4_111_512_576
    memory = data["totals"]["memory"]
    assert memory["dtype"] == "bfloat16" and memory["param_bytes"] == 25_557_032 * 2 and memory["per_sample"]
    conv1 = data["layers"][0]
    # conv1: 112 x 112 positions x 64 x 3 x 7 x 7; 64 x 112 x 112 elements
    assert (conv1["macs"], conv1["output_elements"], conv1["output_bytes"]) == (118_013_952, 802_816, 1_605_632)


def test_columns_join_and_keep_their_block_sums() -> None:
    left = Columns(("A",), {"x": ("1",), "block": ("9",)}, ("left note",), ("left total",))
    right = Columns(("B", "C"), {"y": ("2", "3")}, ("right note",))
    both = left + right
    assert both.headers == ("A", "B", "C")
    assert both.cells == {"x": ("1", "", ""), "block": ("9", "", ""), "y": ("", "2", "3")}
    assert (both.notes, both.totals) == (("left note", "right note"), ("left total",))
