"""The bundled specs of published Keras models against keras.applications itself.

Each spec in specs/ that models a network Keras ships is compared with the framework's own
model, built with weights=None: every layer (class, output shape, parameter count,
non-trainable count) must appear in convcalc's report as often as in Keras's model, and the
totals must match the published figures (keras.io's "Keras Applications" table,
https://keras.io/api/applications/, which rounds them: 25.6M for ResNet50). Layer names differ
(specs scope names by block), so layers are matched as a multiset, which still pins every single
layer.
"""

from __future__ import annotations

import os
from collections import Counter
from math import prod
from pathlib import Path

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras", reason="the conformance suite needs keras 3 (pip install torch keras)")

from convcalc import load, summarize  # noqa: E402

pytestmark = pytest.mark.conformance
SPECS = Path(__file__).parents[2] / "specs"

# spec file -> (keras.applications class, published total params, published non-trainable)
APPLICATIONS = {
    "keras-vgg16.yaml": ("VGG16", 138_357_544, 0),
    "keras-resnet50.yaml": ("ResNet50", 25_636_712, 53_120),
    "keras-mobilenetv2.yaml": ("MobileNetV2", 3_538_984, 34_112),
    "keras-densenet121.yaml": ("DenseNet121", 8_062_504, 83_648),
    "keras-efficientnetb0.yaml": ("EfficientNetB0", 5_330_571, 42_023),
    "keras-inceptionv3.yaml": ("InceptionV3", 23_851_784, 34_432),
}


def keras_layers(model: object) -> Counter[tuple]:
    rows: Counter[tuple] = Counter()
    for layer in model.layers:  # type: ignore[attr-defined]
        if type(layer).__name__ == "InputLayer":
            continue
        frozen = sum(prod(w.shape) for w in layer.non_trainable_weights)
        rows[(type(layer).__name__, tuple(layer.output.shape), layer.count_params(), frozen)] += 1
    return rows


def convcalc_layers(report: object) -> Counter[tuple]:
    return Counter((r.type, r.output_shape, r.params, r.non_trainable_params) for r in report.rows)  # type: ignore[attr-defined]


@pytest.mark.parametrize("spec_name", sorted(APPLICATIONS))
def test_spec_matches_keras_applications_layer_by_layer(spec_name: str) -> None:
    path = SPECS / spec_name
    if not path.exists():
        pytest.fail(f"{spec_name} is missing from specs/")
    class_name, total, frozen = APPLICATIONS[spec_name]
    report = summarize(load(str(path)))
    assert (report.totals.params, report.totals.non_trainable_params) == (total, frozen)
    model = getattr(keras.applications, class_name)(weights=None)
    expected, found = keras_layers(model), convcalc_layers(report)
    missing, extra = expected - found, found - expected
    assert not missing and not extra, f"in Keras only: {dict(missing)}\nin convcalc only: {dict(extra)}"
