"""`convcalc explain`: golden files (tests/golden/explain/, reviewed by eye; regenerate with
`UPDATE_GOLDEN=1 pytest tests/test_explain.py` and read the diff), the arithmetic each step
shows evaluates to the value it states, the values are the engine's, and bad input exits 2.
tests/conformance/test_explain_conformance.py builds every golden case in real Keras or
PyTorch and compares each number."""

from __future__ import annotations

import glob
import json
import math
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import compare

from convcalc import load, summarize
from convcalc.analysis.explain import explain, explainer_of
from convcalc.analysis.explain.steps import Context, generic
from convcalc.cli.app import main
from convcalc.engine import run
from convcalc.signature import Args
from convcalc.spec.flags import from_flags

ROOT = Path(__file__).parents[1]
GOLDEN = ROOT / "tests" / "golden" / "explain"

# name -> (framework, input, layers); every layer is explained. Shared with the conformance test.
CASES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "keras-conv2d": ("keras", "26,26,32", ("Conv2D(64, 3)",)),
    "keras-conv2d-same-stride-2": ("keras", "7,8,3", ("Conv2D(4, 4, strides=2, padding='same')",)),
    "keras-conv1d-causal-dilated": ("keras", "20,2", ("Conv1D(4, 3, padding='causal', dilation_rate=2)",)),
    "keras-grouped": ("keras", "10,10,8", ("Conv2D(16, 3, groups=4)",)),
    "keras-depthwise": ("keras", "10,10,8", ("DepthwiseConv2D(3, depth_multiplier=2)",)),
    "keras-separable": ("keras", "10,10,8", ("SeparableConv2D(16, 3, padding='same')",)),
    "keras-transposed": (
        "keras",
        "7,7,16",
        ("Conv2DTranspose(8, 3, strides=2)", "Conv2DTranspose(4, 3, strides=2, padding='same', output_padding=1)"),
    ),
    "keras-pooling": ("keras", "15,15,8", ("MaxPooling2D(2)", "AveragePooling2D(3, strides=2, padding='same')")),
    "keras-global-pooling": ("keras", "7,7,512", ("GlobalAveragePooling2D()",)),
    "keras-dense-nd": ("keras", "26,26,32", ("Dense(64)",)),
    "keras-flatten-dense": ("keras", "7,7,64", ("Flatten()", "Dense(10)")),
    "keras-batchnorm": ("keras", "24,24,64", ("BatchNormalization()",)),
    "keras-lstm-gru": ("keras", "10,3", ("LSTM(8, return_sequences=True)", "GRU(4)")),
    "keras-attention": ("keras", "5,16", ("MultiHeadAttention(num_heads=2, key_dim=8)",)),
    "keras-embedding": ("keras", "12", ("Embedding(1000, 64)",)),
    "pytorch-conv2d": ("pytorch", "3,32,32", ("Conv2d(3, 16, 3, stride=2, padding=1)",)),
    "pytorch-depthwise-same": ("pytorch", "8,15,15", ("Conv2d(8, 16, 4, groups=8, padding='same')",)),
    "pytorch-grouped": ("pytorch", "8,12,12", ("Conv2d(8, 12, 3, groups=4, padding=1, padding_mode='reflect')",)),
    "pytorch-transposed": ("pytorch", "16,8,8", ("ConvTranspose2d(16, 8, 4, stride=2, padding=1, output_padding=1)",)),
    "pytorch-pooling": ("pytorch", "8,15,15", ("MaxPool2d(3, stride=2, padding=1, ceil_mode=True)", "AvgPool2d(2)")),
    "pytorch-linear-nd": ("pytorch", "4,10,32", ("Linear(32, 64)",)),
    "pytorch-batchnorm": ("pytorch", "16,8,8", ("BatchNorm2d(16)",)),
    "pytorch-lstm": ("pytorch", "7,3", ("LSTM(3, 8, batch_first=True)",)),
    "pytorch-attention": ("pytorch", "5,16", ("MultiheadAttention(16, 2, batch_first=True)",)),
}


def invocation(name: str) -> list[str]:
    framework, shape, layers = CASES[name]
    return ["explain", "--framework", framework, "--input", shape, *(a for layer in layers for a in ("--layer", layer))]


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize("name", CASES)
def test_explanations_match_golden(name: str, fmt: str) -> None:
    result = CliRunner().invoke(main, [*invocation(name), "--format", fmt])
    assert result.exit_code == 0, result.output
    compare(result.stdout, GOLDEN / f"{name}.{'txt' if fmt == 'text' else 'json'}")


def test_a_spec_layer_by_name_matches_golden() -> None:
    result = CliRunner().invoke(main, ["explain", str(ROOT / "specs" / "lenet5.yaml"), "conv2d_1"])
    assert result.exit_code == 0, result.output
    compare(result.stdout, GOLDEN / "lenet5-conv2d_1.txt")


def test_the_issue_example_reads_as_promised() -> None:
    # https://datascience.stackexchange.com/questions/41486: Conv2D(64, (3, 3)) after a 26x26x32 map gives (None, 24, 24, 64),
    # kernel (3, 3, 32, 64); Keras's model.summary() counts 18,496 params.
    text = CliRunner().invoke(main, invocation("keras-conv2d")).stdout
    assert "= floor((26 + 0 - 1*(3-1) - 1) / 1) + 1 = 24" in text
    assert "= 3 x 3 x 32 x 64 = 18,432" in text
    assert "= 18,432 + 64 = 18,496" in text
    assert "so the output has 64 channels, not 32 x 64" in " ".join(text.split())


def test_same_padding_says_where_the_odd_pixel_goes() -> None:
    # Keras (keras/src/backend/torch/nn.py _compute_padding_length): 7 rows, kernel 4, stride 2:
    # ceil(7 / 2) = 4 rows, (4 - 1) * 2 + 4 - 7 = 3 padded, 1 before and 2 after.
    data = json.loads(CliRunner().invoke(main, [*invocation("keras-conv2d-same-stride-2"), "--format", "json"]).stdout)
    steps = data["layers"][0]["steps"]
    assert steps[0] == {
        "part": "shape",
        "what": "padding (height)",
        "formula": "max((ceil(in / stride) - 1)*stride + dilation*(kernel-1) + 1 - in, 0)",
        "substituted": "max((ceil(7 / 2) - 1)*2 + 1*(4-1) + 1 - 7, 0)",
        "value": 3,
        "note": "1 before and 2 after: the odd one goes after (at the bottom)",
    }
    assert [s["value"] for s in steps if s["what"] in ("height", "width")] == [4, 4]


def evaluate(text: str) -> int:
    """A step's substituted arithmetic as Python: `x` multiplies, thousands separators go."""
    expression = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text).replace(" x ", " * ")
    return eval(expression, {"floor": math.floor, "ceil": math.ceil, "max": max, "__builtins__": {}})


SPECS = sorted(glob.glob(str(ROOT / "specs" / "*.yaml")))


@pytest.mark.parametrize("spec", SPECS, ids=[Path(s).stem for s in SPECS])
def test_every_step_on_the_bundled_specs_adds_up_to_the_engine(spec: str) -> None:
    """Each step's numbers evaluate to its value; lengths, weights and totals are the Report's."""
    report = summarize(load(spec))
    for row, item in zip(report.rows, explain(report)):
        for step in item.steps:
            if step.value is not None:
                assert evaluate(step.substituted) == step.value, (row.name, step)
        lengths = [s.value for s in item.steps if s.what in ("length", "depth", "height", "width")]
        if lengths:
            spatial = row.output_shape[1:-1] if report.framework == "keras" else row.output_shape[-len(lengths) :]
            assert tuple(lengths) == tuple(spatial), row.name
        sizes = {s.what: s.value for s in item.steps if s.part == "weights"}
        assert all(sizes[w.name] == w.size for w in row.weights), row.name
        assert sizes.get("params", row.params) == row.params


def test_bad_input_is_a_clear_error_with_exit_2() -> None:
    runner = CliRunner()
    lenet = str(ROOT / "specs" / "lenet5.yaml")
    result = runner.invoke(main, ["explain", lenet, "conv2d_7"])
    assert result.exit_code == 2
    assert result.stderr.endswith("CC003 no layer named 'conv2d_7' (did you mean 'conv2d_2'?)\n")
    result = runner.invoke(main, ["explain", "--input", "26,26,32", "--layer", "Conv2D(64, 40)"])
    assert result.exit_code == 2
    assert "CC200 layer conv2d (Conv2D): the kernel spans 40" in result.stderr
    for args in (["explain"], ["explain", lenet, "--layer", "Conv2D(1, 3)"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 2 and "give either a SPEC file" in result.stderr
    assert "Traceback" not in result.output


def test_a_pytorch_convolution_on_unknown_channels_counts_the_in_channels_it_declares() -> None:
    """The input shape may leave the channels unknown; the weights then use in_channels (before,
    explain printed "None input channels" and raised a TypeError for groups > 1)."""
    report = run(from_flags("pytorch", "None,8,8", ("Conv2d(4, 8, 3, groups=2)",), None))
    (item,) = explain(report)
    assert item.steps[-1].note == (
        "groups=2 splits the 4 input channels into 2 groups of 2; each of the 8 filters sees only its "
        "group's channels (2 x 3 x 3 = 18 weights), 2 times fewer weights."
    )


def test_layers_without_words_still_get_their_shape_and_weights() -> None:
    report = summarize("input: [10, 4]\nlayers:\n- LayerNormalization()\n")
    (item,) = explain(report)
    assert [(s.what, s.formula, s.substituted, s.value) for s in item.steps] == [
        ("output", "input shape", "(None, 10, 4)", None),
        ("gamma", "its shape (4,)", "4", 4),
        ("beta", "its shape (4,)", "4", 4),
        ("params", "gamma + beta", "4 + 4", 8),
    ]


def test_json_follows_its_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "convcalc" / "schema" / "convcalc-explain-1.schema.json").read_text())
    for name in CASES:
        data = json.loads(CliRunner().invoke(main, [*invocation(name), "--format", "json"]).stdout)
        jsonschema.validate(data, schema)
    spec = str(ROOT / "specs" / "keras-resnet50.yaml")
    jsonschema.validate(json.loads(CliRunner().invoke(main, ["explain", spec, "--format", "json"]).stdout), schema)


def test_every_layer_with_words_gets_them() -> None:
    """explain has no fallback (a failing explainer raises, and a bug cannot pass for an answer).
    On the bundled specs and the golden cases, every layer whose family has words of its own gets
    steps other than the generic ones."""
    reports = [summarize(load(spec)) for spec in SPECS]
    reports += [run(from_flags(framework, shape, layers, None)) for framework, shape, layers in CASES.values()]
    worded = 0
    for report in reports:
        for row, item in zip(report.rows, explain(report)):
            assert row.layer_type is not None
            if explainer_of(row.layer_type, report.framework) is generic:
                continue
            plain = Context(row, Args(row.type, dict(row.arguments)), report.framework)
            generic(plain)
            assert [s for s in item.steps if s.part == "shape"] != plain.steps, row.name
            worded += 1
    assert worded > 500
