"""Multi-head attention's arithmetic: heads, attention axes and the shape of the scores."""

from __future__ import annotations

from convcalc.errors import LayerError
from convcalc.ops.layout import format_shape
from convcalc.ops.merge import broadcast
from convcalc.ops.tensor import Shape


def head_dim(embed_dim: int, num_heads: int, names: tuple[str, str] = ("embed_dim", "num_heads")) -> int:
    """Each head's width when `embed_dim` is split across heads, as torch's MultiheadAttention
    does (torch/nn/modules/activation.py: "embed_dim must be divisible by num_heads"); `names`
    are the arguments as the layer calls them (a Transformer's d_model and nhead).

    >>> head_dim(512, 8)
    64
    """
    if embed_dim % num_heads:
        size, heads = names
        raise LayerError(
            f"{size} ({embed_dim}) must be divisible by {heads} ({num_heads})",
            hint=f"each head gets {size} / {heads} features; e.g. {heads}={_divisor_near(embed_dim, num_heads)}",
            argument=heads,
            code="CC200",
        )
    return embed_dim // num_heads


def _divisor_near(n: int, k: int) -> int:
    return min((d for d in range(1, n + 1) if n % d == 0), key=lambda d: (abs(d - k), d))


def attention_axes(axes: object, rank: int) -> tuple[int, ...]:
    """The axes of a rank-`rank` input (batch first, features last) that Keras's
    MultiHeadAttention attends over: by default every axis between batch and features
    (keras/src/layers/attention/multi_head_attention.py, _build_attention). Negative axes count
    from the end of the input; the batch and feature axes cannot be attended over.

    >>> attention_axes(None, 3), attention_axes(None, 4), attention_axes(-2, 4), attention_axes((1,), 4)
    ((1,), (1, 2), (2,), (1,))
    """
    if axes is None:
        return tuple(range(1, rank - 1))
    items = (axes,) if isinstance(axes, int) and not isinstance(axes, bool) else axes
    if not isinstance(items, tuple | list) or not items or not all(isinstance(a, int) and not isinstance(a, bool) for a in items):
        raise LayerError(
            f"attention_axes must be an integer or a tuple of integers, found {axes!r}", argument="attention_axes", code="CC105"
        )
    normalized = tuple(a + rank if a < 0 else a for a in items)
    if any(not 1 <= a <= rank - 2 for a in normalized) or len(set(normalized)) != len(normalized):
        raise LayerError(
            f"attention_axes {axes!r} must name distinct axes between the batch axis and the feature axis "
            f"of the {rank}-D input, i.e. among {tuple(range(1, rank - 1))}",
            argument="attention_axes",
            code="CC200",
        )
    return normalized


def scores_shape(query: Shape, key: Shape, num_heads: int, axes: tuple[int, ...]) -> Shape:
    """The attention scores of Keras's MultiHeadAttention: (batch, <other axes>, heads,
    <query's attended axes>, <key's attended axes>), following _build_attention_equation's
    einsum; the axes not attended over must agree between query and key.

    >>> scores_shape((None, 5, 6), (None, 7, 8), 2, (1,))  # keras 3.15.1, run on data: (2, 2, 5, 7)
    (None, 2, 5, 7)
    >>> scores_shape((None, 5, 3, 6), (None, 5, 4, 8), 2, (2,))  # keras 3.15.1: (2, 5, 2, 3, 4)
    (None, 5, 2, 3, 4)
    """
    rank = len(query)
    others = [i for i in range(rank - 1) if i not in axes]
    for i in others:
        if query[i] is not None and key[i] is not None and query[i] != key[i]:
            what = "batch sizes" if i == 0 else f"axis {i}, which attention does not run over,"
            raise LayerError(
                f"the query {format_shape(query)} and key {format_shape(key)} differ in {what} ({query[i]} and {key[i]})",
                hint="" if i == 0 else "set attention_axes to attend over it too",
                argument="attention_axes" if i else "inputs",
                code="CC200",
            )
    return (*(query[i] for i in others), num_heads, *(query[a] for a in axes), *(key[a] for a in axes))


def extended(length: int | None, *extra: bool) -> int | None:
    """A source length with the positions torch's MultiheadAttention adds to key and value:
    one for add_bias_kv, one for add_zero_attn (torch/nn/functional.py, multi_head_attention_forward).

    >>> extended(7, True, True), extended(None, True, False)
    (9, None)
    """
    return None if length is None else length + sum(extra)


def dot_product_attention(query: Shape, key: Shape, value: Shape, mask: Shape | None, grouped: bool) -> Shape:
    """The output of torch's F.scaled_dot_product_attention on query (..., Hq, L, E), key
    (..., H, S, E) and value (..., H, S, Ev): (..., Hq, L, Ev), the leading axes broadcast as
    matmul broadcasts them (QK^T, then its product with V), as its math kernel computes it
    (aten/src/ATen/native/transformers/attention.cpp, _scaled_dot_product_attention_math).

    With `grouped` (enable_gqa=True) the key and value heads (dim -3) are repeated to the query's
    heads, so each must divide them ("Number of heads in key and value must divide the number
    of heads in query"); without it they broadcast like any leading axis. A mask (a fourth
    input) is added in place to the (..., L, S) scores, so it must broadcast to their shape
    without growing it, and has at least 2 dimensions.

    >>> dot_product_attention((2, 8, 5, 16), (2, 2, 7, 16), (2, 2, 7, 32), None, grouped=True)
    (2, 8, 5, 32)
    >>> dot_product_attention((2, 8, 5, 16), (2, 3, 7, 16), (2, 3, 7, 32), None, grouped=True)
    Traceback (most recent call last):
    ...
    convcalc.errors.LayerError: the key's 3 heads (dim -3) must divide the query's 8 (enable_gqa=True)
    """
    shapes = {"query": query, "key": key, "value": value}
    for name, shape in shapes.items():
        if len(shape) < 2:
            raise LayerError(
                f"the {name} {format_shape(shape)} needs at least 2 dimensions (..., length, features)",
                argument="inputs",
                code="CC200",
            )
    pairs = (("query", query, -1, "key", key, -1, "features (E)"), ("key", key, -2, "value", value, -2, "lengths (S)"))
    for one, first, i, other, second, j, what in pairs:
        if first[i] is not None and second[j] is not None and first[i] != second[j]:
            raise LayerError(
                f"the {one} {format_shape(first)} and the {other} {format_shape(second)} differ in their {what}: "
                f"{first[i]} and {second[j]}",
                argument="inputs",
                code="CC200",
            )
    if grouped:
        for name in ("query", "key", "value"):
            if len(shapes[name]) < 3:
                raise LayerError(
                    f"enable_gqa=True reads the heads at dim -3, which the {name} {format_shape(shapes[name])} lacks",
                    argument="enable_gqa",
                    code="CC200",
                )
        heads = query[-3]
        for name in ("key", "value"):
            shape = shapes[name]
            if heads is not None and shape[-3] is not None and heads % shape[-3]:
                raise LayerError(
                    f"the {name}'s {shape[-3]} heads (dim -3) must divide the query's {heads} (enable_gqa=True)",
                    hint="grouped-query attention shares each key/value head among query heads",
                    argument="enable_gqa",
                    code="CC200",
                )
        key = (*key[:-3], heads, *key[-2:])
        value = (*value[:-3], heads, *value[-2:])
    try:
        scores = (*broadcast(query[:-2], key[:-2]), query[-2], key[-2])
        output = (*broadcast(scores[:-2], value[:-2]), query[-2], value[-1])
    except LayerError:
        raise LayerError(
            f"the leading (batch and head) axes of the query {format_shape(query)}, key {format_shape(key)} "
            f"and value {format_shape(value)} do not broadcast",
            hint="sizes must be equal or 1 on every leading axis"
            + ("; enable_gqa=True lets fewer key/value heads serve" if not grouped else ""),
            argument="inputs",
            code="CC200",
        ) from None
    if mask is not None:
        fits = len(mask) >= 2 and len(mask) <= len(scores)
        fits = fits and all(m in (1, None) or s in (None, m) for m, s in zip(reversed(mask), reversed(scores)))
        if not fits:
            raise LayerError(
                f"the mask {format_shape(mask)} does not broadcast to the scores {format_shape(scores)} "
                "(..., query length, key length)",
                hint="the mask is added to the scores in place: it may have fewer axes or 1s, never more or larger",
                argument="inputs",
                code="CC200",
            )
    return output
