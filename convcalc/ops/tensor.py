"""What a layer's arithmetic produces: shapes and weights, framework-neutral."""

from __future__ import annotations

from math import prod
from typing import TypeGuard

from convcalc.record import Record

Shape = tuple[int | None, ...]
"""A tensor's shape, batch dimension first; None where the size is unknown."""


def all_known(sizes: tuple[int | None, ...]) -> TypeGuard[tuple[int, ...]]:
    """True when no size is unknown (None): then `sizes` can be multiplied or added.

    >>> all_known((7, 5, 3)), all_known((7, None))
    (True, False)
    """
    return None not in sizes


def is_number(value: object) -> bool:
    """Whether a size is a number (an int), not a formula of the input's symbols
    (convcalc.symbolic.size.Size, which computes like an int but has no one value).

    >>> is_number(7), is_number(None)
    (True, False)
    """
    return type(value) is int


def integral(value: object) -> bool:
    """Whether a value is a whole number as a size: an int (not a bool), or a formula of the
    input's symbols (convcalc.symbolic.size.Size: what `shape(x)[2]` reads on an input [H, W]).

    >>> integral(3), integral(True), integral(2.0)
    (True, False, False)
    """
    kind = type(value)
    return kind is int or (kind.__name__ == "Size" and kind.__module__ == "convcalc.symbolic.size")


def at_hint(value: int | float | None) -> int | float | None:
    """A number as it is; a formula's value at the sizes its run was computed at (its hint):
    what a share or a bar of a symbolic report is drawn from."""
    if value is None or type(value) in (int, float):
        return value
    return getattr(value, "hint", value)


class Weight(Record):
    """One weight tensor of a layer, named and shaped as the framework holds it."""

    __slots__ = ("name", "shape", "trainable", "shared", "_size")

    name: str
    shape: tuple[int, ...]
    trainable: bool
    shared: bool  # another layer holds it (tied or reused weights): counted there, once

    def __init__(self, name: str, shape: tuple[int, ...], trainable: bool = True, shared: bool = False) -> None:
        self.name = name
        self.shape = shape
        self.trainable = trainable
        self.shared = shared
        self._size = prod(shape)

    @property
    def size(self) -> int:
        """Its number of elements (computed once: every count reads it)."""
        return self._size


class Built(Record):
    """What one layer's arithmetic returns: its output shape and the weights it creates."""

    __slots__ = ("output_shape", "weights", "extra_outputs")

    output_shape: Shape
    weights: tuple[Weight, ...]
    extra_outputs: tuple[Shape, ...]  # an LSTM's states, attention scores: `name[1]`, `name[2]`

    def __init__(self, output_shape: Shape, weights: tuple[Weight, ...] = (), extra_outputs: tuple[Shape, ...] = ()) -> None:
        self.output_shape = output_shape
        self.weights = weights
        self.extra_outputs = extra_outputs

    @property
    def outputs(self) -> tuple[Shape, ...]:
        return (self.output_shape, *self.extra_outputs)
