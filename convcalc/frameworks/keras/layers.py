"""Keras 3 layers: channels_last, weights named and shaped as Keras holds them.

Each builder reproduces what the layer's `__init__` validation, `build()` and
`compute_output_shape()` do in keras/src/layers/...; each group's comment names the files.
Where Keras's symbolic build accepts something that cannot run (a duplicated axis, an axis
out of range that only the call trips over), convcalc rejects it with a clear message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from math import isfinite
from typing import Any, Literal, overload

from convcalc.errors import LayerError, did_you_mean
from convcalc.frameworks.base import Build, Code, Family, LayerType, Table, Terms
from convcalc.frameworks.keras.signatures import SIGNATURES
from convcalc.ops import macs
from convcalc.ops.conv import conv_output_length, keras_transposed_output_length
from convcalc.ops.layout import CHANNELS_FIRST, CHANNELS_LAST, Layout, format_shape
from convcalc.ops.merge import broadcast, concatenate
from convcalc.ops.norm import check_groups, resolve_axes
from convcalc.ops.reshape import flattened, permuted, reshaped
from convcalc.ops.tensor import Built, Shape, Weight, integral
from convcalc.ops.window import Axes, Window, mixing, shift, sliding
from convcalc.signature import Args, Signature

# keras.layers.Layer.__init__ takes these through **kwargs (keras/src/layers/layer.py).
BASE_KWARGS = frozenset({"activity_regularizer", "trainable", "dtype", "autocast", "name", "input_dim", "input_shape"})

# keras.activations.get() looks strings up, case-sensitively, in this table
# (keras/src/activations/__init__.py ALL_OBJECTS_DICT, Keras 3.15); None means linear.
# fmt: off
ACTIVATIONS = frozenset((
    "celu", "elu", "exponential", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu", "hard_swish",
    "hard_tanh", "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish", "relu", "relu6", "selu", "sigmoid",
    "silu", "soft_shrink", "softmax", "softplus", "softsign", "sparse_plus", "sparse_sigmoid", "sparsemax",
    "squareplus", "swish", "tanh", "tanh_shrink", "threshold",
))
# fmt: on

TYPES: list[LayerType] = []
"""The layer types of this module, in the order they are defined (keras/__init__.py registers them)."""

CONV_TERMS = Terms("kernel_size", "strides", "padding", "dilation_rate")
TRANSPOSED_TERMS = Terms("kernel_size", "strides", "padding", "dilation_rate", "output_padding")
POOL_TERMS = Terms("pool_size", "strides", "padding")
SOLVABLE = {Family.CONVOLUTION: CONV_TERMS, Family.TRANSPOSED_CONVOLUTION: TRANSPOSED_TERMS, Family.POOLING: POOL_TERMS}
"""For `solve --input --output`: the arguments that set each family's window (see Vocabulary)."""


def keras_type(name: str, build: Build, family: Family, *aliases: str, extra: Iterable[str] = (), **facts: Any) -> LayerType:
    """The Keras class `name`, known also by `aliases`; `facts` are the LayerType's other fields
    (rank, window, macs...).

    `extra` are keywords the class pops from its **kwargs before Layer sees them
    (LeakyReLU's deprecated `alpha`, Conv's `lora_rank`).
    """
    return LayerType(name, Table(SIGNATURES[name], BASE_KWARGS, extra), build, family, aliases, **facts)


def define(name: str, build: Build, family: Family, *aliases: str, extra: Iterable[str] = (), **facts: Any) -> None:
    TYPES.append(keras_type(name, build, family, *aliases, extra=extra, **facts))


# --- Shared argument readers


def layout(args: Args) -> Layout:
    """data_format, lower-cased as backend.standardize_data_format does; layers without one
    (SpatialDropout1D, Cropping1D, UpSampling1D) are channels_last."""
    if "data_format" not in args.values:
        return CHANNELS_LAST
    fmt = args.choice("data_format", (None, "channels_last", "channels_first"))
    return CHANNELS_FIRST if fmt == "channels_first" else CHANNELS_LAST


def exact_choice(args: Args, name: str, options: tuple[str, ...]) -> str:
    """A string option that Keras does not lower-case (pooling's padding: "SAME" is an error)."""
    value = args[name]
    if not isinstance(value, str) or value not in options:
        hint = did_you_mean(str(value), options)
        if isinstance(value, str) and value.lower() in options:
            hint = f"Keras does not lower-case it here: write {value.lower()!r}"
        raise args.error(name, "one of " + ", ".join(repr(o) for o in options), hint=hint)
    return value


def number(args: Args, name: str, low: float | None = None, high: float | None = None, optional: bool = False) -> float | None:
    """A finite number within [low, high], or None when `optional`."""
    value = args[name]
    if value is None and optional:
        return None
    span = "" if low is None and high is None else f" >= {low}" if high is None else f" from {low} to {high}"
    if isinstance(value, bool) or not isinstance(value, int | float) or not isfinite(value):
        raise args.error(name, f"a number{span}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise args.error(name, f"a number{span}")
    return value


@overload
def axes(args: Args, name: str = "axis", allow_none: Literal[False] = False) -> int | tuple[int, ...]: ...
@overload
def axes(args: Args, name: str = "axis", allow_none: bool = False) -> int | tuple[int, ...] | None: ...
def axes(args: Args, name: str = "axis", allow_none: bool = False) -> int | tuple[int, ...] | None:
    """An axis as Keras takes it: an int, or a list/tuple of ints (bools are not axes)."""
    value = args[name]
    if value is None and allow_none:
        return None
    if isinstance(value, list | tuple):
        items = tuple(v for v in value if isinstance(v, int) and not isinstance(v, bool))
        if len(items) == len(value):
            return items
    elif isinstance(value, int) and not isinstance(value, bool):
        return value
    raise args.error(name, "an integer or a list of integers" + (" or None" if allow_none else ""))


def as_tuple(axis: int | tuple[int, ...] | None) -> tuple[int, ...]:
    return () if axis is None else axis if isinstance(axis, tuple) else (axis,)


def activation(args: Args, name: str = "activation") -> None:
    """activations.get(): None, or the name of a Keras activation, spelled exactly."""
    value = args[name]
    if value is not None and (not isinstance(value, str) or value not in ACTIVATIONS):
        hint = did_you_mean(str(value), ACTIVATIONS)
        if isinstance(value, str) and value.lower() in ACTIVATIONS:
            hint = f"names are case-sensitive: write {value.lower()!r}"
        raise args.error(name, "None or the name of a Keras activation such as 'relu'", hint=hint)


def seed(args: Args) -> None:
    """SeedGenerator: "Argument `seed` must be an integer"."""
    if args["seed"] is not None:
        args.int("seed")


def bias(args: Args, size: int | None, flag: str = "use_bias") -> tuple[Weight, ...]:
    return (Weight("bias", (known(size, "bias"),)),) if args.bool(flag) else ()


def known(size: int | None, what: str) -> int:
    """Weights need known sizes: Keras cannot build a layer whose input dimension is None."""
    if size is None:
        raise LayerError(f"the {what} size depends on an input dimension that is unknown (None)", code="CC200")
    return size


def lora(args: Args, kernel: Weight, units: int) -> tuple[Weight, tuple[Weight, ...]]:
    """`lora_rank=r` (Dense, Conv; keras/src/layers/core/dense.py `enable_lora`): the kernel
    is frozen and two trainable factors follow the bias, lora_kernel_a
    (kernel.shape[:-1] + (r,)) and lora_kernel_b (r, units). A rank of 0 or None changes nothing.
    Returns the kernel as it ends up and the factors."""
    rank = args.optional_int("lora_rank", minimum=0) if "lora_rank" in args.values else None
    if "lora_alpha" in args.values:
        number(args, "lora_alpha", optional=True)
    if not rank:
        return kernel, ()
    if args.get("kernel_constraint") is not None:
        raise LayerError("lora_rank cannot be combined with kernel_constraint", argument="lora_rank", code="CC105")
    return Weight(kernel.name, kernel.shape, trainable=False), (
        Weight("lora_kernel_a", kernel.shape[:-1] + (rank,)),
        Weight("lora_kernel_b", (rank, units)),
    )


# --- Convolutions: keras/src/layers/convolutional/base_{conv,conv_transpose,depthwise_conv,separable_conv}.py


def conv(rank: int, kind: str) -> Build:
    """One builder for plain, transposed, depthwise and separable convolutions of any rank."""

    def build(args: Args, shape: Shape) -> Built:
        fmt = layout(args)
        batch, spatial, channels = fmt.split(shape, rank, args.type_name)
        kernel = args.ints("kernel_size", rank)
        strides = args.ints("strides", rank)
        dilation = args.ints("dilation_rate", rank)
        paddings = ("valid", "same", "causal") if rank == 1 and kind == "conv" else ("valid", "same")
        padding = args.choice("padding", paddings)
        activation(args)
        if kind in ("conv", "transpose") and max(strides) > 1 and max(dilation) > 1:
            # base_conv.py and base_conv_transpose.py check this; the depthwise and separable
            # bases do not (their docstrings say they do), and those layers run.
            raise LayerError(
                "strides > 1 cannot be combined with dilation_rate > 1 in Keras", argument="dilation_rate", code="CC105"
            )
        if kind in ("depthwise", "separable"):
            multiplier = args.int("depth_multiplier", 1)
        if kind == "conv":
            groups = args.int("groups", 1)
            filters = args.int("filters", 1)
        cin = known(channels, "input channel")
        if kind == "depthwise":
            filters = cin * multiplier
        elif kind != "conv":
            filters = args.int("filters", 1)
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
            return Built(fmt.join(batch, out, filters), (Weight("kernel", kernel + (filters, cin)),) + bias(args, filters))
        out = tuple(conv_output_length(n, k, s, padding, d) for n, k, s, d in zip(spatial, kernel, strides, dilation))
        if kind == "conv":
            if filters % groups or cin % groups:
                raise LayerError(
                    f"groups={groups} must divide both the input channels ({cin}) and filters ({filters})",
                    argument="groups",
                    code="CC200",
                )
            weight, factors = lora(args, Weight("kernel", kernel + (cin // groups, filters)), filters)
            return Built(fmt.join(batch, out, filters), (weight, *bias(args, filters), *factors))
        weights: tuple[Weight, ...]
        if kind == "depthwise":
            weights = (Weight("kernel", kernel + (cin, multiplier)),)
        else:
            weights = (
                Weight("depthwise_kernel", kernel + (cin, multiplier)),
                Weight("pointwise_kernel", (1,) * rank + (cin * multiplier, filters)),
            )
        return Built(fmt.join(batch, out, filters), weights + bias(args, filters))

    return build


def spatial_axes(args: Args, shape: Shape) -> tuple[int, ...]:
    """The spatial axes of an input by the layer's data_format."""
    n = len(shape)
    return tuple(range(1, n - 1)) if layout(args).channels_last else tuple(range(2, n))


def conv_window(rank: int) -> Callable[[Args, Shape], Window]:
    """Conv, DepthwiseConv and SeparableConv (the depthwise step carries the window; the 1x1
    pointwise step does not move it)."""

    def window(args: Args, shape: Shape) -> Window:
        kernel, strides = args.ints("kernel_size", rank), args.ints("strides", rank)
        padding = str(args["padding"]).lower()
        return sliding(shape, spatial_axes(args, shape), kernel, strides, args.ints("dilation_rate", rank), padding)

    return window


for _rank in (1, 2, 3):
    define(
        f"Conv{_rank}D",
        conv(_rank, "conv"),
        Family.CONVOLUTION,
        f"Convolution{_rank}D",
        extra=("lora_rank", "lora_alpha"),
        rank=_rank,
        window=conv_window(_rank),
        terms=CONV_TERMS,
    )
    define(
        f"Conv{_rank}DTranspose",
        conv(_rank, "transpose"),
        Family.TRANSPOSED_CONVOLUTION,
        f"Convolution{_rank}DTranspose",
        rank=_rank,
        terms=TRANSPOSED_TERMS,
    )
for _rank in (1, 2):
    define(
        f"DepthwiseConv{_rank}D",
        conv(_rank, "depthwise"),
        Family.DEPTHWISE_CONVOLUTION,
        rank=_rank,
        window=conv_window(_rank),
        terms=CONV_TERMS,
    )
    define(
        f"SeparableConv{_rank}D",
        conv(_rank, "separable"),
        Family.SEPARABLE_CONVOLUTION,
        f"SeparableConvolution{_rank}D",
        rank=_rank,
        window=conv_window(_rank),
        terms=CONV_TERMS,
    )


# --- Core and reshaping: keras/src/layers/core/{dense,identity,masking}.py,
# reshaping/{flatten,reshape,permute,repeat_vector}.py


def dense(args: Args, shape: Shape) -> Built:
    """Dense acts on the last axis of an input of any rank >= 2 (InputSpec(min_ndim=2); Dense
    docs: "if the input to the layer has a rank greater than 2, Dense computes the dot
    product along the last axis"): kernel (features, units)."""
    units = args.int("units", 1)
    activation(args)
    if len(shape) < 2:
        raise LayerError(f"Dense needs an input of rank >= 2, found {format_shape(shape)}", code="CC200")
    features = known(shape[-1], "input feature")
    kernel, factors = lora(args, Weight("kernel", (features, units)), units)
    return Built(shape[:-1] + (units,), (kernel, *bias(args, units), *factors))


def flatten(args: Args, shape: Shape) -> Built:
    """(batch, product of the rest); data_format only changes the order of the values."""
    layout(args)
    return Built((shape[0], flattened(shape[1:])))


def reshape(args: Args, shape: Shape) -> Built:
    """target_shape excludes the batch axis; one -1 is inferred (ops/reshape.py)."""
    target = args["target_shape"]
    if not isinstance(target, tuple | list) or any(
        d is not None and (isinstance(d, bool) or not isinstance(d, int)) for d in target
    ):
        raise args.error("target_shape", "a tuple of integers, e.g. (7, -1)")
    return Built((shape[0], *reshaped(shape[1:], tuple(target))))


def permute_dims(args: Args) -> tuple[int, ...]:
    dims = args["dims"]
    if not isinstance(dims, tuple | list) or any(isinstance(d, bool) or not isinstance(d, int) for d in dims):
        raise args.error("dims", "a tuple of axis numbers counted from 1, e.g. (2, 1)")
    return tuple(dims)


def permute(args: Args, shape: Shape) -> Built:
    """dims counts the non-batch axes from 1: Permute((2, 1)) swaps the two axes after batch."""
    return Built((shape[0], *permuted(shape[1:], permute_dims(args), base=1)))


def permuted_axes(args: Args, shape: Shape) -> Axes:
    """Output axis i carries input axis dims[i - 1]; the batch axis stays first."""
    return Axes((0, *permuted(tuple(range(1, len(shape))), permute_dims(args), base=1)))


def repeat_vector(args: Args, shape: Shape) -> Built:
    """(batch, features) -> (batch, n, features); InputSpec(ndim=2)."""
    n = args.int("n", 1)
    if len(shape) != 2:
        raise LayerError(
            f"RepeatVector expects a 2-D input (batch, features), found the {len(shape)}-D shape {format_shape(shape)}",
            hint="Flatten it first",
            code="CC200",
        )
    return Built((shape[0], n, shape[1]))


def same_shape(*checks: Callable[[Args, Shape], object]) -> Build:
    """A layer whose output has its input's shape and that has no weights, after `checks`
    (each validates the arguments as the layer's __init__ does)."""

    def build(args: Args, shape: Shape) -> Built:
        for check in checks:
            check(args, shape)
        return Built(shape)

    return build


def last_axis(args: Args, shape: Shape) -> Axes:
    """Dense mixes the last axis only."""
    return mixing(len(shape), -1)


define("Dense", dense, Family.DENSE, axes=last_axis)
define("Flatten", flatten, Family.FLATTEN)
define("Reshape", reshape, Family.RESHAPE)
define("Permute", permute, Family.PERMUTATION, axes=permuted_axes)
define("RepeatVector", repeat_vector, Family.RESHAPE)
define("Identity", same_shape(), Family.ELEMENTWISE)
define("Masking", same_shape(lambda args, shape: number(args, "mask_value")), Family.ELEMENTWISE)


# --- Pooling: keras/src/layers/pooling/base_pooling.py, base_global_pooling.py;
# keras/src/ops/operation_utils.py compute_pooling_output_shape


def pooling(rank: int) -> Build:
    """Max and average pooling: strides default to pool_size; "valid" gives
    floor((L - k) / s) + 1, "same" ceil(L / s) (ops/conv.py). Keras does not lower-case this
    padding (unlike a convolution's)."""

    def build(args: Args, shape: Shape) -> Built:
        fmt = layout(args)
        pool = args.ints("pool_size", rank)
        strides = pool if args["strides"] is None else args.ints("strides", rank)
        padding = exact_choice(args, "padding", ("valid", "same"))
        batch, spatial, channels = fmt.split(shape, rank, args.type_name)
        if padding == "valid" and any(n is not None and n < k for n, k in zip(spatial, pool)):
            raise LayerError(
                f"pool_size {format_shape(pool)} is larger than the input's spatial size {format_shape(spatial)}",
                hint="use a smaller pool_size, or padding='same'",
                argument="pool_size",
                code="CC200",
            )
        out = tuple(conv_output_length(n, k, s, padding) for n, k, s in zip(spatial, pool, strides))
        return Built(fmt.join(batch, out, channels))

    return build


def global_pooling(rank: int) -> Build:
    """Global pooling reduces every spatial axis: (batch, channels), or with keepdims=True
    a size of 1 on each spatial axis."""

    def build(args: Args, shape: Shape) -> Built:
        fmt = layout(args)
        keepdims = args.bool("keepdims")
        batch, _, channels = fmt.split(shape, rank, args.type_name)
        return Built(fmt.join(batch, (1,) * rank, channels) if keepdims else (batch, channels))

    return build


def pool_window(rank: int) -> Callable[[Args, Shape], Window]:
    def window(args: Args, shape: Shape) -> Window:
        pool = args.ints("pool_size", rank)
        strides = pool if args["strides"] is None else args.ints("strides", rank)
        return sliding(shape, spatial_axes(args, shape), pool, strides, (1,) * rank, str(args["padding"]))

    return window


for _rank in (1, 2, 3):
    for _kind, _name, _alias in (("max", "MaxPooling", "MaxPool"), ("avg", "AveragePooling", "AvgPool")):
        define(
            f"{_name}{_rank}D",
            pooling(_rank),
            Family.POOLING,
            f"{_alias}{_rank}D",
            rank=_rank,
            variant=_kind,
            window=pool_window(_rank),
            terms=POOL_TERMS,
        )
    define(
        f"GlobalMaxPooling{_rank}D",
        global_pooling(_rank),
        Family.GLOBAL_POOLING,
        f"GlobalMaxPool{_rank}D",
        rank=_rank,
        variant="max",
        macs=macs.zero,
    )
    define(
        f"GlobalAveragePooling{_rank}D",
        global_pooling(_rank),
        Family.GLOBAL_POOLING,
        f"GlobalAvgPool{_rank}D",
        rank=_rank,
        variant="avg",
        macs=macs.adaptive_average_pool,
    )


# --- Normalization: keras/src/layers/normalization/{batch,layer,group,unit,rms}_normalization.py,
# keras/src/layers/preprocessing/{normalization,rescaling}.py


def feature_shape(shape: Shape, axis: int | tuple[int, ...], what: str) -> tuple[int, ...]:
    """The shape of per-feature weights over `axis`: one axis gives (size,); a list gives the
    sizes in the order of sorted(axis) as written, negative axes first, as Keras's
    LayerNormalization.build does (axis=[1, -1] on (None, 7, 5, 3) gives gamma (3, 7))."""
    picked = sorted(axis) if isinstance(axis, tuple) else (axis,)
    return tuple(known(shape[a], f"{what} (axis {a})") for a in picked)


def batch_norm(args: Args, shape: Shape) -> Built:
    """gamma, beta (trainable) and moving_mean, moving_variance (non-trainable), each the size
    of the `axis` dimension; renorm=True adds moving_stddev, renorm_mean, renorm_stddev."""
    axis = args["axis"]
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise args.error("axis", "an integer (BatchNormalization normalizes one axis)")
    number(args, "momentum")
    number(args, "epsilon")
    renorm = args.bool("renorm")
    args.bool("synchronized")  # TensorFlow-only; shapes and counts are the same
    if renorm:
        renorm_clipping(args)
    (index,) = resolve_axes((axis,), len(shape))
    size = (known(shape[index], f"axis {axis}"),)
    weights = [Weight("gamma", size)] if args.bool("scale") else []
    weights += [Weight("beta", size)] if args.bool("center") else []
    names = ["moving_mean", "moving_variance"] + (["moving_stddev", "renorm_mean", "renorm_stddev"] if renorm else [])
    return Built(shape, (*weights, *(Weight(n, size, trainable=False) for n in names)))


def renorm_clipping(args: Args) -> None:
    """BatchNormalization.__init__: keys among rmax, rmin, dmax; rmax >= rmin; dmax >= 0."""
    clipping = args["renorm_clipping"] or {}
    if not isinstance(clipping, dict) or set(clipping) - {"rmax", "rmin", "dmax"}:
        raise args.error("renorm_clipping", "None or a dict with keys among 'rmax', 'rmin', 'dmax'")
    if any(v is not None and (isinstance(v, bool) or not isinstance(v, int | float)) for v in clipping.values()):
        raise args.error("renorm_clipping", "a dict of numbers")
    rmax, rmin, dmax = clipping.get("rmax"), clipping.get("rmin"), clipping.get("dmax")
    if rmax is not None and rmin is not None and rmax < rmin:
        raise args.error("renorm_clipping", "a dict whose rmax is at least its rmin")
    if dmax is not None and dmax < 0:
        raise args.error("renorm_clipping", "a dict whose dmax is non-negative")


def layer_norm(args: Args, shape: Shape) -> Built:
    """gamma (if scale, or rms_scaling) and beta (if center and not rms_scaling), shaped like
    the normalized axes (feature_shape). rms_scaling is a deprecated keyword Keras still pops."""
    axis = axes(args)
    if axis == ():
        raise args.error("axis", "at least one axis")
    number(args, "epsilon")
    rms = args.bool("rms_scaling", default=False)
    resolve_axes(as_tuple(axis), len(shape))
    size = feature_shape(shape, axis, "normalized")
    weights = [Weight("gamma", size)] if args.bool("scale") or rms else []
    weights += [Weight("beta", size)] if args.bool("center") and not rms else []
    return Built(shape, tuple(weights))


def rms_norm(args: Args, shape: Shape) -> Built:
    """One trainable `scale`, shaped like the normalized axes (feature_shape)."""
    axis = axes(args)
    if axis == ():
        raise args.error("axis", "at least one axis")
    number(args, "epsilon")
    resolve_axes(as_tuple(axis), len(shape))
    return Built(shape, (Weight("scale", feature_shape(shape, axis, "normalized")),))


def group_norm(args: Args, shape: Shape) -> Built:
    """gamma and beta of the `axis` size, which `groups` must divide (-1: one group per
    channel, instance normalization)."""
    groups = args.int("groups")
    if groups == 0 or groups < -1:
        raise args.error("groups", "a positive integer, or -1 for one group per channel")
    axis = args["axis"]
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise args.error("axis", "an integer (GroupNormalization groups one axis)")
    number(args, "epsilon")
    (index,) = resolve_axes((axis,), len(shape))
    size = known(shape[index], f"axis {axis}")
    check_groups(size, size if groups == -1 else groups)
    weights = [Weight("gamma", (size,))] if args.bool("scale") else []
    weights += [Weight("beta", (size,))] if args.bool("center") else []
    return Built(shape, tuple(weights))


def unit_norm(args: Args, shape: Shape) -> Built:
    resolve_axes(as_tuple(axes(args)), len(shape))
    return Built(shape)


def normalization(args: Args, shape: Shape) -> Built:
    """The preprocessing Normalization keeps one mean and variance per position of the kept
    axes (axis=None keeps none: one scalar). Without `mean`/`variance` they are weights to
    adapt(): mean, variance (the kept sizes) and a scalar count, all non-trainable, which
    Keras counts as parameters. Given `mean` and `variance`, it holds them as constants:
    no weights; they must broadcast to the kept sizes, right-aligned."""
    kept = tuple(sorted(resolve_axes(as_tuple(axes(args, allow_none=True)), len(shape))))
    sizes = tuple(known(shape[a], f"kept axis {a}") for a in kept)
    args.bool("invert")
    mean, variance = args["mean"], args["variance"]
    if (mean is None) != (variance is None):
        raise LayerError(
            "mean and variance must be given together", argument="variance" if mean is not None else "mean", code="CC105"
        )
    if mean is None:
        stats = (Weight("mean", sizes, False), Weight("variance", sizes, False), Weight("count", (), False))
        return Built(shape, stats)
    mean_shape, variance_shape = literal_shape(args, "mean"), literal_shape(args, "variance")
    if mean_shape != variance_shape:
        raise LayerError(
            f"mean {format_shape(mean_shape)} and variance {format_shape(variance_shape)} must have the same shape",
            argument="variance",
            code="CC105",
        )
    if len(mean_shape) > len(kept):
        raise LayerError(
            f"mean has {len(mean_shape)} dimensions, more than the {len(kept)} kept axes",
            argument="mean",
            code="CC105",
        )
    broadcasts(mean_shape, sizes[len(sizes) - len(mean_shape) :], "mean")
    return Built(shape)


def literal_shape(args: Args, name: str) -> tuple[int, ...]:
    """The shape numpy gives a number or a nested list of numbers (np.shape); ragged lists
    and non-numbers are errors."""

    def shape_of(value: object) -> tuple[int, ...]:
        if isinstance(value, list | tuple):
            inner = {shape_of(v) for v in value}
            if len(inner) > 1:
                raise args.error(name, "a number or a rectangular list of numbers")
            return (len(value), *(inner.pop() if inner else ()))
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise args.error(name, "a number or a list of numbers")
        return ()

    return shape_of(args[name])


def broadcasts(value: tuple[int, ...], target: Shape, name: str) -> None:
    """A constant of shape `value` must broadcast to `target` (right-aligned): each size 1 or
    equal (numpy broadcasting rules; unknown sizes cannot be checked)."""
    for v, t in zip(value[::-1], target[::-1]):
        if v != 1 and t is not None and v != t:
            raise LayerError(
                f"{name} of shape {format_shape(value)} does not broadcast to {format_shape(target)}",
                hint="each size must be 1 or equal the input's, aligned from the right",
                argument=name,
                code="CC201",
            )


def rescaling(args: Args, shape: Shape) -> Built:
    """x * scale + offset: no weights; scale and offset are numbers or lists that broadcast
    against the input."""
    for name in ("scale", "offset"):
        value = literal_shape(args, name)
        if len(value) > len(shape):
            raise LayerError(f"{name} has more dimensions than the input {format_shape(shape)}", argument=name, code="CC201")
        broadcasts(value, shape, name)
    return Built(shape)


define("BatchNormalization", batch_norm, Family.BATCH_NORM)
define("LayerNormalization", layer_norm, Family.NORMALIZATION, extra=("rms_scaling",), macs=macs.norm)
define("RMSNormalization", rms_norm, Family.NORMALIZATION, macs=macs.zero)
define("GroupNormalization", group_norm, Family.NORMALIZATION, macs=macs.norm)
define("UnitNormalization", unit_norm, Family.NORMALIZATION, macs=macs.zero)
define("Normalization", normalization, Family.NORMALIZATION, macs=macs.zero)
define("Rescaling", rescaling, Family.ELEMENTWISE)


# --- Regularization: keras/src/layers/regularization/*.py (all keep the input's shape)


def rate(name: str = "rate") -> Callable[[Args, Shape], object]:
    """Dropout rates and GaussianNoise's stddev: "Expected a float value between 0 and 1"."""
    return lambda args, shape: number(args, name, 0, 1)


def noise_shape(args: Args, shape: Shape) -> None:
    """Dropout._validate_noise_shape: None, or a tuple of positive integers or None."""
    value = args["noise_shape"]
    if value is not None and (
        not isinstance(value, tuple | list)
        or any(d is not None and (isinstance(d, bool) or not isinstance(d, int) or d < 1) for d in value)
    ):
        raise args.error("noise_shape", "None or a tuple of positive integers or None")


def spatial_dropout(rank: int) -> Build:
    """Drops whole feature maps; the input must be a (rank + 2)-D feature map."""

    def build(args: Args, shape: Shape) -> Built:
        number(args, "rate", 0, 1)
        seed(args)
        layout(args).split(shape, rank, args.type_name)
        return Built(shape)

    return build


def regularizer_weights(args: Args, shape: Shape) -> None:
    """regularizers.L1L2: "expected a non-negative float"."""
    number(args, "l1", 0)
    number(args, "l2", 0)


define("Dropout", same_shape(rate(), noise_shape, lambda args, shape: seed(args)), Family.DROPOUT)
define("AlphaDropout", same_shape(rate(), noise_shape, lambda args, shape: seed(args)), Family.DROPOUT)
define("GaussianDropout", same_shape(rate(), lambda args, shape: seed(args)), Family.DROPOUT)
define("GaussianNoise", same_shape(rate("stddev"), lambda args, shape: seed(args)), Family.DROPOUT)
define("ActivityRegularization", same_shape(regularizer_weights), Family.ELEMENTWISE)
for _rank in (1, 2, 3):
    define(f"SpatialDropout{_rank}D", spatial_dropout(_rank), Family.DROPOUT, rank=_rank)


# --- Activations: keras/src/layers/activations/*.py


def relu(args: Args, shape: Shape) -> None:
    """ReLU.__init__: max_value None or >= 0; negative_slope and threshold >= 0."""
    number(args, "max_value", 0, optional=True)
    number(args, "negative_slope", 0)
    number(args, "threshold", 0)


def leaky_relu(args: Args, shape: Shape) -> None:
    """negative_slope >= 0; the deprecated `alpha` keyword replaces it."""
    number(args, "alpha" if "alpha" in args.values else "negative_slope", 0)


def softmax_axis(args: Args, shape: Shape) -> None:
    """Keras builds any axis symbolically; the call fails on an axis the input lacks."""
    resolve_axes(as_tuple(axes(args)), len(shape))


def prelu(args: Args, shape: Shape) -> Built:
    """alpha has the input's shape without the batch axis, with size 1 on each of
    `shared_axes` (counted from 1, batch excluded: PReLU.build sets param_shape[i - 1] = 1,
    so 0 and negative axes wrap around from the end, as Python indexing does)."""
    value = args["shared_axes"]
    shared = () if value is None else value if isinstance(value, tuple | list) else (value,)
    if any(isinstance(a, bool) or not isinstance(a, int) for a in shared):
        raise args.error("shared_axes", "None, an axis counted from 1, or a list of them")
    param: list[int | None] = list(shape[1:])
    for a in shared:
        if not -len(param) <= a - 1 < len(param):
            raise LayerError(
                f"shared_axes {a} is out of range for an input with {len(param)} non-batch axes",
                hint=f"count axes from 1 to {len(param)}, after the batch axis",
                argument="shared_axes",
                code="CC200",
            )
        param[a - 1] = 1
    return Built(shape, (Weight("alpha", tuple(known(d, "alpha") for d in param)),))


define("Activation", same_shape(lambda args, shape: activation(args)), Family.ELEMENTWISE)
define("ReLU", same_shape(relu), Family.ELEMENTWISE)
define("LeakyReLU", same_shape(leaky_relu), Family.ELEMENTWISE, extra=("alpha",))
define("PReLU", prelu, Family.ELEMENTWISE)
define("ELU", same_shape(lambda args, shape: number(args, "alpha")), Family.ELEMENTWISE)
define("Softmax", same_shape(softmax_axis), Family.ELEMENTWISE)


# --- Padding, cropping, up-sampling: keras/src/layers/reshaping/{zero_padding,cropping,up_sampling}{1,2,3}d.py

Sides = tuple[tuple[int, int], ...]


def sides(args: Args, name: str, rank: int, negative_int: bool) -> Sides:
    """Amounts before and after each spatial axis, in Keras's forms: an int (the same on
    every side), a tuple of `rank` ints (symmetric per axis) or of `rank` (before, after)
    pairs; in 1-D, an int or one (before, after) pair. Amounts are >= 0, except that
    ZeroPadding2D/3D take a bare negative int unchecked (it crops: `negative_int`)."""
    value = args[name]
    pair = "an integer >= 0 or a (before, after) pair of them"
    expected = pair if rank == 1 else f"an integer >= 0, a tuple of {rank} of them, or a tuple of {rank} (before, after) pairs"

    def amount(v: object) -> int:
        if not integral(v) or v < 0:  # type: ignore[operator]  # an int, or a formula (correct_pad's `1 - H % 2`)
            raise args.error(name, expected)
        return v  # type: ignore[return-value]

    def two(v: object) -> tuple[int, int]:
        if isinstance(v, tuple | list) and len(v) == 2:
            return amount(v[0]), amount(v[1])
        return amount(v), amount(v)

    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0 and not (negative_int and rank > 1):
            raise args.error(name, expected)
        return ((value, value),) * rank
    if rank == 1:
        if not isinstance(value, tuple | list) or len(value) != 2:
            raise args.error(name, expected)
        return (two(value),)
    if not isinstance(value, tuple | list) or len(value) != rank:
        raise args.error(name, expected)
    return tuple(two(v) for v in value)


def zero_padding(rank: int) -> Build:
    """Each spatial axis grows by its two amounts; unknown sizes stay unknown."""

    def build(args: Args, shape: Shape) -> Built:
        fmt = layout(args)
        amounts = sides(args, "padding", rank, negative_int=True)
        batch, spatial, channels = fmt.split(shape, rank, args.type_name)
        out = tuple(None if n is None else n + a + b for n, (a, b) in zip(spatial, amounts))
        if any(n is not None and n < 1 for n in out):
            raise LayerError(
                f"the negative padding {amounts} leaves nothing of the spatial size {format_shape(spatial)}",
                argument="padding",
                code="CC200",
            )
        return Built(fmt.join(batch, out, channels))

    return build


ORDINALS = ("first", "second", "third")


def cropping(rank: int) -> Build:
    """Each spatial axis shrinks by its two amounts, which must leave at least one position
    ("`cropping` parameter ... must be smaller than the input length")."""

    def build(args: Args, shape: Shape) -> Built:
        fmt = layout(args)
        amounts = sides(args, "cropping", rank, negative_int=False)
        batch, spatial, channels = fmt.split(shape, rank, args.type_name)
        for axis, (n, (a, b)) in enumerate(zip(spatial, amounts)):
            if n is not None and a + b >= n:
                raise LayerError(
                    f"cropping ({a}, {b}) removes {a + b} of the {n} positions of the {ORDINALS[axis]} spatial axis",
                    hint="crop less than the input's size on each axis",
                    argument="cropping",
                    code="CC200",
                )
        out = tuple(None if n is None else n - a - b for n, (a, b) in zip(spatial, amounts))
        return Built(fmt.join(batch, out, channels))

    return build


def up_sampling(rank: int) -> Build:
    """Each spatial axis is repeated `size` times; UpSampling1D takes only an int, and
    UpSampling2D's interpolation (lower-cased) changes values, not shapes."""

    def build(args: Args, shape: Shape) -> Built:
        fmt = layout(args)
        size = (args.int("size", 1),) if rank == 1 else args.ints("size", rank)
        if "interpolation" in args.values:
            args.choice("interpolation", ("bicubic", "bilinear", "lanczos3", "lanczos5", "nearest"))
        batch, spatial, channels = fmt.split(shape, rank, args.type_name)
        return Built(fmt.join(batch, tuple(None if n is None else n * s for n, s in zip(spatial, size)), channels))

    return build


def padding_window(name: str, sign: int, rank: int) -> Callable[[Args, Shape], Window]:
    """ZeroPadding (sign 1) and Cropping (sign -1): the amounts before each axis, read as the
    layer reads them (`sides`); cropping is negative padding."""

    def window(args: Args, shape: Shape) -> Window:
        amounts = sides(args, name, rank, negative_int=sign > 0)
        before, after = tuple(sign * b for b, _ in amounts), tuple(sign * a for _, a in amounts)
        return shift(spatial_axes(args, shape), before, after)

    return window


for _rank in (1, 2, 3):
    _window = padding_window("padding", 1, _rank)
    define(f"ZeroPadding{_rank}D", zero_padding(_rank), Family.PADDING, rank=_rank, variant="padding", window=_window)
    _window = padding_window("cropping", -1, _rank)
    define(f"Cropping{_rank}D", cropping(_rank), Family.PADDING, rank=_rank, variant="cropping", window=_window)
    define(f"UpSampling{_rank}D", up_sampling(_rank), Family.UPSAMPLING, rank=_rank, macs=macs.upsampling())


# --- Merging: keras/src/layers/merging/


def elementwise(minimum_inputs: int, exactly: int | None = None) -> Build:
    """Add, Subtract, Multiply, Average, Maximum, Minimum: the inputs broadcast together. Add,
    Subtract and Multiply also take convcalc's `other`, a number, for Keras's own `x + 3.0`,
    `x - 1`, `x * 0.5` (keras.ops.add, subtract, multiply: Keras reports them as Add, Subtract,
    Multiply too): one input then, whose shape stays."""

    def build(args: Args, shapes: tuple[Shape, ...]) -> Built:
        if args.get("other") is not None:
            args.number("other")
            if len(shapes) != 1:
                raise LayerError(
                    f"{args.type_name} with other={args['other']!r} takes one input, found {len(shapes)}",
                    hint="a number stands for the second operand; leave other out to merge inputs",
                    argument="inputs",
                )
            return Built(shapes[0])
        if exactly is not None and len(shapes) != exactly:
            raise LayerError(f"{args.type_name} takes exactly {exactly} inputs, found {len(shapes)}", argument="inputs")
        if len(shapes) < minimum_inputs:
            raise LayerError(f"{args.type_name} needs at least {minimum_inputs} inputs, found {len(shapes)}", argument="inputs")
        batches = {s[0] for s in shapes if s[0] is not None}
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


def concatenation_axis(args: Args, shape: Shape) -> Axes:
    """Positions along `axis` come from one input or another."""
    return mixing(len(shape), args.int("axis"))


for _name, _build in (
    ("Add", elementwise(1)),
    ("Subtract", elementwise(2, exactly=2)),
    ("Multiply", elementwise(1)),
    ("Average", elementwise(1)),
    ("Maximum", elementwise(1)),
    ("Minimum", elementwise(1)),
):
    if _name in ("Add", "Subtract", "Multiply"):  # the class takes no arguments: `other` is convcalc's
        operator = {"Add": "+", "Subtract": "-", "Multiply": "*"}[_name]
        _code = Code(when=(("other", f"{{0}} {operator} {{(other)}}"),))  # Keras's own `x + 3.0`: no layer
        signature = Signature((("other", None),), (), BASE_KWARGS)
        TYPES.append(LayerType(_name, signature, _build, Family.MERGE, merges=True, code=_code))
    else:
        define(_name, _build, Family.MERGE, merges=True)
define("Concatenate", concatenate_layer, Family.CONCATENATE, merges=True, axes=concatenation_axis)
define("Dot", dot, Family.DOT, merges=True)
