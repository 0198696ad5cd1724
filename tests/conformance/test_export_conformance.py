"""Every bundled spec (specs/*.yaml), every valid golden spec, the export's own specs
(tests/specs/export: what blocks, names and multi-output layers can ask of code) and the
docs' examples, exported
with `convcalc export` and built by the real framework: each layer's output shapes and
parameter counts, and the totals, must be convcalc's.

PyTorch: the exported module is executed from its text, the model built on the meta device
(shapes without arithmetic or memory) and run on zeros of the spec's input shapes (the spec's
batch, else 2); a forward hook on every module records its outputs, found by the module path
the export gives for each row. convcalc's stand-ins for torch functions (Add, Concat...) are
no modules: a TorchFunctionMode records the torch calls the exported file's own statements
make, and their results are matched with those rows in order. Parameters are counted where they
are first held, so tied weights (`shares:`) count once, as convcalc counts them.

Keras: the exported function builds the functional model; each row is the layer of the name
the export gives, its symbolic output shapes and `count_params()` compared.
"""

from __future__ import annotations

import ast
import os
import sys
from math import prod
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")

from convcalc import load
from convcalc.engine import run
from convcalc.export import Exported, export
from convcalc.frameworks.base import Family
from convcalc.report import Report

pytestmark = pytest.mark.conformance
ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("specs", "tests/specs/valid", "tests/specs/export", "docs/examples")
SPECS = sorted(
    path
    for folder in FOLDERS
    for path in (ROOT / folder).glob("*.yaml")
    if all(block.scoped for block in load(str(path)).blocks.values())  # export refuses builder blocks for now
)
UNKNOWN = 16  # the size an unknown (None) input dimension takes when the model is run


def framework_of(path: Path) -> str:
    return load(str(path)).framework


def executed(exported: Exported, filename: str) -> dict[str, Any]:
    """The exported file run as a module of its own (not as __main__: its demo stays out)."""
    namespace: dict[str, Any] = {"__name__": "exported"}
    exec(compile(exported.text, filename, "exec"), namespace)
    return namespace


def agree(found: tuple[int | None, ...], expected: tuple[int | None, ...]) -> bool:
    """A shape the framework gives agrees with convcalc's where convcalc knows the size."""
    return len(found) == len(expected) and all(e is None or f == e for f, e in zip(found, expected))


# --- PyTorch


def statement_lines(text: str) -> dict[int, int]:
    """Each line of the exported file -> the first line of the statement it belongs to."""
    lines: dict[int, int] = {}
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Assign | ast.Expr | ast.Return) and node.end_lineno is not None:
            for line in range(node.lineno, node.end_lineno + 1):
                lines.setdefault(line, node.lineno)
    return lines


def flat_shapes(value: Any) -> list[tuple[int, ...]]:
    if isinstance(value, tuple | list):
        return [shape for item in value for shape in flat_shapes(item)]
    return [tuple(value.shape)] if value is not None else []


def torch_run(path: Path, report: Report, exported: Exported) -> tuple[dict[str, Any], list[Any], Any]:
    """The model, each module's outputs by path, and the results of the file's own torch calls
    (stand-ins for torch functions), one per statement, in the order they ran."""
    torch = pytest.importorskip("torch", reason="the conformance suite needs torch")
    from torch.overrides import TorchFunctionMode

    filename = f"<export {path.name}>"
    namespace = executed(exported, filename)
    model_class = [v for v in namespace.values() if isinstance(v, type) and issubclass(v, torch.nn.Module)][-1]
    with torch.device("meta"):
        model = model_class()
    outputs: dict[str, Any] = {}

    def hook(name: str):  # type: ignore[no-untyped-def]
        def record(module: Any, args: Any, output: Any) -> None:
            outputs.setdefault(name, output)

        return record

    for name, module in model.named_modules():
        if name:
            module.register_forward_hook(hook(name))
    lines = statement_lines(exported.text)
    calls: dict[tuple[int, int], Any] = {}  # (frame, statement) -> the last result
    frames: list[Any] = []  # kept alive, so that no later call's frame takes an id used here

    class Calls(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):  # type: ignore[no-untyped-def]
            result = func(*args, **(kwargs or {}))
            frame = sys._getframe(1)
            while frame.f_code.co_filename.endswith(("torch/_tensor.py", "torch/overrides.py")):
                frame = frame.f_back  # type: ignore[assignment]
            if frame.f_code.co_filename == filename:
                frames.append(frame)
                calls[(id(frame), lines.get(frame.f_lineno, frame.f_lineno))] = result
            return result

    rows = {row.name: row for row in report.rows}
    tensors = []
    for item in load(str(path)).inputs:
        integer = any(
            row.layer_type is not None and row.layer_type.family is Family.EMBEDDING and item.name in row.inputs
            for row in rows.values()
        )
        shape = tuple(UNKNOWN if d is None else d for d in (report.inputs[0].shape[0] or 2, *item.shape))
        tensors.append(torch.zeros(shape, dtype=torch.long if integer else torch.float32, device="meta"))
    with torch.no_grad(), Calls():
        model(*tensors)
    return outputs, list(calls.values()), model


def test_torch_attribute_list_is_nn_modules() -> None:
    torch = pytest.importorskip("torch", reason="the conformance suite needs torch")
    from convcalc.export.names import MODULE_ATTRIBUTES

    assert {n for n in dir(torch.nn.Module()) if not n.startswith("_")} <= MODULE_ATTRIBUTES


TORCH_SPECS = [p for p in SPECS if framework_of(p) == "pytorch"]


@pytest.mark.parametrize("path", TORCH_SPECS, ids=[p.stem for p in TORCH_SPECS])
def test_exported_pytorch_model_matches_every_row(path: Path) -> None:
    report = run(load(str(path)))
    exported = export(load(str(path)))
    outputs, calls, model = torch_run(path, report, exported)
    own = [row for row in report.rows if row.layer_type is not None and row.layer_type.own]
    assert len(calls) == len(own), f"{len(calls)} torch calls in the file's own statements, {len(own)} stand-in rows"
    results = iter(calls)
    modules = dict(model.named_modules())
    seen: set[int] = set()
    for row in report.rows:
        if row in own:
            found = flat_shapes(next(results))
            params = 0
            if row.name in exported.names:  # a stand-in holding weights: a parameter of the model
                params = model.get_parameter(exported.names[row.name]).numel()
        else:
            path_in_model = exported.names[row.name]
            assert path_in_model in outputs, f"{row.name}: the module {path_in_model} never ran"
            found = flat_shapes(outputs[path_in_model])
            fresh = [p for p in modules[path_in_model].parameters() if id(p) not in seen]
            seen.update(id(p) for p in fresh)
            params = sum(p.numel() for p in fresh)
        assert len(found) == len(row.outputs) and all(map(agree, found, row.outputs)), f"{row.name}: {found} != {row.outputs}"
        assert params == row.params, f"{row.name}: {params} parameters, convcalc {row.params}"
    assert sum(p.numel() for p in model.parameters()) == report.totals.params


# --- Keras


def keras_shapes(output: Any) -> list[tuple[int | None, ...]]:
    if isinstance(output, tuple | list):
        return [tuple(o.shape) for o in output]
    return [tuple(output.shape)]


KERAS_SPECS = [p for p in SPECS if framework_of(p) == "keras"]


@pytest.mark.parametrize("path", KERAS_SPECS, ids=[p.stem for p in KERAS_SPECS])
def test_exported_keras_model_matches_every_row(path: Path) -> None:
    pytest.importorskip("keras", reason="the conformance suite needs keras")
    report = run(load(str(path)))
    exported = export(load(str(path)))
    namespace = executed(exported, f"<export {path.name}>")
    build = namespace[exported.entry]
    model = build()
    calls: dict[str, int] = {}  # a layer -> the calls of it met so far (a shared layer is called again)
    for row in report.rows:
        layer = model.get_layer(exported.names[row.name])
        call = calls[layer.name] = calls.get(layer.name, -1) + 1
        found = keras_shapes(layer._inbound_nodes[call].outputs)
        assert found == list(row.outputs)[: len(found)], f"{row.name}: {found} != {row.outputs}"
        if row.shared_with is not None:  # the owner's layer, called again: its weights are counted there
            assert exported.names[row.shared_with] == layer.name and row.params == 0
            continue
        frozen = sum(prod(w.shape) for w in layer.non_trainable_weights)
        assert (layer.count_params(), frozen) == (row.params, row.non_trainable_params), row.name
    assert model.count_params() == report.totals.params


# --- every sequence and attention case of test_sequence_conformance.py, exported


def sequence_cases() -> list[tuple[str, str, str]]:
    """(framework, spec text, id) for each accepted one-layer case: the call conventions and
    multi-output readings of recurrent layers, wrappers, attention and transformers. Keras's
    cases whose symbolic shapes are known to be wrong (KERAS_RUN_CASES) are left out: the model
    built here is symbolic."""
    from test_sequence_conformance import KERAS_CASES, NEEDS_LAYER_NORM, TORCH_CASES, spec_text

    found = []
    for framework, cases in (("keras", KERAS_CASES), ("pytorch", TORCH_CASES + NEEDS_LAYER_NORM)):
        for inputs, call in cases:
            firsts = {shape[0] for shape in inputs}
            batch = firsts.pop() if len(firsts) == 1 else None
            text = spec_text(framework, inputs, call, batch)
            if call.startswith("MultiHeadAttention") and len({shape[1] for shape in inputs}) == 1:
                # its scores read too, so the call asks for them (Keras's symbolic scores are
                # right only when the key is as long as the query: test_sequence_conformance.py)
                text = text.replace('"framework"', '"outputs": ["multi_head_attention", "multi_head_attention[1]"], "framework"')
            found.append((framework, text, f"{framework}-{call}"))
    return found


@pytest.mark.parametrize(("framework", "text", "name"), sequence_cases(), ids=[c[2] for c in sequence_cases()])
def test_exported_sequence_layer_matches(framework: str, text: str, name: str, tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(text)
    if framework == "pytorch":
        test_exported_pytorch_model_matches_every_row(path)
    else:
        test_exported_keras_model_matches_every_row(path)


def test_a_stand_in_holding_weights_builds(tmp_path: Path) -> None:
    """The extension point for parameter tensors: a stand-in's weights kept as an nn.Parameter."""
    from helpers import SCALED, stand_in_holding_weights

    path = tmp_path / "scaled.yaml"
    path.write_text(SCALED)
    with stand_in_holding_weights():
        test_exported_pytorch_model_matches_every_row(path)
