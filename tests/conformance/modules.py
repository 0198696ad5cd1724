"""A real torch model read row for row, as a spec written from its source reads it: every module
call's output shape, and every torch function its forwards call between modules, each under the
module whose forward calls it (a TorchFunctionMode sees `x.view(...)`, `F.pad`, `q @ k`,
`x[..., 0::2, :]` as they run). Models run on the meta device: shapes, no data.

`compare` holds a convcalc report to it: rows named as a module are that module's calls (a row
that `shares:` a module is its next call; a module whose forward never runs, as Swin's qkv, whose
weights its parent reads with F.linear, is a call of that function), and the other rows, in each
module's scope, are its forward's function calls, in order, each with its output shape (and the
keyword arguments the call was given, where the row has the same argument).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import torch
from torch.overrides import TorchFunctionMode

from convcalc.report import Report, Row

Shape = tuple[int, ...]

CALLS = {
    "View": ("view",),
    "Reshape": ("reshape",),
    "Permute": ("permute",),
    "Transpose": ("transpose",),
    "Unsqueeze": ("unsqueeze", "__getitem__"),  # x[..., None]
    "Pad": ("pad",),
    "Roll": ("roll",),
    "Repeat": ("repeat",),
    "Tile": ("tile",),
    "RepeatInterleave": ("repeat_interleave",),
    "Slice": ("__getitem__",),
    "Select": ("__getitem__",),
    "Index": ("__getitem__",),
    "Multiply": ("mul", "__mul__", "__rmul__"),
    "Add": ("add", "__add__"),
    "Subtract": ("sub", "__sub__"),
    "Matmul": ("matmul", "__matmul__"),
    "Concat": ("cat",),
    "Softmax": ("softmax",),
    "Dropout": ("dropout",),
    "Linear": ("linear",),
    "Neg": ("neg", "__neg__"),
    "Cos": ("cos",),
    "Sin": ("sin",),
    "Exp": ("exp",),
    "Einsum": ("einsum",),
    "Chunk": ("chunk",),
    "Clamp": ("clamp",),
    "Normalize": ("normalize",),
    "Sigmoid": ("sigmoid",),  # torch.sigmoid(x): nn.Sigmoid's own call
    "ScaledDotProductAttention": ("scaled_dot_product_attention",),
}
"""The torch functions each of convcalc's rows stands for, where it is no module of the model."""

IGNORED = frozenset(("__get__", "size", "dim", "contiguous", "to", "float", "__setitem__", "_assert"))
"""Calls that make no tensor of a new shape: attribute reads, sizes, copies and dtype casts."""

TENSORS = ("Parameter", "Buffer")  # no call: the model holds them (or makes them from sizes)


class Call:
    """One function call in a module's forward: its name, the shape it returned, its keywords."""

    def __init__(self, name: str, shape: Shape | None, kwargs: dict[str, Any]) -> None:
        self.name, self.shape, self.kwargs = name, shape, kwargs

    def __repr__(self) -> str:
        return f"{self.name} -> {self.shape}"


class Trace:
    """What one forward pass ran: each module's outputs, each scope's function calls."""

    def __init__(self, model: Any) -> None:
        self.modules = dict(model.named_modules())
        self.outputs: dict[str, list[Shape]] = defaultdict(list)
        self.calls: dict[str, list[Call]] = defaultdict(list)


def first_shape(value: Any) -> Shape | None:
    if isinstance(value, torch.Tensor):
        return tuple(value.shape)
    if isinstance(value, tuple | list) and value and isinstance(value[0], torch.Tensor):
        return tuple(value[0].shape)
    return None


def trace(model: Any, *args: Any, **kwargs: Any) -> Trace:
    """Run `model(*args, **kwargs)` once, recording every module call and every function call."""
    found = Trace(model)
    scope = [""]
    hooks = []
    for name, module in model.named_modules():
        hooks.append(module.register_forward_pre_hook(lambda m, i, name=name: scope.append(name)))

        def leave(module: Any, inputs: Any, output: Any, name: str = name) -> None:
            scope.pop()
            shape = first_shape(output)
            if shape is not None:
                found.outputs[name].append(shape)

        hooks.append(module.register_forward_hook(leave))

    class Record(TorchFunctionMode):
        def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
            out = func(*args, **(kwargs or {}))
            name = getattr(func, "__name__", str(func))
            if name not in IGNORED:
                found.calls[scope[-1]].append(Call(name, first_shape(out), dict(kwargs or {})))
            return out

    try:
        with torch.no_grad(), Record():
            model(*args, **kwargs)
    finally:
        for hook in hooks:
            hook.remove()
    return found


def scope_of(name: str, modules: dict[str, Any]) -> str:
    """The module whose forward a row's call belongs to: the longest module path its name extends."""
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        if ".".join(parts[:cut]) in modules:
            return ".".join(parts[:cut])
    return ""


def same(value: Any, theirs: Any) -> bool:
    """A row's argument and the keyword torch was called with: lists are tuples, floats close."""
    if isinstance(theirs, float) and isinstance(value, int | float):
        return abs(value - theirs) < 1e-9
    if isinstance(value, list | tuple) and isinstance(theirs, list | tuple):
        return tuple(value) == tuple(theirs)
    return bool(value == theirs)


def compare(report: Report, found: Trace) -> dict[str, list[Call]]:
    """Assert the report is the model row for row; return, per scope, the calls no row stands for."""
    modules = found.modules
    calls_of: dict[str, list[Row]] = defaultdict(list)  # module -> its rows, a call each
    expected: dict[str, list[tuple[Row, Shape]]] = defaultdict(list)  # scope -> function rows
    for row in report.rows:
        path = row.shared_with if row.shared_with in modules and row.name not in modules else row.name
        if path in modules and path in found.outputs:
            calls_of[path].append(row)
        elif row.type in TENSORS:
            continue
        else:
            assert row.type in CALLS, f"{row.name} ({row.type}) is no module of the model and stands for no function"
            rows = expected[scope_of(row.name, modules)]
            shape = tuple(row.output_shape)  # type: ignore[arg-type]
            chained = rows and row.type == "Slice" and rows[-1][0].type == "Slice" and row.inputs == (rows[-1][0].name,)
            if chained:  # x[..., 0::2, 0::2, :]: one indexing, a slice per dim
                rows[-1] = (row, shape)
            else:
                rows.append((row, shape))
    for path, rows in calls_of.items():
        assert [tuple(r.output_shape) for r in rows] == found.outputs[path], path
    ran = {path for path in found.outputs if path}
    blocks = {path for row in report.rows for path, _ in row.blocks}
    assert ran <= set(calls_of) | blocks, sorted(ran - set(calls_of) - blocks)[:5]  # a block: a forward written out
    left: dict[str, list[Call]] = {}
    for scope in set(expected) | set(found.calls):
        calls = list(found.calls.get(scope, []))
        unmatched: list[Call] = []
        for row, shape in expected.get(scope, []):
            while calls and not (calls[0].name in CALLS[row.type] and calls[0].shape == shape):
                unmatched.append(calls.pop(0))
            assert calls, f"{row.name} ({row.type}, {shape}): no such call left in {scope or 'the model'}'s forward"
            call = calls.pop(0)
            for key, value in call.kwargs.items():
                if key in row.arguments:
                    assert same(row.arguments[key], value), f"{row.name}: {key}={row.arguments[key]!r}, torch's {value!r}"
        if scope not in calls_of or scope in blocks or scope == "":  # a leaf row's own calls are its module's
            unmatched += calls
            if unmatched:
                left[scope] = unmatched
    return left
