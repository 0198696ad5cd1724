"""The two networks of the question that started convcalc (https://datascience.stackexchange.com/questions/41486),
built in real Keras exactly as the question and its answer write them, against the figures they
publish and against convcalc (library, JSON and the CLI's table)."""

from __future__ import annotations

import os
import warnings

import pytest
from click.testing import CliRunner
from oracle import NEEDS, L, Stack, convcalc_facts, framework_facts, verdict

import convcalc
from convcalc.cli.app import main

os.environ.setdefault("KERAS_BACKEND", "torch")
pytest.importorskip("torch", reason=NEEDS)
keras = pytest.importorskip("keras", reason=NEEDS)


pytestmark = pytest.mark.conformance

# The two examples that started the project (the question's network and its answer's):
# per layer (output shape, weights as name -> shape, params).
SEEDS = {
    "seed-1": {
        "yaml": """input: [28, 28, 1]
layers:
- Conv2D(32, (3, 3), activation='relu')
- Conv2D(64, (3, 3))
""",
        "keras": lambda: [
            keras.layers.Conv2D(32, kernel_size=(3, 3), activation="relu", input_shape=(28, 28, 1)),
            keras.layers.Conv2D(64, (3, 3)),
        ],
        "stack": Stack("keras", (28, 28, 1), (L("Conv2D", 32, (3, 3), activation="relu"), L("Conv2D", 64, (3, 3)))),
        "published": [
            ((None, 26, 26, 32), {"kernel": (3, 3, 1, 32), "bias": (32,)}, 320),
            ((None, 24, 24, 64), {"kernel": (3, 3, 32, 64), "bias": (64,)}, 18_496),
        ],
        "totals": None,  # not published for this network
    },
    "seed-2": {
        "yaml": """input: [28, 28, 3]
layers:
- Convolution2D(32, 5, activation='relu', use_bias=False)
- Convolution2D(64, 5, activation='relu', use_bias=False)
""",
        "keras": lambda: [
            keras.layers.Convolution2D(32, 5, activation="relu", use_bias=False, input_shape=(28, 28, 3)),
            keras.layers.Convolution2D(64, 5, activation="relu", use_bias=False),
        ],
        "stack": Stack(
            "keras",
            (28, 28, 3),
            (
                L("Convolution2D", 32, 5, activation="relu", use_bias=False),
                L("Convolution2D", 64, 5, activation="relu", use_bias=False),
            ),
        ),
        "published": [
            ((None, 24, 24, 32), {"kernel": (5, 5, 3, 32)}, 2_400),
            ((None, 20, 20, 64), {"kernel": (5, 5, 32, 64)}, 51_200),
        ],
        # The answer's model.summary() reads:
        "totals": ["Total params: 53,600", "Trainable params: 53,600", "Non-trainable params: 0"],
    },
}


def keras_model(seed: str) -> object:
    """The network as the question builds it: a Sequential model, input_shape on the first layer."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras 3 prefers keras.Input, but accepts input_shape
        return keras.Sequential(SEEDS[seed]["keras"]())


def summary_totals(model: object) -> list[str]:
    lines: list[str] = []
    model.summary(print_fn=lambda text, **_: lines.extend(text.splitlines()))
    return [line.strip() for line in lines if "params:" in line]


@pytest.mark.parametrize("seed", SEEDS)
def test_keras_reproduces_the_published_figures(seed: str) -> None:
    """The oracle itself is right: real Keras gives the published numbers."""
    model = keras_model(seed)
    for layer, (shape, weights, params) in zip(model.layers, SEEDS[seed]["published"], strict=True):
        assert tuple(layer.output.shape) == shape
        assert {w.name: tuple(w.shape) for w in layer.weights} == weights
        assert layer.count_params() == params
    for published in SEEDS[seed]["totals"] or []:
        assert any(line.startswith(published + " ") for line in summary_totals(model)), summary_totals(model)


@pytest.mark.parametrize("seed", SEEDS)
def test_convcalc_reproduces_the_published_figures(seed: str) -> None:
    report = convcalc.summarize(SEEDS[seed]["yaml"])
    for row, (shape, weights, params) in zip(report.rows, SEEDS[seed]["published"], strict=True):
        assert row.output_shape == shape
        assert {w.name: w.shape for w in row.weights} == weights
        assert row.params == params


@pytest.mark.parametrize("seed", SEEDS)
def test_convcalc_agrees_with_keras_layer_by_layer(seed: str) -> None:
    """Every fact the oracle reads (type, shape, weight names/shapes/trainable, counts)."""
    stack = SEEDS[seed]["stack"]
    real, ours = framework_facts(stack), convcalc_facts(stack)
    assert real.accepted
    assert verdict(stack, real, ours) == "", f"{real}\n{ours}"
    assert convcalc_facts(stack) == convcalc_facts(stack)  # and the YAML above is the same network:
    assert [r.output_shape for r in convcalc.summarize(SEEDS[seed]["yaml"]).rows] == [f.output_shape for f in real.layers]


@pytest.mark.parametrize("seed", SEEDS)
def test_cli_totals_read_as_keras_summary(seed: str) -> None:
    """The totals block of `convcalc summary` is, line for line, what Keras's summary() prints."""
    result = CliRunner().invoke(main, ["summary", "-", "--color", "never"], input=SEEDS[seed]["yaml"])
    assert result.exit_code == 0, result.output
    ours = [line.strip() for line in result.output.splitlines() if "params:" in line]
    assert ours == summary_totals(keras_model(seed))
