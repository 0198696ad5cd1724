"""Axis arguments, and the shapes of the tensor operations that take some: reductions (torch.mean,
keras.ops.mean...), squeeze, unsqueeze and expand_dims, expand, repeat, permutations, chunk and split.

Shapes here include every axis, batch first (None where a size is unknown), as torch's tensor
methods and keras.ops count them; each framework reads its own arguments into the axes these
functions take, and words its own conventions (torch's dim=() reduces every axis, Keras's keeps
them all).
"""

from __future__ import annotations

from convcalc.errors import LayerError
from convcalc.ops.layout import format_shape
from convcalc.ops.tensor import Shape, is_number


def axis_index(axis: int, rank: int, argument: str = "dim") -> int:
    """`axis` (negative counts from the end) as an index into a `rank`-D shape, or a LayerError
    as torch's "Dimension out of range" and Keras's "axis is out of bounds".

    >>> axis_index(-1, 4), axis_index(2, 4)
    (3, 2)
    >>> axis_index(4, 4)
    Traceback (most recent call last):
    ...
    convcalc.errors.LayerError: dim 4 is out of range for a 4-D input (expected -4 to 3)
    """
    if not -rank <= axis < rank:
        raise LayerError(
            f"{argument} {axis} is out of range for a {rank}-D input (expected {-rank} to {rank - 1})",
            argument=argument,
            code="CC200",
        )
    return axis % rank


def axis_indices(axes: tuple[int, ...], rank: int, argument: str = "dim") -> tuple[int, ...]:
    """Each of `axes` as an index; an axis named twice is an error, as torch says ("dim 1 appears
    multiple times in the list of dims"; Keras's symbolic shape accepts it, its call does not).

    >>> axis_indices((1, -1), 4)
    (1, 3)
    >>> axis_indices((1, -3), 4)
    Traceback (most recent call last):
    ...
    convcalc.errors.LayerError: dim (1, -3) names axis 1 twice
    """
    found = tuple(axis_index(a, rank, argument) for a in axes)
    for i, axis in enumerate(found):
        if axis in found[:i]:
            raise LayerError(f"{argument} {format_shape(axes)} names axis {axis} twice", argument=argument, code="CC200")
    return found


def reordered(shape: Shape, order: tuple[int, ...], argument: str = "dims") -> tuple[Shape, tuple[int, ...]]:
    """`shape` with output axis i taken from input axis order[i] (torch.permute, keras.ops.transpose;
    negative axes count from the end): the new shape, and `order` as indices. Every axis must be
    named exactly once.

    >>> reordered((2, 3, 4, 5), (0, 2, 3, 1))
    ((2, 4, 5, 3), (0, 2, 3, 1))
    >>> reordered((2, 3, 4), (0, -1, 1))[0]
    (2, 4, 3)
    >>> reordered((2, 3, 4), (0, 1))
    Traceback (most recent call last):
    ...
    convcalc.errors.LayerError: dims (0, 1) orders 2 axes but the input (2, 3, 4) has 3
    """
    rank = len(shape)
    if len(order) != rank:
        raise LayerError(
            f"{argument} {format_shape(order)} orders {len(order)} axes but the input {format_shape(shape)} has {rank}",
            hint=f"name each of the {rank} axes once",
            argument=argument,
            code="CC200",
        )
    indices = axis_indices(order, rank, argument)
    return tuple(shape[i] for i in indices), indices


def reduced(shape: Shape, axes: tuple[int, ...], keep: bool) -> Shape:
    """`shape` after reducing over `axes` (indices): they become 1 (keep) or disappear.

    >>> reduced((2, 3, 4, 5), (2, 3), keep=True), reduced((2, 3, 4, 5), (2, 3), keep=False)
    ((2, 3, 1, 1), (2, 3))
    """
    if keep:
        return tuple(1 if i in axes else n for i, n in enumerate(shape))
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def squeezed(shape: Shape, axes: tuple[int, ...] | None, strict: bool, argument: str = "dim") -> tuple[Shape, tuple[int, ...]]:
    """`shape` without its size-1 axes among `axes` (indices; None: every axis), and the axes
    removed. torch leaves a named axis of another size in place; Keras (`strict`) refuses it
    ("Cannot squeeze axis 2, because the dimension is not 1"). Without `axes`, an unknown size
    (None) stays, as Keras's symbolic shape keeps it; a named one is an error: whether it goes
    depends on a size convcalc does not know.

    >>> squeezed((2, 1, 3, 1), None, strict=False)
    ((2, 3), (1, 3))
    >>> squeezed((2, 1, 3, 1), (1, 2), strict=False)
    ((2, 3, 1), (1,))
    """
    if axes is None:
        removed = tuple(i for i, n in enumerate(shape) if n == 1)
    else:
        for axis in axes:
            size = shape[axis]
            if size is None:
                raise LayerError(
                    f"{argument} {axis} has an unknown size (None): it is removed only if it is 1",
                    hint="give the size in the spec (batch:, input:)",
                    argument=argument,
                    code="CC200",
                )
            if size != 1 and strict:
                raise LayerError(
                    f"cannot squeeze axis {axis}, of size {size}: only an axis of size 1 can go",
                    argument=argument,
                    code="CC200",
                )
        removed = tuple(a for a in axes if shape[a] == 1)
    return tuple(n for i, n in enumerate(shape) if i not in removed), removed


def inserted(shape: Shape, axes: tuple[int, ...], argument: str = "dim") -> tuple[Shape, tuple[int, ...]]:
    """`shape` with a new axis of size 1 at each of `axes`, counted in the output (torch.unsqueeze,
    keras.ops.expand_dims: negative axes count from the output's end), and the new axes' indices.

    >>> inserted((2, 3), (1,)), inserted((2, 3), (-1,)), inserted((2, 3), (0, 2))
    (((2, 1, 3), (1,)), ((2, 3, 1), (2,)), ((1, 2, 1, 3), (0, 2)))
    """
    rank = len(shape) + len(axes)
    new = axis_indices(axes, rank, argument)
    rest = iter(shape)
    return tuple(1 if i in new else next(rest) for i in range(rank)), tuple(sorted(new))


def expanded(shape: Shape, sizes: tuple[int | None, ...], argument: str = "size") -> Shape:
    """`shape` expanded to `sizes` (Tensor.expand, torch.broadcast_to): an axis of size 1 may
    grow, -1 keeps an axis, new axes may be added in front (not as -1); any other size must be
    the axis's own (aten's infer_size: "The expanded size of the tensor (6) must match the
    existing size (5) at non-singleton dimension 2"). A size None is unknown until run time
    (`x.expand(n, -1, -1)` with `n` an unknown batch).

    >>> expanded((2, 1, 5), (3, 2, 4, -1)), expanded((1, 1, 5), (None, -1, -1))
    ((3, 2, 4, 5), (None, 1, 5))
    >>> expanded((2, 1, 5), (2, 4, 6))
    Traceback (most recent call last):
    ...
    convcalc.errors.LayerError: size (2, 4, 6) cannot expand dim 2 of (2, 1, 5): it is 5, not 1
    """
    lead = len(sizes) - len(shape)
    if lead < 0:
        raise LayerError(
            f"{argument} {format_shape(sizes)} has {len(sizes)} sizes, fewer than the input {format_shape(shape)} has axes",
            argument=argument,
            code="CC200",
        )
    out: list[int | None] = []
    for i, size in enumerate(sizes):
        if size is not None and (size < -1 or size == 0):
            raise LayerError(f"{argument} {format_shape(sizes)} has the size {size}", argument=argument, code="CC105")
        if i < lead:
            if size == -1:
                raise LayerError(
                    f"{argument} {format_shape(sizes)}: -1 cannot size the new leading dim {i}",
                    hint="-1 keeps an existing dim; a new one needs its size",
                    argument=argument,
                    code="CC200",
                )
            out.append(size)
            continue
        current = shape[i - lead]
        if size == -1 or size == current:
            out.append(current)
        elif current in (1, None):
            out.append(size)  # an unknown size must be 1 (or the same) for torch to run it
        else:
            raise LayerError(
                f"{argument} {format_shape(sizes)} cannot expand dim {i - lead} of {format_shape(shape)}: it is {current}, not 1",
                hint="only a dim of size 1 can grow; write -1 to keep one",
                argument=argument,
                code="CC200",
            )
    return tuple(out)


def repeated(shape: Shape, repeats: tuple[int | None, ...], argument: str = "sizes") -> Shape:
    """`shape` repeated `repeats` times along each axis (Tensor.repeat; torch.tile once its
    dims are padded): extra leading repeats add axes in front, and each size is multiplied (an
    unknown size stays unknown, and so does a size repeated an unknown number of times: a count
    read from the batch, ViT's `cls_token.repeat(x.shape[0], 1, 1)`). Fewer repeats than axes is
    torch's "Number of dimensions of repeat dims can not be smaller than number of dimensions of
    tensor"; a repeat of 0 makes an empty tensor, which convcalc refuses.

    >>> repeated((2, 3, 4), (2, 1, 3)), repeated((None, 3), (2, 1, 2)), repeated((1, 1, 8), (None, 1, 1))
    ((4, 3, 12), (2, None, 6), (None, 1, 8))
    >>> repeated((2, 3, 4), (2, 2))
    Traceback (most recent call last):
    ...
    convcalc.errors.LayerError: sizes (2, 2) has 2 repeats, fewer than the input (2, 3, 4) has axes
    """
    lead = len(repeats) - len(shape)
    if lead < 0:
        raise LayerError(
            f"{argument} {format_shape(repeats)} has {len(repeats)} repeats, fewer than the input {format_shape(shape)} has axes",
            hint="give a repeat for each axis, batch included (1 keeps an axis)",
            argument=argument,
            code="CC200",
        )
    for count in repeats:
        if count is None:
            continue
        if count < 0:
            raise LayerError(f"{argument} {format_shape(repeats)} has the repeat {count}", argument=argument, code="CC105")
        if count == 0:
            raise LayerError(
                f"{argument} {format_shape(repeats)} repeats an axis 0 times",
                hint="torch would return an empty tensor",
                argument=argument,
                code="CC200",
            )
    kept = tuple(None if n is None or r is None else n * r for n, r in zip(shape, repeats[lead:], strict=True))
    return repeats[:lead] + kept


def chunk_sizes(size: int, chunks: int) -> tuple[int, ...]:
    """torch.chunk's pieces of an axis of `size`: each ceil(size / chunks) long, the last one
    shorter, and fewer than `chunks` when that division leaves nothing for the last ones
    (aten's chunk: split with split_size = ceil(size / chunks)).

    >>> chunk_sizes(6, 4), chunk_sizes(5, 2), chunk_sizes(6, 3), chunk_sizes(2, 5)
    ((2, 2, 2), (3, 2), (2, 2, 2), (1, 1))
    """
    return split_sizes(size, -(-size // chunks))


MAX_PIECES = 100_000
"""Pieces of one split: each is an output its row carries; beyond this, a mistake, not a network."""


def split_sizes(size: int, step: int) -> tuple[int, ...]:
    """torch.split's pieces of an axis of `size` into pieces of `step`, the last shorter.

    >>> split_sizes(6, 4), split_sizes(6, 6), split_sizes(6, 10)
    ((4, 2), (6,), (6,))
    """
    whole, rest = divmod(size, step)
    count = whole + bool(rest)
    if count > MAX_PIECES:
        raise LayerError(
            f"cutting {size:,} into pieces of {step:,} makes {count:,} pieces, more than convcalc's bound of {MAX_PIECES:,}",
            code="CC200",
        )
    return (step,) * whole + ((rest,) if rest else ())


def pieces(shape: Shape, axis: int, sizes: tuple[int, ...]) -> tuple[Shape, ...]:
    """The shapes of `shape` cut along `axis` into pieces of `sizes`.

    >>> pieces((2, 6, 5), 1, (4, 2))
    ((2, 4, 5), (2, 2, 5))
    """
    return tuple(shape[:axis] + (n,) + shape[axis + 1 :] for n in sizes)


def sliced(size: int | None, start: int | None, end: int | None, step: int) -> range | None:
    """The positions `x[start:end:step]` keeps of an axis of `size` (aten.slice, which clamps as
    Python's slices do: a negative bound counts from the end, a bound past an end stops there),
    or None when the size is unknown.

    >>> len(sliced(7, 0, None, 2)), len(sliced(7, 1, None, 2)), len(sliced(56, None, 32, 1))
    (4, 3, 32)
    >>> sliced(5, -10, 100, 1), sliced(5, 4, 1, 1), sliced(None, 0, 3, 1)
    (range(0, 5), range(4, 1), None)
    """
    if size is None:
        return None
    return range(*slice(start, end, step).indices(size))


def slice_span(size: int | None, start: int | None, end: int | None, step: int) -> tuple[int, int] | None:
    """The first position `x[start:end:step]` keeps of an axis of `size` and how many it keeps,
    as `sliced` counts them; written with comparisons and arithmetic only, so that a size or a
    bound that is a formula of the input's symbols (Swin's `x[:, :H]` after padding to a
    multiple of the window) gives a formula, each comparison a guard.

    >>> slice_span(7, 1, None, 2), slice_span(56, None, 32, 1), slice_span(5, -10, 100, 1), slice_span(5, 4, 1, 1)
    ((1, 3), (0, 32), (0, 5), (4, 0))
    """
    if size is None:
        return None
    if is_number(size) and (start is None or is_number(start)) and (end is None or is_number(end)):
        kept = range(*slice(start, end, step).indices(size))
        return kept.start, len(kept)
    first = _clamped(start, 0, size)
    stop = _clamped(end, size, size)
    return first, (stop - first + step - 1) // step if stop > first else 0


def _clamped(bound: int | None, default: int, size: int) -> int:
    """A slice bound as Python clamps it: from the end when negative, within 0 .. size."""
    if bound is None:
        return default
    if bound < 0:
        return bound + size if bound + size > 0 else 0
    return bound if bound < size else size


def gathered(shape: Shape, index: Shape, axis: int = 0) -> Shape:
    """`x[index]` with an integer tensor `index` (aten.index on dim 0), or `x[:, index]` along
    `axis` (LeViT's `attention_biases[:, attention_bias_idxs]`): a slice of `x` for each of the
    index's values, so the sizes of `x` before the axis, the index's shape, then those after it
    (one tensor index among whole slices: numpy's and torch's advanced indexing).

    >>> gathered((169, 3), (2401,)), gathered((10, 4), (2, 5)), gathered((4, 196), (196, 196), 1)
    ((2401, 3), (2, 5, 4), (4, 196, 196))
    """
    if not shape:
        raise LayerError("too many indices for a tensor of dimension 0", hint="index a tensor of at least one dim", code="CC200")
    at = axis_index(axis, len(shape))
    return shape[:at] + index + shape[at + 1 :]
