"""A sliding window as every analysis reads it: which spatial axes it slides along, how wide it
is, how far it steps and how much it pads before each axis. Framework vocabularies read their
own arguments into one (frameworks/*: each layer type's `window`)."""

from __future__ import annotations

from convcalc.ops.conv import Padding, effective_kernel, padding_sides
from convcalc.ops.tensor import Shape
from convcalc.record import Record


class Window(Record):
    """A window sliding along some axes of a layer's input: per axis its kernel, stride and
    dilation, and the padding before and after the axis (negative crops; None where it depends on
    an unknown length)."""

    __slots__ = ("axes", "kernel", "stride", "dilation", "before", "after", "_span")

    axes: tuple[int, ...]
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    before: tuple[int | None, ...]
    after: tuple[int | None, ...]

    def __init__(
        self,
        axes: tuple[int, ...],
        kernel: tuple[int, ...],
        stride: tuple[int, ...],
        dilation: tuple[int, ...],
        before: tuple[int | None, ...],
        after: tuple[int | None, ...],
    ) -> None:
        self.axes = axes
        self.kernel = kernel
        self.stride = stride
        self.dilation = dilation
        self.before = before
        self.after = after
        self._span = tuple(effective_kernel(k, d) for k, d in zip(kernel, dilation))

    @property
    def span(self) -> tuple[int, ...]:
        """The positions each window covers, dilation included."""
        return self._span


def sliding(
    shape: Shape,
    axes: tuple[int, ...],
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    padding: Padding | tuple[int, ...],
) -> Window:
    """The Window of a kernel sliding over `axes` of `shape`: `padding` is one amount per axis,
    or a Keras/PyTorch string ("valid", "same", "causal"), read by ops/conv.py padding_sides.

    >>> sliding((None, 224, 224, 3), (1, 2), (3, 3), (2, 2), (1, 1), "same").after
    (1, 1)
    """
    sides = []
    for i, (axis, k, s, d) in enumerate(zip(axes, kernel, stride, dilation)):
        amount = padding[i] if isinstance(padding, tuple) else padding
        sides.append(padding_sides(shape[axis], k, s, amount, d) or (None, None))
    return Window(axes, kernel, stride, dilation, tuple(b for b, _ in sides), tuple(a for _, a in sides))


def shift(axes: tuple[int, ...], before: tuple[int, ...], after: tuple[int, ...]) -> Window:
    """Padding (positive amounts) or cropping (negative) without a window: kernel and stride 1."""
    ones = (1,) * len(axes)
    return Window(axes, ones, ones, ones, before, after)


class Axes(Record):
    """How a layer maps its input's axes onto its output's: for each output axis the input axis
    it carries (None for a new one), and the input axes along which it mixes or picks values
    (positions along them no longer correspond to the input's)."""

    __slots__ = ("source", "mixed")

    source: tuple[int | None, ...]
    mixed: tuple[int, ...]

    def __init__(self, source: tuple[int | None, ...], mixed: tuple[int, ...] = ()) -> None:
        self.source = source
        self.mixed = mixed


def mixing(rank: int, *axes: int) -> Axes:
    """Every axis kept in place, values mixed along `axes` (Dense's last axis, GLU's halves).

    >>> mixing(4, 3)
    Axes(source=(0, 1, 2, 3), mixed=(3,))
    """
    return Axes(tuple(range(rank)), tuple(a % rank for a in axes))


def dropping(rank: int, axis: int) -> Axes:
    """`axis` taken out (torch.select, `x[:, 0]`): the axes after it move up one.

    >>> dropping(4, 1)
    Axes(source=(0, 2, 3), mixed=(1,))
    """
    axis %= rank
    return Axes(tuple(a for a in range(rank) if a != axis), (axis,))
