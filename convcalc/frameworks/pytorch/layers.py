"""PyTorch layers: channels_first, weights as torch.nn holds them; buffers are not parameters.

Each builder follows the "Shape" section of the torch.nn class's documentation and the checks
its `__init__` and `forward` make (torch/nn/modules/<file>.py, torch/nn/functional.py and the
ATen kernels they call); declared sizes (in_channels, in_features, num_features) are compared
with the incoming shape, the mistake PyTorch only reports at run time.

convcalc's input always has a batch dimension (shape[0], None when unknown). Where torch also
takes an unbatched input and the arithmetic reads such a tensor the same way (pooling, padding,
InstanceNorm, element-wise modules), convcalc accepts both ranks and computes what torch would;
layers whose channel count must match a declared size otherwise need (batch, channels, ...).
An output with a zero-sized dimension is an error, even where torch returns an empty tensor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from math import isinf, prod
from typing import Any

from convcalc.errors import LayerError
from convcalc.frameworks.base import Build, Code, Family, LayerType, NoWindow, Positions, Table, Terms
from convcalc.frameworks.mode import training
from convcalc.frameworks.pytorch.signatures import SIGNATURES
from convcalc.ops import macs
from convcalc.ops.conv import conv_output_length, transposed_output_length
from convcalc.ops.layout import CHANNELS_FIRST, format_shape
from convcalc.ops.merge import broadcast, concatenate
from convcalc.ops.padding import padded_length
from convcalc.ops.pool import adaptive_output_length, pool_output_length, scaled_length
from convcalc.ops.tensor import Built, Shape, Weight, all_known
from convcalc.ops.window import Axes, Window, dropping, mixing, shift, sliding
from convcalc.signature import REQUIRED, Args, Signature

TYPES: list[LayerType] = []
"""The layer types of this module, in the order they are defined (pytorch/__init__.py registers them)."""

CONV_TERMS = Terms("kernel_size", "stride", "padding", "dilation")
TRANSPOSED_TERMS = Terms("kernel_size", "stride", "padding", "dilation", "output_padding")
MAX_POOL_TERMS = Terms("kernel_size", "stride", "padding", "dilation", None, "ceil_mode")
AVG_POOL_TERMS = Terms("kernel_size", "stride", "padding", None, None, "ceil_mode")
SOLVABLE = {Family.CONVOLUTION: CONV_TERMS, Family.TRANSPOSED_CONVOLUTION: TRANSPOSED_TERMS, Family.POOLING: MAX_POOL_TERMS}
"""For `solve --input --output`: the arguments that set each family's window (see Vocabulary)."""


def torch_type(name: str, build: Build, family: Family, signature: Signature | None = None, **facts: Any) -> LayerType:
    """The torch.nn class `name`; `facts` are the LayerType's other fields (rank, window, macs...).
    A Lazy module becomes its plain class at its first call (cls_to_become), and reports so."""
    shown = name.removeprefix("Lazy") if name.startswith("Lazy") else ""
    return LayerType(name, signature or Table(SIGNATURES[name], frozenset()), build, family, shown_as=shown, **facts)


def define(name: str, build: Build, family: Family, **facts: Any) -> None:
    TYPES.append(torch_type(name, build, family, **facts))


class AnyArguments(Signature):
    """nn.Identity's `__init__(*args, **kwargs)` takes and ignores anything
    ("Identity(54, unused_argument1=0.1)" in its docs)."""

    def bind(self, type_name: str, args: tuple[object, ...], kwargs: Mapping[str, object]) -> Args:
        return Args(type_name, {})


# --- Shared checks


def declared(args: Args, name: str, found: int | None) -> int:
    """A size the layer declares (in_channels...) must match the incoming one."""
    value = args.int(name, 1)
    if found is not None and value != found:
        raise LayerError(
            f"{name}={value} but the incoming shape has {found}",
            hint=f"set {name}={found}, or change the layer before it",
            argument=name,
            code="CC201",
        )
    return value


def inferred(args: Args, name: str, found: int | None) -> int:
    """What a Lazy module infers at its first call: the incoming size, which must be known."""
    if found is None:
        raise LayerError(
            f"{args.type_name} infers {name} from the input, whose size there is unknown (None)",
            hint=f"give the input's size, or use the non-lazy module with {name}",
            code="CC200",
        )
    return found


def bias(args: Args, size: int, flag: str = "bias") -> tuple[Weight, ...]:
    return (Weight("bias", (size,)),) if args.bool(flag) else ()


def exact_choice(args: Args, name: str, options: Iterable[object]) -> object:
    """A string option compared exactly: torch does not fold case ('SAME' is an error)."""
    choices = list(options)
    if args[name] not in choices:
        raise args.error(name, "one of " + ", ".join(repr(c) for c in choices))
    return args[name]


def number(args: Args, name: str, optional: bool = False) -> float | None:
    return None if optional and args[name] is None else args.number(name)


def rank_error(args: Args, shape: Shape, expected: str) -> LayerError:
    return LayerError(f"{args.type_name} expects {expected}, found the {len(shape)}-D shape {format_shape(shape)}", code="CC200")


def trailing(args: Args, shape: Shape, rank: int) -> tuple[Shape, Shape]:
    """(leading dims, the last `rank` dims) of an input of rank + 2 dims (batch, channels,
    *spatial) or rank + 1 (torch's unbatched form); pooling and padding read only the last."""
    if len(shape) not in (rank + 1, rank + 2):
        raise rank_error(args, shape, f"a {rank + 2}-D input (batch, channels, *spatial) or a {rank + 1}-D one")
    return shape[:-rank], shape[-rank:]


def channels(args: Args, shape: Shape, ranks: tuple[int, ...] = (), at_least: int = 2) -> int | None:
    """The channel dimension (dim 1) of an input whose rank is one of `ranks` (or, without
    `ranks`, at least `at_least`)."""
    if ranks and len(shape) not in ranks:
        raise rank_error(args, shape, "a " + " or ".join(f"{n}-D" for n in ranks) + " input (batch, channels, ...)")
    if not ranks and len(shape) < at_least:
        raise rank_error(args, shape, f"an input of at least {at_least} dimensions (batch, channels, ...)")
    return shape[1]


def dimension(args: Args, name: str, rank: int) -> int:
    """A dim argument (negative counts from the end) as an index into a `rank`-D shape."""
    dim = args.int(name)
    if not -rank <= dim < rank:
        raise LayerError(
            f"{name}={dim} is out of range for a {rank}-D input (expected {-rank} to {rank - 1})",
            argument=name,
            code="CC200",
        )
    return dim % rank


def with_indices(args: Args, output: Shape) -> Built:
    """A max pool's output; with return_indices=True torch returns (output, indices), the
    indices shaped as the output: `name[1]`, which MaxUnpool takes."""
    return Built(output, (), (output,) if args.bool("return_indices") else ())


def ints_or_none(args: Args, name: str, rank: int, allow_none: bool) -> tuple[int | None, ...]:
    """An int, or a `rank`-long tuple/list of ints (each >= 1; None where `allow_none`)."""
    value = args[name]
    expected = f"an integer >= 1 or a tuple of {rank} of them" + (" (None keeps that size)" if allow_none else "")
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value,) * rank
    if not isinstance(value, tuple | list) or len(value) != rank:
        raise args.error(name, expected)
    for item in value:
        if item is None and allow_none:
            continue
        if isinstance(item, bool) or not isinstance(item, int) or item < 1:
            raise args.error(name, expected)
    return tuple(value)


# --- Convolutions: torch/nn/modules/conv.py (_ConvNd.__init__, _conv_forward), aten Convolution.cpp

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def conv_sides(
    args: Args, rank: int, kernel: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...]
) -> tuple[tuple[int, int], ...]:
    """Padding per side and axis. 'same' pads d(k - 1) in total, the odd one on the right
    (_ConvNd.__init__'s _reversed_padding_repeated_twice); it needs stride 1."""
    value = args["padding"]
    if isinstance(value, str):
        if value not in ("valid", "same"):
            raise args.error("padding", f"'valid', 'same', an integer >= 0 or a tuple of {rank} of them")
        if value == "valid":
            return ((0, 0),) * rank
        if max(stride) > 1:
            raise LayerError("padding='same' is not supported for strided convolutions", argument="padding", code="CC105")
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return tuple((t // 2, t - t // 2) for t in totals)
    return tuple((p, p) for p in args.ints("padding", rank, minimum=0))


def conv(rank: int, transposed: bool, lazy: bool = False) -> Build:
    def build(args: Args, shape: Shape) -> Built:
        batch, spatial, found = CHANNELS_FIRST.split(shape, rank, args.type_name)
        cin = inferred(args, "in_channels", found) if lazy else declared(args, "in_channels", found)
        cout = args.int("out_channels", 1)
        groups = args.int("groups", 1)
        if cin % groups or cout % groups:
            raise LayerError(
                f"groups={groups} must divide in_channels ({cin}) and out_channels ({cout})", argument="groups", code="CC200"
            )
        kernel = args.ints("kernel_size", rank)
        stride = args.ints("stride", rank)
        dilation = args.ints("dilation", rank)
        padding_mode = exact_choice(args, "padding_mode", PADDING_MODES)
        if transposed:
            if padding_mode != "zeros":
                raise LayerError(
                    f"only padding_mode='zeros' is supported for {args.type_name}", argument="padding_mode", code="CC105"
                )
            if isinstance(args["padding"], str):
                raise args.error(
                    "padding",
                    f"an integer >= 0 or a tuple of {rank} of them",
                    hint="transposed convolutions take no 'same' or 'valid'",
                )
            padding = args.ints("padding", rank, minimum=0)
            output_padding = args.ints("output_padding", rank, minimum=0)
            for op, s, d in zip(output_padding, stride, dilation):
                if op >= s and op >= d:
                    raise LayerError(
                        f"output_padding {output_padding} must be smaller than either stride {stride} or dilation {dilation}",
                        argument="output_padding",
                        code="CC105",
                    )
            out = tuple(
                transposed_output_length(n, k, s, p, op, d)
                for n, k, s, p, op, d in zip(spatial, kernel, stride, padding, output_padding, dilation)
            )
            weight = Weight("weight", (cin, cout // groups) + kernel)
        else:
            # A non-zeros padding_mode pads with F.pad first, then convolves without padding.
            mode = "constant" if padding_mode == "zeros" else str(padding_mode)
            sides = conv_sides(args, rank, kernel, stride, dilation)
            out = tuple(
                conv_output_length(padded_length(n, left, right, mode), k, s, 0, d)
                for n, (left, right), k, s, d in zip(spatial, sides, kernel, stride, dilation)
            )
            weight = Weight("weight", (cout, cin // groups) + kernel)
        if any(n is not None and n <= 0 for n in out):
            raise LayerError(f"the output would be {format_shape(out)}", code="CC200")
        return Built(CHANNELS_FIRST.join(batch, out, cout), (weight,) + bias(args, cout))

    return build


def spatial(shape: Shape, rank: int) -> tuple[int, ...]:
    """The last `rank` axes: torch's spatial axes, batched or not."""
    return tuple(range(len(shape) - rank, len(shape)))


def conv_window(rank: int) -> Callable[[Args, Shape], Window]:
    def window(args: Args, shape: Shape) -> Window:
        kernel, stride, dilation = args.ints("kernel_size", rank), args.ints("stride", rank), args.ints("dilation", rank)
        sides = conv_sides(args, rank, kernel, stride, dilation)
        before, after = tuple(b for b, _ in sides), tuple(a for _, a in sides)
        return Window(spatial(shape, rank), kernel, stride, dilation, before, after)

    return window


for _rank in (1, 2, 3):
    for _prefix, _lazy in (("", False), ("Lazy", True)):
        define(
            f"{_prefix}Conv{_rank}d",
            conv(_rank, transposed=False, lazy=_lazy),
            Family.CONVOLUTION,
            rank=_rank,
            window=conv_window(_rank),
            terms=CONV_TERMS,
        )
        define(
            f"{_prefix}ConvTranspose{_rank}d",
            conv(_rank, transposed=True, lazy=_lazy),
            Family.TRANSPOSED_CONVOLUTION,
            rank=_rank,
            terms=TRANSPOSED_TERMS,
        )


# --- Linear, Flatten, Unflatten, Identity: torch/nn/modules/linear.py, flatten.py


def linear(lazy: bool) -> Build:
    """Linear acts on the last dimension of an input of any rank: (*, H_in) -> (*, H_out)."""

    def build(args: Args, shape: Shape) -> Built:
        try:
            features = inferred(args, "in_features", shape[-1]) if lazy else declared(args, "in_features", shape[-1])
        except LayerError as exc:
            raise unflattened(exc, args, shape) from None
        out = args.int("out_features", 1)
        return Built(shape[:-1] + (out,), (Weight("weight", (out, features)),) + bias(args, out))

    return build


def unflattened(exc: LayerError, args: Args, shape: Shape) -> LayerError:
    """A Linear whose in_features disagrees with a feature map's last size most likely lacks the
    Flatten() before it (nn.Linear acts on the last dimension only): the hint says so, and what
    in_features the flattened map needs, instead of pointing at the last size."""
    features = shape[1:]
    flat = prod(features) if all_known(features) else None
    if exc.code != "CC201" or len(features) < 2 or (len(features) < 3 and flat != args["in_features"]):
        return exc  # (N, L, features): a Linear on the last dimension of a sequence is common and meant
    sizes = " x ".join(map(str, features))
    if flat == args["in_features"]:
        hint = f"add Flatten() before it: it gives {sizes} = {flat} features"
    else:
        hint = f"add Flatten() before it, and set in_features={flat} ({sizes})" if flat else "add Flatten() before it"
    return LayerError(f"{exc.message}: Linear acts on the last dimension of its input", hint, exc.argument, exc.code)


def flatten(args: Args, shape: Shape) -> Built:
    """Flatten(start_dim=1, end_dim=-1) merges dimensions start_dim..end_dim, batch included."""
    rank = len(shape)
    start, end = dimension(args, "start_dim", rank), dimension(args, "end_dim", rank)
    if start > end:
        raise LayerError(f"start_dim ({start}) comes after end_dim ({end})", argument="start_dim", code="CC200")
    merged = shape[start : end + 1]
    size = prod(merged) if all_known(merged) else None
    return Built(shape[:start] + (size,) + shape[end + 1 :])


def unflatten(args: Args, shape: Shape) -> Built:
    """Unflatten(dim, unflattened_size) splits one dimension; one -1 is inferred
    (Tensor.unflatten: the sizes must multiply to the dimension's size)."""
    dim = dimension(args, "dim", len(shape))
    sizes = args["unflattened_size"]
    expected = "a non-empty tuple of integers >= 1, one of which may be -1"
    if not isinstance(sizes, tuple | list) or not sizes:
        raise args.error("unflattened_size", expected)
    if any(isinstance(s, bool) or not isinstance(s, int) or (s < 1 and s != -1) for s in sizes):
        raise args.error("unflattened_size", expected)
    if list(sizes).count(-1) > 1:
        raise args.error("unflattened_size", expected, hint="only one dimension can be inferred")
    known = prod(s for s in sizes if s != -1)
    size = shape[dim]
    if size is None:
        new = tuple(None if s == -1 else s for s in sizes)
    elif (-1 in sizes and size % known) or (-1 not in sizes and size != known):
        raise LayerError(
            f"unflattened_size {tuple(sizes)} does not multiply to the size of dim {dim} ({size})",
            argument="unflattened_size",
            code="CC200",
        )
    else:
        new = tuple(size // known if s == -1 else s for s in sizes)
    return Built(shape[:dim] + new + shape[dim + 1 :])


def last_axis(args: Args, shape: Shape) -> Axes:
    """Linear mixes the last dimension only."""
    return mixing(len(shape), -1)


define("Linear", linear(lazy=False), Family.DENSE, axes=last_axis)
define("LazyLinear", linear(lazy=True), Family.DENSE, axes=last_axis)
define("Flatten", flatten, Family.FLATTEN)
define("Unflatten", unflatten, Family.RESHAPE)
define("Identity", lambda args, shape: Built(shape), Family.ELEMENTWISE, signature=AnyArguments(()))


# --- Pooling: torch/nn/modules/pooling.py, aten Pool.h (pool2d_shape_check, pooling_output_shape)


def window_stride(args: Args, rank: int, kernel: tuple[int, ...]) -> tuple[int, ...]:
    """stride defaults to kernel_size; torch treats an empty stride the same way."""
    if args["stride"] is None or args["stride"] in ((), []):
        return kernel
    return args.ints("stride", rank)


def pooling(rank: int, kind: str) -> Build:
    """MaxPool, AvgPool and LPPool (an AvgPool without padding, or a MaxPool for norm_type inf)."""

    def build(args: Args, shape: Shape) -> Built:
        lead, spatial = trailing(args, shape, rank)
        averaging = kind == "avg"
        if kind == "lp":
            norm = args.number("norm_type")
            if norm == 0:
                raise args.error("norm_type", "a non-zero number", hint="the result is the 1/norm_type-th root")
            if rank == 1 and not isinstance(args["kernel_size"], int):
                raise args.error("kernel_size", "an integer >= 1", hint="lp_pool1d multiplies by kernel_size")
            averaging = not isinf(norm)  # an infinite norm is a max pool
        kernel = args.ints("kernel_size", rank)
        stride = window_stride(args, rank, kernel)
        if averaging and rank == 3 and any(n is not None and n < k for n, k in zip(spatial, kernel)):
            raise LayerError(
                f"avg_pool3d needs every input size {format_shape(spatial)} to be at least kernel_size {kernel}, padding aside",
                hint="use a smaller kernel_size (torch checks the unpadded input here)",
                argument="kernel_size",
                code="CC200",
            )
        padding = (0,) * rank if kind == "lp" else args.ints("padding", rank, minimum=0)
        dilation = args.ints("dilation", rank) if kind == "max" else (1,) * rank
        ceil_mode = args.bool("ceil_mode")
        if kind == "max":
            args.bool("return_indices")
        if kind == "avg":
            args.bool("count_include_pad")
            if args.get("divisor_override") is not None and args.int("divisor_override") == 0:
                raise args.error("divisor_override", "None or a non-zero integer")
        for p, k in zip(padding, kernel):
            if 2 * p > k:
                raise LayerError(
                    f"padding {padding} must be at most half of kernel_size {kernel}",
                    hint="torch pads each side by at most half the window",
                    argument="padding",
                    code="CC105",
                )
        out = tuple(
            pool_output_length(n, k, s, p, d, ceil_mode) for n, k, s, p, d in zip(spatial, kernel, stride, padding, dilation)
        )
        return with_indices(args, lead + out) if kind == "max" else Built(lead + out)

    return build


def adaptive(rank: int, kind: str) -> Build:
    """AdaptiveAvgPool and AdaptiveMaxPool: the output size is the requested one; a None in
    the tuple keeps that input size (2-D and 3-D only: adaptive_*_pool1d wants ints)."""

    def build(args: Args, shape: Shape) -> Built:
        lead, spatial = trailing(args, shape, rank)
        sizes = ints_or_none(args, "output_size", rank, allow_none=rank > 1)
        out = lead + tuple(adaptive_output_length(n, s) for n, s in zip(spatial, sizes))
        return with_indices(args, out) if kind == "max" else Built(out)

    return build


def pool_window(rank: int, kind: str) -> Callable[[Args, Shape], Window]:
    """MaxPool (padding, dilation), AvgPool (padding), LPPool (neither); ceil_mode only adds a
    window at the end, which moves nothing."""

    def window(args: Args, shape: Shape) -> Window:
        kernel = args.ints("kernel_size", rank)
        stride = window_stride(args, rank, kernel)
        padding = (0,) * rank if kind == "lp" else args.ints("padding", rank, minimum=0)
        dilation = args.ints("dilation", rank) if kind == "max" else (1,) * rank
        return sliding(shape, spatial(shape, rank), kernel, stride, dilation, padding)

    return window


def adaptive_window(rank: int) -> Callable[[Args, Shape], Window]:
    """An adaptive pool whose output size divides its input size is a pool of kernel = stride =
    in / out (torch's windows start at floor(i * in / out)); other sizes give windows of varying
    width, and no window describes it."""

    def window(args: Args, shape: Shape) -> Window:
        axes = spatial(shape, rank)
        sizes = ints_or_none(args, "output_size", rank, allow_none=rank > 1)
        outputs = [adaptive_output_length(shape[a], s) for a, s in zip(axes, sizes)]
        if all(out == 1 for out in outputs):
            raise NoWindow("global pooling: each output value sees the whole input")
        kernel = []
        for axis, size_out in zip(axes, outputs):
            size_in = shape[axis]
            if size_in is None or size_out is None or size_in % size_out:
                raise NoWindow(f"its windows vary in width ({size_in} positions into {size_out})")
            kernel.append(size_in // size_out)
        return Window(axes, tuple(kernel), tuple(kernel), (1,) * rank, (0,) * rank, (0,) * rank)

    return window


for _rank in (1, 2, 3):
    for _kind, _name, _terms in (("max", "MaxPool", MAX_POOL_TERMS), ("avg", "AvgPool", AVG_POOL_TERMS), ("lp", "LPPool", None)):
        _window = pool_window(_rank, _kind)
        define(f"{_name}{_rank}d", pooling(_rank, _kind), Family.POOLING, rank=_rank, variant=_kind, window=_window, terms=_terms)
    define(
        f"AdaptiveMaxPool{_rank}d",
        adaptive(_rank, "max"),
        Family.ADAPTIVE_POOLING,
        rank=_rank,
        variant="max",
        window=adaptive_window(_rank),
        macs=macs.zero,
    )
    define(
        f"AdaptiveAvgPool{_rank}d",
        adaptive(_rank, "avg"),
        Family.ADAPTIVE_POOLING,
        rank=_rank,
        variant="avg",
        window=adaptive_window(_rank),
        macs=macs.adaptive_average_pool,
    )


# --- Padding: torch/nn/modules/padding.py, torch.nn.functional.pad, aten PadNd.cpp


def pad_amounts(args: Args, rank: int) -> tuple[int, ...]:
    """An int pads every side of the last `rank` dims; a tuple is taken as written, last dim
    first: (left, right, top, bottom, front, back). Negative amounts crop."""
    value = args["padding"]
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * (2 * rank)
    if not isinstance(value, tuple | list) or any(isinstance(v, bool) or not isinstance(v, int) for v in value):
        raise args.error("padding", f"an integer or a tuple of {2 * rank} integers (left, right, ...; last dim first)")
    if len(value) % 2:
        raise args.error("padding", "a tuple of an even length: two amounts (before, after) per dimension")
    return tuple(value)


def pad_layer(rank: int, mode: str) -> Build:
    """F.pad pads the last len(padding) / 2 dimensions, whatever the class's rank; CircularPadNd
    also checks its own rank."""

    def build(args: Args, shape: Shape) -> Built:
        pads = pad_amounts(args, rank)
        if mode == "circular" and len(shape) not in (rank + 1, rank + 2):
            raise rank_error(args, shape, f"a {rank + 1}-D or {rank + 2}-D input")
        if mode == "constant" and "value" in args.values:
            number(args, "value", optional=True)
        return Built(padded(args, shape, pads, mode))

    return build


def padded(args: Args, shape: Shape, pads: tuple[int, ...], mode: str, argument: str = "padding") -> Shape:
    """`shape` after F.pad's `pads` (last dim first): constant padding takes up to every
    dimension, the other modes 1 to 3 dimensions of a (batch, channels, ...) or unbatched input
    (aten PadNd.cpp _pad_enum)."""
    pairs, ndim = len(pads) // 2, len(shape)
    if mode == "constant":
        if pairs > ndim:
            raise args.error(argument, f"at most {2 * ndim} amounts for the {ndim}-D input {format_shape(shape)}")
    elif pairs not in (1, 2, 3) or ndim not in (pairs + 1, pairs + 2):
        raise LayerError(
            f"{mode} padding with {len(pads)} amounts pads the last {pairs} dimensions, which needs a "
            f"{pairs + 1}-D or {pairs + 2}-D input; found the {ndim}-D shape {format_shape(shape)}",
            argument=argument,
            code="CC200",
        )
    out = list(shape)
    for i in range(pairs):
        axis = ndim - 1 - i
        out[axis] = padded_length(shape[axis], pads[2 * i], pads[2 * i + 1], mode)
    return tuple(out)


def pad_window(rank: int) -> Callable[[Args, Shape], Window]:
    return lambda args, shape: pad_shift(pad_amounts(args, rank), len(shape))


def pad_shift(pads: tuple[int, ...], n: int) -> Window:
    """F.pad's amounts, last axis first: (left, right, top, bottom, ...); every padded axis, spatial
    or not, moves by its amount before."""
    axes = tuple(n - 1 - i for i in reversed(range(len(pads) // 2)))
    return shift(axes, tuple(pads[2 * (n - 1 - a)] for a in axes), tuple(pads[2 * (n - 1 - a) + 1] for a in axes))


for _rank in (1, 2, 3):
    for _kind, _mode in (
        ("Zero", "constant"),
        ("Constant", "constant"),
        ("Reflection", "reflect"),
        ("Replication", "replicate"),
        ("Circular", "circular"),
    ):
        define(
            f"{_kind}Pad{_rank}d", pad_layer(_rank, _mode), Family.PADDING, rank=_rank, variant=_mode, window=pad_window(_rank)
        )


# --- Normalization: torch/nn/modules/batchnorm.py, instancenorm.py, normalization.py


def norm_features(args: Args, found: int | None, lazy: bool) -> int | None:
    """num_features must match the channels when it sizes a tensor (affine weights or running
    statistics): torch raises "running_mean should contain 4 elements not 3". Without either,
    torch ignores it (InstanceNorm only warns)."""
    if lazy:
        return inferred(args, "num_features", found)
    if args.bool("affine") or args.bool("track_running_stats"):
        return declared(args, "num_features", found)
    args.int("num_features")
    return None


def affine_weights(args: Args, size: tuple[int, ...], flag: str = "affine", with_bias: bool = True) -> tuple[Weight, ...]:
    """weight and bias of the normalized shape; running statistics are buffers, not parameters."""
    if not args.bool(flag):
        return ()
    return (Weight("weight", size),) + ((Weight("bias", size),) if with_bias and args.bool("bias") else ())


def batch_norm(ranks: tuple[int, ...], lazy: bool = False) -> Build:
    """BatchNorm1d takes (N, C) or (N, C, L), 2d (N, C, H, W), 3d (N, C, D, H, W);
    SyncBatchNorm (ranks empty) any input of at least 2 dimensions. Normalizing with the batch's
    statistics needs more than one value per channel (F.batch_norm's _verify_batch_size): torch
    does so in training mode (its default; a spec's `mode: train`), and in eval mode too without
    running statistics (`_BatchNorm.forward`: bn_training = training or running_mean is None)."""

    def build(args: Args, shape: Shape) -> Built:
        features = norm_features(args, channels(args, shape, ranks), lazy)
        values = (shape[0], *shape[2:])
        batch_statistics = training() or not args.bool("track_running_stats")
        if batch_statistics and all_known(values) and prod(values) == 1:
            when = "when training" if training() else "without running statistics (track_running_stats=False)"
            raise LayerError(
                f"{args.type_name} needs more than one value per channel to normalize {when}; "
                f"the input {format_shape(shape)} has one",
                hint="use a batch of 2 or more" + (", or `mode: eval`: torch runs it after model.eval()" if training() else ""),
                code="CC200",
            )
        return Built(shape, affine_weights(args, (features,)) if features is not None else ())

    return build


def instance_norm(rank: int, lazy: bool = False) -> Build:
    """InstanceNorm normalizes each (sample, channel) over its spatial positions, so it needs
    more than one (F.instance_norm's _verify_spatial_size). Like torch it also takes an
    unbatched (C, *spatial) input, whose channels are then dim 0 (_InstanceNorm.forward)."""

    def build(args: Args, shape: Shape) -> Built:
        if len(shape) not in (rank + 1, rank + 2):
            raise rank_error(args, shape, f"a {rank + 2}-D input (batch, channels, *spatial) or a {rank + 1}-D one")
        channel = len(shape) - rank - 1
        if lazy and channel == 0 and shape[0] != shape[1]:  # a Lazy module infers from dim 1, even unbatched
            raise LayerError(
                f"{args.type_name} infers num_features={shape[1]} from dim 1, but the unbatched input "
                f"{format_shape(shape)} has {shape[0]} channels at dim 0",
                code="CC200",
            )
        features = norm_features(args, shape[channel], lazy)
        spatial = shape[channel + 1 :]
        if all_known(spatial) and prod(spatial) == 1:
            raise LayerError(
                f"{args.type_name} needs more than one spatial position per channel; the input {format_shape(shape)} has one",
                hint="normalize earlier, before the spatial size shrinks to 1",
                code="CC200",
            )
        return Built(shape, affine_weights(args, (features,)) if features is not None else ())

    return build


def layer_norm(with_bias: bool) -> Build:
    """LayerNorm / RMSNorm: normalized_shape must equal the input's trailing dimensions; the
    weight (and LayerNorm's bias) have that shape when elementwise_affine."""

    def build(args: Args, shape: Shape) -> Built:
        value = args["normalized_shape"]
        normalized = (value,) if isinstance(value, int) and not isinstance(value, bool) else value
        expected = "an integer >= 1 or a non-empty tuple of them"
        if not isinstance(normalized, tuple | list) or not normalized:
            raise args.error("normalized_shape", expected)
        if any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in normalized):
            raise args.error("normalized_shape", expected)
        normalized = tuple(normalized)
        tail = shape[-len(normalized) :]
        if len(normalized) > len(shape) or any(t is not None and t != n for t, n in zip(tail, normalized)):
            raise LayerError(
                f"normalized_shape {normalized} must equal the input's last {len(normalized)} dimensions",
                argument="normalized_shape",
                code="CC201",
            )
        if args["eps"] is not None:
            args.number("eps")
        return Built(shape, affine_weights(args, normalized, "elementwise_affine", with_bias))

    return build


def group_norm(args: Args, shape: Shape) -> Built:
    """GroupNorm: num_groups divides num_channels (__init__) and the input's channels
    (group_norm); the affine weights make the channels equal num_channels."""
    groups = args.int("num_groups", 1)
    count = args.int("num_channels", 1)
    if count % groups:
        raise LayerError(
            f"num_channels ({count}) must be divisible by num_groups ({groups})", argument="num_groups", code="CC105"
        )
    found = channels(args, shape)
    if args.bool("affine"):
        declared(args, "num_channels", found)
    if found is not None and found % groups:
        raise LayerError(
            f"the input's {found} channels are not divisible by num_groups ({groups})", argument="num_groups", code="CC200"
        )
    return Built(shape, affine_weights(args, (count,)))


def local_response_norm(ranks: tuple[int, ...]) -> Build:
    """LocalResponseNorm averages over neighbouring channels of an input of 3 dims or more;
    the legacy CrossMapLRN2d wants exactly 4."""

    def build(args: Args, shape: Shape) -> Built:
        channels(args, shape, ranks, at_least=3)
        args.int("size", 1)
        for name in ("alpha", "beta", "k"):
            args.number(name)
        return Built(shape)

    return build


for _rank in (1, 2, 3):
    for _prefix, _lazy in (("", False), ("Lazy", True)):
        define(f"{_prefix}BatchNorm{_rank}d", batch_norm((2, 3) if _rank == 1 else (_rank + 2,), lazy=_lazy), Family.BATCH_NORM)
        define(
            f"{_prefix}InstanceNorm{_rank}d", instance_norm(_rank, lazy=_lazy), Family.NORMALIZATION, rank=_rank, macs=macs.norm
        )
define("SyncBatchNorm", batch_norm(()), Family.BATCH_NORM)
define("LayerNorm", layer_norm(with_bias=True), Family.NORMALIZATION, macs=macs.norm)
define("RMSNorm", layer_norm(with_bias=False), Family.NORMALIZATION, macs=macs.zero)
define("GroupNorm", group_norm, Family.NORMALIZATION, macs=macs.norm)
define("LocalResponseNorm", local_response_norm(()), Family.NORMALIZATION, macs=macs.zero)
define("CrossMapLRN2d", local_response_norm((4,)), Family.NORMALIZATION, macs=macs.zero)


# --- Dropout: torch/nn/modules/dropout.py (_DropoutNd.__init__, F.dropout1d)


def dropout(ranks: Iterable[int] | None = None, feature: bool = False) -> Build:
    """Shape-preserving; feature (channel-wise) dropout needs at least 2 dimensions
    ("Feature dropout requires at least 2 dimensions in the input", F.feature_dropout)."""
    allowed = None if ranks is None else tuple(ranks)

    def build(args: Args, shape: Shape) -> Built:
        p = args.number("p")
        if not 0 <= p <= 1:
            raise args.error("p", "a probability between 0 and 1")
        args.bool("inplace")
        if allowed is not None and len(shape) not in allowed:
            raise rank_error(args, shape, " or ".join(f"{n}-D" for n in allowed) + " input")
        if feature and len(shape) < 2:
            raise rank_error(args, shape, "an input of at least 2 dimensions (feature dropout)")
        return Built(shape)

    return build


define("Dropout", dropout(), Family.DROPOUT)
define("Dropout1d", dropout((2, 3)), Family.DROPOUT)
define("Dropout2d", dropout(feature=True), Family.DROPOUT)
define("Dropout3d", dropout(feature=True), Family.DROPOUT)
define("AlphaDropout", dropout(), Family.DROPOUT)
define("FeatureAlphaDropout", dropout(feature=True), Family.DROPOUT)


# --- Activations: torch/nn/modules/activation.py; all keep the shape except GLU.

Check = Callable[[Args, Shape], None]


def elementwise(numbers: tuple[str, ...] = (), check: Check | None = None) -> Build:
    """A shape-preserving module: its numeric arguments must be numbers, `inplace` a bool."""

    def build(args: Args, shape: Shape) -> Built:
        for name in numbers:
            args.number(name)
        if "inplace" in args.values:
            args.bool("inplace")
        if check is not None:
            check(args, shape)
        return Built(shape)

    return build


def at_least(name: str, minimum: float, strict: bool = False) -> Check:
    def check(args: Args, shape: Shape) -> None:
        value = args.number(name)
        if value < minimum or (strict and value == minimum):
            raise args.error(name, f"a number {'>' if strict else '>='} {minimum}")

    return check


def nonzero(name: str) -> Check:
    def check(args: Args, shape: Shape) -> None:
        if args.number(name) == 0:
            raise args.error(name, "a non-zero number")

    return check


def ordered(low: str, high: str, strict: bool) -> Check:
    def check(args: Args, shape: Shape) -> None:
        lo, hi = args.number(low), args.number(high)
        if hi < lo or (strict and hi == lo):
            raise args.error(high, f"a number {'>' if strict else '>='} {low} ({lo})")

    return check


def hardtanh(args: Args, shape: Shape) -> None:
    """The deprecated min_value/max_value replace min_val/max_val; max must exceed min."""
    low = number(args, "min_value", optional=True)
    high = number(args, "max_value", optional=True)
    low = args.number("min_val") if low is None else low
    high = args.number("max_val") if high is None else high
    if high <= low:
        raise LayerError(f"max_val ({high}) must be greater than min_val ({low})", argument="max_val", code="CC105")


def gelu(args: Args, shape: Shape) -> None:
    exact_choice(args, "approximate", ("none", "tanh"))


def softmax_dim(args: Args, shape: Shape) -> None:
    """dim=None lets torch pick one (a deprecated implicit choice); any dim keeps the shape."""
    if args["dim"] is not None:
        dimension(args, "dim", len(shape))


def softmax2d(args: Args, shape: Shape) -> None:
    if len(shape) not in (3, 4):
        raise rank_error(args, shape, "a 3-D or 4-D input (softmax over dim -3)")


def prelu(args: Args, shape: Shape) -> Built:
    """PReLU learns num_parameters slopes: 1 shared, or one per channel (dim 1)."""
    count = args.int("num_parameters", 1)
    args.number("init")
    found = shape[1] if len(shape) >= 2 else 1
    if count != 1 and found is not None and count != found:
        raise LayerError(
            f"num_parameters={count} but the input has {found} channels",
            hint=f"use num_parameters=1 (one shared slope) or {found} (one per channel)",
            argument="num_parameters",
            code="CC201",
        )
    return Built(shape, (Weight("weight", (count,)),))


def glu(args: Args, shape: Shape) -> Built:
    """GLU splits `dim` in two halves (a * sigmoid(b)): that size must be even."""
    dim = dimension(args, "dim", len(shape))
    size = shape[dim]
    if size is not None and size % 2:
        raise LayerError(f"GLU halves dim {dim}, whose size {size} is odd", argument="dim", code="CC200")
    return Built(shape[:dim] + (None if size is None else size // 2,) + shape[dim + 1 :])


ACTIVATIONS: dict[str, Build] = {
    "ReLU": elementwise(),
    "ReLU6": elementwise(),
    "SELU": elementwise(),
    "SiLU": elementwise(),
    "Mish": elementwise(),
    "Hardswish": elementwise(),
    "Hardsigmoid": elementwise(),
    "Sigmoid": elementwise(),
    "Tanh": elementwise(),
    "LogSigmoid": elementwise(),
    "Softsign": elementwise(),
    "Tanhshrink": elementwise(),
    "LeakyReLU": elementwise(("negative_slope",)),
    "ELU": elementwise(("alpha",)),
    "CELU": elementwise(("alpha",), nonzero("alpha")),
    "Softplus": elementwise(("beta", "threshold")),
    "Hardshrink": elementwise(("lambd",)),
    "Softshrink": elementwise(("lambd",), at_least("lambd", 0)),
    "Threshold": elementwise(("threshold", "value")),
    "RReLU": elementwise(("lower", "upper"), ordered("lower", "upper", strict=False)),
    "Hardtanh": elementwise((), hardtanh),
    "GELU": elementwise((), gelu),
    "Softmax": elementwise((), softmax_dim),
    "LogSoftmax": elementwise((), softmax_dim),
    "Softmin": elementwise((), softmax_dim),
    "Softmax2d": elementwise((), softmax2d),
    "PReLU": prelu,
    "GLU": glu,
}


def glu_dim(args: Args, shape: Shape) -> Axes:
    """GLU mixes the two halves of `dim`."""
    return mixing(len(shape), dimension(args, "dim", len(shape)))


for _name, _build in ACTIVATIONS.items():
    if _name == "GLU":
        define(_name, _build, Family.ELEMENTWISE, positions=Positions.AXES, axes=glu_dim)
    else:
        define(_name, _build, Family.ELEMENTWISE)


# --- Resampling and channel shuffles: torch/nn/modules/upsampling.py, pixelshuffle.py,
# channelshuffle.py; F.interpolate and aten UpSample.cpp, PixelShuffle.cpp, ChannelShuffle.cpp

# The spatial ranks each interpolation mode takes (F.interpolate's dispatch on input.dim()).
MODE_RANKS = {
    "nearest": (1, 2, 3),
    "nearest-exact": (1, 2, 3),
    "area": (1, 2, 3),
    "linear": (1,),
    "bilinear": (2,),
    "bicubic": (2,),
    "trilinear": (3,),
    "lanczos": (2,),
}


def resampled(args: Args, shape: Shape, mode: str, module: bool = True) -> Built:
    """Exactly one of size and scale_factor; the output is the size, or floor(L * scale).
    nn.Upsample's `__init__` reads a scale_factor of 0 as none given (float(scale_factor) if
    scale_factor else None); F.interpolate (`module` False) takes it as given."""
    if mode == "lanczos" and not args.get("antialias"):
        without = "" if "antialias" in args.values else ", which Upsample does not pass"
        raise LayerError(f"mode='lanczos' needs antialias=True{without}", argument="mode", code="CC105")
    size, scale = args["size"], args["scale_factor"]
    if module and not isinstance(scale, tuple | list) and not scale:
        scale = None
    if size is not None and scale is not None:
        raise LayerError("give only one of size and scale_factor", argument="scale_factor", code="CC105")
    if size is None and scale is None:
        raise LayerError("give size or scale_factor", hint="e.g. scale_factor=2", code="CC104")
    rank = len(shape) - 2
    if rank not in MODE_RANKS[mode]:
        wanted = " or ".join(f"{n + 2}-D" for n in MODE_RANKS[mode])
        raise rank_error(args, shape, f"a {wanted} input (batch, channels, *spatial) for mode={mode!r}")
    spatial = shape[2:]
    out: Shape
    if size is not None:
        out = args.ints("size", rank)
    else:
        factors = scale if isinstance(scale, tuple | list) else (scale,) * rank
        if len(factors) != rank or any(isinstance(f, bool) or not isinstance(f, int | float) for f in factors):
            raise args.error("scale_factor", f"a number or a tuple of {rank} numbers")
        out = tuple(scaled_length(n, f) for n, f in zip(spatial, factors))
    if any(n is not None and n < 1 for n in out):
        raise LayerError(
            f"the output size would be {format_shape(out)}", argument="scale_factor" if size is None else "size", code="CC200"
        )
    return Built(shape[:2] + out)


ANTIALIASED = ("bilinear", "bicubic", "lanczos")


def interpolation(module: bool) -> Build:
    """nn.Upsample (`module`) and F.interpolate, which it calls: F.interpolate's checks; only
    the function takes antialias, for ANTIALIASED modes of a 4-D input."""

    def build(args: Args, shape: Shape) -> Built:
        mode = str(exact_choice(args, "mode", MODE_RANKS))
        align = args["align_corners"]
        if align is not None:
            if mode in ("nearest", "area", "nearest-exact"):
                raise LayerError(
                    "align_corners can only be set with the interpolating modes linear, bilinear, bicubic, trilinear",
                    argument="align_corners",
                    code="CC105",
                )
            args.bool("align_corners")
        recompute = args["recompute_scale_factor"]
        if recompute is not None and args.bool("recompute_scale_factor") and args["size"] is not None:
            raise LayerError(
                "recompute_scale_factor is not meaningful with an explicit size", argument="recompute_scale_factor", code="CC105"
            )
        if not module and args.bool("antialias") and (mode not in ANTIALIASED or len(shape) != 4):
            raise LayerError(
                "antialias=True is for the modes bilinear, bicubic and lanczos on a 4-D input (batch, channels, height, width)",
                argument="antialias",
                code="CC105" if mode not in ANTIALIASED else "CC200",
            )
        return resampled(args, shape, mode, module)

    return build


upsample = interpolation(module=True)


def scaled(size: int | None, factor: int, divisor: int = 1) -> int | None:
    return None if size is None else size * factor // divisor


def pixel_shuffle(args: Args, shape: Shape) -> Built:
    """(*, C r^2, H, W) -> (*, C, H r, W r); convcalc's batch makes the input (N, ..., C, H, W)."""
    r = args.int("upscale_factor", 1)
    if len(shape) < 4:
        raise rank_error(args, shape, "an input of at least 4 dimensions (batch, channels, height, width)")
    *lead, c, h, w = shape
    if c is not None and c % (r * r):
        raise LayerError(
            f"the {c} channels are not divisible by upscale_factor squared ({r * r})", argument="upscale_factor", code="CC200"
        )
    return Built((*lead, scaled(c, 1, r * r), scaled(h, r), scaled(w, r)))


def pixel_unshuffle(args: Args, shape: Shape) -> Built:
    """(*, C, H r, W r) -> (*, C r^2, H, W): height and width must divide by r."""
    r = args.int("downscale_factor", 1)
    if len(shape) < 4:
        raise rank_error(args, shape, "an input of at least 4 dimensions (batch, channels, height, width)")
    *lead, c, h, w = shape
    for name, n in (("height", h), ("width", w)):
        if n is not None and n % r:
            raise LayerError(
                f"the {name} {n} is not divisible by downscale_factor ({r})", argument="downscale_factor", code="CC200"
            )
    return Built((*lead, scaled(c, r * r), scaled(h, 1, r), scaled(w, 1, r)))


def channel_shuffle(args: Args, shape: Shape) -> Built:
    groups = args.int("groups", 1)
    found = channels(args, shape, at_least=3)
    if found is not None and found % groups:
        raise LayerError(f"the {found} channels are not divisible by groups ({groups})", argument="groups", code="CC200")
    return Built(shape)


def pixel_unshuffle_window(args: Args, shape: Shape) -> Window:
    """PixelUnshuffle(r) folds each r x r block into channels: a window of r, stride r."""
    r = args.int("downscale_factor", 1)
    n = len(shape)
    return Window((n - 2, n - 1), (r, r), (r, r), (1, 1), (0, 0), (0, 0))


define("Upsample", upsample, Family.UPSAMPLING, macs=macs.upsampling())
define(
    "UpsamplingNearest2d",
    lambda args, shape: resampled(args, shape, "nearest"),
    Family.UPSAMPLING,
    rank=2,
    variant="nearest",
    macs=macs.upsampling("nearest"),
)
define(
    "UpsamplingBilinear2d",
    lambda args, shape: resampled(args, shape, "bilinear"),
    Family.UPSAMPLING,
    rank=2,
    variant="bilinear",
    macs=macs.upsampling("bilinear"),
)
define("PixelShuffle", pixel_shuffle, Family.UPSAMPLING, rank=2, macs=macs.zero)
define("PixelUnshuffle", pixel_unshuffle, Family.RESHAPE, rank=2, positions=Positions.WINDOW, window=pixel_unshuffle_window)
define("ChannelShuffle", channel_shuffle, Family.ELEMENTWISE)


# --- Functional ops. PyTorch merges and indexes with functions (torch.add, torch.mul, torch.cat,
# x[:, 0]), not modules, so a graph spec names convcalc's own: Add(), Multiply() broadcast their
# inputs (or take a number: Add(3) is `x + 3`); Concat(dim=1) joins them; Select(dim, index) takes
# one position. The other tensor functions and methods are in functions.py.


def pytorch_elementwise(args: Args, shapes: tuple[Shape, ...]) -> Built:
    """The inputs broadcast together; `other`, a number, is a second operand of one input
    (torch.add(x, 3), `x * 0.5`: broadcasting a number keeps the shape)."""
    if args.get("other") is not None:
        args.number("other")
        if len(shapes) != 1:
            raise LayerError(
                f"{args.type_name} with other={args['other']!r} takes one input, found {len(shapes)}",
                hint="a number stands for the second operand; leave other out to combine inputs",
                argument="inputs",
                code="CC200",
            )
    if "alpha" in args.values:
        args.number("alpha")
    merged = shapes[0]
    for shape in shapes[1:]:
        merged = broadcast(merged, shape)
    return Built(merged)


def add(args: Args, shapes: tuple[Shape, ...]) -> Built:
    """torch.add(input, other, *, alpha=1), `x + y`, `x + 3`: the sum of its inputs.

    The inputs broadcast; with the number `other`, it is added to the one input.

    Args:
        other (Number, optional): a number to add; without it, the inputs are added.
        alpha (Number): the multiplier for other.
    """
    return pytorch_elementwise(args, shapes)


def multiply(args: Args, shapes: tuple[Shape, ...]) -> Built:
    """torch.multiply(input, other), `x * y`, `x * 0.5`: the product of its inputs.

    The inputs broadcast; with the number `other`, the one input is multiplied by it.

    Args:
        other (Number, optional): a number to multiply by; without it, the inputs are multiplied.
    """
    return pytorch_elementwise(args, shapes)


def pytorch_concat(args: Args, shapes: tuple[Shape, ...]) -> Built:
    """torch.cat(tensors, dim=0): its inputs joined along `dim`, the other sizes equal, nothing
    broadcast. convcalc's default dim is 1, the channels. So a tensor with a size of its own on
    dim 0 (a parameter tensor, `class_token` of shape (1, 1, 768)) cannot join a batch of unknown
    size: only a batch of exactly that size would run.

    Args:
        dim (int): the dimension over which the tensors are concatenated.
    """
    out = concatenate(shapes, args.int("dim"))
    batches = {shape[0] for shape in shapes}
    if out and (args.int("dim") % len(out)) != 0 and None in batches and len(batches) > 1:
        known = next(b for b in batches if b is not None)
        raise LayerError(
            f"torch.cat does not broadcast: an input has {known} on dim 0 where the batch size is unknown",
            hint="expand it to the batch first, as ViT's class_token.expand(n, -1, -1), or give `batch:`",
            code="CC200",
        )
    return Built(out)


def select(args: Args, shape: Shape) -> Built:
    """torch.select(input, dim, index), `x[:, 0]`: one position of `dim`, which disappears.

    BERT's pooler reads the first token this way.

    Args:
        dim (int): the dimension to slice.
        index (int): the index to select with.
    """
    dim, index = args.int("dim"), args.int("index")
    if not -len(shape) <= dim < len(shape):
        raise LayerError(f"dim {dim} is out of range for the shape {format_shape(shape)}", argument="dim", code="CC200")
    size = shape[dim]
    if size is not None and not -size <= index < size:
        raise LayerError(f"index {index} is out of range for a dimension of size {size}", argument="index", code="CC200")
    dim %= len(shape)
    return Built(shape[:dim] + shape[dim + 1 :])


def selected_dim(args: Args, shape: Shape) -> Axes:
    return dropping(len(shape), args.int("dim"))


def concatenation_dim(args: Args, shape: Shape) -> Axes:
    """Positions along `dim` come from one input or another."""
    return mixing(len(shape), args.int("dim"))


def own(name: str, signature: Signature, build: Build, family: Family, *aliases: str, **facts: Any) -> None:
    """One of convcalc's own stand-ins for a torch function (torch.cat, x[:, 0])."""
    TYPES.append(LayerType(name, signature, build, family, aliases, own=True, **facts))


SELECT = Code("{0}.select({dim}, {index})")
own("Select", Signature((("dim", REQUIRED), ("index", REQUIRED))), select, Family.SELECT, axes=selected_dim, code=SELECT)
ADD = Code("{* + }", when=(("other", "torch.add({0}, {other}{+alpha})"), ("alpha", "torch.add({0}, {1}, alpha={alpha})")))
own("Add", Signature((("other", None),), (("alpha", 1),)), add, Family.MERGE, merges=True, code=ADD)
own(
    "Multiply",
    Signature((("other", None),)),
    multiply,
    Family.MERGE,
    merges=True,
    code=Code("{* * }", when=(("other", "{0} * {(other)}"),)),
)
CAT = Code("torch.cat([{*}], dim={dim})")
own("Concat", Signature((("dim", 1),)), pytorch_concat, Family.CONCATENATE, "Cat", merges=True, axes=concatenation_dim, code=CAT)
