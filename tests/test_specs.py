"""The bundled specs (specs/*.yaml): every one passes `convcalc check`, and the ones that model a
published network reproduce the published figures, layer by layer.

No framework here: tests/conformance/test_specs_live.py builds every bundled spec in real Keras
or PyTorch and compares it layer by layer, `expect:` block included.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import convcalc
from convcalc.cli.app import main
from convcalc.report import Report
from convcalc.spec.loading import load_path

SPECS = Path(__file__).resolve().parent.parent / "specs"
ALL = sorted(SPECS.glob("*.yaml"))


def summarize(name: str) -> Report:
    path = SPECS / name
    return convcalc.summarize(path.read_text(), str(path))


def test_the_bundled_networks_are_all_there() -> None:
    # issue 2, "Done means": the two seed examples, LeNet-5, an MNIST CNN, a 1D audio CNN, a 3D
    # video CNN and a PyTorch one.
    names = {path.stem for path in ALL}
    assert {"seed-example-1", "seed-example-2", "lenet5", "mnist-cnn", "audio-1d-cnn", "video-3d-cnn", "pytorch-cnn"} <= names


@pytest.mark.parametrize("path", ALL, ids=[path.stem for path in ALL])
def test_every_spec_passes_check(path: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(path)])
    assert (result.exit_code, result.output) == (0, "")


@pytest.mark.parametrize("path", ALL, ids=[path.stem for path in ALL])
def test_every_spec_states_its_shape_and_count(path: Path) -> None:
    """A check without figures proves nothing: each spec expects an output shape and a count."""
    spec = load_path(str(path))
    assert spec.expect is not None
    assert {"output_shape", "params", "trainable_params", "non_trainable_params"} <= set(spec.expect.values)


def test_check_takes_every_spec_at_once() -> None:
    """As the README runs it, and as pre-commit passes paths in batches."""
    result = CliRunner().invoke(main, ["check", *map(str, ALL)])
    assert (result.exit_code, result.output) == (0, "")


# The two examples that started the project, https://datascience.stackexchange.com/questions/41486: the question's network
# (its shapes and kernels) and its answer's model.summary(); per layer (output shape, weights as name ->
# shape, params).
SEED_1 = [
    ((None, 26, 26, 32), {"kernel": (3, 3, 1, 32), "bias": (32,)}, 320),
    ((None, 24, 24, 64), {"kernel": (3, 3, 32, 64), "bias": (64,)}, 18_496),
]
SEED_2 = [
    ((None, 24, 24, 32), {"kernel": (5, 5, 3, 32)}, 2_400),
    ((None, 20, 20, 64), {"kernel": (5, 5, 32, 64)}, 51_200),
]


@pytest.mark.parametrize(("name", "published"), [("seed-example-1.yaml", SEED_1), ("seed-example-2.yaml", SEED_2)])
def test_seed_examples_reproduce_the_published_figures(name: str, published: list) -> None:
    report = summarize(name)
    assert [(row.output_shape, {w.name: w.shape for w in row.weights}, row.params) for row in report.rows] == published


def test_seed_example_1_takes_its_input_from_input_shape() -> None:
    # The question's own first line: Conv2D(32, (3, 3), activation='relu', input_shape=(28, 28, 1)).
    assert "input" not in (SPECS / "seed-example-1.yaml").read_text().split("layers:")[0]
    assert summarize("seed-example-1.yaml").inputs[0].shape == (None, 28, 28, 1)


def test_seed_example_2_totals_as_published() -> None:
    # The answer's model.summary(): "Total params: 53,600", "Trainable params: 53,600", "Non-trainable params: 0".
    totals = summarize("seed-example-2.yaml").totals
    assert (totals.params, totals.trainable_params, totals.non_trainable_params) == (53_600, 53_600, 0)


def test_summary_of_seed_example_2_prints_the_published_figures() -> None:
    # issue 2, "Done means": (None, 24, 24, 32) 2,400, (None, 20, 20, 64) 51,200 and
    # `Total params: 53,600 (209.38 KB)` (53,600 x 4 bytes / 1024, as Keras's summary writes it).
    result = CliRunner().invoke(main, ["summary", str(SPECS / "seed-example-2.yaml"), "--color", "never"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert any("(None, 24, 24, 32)" in line and line.endswith(" 2,400") for line in lines), result.output
    assert any("(None, 20, 20, 64)" in line and line.endswith(" 51,200") for line in lines), result.output
    assert "Total params: 53,600 (209.38 KB)" in lines
    assert "Trainable params: 53,600 (209.38 KB)" in lines
    assert "Non-trainable params: 0 (0.00 B)" in lines


# https://keras.io/examples/vision/mnist_convnet/ ("Simple MNIST convnet", keras-io
# examples/vision/md/mnist_convnet.md), its published model.summary(): type, output shape, params.
MNIST_CONVNET = [
    ("Conv2D", (None, 26, 26, 32), 320),
    ("MaxPooling2D", (None, 13, 13, 32), 0),
    ("Conv2D", (None, 11, 11, 64), 18_496),
    ("MaxPooling2D", (None, 5, 5, 64), 0),
    ("Flatten", (None, 1600), 0),
    ("Dropout", (None, 1600), 0),
    ("Dense", (None, 10), 16_010),
]


def test_mnist_cnn_reproduces_the_keras_io_summary() -> None:
    report = summarize("mnist-cnn.yaml")
    assert [(row.type, row.output_shape, row.params) for row in report.rows] == MNIST_CONVNET
    assert report.totals.params == 34_826  # "Total params: 34,826"
    assert report.totals.trainable_params == 34_826  # "Trainable params: 34,826"
