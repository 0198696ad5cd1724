"""Shapes of merged tensors: element-wise merges broadcast, concatenation adds up one axis."""

from __future__ import annotations

from convcalc.errors import LayerError
from convcalc.ops.layout import format_shape
from convcalc.ops.tensor import Shape, all_known


def broadcast(first: Shape, second: Shape) -> Shape:
    """Two shapes broadcast from the right, as NumPy, torch and Keras's Merge layers do
    (keras/src/layers/merging/base_merge.py, _compute_elemwise_op_output_shape): equal sizes
    stay, a 1 stretches, None is unknown.

    >>> broadcast((None, 8, 8, 64), (None, 1, 1, 64))
    (None, 8, 8, 64)
    >>> broadcast((4, 3), (3,))
    (4, 3)
    """
    if len(first) < len(second):
        first, second = second, first
    lead = first[: len(first) - len(second)]
    merged: list[int | None] = list(lead)
    for a, b in zip(first[len(lead) :], second):
        if a is None or b is None:
            merged.append(None)
        elif a == 1 or b == 1 or a == b:
            merged.append(b if a == 1 else a)
        else:
            raise LayerError(
                f"cannot merge the shapes {format_shape(first)} and {format_shape(second)}",
                hint="element-wise merges need equal sizes (or 1) on every axis",
                code="CC200",
            )
    return tuple(merged)


def concatenate(shapes: tuple[Shape, ...], axis: int) -> Shape:
    """Concatenation along `axis`: every other size must agree; the axis sizes add up.

    >>> concatenate(((None, 8, 8, 64), (None, 8, 8, 32)), -1)
    (None, 8, 8, 96)
    """
    rank = len(shapes[0])
    if any(len(s) != rank for s in shapes):
        raise LayerError(f"cannot concatenate shapes of different ranks: {', '.join(map(format_shape, shapes))}", code="CC200")
    if not -rank <= axis < rank:
        raise LayerError(f"axis {axis} is out of range for {rank}-D inputs", argument="axis", code="CC200")
    axis %= rank
    out: list[int | None] = []
    for i in range(rank):
        sizes = tuple(s[i] for s in shapes)
        if i == axis:
            out.append(sum(sizes) if all_known(sizes) else None)
            continue
        known = [n for n in sizes if n is not None]  # compared pairwise, not in a set: a size that is a
        if any(n != known[0] for n in known[1:]):  # formula records each comparison it takes (symbolic.size)
            raise LayerError(
                f"cannot concatenate on axis {axis}: the shapes {', '.join(map(format_shape, shapes))} differ on axis {i}",
                code="CC200",
            )
        out.append(sizes[0])
    return tuple(out)


def broadcast_unknown(first: Shape, second: Shape) -> Shape:
    """Two shapes broadcast as Keras's symbolic shapes do (keras/src/ops/operation_utils.py
    broadcast_shapes): unlike `broadcast`, an unknown size (None) facing a known one takes the
    known one (a 1 aside), trusting the call to fit.

    >>> broadcast_unknown((None, 1, 5), (7, 4, 1)), broadcast((None, 1, 5), (7, 4, 1))
    ((7, 4, 5), (None, 4, 5))
    """
    rank = max(len(first), len(second))
    first = (1,) * (rank - len(first)) + first
    second = (1,) * (rank - len(second)) + second
    merged: list[int | None] = []
    for a, b in zip(first, second):
        if a == 1:
            merged.append(b)
        elif a is None:
            merged.append(None if b == 1 else b)
        elif b in (1, None, a):
            merged.append(a)
        else:
            raise LayerError(
                f"cannot broadcast the shapes {format_shape(first)} and {format_shape(second)}",
                hint="sizes must be equal or 1 on every axis, counted from the last",
                code="CC200",
            )
    return tuple(merged)


def matmul(first: Shape, second: Shape, keras: bool = False) -> Shape:
    """The matrix product's shape (torch.matmul and keras.ops.matmul, as numpy.matmul): a 1-D
    first operand is a row (1, n), a 1-D second one a column (n, 1), and the added axis is
    dropped again; the inner sizes must agree; the leading (batch) axes broadcast, the Keras way
    when `keras` (broadcast_unknown).

    >>> matmul((5, 2, 3), (3, 4)), matmul((3,), (5, 3, 4)), matmul((2, 3), (3,)), matmul((3,), (3,))
    ((5, 2, 4), (5, 4), (2,), ())
    >>> matmul((7, 1, 2, 3), (5, 3, 4))
    (7, 5, 2, 4)
    >>> matmul((2, 3), (2, 4))
    Traceback (most recent call last):
    ...
    convcalc.errors.LayerError: cannot multiply (2, 3) by (2, 4): the inner sizes 3 and 2 differ
    """
    if not first or not second:
        raise LayerError(
            f"matmul needs two tensors of at least 1 dimension, found {format_shape(first)} and {format_shape(second)}",
            code="CC200",
        )
    a = (1, *first) if len(first) == 1 else first
    b = (*second, 1) if len(second) == 1 else second
    if a[-1] is not None and b[-2] is not None and a[-1] != b[-2]:
        which = "only size" if len(second) == 1 else "second-to-last size"
        raise LayerError(
            f"cannot multiply {format_shape(first)} by {format_shape(second)}: the inner sizes {a[-1]} and {b[-2]} differ",
            hint=f"the first's last size must be the second's {which}",
            code="CC200",
        )
    try:
        lead = (broadcast_unknown if keras else broadcast)(a[:-2], b[:-2])
    except LayerError:
        raise LayerError(
            f"cannot multiply {format_shape(first)} by {format_shape(second)}: their leading (batch) axes "
            f"{format_shape(a[:-2])} and {format_shape(b[:-2])} do not broadcast",
            hint="sizes must be equal or 1 on every leading axis, counted from the last",
            code="CC200",
        ) from None
    rows = () if len(first) == 1 else (a[-2],)
    columns = () if len(second) == 1 else (b[-1],)
    return (*lead, *rows, *columns)
