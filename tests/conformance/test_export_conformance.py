"""Every network convcalc exports, built by the real framework: each layer's output shapes and
parameter counts, and the totals, must be convcalc's.

What is exported: every bundled spec (specs/*.yaml), every valid golden spec, the export's own
specs (tests/specs/export: what blocks, names, containers and multi-output layers ask of code),
the docs' examples (docs/examples and every spec a docs page saves with `# file:`), every
sequence and attention case of test_sequence_conformance.py and every accepted layer case of
test_layers_conformance.py, the hand-written stacks of the compute and receptive-field suites, a
seeded sample of the stacks tests/conformance/generate.py grows on the real frameworks (every
family of layers and tensor operations), and a few cases for the templates nothing else
reaches. Two tests check that every template a layer type gives export (`Code`: a stand-in's
call and its `when` variants), and every layer class of both vocabularies, are among those
built. Round trips close it: a Keras Application saved by Keras and darknet's tiny YOLO cfgs,
imported (`convcalc import`) and exported, build the original's layers and counts.

PyTorch: the exported module is executed from its text, the model built on the meta device
(shapes without arithmetic or memory) and run on zeros of the spec's input shapes (the spec's
batch, else 2); a forward hook on every module records its outputs, found by the module path
the export gives for each row. convcalc's stand-ins for torch functions (Add, Concat...) are
no modules: a TorchFunctionMode records the torch calls the exported file's own statements
make, and their results are matched with those rows in order; a parameter tensor is the
model's parameter at the path the export gives. Parameters are counted where they are first
held, so tied weights (`shares:`) count once, as convcalc counts them.

Keras: the exported function builds the functional model; each row is the layer of the name
the export gives (`outer/inner` inside a Sequential), its symbolic output shapes and
`count_params()` compared. A keras.ops call (and Keras's `x + 3.0`) is an operation, not a
layer: the operations the exported file's statements make are recorded as they are made and
matched with those rows in order.
"""

from __future__ import annotations

import ast
import functools
import os
import random
import re
import sys
from math import prod
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")

from convcalc.engine import computed
from convcalc.export import Exported, export
from convcalc.export.writer import call_template, is_function
from convcalc.frameworks import vocabulary
from convcalc.frameworks.base import Family
from convcalc.graph import Graph
from convcalc.report import Report, Row
from convcalc.spec.loading import load_path, load_text
from convcalc.spec.model import Spec

pytestmark = pytest.mark.conformance
ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("specs", "tests/specs/valid", "tests/specs/export", "docs/examples", "docs/examples/torchvision")
SPECS = sorted(path for folder in FOLDERS for path in (ROOT / folder).glob("*.yaml"))
UNKNOWN = 16  # the size an unknown (None) input dimension takes when the model is run


def is_spec(path: Path) -> bool:
    try:
        load_path(str(path))
    except Exception:
        return False  # a Keras JSON the docs import, not a spec
    return True


SPECS = [p for p in SPECS if is_spec(p)]


def page_specs() -> list[tuple[str, str]]:
    """(id, text) of every spec a docs page saves with `# file: NAME.yaml` and then computes."""
    found = []
    for page in sorted((ROOT / "docs").glob("*.md")):
        for block in re.findall(r"```ya?ml\n(.*?)```", page.read_text(), re.S):
            first, _, rest = block.partition("\n")
            name = first.removeprefix("# file:").strip()
            if first.startswith("# file:") and name.endswith(".yaml"):
                try:
                    spec = load_text(rest, name)
                    computed(spec)
                except Exception:
                    continue  # a page's example of a mistake
                if spec.symbols:  # export needs sizes in numbers: tests/test_symbolic.py exports them under --set
                    continue
                found.append((f"{page.stem}-{name}", rest))
    return found


def agree(found: tuple[int | None, ...], expected: tuple[int | None, ...]) -> bool:
    """A shape the framework gives agrees with convcalc's where convcalc knows the size."""
    return len(found) == len(expected) and all(e is None or f == e for f, e in zip(found, expected))


def executed(exported: Exported, filename: str) -> dict[str, Any]:
    """The exported file run as a module of its own (not as __main__: its demo stays out);
    torchvision imported first with its C extension's registrations stubbed out."""
    if "torchvision" in exported.text:
        from oracle import import_module

        try:
            import_module("torchvision.ops")
        except ImportError as exc:
            pytest.skip(f"the exported file imports torchvision, which does not import here: {exc}")
    namespace: dict[str, Any] = {"__name__": "exported"}
    exec(compile(exported.text, filename, "exec"), namespace)
    return namespace


def statement_lines(text: str) -> dict[int, int]:
    """Each line of the exported file -> the first line of the statement it belongs to."""
    lines: dict[int, int] = {}
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Assign | ast.Expr | ast.Return) and node.end_lineno is not None:
            for line in range(node.lineno, node.end_lineno + 1):
                lines.setdefault(line, node.lineno)
    return lines


DISPATCH = ("torch/overrides.py", "torch/_tensor.py", "torch/functional.py", "torch/nn/functional.py")
"""Where torch passes a call on to the TorchFunctionMode: the frames between it and its caller."""


def file_frame(filename: str, package: str) -> Any:
    """The frame of the exported file's statement that made a call, or None when other code
    made it (a module's forward, this test). Between the two lie torch's dispatching frames,
    or any of Keras's (`x + 3.0` is KerasTensor.__add__, then keras.ops.add...)."""
    frame = sys._getframe(2)
    if package == "torch":
        while frame is not None and frame.f_code.co_filename.endswith(DISPATCH):
            frame = frame.f_back  # type: ignore[assignment]
    else:
        root = os.path.dirname(sys.modules[package].__file__ or "")
        while frame is not None and frame.f_code.co_filename.startswith(root):
            frame = frame.f_back  # type: ignore[assignment]
    return frame if frame is not None and frame.f_code.co_filename == filename else None


def function_rows(report: Report, graph: Graph) -> list[Row]:
    """The rows whose statement in the file makes a call of the framework itself (a function:
    `torch.cat(...)`, `x + 3.0`, `keras.ops.mean(...)`), not of a module or a layer; a tensor
    held as a parameter is read, not called."""
    found = []
    for row, node in zip(report.rows, graph.nodes):
        if row.layer_type is None:
            continue
        template = call_template(row.layer_type, node.layer, row.input_shapes)
        if (row.layer_type.own and template != "{self}") or is_function(row.layer_type, template):
            found.append(row)
    return found


def check(spec: Spec, name: str) -> None:
    """Export `spec`, build it with its framework, compare every row."""
    report, graph = computed(spec)
    exported = export(spec)
    own = function_rows(report, graph)
    if spec.framework == "pytorch":
        check_torch(spec, report, own, exported, f"<export {name}>")
    else:
        check_keras(report, own, exported, f"<export {name}>")


# --- PyTorch


def flat_shapes(value: Any) -> list[tuple[int, ...]]:
    if isinstance(value, tuple | list):
        return [shape for item in value for shape in flat_shapes(item)]
    return [tuple(value.shape)] if value is not None else []


def tensors_only(value: Any) -> bool:
    """A result of the file's own statement: a tensor or a sequence of them (not `x.size()`)."""
    import torch

    if isinstance(value, tuple | list) and not isinstance(value, torch.Size):
        return bool(value) and all(tensors_only(v) for v in value)
    return isinstance(value, torch.Tensor)


def long_inputs(spec: Spec, report: Report) -> set[str]:
    """The inputs that hold indices: an embedding's input, an EmbeddingBag's offsets, a
    MaxUnpool's indices; reached through the layers that only reshape them on the way (the
    Flatten(0) that makes a 1-D input of a spec's batched one)."""
    found = set()
    for row in report.rows:
        if row.layer_type is not None and row.layer_type.family is Family.EMBEDDING:
            found.add(row.inputs[0])
            if row.layer_type.merges and len(row.input_shapes[0]) == 1 and len(row.inputs) > 1:
                found.add(row.inputs[1])
        if row.type.startswith("MaxUnpool") or row.type in ("Index", "Gather"):
            found.add(row.inputs[1])  # the indices
    rows = {row.name: row for row in report.rows}
    for name in list(found):
        while name in rows and len(rows[name].inputs) == 1 and rows[name].params == 0:
            name = rows[name].inputs[0]
            found.add(name)
    return {item.name for item in spec.inputs} & found


def torch_run(
    spec: Spec, report: Report, model_class: Any, text: str, filename: str, device: str
) -> tuple[Any, dict[str, Any], dict[tuple[int, int], Any]]:
    """The model built on `device` and run on zeros; each module's first outputs by its path;
    the last tensor result of each of the file's own statements that called torch."""
    import torch
    from torch.overrides import TorchFunctionMode

    lines = statement_lines(text)
    with torch.device(device):
        model = model_class()
    outputs: dict[str, Any] = {}
    for path, module in model.named_modules():
        if path:
            module.register_forward_hook(lambda m, a, out, path=path: outputs.setdefault(path, out))
    calls: dict[tuple[int, int], Any] = {}  # (frame, statement) -> the last tensor result
    frames: list[Any] = []  # kept alive, so that no later call's frame takes an id used here

    class Calls(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):  # type: ignore[no-untyped-def]
            result = func(*args, **(kwargs or {}))
            frame = file_frame(filename, "torch")
            if frame is not None and tensors_only(result):
                frames.append(frame)
                calls[(id(frame), lines.get(frame.f_lineno, frame.f_lineno))] = result
            return result

    batch = report.inputs[0].shape[0] or 2
    indices = long_inputs(spec, report)
    inputs = []
    for item in spec.inputs:
        shape = tuple(UNKNOWN if d is None else d for d in (batch, *item.shape))
        inputs.append(torch.zeros(shape, dtype=torch.long if item.name in indices else torch.float32, device=device))
    with torch.no_grad(), Calls():
        model.eval()(*inputs)
    return model, outputs, calls


def check_torch(spec: Spec, report: Report, own: list[Row], exported: Exported, filename: str) -> None:
    pytest.importorskip("torch", reason="the conformance suite needs torch")
    namespace = executed(exported, filename)
    try:
        model, outputs, calls = torch_run(spec, report, namespace[exported.entry], exported.text, filename, "meta")
    except NotImplementedError:  # a few kernels have no meta version
        model, outputs, calls = torch_run(spec, report, namespace[exported.entry], exported.text, filename, "cpu")
    results = iter(calls.values())
    assert len(calls) == len(own), f"{len(calls)} torch calls in the file's own statements, {len(own)} rows"
    modules = dict(model.named_modules())
    seen: set[int] = set()
    for row in report.rows:
        path = exported.names.get(row.name)
        if row in own:  # a function, which may use a tensor the model holds
            found, params = flat_shapes(next(results)), 0
            if path is not None and path in dict(model.named_parameters()):  # a buffer is never counted
                params = model.get_parameter(path).numel()
        elif path in modules:
            assert path in outputs, f"{row.name}: the module {path} never ran"
            found = flat_shapes(outputs[path])
            fresh = [p for p in modules[path].parameters() if id(p) not in seen]
            seen.update(id(p) for p in fresh)
            params = sum(p.numel() for p in fresh)
        elif path in dict(model.named_buffers()):  # a constant tensor the model holds, never counted
            found, params = [tuple(model.get_buffer(path).shape)], 0
        else:  # a parameter tensor, or a layer sharing another's weights
            assert path is not None, row.name
            tensor = model.get_parameter(path)
            found, params = [tuple(tensor.shape)], tensor.numel() if id(tensor) not in seen else 0
            seen.add(id(tensor))
        assert len(found) == len(row.outputs) and all(map(agree, found, row.outputs)), f"{row.name}: {found} != {row.outputs}"
        assert params == row.params, f"{row.name}: {params} parameters, convcalc {row.params}"
    assert sum(p.numel() for p in model.parameters()) == report.totals.params


# --- Keras


def keras_shapes(output: Any) -> list[tuple[int | None, ...]]:
    if isinstance(output, tuple | list):
        return [tuple(o.shape) for o in output]
    return [tuple(output.shape)]


def keras_layer(model: Any, name: str) -> Any:
    """The layer of a name the export gives: `outer/inner` inside a Sequential."""
    layer = model
    for part in name.split("/"):
        layer = layer.get_layer(part)
    return layer


def check_keras(report: Report, own: list[Row], exported: Exported, filename: str) -> None:
    pytest.importorskip("keras", reason="the conformance suite needs keras")
    from keras import layers
    from keras.src.ops.operation import Operation

    lines = statement_lines(exported.text)
    made: dict[tuple[int, int], Any] = {}
    frames: list[Any] = []
    inside = [0]  # layer calls under way: an operation one makes (a mask) is the layer's own
    operation_call, layer_call = Operation.symbolic_call, layers.Layer.__call__

    def symbolic_call(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = operation_call(self, *args, **kwargs)
        frame = file_frame(filename, "keras")
        if frame is not None and not inside[0] and not isinstance(self, layers.Layer):
            frames.append(frame)
            made[(id(frame), lines.get(frame.f_lineno, frame.f_lineno))] = result
        return result

    def called(self: Any, *args: Any, **kwargs: Any) -> Any:
        inside[0] += 1
        try:
            return layer_call(self, *args, **kwargs)
        finally:
            inside[0] -= 1

    namespace = executed(exported, filename)
    Operation.symbolic_call = symbolic_call  # type: ignore[method-assign]
    layers.Layer.__call__ = called  # type: ignore[method-assign]
    try:
        model = namespace[exported.entry]()
    finally:
        Operation.symbolic_call = operation_call  # type: ignore[method-assign]
        layers.Layer.__call__ = layer_call  # type: ignore[method-assign]
    assert len(made) == len(own), f"{len(made)} operations in the file's own statements, {len(own)} rows"
    results = iter(made.values())
    calls: dict[int, int] = {}  # a layer -> the calls of it met so far (a shared layer is called again)
    for row in report.rows:
        if row in own:
            found = keras_shapes(next(results))
            assert found == list(row.outputs)[: len(found)], f"{row.name}: {found} != {row.outputs}"
            assert row.params == 0
            continue
        layer = keras_layer(model, exported.names[row.name])
        call = calls[id(layer)] = calls.get(id(layer), -1) + 1
        found = keras_shapes(layer._inbound_nodes[call].outputs)
        assert found == list(row.outputs)[: len(found)], f"{row.name}: {found} != {row.outputs}"
        if row.shared_with is not None:  # the owner's layer, called again: its weights are counted there
            assert exported.names[row.shared_with] == exported.names[row.name] and row.params == 0
            continue
        frozen = sum(prod(w.shape) for w in layer.non_trainable_weights)
        assert (layer.count_params(), frozen) == (row.params, row.non_trainable_params), row.name
    assert model.count_params() == report.totals.params


# --- the specs


@pytest.mark.parametrize("path", SPECS, ids=[p.stem for p in SPECS])
def test_exported_spec_builds_every_row(path: Path) -> None:
    check(load_path(str(path)), path.name)


PAGES = page_specs()


@pytest.mark.parametrize("text", [text for _, text in PAGES], ids=[name for name, _ in PAGES])
def test_exported_docs_page_spec_builds_every_row(text: str) -> None:
    check(load_text(text, "page.yaml"), "page.yaml")


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
    return found + layer_cases()


def layer_cases() -> list[tuple[str, str, str]]:
    """(framework, spec text, id) for each accepted case of test_layers_conformance.py: the
    classes whose call is not `module(x)` (cells and their states, Bilinear's two inputs,
    MaxUnpool's indices and output size, EmbeddingBag's offsets and weights, Keras's attention
    lists), torchvision's class arguments, and Keras's preprocessing layers."""
    from test_layers_conformance import FLAT_CASES, KERAS_CASES, PARTIALS, TORCH_CASES, flat_spec
    from test_sequence_conformance import spec_text

    found = []
    for framework, cases in (("pytorch", TORCH_CASES + PARTIALS), ("keras", KERAS_CASES)):
        for inputs, call in cases:
            firsts = {shape[0] for shape in inputs}
            batch = firsts.pop() if len(firsts) == 1 else None
            found.append((framework, spec_text(framework, inputs, call, batch), f"{framework}-layer-{call}-{inputs}"))
    found += [("pytorch", flat_spec(inputs, call), f"pytorch-flat-{call}-{inputs}") for inputs, call in FLAT_CASES]
    return found


SEQUENCES = sequence_cases()


KERAS_CANNOT = {
    "Equalization()": "Keras 3.15's Equalization.compute_output_spec returns its input tensor itself, which"
    " makes a functional model a cycle: no keras.Model can hold the layer (the layer alone is"
    " test_layers_conformance.py's)",
}


def cannot(text: str) -> str:
    """Why the framework cannot build a case's model (KERAS_CANNOT), or ""."""
    for call, reason in KERAS_CANNOT.items():
        if f'"{call[:-1]}' in text and '"framework": "keras"' in text:
            return reason
    return ""


@pytest.mark.parametrize("text", [c[1] for c in SEQUENCES], ids=[c[2] for c in SEQUENCES])
def test_exported_sequence_layer_matches(text: str) -> None:
    if cannot(text):
        pytest.skip(cannot(text))
    check(load_text(text, "case.yaml"), "case.yaml")


# --- the stacks generate.py grows, a seeded sample


SAMPLE = 2  # stacks drawn from each family, among those meant to work


def sampled() -> list[tuple[str, str, int]]:
    from generate import BAD_EVERY, FAMILIES

    rng = random.Random(10)
    found = []
    for framework in ("pytorch", "keras"):
        for family, (_, count) in FAMILIES[framework].items():
            good = [i for i in range(count) if i % BAD_EVERY != BAD_EVERY - 1]
            found += [(framework, family, i) for i in sorted(rng.sample(good, min(SAMPLE, len(good))))]
    return found


STACKS = sampled()


@functools.cache
def stack_text(framework: str, family: str, index: int) -> str | None:
    """The stack's spec, or None when the framework (or convcalc) refuses it."""
    from generate import generate

    stack, facts = generate(framework, family, index)
    if facts.rejected_at is not None:
        return None
    text = stack.yaml()
    try:
        computed(load_text(text, "stack.yaml"))
    except Exception:
        return None  # convcalc's verdict on it is test_generated.py's concern
    return text


@pytest.mark.parametrize(("framework", "family", "index"), STACKS, ids=[f"{f}-{n}-{i:03d}" for f, n, i in STACKS])
def test_exported_generated_stack_matches(framework: str, family: str, index: int) -> None:
    pytest.importorskip("torch", reason="the conformance suite needs torch and keras")
    pytest.importorskip("keras", reason="the conformance suite needs torch and keras")
    text = stack_text(framework, family, index)
    if text is None:
        pytest.skip("the framework refuses this stack")
    check(load_text(text, "stack.yaml"), f"{framework}-{family}-{index}")


# --- the hand-written stacks of the other conformance suites: most plain classes, met once


def suite_stacks() -> list[tuple[str, str]]:
    """(id, spec text) of the stacks test_compute_conformance.py compares with fvcore and
    test_receptive_conformance.py with measured receptive fields, each one spec; none where
    those suites' own oracles (fvcore) do not import."""
    import json

    try:
        import test_compute_conformance as compute
        import test_receptive_conformance as receptive
    except (ImportError, pytest.skip.Exception):
        return []
    found = []
    for index, (shape, calls) in enumerate(compute.STACKS):
        spec = {"framework": "pytorch", "input": list(shape), "layers": calls}
        found.append((f"compute-pytorch-{index}", json.dumps(spec)))
    for shape, call in compute.KERAS:
        spec = {"framework": "keras", "batch": shape[0], "input": list(shape[1:]), "layers": [call]}
        found.append((f"compute-keras-{call}", json.dumps(spec)))
    for framework, stacks in (("keras", receptive.KERAS_STACKS), ("pytorch", receptive.TORCH_STACKS)):
        for name, (shape_text, calls) in stacks.items():
            spec = {"framework": framework, "input": json.loads(shape_text), "layers": calls}
            found.append((f"receptive-{framework}-{name}", json.dumps(spec)))
    return found


SUITE_STACKS = suite_stacks()


@pytest.mark.parametrize("text", [text for _, text in SUITE_STACKS], ids=[name for name, _ in SUITE_STACKS])
def test_exported_suite_stack_matches(text: str) -> None:
    check(load_text(text, "stack.yaml"), "stack.yaml")


# --- templates nothing above reaches


CASES = {
    "torch-add-alpha": "framework: pytorch\ninputs: {x: [4], y: [4]}\nlayers:\n- Add(alpha=2, inputs=[x, y])\n- Add(3)",
    "torch-multiply-other": "framework: pytorch\ninput: [4]\nlayers:\n- Multiply(0.5)",
    "torch-subtract": (
        "framework: pytorch\ninputs: {x: [4], y: [4]}\nlayers:\n- Subtract(inputs=[x, y])\n"
        "- Subtract(1.5)\n- Subtract(alpha=2, inputs=[-1, y])"
    ),
    "torch-divide": (
        "framework: pytorch\ninputs: {x: [4], y: [4]}\nlayers:\n- Divide(inputs=[x, y])\n"
        "- Divide(2, rounding_mode='floor')\n- Divide(rounding_mode='trunc', inputs=[-1, y])"
    ),
    "torch-roots": "framework: pytorch\ninput: [4]\nlayers:\n- Sqrt()\n- Rsqrt()",
    "torch-pow": "framework: pytorch\ninputs: {x: [4], y: [1]}\nlayers:\n- Pow(2)\n- Pow(exponent=0.5)\n- Pow(inputs=[-1, y])",
    "torch-positions": (
        "framework: pytorch\ninputs: {x: [6], i: [3]}\nlayers:\n- NotEqual(1, inputs=x)\n- Cumsum(1)\n"
        "- Cumsum(-1, dtype='int64')\n- NotEqual(inputs=[-1, x])\n- Gather(1, inputs=[x, i])"
    ),
    "torch-given-weights": (
        "framework: pytorch\ninputs: {x: [4, 8, 8], w: [8, 4, 3, 3], g: [8]}\nlayers:\n- Select(0, 0, inputs=w, name='w0')\n"
        "- Select(0, 0, inputs=g, name='g0')\n- Reshape(1, 8, -1, inputs=w0)\n- BatchNorm(True, 0.0, inputs=[-1, g0])\n"
        "- BatchNorm(True, inputs=-1, name='plain')\n- Reshape(8, 4, 3, 3)\n- Convolution(2, 1, inputs=[x, -1, g0])"
    ),
    "torch-extremum": (
        "framework: pytorch\ninput: [3, 4]\nlayers:\n- Max(1, keepdim=True, name='m')\n- Min(-1, inputs='m[1]', name='n')\n"
        "- Max(inputs=n)"
    ),
    "torch-reductions": (
        "framework: pytorch\ninput: [3, 4, 5]\nlayers:\n- Mean(1, dtype='float64', name='m')\n- Mean(inputs=input)\n"
        "- Sum(dim=-1, keepdim=True, dtype='float64', inputs=input)\n- Amax(1, inputs=input)\n- Amin((1, 2), inputs=input)\n"
        "- Squeeze(inputs=input)\n- Squeeze(1, inputs=input)\n- Norm(2, (1, 2), True, inputs=input)\n"
        "- Norm(dim=-1, dtype='float64', inputs=input)\n- Norm('nuc', (0, 2), inputs=input)"
    ),
    "torch-full-like": "framework: pytorch\ninput: [3, 4]\nbatch: 2\nlayers:\n- FullLike(1)\n- Linear(4, 2)\n- FullLike(True)",
    "torch-repeats": (
        "framework: pytorch\ninput: [3, 4]\nlayers:\n- Repeat(1, 2, 1)\n- Tile(2)\n- RepeatInterleave(2, dim=1, output_size=12)\n"
        "- RepeatInterleave(3)"
    ),
    "torch-attention-mask": (
        "framework: pytorch\ninputs: {q: [2, 5, 8], k: [2, 6, 8], v: [2, 6, 8], m: [1, 5, 6]}\nbatch: 3\nlayers:\n"
        "- ScaledDotProductAttention(scale=0.5, inputs=[q, k, v, m])"
    ),
    "torch-lstm-cell-state": (
        "framework: pytorch\ninputs: {x: [8], h: [16], c: [16]}\nbatch: 3\n"
        "outputs: [cell, 'cell[1]']\nlayers:\n- LSTMCell(8, 16, inputs=[x, h, c], name='cell')"
    ),
    "torch-unpool-output-size": (
        "framework: pytorch\ninput: [2, 9, 9]\nlayers:\n- MaxPool2d(2, return_indices=True, name='pool')\n"
        "- MaxUnpool2d(2, inputs=[pool, 'pool[1]', input])"
    ),
    "torch-bag-weights": (
        "framework: pytorch\ninputs: {x: [4], w: [4]}\nlayers:\n- EmbeddingBag(10, 3, mode='sum', inputs=[x, w])"
    ),
    "keras-operators": (
        "framework: keras\ninputs: {x: [4], y: [4]}\nlayers:\n- Subtract(2.0, inputs=x)\n- Multiply(0.5)\n"
        "- TrueDivide(inputs=[-1, y])\n- TrueDivide(4.0)"
    ),
    "torch-split": (
        "framework: pytorch\ninput: [6, 4]\nlayers:\n- Split(2, 1, name='s')\n- Split((2, 4), 1, inputs=input)\n- Sum(inputs=s)"
    ),
    "keras-reductions": (
        "framework: keras\ninput: [3, 4]\nlayers:\n- Max(axis=1, initial=0.5)\n- Min(inputs=input)\n"
        "- Max(inputs=input, keepdims=True)"
    ),
    "keras-weight": (
        "framework: keras\ninput: [5, 8]\nlayers:\n- Parameter((1, 5, 8), trainable=False, name='position')\n"
        "- Add(inputs=[input, position])"
    ),
}


@pytest.mark.parametrize("text", list(CASES.values()), ids=list(CASES))
def test_exported_case_matches(text: str) -> None:
    check(load_text(text, "case.yaml"), "case.yaml")


def templates_of(spec: Spec) -> set[tuple[str, str, str]]:
    """(framework, type, template) of every layer whose type gives export a template."""
    report, graph = computed(spec)
    found = set()
    for row, node in zip(report.rows, graph.nodes):
        if row.layer_type is not None and row.layer_type.code is not None:
            chosen = call_template(row.layer_type, node.layer, row.input_shapes)
            if chosen:
                found.add((spec.framework, row.layer_type.name, chosen))
    return found


def built_specs() -> list[Spec]:
    """Every spec the tests above export and build (those skipped for a framework's reason left out)."""
    specs = [load_path(str(path)) for path in SPECS]
    sequences = [text for text in (c[1] for c in SEQUENCES) if not cannot(text)]
    texts = [text for _, text in PAGES] + sequences + list(CASES.values()) + [text for _, text in SUITE_STACKS]
    texts += [t for t in (stack_text(*stack) for stack in STACKS) if t is not None]
    return specs + [load_text(text, "case.yaml") for text in texts]


def test_every_template_is_built() -> None:
    """Each stand-in's call and each `when` variant of any type is exported and built by one of
    the tests above (a stand-in never built could hold any text)."""
    pytest.importorskip("torch", reason="the conformance suite needs torch and keras")
    pytest.importorskip("keras", reason="the conformance suite needs torch and keras")
    built: set[tuple[str, str, str]] = set()
    for spec in built_specs():
        built |= templates_of(spec)
    wanted = set()
    for framework in ("pytorch", "keras"):
        for layer_type in vocabulary(framework).types.values():
            code = layer_type.code
            if code is None:
                continue
            if layer_type.own:
                wanted.add((framework, layer_type.name, code.call))
            wanted |= {(framework, layer_type.name, template) for _, template in code.when}
    missing = sorted(wanted - built)
    assert not missing, "\n".join(map(str, missing))


def test_every_class_is_built() -> None:
    """Every layer type of both vocabularies is exported and built at least once by the tests
    above (torchvision's where it imports), save those no keras.Model can hold (KERAS_CANNOT)."""
    pytest.importorskip("torch", reason="the conformance suite needs torch and keras")
    pytest.importorskip("keras", reason="the conformance suite needs torch and keras")
    from oracle import import_module

    from convcalc.frameworks.signatures import HOMES

    try:
        import_module("torchvision.ops")
        torchvision = True
    except ImportError:
        torchvision = False
    built: set[tuple[str, str]] = set()
    for spec in built_specs():
        report, _ = computed(spec)
        built |= {(spec.framework, row.layer_type.name) for row in report.rows if row.layer_type is not None}
    wanted = {
        (framework, layer_type.name)
        for framework in ("pytorch", "keras")
        for layer_type in vocabulary(framework).types.values()
        if torchvision or not HOMES[framework].get(layer_type.name, "").startswith("torchvision")
    }
    wanted -= {("keras", call.split("(")[0]) for call in KERAS_CANNOT}
    missing = sorted(wanted - built)
    assert not missing, "never exported and built: " + ", ".join(f"{f} {n}" for f, n in missing)


def test_a_stand_in_holding_weights_builds() -> None:
    """The extension point for parameter tensors: a stand-in's weights kept as an nn.Parameter."""
    from helpers import SCALED, stand_in_holding_weights

    with stand_in_holding_weights():
        check(load_text(SCALED, "scaled.yaml"), "scaled.yaml")


# --- round trips: a real model imported (`convcalc import`), exported, built again


SOURCES = ROOT / "tests" / "sources"


def exported_from(path: Path, framework: str, folder: Path) -> tuple[Spec, Exported]:
    """`convcalc import PATH -o NAME.yaml`, then `convcalc export NAME.yaml --to FRAMEWORK`."""
    from helpers import invoke

    written = folder / f"{path.stem}.yaml"
    imported = invoke("import", str(path), "-o", str(written))
    assert imported.exit_code == 0, imported.output
    result = invoke("export", str(written), "--to", framework)
    assert result.exit_code == 0, result.output
    spec = load_path(str(written))
    exported = export(spec)
    assert result.stdout == exported.text
    return spec, exported


def test_keras_application_survives_import_and_export(tmp_path: Path) -> None:
    """Issue 10: a Keras Application saved by Keras, imported and exported, builds a model with
    the original's layers (by name: class, output shapes, parameters, non-trainable parameters)
    and totals, and every row convcalc's."""
    keras = pytest.importorskip("keras", reason="the conformance suite needs keras")
    original = keras.applications.MobileNetV2(weights=None, input_shape=(64, 64, 3))
    original.save(tmp_path / "mobilenetv2.keras")
    spec, exported = exported_from(tmp_path / "mobilenetv2.keras", "keras", tmp_path)
    check(spec, "mobilenetv2.yaml")
    rebuilt = executed(exported, "<export mobilenetv2.yaml>")[exported.entry]()

    def facts(model: Any) -> dict[str, tuple[str, list[tuple[int | None, ...]], int, int]]:
        return {
            layer.name: (
                type(layer).__name__,
                keras_shapes(layer.output),
                layer.count_params(),
                sum(prod(w.shape) for w in layer.non_trainable_weights),
            )
            for layer in model.layers
        }

    assert facts(rebuilt) == facts(original)
    trainable = sum(prod(w.shape) for w in original.trainable_weights)
    assert (rebuilt.count_params(), sum(prod(w.shape) for w in rebuilt.trainable_weights)) == (
        original.count_params(),
        trainable,
    )


@pytest.mark.parametrize("name", ["yolov3-tiny.cfg", "yolov4-tiny.cfg"])
def test_darknet_cfg_survives_import_and_export(name: str, tmp_path: Path) -> None:
    """A darknet cfg imported as a PyTorch spec and exported: the model torch builds has every
    row's shapes and parameters, and the total, convcalc's (whose shapes and BFLOPs are darknet's
    own as published: tests/test_import_darknet.py)."""
    spec, _ = exported_from(SOURCES / name, "pytorch", tmp_path)
    check(spec, name)
