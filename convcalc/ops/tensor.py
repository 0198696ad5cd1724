"""What a layer's arithmetic produces: shapes and weights, framework-neutral."""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import TypeGuard

Shape = tuple[int | None, ...]
"""A tensor's shape, batch dimension first; None where the size is unknown."""


def all_known(sizes: tuple[int | None, ...]) -> TypeGuard[tuple[int, ...]]:
    """True when no size is unknown (None): then `sizes` can be multiplied or added.

    >>> all_known((7, 5, 3)), all_known((7, None))
    (True, False)
    """
    return None not in sizes


@dataclass(frozen=True)
class Weight:
    """One weight tensor of a layer, named and shaped as the framework holds it."""

    name: str
    shape: tuple[int, ...]
    trainable: bool = True
    shared: bool = False  # another layer holds it (tied or reused weights): counted there, once

    @property
    def size(self) -> int:
        return prod(self.shape)


@dataclass(frozen=True)
class Built:
    """What one layer's arithmetic returns: its output shape and the weights it creates."""

    output_shape: Shape
    weights: tuple[Weight, ...] = ()
    extra_outputs: tuple[Shape, ...] = ()  # an LSTM's states, attention scores: `name[1]`, `name[2]`

    @property
    def outputs(self) -> tuple[Shape, ...]:
        return (self.output_shape, *self.extra_outputs)
