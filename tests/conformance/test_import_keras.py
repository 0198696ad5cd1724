"""`convcalc import` round trips against real Keras: a model saved by Keras, imported, and the
spec's report compared with the model Keras built, layer by layer (by name: class, every
output shape, parameters, non-trainable parameters) and in total.

- every Keras Application in specs/ (test_applications.APPLICATIONS), saved as a `.keras`
  file and as `model.to_json()`;
- the Keras 3 JSON files of tests/sources/, as `keras.models.model_from_json` reads them (a
  model inside a model is compared layer by layer as `inner.layer`; a layer called twice is its
  first call's row, its other calls rows of their own holding no weights of their own);
- the hand-written Keras 2 files of tests/sources/ against the same networks built with Keras 3
  (Keras 3's own loader cannot read them: tests/sources/README.md).
"""

from __future__ import annotations

import os
from math import prod
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras", reason="the conformance suite needs keras 3 (pip install torch keras)")

from helpers import invoke  # noqa: E402

from convcalc import summarize  # noqa: E402
from convcalc.report import Report  # noqa: E402

pytestmark = pytest.mark.conformance
SOURCES = Path(__file__).parents[1] / "sources"
APPLICATIONS = ["VGG16", "ResNet50", "MobileNetV2", "DenseNet121", "EfficientNetB0", "InceptionV3"]

Facts = tuple[str, tuple[tuple[int | None, ...], ...], int, int]


def shapes(tensors: Any) -> tuple[tuple[int | None, ...], ...]:
    items = tensors if isinstance(tensors, list | tuple) else [tensors]
    return tuple(tuple(t.shape) for t in items)


def keras_facts(model: Any, prefix: str = "") -> dict[str, Facts]:
    """Every layer of a Keras model (those of a model inside it as `inner.layer`): class, output
    shapes, parameters and non-trainable parameters; a layer's second call as `layer@1`."""
    found: dict[str, Facts] = {}
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        if hasattr(layer, "layers") and hasattr(layer, "inputs"):  # a model inside
            found |= keras_facts(layer, f"{prefix}{layer.name}.")
            continue
        frozen = sum(prod(w.shape) for w in layer.non_trainable_weights)
        calls = [node for node in layer._inbound_nodes if node.input_tensors]
        if prefix or isinstance(model, keras.Sequential):
            calls = calls[:1]  # calling (or building) a model calls its layers again: their first call is the model's
        for index, node in enumerate(calls):
            name = prefix + layer.name + (f"@{index}" if index else "")
            params = layer.count_params() if index == 0 else 0
            found[name] = (type(layer).__name__, shapes(node.output_tensors), params, frozen if index == 0 else 0)
    return found


def convcalc_facts(report: Report) -> dict[str, Facts]:
    """The same facts from convcalc's report. MultiHeadAttention's attention scores, which
    convcalc always offers as a second output (README, "Multi-output layers") and Keras returns
    only when called with return_attention_scores=True, are left out."""
    return {
        r.name: (r.type, r.outputs[:1] if r.type == "MultiHeadAttention" else r.outputs, r.params, r.non_trainable_params)
        for r in report.rows
    }


def imported(path: Path) -> Report:
    result = invoke("import", str(path))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # every shape the file records is convcalc's
    return summarize(result.stdout)


def assert_same(report: Report, model: Any) -> None:
    expected, found = keras_facts(model), convcalc_facts(report)
    differ = {
        name: (expected.get(name), found.get(name))
        for name in expected.keys() | found.keys()
        if expected.get(name) != found.get(name)
    }
    assert not differ, differ
    frozen = sum(prod(w.shape) for w in model.non_trainable_weights)
    assert (report.totals.params, report.totals.non_trainable_params) == (model.count_params(), frozen)


@pytest.mark.parametrize("how", ["keras", "json"])
@pytest.mark.parametrize("name", APPLICATIONS)
def test_keras_applications_round_trip(name: str, how: str, tmp_path: Path) -> None:
    model = getattr(keras.applications, name)(weights=None)
    path = tmp_path / f"{name}.{how}"
    if how == "keras":
        model.save(path)
    else:
        path.write_text(model.to_json())
    try:
        report = imported(path)
    finally:
        path.unlink()  # VGG16's weights are 553 MB
    assert_same(report, model)


@pytest.mark.parametrize("name", sorted(p.name for p in SOURCES.glob("keras3-*.json")))
def test_keras_3_json_files_round_trip(name: str) -> None:
    model = keras.models.model_from_json((SOURCES / name).read_text())
    assert_same(imported(SOURCES / name), model)


def keras2_functional() -> Any:
    layers = keras.layers
    image = keras.Input((32, 32, 3), name="image")
    x = layers.Conv2D(16, 3, padding="same", use_bias=False, name="stem")(image)
    x = layers.BatchNormalization(axis=3, name="stem_bn")(x)
    x = layers.Activation("relu", name="stem_relu")(x)
    y = layers.Conv2D(16, 3, padding="same", activation="relu", name="branch_conv")(x)
    x = layers.MaxPooling2D(name="pool")(layers.Add(name="add")([x, y]))
    head = keras.Sequential(
        [
            keras.Input((16, 16, 16), name="head_input"),
            layers.GlobalAveragePooling2D(name="gap"),
            layers.Dropout(0.25, name="dropout"),
            layers.Dense(10, activation="softmax", name="logits"),
        ],
        name="head",
    )
    return keras.Model(image, head(x), name="small_resnet")


def keras2_sequential() -> Any:
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(32, 3, activation="relu", name="conv2d_1"),
            layers.Conv2D(64, 3, activation="relu", name="conv2d_2"),
            layers.MaxPooling2D(name="max_pooling2d_1"),
            layers.Dropout(0.25, name="dropout_1"),
            layers.Flatten(name="flatten_1"),
            layers.Dense(128, activation="relu", name="dense_1"),
            layers.Dense(10, activation="softmax", name="dense_2"),
        ],
        name="mnist_cnn",
    )


@pytest.mark.parametrize(
    ("name", "build"), [("keras2-functional.json", keras2_functional), ("keras2-sequential.json", keras2_sequential)]
)
def test_keras_2_json_files_are_their_networks(name: str, build: Any) -> None:
    assert_same(imported(SOURCES / name), build())  # the same names: the file's own
