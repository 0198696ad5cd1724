"""A spec against a real torch.nn.Module, row for row: what the module runs, recorded, and
convcalc's JSON document of the spec, compared entry by entry.

The real side (`run`): one forward pass on zeros, with a forward pre-hook and hook on every
module (the stack of modules running, and each module's outputs) and a TorchFunctionMode that
sees every torch function and Tensor method the forward calls (`torch.cat`, `x.permute`,
`x + y`, `F.relu`), with the stack of modules it was called in.

The comparison (`differences`) reads every row of convcalc's document as one of three things:

- a **module row**, named as a module of `named_modules()`: the module must run, with the same
  output shapes (each tensor it returns) and the same number of parameters (its own and its
  children's: a MultiheadAttention row holds out_proj). The module's children, and every function
  called inside it, are the row's business (Conv2d calls F.conv2d). A module called again is a
  row `name@1`, `name@2`... (`shares: name`, as `convcalc import` writes a layer called twice):
  ResNet's Bottleneck calls its one `relu` three times, and each call needs its row;
- a **parameter row** (`Parameter`), named as a parameter of `named_parameters()`, of its shape;
- a **function row**, any other: it stands for a function the forward calls, in the module that
  encloses the row's name (`stage2.1.view` is called by `stage2.1`'s forward; a top-level row by
  the model's). Per enclosing module, the function rows and the calls, each as (convcalc's type,
  output shapes), must be the same multiset; `STANDS_FOR` says which torch functions each of
  convcalc's types is written for.

Every module that runs is a module row, inside one, or a block (a container) of the spec; every
block of the spec is a module that runs; and every parameter of the model is a weight of the
spec, at the same path, of the same shape. Nothing here imports torch until `run` runs, so
pytest's doctest collection of this file works without it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

Shapes = tuple[tuple[int, ...], ...]

STANDS_FOR: dict[str, frozenset[str]] = {
    "Add": frozenset({"add", "add_", "__add__", "__iadd__", "__radd__"}),
    "Multiply": frozenset({"mul", "mul_", "__mul__", "__imul__", "__rmul__"}),
    "Concat": frozenset({"cat", "concat", "concatenate"}),
    "Select": frozenset({"__getitem__", "select"}),
    "Permute": frozenset({"permute"}),
    "Transpose": frozenset({"transpose"}),
    "Reshape": frozenset({"reshape"}),
    "View": frozenset({"view"}),
    "Flatten": frozenset({"flatten"}),
    "Chunk": frozenset({"chunk"}),
    "Split": frozenset({"split"}),
    "Mean": frozenset({"mean"}),
    "Expand": frozenset({"expand"}),
    "Repeat": frozenset({"repeat"}),
    "Tile": frozenset({"tile"}),
    "RepeatInterleave": frozenset({"repeat_interleave"}),
    "Matmul": frozenset({"matmul", "__matmul__"}),
    "Einsum": frozenset({"einsum"}),
    "ReLU": frozenset({"relu", "relu_"}),
    "Softmax": frozenset({"softmax"}),
    "Dropout": frozenset({"dropout"}),
    "MaxPool2d": frozenset({"max_pool2d"}),
    "AvgPool2d": frozenset({"avg_pool2d"}),
    "AdaptiveAvgPool2d": frozenset({"adaptive_avg_pool2d"}),
}
"""convcalc's types written for a torch function or Tensor method, and the names torch calls
them by (a TorchFunctionMode sees `x + y` as `add` or `__add__`, `result += x` as `__iadd__`)."""

UNWRITTEN = frozenset({"contiguous"})
"""Functions that change no shape and that a spec does not write: convcalc tracks no memory layout."""


def kind(function: str) -> str:
    """convcalc's type for a torch function's name, or the name itself when none stands for it.

    >>> kind("__iadd__"), kind("cat"), kind("gelu")
    ('Add', 'Concat', 'torch:gelu')
    """
    for name, functions in STANDS_FOR.items():
        if function in functions:
            return name
    return f"torch:{function}"


def tensor_shapes(value: Any) -> Shapes | None:
    """The shapes of a tensor, or of the tensors of a tuple or list (None elements left out);
    None when there is no tensor (a size, a dtype, a bool)."""
    import torch

    if isinstance(value, torch.Tensor):
        return (tuple(value.shape),)
    if isinstance(value, tuple | list):
        found = [tuple(v.shape) for v in value if isinstance(v, torch.Tensor)]
        return tuple(found) if found else None
    return None


class Run:
    """What a module did on one forward pass: each module call's outputs, the leaf modules,
    and every function call with the modules it was called in (outermost first, "" the model)."""

    def __init__(self, model: Any, inputs: tuple[Any, ...]) -> None:
        from torch.overrides import TorchFunctionMode

        self.outputs: dict[str, list[Shapes]] = {}
        self.calls: list[tuple[tuple[str, ...], str, Shapes]] = []
        self.leaves = {name for name, module in model.named_modules() if not list(module.children())}
        self.params = {name: sum(p.numel() for p in module.parameters()) for name, module in model.named_modules()}
        self.parameters = {name: tuple(p.shape) for name, p in model.named_parameters()}
        self.classes = {name: type(module).__name__ for name, module in model.named_modules()}
        stack: list[str] = []
        run = self

        class Calls(TorchFunctionMode):
            def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
                out = func(*args, **(kwargs or {}))
                name = getattr(func, "__name__", "")
                shapes = tensor_shapes(out)
                if stack and shapes is not None and name != "__get__" and name not in UNWRITTEN:
                    run.calls.append((tuple(stack), name, shapes))
                return out

        def enter(name: str) -> Callable[..., None]:
            return lambda module, args: stack.append(name)

        def leave(name: str) -> Callable[..., None]:
            def hook(module: Any, args: Any, output: Any) -> None:
                stack.pop()
                self.outputs.setdefault(name, []).append(tensor_shapes(output) or ())

            return hook

        handles = []
        for name, module in model.named_modules():
            handles.append(module.register_forward_pre_hook(enter(name)))
            handles.append(module.register_forward_hook(leave(name)))
        try:
            with Calls():
                model(*inputs)
        finally:
            for handle in handles:
                handle.remove()


def enclosing(name: str, modules: set[str] | dict[str, Any]) -> str:
    """The innermost module whose path is a prefix of `name`, "" (the model) for none.

    >>> enclosing("stage2.1.view", {"", "stage2", "stage2.1"}), enclosing("mean", {""})
    ('stage2.1', '')
    """
    parts = name.split(".")[:-1]
    while parts and ".".join(parts) not in modules:
        parts.pop()
    return ".".join(parts)


def call_of(name: str) -> tuple[str, int]:
    """The module a row's name calls, and which call it is (from 0).

    >>> call_of("layer1.0.relu@2"), call_of("fc")
    (('layer1.0.relu', 2), ('fc', 0))
    """
    module, _, index = name.partition("@")
    return module, int(index or 0)


def row_shapes(row: dict[str, Any]) -> Shapes:
    return tuple(tuple(shape) for shape in row["outputs"])


def differences(document: dict[str, Any], run: Run) -> list[str]:
    """Every way the spec's rows differ from what the module ran, one line each ([] when none)."""
    found: list[str] = []
    weights = {}
    for row in document["layers"]:
        for weight in row["weights"]:
            path = row["name"] if row["type"] == "Parameter" else f"{row['name']}.{weight['name']}"
            weights[path] = tuple(weight["shape"])
    for path in sorted(set(weights) | set(run.parameters)):
        if weights.get(path) != run.parameters.get(path):
            found.append(f"parameter {path}: spec {weights.get(path)}, torch {run.parameters.get(path)}")

    covered: set[str] = set()
    called: dict[str, int] = {}
    rows: Counter[tuple[str, str, Shapes]] = Counter()
    for row in document["layers"]:
        name, shapes = row["name"], row_shapes(row)
        if row["type"] == "Parameter":
            if run.parameters.get(name) != shapes[0]:
                found.append(f"{name} (Parameter): torch has no parameter {name} of shape {shapes[0]}")
        elif call_of(name)[0] in run.classes:
            module, index = call_of(name)
            covered.add(module)
            called[module] = called.get(module, 0) + 1
            real_calls = run.outputs.get(module, [])
            if index >= len(real_calls):
                found.append(f"{name} ({row['type']}): the module {run.classes[module]} runs {len(real_calls)} times in torch")
                continue
            real = real_calls[index]
            if shapes[: len(real)] != real or row["params"] != run.params[module]:
                found.append(
                    f"{name} ({row['type']}): spec {shapes[: len(real)]} with {row['params']:,} params, "
                    f"torch {run.classes[module]} {real} with {run.params[module]:,}"
                )
        else:
            rows[(enclosing(name, run.classes), row["type"], shapes)] += 1

    def inside_a_row(path: tuple[str, ...]) -> bool:
        return any(name in covered for name in path)

    for module in sorted(covered):
        if called[module] != len(run.outputs.get(module, [])):
            found.append(f"{module}: torch calls it {len(run.outputs.get(module, []))} times, the spec has {called[module]} rows")
    blocks = {path for row in document["layers"] for path in row["block"]}
    for name in run.outputs:
        if not name or inside_a_row(tuple(_prefixes(name))):
            continue
        if name not in blocks:
            found.append(f"{name} ({run.classes[name]}) runs in torch but is neither a row nor a block of the spec")
    for path in sorted(blocks - set(run.outputs)):
        found.append(f"block {path} of the spec is no module that runs in torch")

    calls: Counter[tuple[str, str, Shapes]] = Counter()
    for path, function, shapes in run.calls:
        if not inside_a_row(path):
            calls[(path[-1], kind(function), shapes)] += 1
    for key in sorted(set(rows) | set(calls)):
        if rows[key] != calls[key]:
            where, type_name, shapes = key
            found.append(f"in {where or 'the model'}: {type_name} {shapes}: spec {rows[key]} rows, torch {calls[key]} calls")
    return found


def _prefixes(name: str) -> list[str]:
    """A module path and every path above it.

    >>> _prefixes("a.b.c")
    ['a', 'a.b', 'a.b.c']
    """
    parts = name.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]
