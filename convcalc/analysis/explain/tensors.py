"""Tensor operations (permute, view, squeeze and expand, reductions, splits, matmul, scaled
dot-product attention, roll, slices and gathers): how each output axis comes from the input's, in words that hold for
every member of the family, read from the layer's own `axes` reader and the shapes the engine
computed, so no operation is named here."""

from __future__ import annotations

from math import prod

from convcalc.analysis.explain.steps import Context
from convcalc.ops.axes import axis_index, sliced
from convcalc.ops.layout import format_shape
from convcalc.ops.tensor import all_known
from convcalc.ops.window import Axes


def arguments(ctx: Context) -> None:
    """Show every argument of the operation: they are few, and each decides the shape."""
    signature = ctx.layer_type.signature
    ctx.use(*(name for name, _ in signature.positional + signature.keyword_only))


def mapping(ctx: Context) -> Axes:
    read = ctx.layer_type.axes
    assert read is not None, f"{ctx.row.type} maps no axes"
    return read(ctx.args, ctx.shape)


def size(n: int | None) -> str:
    return "None" if n is None else f"{n:,}"


def permutation(ctx: Context) -> None:
    arguments(ctx)
    out = ctx.row.output_shape
    for i, source in enumerate(mapping(ctx).source):
        assert source is not None
        ctx.add(f"axis {i}", f"input axis {source}", size(out[i]), out[i], "the values stay; only the order of the axes changes")


def view(ctx: Context) -> None:
    arguments(ctx)
    shape, out = ctx.shape, ctx.row.output_shape
    total = prod(shape) if all_known(shape) else None
    ctx.add("values", "product of the input's sizes", " x ".join(map(size, shape)) or "1", total)
    target = ctx.args[ctx.layer_type.signature.positional[0][0]]
    if isinstance(target, tuple | list) and -1 in target:
        axis = list(target).index(-1)
        others = [n for i, n in enumerate(target) if i != axis]
        ctx.add(
            f"axis {axis} (-1)",
            "values / product of the other sizes",
            f"{size(total)} / " + (f"({' x '.join(map(str, others))})" if len(others) > 1 else str(others[0]))
            if others
            else size(total),
            out[axis],
            "one size written -1 is worked out from the others",
        )
    ctx.add(
        "output", "the sizes as written", format_shape(out), None, "the same values in a new shape: their count must not change"
    )


def unit_axes(ctx: Context) -> None:
    """Squeeze, unsqueeze and expand: which axes of size 1 go, come or stretch."""
    arguments(ctx)
    shape, out = ctx.shape, ctx.row.output_shape
    axes = mapping(ctx)
    kept = set(axes.source)
    for axis, n in enumerate(shape):
        if axis not in kept:
            ctx.add(f"input axis {axis}", "removed, being of size 1", size(n), None)
    for i, source in enumerate(axes.source):
        if source is None:
            ctx.add(f"axis {i}", "a new axis", size(out[i]), out[i])
        elif source in axes.mixed:
            ctx.add(
                f"axis {i}",
                f"input axis {source}, of size 1, stretched",
                f"1 -> {size(out[i])}",
                out[i],
                "a view: the one value repeats",
            )
    ctx.add("output", "the other axes as they were", format_shape(out), None)


def reduction(ctx: Context) -> None:
    arguments(ctx)
    axes = mapping(ctx)
    kept = len(axes.source) == len(ctx.shape)
    for axis in axes.mixed:
        n = ctx.shape[axis]
        ctx.add(
            f"input axis {axis}",
            "reduced to one value" + (", kept as size 1" if kept else ", removed"),
            f"{size(n)} -> 1",
            1 if kept else None,
        )
    ctx.add("output", "the other axes as they were", format_shape(ctx.row.output_shape), None)


def split(ctx: Context) -> None:
    arguments(ctx)
    (axis,) = mapping(ctx).mixed
    n = ctx.shape[axis]
    sizes = [o[axis] for o in ctx.row.outputs]
    if "chunks" in ctx.args.values:
        chunks = ctx.args.int("chunks")
        step = sizes[0]
        ctx.add(f"piece size (axis {axis})", "ceil(size / chunks)", f"ceil({size(n)} / {chunks})", step)
        note = f"the last piece is what is left; {len(sizes)} piece(s), not {chunks}" if len(sizes) != chunks else ""
        ctx.add("pieces", "ceil(size / piece size)", f"ceil({size(n)} / {step})", len(sizes), note)
    else:
        ctx.add(f"axis {axis}", " + ".join(f"piece {k}" for k in range(len(sizes))), " + ".join(map(size, sizes)), n)
    ctx.add(
        "outputs",
        "each piece, the other axes as they were",
        ", ".join(map(format_shape, ctx.row.outputs)),
        None,
        "name[1], name[2]... are the pieces after the first",
    )


def matmul(ctx: Context) -> None:
    first, second = ctx.row.input_shapes[:2]
    out = ctx.row.output_shape
    inner = first[-1]
    ctx.add(
        "inner size",
        "first's last = second's " + ("only" if len(second) == 1 else "second-to-last"),
        size(inner),
        inner,
        "summed over: one multiply-add per pair",
    )
    notes = [
        n
        for n, flag in (
            ("a 1-D first input is a row, its axis dropped after", len(first) == 1),
            ("a 1-D second input is a column, its axis dropped after", len(second) == 1),
        )
        if flag
    ]
    ctx.add("output", "(broadcast leading axes, first's rows, second's columns)", format_shape(out), None, "; ".join(notes))


def scaled_dot_product(ctx: Context) -> None:
    arguments(ctx)
    query, key = ctx.row.input_shapes[:2]
    out = ctx.row.output_shape
    if ctx.args.get("enable_gqa") and len(query) >= 3 and all_known((query[-3], key[-3])):
        assert query[-3] is not None and key[-3] is not None
        ctx.add(
            "query heads per key head",
            "query heads / key heads",
            f"{query[-3]} / {key[-3]}",
            query[-3] // key[-3],
            "grouped-query attention: each key and value head serves several query heads",
        )
    ctx.add(
        "scores",
        "(..., L, S) = query (..., L, E) x key (..., S, E) transposed",
        format_shape((*out[:-1], key[-2])),
        None,
        "scaled, masked (is_causal or a mask), softmax over S",
    )
    ctx.add("output", "(..., L, Ev) = scores x value (..., S, Ev)", format_shape(out), None)
    ctx.weight_note = "the projections are other layers' weights; attention itself learns nothing"


def roll(ctx: Context) -> None:
    """torch.roll: positions move along some axes, those pushed past one end coming back at the
    other, so every size stays."""
    arguments(ctx)
    shape, out = ctx.shape, ctx.row.output_shape
    shifts = ctx.args["shifts"]
    amounts = shifts if isinstance(shifts, tuple | list) else (shifts,)
    axes = mapping(ctx).mixed
    note = "positions pushed past one end come back at the other: the size stays"
    if len(amounts) != len(axes):  # no dims: the flattened tensor rolls
        ctx.add("every axis", f"the values, in order, move {amounts[0]} places", format_shape(shape), None, note)
    else:
        for axis, amount in zip(axes, amounts):
            ctx.add(f"axis {axis}", f"positions move {amount} places", size(shape[axis]), shape[axis], note)
    ctx.add("output", "the input's shape", format_shape(out), None)


def slicing(ctx: Context) -> None:
    """A slice (aten.slice): the positions start, start + step... before end of one axis."""
    arguments(ctx)
    shape, out = ctx.shape, ctx.row.output_shape
    axis = axis_index(ctx.args.int("dim"), len(shape))
    step = ctx.args.int("step")
    kept = sliced(shape[axis], ctx.args.optional_int("start"), ctx.args.optional_int("end"), step)
    if kept is None:
        ctx.add(f"axis {axis}", "ceil((end - start) / step)", "the size is unknown (None)", None)
    else:
        note = "start and end count from the end when negative, and stop at the axis's ends"
        ctx.add(f"axis {axis}", "ceil((end - start) / step)", f"ceil(({kept.stop} - {kept.start}) / {step})", len(kept), note)
    ctx.add("output", "the other axes as they were", format_shape(out), None)


def gather(ctx: Context) -> None:
    """`x[index]`: a row of the first input for each value of the second."""
    table, index = ctx.row.input_shapes[:2]
    ctx.add(
        "rows",
        "one row (axis 0) of the first input for each value of the index",
        format_shape(index),
        None,
        "the index holds integers: the row each position takes",
    )
    ctx.add(
        "output",
        "the index's shape + the first input's sizes after axis 0",
        f"{format_shape(index)} + {format_shape(table[1:])} = {format_shape(ctx.row.output_shape)}",
        None,
    )
