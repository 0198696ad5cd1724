"""The layer classes of issue 9, without the frameworks: shapes, weights, MACs, receptive
fields, explain's words and the errors, each value read from the real class beforehand.

Sources of the expected values: torch 2.13.0 (CPU) and torchvision 0.28.0, each module called on
zeros in its default (training) mode, its output shapes and named_parameters() recorded; Keras
3.15.1 on the torch backend, each layer called on keras.Input (the shapes model.summary()
shows), its weights' paths and count_params() recorded; MACs from fvcore 0.1.5's
FlopCountAnalysis on the same modules (and Keras models) in eval mode, batch 1 unless given.
tests/conformance/test_layers_conformance.py checks all of it live.
"""

from __future__ import annotations

import json

import pytest

from convcalc import summarize
from convcalc.analysis.costs import costs
from convcalc.analysis.explain import explain, explainer_of
from convcalc.analysis.explain.steps import generic
from convcalc.analysis.receptive import receptive_fields
from convcalc.errors import SpecError
from convcalc.frameworks import vocabulary
from convcalc.report import Report, Row

Shape = tuple[int | None, ...]


def report(
    framework: str, layers: list[str], inputs: dict[str, list[int | None]] | list[int | None], batch: int | None
) -> Report:
    spec: dict[str, object] = {"framework": framework, "batch": batch, "layers": layers}
    spec["inputs" if isinstance(inputs, dict) else "input"] = inputs
    return summarize(json.dumps(spec))


def row(framework: str, layer: str, *shapes: Shape) -> Row:
    """One layer on inputs in0, in1... (their first dimension the batch)."""
    names = [f"in{i}" for i in range(len(shapes))]
    call = layer[:-1] + ("" if layer.endswith("()") else ", ") + f"inputs={names!r})"
    return report(framework, [call], {n: list(s[1:]) for n, s in zip(names, shapes)}, shapes[0][0]).rows[-1]


def weights(found: Row) -> list[tuple[str, tuple[int, ...], bool]]:
    return [(w.name, w.shape, w.trainable) for w in found.weights]


def rejection(framework: str, layer: str, *shapes: Shape) -> tuple[str, str]:
    with pytest.raises(SpecError) as caught:
        row(framework, layer, *shapes)
    found = caught.value.diagnostic
    return found.code, f"{found.message} ({found.hint})"


# --- torchvision.ops


def test_conv2d_norm_activation_is_torchvisions_sequential() -> None:
    # torchvision 0.28.0: Conv2dNormActivation(3, 32, stride=2, activation_layer=nn.SiLU) on
    # zeros((2, 3, 224, 224)) -> (2, 32, 112, 112); fvcore on (1, 3, 224, 224): 11,640,832
    found = row("pytorch", "Conv2dNormActivation(3, 32, stride=2, activation_layer=SiLU())", (2, 3, 224, 224))
    assert found.outputs == ((2, 32, 112, 112),)
    assert weights(found) == [("0.weight", (32, 3, 3, 3), True), ("1.weight", (32,), True), ("1.bias", (32,), True)]
    one = report("pytorch", ["Conv2dNormActivation(3, 32, stride=2, activation_layer=SiLU())"], [3, 224, 224], 1)
    assert costs(one).macs == 11_640_832


def test_class_arguments_bind_as_functools_partial_does() -> None:
    # torchvision: partial(nn.GroupNorm, 4) is called with out_channels: GroupNorm(4, 8)
    found = row(
        "pytorch", "Conv2dNormActivation(3, 8, norm_layer=GroupNorm(4), inplace=None, activation_layer=GELU())", (2, 3, 9, 9)
    )
    assert weights(found) == [("0.weight", (8, 3, 3, 3), True), ("1.weight", (8,), True), ("1.bias", (8,), True)]
    # without a norm the convolution gets its bias (bias=None means `norm_layer is None`)
    assert [w.name for w in row("pytorch", "Conv2dNormActivation(3, 8, norm_layer=None)", (2, 3, 9, 9)).weights] == [
        "0.weight",
        "0.bias",
    ]
    # torchvision calls activation_layer(inplace=True): GELU takes no inplace
    code, message = rejection("pytorch", "Conv2dNormActivation(3, 8, activation_layer=GELU())", (2, 3, 9, 9))
    assert code == "CC103" and message.startswith("activation_layer: GELU takes no argument 'inplace'")


def test_squeeze_excitation_keeps_the_shape() -> None:
    # torchvision: SqueezeExcitation(16, 4) on zeros((2, 16, 56, 56)); fvcore on batch 1: 50,304
    found = row("pytorch", "SqueezeExcitation(16, 4)", (1, 16, 56, 56))
    assert found.outputs == ((1, 16, 56, 56),)
    assert [w.name for w in found.weights] == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert costs(report("pytorch", ["SqueezeExcitation(16, 4)"], [16, 56, 56], 1)).macs == 50_304
    assert rejection("pytorch", "SqueezeExcitation(8, 4)", (2, 16, 7, 7))[0] == "CC201"


def test_stochastic_depth_checks_its_arguments_in_either_mode() -> None:
    assert row("pytorch", "StochasticDepth(0.2, 'row')", (2, 16, 7, 7)).outputs == ((2, 16, 7, 7),)
    assert "between 0 and 1" in rejection("pytorch", "StochasticDepth(1.5, 'row')", (2, 3))[1]
    assert "'batch', 'row'" in rejection("pytorch", "StochasticDepth(0.5, 'rows')", (2, 3))[1]


def test_layer_norm_2d_normalizes_the_channels() -> None:
    # torchvision.models.convnext.LayerNorm2d(96, eps=1e-6) on (2, 96, 56, 56): weight and bias (96,);
    # ConvNeXt's stem Conv2dNormActivation(3, 96, 4, 4, 0, norm_layer=partial(LayerNorm2d, eps=1e-6),
    # activation_layer=None, bias=True), convnext_tiny().features[0], has 4,896 parameters
    found = row("pytorch", "LayerNorm2d(96, eps=1e-6)", (2, 96, 56, 56))
    assert found.outputs == ((2, 96, 56, 56),) and weights(found) == [("weight", (96,), True), ("bias", (96,), True)]
    stem = "Conv2dNormActivation(3, 96, 4, 4, 0, norm_layer=LayerNorm2d(eps=1e-6), activation_layer=None, bias=True)"
    assert row("pytorch", stem, (2, 3, 224, 224)).params == 4_896
    assert rejection("pytorch", "LayerNorm2d(56)", (2, 96, 56, 56))[0] == "CC201"


# --- PyTorch modules


def test_cells_run_one_step() -> None:
    # torch: LSTMCell(10, 20) on zeros((2, 10)) returns (h, c), both (2, 20); fvcore 4,800
    found = row("pytorch", "LSTMCell(10, 20)", (2, 10))
    assert found.outputs == ((2, 20), (2, 20))
    assert weights(found) == [
        ("weight_ih", (80, 10), True),
        ("weight_hh", (80, 20), True),
        ("bias_ih", (80,), True),
        ("bias_hh", (80,), True),
    ]
    assert costs(report("pytorch", ["LSTMCell(10, 20)"], [10], 2)).macs == 4_800
    # GRUCell(10, 20) with its state: (2, 20), weights (60, 10) and (60, 20)
    gru = row("pytorch", "GRUCell(10, 20)", (2, 10), (2, 20))
    assert gru.outputs == ((2, 20),) and gru.weights[0].shape == (60, 10)
    assert "hidden_size is 20" in rejection("pytorch", "GRUCell(10, 20)", (2, 10), (2, 21))[1]
    assert rejection("pytorch", "RNNCell(10, 20)", (2, 11))[0] == "CC201"


def test_bilinear_takes_two_inputs() -> None:
    # torch: Bilinear(3, 4, 6) on (2, 5, 3) and (2, 5, 4) -> (2, 5, 6); weight (6, 3, 4)
    found = row("pytorch", "Bilinear(3, 4, 6)", (2, 5, 3), (2, 5, 4))
    assert found.outputs == ((2, 5, 6),)
    assert weights(found) == [("weight", (6, 3, 4), True), ("bias", (6,), True)]
    assert costs(report("pytorch", ["Linear(3, 4)", "Bilinear(3, 4, 6, inputs=['input', -1])"], [3], 2)).layers[1].macs == 0
    assert "differ at dim 1" in rejection("pytorch", "Bilinear(3, 4, 6)", (2, 5, 3), (2, 6, 4))[1]


def test_embedding_bag_reduces_each_bag() -> None:
    # torch: EmbeddingBag(100, 8, mode='sum') on zeros((2, 7), dtype=long) -> (2, 8)
    found = row("pytorch", "EmbeddingBag(100, 8, mode='sum')", (2, 7))
    assert found.outputs == ((2, 8),) and weights(found) == [("weight", (100, 8), True)]
    # a 1-D input needs offsets: one bag per offset, the last closing the bags with include_last_offset
    flat = report(
        "pytorch",
        [
            "Flatten(0, inputs='idx', name='i')",
            "Flatten(0, inputs='off', name='o')",
            "EmbeddingBag(100, 8, include_last_offset=True, inputs=['i', 'o'])",
        ],
        {"idx": [3], "off": [1]},
        4,
    )
    assert flat.rows[-1].outputs == ((3, 8),)
    assert "mode='sum'" in rejection("pytorch", "EmbeddingBag(100, 8)", (2, 7), (2, 7))[1]


def test_unfold_and_fold_take_blocks_apart_and_back() -> None:
    # torch: Unfold(3, padding=1, stride=2) on (2, 3, 8, 8) -> (2, 27, 16); Fold((8, 8), ...) back
    stack = report("pytorch", ["Unfold(3, padding=1, stride=2)", "Fold((8, 8), 3, padding=1, stride=2)"], [3, 8, 8], 2)
    assert [r.output_shape for r in stack.rows] == [(2, 27, 16), (2, 3, 8, 8)]
    assert "holds 4 x 5 = 20 blocks" in rejection("pytorch", "Fold((8, 9), 3, padding=1, stride=2)", (2, 27, 16))[1]
    fields = receptive_fields(stack)
    assert fields[0].field is None and "rearranges" in fields[0].reason


def test_max_unpool_inverts_a_max_pool_with_its_indices() -> None:
    # torch: MaxPool2d(2, return_indices=True) on (2, 3, 5, 5) -> (2, 3, 2, 2) twice; MaxUnpool2d(2)
    # of them -> (2, 3, 4, 4), or (2, 3, 5, 5) with output_size=x.size()
    layers = ["MaxPool2d(2, return_indices=True, name='pool')", "MaxUnpool2d(2, inputs=['pool', 'pool[1]'])"]
    assert report("pytorch", layers, [3, 5, 5], 2).rows[-1].output_shape == (2, 3, 4, 4)
    layers[-1] = "MaxUnpool2d(2, inputs=['pool', 'pool[1]', 'input'])"
    assert report("pytorch", layers, [3, 5, 5], 2).rows[-1].output_shape == (2, 3, 5, 5)
    code, message = rejection("pytorch", "MaxUnpool2d(2)", (2, 3, 4, 4), (2, 3, 4, 4), (2, 3, 4, 4))
    assert code == "CC200" and "between 6 and 10" in message


# --- Keras


def test_conv_lstm_convolves_every_step() -> None:
    # keras: ConvLSTM2D(16, 3, padding='same', return_sequences=True) on (None, 10, 32, 32, 3)
    found = row("keras", "ConvLSTM2D(16, 3, padding='same', return_sequences=True)", (None, 10, 32, 32, 3))
    assert found.outputs == ((None, 10, 32, 32, 16),)
    assert weights(found) == [
        ("conv_lstm_cell/kernel", (3, 3, 3, 64), True),
        ("conv_lstm_cell/recurrent_kernel", (3, 3, 16, 64), True),
        ("conv_lstm_cell/bias", (64,), True),
    ]
    assert found.params == 11_008
    # fvcore on Keras's torch backend (unroll=True), (1, 3, 8, 8, 2) -> ConvLSTM2D(4, 3, padding='same'): 165,888
    assert costs(report("keras", ["ConvLSTM2D(4, 3, padding='same')"], [3, 8, 8, 2], 1)).macs == 165_888
    assert "static input shapes" in rejection("keras", "ConvLSTM2D(4, 3)", (None, 3, None, 8, 2))[1]


def test_attention_layers_take_query_value_key() -> None:
    # keras: Attention()([q (None, 5, 16), v (None, 9, 16)], return_attention_scores=True)
    # -> (None, 5, 16) and scores (None, 5, 9); AdditiveAttention's scale is (16,)
    found = row("keras", "Attention()", (None, 5, 16), (None, 9, 16))
    assert found.outputs == ((None, 5, 16), (None, 5, 9)) and found.params == 0
    assert weights(row("keras", "AdditiveAttention()", (None, 5, 16), (None, 9, 16))) == [("scale", (16,), True)]
    # fvcore, batch 1: 5 x 9 x 16 (scores) + 5 x 9 x 16 (applied to value) = 1,440
    one = report("keras", ["Attention(inputs=['q', 'v'])"], {"q": [5, 16], "v": [9, 16]}, 1)
    assert costs(one).macs == 1_440
    assert "same last dimension" in rejection("keras", "Attention()", (None, 5, 16), (None, 9, 8))[1]


def test_einsum_dense_reads_its_equation() -> None:
    # keras: EinsumDense('abc,cde->abde', (None, 12, 64), bias_axes='de') on (None, 197, 768)
    found = row("keras", "EinsumDense('abc,cde->abde', (None, 12, 64), bias_axes='de')", (None, 197, 768))
    assert found.outputs == ((None, None, 12, 64),)
    assert weights(found) == [("kernel", (768, 12, 64), True), ("bias", (12, 64), True)] and found.params == 590_592
    # fvcore on (1, 10, 16) -> EinsumDense('abc,cde->abde', (None, 4, 8)): 10 x 16 x 4 x 8 = 5,120
    one = report("keras", ["EinsumDense('abc,cde->abde', (None, 4, 8), bias_axes='de')"], [10, 16], 1)
    assert costs(one).macs == 5_120
    assert (
        "not in the equation's output"
        in rejection("keras", "EinsumDense('abc,cd->abd', (None, 4), bias_axes='e')", (None, 7, 3))[1]
    )


def test_preprocessing_layers_change_the_image_size() -> None:
    # keras: Resizing / CenterCrop / RandomCrop (224, 224) on (None, 256, 320, 3) -> (None, 224, 224, 3)
    for layer in ("Resizing(224, 224)", "CenterCrop(224, 224)", "RandomCrop(224, 224)"):
        assert row("keras", layer, (None, 256, 320, 3)).outputs == ((None, 224, 224, 3),)
    # fvcore: Resizing(32, 40) on (1, 64, 80, 3) runs upsample_bilinear2d: 4 x 32 x 40 x 3 = 15,360
    assert costs(report("keras", ["Resizing(32, 40)"], [64, 80, 3], 1)).macs == 15_360
    assert costs(report("keras", ["Resizing(32, 40, interpolation='nearest')"], [64, 80, 3], 1)).macs == 0
    # CenterCrop crops (256 - 224) // 2 = 16 rows and 48 columns before: the field moves
    fields = receptive_fields(report("keras", ["CenterCrop(224, 224)", "Conv2D(1, 3)"], [256, 320, 3], None))
    assert fields[-1].field is not None and fields[-1].field.padding == (-16, -48)
    # an input smaller than the crop is resized: no window
    small = receptive_fields(report("keras", ["CenterCrop(224, 224)"], [100, 320, 3], None))
    assert small[0].field is None and "resized" in small[0].reason
    assert "height and width" in rejection("keras", "RandomCrop(224, 224)", (None, None, 320, 3))[1]


def test_augmentation_keeps_the_shape_and_checks_its_arguments() -> None:
    for layer in ("RandomFlip('horizontal')", "RandomRotation(0.1)", "RandomZoom(0.2)", "RandomContrast(0.2)"):
        assert row("keras", layer, (None, 8, 8, 3)).outputs == ((None, 8, 8, 3),)
    # RandomRotation: "The `factor` argument should be a number ... in the range [-1, 1]"
    assert rejection("keras", "RandomRotation(2)", (None, 8, 8, 3))[0] == "CC105"
    assert "fill_mode" in rejection("keras", "RandomRotation(0.1, fill_mode='mirror')", (None, 8, 8, 3))[1]
    # RandomZoom's range is (-1, 1]: -1 is out
    assert rejection("keras", "RandomZoom(-1)", (None, 8, 8, 3))[0] == "CC105"
    assert "3 channels" in rejection("keras", "RandomColorDegeneration(0.2)", (None, 8, 8, 4))[1]
    # keras's call converts colours while training: rgb_to_hsv wants 3 channels, rgb_to_grayscale 1 or 3
    assert "3 channels" in rejection("keras", "RandomHue(0.2)", (None, 8, 8, 4))[1]
    assert "1 or 3 channels" in rejection("keras", "AugMix()", (None, 8, 8, 4))[1]
    assert row("keras", "RandomColorJitter(brightness_factor=0.2)", (None, 8, 8, 4)).outputs == ((None, 8, 8, 4),)


def test_category_encoding_vectors() -> None:
    # keras: CategoryEncoding(10, output_mode='one_hot') on (None, 3) -> (None, 3, 10); on (None, 1) -> (None, 10)
    assert row("keras", "CategoryEncoding(10, output_mode='one_hot')", (None, 3)).outputs == ((None, 3, 10),)
    assert row("keras", "CategoryEncoding(10, output_mode='one_hot')", (None, 1)).outputs == ((None, 10),)
    assert row("keras", "CategoryEncoding(10)", (None, 3)).outputs == ((None, 10),)
    assert rejection("keras", "CategoryEncoding()", (None, 3))[0] == "CC104"


def test_keras_applications_layers() -> None:
    # keras.src.applications.convnext.LayerScale(1e-6, 96) on (None, 56, 56, 96): its weight is `variable`
    assert weights(row("keras", "LayerScale(1e-6, 96)", (None, 56, 56, 96))) == [("variable", (96,), True)]
    assert row("keras", "StochasticDepth(0.1)", (None, 56, 56, 96)).outputs == ((None, 56, 56, 96),)
    assert row("keras", "CustomScaleLayer(0.17)", (None, 7, 4), (None, 1, 4)).outputs == ((None, 7, 4),)
    assert rejection("keras", "LayerScale(1e-6, 3)", (None, 7, 7, 4))[0] == "CC201"


# --- every new type answers explain, with words where its family has them

EXPLAINED = [
    ("pytorch", "Conv2dNormActivation(3, 8, 3, 2)", [(2, 3, 9, 9)]),
    ("pytorch", "Conv3dNormActivation(2, 4)", [(2, 2, 5, 6, 6)]),
    ("pytorch", "SqueezeExcitation(16, 4)", [(2, 16, 7, 7)]),
    ("pytorch", "StochasticDepth(0.1, 'row')", [(2, 16, 7, 7)]),
    ("pytorch", "LSTMCell(3, 5)", [(2, 3)]),
    ("pytorch", "RNNCell(3, 5)", [(2, 3)]),
    ("pytorch", "GRUCell(3, 5)", [(2, 3), (2, 5)]),
    ("pytorch", "Bilinear(3, 4, 5)", [(2, 3), (2, 4)]),
    ("pytorch", "EmbeddingBag(10, 3)", [(2, 6)]),
    ("pytorch", "Unfold(2)", [(2, 3, 4, 5)]),
    ("pytorch", "Fold((4, 5), 2)", [(2, 12, 12)]),
    ("pytorch", "MaxUnpool2d(2)", [(2, 3, 4, 4), (2, 3, 4, 4)]),
    ("keras", "ConvLSTM2D(4, 3)", [(None, 3, 8, 8, 2)]),
    ("keras", "Attention()", [(None, 5, 6), (None, 7, 6)]),
    ("keras", "AdditiveAttention()", [(None, 5, 6), (None, 7, 6)]),
    ("keras", "EinsumDense('abc,cd->abd', (None, 4))", [(None, 7, 3)]),
    ("keras", "CategoryEncoding(10)", [(None, 3)]),
    ("keras", "Resizing(4, 5)", [(None, 8, 8, 3)]),
    ("keras", "CenterCrop(4, 5)", [(None, 8, 8, 3)]),
    ("keras", "RandomCrop(4, 5)", [(None, 8, 8, 3)]),
    ("keras", "RandomFlip()", [(None, 8, 8, 3)]),
    ("keras", "LayerScale(1e-6, 3)", [(None, 8, 8, 3)]),
    ("keras", "CustomScaleLayer(0.1)", [(None, 8, 3), (None, 8, 3)]),
]


@pytest.mark.parametrize(("framework", "layer", "shapes"), EXPLAINED, ids=[e[1] for e in EXPLAINED])
def test_every_new_layer_is_explained(framework: str, layer: str, shapes: list[Shape]) -> None:
    names = [f"in{i}" for i in range(len(shapes))]
    call = layer[:-1] + ("" if layer.endswith("()") else ", ") + f"inputs={names!r})"
    found = report(framework, [call], {n: list(s[1:]) for n, s in zip(names, shapes)}, shapes[0][0])
    (item,) = explain(found)
    last = found.rows[-1]
    assert item.params == last.params and item.steps
    assert last.layer_type is not None
    if explainer_of(last.layer_type, framework) is not generic:
        assert any(s.part == "shape" and s.formula != "input shape" for s in item.steps) or "random" in item.steps[0].note


def test_the_augmentation_family_covers_the_image_layers() -> None:
    """The Random* layers and friends keras.layers exports, all in one family (docs/layers.md)."""
    names = {t.name for t in vocabulary("keras").types.values() if t.family.name == "AUGMENTATION"}
    assert {"RandomFlip", "RandomRotation", "RandomZoom", "RandomCrop", "RandomContrast", "RandomTranslation"} <= names
    assert len(names) == 27


def test_explain_prints_a_class_argument_as_written() -> None:
    """torchvision's class arguments are calls in a spec; explain's text and JSON print them so."""
    from click.testing import CliRunner

    from convcalc.cli.app import main

    layer = "Conv2dNormActivation(3, 8, norm_layer=BatchNorm2d(eps=0.001), activation_layer=SiLU())"
    args = ["explain", "--framework", "pytorch", "--input", "3,8,8", "--layer", layer]
    text = CliRunner().invoke(main, args)
    assert text.exit_code == 0 and "norm_layer='BatchNorm2d(eps=0.001)', activation_layer='SiLU()'" in text.output
    data = json.loads(CliRunner().invoke(main, [*args, "--format", "json"]).output)
    assert data["layers"][0]["arguments"]["activation_layer"] == "SiLU()"


def test_diff_names_a_changed_class_argument_as_written(tmp_path: object) -> None:
    from pathlib import Path

    from click.testing import CliRunner

    from convcalc.cli.app import main

    folder = Path(str(tmp_path))
    spec = "framework: pytorch\ninput: [3, 8, 8]\nlayers:\n- Conv2dNormActivation(3, 8, activation_layer={})\n"
    (folder / "old.yaml").write_text(spec.format("SiLU()"))
    (folder / "new.yaml").write_text(spec.format("Hardswish()"))
    result = CliRunner().invoke(main, ["diff", str(folder / "old.yaml"), str(folder / "new.yaml")])
    assert "activation_layer 'SiLU()' -> 'Hardswish()'" in result.output
