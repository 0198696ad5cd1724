"""`convcalc import` round trips against real Keras: a model saved by Keras, imported, and the
spec's report compared with the model Keras built, layer by layer (by name: class, every
output shape, parameters, non-trainable parameters) and in total.

- every Keras Application in specs/ (applications.members(): the first of each family, all of
  them with CONVCALC_EVERY_APPLICATION=1), saved as a `.keras` file and as `model.to_json()`;
- the Keras 3 JSON files of tests/sources/, as `keras.models.model_from_json` reads them (a
  model inside a model is compared layer by layer as `inner.layer`; a layer called twice is its
  first call's row, its other calls rows of their own holding no weights of their own);
- the hand-written Keras 2 files of tests/sources/ against the same networks built with Keras 3
  (Keras 3's own loader cannot read them: tests/sources/README.md).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras", reason="the conformance suite needs keras 3 (pip install torch keras)")

from applications import Member, differences, members, totals  # noqa: E402
from helpers import invoke  # noqa: E402

from convcalc import summarize  # noqa: E402
from convcalc.report import Report  # noqa: E402

pytestmark = pytest.mark.conformance
SOURCES = Path(__file__).parents[1] / "sources"


def imported(path: Path) -> Report:
    result = invoke("import", str(path))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # every shape the file records is convcalc's
    return summarize(result.stdout)


def assert_same(report: Report, model: Any) -> None:
    differ = differences(report, model)
    assert not differ, differ
    assert (report.totals.params, report.totals.non_trainable_params) == totals(model)


@pytest.mark.parametrize("member", members(), ids=repr)
def test_keras_applications_round_trip(member: Member, tmp_path: Path) -> None:
    """Saved by model.save (the .keras file) and as model.to_json(), each imported; one model
    built for both (building is most of the time)."""
    model = member.build()
    for how in ("keras", "json"):
        path = tmp_path / f"{member.factory}.{how}"
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
