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
        known = {n for n in sizes if n is not None}
        if len(known) > 1:
            raise LayerError(
                f"cannot concatenate on axis {axis}: the shapes {', '.join(map(format_shape, shapes))} differ on axis {i}",
                code="CC200",
            )
        out.append(sizes[0])
    return tuple(out)
