"""Explicit padding along one axis: how long the axis becomes, and what each mode allows.

Negative amounts crop. The modes are PyTorch's `F.pad` modes (torch/nn/functional.py `pad`,
aten/src/ATen/native/PadNd.cpp, ReflectionPad.cpp, ReplicationPadding.cpp); "constant" is
plain zero (or value) padding as Keras's ZeroPadding layers do it.
"""

from __future__ import annotations

from typing import overload

from convcalc.errors import LayerError

MODES = ("constant", "reflect", "replicate", "circular")


@overload
def padded_length(length: int, before: int, after: int, mode: str = "constant") -> int: ...
@overload
def padded_length(length: int | None, before: int, after: int, mode: str = "constant") -> int | None: ...
def padded_length(length: int | None, before: int, after: int, mode: str = "constant") -> int | None:
    """L + before + after, or a LayerError when `mode` cannot pad that much or the result is empty.

    reflect mirrors the axis without repeating its edge, so each side must be shorter than
    the axis ("Padding size should be less than the corresponding input dimension");
    circular wraps around at most once (each side at most the axis length, cropping included);
    constant padding crops first, so the crops alone must not exceed the axis
    (ZeroPad1d((5, -3)) on 1 position fails although 1 + 5 - 3 > 0).

    >>> padded_length(5, 1, 2), padded_length(5, -1, -2), padded_length(3, 2, 2, "reflect")
    (8, 2, 7)
    >>> padded_length(3, 3, 0, "reflect")
    Traceback (most recent call last):
    ...
    convcalc.errors.LayerError: reflect padding (3, 0) must be smaller than the size 3 it pads
    """
    if length is None:
        return None
    if mode == "reflect" and max(before, after) >= length:
        raise LayerError(
            f"reflect padding ({before}, {after}) must be smaller than the size {length} it pads",
            hint="reflection cannot reach further than the input's last element",
            code="CC200",
        )
    if mode == "circular" and max(abs(before), abs(after)) > length:
        raise LayerError(
            f"circular padding ({before}, {after}) wraps around more than once around the size {length}",
            hint=f"each side may be at most {length}",
            code="CC200",
        )
    if mode == "constant" and length + min(before, 0) + min(after, 0) < 0:
        raise LayerError(
            f"padding ({before}, {after}) crops more than the size {length}",
            hint="a negative amount crops; crop less",
            code="CC200",
        )
    out = length + before + after
    if out < 1:
        raise LayerError(
            f"padding ({before}, {after}) leaves nothing of the size {length}: the result would be {out}",
            hint="a negative amount crops; crop less",
            code="CC200",
        )
    return out
