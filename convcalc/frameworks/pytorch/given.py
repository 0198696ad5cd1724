"""torch.nn.functional's layers called on weights the forward computes, the tensors being the
layer's inputs: `F.conv2d(x, weight, bias, stride, padding, dilation, groups)` is
`Convolution(stride, padding, dilation, groups, inputs=[x, weight, bias])`, and
`F.batch_norm(w, None, None, gain, training=True, momentum=0.0, eps=1e-6)` with the batch's
statistics is `BatchNorm(True, 0.0, 1e-6, inputs=[w, gain])`.

timm's weight-standardized convolutions (NFNet's ScaledStdConv2d, BiT's StdConv2d) compute their
weight so, from the module's parameters, before convolving: the parameters are Parameter rows,
the computation rows on them, and these layers count no weights of their own. The shape rules
and refusals are torch's (aten Convolution.cpp, torch/nn/functional.py batch_norm); MACs are
fvcore's (conv_flop_jit: the weight's elements per output position; batchnorm_flop_jit with
training=True: elements x 5 with a weight, x 4 without).
"""

from __future__ import annotations

from math import prod
from typing import Any

from convcalc.errors import LayerError
from convcalc.frameworks.base import Build, Code, Family, LayerType, NoWindow, Positions
from convcalc.frameworks.pytorch.layers import conv_sides
from convcalc.ops import macs
from convcalc.ops.conv import conv_output_length
from convcalc.ops.layout import format_shape
from convcalc.ops.tensor import Built, Shape
from convcalc.ops.window import Window
from convcalc.signature import Args, Signature

TYPES: list[LayerType] = []
"""The layer types of this module (pytorch/__init__.py registers them)."""


def own(name: str, signature: Signature, build: Build, family: Family, **facts: Any) -> None:
    TYPES.append(LayerType(name, signature, build, family, own=True, merges=True, **facts))


def sizes(shape: Shape) -> str:
    """A shape as torch prints a size in its messages: [16, 3, 3, 3]."""
    return "[" + ", ".join("?" if n is None else str(n) for n in shape) + "]"


def convolution(args: Args, shapes: tuple[Shape, ...]) -> Built:
    """F.conv1d, F.conv2d, F.conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1).

    A convolution of its first input by its second, the weight (out_channels, in_channels /
    groups, *kernel_size), plus the bias (out_channels,) if a third input is given; the weight's
    rank picks conv1d, conv2d or conv3d. The inputs are the layer's: it counts no weights.

    Args:
        stride (int or tuple of int): the stride of the convolving kernel.
        padding (int, tuple of int or str): implicit padding on both sides, or 'valid' or 'same'.
        dilation (int or tuple of int): the spacing between kernel elements.
        groups (int): split the input into groups; in_channels must be divisible by it.
    """
    if len(shapes) not in (2, 3):
        raise LayerError(
            f"Convolution takes 2 inputs (input, weight) or 3 (and a bias), found {len(shapes)}", argument="inputs", code="CC200"
        )
    shape, weight = shapes[0], shapes[1]
    rank = len(weight) - 2
    if rank not in (1, 2, 3) or None in weight:
        raise LayerError(
            f"the weight {format_shape(weight)} must be 3-D, 4-D or 5-D: (out_channels, in_channels / groups, *kernel_size)",
            argument="inputs",
            code="CC200",
        )
    if len(shape) != rank + 2:
        raise LayerError(
            f"Expected {rank + 2}-dimensional input for {rank + 2}-dimensional weight {sizes(weight)}, "
            f"but got {len(shape)}-dimensional input of size {sizes(shape)} instead",
            argument="inputs",
            code="CC200",
        )
    groups = args.int("groups", 1)
    out, per_group, kernel = weight[0], weight[1], weight[2:]
    if out is not None and out % groups:
        raise LayerError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size {sizes(weight)} instead",
            argument="groups",
            code="CC200",
        )
    if shape[1] is not None and per_group is not None and shape[1] != per_group * groups:
        raise LayerError(
            f"Given groups={groups}, weight of size {sizes(weight)}, expected input{sizes(shape)} to have "
            f"{per_group * groups} channels, but got {shape[1]} channels instead",
            argument="inputs",
            code="CC200",
        )
    if len(shapes) == 3 and shapes[2] != (out,):
        raise LayerError(
            f"Given weight of size {sizes(weight)}, expected bias to be 1-dimensional with {out} elements, "
            f"but got bias of size {sizes(shapes[2])} instead",
            argument="inputs",
            code="CC200",
        )
    stride, dilation = args.ints("stride", rank), args.ints("dilation", rank)
    known = tuple(int(k or 0) for k in kernel)
    sides = conv_sides(args, rank, known, stride, dilation)
    try:
        spatial = tuple(
            conv_output_length(None if n is None else n + left + right, k, s, 0, d)
            for n, (left, right), k, s, d in zip(shape[2:], sides, known, stride, dilation, strict=True)
        )
    except LayerError:
        spatial = (0,)
    if any(n is not None and n <= 0 for n in spatial):
        raise LayerError(
            f"Kernel size can't be greater than actual input size: the output would be {format_shape(spatial)}", code="CC200"
        )
    return Built((shape[0], out, *spatial))


def convolution_macs(layer: macs.Layer) -> int | None:
    """conv_flop_jit: the weight's elements (its second input) per output position."""
    return macs.multiply(prod(n or 0 for n in layer.input_shapes[1]), macs.positions(layer.outputs[0], 1))


def convolution_window(args: Args, shape: Shape) -> Window:
    """Its kernel is its weight input's shape, which a window reader is not handed (it reads
    the first input's): the receptive field ends here, saying why."""
    raise NoWindow("its kernel is the shape of its weight input, which receptive fields do not read")


CONVOLUTION = "torch.nn.functional.conv{}d({{*}}{{+stride}}{{+padding}}{{+dilation}}{{+groups}})"


def convolution_call(shapes: tuple[Shape, ...]) -> str:
    """F.conv1d or F.conv3d by the weight's rank; "" for F.conv2d, the stand-in's call."""
    rank = len(shapes[1]) - 2
    return "" if rank == 2 else CONVOLUTION.format(rank)


def batch_norm(args: Args, shapes: tuple[Shape, ...]) -> Built:
    """F.batch_norm(input, None, None, weight=None, bias=None, training=True, momentum=0.1, eps=1e-05).

    Each channel (dim 1) normalized by the batch's own mean and variance (no running
    statistics: torch refuses them absent in evaluation mode), then scaled by the weight and
    shifted by the bias, its second and third inputs (channels,) if given. timm's weight
    standardization normalizes each filter so, the weight viewed as (1, out_channels, -1).

    Args:
        training (bool): True: the batch's statistics (False needs running statistics, which this form has none of).
        momentum (float): the running statistics' update rate (none here to update).
        eps (float): added to the variance for numerical stability.
    """
    if not args.bool("training"):
        raise LayerError(
            "running_mean must be defined in evaluation mode",
            hint="this F.batch_norm takes the batch's statistics: training=True (a module's norm is BatchNorm1d/2d/3d)",
            argument="training",
            code="CC105",
        )
    args.number("momentum")
    args.number("eps")
    shape = shapes[0]
    if len(shape) < 2:
        raise LayerError(
            f"the input {format_shape(shape)} has no channel dim (dim 1)",
            argument="inputs",
            code="CC200",
        )
    channels = shape[1]
    for affine in shapes[1:3]:
        if channels is not None and None not in affine and prod(n or 0 for n in affine) != channels:
            raise LayerError(
                f"weight should contain {channels} elements not {prod(n or 0 for n in affine)}", argument="inputs", code="CC200"
            )
    if len(shapes) > 3:
        raise LayerError(
            f"BatchNorm takes 1 to 3 inputs (input, weight, bias), found {len(shapes)}", argument="inputs", code="CC200"
        )
    values = [n for axis, n in enumerate(shape) if axis != 1]
    if None not in values and prod(n or 0 for n in values) == 1:
        raise LayerError(
            f"Expected more than 1 value per channel when training, got input size {sizes(shape)}",
            argument="inputs",
            code="CC200",
        )
    return Built(shape)


BATCH_NORM = "torch.nn.functional.batch_norm({{0}}, None, None{}{{+training}}{{+momentum}}{{+eps}})"


def batch_norm_call(shapes: tuple[Shape, ...]) -> str:
    """The weight and bias, where given, as F.batch_norm's fourth and fifth arguments ("" for
    none: the stand-in's call)."""
    return BATCH_NORM.format("".join(f", {{{k}}}" for k in range(1, len(shapes)))) if len(shapes) > 1 else ""


def batch_norm_macs(layer: macs.Layer) -> int | None:
    """batchnorm_flop_jit with training=True: elements x 5 with a weight (aten's affine argument), x 4 without."""
    return macs.multiply(macs.elements(layer.input_shapes[0]), 5 if len(layer.input_shapes) > 1 else 4)


own(
    "Convolution",
    Signature((("stride", 1), ("padding", 0), ("dilation", 1), ("groups", 1))),
    convolution,
    Family.GIVEN_WEIGHTS,
    positions=Positions.WINDOW,
    window=convolution_window,
    macs=convolution_macs,
    code=Code(CONVOLUTION.format(2), choose=convolution_call),
)
own(
    "BatchNorm",
    Signature((("training", False), ("momentum", 0.1), ("eps", 1e-5))),
    batch_norm,
    Family.GIVEN_WEIGHTS,
    macs=batch_norm_macs,
    code=Code(BATCH_NORM.format(""), choose=batch_norm_call),
)
