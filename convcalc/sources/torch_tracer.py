"""torch.fx's tracer, taught two things a model's forward needs when its input's shape is known:

- Every proxy knows its value, computed on meta tensors as the trace goes (the module built on
  the meta device: no weight allocated), so a branch on sizes (`if window_size[0] >= pad_H:`),
  a loop over them or `len(x.shape)` takes the path the real input takes instead of stopping
  the trace. The input is traced with batches 1, 2 and 3: a decision that differs between 2
  and 3 depends on the batch, and is refused as torch.fx refuses it. Batch 1 is the one size
  where a broadcast axis and the batch coincide (Hugging Face's masks expand position ids of
  shape (1, T) to the batch only `if batch_size != position_ids.shape[0]`): a decision that
  differs there alone is taken as batches 2 and 3 take it, and the module traced again at
  batch 1 must compute the same calls (same_calls), the differing path's reshapes to the shape
  they already have aside; else it is refused too.
- A function the model's code marks with `torch.fx.wrap` (torchvision's
  `shifted_window_attention`, `_patch_merging_pad`: their bodies branch on sizes, which plain
  torch.fx cannot follow) is traced through, its body's calls recorded, instead of one opaque
  call. torch's own functions are left as they are.
"""

from __future__ import annotations

import contextlib
import operator
from collections.abc import Callable, Iterator
from typing import Any

BATCHES = (1, 2, 3)
"""The batch sizes each value is computed with: equal decisions under all of them are the
input's; a decision equal under 2 and 3 alone is checked at batch 1 by a second trace."""
UNKNOWN = object()
SHAPES = "convcalc_shapes"
"""A tensor node's meta key: its shape under each batch size of BATCHES."""
SOURCE = "convcalc_source"
"""A reshape's meta key where same_calls sets it aside: the tensor its readers read instead."""


def wrapped_by_fx(torch: Any, target: object) -> bool:
    """Whether `target` is a function of the model's code registered with `torch.fx.wrap` (the
    registry is torch.fx's own table; torch's functions themselves are never traced through)."""
    table = getattr(torch.fx._symbolic_trace, "_wrapped_fns_to_patch", {})
    scope = getattr(target, "__globals__", None)
    name = getattr(target, "__name__", None)
    module = str(getattr(target, "__module__", "") or "")
    if scope is None or name is None or module == "torch" or module.startswith("torch."):
        return False
    return (id(scope), name) in table


def tracer_class(torch: Any, leaf: Callable[[Any], bool]) -> type:
    """A torch.fx Tracer class whose proxies carry values; modules for which `leaf` is true are
    kept whole besides torch.nn's."""
    fx = torch.fx
    proxy_class: Any = fx.Proxy
    tracer_base: Any = fx.Tracer

    class Valued(proxy_class):
        """A proxy whose value (one per batch size of BATCHES) the tracer knows."""

        def __setitem__(self, key: Any, value: Any) -> None:  # `mask[a:b, c:d] = count`
            self.tracer.create_proxy("call_function", operator.setitem, (self, key, value), {})

        def __len__(self) -> int:
            return int(self.tracer.decided(self, "len()", len))

        def __int__(self) -> int:  # MViT-V2's `int(2 * max(q_h, k_h) - 1)`, q_h read from a shape
            return int(self.tracer.decided(self, "int()", int))

        def __getattr__(self, name: str) -> Any:  # `x.shape`: an attribute that knows its value too
            return Attribute(self, name)

    attribute_class: Any = fx.proxy.Attribute

    class Attribute(Valued, attribute_class):
        """`x.shape`, `x.dtype`: torch.fx's lazy attribute proxy, valued."""

    class Tracer(tracer_base):
        def __init__(self, inputs: tuple[Any, ...]) -> None:
            super().__init__()
            self.inputs = inputs  # one per batch size (BATCHES), or the input at batch 1 alone
            self.diverged: list[str] = []  # the decisions batch 1 alone takes otherwise (refusals, unless checked)
            self.values: dict[Any, tuple[Any, ...]] = {}
            self.quiet = False
            self.forward: Any = None
            self.tensors: dict[str, Any] = {}
            self.proxy_buffer_attributes = True

        def trace(self, root: Any, concrete_args: Any = None) -> Any:
            self.tensors = {
                **dict(root.named_parameters(remove_duplicate=False)),
                **dict(root.named_buffers(remove_duplicate=False)),
            }
            graph = super().trace(root, concrete_args)
            for node in graph.nodes:  # torch.fx marks the result of a wrapped call: here, the last call of its body
                if node.meta.get("is_wrapped") and not wrapped_by_fx(torch, node.target):
                    del node.meta["is_wrapped"]  # (else GraphModule's code would torch.fx.wrap("torch.cat"))
            return graph

        def is_leaf_module(self, module: Any, qualified_name: str) -> bool:
            return leaf(module) or bool(super().is_leaf_module(module, qualified_name))

        def proxy(self, node: Any) -> Any:
            return Valued(node, self)

        # --- the trace

        def create_proxy(self, kind: str, target: Any, args: Any, kwargs: Any, *rest: Any, **more: Any) -> Any:
            if kind == "call_function" and wrapped_by_fx(torch, target):
                return _marked(target(*args, **kwargs))  # its body, traced
            proxy = super().create_proxy(kind, target, args, kwargs, *rest, **more)
            values = tuple(self.evaluate(kind, target, args, kwargs, which) for which in range(len(self.inputs)))
            self.values[proxy.node] = values
            if all(isinstance(value, torch.Tensor) for value in values):
                proxy.node.meta[SHAPES] = tuple(tuple(int(d) for d in value.shape) for value in values)
            return proxy

        def call_module(self, module: Any, forward: Any, args: Any, kwargs: Any) -> Any:
            if self.quiet:  # a module inside a leaf's forward, run for its value
                return forward(*args, **kwargs)
            self.forward = forward
            return super().call_module(module, forward, args, kwargs)

        def getattr(self, attr: str, attr_val: Any, parameter_proxy_cache: dict[str, Any]) -> Any:
            return attr_val if self.quiet else super().getattr(attr, attr_val, parameter_proxy_cache)

        def to_bool(self, obj: Any) -> bool:
            return bool(self.decided(obj, "a condition", bool))

        def iter(self, obj: Any) -> Iterator[Any]:
            return iter([obj[index] for index in range(self.decided(obj, "a loop", len))])

        # --- values

        def decided(self, proxy: Any, what: str, view: Callable[[Any], Any]) -> Any:
            """`view` of the proxy's value (its truth, its length) where it is the same whatever
            the batch, else torch.fx's refusal; where batch 1 alone differs, the other batches'
            value, the refusal kept in `diverged` for the caller to lift (same_calls)."""
            values = self.values.get(proxy.node, (UNKNOWN,))
            try:
                seen = [UNKNOWN] if any(v is UNKNOWN for v in values) else [view(value) for value in values]
            except Exception:
                seen = [UNKNOWN]
            first = seen[0]
            if first is not UNKNOWN and not any(_differ(first, other) for other in seen[1:]):
                return first
            reason = "its value is unknown" if first is UNKNOWN else "it depends on the batch size"
            refusal = f"{what} on {proxy.node.name!r}, which the trace cannot decide: {reason}"
            if first is not UNKNOWN and len(seen) > 2 and not any(_differ(seen[1], other) for other in seen[2:]):
                self.diverged.append(refusal)
                return seen[1]
            raise fx.proxy.TraceError(refusal)

        def evaluate(self, kind: str, target: Any, args: Any, kwargs: Any, which: int) -> Any:
            """The node's value for batch BATCHES[which], computed on meta tensors; UNKNOWN where
            it cannot be (the shapes are propagated again after the trace, and fail there)."""
            if kind == "placeholder":
                return self.inputs[which]
            if kind == "get_attr":
                return self.tensors.get(str(target), UNKNOWN)
            missing = False

            def known(value: Any) -> Any:
                nonlocal missing
                if isinstance(value, fx.Proxy):
                    found = self.values.get(value.node, (UNKNOWN,) * len(self.inputs))[which]
                    missing = missing or found is UNKNOWN
                    return found
                return value

            values = fx.node.map_aggregate(args, known)
            named = fx.node.map_aggregate(kwargs, known)
            if missing:
                return UNKNOWN
            try:
                with self.silenced():
                    if kind == "call_function":
                        return target(*values, **named)
                    if kind == "call_method":
                        return getattr(values[0], target)(*values[1:], **named)
                    if kind == "call_module":
                        return self.forward(*values, **named)
            except Exception:
                return UNKNOWN
            return UNKNOWN

        @contextlib.contextmanager
        def silenced(self) -> Iterator[None]:
            """No node recorded while a value is computed (a leaf's own parameter reads, calls)."""
            before, self.quiet = self.quiet, True
            try:
                yield
            finally:
                self.quiet = before

    return Tracer


RESHAPES = frozenset({"expand", "expand_as", "view", "view_as", "reshape", "reshape_as"})
"""Calls that change a tensor's shape alone: to the shape it has, nothing."""


def same_calls(traced: Any, alone: Any) -> bool:
    """Whether the fx graph traced at BATCHES computes at batch 1 what the module computes there
    (`alone`, its graph traced at batch 1 alone): node for node the same call of the same
    arguments, in the same order, once the reshapes of either to the shape a tensor already has
    at batch 1 (an expand of position ids (1, T) to a batch of 1) are set aside. Then the two
    compute the same tensors at batch 1, each with the same shape."""
    mine, theirs = _kept(traced), _kept(alone)
    if len(mine) != len(theirs):
        return False
    matched: dict[Any, Any] = {}
    for node, other in zip(mine, theirs, strict=True):
        if (node.op, node.target) != (other.op, other.target):
            return False
        same = _mapped((node.args, node.kwargs), matched) == _mapped((other.args, other.kwargs), {})
        if not (isinstance(same, bool) and same):
            return False
        matched[node] = other
    return True


def _kept(graph: Any) -> list[Any]:
    """The graph's nodes less the reshapes to the shape their tensor has at batch 1 (each such
    node's readers reading its tensor instead: node.meta[SOURCE]) and the nodes read
    by those alone (the sizes they reshape to)."""
    dropped: set[Any] = set()
    for node in graph.nodes:
        source: Any = node.args[0] if node.args else None
        shapes, before = node.meta.get(SHAPES), getattr(source, "meta", {}).get(SHAPES)
        name = node.target if isinstance(node.target, str) else getattr(node.target, "__name__", "")
        if name in RESHAPES and shapes and before and shapes[0] == before[0]:
            node.meta[SOURCE] = _source(source)
            dropped.add(node)
    read = {_source(node) for node in dropped}  # the tensors reshaped: their readers read them
    for node in reversed(graph.nodes):
        if node.users and node not in read and all(user in dropped for user in node.users):
            dropped.add(node)
    return [node for node in graph.nodes if node not in dropped]


def _source(node: Any) -> Any:
    """The tensor a reshape set aside stands for, read by its readers instead of it."""
    return node.meta.get(SOURCE, node)


def _mapped(value: Any, matched: dict[Any, Any]) -> Any:
    """`value` with each node read through the reshapes set aside, then through `matched`."""
    if isinstance(value, tuple | list):
        return type(value)(_mapped(v, matched) for v in value)
    if isinstance(value, dict):
        return {key: _mapped(v, matched) for key, v in value.items()}
    if isinstance(value, slice):  # x[..., :n], n a node
        return slice(_mapped(value.start, matched), _mapped(value.stop, matched), _mapped(value.step, matched))
    if hasattr(value, "op") and hasattr(value, "meta"):
        return matched.get(_source(value), _source(value))
    return value


class _Node:
    """Where torch.fx's wrapper marks what a wrapped call returned (`.node.meta["is_wrapped"]`)."""

    def __init__(self) -> None:
        self.meta: dict[str, Any] = {}


class _Tuple(tuple[Any, ...]):
    node: _Node


class _List(list[Any]):
    node: _Node


def _marked(value: Any) -> Any:
    """A wrapped function's result as torch.fx's wrapper takes it back: it marks the node of the
    proxy it expects (`return_proxy.node.meta`), so a tuple or list of results (torchvision's
    MViT: `_unsqueeze` returns the tensor and its rank) carries a node of its own to mark.

    >>> _marked((1, 2))[1], _marked([3]).node.meta
    (2, {})
    """
    if type(value) not in (tuple, list):  # a proxy, a value, a named tuple
        return value
    carrier = _Tuple(value) if isinstance(value, tuple) else _List(value)
    carrier.node = _Node()
    return carrier


def _differ(one: Any, other: Any) -> bool:
    try:
        return bool(one != other)
    except Exception:
        return True
