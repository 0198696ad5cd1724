"""Sliding blocks taken apart and put back: torch.nn.Unfold and Fold (torch/nn/modules/fold.py;
aten's im2col and col2im, whose checks are im2col_shape_check.h), and MaxUnpool1d/2d/3d, the
inverse of a max pool (torch/nn/modules/pooling.py, F.max_unpool*d and _unpool_output_size).

- Unfold(kernel_size, dilation, padding, stride): (N, C, H, W) or an unbatched (C, H, W) ->
  (N, C x kh x kw, L), L the number of blocks, as many as a convolution's output positions.
- Fold(output_size, kernel_size, ...): (N, C x kh x kw, L) or (C x kh x kw, L) -> (N, C, *output_size);
  L must be the number of blocks output_size holds, and the second dim divide by kh x kw.
- MaxUnpool: the inputs [input, indices], indices as the max pool's `name[1]` gives them
  (return_indices=True), each axis growing to (in - 1) x stride + kernel - 2 x padding; a third
  input stands for forward's `output_size=other.size()` (SegNet's decoder), its sizes within
  one stride of that default.

None has parameters and fvcore counts none of im2col, col2im, max_unpool (0 MACs). Receptive
fields end at each: Unfold flattens the blocks into L and their positions into channels
(rearranges), Fold and MaxUnpool spread each input value over output positions.
"""

from __future__ import annotations

from math import prod

from convcalc.errors import LayerError
from convcalc.frameworks.base import Build, Code, Family, LayerType, Positions
from convcalc.frameworks.pytorch.layers import rank_error, torch_type
from convcalc.ops import macs
from convcalc.ops.conv import conv_output_length
from convcalc.ops.layout import format_shape
from convcalc.ops.tensor import Built, Shape, all_known
from convcalc.signature import Args

TYPES: list[LayerType] = []


def block_arguments(args: Args) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """kernel_size, dilation, padding and stride, each an int or a pair (F.fold's _pair):
    "kernel size should be greater than zero", "padding should be non-negative"..."""
    return (
        args.ints("kernel_size", 2),
        args.ints("dilation", 2),
        args.ints("padding", 2, minimum=0),
        args.ints("stride", 2),
    )


def blocks(
    sizes: Shape, kernel: tuple[int, ...], dilation: tuple[int, ...], padding: tuple[int, ...], stride: tuple[int, ...]
) -> tuple[int | None, ...]:
    """How many blocks fit along each axis: a convolution's output length."""
    found = []
    for n, k, d, p, s in zip(sizes, kernel, dilation, padding, stride):
        try:
            found.append(conv_output_length(n, k, s, p, d))
        except LayerError:
            found.append(0)
    if any(b is not None and b < 1 for b in found):
        raise LayerError(
            f"the blocks of kernel_size {kernel} (dilation {dilation}, padding {padding}, stride {stride}) "
            f"do not fit in {format_shape(sizes)}: {format_shape(tuple(found))}",
            hint="use a smaller kernel_size or dilation, or more padding",
            argument="kernel_size",
            code="CC200",
        )
    return tuple(found)


def unfold(args: Args, shape: Shape) -> Built:
    kernel, dilation, padding, stride = block_arguments(args)
    if len(shape) not in (3, 4):
        raise rank_error(args, shape, "a 4-D input (batch, channels, height, width) or an unbatched 3-D one")
    *lead, channels, height, width = shape
    counts = blocks((height, width), kernel, dilation, padding, stride)
    length = prod(counts) if all_known(counts) else None
    return Built((*lead, None if channels is None else channels * prod(kernel), length))


def fold(args: Args, shape: Shape) -> Built:
    output_size = args.ints("output_size", 2)
    kernel, dilation, padding, stride = block_arguments(args)
    if len(shape) not in (2, 3):
        raise rank_error(args, shape, "a 3-D input (batch, channels x kernel positions, blocks) or an unbatched 2-D one")
    *lead, planes, length = shape
    window = prod(kernel)
    if planes is not None and planes % window:
        raise LayerError(
            f"the input's dim {len(lead)} ({planes}) is not divisible by the product of kernel_size {kernel} ({window})",
            argument="kernel_size",
            code="CC200",
        )
    counts = blocks(output_size, kernel, dilation, padding, stride)
    expected = prod(c for c in counts if c is not None)
    if length is not None and length != expected:
        raise LayerError(
            f"output_size {output_size} holds {counts[0]} x {counts[1]} = {expected} blocks of kernel_size {kernel} "
            f"(dilation {dilation}, padding {padding}, stride {stride}), but the input has {length}",
            argument="output_size",
            code="CC200",
        )
    return Built((*lead, None if planes is None else planes // window, *output_size))


def unpooled_length(n: int | None, kernel: int, stride: int, padding: int) -> int | None:
    """_unpool_output_size's default: (in - 1) x stride + kernel - 2 x padding.

    >>> unpooled_length(4, 2, 2, 0), unpooled_length(5, 3, 2, 1)
    (8, 9)
    """
    return None if n is None else (n - 1) * stride + kernel - 2 * padding


def max_unpool(rank: int) -> Build:
    def build(args: Args, shapes: tuple[Shape, ...]) -> Built:
        kernel = args.ints("kernel_size", rank)
        stride = kernel if args["stride"] is None else args.ints("stride", rank)
        padding = args.ints("padding", rank, minimum=0)
        if len(shapes) not in (2, 3):
            raise LayerError(
                f"{args.type_name} takes the inputs [input, indices] or [input, indices, output_size_like], found {len(shapes)}",
                hint="indices are the max pool's second output (return_indices=True): `pool[1]`",
                argument="inputs",
                code="CC200",
            )
        values, indices = shapes[0], shapes[1]
        if len(values) not in (rank + 1, rank + 2):
            raise rank_error(args, values, f"a {rank + 2}-D input (batch, channels, *spatial) or a {rank + 1}-D one")
        if len(indices) != len(values) or any(None not in (a, b) and a != b for a, b in zip(values, indices)):
            raise LayerError(
                f"the indices {format_shape(indices)} must have the input's shape {format_shape(values)}",
                hint="pass the max pool's indices (its `[1]` output) with its output",
                argument="inputs",
                code="CC200",
            )
        default = tuple(unpooled_length(n, k, s, p) for n, k, s, p in zip(values[-rank:], kernel, stride, padding))
        out = default
        if len(shapes) == 3:
            out = requested_size(args, shapes[2], default, stride, rank)
        if any(n is not None and n < 1 for n in out):
            raise LayerError(
                f"the output would be {format_shape(out)}", hint="padding takes 2 x padding off each axis", code="CC200"
            )
        return Built((*values[:-rank], *out))

    return build


def requested_size(args: Args, like: Shape, default: Shape, stride: tuple[int, ...], rank: int) -> Shape:
    """forward's output_size, here another tensor's size(): its last `rank` sizes when it has
    rank + 2 of them, each strictly within one stride of the default size."""
    if len(like) == rank + 2:
        like = like[2:]
    if len(like) != rank:
        raise LayerError(
            f"output_size should have {rank} or {rank + 2} elements; the size of {format_shape(like)} has {len(like)}",
            argument="inputs",
            code="CC200",
        )
    for axis, (want, n, s) in enumerate(zip(like, default, stride)):
        if want is not None and n is not None and not n - s < want < n + s:
            raise LayerError(
                f"invalid output_size {format_shape(like)} (dim {axis} must be between {n - s} and {n + s}, exclusive)",
                argument="inputs",
                code="CC200",
            )
    return tuple(n if want is None else want for want, n in zip(like, default))


TYPES.append(torch_type("Unfold", unfold, Family.RESHAPE, rank=2))
TYPES.append(torch_type("Fold", fold, Family.RESHAPE, rank=2, positions=Positions.SPREAD))


def unpool_call(shapes: tuple[Shape, ...]) -> str:
    """forward(input, indices, output_size=None): a third input stands for `other.size()`."""
    return "{self}({0}, {1}, output_size={2}.size())" if len(shapes) == 3 else ""


for _rank in (1, 2, 3):
    TYPES.append(
        torch_type(
            f"MaxUnpool{_rank}d",
            max_unpool(_rank),
            Family.UPSAMPLING,
            merges=True,
            rank=_rank,
            variant="unpool",
            macs=macs.zero,
            code=Code(choose=unpool_call),
        )
    )
