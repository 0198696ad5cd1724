"""What convcalc's own stand-ins call in the real frameworks: `Permute(0, 2, 1)` runs
`x.permute(0, 2, 1)`, `Mean(axis=1)` runs `keras.ops.mean(x, axis=1)`. Each entry takes the
stand-in's arguments as the spec writes them and returns a function of the layer's input tensors
(several for a merge: query, key, value and an optional mask for ScaledDotProductAttention).

PyTorch has no class for these, so the oracle reports a stand-in under convcalc's own name and
compares everything else; Keras reports the operation's class (Mean, Transpose, Add...), which
convcalc must name too. Nothing is imported until a table is asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

Call = Callable[..., Callable[..., Any]]


def method(name: str) -> Call:
    """x.name(*args, **kwargs): the tensor methods take the sizes one by one or as a tuple."""
    return lambda *args, **kwargs: lambda x: getattr(x, name)(*args, **kwargs)


def operand(function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Callable[..., Any]:
    """An arithmetic stand-in: its number `other` (first positional, or keyword) or its second
    input is the second operand; the rest of the keywords go to the function."""
    other = args[0] if args else kwargs.pop("other", None)
    if other is None:
        return lambda first, *rest: function(first, *rest, **kwargs)
    return lambda first: function(first, other, **kwargs)


BATCH_NORM = ("training", "momentum", "eps")
"""F.batch_norm's arguments after its tensors, as convcalc's BatchNorm takes them positionally."""


@cache
def torch_calls() -> dict[str, Call]:
    import torch
    import torch.nn.functional as F

    def squeeze(dim: Any = None) -> Callable[..., Any]:
        return lambda x: torch.squeeze(x) if dim is None else torch.squeeze(x, dim)

    def attention(*args: Any, **kwargs: Any) -> Callable[..., Any]:
        return lambda q, k, v, *mask: F.scaled_dot_product_attention(q, k, v, *(mask or args[:1]), *args[1:], **kwargs)

    return {
        "Permute": method("permute"),
        "Transpose": method("transpose"),
        "Reshape": method("reshape"),
        "View": method("view"),
        "Squeeze": squeeze,
        "Unsqueeze": method("unsqueeze"),
        "Expand": method("expand"),
        "Repeat": method("repeat"),
        "Tile": lambda *a, **k: (
            lambda x: torch.tile(x, *a, **k) if k or (len(a) == 1 and isinstance(a[0], tuple)) else x.tile(*a)
        ),
        "RepeatInterleave": lambda *a, **k: lambda x: torch.repeat_interleave(x, *a, **k),
        "Mean": lambda *a, **k: lambda x: torch.mean(x, *a, **k),
        "Sum": lambda *a, **k: lambda x: torch.sum(x, *a, **k),
        "Amax": lambda *a, **k: lambda x: torch.amax(x, *a, **k),
        "Amin": lambda *a, **k: lambda x: torch.amin(x, *a, **k),
        "Max": lambda *a, **k: lambda x: torch.max(x, *a, **k),
        "Min": lambda *a, **k: lambda x: torch.min(x, *a, **k),
        "Norm": lambda *a, **k: lambda x: torch.norm(x, *a, **k),
        "Chunk": lambda *a, **k: lambda x: torch.chunk(x, *a, **k),
        "Split": lambda *a, **k: lambda x: torch.split(x, *a, **k),
        "Matmul": lambda: torch.matmul,
        "ScaledDotProductAttention": attention,
        "Add": lambda *a, **k: operand(torch.add, a, k),
        "Multiply": lambda *a, **k: operand(torch.multiply, a, k),
        "Subtract": lambda *a, **k: operand(torch.subtract, a, k),
        "Divide": lambda *a, **k: operand(torch.divide, a, k),
        "Pow": lambda *a, **k: lambda x, *rest: torch.pow(x, *a, *k.values(), *rest),  # a number and a tensor: refused
        "NotEqual": lambda *a, **k: operand(torch.ne, a, k),
        "Interpolate": lambda *a, **k: lambda x: F.interpolate(x, *a, **k),
        "Pad": lambda *a, **k: lambda x: F.pad(x, *a, **k),
        "Concat": lambda dim=1: lambda *xs: torch.cat(xs, dim),
        "Select": lambda *a, **k: lambda x: torch.select(x, *a, **k),
        "Roll": lambda *a, **k: lambda x: torch.roll(x, *a, **k),
        "TensorUnfold": method("unfold"),
        "Slice": lambda *a, **k: lambda x: torch.ops.aten.slice.Tensor(x, *a, **k),
        "Index": lambda dim=0: lambda x, index: x[(slice(None),) * dim + (index.long(),)],  # extra inputs: float zeros
        "Gather": lambda dim: lambda x, index: torch.gather(x, dim, index.long()),
        "Neg": lambda: torch.neg,
        "Cos": lambda: torch.cos,
        "Sin": lambda: torch.sin,
        "Exp": lambda: torch.exp,
        "Sqrt": lambda: torch.sqrt,
        "Rsqrt": lambda: torch.rsqrt,
        "FullLike": lambda *a, **k: lambda x: torch.full_like(x, *a, **k),
        "Einsum": lambda equation: lambda *xs: torch.einsum(equation, *xs),
        "Clamp": lambda *a, **k: lambda x: torch.clamp(x, *a, **k),
        "Normalize": lambda *a, **k: lambda x: F.normalize(x, *a, **k),
        "Cumsum": lambda dim, dtype=None: lambda x: torch.cumsum(x, dim, dtype=getattr(torch, dtype) if dtype else None),
        "Convolution": lambda *a, **k: lambda x, w, *b: getattr(F, f"conv{w.dim() - 2}d")(x, w, *b, *a, **k),
        "BatchNorm": lambda *a, **k: lambda x, *w: F.batch_norm(x, None, None, *w, **dict(zip(BATCH_NORM, a)), **k),
    }


@cache
def keras_calls() -> dict[str, Call]:
    """keras.ops calls; Add, Subtract and Multiply stand for the operation only with a number
    (`x + 3.0`): without one they are Keras's layers."""
    from keras import ops

    def reduction(function: Callable[..., Any]) -> Call:
        return lambda *a, **k: lambda x: function(x, *a, **k)

    return {
        "Mean": reduction(ops.mean),
        "Sum": reduction(ops.sum),
        "Max": reduction(ops.max),
        "Min": reduction(ops.min),
        "Transpose": reduction(ops.transpose),
        "ExpandDims": reduction(ops.expand_dims),
        "Squeeze": reduction(ops.squeeze),
        "Matmul": lambda: ops.matmul,
        "TrueDivide": lambda *a, **k: operand(lambda x, y: x / y, a, k),
        "Add": lambda *a, **k: operand(lambda x, y: x + y, a, k),
        "Subtract": lambda *a, **k: operand(lambda x, y: x - y, a, k),
        "Multiply": lambda *a, **k: operand(lambda x, y: x * y, a, k),
    }


def keras_operation(type_name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """Whether a Keras layer of the stack is a keras.ops call (else a keras.layers class)."""
    if type_name in ("Add", "Subtract", "Multiply"):
        return bool(args) or kwargs.get("other") is not None
    return type_name in keras_calls()
