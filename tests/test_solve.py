"""`convcalc solve`: inverse shape problems. Every answer is checked here with the forward
formulas; the figures marked with a framework were produced by that framework (Keras 3.15.1 on
the torch backend, torch 2.13.0), and tests/conformance/test_solve_conformance.py builds every
answer (and every setting the solver allows or refuses) in the real frameworks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import compare, invoke

from convcalc.analysis.solve.layer import solve_layer
from convcalc.analysis.solve.length import Fixed, Setting, forward, rejects, solve_length
from convcalc.cli.app import main
from convcalc.ops.conv import conv_output_length, keras_transposed_output_length, transposed_output_length
from convcalc.ops.pool import pool_output_length
from convcalc.spec.loading import load_path

HERE = Path(__file__).parent
ROOT = HERE.parent
GOLDEN = HERE / "golden" / "solve"
SEED = "tests/specs/valid/seed2.yaml"  # Keras: 28x28x3 -> Conv2D(32, 5) -> Conv2D(64, 5)
SMALL = "tests/specs/valid/pytorch-small.yaml"  # PyTorch: Conv2d, Conv2d(stride 2), Flatten, Linear(10816, 10)


def direct(setting: Setting, length: int, framework: str, operation: str) -> int:
    """The forward formula called directly, to check each answer independently of `forward`."""
    s = setting
    if operation == "transposed" and framework == "keras":
        return keras_transposed_output_length(length, s.kernel, s.stride, str(s.padding), s.output_padding, s.dilation)
    if operation == "transposed":
        return transposed_output_length(length, s.kernel, s.stride, int(s.padding), s.output_padding or 0, s.dilation)
    if operation == "pool" and framework == "pytorch":
        return pool_output_length(length, s.kernel, s.stride, int(s.padding), s.dilation, s.ceil_mode)
    return conv_output_length(length, s.kernel, s.stride, s.padding, s.dilation)


# (framework, operation, setting, input length, output length the real 1-D layer gave)
REAL = [
    # keras.layers.Conv1D(1, k, s, padding, dilation_rate=d) on zeros((1, n, 1))
    ("keras", "conv", Setting(3, 2, "same"), 28, 14),
    ("keras", "conv", Setting(2, 2, "valid"), 28, 14),
    ("keras", "conv", Setting(8, 1, "valid", 2), 28, 14),
    ("keras", "conv", Setting(3, 2, "valid"), 28, 13),
    # keras.layers.Conv1DTranspose(1, k, s, padding, output_padding)
    ("keras", "transposed", Setting(3, 4, "same", output_padding=3), 7, 28),
    ("keras", "transposed", Setting(1, 4, "valid"), 7, 28),
    ("keras", "transposed", Setting(4, 4, "valid", output_padding=0), 7, 28),
    # keras.layers.MaxPooling1D(pool_size, strides, padding)
    ("keras", "pool", Setting(2, 2, "valid"), 28, 14),
    ("keras", "pool", Setting(3, 2, "same"), 28, 14),
    ("keras", "pool", Setting(3, 2, "valid"), 28, 13),
    # torch.nn.Conv1d(1, 1, k, s, p, d) on zeros(1, 1, n)
    ("pytorch", "conv", Setting(3, 2, 1), 28, 14),
    ("pytorch", "conv", Setting(3, 2, 2, 2), 28, 14),
    ("pytorch", "conv", Setting(3, 2, 0), 28, 13),
    # torch.nn.ConvTranspose1d(1, 1, k, s, p, output_padding)
    ("pytorch", "transposed", Setting(4, 2, 1, output_padding=0), 7, 14),
    ("pytorch", "transposed", Setting(4, 4, 0, output_padding=0), 7, 28),
    ("pytorch", "transposed", Setting(3, 4, 0, output_padding=1), 7, 28),
    ("pytorch", "transposed", Setting(3, 4, 0, output_padding=0), 7, 27),
    # torch.nn.MaxPool1d(k, s, p, ceil_mode=...)
    ("pytorch", "pool", Setting(3, 2, 0, ceil_mode=True), 28, 14),
    ("pytorch", "pool", Setting(3, 2, 1), 28, 14),
    ("pytorch", "pool", Setting(3, 2, 0), 28, 13),
    ("pytorch", "pool", Setting(2, 2, 0, ceil_mode=True), 28, 14),
]


@pytest.mark.parametrize(("framework", "operation", "setting", "length", "real"), REAL)
def test_the_solver_finds_what_the_framework_produces(framework, operation, setting, length, real) -> None:
    assert forward(setting, length, framework, operation) == real
    assert rejects(setting, framework, operation) == ""
    for target in (real, real + 1):  # found for its real output, and not for another
        answer = solve_length(length, target, framework, operation)
        assert (setting in answer.settings) == (target == real)


@pytest.mark.parametrize(
    ("framework", "operation", "length", "target"),
    [
        ("keras", "conv", 28, 14),
        ("keras", "transposed", 7, 28),
        ("keras", "pool", 28, 14),
        ("pytorch", "conv", 28, 14),
        ("pytorch", "transposed", 7, 28),
        ("pytorch", "pool", 28, 14),
        ("pytorch", "conv", 224, 112),
    ],
)
def test_every_answer_is_verified_by_the_forward_formula(framework, operation, length, target) -> None:
    answer = solve_length(length, target, framework, operation)
    assert answer.settings and answer.reason == ""
    keys = [s.key() for s in answer.settings]
    assert keys == sorted(keys), "smallest first"
    for setting in answer.settings:
        assert direct(setting, length, framework, operation) == target
        assert rejects(setting, framework, operation) == ""


def test_keras_28_to_14_lists_every_setting_smallest_first() -> None:
    # Each built as keras.layers.Conv1D on a length-28 input gives 14 (conformance suite); the
    # list is complete because every setting within the bounds is tried there too.
    answer = solve_length(28, 14, "keras")
    written = [s.written("keras", "conv") for s in answer.settings]
    assert written[:5] == [
        "kernel_size=1, strides=2",
        "kernel_size=1, strides=2, padding='same'",
        "kernel_size=2, strides=2",
        "kernel_size=2, strides=2, padding='same'",
        "kernel_size=3, strides=2, padding='same'",
    ]
    assert written[-1] == "kernel_size=8, dilation_rate=2"  # Keras forbids strides > 1 with dilation > 1
    assert len(written) == 14


def test_fixed_values_narrow_the_answer() -> None:
    keras = solve_length(28, 14, "keras", fixed=Fixed(kernel=3))
    assert [s.written("keras", "conv") for s in keras.settings] == ["kernel_size=3, strides=2, padding='same'"]
    torch = solve_length(28, 14, "pytorch", fixed=Fixed(kernel=3, dilation=1))
    assert [s.written("pytorch", "conv") for s in torch.settings] == ["kernel_size=3, stride=2, padding=1"]
    same = solve_length(28, 28, "pytorch", fixed=Fixed(kernel=4, dilation=1))
    # torch.nn.Conv1d(1, 1, 4, padding="same") keeps 28; padding=2 gives 29, 1 gives 27: only 'same' works
    assert [s.padding for s in same.settings] == ["same"]


def test_pytorch_allows_padding_same_only_without_stride() -> None:
    assert rejects(Setting(3, 2, "same"), "pytorch", "conv") == "PyTorch does not support padding='same' for strided convolutions"
    assert all(s.stride == 1 for s in solve_length(28, 28, "pytorch").settings if s.padding == "same")


def test_an_unsolvable_ask_says_why() -> None:
    # keras.layers.Conv1D(1, k, 2) on 28 gives 14, 14, 13, 13, ..., 9 for k = 1..11
    answer = solve_length(28, 15, "keras", fixed=Fixed(stride=2, padding="valid"))
    assert answer.settings == ()
    assert answer.reason == (
        "no Keras convolution setting with strides=2, padding='valid' maps 28 to 15; these settings give 9-14; "
        "the largest is 14 (kernel_size=1, strides=2); to grow a length, use --transposed"
    )


def test_an_ask_the_framework_refuses_names_the_rule() -> None:
    answer = solve_length(28, 14, "keras", fixed=Fixed(stride=2, dilation=2))
    assert (
        answer.reason
        == "Keras convolution with strides=2, dilation_rate=2: Keras does not combine strides > 1 with dilation_rate > 1"
    )


def test_a_gap_names_the_nearest_lengths_and_what_to_relax() -> None:
    # keras.layers.Conv1D(1, 1, s, "same") on 28 gives 28, 14, 10, 7, 6, 5, 4, 4 for s = 1..8;
    # Conv1D(1, 3, 3, "same") gives 10; Conv1D(1, 7, 2) and Conv1D(1, 8, 2) ("valid") give 11.
    answer = solve_length(28, 10, "keras", fixed=Fixed(kernel=3, padding="same"))
    assert [s.stride for s in answer.settings] == [3]
    answer = solve_length(28, 11, "keras", fixed=Fixed(padding="same"))
    assert answer.reason.startswith(
        "no Keras convolution setting with padding='same' maps 28 to 11; these settings give 4-7, 10, 14, 28"
    )
    assert "the nearest are 10 (kernel_size=1, strides=3, padding='same') and 14" in answer.reason
    assert answer.reason.endswith("without padding='same' there are 2 settings, the first kernel_size=7, strides=2")


# --- One layer of a spec


def test_solve_a_layer_of_a_keras_spec() -> None:
    answer = solve_layer(load_path(str(ROOT / SEED)), "conv2d_1", (10, 10, 64))
    # Keras 3.15.1: Conv2D(64, 5, strides=2) after Conv2D(32, 5) on 28x28x3 -> (None, 10, 10, 64), 53,600 params;
    # Conv2D(64, 8, dilation_rate=2) -> (None, 10, 10, 64), 133,472. (Conv2D(64, 6, strides=2) works too, 76,128
    # params, but contains the first change, so it is not listed.)
    assert [(c.text(), c.output, c.params) for c in answer.changes] == [
        ("strides (1, 1) -> 2", (None, 10, 10, 64), 53_600),
        ("kernel_size 5 -> 8, dilation_rate (1, 1) -> 2", (None, 10, 10, 64), 133_472),
    ]
    filters = solve_layer(load_path(str(ROOT / SEED)), "conv2d_1", (20, 20, 128))
    # Keras: Conv2D(128, 5) there -> (None, 20, 20, 128), 104,800 params in all
    assert [(c.text(), c.params) for c in filters.changes] == [("filters 64 -> 128", 104_800)]


def test_solve_a_layer_of_a_pytorch_spec() -> None:
    answer = solve_layer(load_path(str(ROOT / SMALL)), "linear", (20,))
    # torch: the same Sequential with Linear(10816, 20) -> output (8, 20), 235,092 parameters
    assert [(c.text(), c.output, c.params) for c in answer.changes] == [("out_features 10 -> 20", (8, 20), 235_092)]


def test_solve_a_layer_of_a_pytorch_encoder() -> None:
    spec = load_path(str(GOLDEN / "pytorch-convs.yaml"))
    answer = solve_layer(spec, "conv2d_1", (64, 8, 8))
    found = {c.text(): (c.output, c.params) for c in answer.changes}
    # torch: the Sequential with conv2d_1 = Conv2d(16, 32, 3, stride=4, padding=1) -> (1, 64, 8, 8), 23,584 parameters;
    # Conv2d(16, 32, 10, 2, 1, dilation=4) -> 70,176; Conv2d(16, 32, 9, 3, 0, dilation=2) -> 60,448.
    assert answer.changes[0].text() == "stride 2 -> 4"
    assert found["stride 2 -> 4"] == ((None, 64, 8, 8), 23_584)
    assert found["kernel_size 3 -> 10, dilation 1 -> 4"] == ((None, 64, 8, 8), 70_176)
    assert found["kernel_size 3 -> 9, stride 2 -> 3, padding 1 -> 0, dilation 1 -> 2"] == ((None, 64, 8, 8), 60_448)
    assert "kernel_size 3 -> 4, stride 2 -> 4" not in found  # works, but contains `stride 2 -> 4`
    channels = solve_layer(spec, "conv2d_2", (128, 16, 16))
    # torch: Conv2d(32, 128, 3, stride=2, padding=1) there -> (1, 128, 16, 16), 42,080 parameters
    assert [(c.text(), c.params) for c in channels.changes] == [("out_channels 64 -> 128", 42_080)]


def test_a_pooling_window_keeps_stride_none_when_it_can() -> None:
    from convcalc.spec.loading import load_text

    spec = load_text(
        "framework: pytorch\ninput: [3, 28, 28]\nlayers:\n"
        "- Conv2d(3, 8, 3, padding=1)\n- MaxPool2d(2)\n- Conv2d(8, 16, 3, padding=1)\n",
        "pool.yaml",
    )
    answer = solve_layer(spec, "maxpool2d", (16, 7, 7))
    # torch: MaxPool2d(2, stride=4), MaxPool2d(4), MaxPool2d(8, stride=3) on (1, 8, 28, 28) all give (1, 8, 7, 7)
    assert [c.text() for c in answer.changes[:3]] == [
        "stride None -> 4",
        "kernel_size 2 -> 4",  # stride stays None: the new window
        "kernel_size 2 -> 8, stride None -> 3",
    ]
    assert all(c.output == (None, 16, 7, 7) and c.params == 1_392 for c in answer.changes)


def test_unsolvable_layer_changes_say_why() -> None:
    spec = load_path(str(ROOT / SMALL))
    flatten = solve_layer(spec, "flatten", (20,))
    assert flatten.reason == "flatten (Flatten) has no kernel, stride, padding, dilation, filters or units to change"
    conv = solve_layer(spec, "conv2d", (20,))
    assert conv.changes == ()
    assert conv.reason.startswith("no change to conv2d (Conv2d)'s kernel_size, stride, padding, dilation, out_channels")
    assert "also needs a change to conv2d_1 (Conv2d): in_channels=32 but the incoming shape has 20" in conv.reason


# --- The command


def test_bad_input_is_a_clear_error_with_exit_2() -> None:
    layer = (SEED, "--layer", "conv2d", "--output-shape")
    cases = {
        ("--input", "28", "--output", "14", "--padding", "1"): "CC105 Keras padding is 'valid' or 'same', not a number",
        ("--input", "28", "--output", "14", "--padding", "full"): "padding must be 'valid', 'same' or a number",
        ("--input", "0", "--output", "14"): "0 is not in the range x>=1",
        ("--input", "28"): "give --input N and --output N",
        ("--input", "7", "--output", "28", "--transposed", "--pool"): "give --transposed or --pool, not both",
        (SEED, "--output-shape", "10"): "--output-shape needs --layer NAME: the layer to change",
        (SEED, "--layer", "conv2d", "--output-shape", "1", "--network-output-shape", "1"): "not both",
        (*layer, "10", "--input", "3"): "do not apply",
        (SEED, "--layer", "conv3d", "--output-shape", "10,10,64"): "no layer named 'conv3d' (did you mean 'conv2d'?)",
        (*layer, "10"): "conv2d's output (None, 24, 24, 32) has 3 dimensions after the batch, --output-shape gives 1",
        (SEED, "--layer", "conv2d", "--network-output-shape", "10"): "the network's output (None, 20, 20, 64) has 3",
        (*layer, "ten"): "--output-shape: CC003 a dimension must be a positive integer or ?, found 'ten'",
        (*layer, ""): "--output-shape: CC003 the shape is empty",
        ("missing.yaml", "--layer", "conv2d", "--output-shape", "10"): "missing.yaml: CC001 no such file",
    }
    for args, message in cases.items():
        result = CliRunner().invoke(main, ["solve", *args], catch_exceptions=False)
        assert result.exit_code == 2, args
        assert message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr and result.stdout == ""


def test_exit_status_is_1_when_nothing_works() -> None:
    result = invoke("solve", "--input", "28", "--output", "15", "--stride", "2", "--padding", "valid")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == "Keras convolution: 28 -> 15"
    result = invoke("solve", SEED, "--layer", "conv2d_1", "--output-shape", "20,20,64")
    assert result.exit_code == 0  # already so
    assert result.stdout.splitlines()[-1] == "conv2d_1's output already is (None, 20, 20, 64)"
    result = invoke("solve", SEED, "--layer", "conv2d", "--network-output-shape", "20,20,64")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "the output already is (None, 20, 20, 64)"


def test_limit_cuts_the_table_and_says_so() -> None:
    result = invoke("solve", "--input", "28", "--output", "14", "--limit", "2")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "... and 12 more: --limit 0 shows all, or fix --kernel/--stride"
    data = json.loads(invoke("solve", "--input", "28", "--output", "14", "--format", "json", "--limit", "2").stdout)
    assert data["count"] == 14 and len(data["settings"]) == 2


def test_color_always_draws_rich_boxes() -> None:
    result = invoke("solve", "--input", "28", "--output", "14", "--color", "always")
    assert "┃ kernel_size ┃ strides ┃ padding ┃ dilation_rate ┃ arguments" in result.stdout


def test_help_has_examples() -> None:
    text = invoke("solve", "--help").stdout
    assert "convcalc solve --input 28 --output 14" in text.split("Examples:")[1]
    assert "convcalc-solve/1" in text


def test_json_never_imports_rich() -> None:
    code = (
        "import sys\nfrom convcalc.cli.app import main\n"
        "try: main(['solve', '--input', '28', '--output', '14', '--format', 'json'])\nexcept SystemExit: pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'keras', 'torch', 'numpy')), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.stderr.strip() == "[]"
    assert json.loads(result.stdout)["count"] == 14


GOLDEN_CASES = {
    "keras-28-14": ["--input", "28", "--output", "14"],
    "pytorch-transposed-7-28": ["--input", "7", "--output", "28", "--transposed", "--framework", "pytorch", "--stride", "4"],
    "pytorch-pool-28-14": ["--input", "28", "--output", "14", "--pool", "--framework", "pytorch"],
    "unsolvable": ["--input", "28", "--output", "15", "--stride", "2", "--padding", "valid"],
    "layer-seed2": [SEED, "--layer", "conv2d_1", "--network-output-shape", "10,10,64"],
    "layer-pytorch": ["tests/golden/solve/pytorch-convs.yaml", "--layer", "conv2d_1", "--network-output-shape", "64,8,8"],
    "layer-own-pytorch": ["tests/golden/solve/pytorch-convs.yaml", "--layer", "conv2d_1", "--output-shape", "32,16,16"],
    "repair-keras-kernel": ["tests/golden/solve/broken-kernel.yaml"],
    "repair-pytorch-channels": ["tests/golden/solve/broken-channels.yaml"],
    "repair-pytorch-partial": ["tests/golden/solve/broken-twice.yaml"],
}


@pytest.mark.parametrize("fmt", ["table", "json"])
@pytest.mark.parametrize("case", GOLDEN_CASES)
def test_output_matches_golden(case: str, fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = invoke("solve", *GOLDEN_CASES[case], "--format", fmt, "--color", "never")
    assert result.exit_code == (1 if case in ("unsolvable", "repair-pytorch-partial") else 0), result.output
    compare(result.stdout, GOLDEN / f"{case}.{'txt' if fmt == 'table' else 'json'}")
