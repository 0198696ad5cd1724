"""torch.fx's tracer, taught two things a model's forward needs when its input's shape is known:

- Every proxy knows its value, computed on meta tensors as the trace goes (the module built on
  the meta device: no weight allocated), so a branch on sizes (`if window_size[0] >= pad_H:`),
  a loop over them or `len(x.shape)` takes the path the real input takes instead of stopping
  the trace. The input is traced with batch 1 and again with batch 2: a decision that differs
  between them depends on the batch, and is refused as torch.fx refuses it.
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

BATCHES = (1, 2)
"""The batch sizes each value is computed with: equal decisions under both are the input's."""
UNKNOWN = object()
SHAPES = "convcalc_shapes"
"""A tensor node's meta key: its shape under each batch size of BATCHES."""


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
            self.inputs = inputs
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
            values = tuple(self.evaluate(kind, target, args, kwargs, which) for which in range(len(BATCHES)))
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
            the batch, else torch.fx's refusal."""
            values = self.values.get(proxy.node, (UNKNOWN,))
            try:
                seen = [UNKNOWN] if any(v is UNKNOWN for v in values) else [view(value) for value in values]
            except Exception:
                seen = [UNKNOWN]
            first = seen[0]
            if first is UNKNOWN or any(_differ(first, other) for other in seen[1:]):
                reason = "its value is unknown" if first is UNKNOWN else "it depends on the batch size"
                raise fx.proxy.TraceError(f"{what} on {proxy.node.name!r}, which the trace cannot decide: {reason}")
            return first

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
                    found = self.values.get(value.node, (UNKNOWN,) * len(BATCHES))[which]
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
