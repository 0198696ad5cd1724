"""Rearranging a tensor's dimensions without touching its values: reshape, permute, flatten.

Shapes here are what the caller hands over: without the batch dimension for Keras's layers,
with it for torch.reshape and Tensor.view (frameworks/pytorch/functions.py); None is a size
unknown until run time.
"""

from __future__ import annotations

from math import prod

from convcalc.errors import LayerError
from convcalc.ops.layout import format_shape
from convcalc.ops.tensor import Shape, all_known


def flattened(dims: Shape) -> int | None:
    """The size of all `dims` as one axis: their product, unknown if any is unknown, 1 for no
    dimensions at all (keras/src/layers/reshaping/flatten.py `compute_output_shape`).

    >>> flattened((7, 5, 3)), flattened((7, None)), flattened(())
    (105, None, 1)
    """
    return prod(dims) if all_known(dims) else None


def _check_target(target: tuple[int | None, ...], argument: str) -> None:
    """Each size positive, or -1 for the one to infer (None: unknown)."""
    for dim in target:
        if dim is not None and dim < -1:
            raise LayerError(
                f"{argument} sizes must be positive, or -1 for one size to infer, found {dim}",
                argument=argument,
                code="CC105",
            )
        if dim == 0:
            raise LayerError(f"{argument} {format_shape(target)} has a zero size", argument=argument, code="CC105")
    if target.count(-1) > 1:
        raise LayerError(
            f"{argument} {format_shape(target)} has more than one -1; only one size can be inferred",
            argument=argument,
            code="CC105",
        )


def reshaped(dims: Shape, target: tuple[int | None, ...], argument: str = "target_shape") -> Shape:
    """`dims` viewed as `target`, where one -1 stands for "whatever is left", as numpy,
    torch.reshape and Keras's `compute_reshape_output_shape` (keras/src/ops/operation_utils.py)
    resolve it: the total size must be unchanged.

    When a size is unknown on either side (None), nothing can be checked: Keras then keeps the
    target as written, with the -1 unknown. A zero size is rejected: it would leave an empty
    tensor (Keras rejects it against any known input, since inputs are never empty).

    >>> reshaped((7, 5, 3), (-1, 3)), reshaped((7, None, 3), (-1, 3)), reshaped((1,), ())
    ((35, 3), (None, 3), ())
    >>> reshaped((7, 5, 3), (4, -1))
    Traceback (most recent call last):
    ...
    convcalc.errors.LayerError: the input's 105 values cannot be divided into target_shape (4, -1): 105 is not a multiple of 4
    """
    _check_target(target, argument)
    if not all_known(dims) or not all_known(target):
        return tuple(None if d == -1 else d for d in target)
    size = prod(dims)
    known = prod(d for d in target if d != -1)
    if -1 not in target:
        if known != size:
            raise LayerError(
                f"the input {format_shape(dims)} has {size} values but {argument} {format_shape(target)} holds {known}",
                hint="the total size must stay the same; write -1 for one size to infer it",
                argument=argument,
                code="CC201",
            )
        return target
    if size % known:
        raise LayerError(
            f"the input's {size} values cannot be divided into {argument} {format_shape(target)}: "
            f"{size} is not a multiple of {known}",
            argument=argument,
            code="CC201",
        )
    return tuple(size // known if d == -1 else d for d in target)


def reshaped_by_batch(dims: Shape, target: tuple[int | None, ...], argument: str = "shape") -> Shape:
    """torch.reshape and Tensor.view where the batch is unknown and the target writes it as the
    forward reads it (`n = x.shape[0]; x.reshape(n, 768, -1)`): each side's one None is the same
    size n, so the others are checked, and the -1 worked out, as at any batch. Otherwise as
    `reshaped`.

    >>> reshaped_by_batch((None, 768, 14, 14), (None, 768, -1))
    (None, 768, 196)
    >>> reshaped_by_batch((None, 12), (None, 5, 3))
    Traceback (most recent call last):
    ...
    convcalc.errors.LayerError: the input (None, 12) has 12 values per batch row but shape (None, 5, 3) holds 15
    """
    if dims.count(None) != 1 or target.count(None) != 1:
        return reshaped(dims, target, argument)
    _check_target(target, argument)
    size = prod(d for d in dims if d is not None)
    known = prod(d for d in target if d is not None and d != -1)
    if -1 in target and size % known == 0:
        return tuple(size // known if d == -1 else d for d in target)
    if -1 in target:
        raise LayerError(
            f"the input's {size} values per batch row cannot be divided into {argument} {format_shape(target)}: "
            f"{size} is not a multiple of {known}",
            argument=argument,
            code="CC201",
        )
    if known != size:
        raise LayerError(
            f"the input {format_shape(dims)} has {size} values per batch row but {argument} {format_shape(target)} holds {known}",
            hint="the total size must stay the same; write -1 for one size to infer it",
            argument=argument,
            code="CC201",
        )
    return target


def permuted(dims: Shape, order: tuple[int, ...], base: int = 0, argument: str = "dims") -> Shape:
    """`dims` reordered so that output axis i is input axis order[i]; `order` counts from
    `base` (Keras's Permute counts from 1, leaving out the batch axis) and must name every
    axis exactly once.

    >>> permuted((7, 5, 3), (2, 1, 3), base=1)
    (5, 7, 3)
    >>> permuted((7, 5), (0, 0))
    Traceback (most recent call last):
    ...
    convcalc.errors.LayerError: dims (0, 0) is not a permutation of 0..1
    """
    last = base + len(order) - 1
    if sorted(order) != list(range(base, last + 1)):
        raise LayerError(
            f"{argument} {format_shape(order)} is not a permutation of {base}..{last}",
            hint=f"name each axis {base}..{last} exactly once",
            argument=argument,
            code="CC105",
        )
    if len(order) != len(dims):
        raise LayerError(
            f"{argument} {format_shape(order)} reorders {len(order)} axes but the input has {len(dims)}",
            argument=argument,
            code="CC201",
        )
    return tuple(dims[i - base] for i in order)
