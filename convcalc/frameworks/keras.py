"""Keras 3 layers: channels_last, weights named and shaped as Keras holds them.

Each builder reproduces what the layer's `build()` and `compute_output_shape()` do in
keras/src/layers/...; the module docstring of each group names the file.
"""

from __future__ import annotations

from math import prod

from convcalc.errors import LayerError
from convcalc.frameworks.base import Build, LayerType, Vocabulary, signature_from_table
from convcalc.frameworks.signatures import KERAS as SIGNATURES
from convcalc.ops.conv import conv_output_length, keras_transposed_output_length
from convcalc.ops.layout import CHANNELS_FIRST, CHANNELS_LAST, Layout, format_shape
from convcalc.ops.merge import broadcast, concatenate
from convcalc.report import Built, Shape, Weight
from convcalc.signature import Args

# keras.layers.Layer.__init__ takes these through **kwargs (keras/src/layers/layer.py).
BASE_KWARGS = frozenset({"activity_regularizer", "trainable", "dtype", "autocast", "name", "input_dim", "input_shape"})

KERAS = Vocabulary("keras")


def define(name: str, build: Build, *aliases: str) -> None:
    KERAS.add(LayerType(name, signature_from_table(SIGNATURES[name], BASE_KWARGS), build), *aliases)


def layout(args: Args) -> Layout:
    fmt = args.choice("data_format", (None, "channels_last", "channels_first"))
    return CHANNELS_FIRST if fmt == "channels_first" else CHANNELS_LAST


def bias(args: Args, size: int | None, flag: str = "use_bias") -> tuple[Weight, ...]:
    return (Weight("bias", (known(size, "bias"),)),) if args.bool(flag) else ()


def known(size: int | None, what: str) -> int:
    """Weights need known sizes: Keras cannot build a layer whose input dimension is None."""
    if size is None:
        raise LayerError(f"the {what} size depends on an input dimension that is unknown (None)", code="CC200")
    return size


# --- Convolutions: keras/src/layers/convolutional/base_{conv,conv_transpose,depthwise_conv,separable_conv}.py


def conv(rank: int, kind: str) -> Build:
    """One builder for plain, transposed, depthwise and separable convolutions of any rank."""

    def build(args: Args, shape: Shape) -> Built:
        fmt = layout(args)
        batch, spatial, channels = fmt.split(shape, rank, args.type_name)
        cin = known(channels, "input channel")
        kernel = args.ints("kernel_size", rank)
        strides = args.ints("strides", rank)
        dilation = args.ints("dilation_rate", rank)
        paddings = ("valid", "same", "causal") if rank == 1 and kind == "conv" else ("valid", "same")
        padding = args.choice("padding", paddings)
        if max(strides) > 1 and max(dilation) > 1:
            raise LayerError(
                "strides > 1 cannot be combined with dilation_rate > 1 in Keras", argument="dilation_rate", code="CC105"
            )
        if kind == "depthwise":
            multiplier = args.int("depth_multiplier", 1)
            filters = cin * multiplier
        else:
            filters = args.int("filters", 1)
        if kind == "separable":
            multiplier = args.int("depth_multiplier", 1)
        if kind == "transpose":
            padding_out = args.get("output_padding")
            output_padding = None if padding_out is None else args.ints("output_padding", rank, minimum=0)
            for op, s in zip(output_padding or (), strides):
                if op >= s:
                    raise LayerError(
                        f"output_padding {output_padding} must be smaller than strides {strides}",
                        argument="output_padding",
                        code="CC105",
                    )
            out = tuple(
                keras_transposed_output_length(n, k, s, padding, None if output_padding is None else output_padding[i], d)
                for i, (n, k, s, d) in enumerate(zip(spatial, kernel, strides, dilation))
            )
            weights = (Weight("kernel", kernel + (filters, cin)),)
        else:
            out = tuple(conv_output_length(n, k, s, padding, d) for n, k, s, d in zip(spatial, kernel, strides, dilation))
            if any(n is not None and n <= 0 for n in out):
                raise LayerError(f"the output would be {format_shape(out)}", code="CC200")
            if kind == "conv":
                groups = args.int("groups", 1)
                if filters % groups or cin % groups:
                    raise LayerError(
                        f"groups={groups} must divide both the input channels ({cin}) and filters ({filters})",
                        argument="groups",
                        code="CC200",
                    )
                weights = (Weight("kernel", kernel + (cin // groups, filters)),)
            elif kind == "depthwise":
                weights = (Weight("kernel", kernel + (cin, multiplier)),)
            else:
                weights = (
                    Weight("depthwise_kernel", kernel + (cin, multiplier)),
                    Weight("pointwise_kernel", (1,) * rank + (cin * multiplier, filters)),
                )
        return Built(fmt.join(batch, out, filters), weights + bias(args, filters))

    return build


for _rank in (1, 2, 3):
    define(f"Conv{_rank}D", conv(_rank, "conv"), f"Convolution{_rank}D")
    define(f"Conv{_rank}DTranspose", conv(_rank, "transpose"), f"Convolution{_rank}DTranspose")
for _rank in (1, 2):
    define(f"DepthwiseConv{_rank}D", conv(_rank, "depthwise"))
    define(f"SeparableConv{_rank}D", conv(_rank, "separable"), f"SeparableConvolution{_rank}D")


# --- Core: keras/src/layers/core/dense.py, reshaping/flatten.py


def dense(args: Args, shape: Shape) -> Built:
    """Dense acts on the last axis of an input of any rank (Dense docs: "if the input to the
    layer has a rank greater than 2, Dense computes the dot product along the last axis")."""
    units = args.int("units", 1)
    if len(shape) < 2:
        raise LayerError(f"Dense needs an input of rank >= 2, found {format_shape(shape)}", code="CC200")
    features = known(shape[-1], "input feature")
    return Built(shape[:-1] + (units,), (Weight("kernel", (features, units)),) + bias(args, units))


def flatten(args: Args, shape: Shape) -> Built:
    fmt = layout(args)
    rest = shape[1:]
    if not fmt.channels_last and len(rest) > 1:
        rest = rest[1:] + rest[:1]
    size = None if None in rest else prod(rest)  # type: ignore[arg-type]
    return Built((shape[0], size))


define("Dense", dense)
define("Flatten", flatten)


# --- Merging: keras/src/layers/merging/


def elementwise(minimum_inputs: int, exactly: int | None = None) -> Build:
    """Add, Subtract, Multiply, Average, Maximum, Minimum: the inputs broadcast together."""

    def build(args: Args, shapes: tuple[Shape, ...]) -> Built:
        if exactly is not None and len(shapes) != exactly:
            raise LayerError(f"{args.type_name} takes exactly {exactly} inputs, found {len(shapes)}", argument="inputs")
        if len(shapes) < minimum_inputs:
            raise LayerError(f"{args.type_name} needs at least {minimum_inputs} inputs, found {len(shapes)}", argument="inputs")
        batches = {s[0] for s in shapes} - {None}
        if len(batches) > 1:
            raise LayerError(f"cannot merge batch sizes {sorted(batches)}", argument="inputs")
        merged = shapes[0][1:]
        for shape in shapes[1:]:
            merged = broadcast(merged, shape[1:])
        return Built((batches.pop() if batches else None, *merged))

    return build


def concatenate_layer(args: Args, shapes: tuple[Shape, ...]) -> Built:
    return Built(concatenate(shapes, args.int("axis")))


def dot(args: Args, shapes: tuple[Shape, ...]) -> Built:
    """Dot (keras/src/layers/merging/dot.py): a batch dot over one axis of each input."""
    if len(shapes) != 2:
        raise LayerError(f"Dot takes exactly 2 inputs, found {len(shapes)}", argument="inputs")
    first, second = shapes
    axes = args.get("axes")
    if isinstance(axes, int) and not isinstance(axes, bool):
        pair = (axes % len(first), axes % len(second)) if axes < 0 else (axes, axes)
    elif isinstance(axes, tuple | list) and len(axes) == 2 and all(isinstance(a, int) for a in axes):
        pair = (axes[0] % len(first), axes[1] % len(second))
    else:
        raise args.error("axes", "an integer or a pair of integers")
    if not all(0 < a < len(s) for a, s in zip(pair, shapes)):
        raise args.error("axes", "axes within each input's rank, not the batch axis (0)")
    if None not in (first[pair[0]], second[pair[1]]) and first[pair[0]] != second[pair[1]]:
        raise LayerError(
            f"axis {pair[0]} of {format_shape(first)} ({first[pair[0]]}) differs from "
            f"axis {pair[1]} of {format_shape(second)} ({second[pair[1]]})",
            argument="axes",
        )
    left = [d for i, d in enumerate(first) if i != pair[0]]
    right = [d for i, d in enumerate(second) if i != pair[1]][1:]
    out = left + right
    return Built(tuple(out + [1] if len(out) == 1 else out))


for _name, _build in (
    ("Add", elementwise(1)),
    ("Subtract", elementwise(2, exactly=2)),
    ("Multiply", elementwise(1)),
    ("Average", elementwise(1)),
    ("Maximum", elementwise(1)),
    ("Minimum", elementwise(1)),
    ("Concatenate", concatenate_layer),
    ("Dot", dot),
):
    KERAS.add(LayerType(_name, signature_from_table(SIGNATURES[_name], BASE_KWARGS), _build, merges=True))

from convcalc.frameworks import keras_sequence  # noqa: E402, F401  registers Embedding, LSTM, GRU, Bidirectional, MultiHeadAttention...
