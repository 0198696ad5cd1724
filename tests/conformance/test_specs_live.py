"""Every bundled spec (specs/*.yaml) built in the real framework it names, Keras 3 (torch
backend) or PyTorch, and compared with convcalc layer by layer: type, output shape, weights
(name, shape, trainable) and counts. Its `expect:` block is held to what the framework reports,
so the figures a user reads in specs/ are the framework's, not convcalc's.

The spec file is read here independently of convcalc (yaml.safe_load, and `ast` for the call
form), so a parsing fault in convcalc cannot hide by building the wrong network on both sides.
"""

from __future__ import annotations

import ast
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from oracle import NEEDS, Facts, Layer, LayerFacts, Stack, WeightFact, explain, framework_facts, verdict

import convcalc
from convcalc import document

os.environ.setdefault("KERAS_BACKEND", "torch")  # as tests/conftest.py, for running this file alone
pytest.importorskip("torch", reason=NEEDS)
pytest.importorskip("keras", reason=NEEDS)

pytestmark = pytest.mark.conformance


def sequential(path: Path) -> bool:
    """A spec this file can rebuild as a plain stack. Graph specs (blocks, named inputs) are
    compared with their frameworks by test_applications.py (keras.applications),
    test_torch_models.py and test_transformers.py."""
    data = yaml.safe_load(path.read_text())
    return not {"blocks", "inputs", "outputs"} & set(data)


SPECS = [path for path in sorted((Path(__file__).resolve().parents[2] / "specs").glob("*.yaml")) if sequential(path)]


def literal(value: Any) -> Any:
    """A YAML value as Python would write it in a call: lists become tuples."""
    return tuple(literal(v) for v in value) if isinstance(value, list) else value


def read_layer(entry: str | dict[str, Any]) -> Layer:
    """`Conv2D(32, 3, padding="same")`, `Flatten` or `{type: Conv2D, filters: 32, ...}`."""
    if isinstance(entry, dict):
        kwargs = {key: literal(value) for key, value in entry.items() if key != "type"}
        return Layer(entry["type"], (), kwargs)
    node = ast.parse(entry.strip(), mode="eval").body
    if isinstance(node, ast.Name):
        return Layer(node.id)
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name), entry
    args = tuple(ast.literal_eval(arg) for arg in node.args)
    return Layer(node.func.id, args, {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords if kw.arg})


def read_spec(path: Path) -> tuple[Stack, int | None, dict[str, Any]]:
    """The network a spec describes as an oracle Stack, its batch, and its `expect:` block."""
    data = yaml.safe_load(path.read_text())
    framework = data.get("framework", "keras")
    layers = [read_layer(entry) for entry in data["layers"]]
    input_shape = data.get("input")
    first = layers[0]
    if framework == "keras" and "input_shape" in first.kwargs:  # Sequential's input_shape= on the first layer
        kwargs = dict(first.kwargs)
        input_shape = kwargs.pop("input_shape")
        layers[0] = Layer(first.type, first.args, kwargs)
    return Stack(framework, tuple(input_shape), tuple(layers)), data.get("batch"), data.get("expect") or {}


def without_batch(facts: Facts) -> Facts:
    """The oracle runs PyTorch on a batch of 2 and a spec may name its own: compare the rest."""
    layers = tuple(replace(layer, output_shape=(None, *layer.output_shape[1:])) for layer in facts.layers)
    return replace(facts, layers=layers)


def convcalc_file_facts(path: Path) -> tuple[Facts, dict[str, Any]]:
    """convcalc's answer for the spec file itself, read from its JSON document (convcalc/1)."""
    data = document(convcalc.summarize(path.read_text(), str(path)))
    layers = tuple(
        LayerFacts(
            row["type"],
            tuple(row["output_shape"]),
            tuple(WeightFact(w["name"], tuple(w["shape"]), w["trainable"]) for w in row["weights"]),
            row["params"],
            row["trainable_params"],
            row["non_trainable_params"],
        )
        for row in data["layers"]
    )
    return Facts("convcalc", layers), data


@pytest.fixture(scope="module", params=SPECS, ids=[path.stem for path in SPECS])
def case(request: pytest.FixtureRequest) -> tuple[Path, Stack, int | None, dict[str, Any], Facts]:
    path = request.param
    stack, batch, expect = read_spec(path)
    real = framework_facts(stack)
    assert real.accepted, f"{path.name}: the real framework rejects the spec\n{real}"
    assert not real.runtime_error, f"{path.name}: builds but does not run\n{real}"
    return path, stack, batch, expect, real


def test_convcalc_agrees_with_the_framework_layer_by_layer(case) -> None:
    path, stack, batch, _, real = case
    ours, data = convcalc_file_facts(path)
    problem = verdict(stack, without_batch(real), without_batch(ours))
    assert not problem, explain(stack, real, ours, problem)
    assert all(layer.output_shape[0] == batch for layer in ours.layers)
    assert data["inputs"][0]["shape"] == [batch, *stack.input_shape]


def test_expect_block_holds_the_framework_figures(case) -> None:
    """The figures written in the spec are the framework's own."""
    path, _, batch, expect, real = case
    figures = {
        "output_shape": [batch, *real.layers[-1].output_shape[1:]],
        "params": sum(layer.params for layer in real.layers),
        "trainable_params": sum(layer.trainable_params for layer in real.layers),
        "non_trainable_params": sum(layer.non_trainable_params for layer in real.layers),
    }
    assert expect, f"{path.name} has no expect: block"
    stated = figures.keys() & expect.keys()
    assert stated, f"{path.name} states no figure"
    assert {key: expect[key] for key in stated} == {key: figures[key] for key in stated}
    if "max_params" in expect:
        assert figures["params"] <= expect["max_params"]
