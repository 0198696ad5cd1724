"""Where channels sit in a tensor: Keras is channels_last, PyTorch channels_first."""

from __future__ import annotations

from convcalc.errors import LayerError
from convcalc.ops.tensor import Shape
from convcalc.record import Record


class Layout(Record):
    """Where the channel axis stands: last (Keras's default) or first (PyTorch)."""

    __slots__ = ("channels_last",)

    channels_last: bool

    def __init__(self, channels_last: bool) -> None:
        self.channels_last = channels_last

    def split(self, shape: Shape, rank: int, what: str) -> tuple[int | None, tuple[int | None, ...], int | None]:
        """(batch, spatial sizes, channels) of a `rank`-D feature map, or a LayerError."""
        if len(shape) != rank + 2:
            order = "(batch, *spatial, channels)" if self.channels_last else "(batch, channels, *spatial)"
            raise LayerError(
                f"{what} expects a {rank + 2}-D input {order}, found the {len(shape)}-D shape {format_shape(shape)}",
                code="CC200",
            )
        if self.channels_last:
            return shape[0], tuple(shape[1:-1]), shape[-1]
        return shape[0], tuple(shape[2:]), shape[1]

    def join(self, batch: int | None, spatial: tuple[int | None, ...], channels: int | None) -> Shape:
        if self.channels_last:
            return (batch, *spatial, channels)
        return (batch, channels, *spatial)


CHANNELS_LAST = Layout(channels_last=True)
CHANNELS_FIRST = Layout(channels_last=False)


def format_shape(shape: Shape) -> str:
    """Shapes as Keras prints them.

    >>> format_shape((None, 26, 26, 32))
    '(None, 26, 26, 32)'
    >>> format_shape((None, 10))
    '(None, 10)'
    """
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
