"""keras.applications as the conformance suite reads it: the family each spec in specs/ writes,
the real model of each member, and every row of a Keras model as `model.summary()` lists it.

A spec that writes a Keras Application says so in its header, one line per member of the
family, each the spec with its `input:` and its one layer (the model's builder called with the
member's arguments) as given; the first line is the spec as written:

    #   ResNet50:  [224, 224, 3]  ResNet((3, 4, 6, 3), name="resnet50")
    #   ResNet101: [224, 224, 3]  ResNet((3, 4, 23, 3), name="resnet101")

Set CONVCALC_EVERY_APPLICATION=1 to check every member; by default the suite checks the first
of each family (the spec as written), which covers every block of it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from math import prod
from pathlib import Path
from typing import Any

SPECS = Path(__file__).resolve().parents[2] / "specs"
EVERY = os.environ.get("CONVCALC_EVERY_APPLICATION", "") not in ("", "0")
MEMBER = re.compile(r"^#\s{2,}(\w+):\s+(\[[^\]]*\])\s+(\S.*?)\s*$")

Facts = tuple[str, tuple[tuple[int | None, ...], ...], int, int]


class Member:
    """One keras.applications model and the spec text that writes it."""

    def __init__(self, factory: str, spec: Path, input_shape: str, call: str, first: bool) -> None:
        self.factory = factory
        self.spec = spec
        self.input_shape = input_shape
        self.call = call
        self.first = first

    def __repr__(self) -> str:
        return self.factory

    def text(self) -> str:
        """The spec with this member's input and call in place of the ones written."""
        text = self.spec.read_text()
        layers = re.search(r"^layers:\n  - (.*)$", text, re.MULTILINE)
        written = re.search(r"^input: (.*)$", text, re.MULTILINE)
        assert layers and written, f"{self.spec.name}: a family spec has `input:` and one layer under `layers:`"
        text = text[: layers.start(1)] + self.call + text[layers.end(1) :]
        return re.sub(r"^input: .*$", lambda _: f"input: {self.input_shape}", text, count=1, flags=re.MULTILINE)

    def build(self) -> Any:
        """The real model, weights=None, include_top=True, its default input, named afresh."""
        import keras

        keras.backend.clear_session()  # automatic names (conv2d_12, activation_3) count from 0 again
        return FACTORIES.get(self.factory, lambda: getattr(keras.applications, self.factory)(weights=None))()


def nasnet_mobile() -> Any:
    """keras.applications.NASNetMobile refuses the torch backend ("an outstanding bug"; its
    pretrained weights do not load there) before building anything: the same call of NASNet
    that it makes (keras/src/applications/nasnet.py, NASNetMobile), weights=None."""
    from keras.src.applications.nasnet import NASNet

    return NASNet(
        None,
        penultimate_filters=1056,
        num_blocks=4,
        stem_block_filters=32,
        skip_reduction=False,
        filter_multiplier=2,
        weights=None,
        default_size=224,
        name="nasnet_mobile",
    )


FACTORIES: dict[str, Callable[[], Any]] = {"NASNetMobile": nasnet_mobile}


def family(spec: Path) -> list[Member]:
    """The members a spec's header lists (none for a spec that writes no Keras Application)."""
    found = []
    for line in spec.read_text().splitlines():
        if not line.startswith("#"):
            break
        match = MEMBER.match(line)
        if match:
            found.append(Member(match[1], spec, match[2], match[3], first=not found))
    return found


def members(every: bool = EVERY) -> list[Member]:
    """Every member of every family in specs/, or the first of each."""
    found = []
    for spec in sorted(SPECS.glob("keras-*.yaml")):
        listed = family(spec)
        found.extend(listed if every else listed[:1])
    return found


def shapes(tensors: Any) -> tuple[tuple[int | None, ...], ...]:
    items = tensors if isinstance(tensors, list | tuple) else [tensors]
    return tuple(tuple(t.shape) for t in items)


def keras_facts(model: Any, prefix: str = "") -> dict[str, Facts]:
    """Every row of `model.summary()`: the layers and the keras.ops operations (`x + 3.0` is an
    `add (Add)` row) of a functional model, a model inside it as its layers (`inner.layer`);
    each with its class, output shapes, parameters and non-trainable parameters. A layer
    called twice has its second call as `layer@1` (no weights of its own)."""
    import keras

    found: dict[str, Facts] = {}
    operations = model.layers if isinstance(model, keras.Sequential) else model.operations
    for layer in operations:
        if type(layer).__name__ == "InputLayer":
            continue
        if hasattr(layer, "layers") and hasattr(layer, "inputs"):  # a model inside
            found |= keras_facts(layer, f"{prefix}{layer.name}.")
            continue
        params = layer.count_params() if isinstance(layer, keras.layers.Layer) else 0
        frozen = sum(prod(w.shape) for w in getattr(layer, "non_trainable_weights", ()))
        calls = [node for node in layer._inbound_nodes if node.input_tensors]
        if prefix or isinstance(model, keras.Sequential):
            calls = calls[:1]  # calling (or building) a model calls its layers again: their first call is the model's
        for index, node in enumerate(calls):
            name = prefix + layer.name + (f"@{index}" if index else "")
            found[name] = (type(layer).__name__, shapes(node.output_tensors), params if index == 0 else 0, frozen * (index == 0))
    return found


def convcalc_facts(report: Any) -> dict[str, Facts]:
    """The same facts from convcalc's report. MultiHeadAttention's attention scores, which
    convcalc always offers as a second output (README, "Multi-output layers") and Keras returns
    only when called with return_attention_scores=True, are left out."""
    return {
        r.name: (r.type, r.outputs[:1] if r.type == "MultiHeadAttention" else r.outputs, r.params, r.non_trainable_params)
        for r in report.rows
    }


def differences(report: Any, model: Any) -> dict[str, tuple[Facts | None, Facts | None]]:
    """Rows that differ, by name: (Keras's, convcalc's), None where one side has no such row."""
    expected, found = keras_facts(model), convcalc_facts(report)
    return {
        name: (expected.get(name), found.get(name))
        for name in expected.keys() | found.keys()
        if expected.get(name) != found.get(name)
    }


def totals(model: Any) -> tuple[int, int]:
    """(parameters, non-trainable parameters) as model.summary() counts them."""
    return model.count_params(), sum(prod(w.shape) for w in model.non_trainable_weights)
