"""convcalc's own stand-ins for the torch functions and Tensor methods that networks call between
their modules: `x.permute(0, 2, 3, 1)` is written `Permute(0, 2, 3, 1)`, `torch.chunk(x, 2, 1)`
is `Chunk(2, 1)`, `F.scaled_dot_product_attention(q, k, v, is_causal=True)` is
`ScaledDotProductAttention(is_causal=True, inputs=[q, k, v])` (docs/operations.md has the table).

Each takes the real function's arguments under their names and in their order, the tensor
arguments being the layer's inputs, and counts dims as torch does: batch included, from 0,
negative from the end. The shape rules and errors are torch's own (aten's checks, run on the
CPU); where a size is unknown (None, an unknown batch) convcalc carries it along. A build's
docstring says what it stands for (scripts/gen_signatures.py --descriptions reads it for the
spec schema).

nn.Flatten(start_dim=1, end_dim=-1) already is torch.flatten with its start_dim written
(torch.flatten defaults to 0); nn.Unflatten, nn.ChannelShuffle and nn.Upsample are torch's
modules for x.unflatten, F.channel_shuffle and F.interpolate without antialias.
"""

from __future__ import annotations

import math
from typing import Any

from convcalc.errors import LayerError
from convcalc.frameworks.base import Build, Code, Family, LayerType, Positions
from convcalc.frameworks.pytorch.layers import exact_choice, interpolation, pad_shift, padded, pytorch_elementwise
from convcalc.ops import macs
from convcalc.ops.attention import dot_product_attention
from convcalc.ops.axes import (
    axis_index,
    axis_indices,
    chunk_sizes,
    expanded,
    gathered,
    inserted,
    pieces,
    reduced,
    reordered,
    repeated,
    slice_span,
    split_sizes,
    squeezed,
)
from convcalc.ops.einsum import contract, path_macs
from convcalc.ops.layout import format_shape
from convcalc.ops.merge import broadcast
from convcalc.ops.merge import matmul as matmul_shape
from convcalc.ops.reshape import reshaped_by_batch
from convcalc.ops.tensor import Built, Shape, integral
from convcalc.ops.window import Axes, Window, mixing
from convcalc.signature import REQUIRED, Args, Signature, Sizes

TYPES: list[LayerType] = []
"""The stand-ins of this module, in the order they are defined (pytorch/__init__.py registers them)."""


def own(name: str, signature: Signature, build: Build, family: Family, **facts: Any) -> None:
    TYPES.append(LayerType(name, signature, build, family, own=True, **facts))


# --- Reading the arguments as torch's argument parser does


def integers(args: Args, name: str) -> tuple[int, ...]:
    """A sequence of integers (an int list: dims, shape, size)."""
    value = args[name]
    if not isinstance(value, tuple | list) or any(not integral(v) for v in value):
        raise args.error(name, "integers, one by one or as a tuple")
    return tuple(value)


def sizes(args: Args, name: str) -> tuple[int | None, ...]:
    """A target shape (reshape, view, expand) whose sizes may be None, a size unknown until run
    time: what the forward's `n = x.shape[0]` reads while the batch is unknown (`shape(input)[0]`
    in a spec)."""
    value = args[name]
    if isinstance(value, tuple | list) and None in value:
        if any(not integral(v) for v in value if v is not None):
            raise args.error(name, "integers (None for a size unknown until run time), one by one or as a tuple")
        return tuple(value)
    return integers(args, name)


def dims(args: Args, name: str) -> tuple[int, ...] | None:
    """An optional dim or list of dims: None, an int, or a tuple/list of ints."""
    value = args[name]
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,)
    return integers(args, name)


# --- Permutations: torch.permute, torch.transpose (aten TensorShape.cpp)


def permute(args: Args, shape: Shape) -> Built:
    """torch.permute(input, dims), x.permute(*dims): the input with its dims reordered.

    Dim i of the output is dim dims[i] of the input.

    Args:
        dims (tuple of int): the desired ordering of dimensions, each named once.
    """
    return Built(reordered(shape, integers(args, "dims"))[0])


def permuted_axes(args: Args, shape: Shape) -> Axes:
    return Axes(reordered(shape, integers(args, "dims"))[1])


def swapped(args: Args, shape: Shape) -> tuple[int, ...]:
    first, second = axis_index(args.int("dim0"), len(shape), "dim0"), axis_index(args.int("dim1"), len(shape), "dim1")
    order = list(range(len(shape)))
    order[first], order[second] = second, first
    return tuple(order)


def transpose(args: Args, shape: Shape) -> Built:
    """torch.transpose(input, dim0, dim1), x.transpose(dim0, dim1): the input with two dims swapped.

    Args:
        dim0 (int): the first dimension to be transposed.
        dim1 (int): the second dimension to be transposed.
    """
    return Built(tuple(shape[i] for i in swapped(args, shape)))


PERMUTE = Code("{0}.permute({dims})", strided=True)
own("Permute", Sizes((("dims", REQUIRED),)), permute, Family.PERMUTATION, axes=permuted_axes, code=PERMUTE)
own(
    "Transpose",
    Signature((("dim0", REQUIRED), ("dim1", REQUIRED))),
    transpose,
    Family.PERMUTATION,
    axes=lambda args, shape: Axes(swapped(args, shape)),
    code=Code("{0}.transpose({dim0}, {dim1})", strided=True),
)


# --- Views: torch.reshape, Tensor.view (aten InferSize.h infer_size)


def reshape(args: Args, shape: Shape) -> Built:
    """torch.reshape(input, shape), x.reshape(*shape): the same values in another shape.

    One size may be -1: it is worked out from the others.

    Args:
        shape (tuple of int): the new shape; its sizes multiply to the input's number of values.
    """
    return Built(reshaped_by_batch(shape, sizes(args, "shape"), "shape"))


def view(args: Args, shape: Shape) -> Built:
    """x.view(*shape): the same values in another shape.

    One size may be -1: it is worked out from the others. convcalc does not track strides, so it
    also accepts the view of a permuted tensor that torch refuses ("use .reshape(...) instead").

    Args:
        size (tuple of int): the new shape; its sizes multiply to the input's number of values.
    """
    return Built(reshaped_by_batch(shape, sizes(args, "size"), "size"))


own("Reshape", Sizes((("shape", REQUIRED),)), reshape, Family.VIEW, code=Code("{0}.reshape({shape})"))
own("View", Sizes((("size", REQUIRED),)), view, Family.VIEW, code=Code("{0}.view({size})", contiguous=True))


# --- Size-1 axes: torch.squeeze, torch.unsqueeze, Tensor.expand


def squeeze_axes(args: Args, shape: Shape) -> tuple[Shape, tuple[int, ...]]:
    chosen = dims(args, "dim")
    return squeezed(shape, None if chosen is None else axis_indices(chosen, len(shape)), strict=False)


def squeeze(args: Args, shape: Shape) -> Built:
    """torch.squeeze(input, dim=None), x.squeeze(dim): the input without its dims of size 1.

    Only those of `dim`, when given; a named dim of another size stays.

    Args:
        dim (int or tuple of ints, optional): the dims to squeeze; None squeezes every dim of size 1 (an unknown size stays).
    """
    return Built(squeeze_axes(args, shape)[0])


def squeezed_axes(args: Args, shape: Shape) -> Axes:
    removed = squeeze_axes(args, shape)[1]
    return Axes(tuple(i for i in range(len(shape)) if i not in removed))


def unsqueeze(args: Args, shape: Shape) -> Built:
    """torch.unsqueeze(input, dim), x.unsqueeze(dim): a new dim of size 1 at `dim` of the output.

    Args:
        dim (int): the index at which to insert the singleton dimension, from -input.dim() - 1 to input.dim().
    """
    return Built(inserted(shape, (args.int("dim"),))[0])


def unsqueezed_axes(args: Args, shape: Shape) -> Axes:
    new = inserted(shape, (args.int("dim"),))[1]
    rest = iter(range(len(shape)))
    return Axes(tuple(None if i in new else next(rest) for i in range(len(shape) + 1)))


def expand(args: Args, shape: Shape) -> Built:
    """x.expand(*size), torch.broadcast_to(input, size): dims of size 1 stretched, new dims in front.

    -1 keeps a dim; a new leading dim needs its size.

    Args:
        size (tuple of int): the desired expanded size.
    """
    return Built(expanded(shape, sizes(args, "size")))


def expanded_axes(args: Args, shape: Shape) -> Axes:
    """New leading axes come from nowhere; stretched ones repeat one position."""
    out = expanded(shape, sizes(args, "size"))
    lead = len(out) - len(shape)
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and out[lead + i] != 1)
    return Axes((None,) * lead + tuple(range(len(shape))), stretched)


SQUEEZE = Code("{0}.squeeze()", when=(("dim", "{0}.squeeze({dim})"),))
own("Squeeze", Signature((("dim", None),)), squeeze, Family.UNIT_AXES, axes=squeezed_axes, code=SQUEEZE)
own(
    "Unsqueeze",
    Signature((("dim", REQUIRED),)),
    unsqueeze,
    Family.UNIT_AXES,
    axes=unsqueezed_axes,
    code=Code("{0}.unsqueeze({dim})"),
)
EXPAND = Code("{0}.expand({size})", strided=True)
own("Expand", Sizes((("size", REQUIRED),)), expand, Family.UNIT_AXES, axes=expanded_axes, code=EXPAND)


# --- Repetitions: Tensor.repeat, torch.tile, torch.repeat_interleave (aten TensorShape.cpp, Repeat.cpp)


def tile_repeats(args: Args, shape: Shape) -> tuple[int | None, ...]:
    """torch.tile's dims as Tensor.repeat's repeats: fewer than the input's axes get ones in front
    (more add axes in front, as repeat's do)."""
    given = sizes(args, "dims")
    return (1,) * (len(shape) - len(given)) + given


def repeat(args: Args, shape: Shape) -> Built:
    """x.repeat(*repeats): the input copied `repeats[i]` times along each dim i.

    Each output size is the input's times its repeat; repeats beyond the input's dims add dims in
    front (an unknown batch repeated stays unknown, as does a size repeated a count unknown until
    run time: `shape(input)[0]` in a spec, the batch).

    Args:
        repeats (tuple of int): the number of times to repeat the tensor along each dimension, at least one per dim.
    """
    return Built(repeated(shape, sizes(args, "repeats"), "repeats"))


def tile(args: Args, shape: Shape) -> Built:
    """torch.tile(input, dims), x.tile(*dims): the input copied `dims[i]` times along each dim.

    Fewer dims than the input has are padded with ones in front; more add dims in front, as
    x.repeat does.

    Args:
        dims (tuple of int): the number of repetitions per dimension.
    """
    return Built(repeated(shape, tile_repeats(args, shape), "dims"))


def repeated_axes(repeats: tuple[int | None, ...], shape: Shape) -> Axes:
    """New leading axes come from nowhere; along a repeated axis positions wrap round (a field ends there)."""
    lead = len(repeats) - len(shape)
    return Axes((None,) * lead + tuple(range(len(shape))), tuple(i for i, r in enumerate(repeats[lead:]) if r != 1))


def interleave_repeats(args: Args) -> int:
    """An int `repeats`: a tensor of them gives an output whose size depends on their values."""
    value = args["repeats"]
    if not integral(value):
        raise args.error(
            "repeats",
            "an int",
            hint="a tensor of repeats sizes the output by its values, which convcalc does not know",
        )
    assert isinstance(value, int)
    if value < 0:
        raise LayerError(f"repeats must be non-negative, found {value}", argument="repeats", code="CC105")
    if value == 0:
        raise LayerError("repeats 0 leaves no value", hint="torch would return an empty tensor", argument="repeats", code="CC200")
    return value


def interleaved(args: Args, shape: Shape) -> tuple[int | None, Shape]:
    """The dim repeated (None: the flattened input) and the output's shape."""
    count = interleave_repeats(args)
    chosen = args.optional_int("dim")
    if chosen is None:
        total = None if None in shape else math.prod(n for n in shape if n is not None)
        return None, (None if total is None else total * count,)
    axis = axis_index(chosen, len(shape))
    size = shape[axis]
    return axis, shape[:axis] + (None if size is None else size * count,) + shape[axis + 1 :]


def repeat_interleave(args: Args, shape: Shape) -> Built:
    """torch.repeat_interleave(input, repeats, dim=None, *, output_size=None): each value repeated in place.

    Along `dim` each position is copied `repeats` times before the next (the size times
    `repeats`); without dim, the flattened input's (one dim of numel * repeats). convcalc takes an
    int `repeats` only: a tensor of them makes the output's size depend on their values.

    Args:
        repeats (int): the number of repetitions of each element.
        dim (int, optional): the dimension along which to repeat values; None flattens the input.
        output_size (int, optional): the total output size along the dim, checked against it.
    """
    axis, out = interleaved(args, shape)
    wanted = args.optional_int("output_size")
    found = out[0 if axis is None else axis]
    if wanted is not None and found is not None and wanted != found:
        raise LayerError(
            f"repeat_interleave: Invalid output_size, expected {found} but got {wanted}", argument="output_size", code="CC201"
        )
    return Built(out)


def interleaved_axes(args: Args, shape: Shape) -> Axes:
    """Along the repeated dim positions spread (a field ends there); flattening mixes every axis."""
    axis, _ = interleaved(args, shape)
    if axis is None:
        return Axes((None,), tuple(range(len(shape))))
    return mixing(len(shape), axis) if args.int("repeats") != 1 else Axes(tuple(range(len(shape))))


own(
    "Repeat",
    Sizes((("repeats", REQUIRED),)),
    repeat,
    Family.REPETITION,
    axes=lambda args, shape: repeated_axes(sizes(args, "repeats"), shape),
    code=Code("{0}.repeat({repeats})"),
)
own(
    "Tile",
    Sizes((("dims", REQUIRED),)),
    tile,
    Family.REPETITION,
    axes=lambda args, shape: repeated_axes(tile_repeats(args, shape), shape),
    code=Code("torch.tile({0}, {dims})"),
)
own(
    "RepeatInterleave",
    Signature((("repeats", REQUIRED), ("dim", None)), (("output_size", None),)),
    repeat_interleave,
    Family.REPETITION,
    axes=interleaved_axes,
    code=Code("torch.repeat_interleave({0}, {repeats}{+dim}{+output_size})"),
)


# --- Reductions: torch.mean, sum, amax, amin (aten ReduceOps.cpp, make_dim_mask)


def reduction_axes(args: Args, shape: Shape) -> tuple[int, ...]:
    """The dims reduced: all of them for dim=None, and for an empty dim too (torch reads
    `dim=()` as every dim, where numpy and Keras reduce none)."""
    chosen = dims(args, "dim")
    if not chosen:
        return tuple(range(len(shape)))
    return axis_indices(chosen, len(shape))


def reduce(args: Args, shape: Shape) -> Built:
    if "dtype" in args.values and args["dtype"] is not None and not isinstance(args["dtype"], str):
        raise args.error("dtype", "None or a dtype's name, e.g. 'float32'")
    return Built(reduced(shape, reduction_axes(args, shape), args.bool("keepdim")))


def mean(args: Args, shape: Shape) -> Built:
    """torch.mean(input, dim=None, keepdim=False, *, dtype=None), x.mean(...): the mean over `dim`.

    Every dim when `dim` is None or empty.

    Args:
        dim (int or tuple of ints, optional): the dimension or dimensions to reduce.
        keepdim (bool): whether the output keeps the reduced dims, as size 1.
        dtype (str, optional): the data type of the result; no effect on its shape.
    """
    return reduce(args, shape)


def total(args: Args, shape: Shape) -> Built:
    """torch.sum(input, dim=None, keepdim=False, *, dtype=None), x.sum(...): the sum over `dim`.

    Every dim when `dim` is None or empty.

    Args:
        dim (int or tuple of ints, optional): the dimension or dimensions to reduce.
        keepdim (bool): whether the output keeps the reduced dims, as size 1.
        dtype (str, optional): the data type of the result; no effect on its shape.
    """
    return reduce(args, shape)


def amax(args: Args, shape: Shape) -> Built:
    """torch.amax(input, dim=(), keepdim=False), x.amax(...): the maximum over `dim`.

    Every dim when `dim` is empty.

    Args:
        dim (int or tuple of ints): the dimension or dimensions to reduce.
        keepdim (bool): whether the output keeps the reduced dims, as size 1.
    """
    return reduce(args, shape)


def amin(args: Args, shape: Shape) -> Built:
    """torch.amin(input, dim=(), keepdim=False), x.amin(...): the minimum over `dim`.

    Every dim when `dim` is empty.

    Args:
        dim (int or tuple of ints): the dimension or dimensions to reduce.
        keepdim (bool): whether the output keeps the reduced dims, as size 1.
    """
    return reduce(args, shape)


def extremum_axis(args: Args, shape: Shape) -> int | None:
    """The dim torch.max and torch.min reduce (an int: they take no tuple), None for every dim."""
    if args["dim"] is None:
        if args.bool("keepdim"):
            raise args.error("keepdim", "False without dim", hint="torch.max(input) reduces every dim; give dim to keep it")
        return None
    return axis_index(args.int("dim"), len(shape))


def extremum(args: Args, shape: Shape) -> Built:
    axis = extremum_axis(args, shape)
    if axis is None:
        return Built(())
    values = reduced(shape, (axis,), args.bool("keepdim"))
    return Built(values, extra_outputs=(values,))


def maximum(args: Args, shape: Shape) -> Built:
    """torch.max(input, dim=None, keepdim=False), x.max(...): the largest value over `dim`.

    With a dim, two outputs: the values, and `name[1]` the indices where they lie (VOLO takes
    `aux.max(1)[0]`); without one, the largest of all, a 0-d tensor.

    Args:
        dim (int, optional): the dimension to reduce; None for every one.
        keepdim (bool): whether the output keeps the reduced dim, as size 1.
    """
    return extremum(args, shape)


def minimum(args: Args, shape: Shape) -> Built:
    """torch.min(input, dim=None, keepdim=False), x.min(...): the smallest value over `dim`.

    With a dim, two outputs: the values, and `name[1]` the indices where they lie; without one,
    the smallest of all, a 0-d tensor.

    Args:
        dim (int, optional): the dimension to reduce; None for every one.
        keepdim (bool): whether the output keeps the reduced dim, as size 1.
    """
    return extremum(args, shape)


def extremum_axes(args: Args, shape: Shape) -> Axes:
    """Values are mixed along the reduced dim (every dim without one), which stays (keepdim) or goes."""
    axis = extremum_axis(args, shape)
    axes = tuple(range(len(shape))) if axis is None else (axis,)
    return Axes(tuple(i for i in range(len(shape)) if args.bool("keepdim") or i not in axes), axes)


def reduced_axes(args: Args, shape: Shape) -> Axes:
    """Values are mixed along the reduced axes, which stay (keepdim) or go."""
    axes = reduction_axes(args, shape)
    kept = tuple(i for i in range(len(shape)) if args.bool("keepdim") or i not in axes)
    return Axes(kept, axes)


WITH_DTYPE = Signature((("dim", None), ("keepdim", False)), (("dtype", None),))


def norm(args: Args, shape: Shape) -> Built:
    """torch.norm(input, p='fro', dim=None, keepdim=False, dtype=None), x.norm(...): the p-norm over `dim`.

    ConvNeXt-V2's global response normalization takes `x.norm(p=2, dim=(1, 2), keepdim=True)`.
    Every dim when `dim` is None or empty; `p` changes the values, not the shape, except that
    'nuc', and 'fro' over more than 2 dims, are matrix norms (torch/functional.py `norm` calls
    linalg.matrix_norm), which take exactly 2 dims.

    Args:
        p (float or str): the order of the norm (2, 1, inf, 'fro', 'nuc').
        dim (int or tuple of ints, optional): the dimension or dimensions to reduce.
        keepdim (bool): whether the output keeps the reduced dims, as size 1.
        dtype (str, optional): the data type of the result; no effect on its shape.
    """
    order = args["p"]
    number = isinstance(order, int | float) and not isinstance(order, bool)
    if not number and order not in ("fro", "nuc"):
        raise args.error("p", "a number (2, 1, inf) or 'fro' or 'nuc'")
    chosen = dims(args, "dim")
    matrix = order == "nuc" or (order == "fro" and chosen is not None and len(chosen) > 2)
    if matrix and len(chosen if chosen is not None else shape) != 2:
        named = "every dim" if chosen is None else f"dim {format_shape(chosen)}"
        raise LayerError(
            f"p={order!r} over {named} is a matrix norm, which takes exactly 2 dims",
            hint="name two dims, or use a number p for a vector norm",
            argument="dim",
            code="CC105" if chosen is not None else "CC200",
        )
    return reduce(args, shape)


for _name, _build in (("Mean", mean), ("Sum", total)):
    _call = f"torch.{_name.lower()}({{0}}{{+dim}}{{+keepdim}}"
    _code = Code(_call + ")", when=(("dtype", _call + ", dtype=torch.{=dtype})"),))  # torch's dtype, by its name
    own(_name, WITH_DTYPE, _build, Family.REDUCTION, axes=reduced_axes, code=_code)
for _name, _build in (("Amax", amax), ("Amin", amin)):
    _code = Code(f"torch.{_name.lower()}({{0}}{{+dim}}{{+keepdim}})")
    own(_name, Signature((("dim", ()), ("keepdim", False))), _build, Family.REDUCTION, axes=reduced_axes, code=_code)
for _name, _build in (("Max", maximum), ("Min", minimum)):
    _code = Code(f"torch.{_name.lower()}({{0}}{{+dim}}{{+keepdim}})")
    own(_name, Signature((("dim", None), ("keepdim", False))), _build, Family.REDUCTION, axes=extremum_axes, code=_code)
_NORM_CALL = "torch.norm({0}{+p}{+dim}{+keepdim}"
own(
    "Norm",
    Signature((("p", "fro"), ("dim", None), ("keepdim", False)), (("dtype", None),)),
    norm,
    Family.REDUCTION,
    axes=reduced_axes,
    code=Code(_NORM_CALL + ")", when=(("dtype", _NORM_CALL + ", dtype=torch.{=dtype})"),)),
)


# --- Splits: torch.chunk, torch.split (aten TensorShape.cpp chunk, split, split_with_sizes)


def along(args: Args, shape: Shape) -> tuple[int, int]:
    """The dim cut and its size, which must be known: it decides how many pieces there are."""
    axis = axis_index(args.int("dim"), len(shape))
    size = shape[axis]
    if size is None:
        raise LayerError(
            f"dim {axis} has an unknown size (None), so the number and sizes of the pieces are unknown too",
            hint="give the size in the spec (batch:, input:), or cut another dim",
            argument="dim",
            code="CC200",
        )
    return axis, size


def chunk(args: Args, shape: Shape) -> Built:
    """torch.chunk(input, chunks, dim=0), x.chunk(chunks, dim): the input cut into `chunks` pieces.

    Each piece is ceil(size / chunks) long along `dim`, the last one shorter, and there are fewer
    pieces when the size does not leave one for each; `name[1]`, `name[2]`... are the pieces after
    the first.

    Args:
        chunks (int): the number of chunks to return (at most).
        dim (int): the dimension along which to split the tensor.
    """
    count = args.int("chunks")
    if count < 1:
        raise args.error("chunks", "an integer greater than 0")
    axis, size = along(args, shape)
    outputs = pieces(shape, axis, chunk_sizes(size, count))
    return Built(outputs[0], extra_outputs=outputs[1:])


def split(args: Args, shape: Shape) -> Built:
    """torch.split(tensor, split_size_or_sections, dim=0), x.split(...): the input cut into pieces.

    The pieces have one size along `dim` (the last one shorter) or the sizes listed;
    `name[1]`, `name[2]`... are the pieces after the first.

    Args:
        split_size_or_sections (int or list of int): the size of each piece, or the list of their sizes.
        dim (int): the dimension along which to split the tensor.
    """
    value = args["split_size_or_sections"]
    axis, size = along(args, shape)
    if isinstance(value, tuple | list):
        sections = integers(args, "split_size_or_sections")
        if any(n < 0 for n in sections):
            raise args.error("split_size_or_sections", "sizes >= 0")
        if sum(sections) != size:
            raise LayerError(
                f"the sections {sections} add up to {sum(sections)}, not to the size of dim {axis} ({size})",
                argument="split_size_or_sections",
                code="CC200",
            )
        if 0 in sections:
            raise LayerError(f"the sections {sections} make an empty piece", argument="split_size_or_sections", code="CC200")
    else:
        sections = split_sizes(size, args.int("split_size_or_sections", 1))
    outputs = pieces(shape, axis, sections)
    return Built(outputs[0], extra_outputs=outputs[1:])


def cut_axis(args: Args, shape: Shape) -> Axes:
    """The pieces keep every axis; along the one cut, positions after the first piece move."""
    return mixing(len(shape), args.int("dim"))


CHUNK = Code("torch.chunk({0}, {chunks}{+dim})")
own("Chunk", Signature((("chunks", REQUIRED), ("dim", 0))), chunk, Family.SPLIT, axes=cut_axis, code=CHUNK)
SPLIT = Code("torch.split({0}, {split_size_or_sections}{+dim})")
own("Split", Signature((("split_size_or_sections", REQUIRED), ("dim", 0))), split, Family.SPLIT, axes=cut_axis, code=SPLIT)


# --- Positions moved or picked: torch.roll, x[start:end:step] (aten.slice), x[index] (aten.index)


def roll_dims(args: Args, shape: Shape) -> tuple[int, ...]:
    """The dims torch.roll moves positions along (every dim when `dims` is None or empty: torch
    then rolls the flattened tensor), checked as aten's roll checks them."""
    shifts = dims(args, "shifts")
    chosen = dims(args, "dims")
    if not shifts:
        raise LayerError("`shifts` required: at least one shift", argument="shifts", code="CC105")
    if not chosen:
        if len(shifts) != 1:
            raise LayerError(
                f"shifts and dimensions must align: {len(shifts)} shifts, 0 dims",
                hint="name a dim for each shift, or give one shift to roll the flattened tensor",
                argument="dims",
                code="CC105",
            )
        return tuple(range(len(shape)))
    if len(shifts) != len(chosen):
        raise LayerError(
            f"shifts and dimensions must align: {len(shifts)} shifts, {len(chosen)} dims", argument="dims", code="CC105"
        )
    return tuple(axis_index(d, len(shape), "dims") for d in chosen)


def roll(args: Args, shape: Shape) -> Built:
    """torch.roll(input, shifts, dims=None), x.roll(shifts, dims): positions moved along `dims`.

    Each shifts[i] places along dims[i], those past the end coming round to the front; with no
    dims, the flattened tensor rolls. The shape stays; Swin's shifted windows roll this way.

    Args:
        shifts (int or tuple of ints): the number of places by which the elements are shifted.
        dims (int or tuple of ints, optional): the axes along which to roll; one for each shift.
    """
    roll_dims(args, shape)
    return Built(shape)


def rolled_axes(args: Args, shape: Shape) -> Axes:
    """Every axis stays; along the rolled ones positions wrap around (a field ends there)."""
    return mixing(len(shape), *roll_dims(args, shape))


def unfolded(args: Args, shape: Shape) -> tuple[int, Shape]:
    """The dim Tensor.unfold slides along, and its output shape, with torch's checks."""
    axis = axis_index(args.int("dimension"), len(shape), "dimension")
    size, step = args.int("size"), args.int("step")
    if size < 0:
        raise args.error("size", f"an integer >= 0 (size is {size} but must be >= 0)")
    if step <= 0:
        raise args.error("step", f"an integer > 0 (step is {step} but must be > 0)")
    if size == 0:
        raise args.error("size", "an integer > 0", hint="a window of 0 makes an empty tensor")
    length = shape[axis]
    if length is not None and size > length:
        raise LayerError(
            f"maximum size for tensor at dimension {axis} is {length} but size is {size}", argument="size", code="CC200"
        )
    count = None if length is None else (length - size) // step + 1
    return axis, (*shape[:axis], count, *shape[axis + 1 :], size)


def tensor_unfold(args: Args, shape: Shape) -> Built:
    """x.unfold(dimension, size, step): every window of `size` along `dimension`, `step` apart.

    The dim becomes the number of windows, (length - size) // step + 1, and a new last dim
    holds each window's `size` values (HaloNet's attention takes its blocks' halos so).

    Args:
        dimension (int): the dimension in which unfolding happens.
        size (int): the size of each slice that is unfolded.
        step (int): the step between each slice.
    """
    return Built(unfolded(args, shape)[1])


def tensor_unfolded_axes(args: Args, shape: Shape) -> Axes:
    """Each axis stays in place, the unfolded one now counting windows (values of several
    positions in each: a field ends there); the new last axis is a window's own."""
    axis, _ = unfolded(args, shape)
    return Axes((*range(len(shape)), None), (axis,))


def slice_range(args: Args, shape: Shape) -> tuple[int, tuple[int, int] | None, int]:
    """The dim sliced, the first position kept and how many (None when its size is unknown),
    and the step."""
    axis = axis_index(args.int("dim"), len(shape))
    step = args.int("step")
    if step < 1:
        raise LayerError(f"slice step must be positive, found {step}", argument="step", code="CC105")
    start, end = args.optional_int("start"), args.optional_int("end")
    kept = slice_span(shape[axis], start, end, step)
    if kept is not None and kept[1] == 0:
        raise LayerError(
            f"the slice [{'' if start is None else start}:{'' if end is None else end}:{step}] of dim {axis} "
            f"(size {shape[axis]}) keeps no position",
            hint="torch would return an empty tensor",
            argument="start",
            code="CC200",
        )
    return axis, kept, step


def slice_(args: Args, shape: Shape) -> Built:
    """torch.ops.aten.slice(input, dim=0, start=None, end=None, step=1), `x[..., 0::2, :]`: positions of one dim.

    The positions start, start + step... before end, clamped as Python clamps a slice;
    `x[..., 0::2, 0::2, :]` is two slices, one for each dim it cuts.

    Args:
        dim (int): the dimension to slice.
        start (int, optional): the first position kept; negative counts from the end.
        end (int, optional): the position the slice stops before; negative counts from the end.
        step (int): the distance between the positions kept, at least 1.
    """
    axis, kept, _ = slice_range(args, shape)
    return Built(shape[:axis] + (None if kept is None else kept[1],) + shape[axis + 1 :])


def slice_window(args: Args, shape: Shape) -> Window:
    """A 1-wide window along the dim, stepping `step`, cropping the positions before start."""
    axis, kept, step = slice_range(args, shape)
    if kept is None:
        start = args.optional_int("start")
        return Window((axis,), (1,), (step,), (1,), (None if start is None or start < 0 else -start,), (None,))
    size = shape[axis]
    assert size is not None
    first, count = kept
    return Window((axis,), (1,), (step,), (1,), (-first,), (first + (count - 1) * step + 1 - size,))


def index(args: Args, shapes: tuple[Shape, ...]) -> Built:
    """torch.ops.aten.index(input, [index]), `x[index]`: rows of the first input picked by the second.

    The second input holds integers (a Buffer, as Swin's relative_position_index); the output
    has its shape, then the first input's sizes after dim 0. With `dim`, `x[:, index]` (dim 1;
    LeViT's attention biases): the input's sizes before `dim`, the index's shape, those after.

    Args:
        dim (int): the dimension the index picks along, whole slices before it.
    """
    if len(shapes) != 2:
        raise LayerError(
            f"Index takes 2 inputs (the tensor, then the index), found {len(shapes)}", argument="inputs", code="CC200"
        )
    dim = args.int("dim")
    if dim < 0:
        raise args.error("dim", "an int >= 0 (the number of whole slices before the index)")
    return Built(gathered(shapes[0], shapes[1], dim))


def gather(args: Args, shapes: tuple[Shape, ...]) -> Built:
    """torch.gather(input, dim, index), x.gather(dim, index): along `dim`, the values of the first
    input at the positions the second (integers) holds.

    The output has the index's shape; the index has the input's number of dims, and no size
    larger than the input's but along `dim` (RoBERTa gathers its token types by position so).

    Args:
        dim (int): the dimension the index picks along.
    """
    if len(shapes) != 2:
        raise LayerError(
            f"Gather takes 2 inputs (the tensor, then the index), found {len(shapes)}", argument="inputs", code="CC200"
        )
    source, picked = shapes
    if max(len(source), 1) != max(len(picked), 1):
        raise LayerError(
            "Index tensor must have the same number of dimensions as input tensor",
            hint=f"the input is {format_shape(source)}, the index {format_shape(picked)}",
            argument="inputs",
            code="CC200",
        )
    dim = axis_index(args.int("dim"), max(len(source), 1))
    for axis, (size, most) in enumerate(zip(picked, source, strict=False)):
        if axis != dim and size is not None and most is not None and size > most:
            raise LayerError(
                f"Size does not match at dimension {axis} expected index {list(picked)} to be no larger than "
                f"self {list(source)} apart from dimension {dim}",  # torch's words, its sizes as a list
                argument="inputs",
                code="CC200",
            )
    return Built(picked)


def unary(description: str) -> Build:
    """An element-wise function of one tensor: the shape stays (`description` is its docstring)."""

    def build(args: Args, shape: Shape) -> Built:
        return Built(shape)

    build.__doc__ = description
    return build


own(
    "Roll",
    Signature((("shifts", REQUIRED), ("dims", None))),
    roll,
    Family.ROLL,
    axes=rolled_axes,
    code=Code("torch.roll({0}, {shifts}, {dims})"),
)
own(
    "TensorUnfold",
    Signature((("dimension", REQUIRED), ("size", REQUIRED), ("step", REQUIRED))),
    tensor_unfold,
    Family.RESHAPE,
    positions=Positions.AXES,
    axes=tensor_unfolded_axes,
    code=Code("{0}.unfold({dimension}, {size}, {step})"),
)
own(
    "Slice",
    Signature((("dim", 0), ("start", None), ("end", None), ("step", 1))),
    slice_,
    Family.SELECT,
    variant="slice",
    positions=Positions.WINDOW,
    window=slice_window,
    code=Code("{0}[(slice(None),) * ({dim} % {0}.dim()) + (slice({start}, {end}, {step}),)]"),  # x[:, :, a:b:c]
)
own(
    "Index",
    Signature((("dim", 0),)),
    index,
    Family.SELECT,
    variant="index",
    merges=True,
    positions=Positions.NONE,
    code=Code("{0}[{1}]", when=(("dim", "{0}[(slice(None),) * {dim} + ({1},)]"),)),
)
own(
    "Gather",
    Signature((("dim", REQUIRED),)),
    gather,
    Family.SELECT,
    merges=True,
    positions=Positions.NONE,  # the positions picked are the index's values, which convcalc does not know
    code=Code("torch.gather({0}, {dim}, {1})"),
)
for _name, _call, _doc in (
    ("Neg", "-{0}", "torch.neg(input), `-x`: each value negated."),
    ("Cos", "torch.cos({0})", "torch.cos(input), x.cos(): the cosine of each value."),
    ("Sin", "torch.sin({0})", "torch.sin(input), x.sin(): the sine of each value."),
    ("Exp", "torch.exp({0})", "torch.exp(input), x.exp(): e to the power of each value."),
    ("Sqrt", "torch.sqrt({0})", "torch.sqrt(input), x.sqrt(): the square root of each value."),
    ("Rsqrt", "torch.rsqrt({0})", "torch.rsqrt(input), x.rsqrt(): the reciprocal of each value's square root."),
):
    own(_name, Signature(()), unary(_doc), Family.ELEMENTWISE, code=Code(_call))


def full_like(args: Args, shape: Shape) -> Built:
    """torch.full_like(input, fill_value), torch.zeros_like / ones_like(input): a tensor of the input's
    shape, every value fill_value.

    A mask or a constant sized like the input, made in the forward: it is as large as the input at
    every batch size, where a tensor made from fixed sizes would not be.

    Args:
        fill_value (number or bool): the value of every element.
    """
    if not isinstance(args["fill_value"], int | float):  # bool is an int: torch fills a mask with True
        raise args.error("fill_value", "a number or a bool")
    return Built(shape)


def clamp(args: Args, shape: Shape) -> Built:
    """torch.clamp(input, min=None, max=None), x.clamp(...): each value held within [min, max].

    Swin V2 caps its learned logit scale with `torch.clamp(logit_scale, max=math.log(100.0))`.

    Args:
        min (number, optional): the lower bound; None for none.
        max (number, optional): the upper bound; None for none.
    """
    bounds = [args.number(name) for name in ("min", "max") if args[name] is not None]
    if not bounds:
        raise LayerError(
            "torch.clamp: At least one of 'min' or 'max' must not be None",
            hint="give min=, max= or both",
            argument="min",
            code="CC105",
        )
    return Built(shape)


def normalized_axis(args: Args, shape: Shape) -> int:
    """The dim F.normalize divides along, checked as torch's norm checks it."""
    args.number("p")
    args.number("eps")
    return axis_index(args.int("dim"), len(shape))


def normalize(args: Args, shape: Shape) -> Built:
    """F.normalize(input, p=2.0, dim=1, eps=1e-12): each vector along `dim` divided by its p-norm.

    The shape stays (Swin V2's cosine attention normalizes q and k along their last dim).

    Args:
        p (float): the exponent of the norm.
        dim (int): the dimension the vectors lie along.
        eps (float): the smallest norm divided by.
    """
    normalized_axis(args, shape)
    return Built(shape)


def normalized_axes(args: Args, shape: Shape) -> Axes:
    """Every axis stays; values mix along the normalized one (its norm reads all of them)."""
    return mixing(len(shape), normalized_axis(args, shape))


own(
    "FullLike",
    Signature((("fill_value", REQUIRED),)),
    full_like,
    Family.ELEMENTWISE,
    positions=Positions.NONE,  # no value comes from an input position: only the size does
    code=Code("torch.full_like({0}, {fill_value})"),
)
own(
    "Clamp",
    Signature((("min", None), ("max", None))),
    clamp,
    Family.ELEMENTWISE,
    code=Code("torch.clamp({0}, min={min}, max={max})"),
)
own(
    "Normalize",
    Signature((("p", 2.0), ("dim", 1), ("eps", 1e-12))),
    normalize,
    Family.ELEMENTWISE,
    positions=Positions.AXES,
    axes=normalized_axes,
    code=Code("torch.nn.functional.normalize({0}, {p}, {dim}, {eps})"),
)


def cumulative_axis(args: Args, shape: Shape) -> int:
    """The dim torch.cumsum sums along: a 0-d tensor's checked as torch wraps it, as if 1-D
    (-1 or 0)."""
    if args["dtype"] is not None and not isinstance(args["dtype"], str):
        raise args.error("dtype", "None or a dtype's name, e.g. 'int64'")
    return axis_index(args.int("dim"), max(len(shape), 1))


def cumsum(args: Args, shape: Shape) -> Built:
    """torch.cumsum(input, dim, *, dtype=None), x.cumsum(dim): each value the sum of those up
    to it along `dim`.

    The shape stays (RoBERTa numbers its tokens so: the running count of those not padding).

    Args:
        dim (int): the dimension summed along.
        dtype (str, optional): the data type of the result; no effect on its shape.
    """
    cumulative_axis(args, shape)
    return Built(shape)


def cumulative_axes(args: Args, shape: Shape) -> Axes:
    """Every axis stays; values mix along the summed one (each reads those before it)."""
    return mixing(max(len(shape), 1), cumulative_axis(args, shape)) if shape else Axes((), ())


own(
    "Cumsum",
    Signature((("dim", REQUIRED),), (("dtype", None),)),
    cumsum,
    Family.ELEMENTWISE,
    positions=Positions.AXES,
    axes=cumulative_axes,
    code=Code("torch.cumsum({0}, {dim})", when=(("dtype", "torch.cumsum({0}, {dim}, dtype=torch.{=dtype})"),)),
)

# --- Products: torch.matmul, F.scaled_dot_product_attention


def equation(args: Args) -> str:
    value = args["equation"]
    if not isinstance(value, str):
        raise args.error("equation", 'an einsum equation such as "bij,bjk->bik"')
    return value


def einsum(args: Args, shapes: tuple[Shape, ...]) -> Built:
    """torch.einsum(equation, *operands): the products of the operands' values, summed over the
    indices the output leaves out (MaxViT's attention, "B G H I D, B G H J D -> B G H I J").

    Args:
        equation (str): the subscripts of each operand, comma-separated, and of the output after `->`.
    """
    return Built(contract(equation(args), shapes).output)


def einsum_macs(layer: macs.Layer) -> int | None:
    """fvcore's einsum handler (numpy's einsum_path cost, halved), an unknown batch counting one
    sample; fvcore reads numpy's printed cost, 4 significant digits, so its large counts are rounded.
    Exact for one or two operands; with three or more numpy contracts them pair by pair along its
    optimal path, which this one-step count does not follow."""
    found = contract(equation(layer.args), layer.input_shapes)
    return path_macs(tuple(1 if size is None else size for size in found.sizes), found.summed)


def matmul(args: Args, shapes: tuple[Shape, ...]) -> Built:
    """torch.matmul(input, other), `a @ b`: the matrix product of its two inputs.

    Their leading (batch) dims broadcast; a 1-D input is a vector.
    """
    if len(shapes) != 2:
        raise LayerError(f"Matmul takes 2 inputs, found {len(shapes)}", argument="inputs", code="CC200")
    return Built(matmul_shape(*shapes))


def probability(args: Args, name: str) -> float:
    value = args.number(name)
    if not 0 <= value <= 1:
        raise args.error(name, "a probability between 0 and 1")
    return value


def scaled_dot_product_attention(args: Args, shapes: tuple[Shape, ...]) -> Built:
    """F.scaled_dot_product_attention(query, key, value, ...): attention, (..., L, Ev) from its inputs.

    The inputs are query (..., Hq, L, E), key (..., H, S, E), value (..., H, S, Ev) and, if any,
    a mask; the arguments are attn_mask=None, dropout_p=0.0, is_causal=False, scale=None and
    enable_gqa=False.

    Args:
        attn_mask (None): give a mask as the fourth input instead.
        dropout_p (float): dropout probability; greater than 0.0 applies dropout.
        is_causal (bool): a causal mask, which an explicit mask excludes.
        scale (float, optional): the scaling factor applied before softmax.
        enable_gqa (bool): grouped-query attention: fewer key and value heads (dim -3), each dividing the query's.
    """
    if args["attn_mask"] is not None:
        raise args.error("attn_mask", "None", hint="give the mask as a fourth input: inputs=[query, key, value, mask]")
    if len(shapes) not in (3, 4):
        raise LayerError(
            f"ScaledDotProductAttention takes 3 inputs (query, key, value) or 4 (and a mask), found {len(shapes)}",
            argument="inputs",
            code="CC200",
        )
    probability(args, "dropout_p")
    causal, grouped = args.bool("is_causal"), args.bool("enable_gqa")
    if args["scale"] is not None:
        args.number("scale")
    mask = shapes[3] if len(shapes) == 4 else None
    if causal and mask is not None:
        raise LayerError(
            "an explicit mask (the fourth input) cannot be given with is_causal=True",
            hint="leave is_causal=False, or the mask out",
            argument="is_causal",
            code="CC200",
        )
    return Built(dot_product_attention(shapes[0], shapes[1], shapes[2], mask, grouped))


own("Matmul", Signature(()), matmul, Family.MATMUL, merges=True, code=Code("torch.matmul({0}, {1})"))
own(
    "Einsum",
    Signature((("equation", REQUIRED),)),
    einsum,
    Family.EINSUM,
    merges=True,
    macs=einsum_macs,
    code=Code("torch.einsum({equation}, {*})"),
)
own(
    "ScaledDotProductAttention",
    Signature((("attn_mask", None), ("dropout_p", 0.0), ("is_causal", False)), (("scale", None), ("enable_gqa", False))),
    scaled_dot_product_attention,
    Family.SCALED_DOT_PRODUCT,
    merges=True,
    # a mask is the fourth input, F.scaled_dot_product_attention's fourth argument
    code=Code("torch.nn.functional.scaled_dot_product_attention({*}{+dropout_p}{+is_causal}{+scale}{+enable_gqa})"),
)


# --- Arithmetic: torch.sub, torch.div (Add and Multiply are in layers.py)


def subtract(args: Args, shapes: tuple[Shape, ...]) -> Built:
    """torch.subtract(input, other, *, alpha=1), `x - y`, `x - 1`: the difference of two inputs.

    The inputs broadcast; with the number `other`, it is subtracted from the one input.

    Args:
        other (Number, optional): a number to subtract; without it, the second input.
        alpha (Number): the multiplier for other.
    """
    if args.get("other") is None and len(shapes) != 2:
        raise LayerError(f"Subtract takes 2 inputs (or 1 and other=), found {len(shapes)}", argument="inputs", code="CC200")
    return pytorch_elementwise(args, shapes)


def divide(args: Args, shapes: tuple[Shape, ...]) -> Built:
    """torch.divide(input, other, *, rounding_mode=None), `x / y`, `x / 2`: the quotient of two inputs.

    The inputs broadcast; with the number `other`, the one input is divided by it.

    Args:
        other (Number, optional): a number to divide by; without it, the second input.
        rounding_mode (str, optional): None, 'trunc' or 'floor'.
    """
    exact_choice(args, "rounding_mode", (None, "trunc", "floor"))
    if args.get("other") is None and len(shapes) != 2:
        raise LayerError(f"Divide takes 2 inputs (or 1 and other=), found {len(shapes)}", argument="inputs", code="CC200")
    return pytorch_elementwise(args, shapes)


SUBTRACT = Code("{0} - {1}", when=(("other", "torch.sub({0}, {other}{+alpha})"), ("alpha", "torch.sub({0}, {1}, alpha={alpha})")))
own("Subtract", Signature((("other", None),), (("alpha", 1),)), subtract, Family.MERGE, merges=True, code=SUBTRACT)
DIVIDE = Code(
    "{0} / {1}",
    when=(
        ("other", "torch.div({0}, {other}{+rounding_mode})"),
        ("rounding_mode", "torch.div({0}, {1}, rounding_mode={rounding_mode})"),
    ),
)
own("Divide", Signature((("other", None),), (("rounding_mode", None),)), divide, Family.MERGE, merges=True, code=DIVIDE)


def power(args: Args, shapes: tuple[Shape, ...]) -> Built:
    """torch.pow(input, exponent), x.pow(2), `x ** 2`, `x ** y`: each value raised to a power.

    The exponent a number, or a second input that broadcasts with the first as Multiply's do
    (CAFormer's StarReLU squares its input so; an RMS norm squares before its mean).

    Args:
        exponent (Number, optional): the power; without it, the second input.
    """
    if args["exponent"] is not None:
        args.number("exponent")
        if len(shapes) != 1:
            raise LayerError(
                f"Pow with exponent={args['exponent']!r} takes one input, found {len(shapes)}",
                hint="a number stands for the exponent; leave exponent out to raise to a second input",
                argument="inputs",
                code="CC200",
            )
    elif len(shapes) != 2:
        raise LayerError(f"Pow takes 2 inputs (or 1 and exponent=), found {len(shapes)}", argument="inputs", code="CC200")
    return Built(broadcast(*shapes) if len(shapes) == 2 else shapes[0])


POW = Code("torch.pow({0}, {1})", when=(("exponent", "torch.pow({0}, {exponent})"),))
own("Pow", Signature((("exponent", None),)), power, Family.MERGE, merges=True, code=POW)


def not_equal(args: Args, shapes: tuple[Shape, ...]) -> Built:
    """torch.not_equal(input, other), torch.ne, x.ne(1), `x != y`: whether each pair of values differs.

    The inputs broadcast; with the number `other`, each value of the one input is compared with
    it (RoBERTa finds its tokens that are not padding so: `input_ids.ne(padding_idx)`).

    Args:
        other (Number, optional): a number to compare with; without it, the second input.
    """
    if args.get("other") is None and len(shapes) != 2:
        raise LayerError(f"NotEqual takes 2 inputs (or 1 and other=), found {len(shapes)}", argument="inputs", code="CC200")
    return pytorch_elementwise(args, shapes)


NOT_EQUAL = Code("{0} != {1}", when=(("other", "torch.ne({0}, {other})"),))
own("NotEqual", Signature((("other", None),)), not_equal, Family.MERGE, merges=True, code=NOT_EQUAL)

# --- Resampling and padding: F.interpolate, F.pad (nn.Upsample and the padding modules' rules)

_interpolated = interpolation(module=False)


def interpolate(args: Args, shape: Shape) -> Built:
    """F.interpolate(input, size=None, scale_factor=None, mode='nearest', ...): the input resized.

    To `size`, or its spatial sizes times `scale_factor` rounded down, as nn.Upsample does; the
    other arguments are align_corners=None, recompute_scale_factor=None and antialias=False.

    Args:
        size (int or tuple of int, optional): the output spatial size.
        scale_factor (float or tuple of float, optional): multiplier for the spatial size.
        mode (str): 'nearest', 'linear', 'bilinear', 'bicubic', 'trilinear', 'area', 'nearest-exact' or 'lanczos'.
        align_corners (bool, optional): for the interpolating modes only.
        recompute_scale_factor (bool, optional): recompute the scale factor from the output size; not with an explicit size.
        antialias (bool): anti-aliasing, for 'bilinear', 'bicubic' and 'lanczos' on a 4-D input ('lanczos' needs it).
    """
    return _interpolated(args, shape)


PAD_MODES = ("constant", "reflect", "replicate", "circular")


def pad_amounts(args: Args) -> tuple[int, ...]:
    """F.pad's `pad`: a sequence of an even length (an int is refused: "must be tuple of ints")."""
    pads = integers(args, "pad")
    if len(pads) % 2:
        raise args.error("pad", "a tuple of an even length: two amounts (before, after) per dimension, last dim first")
    return pads


def pad(args: Args, shape: Shape) -> Built:
    """F.pad(input, pad, mode='constant', value=None): the input padded; negative amounts crop.

    `pad` pads the last len(pad) / 2 dims, last dim first, as the padding modules do.

    Args:
        pad (tuple of int): (left, right, top, bottom, front, back...), last dim first.
        mode (str): 'constant', 'reflect', 'replicate' or 'circular'.
        value (float, optional): the fill value of constant padding (the other modes take none, or 0).
    """
    pads = pad_amounts(args)
    mode = str(exact_choice(args, "mode", PAD_MODES))
    if args["value"] is not None and (args.number("value") != 0 and mode != "constant"):
        raise args.error("value", "None or 0", hint=f"padding mode {mode!r} takes no fill value")
    return Built(padded(args, shape, pads, mode, "pad"))


def pad_window(args: Args, shape: Shape) -> Window:
    return pad_shift(pad_amounts(args), len(shape))


own(
    "Interpolate",
    Signature(
        (
            ("size", None),
            ("scale_factor", None),
            ("mode", "nearest"),
            ("align_corners", None),
            ("recompute_scale_factor", None),
            ("antialias", False),
        )
    ),
    interpolate,
    Family.UPSAMPLING,
    macs=macs.interpolation,
    code=Code(
        "torch.nn.functional.interpolate({0}{+size}{+scale_factor}{+mode}{+align_corners}{+recompute_scale_factor}{+antialias})"
    ),
)
PAD = Code("torch.nn.functional.pad({0}, {pad}{+mode}{+value})")
own(
    "Pad", Signature((("pad", REQUIRED), ("mode", "constant"), ("value", None))), pad, Family.PADDING, window=pad_window, code=PAD
)
