"""Axes and groups of normalization layers, shared by every framework's vocabulary.

Axes here count the batch dimension as axis 0, as both Keras and PyTorch do; negative axes
count from the end, as in Python.
"""

from __future__ import annotations

from convcalc.errors import LayerError
from convcalc.ops.layout import format_shape


def resolve_axes(axes: tuple[int, ...], ndim: int, argument: str = "axis") -> tuple[int, ...]:
    """`axes` as non-negative indices into a tensor of `ndim` dimensions, in the order given;
    an axis outside [-ndim, ndim) or named twice is a LayerError (Keras's normalization
    layers: "Axis ... is out of bounds for input shape", and torch's "dim ... appears multiple
    times in the list of dims" when such a layer runs).

    >>> resolve_axes((-1, 1), 4)
    (3, 1)
    >>> resolve_axes((4,), 4)
    Traceback (most recent call last):
    ...
    convcalc.errors.LayerError: axis 4 is out of range for an input of 4 dimensions (batch included)
    """
    found: list[int] = []
    for axis in axes:
        if not -ndim <= axis < ndim:
            raise LayerError(
                f"{argument} {axis} is out of range for an input of {ndim} dimensions (batch included)",
                hint=f"use an axis from {-ndim} to {ndim - 1}",
                argument=argument,
                code="CC200",
            )
        index = axis % ndim
        if index in found:
            raise LayerError(
                f"{argument} {format_shape(axes)} names the input axis {index} twice",
                argument=argument,
                code="CC105",
            )
        found.append(index)
    return tuple(found)


def check_groups(channels: int, groups: int, argument: str = "groups") -> None:
    """Group normalization splits the channels into equal groups: `groups` must divide
    `channels` (keras/src/layers/normalization/group_normalization.py `build`; torch.nn.GroupNorm
    "num_channels must be divisible by num_groups").

    >>> check_groups(6, 3)
    >>> check_groups(6, 4)
    Traceback (most recent call last):
    ...
    convcalc.errors.LayerError: groups=4 does not divide the 6 channels into equal groups
    """
    if groups > channels or channels % groups:
        divisors = [str(g) for g in range(1, min(channels, 64) + 1) if channels % g == 0]
        raise LayerError(
            f"{argument}={groups} does not divide the {channels} channels into equal groups",
            hint=f"use a divisor of {channels}: {', '.join(divisors)}" + (", ..." if channels > 64 else ""),
            argument=argument,
            code="CC200",
        )
