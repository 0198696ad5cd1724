"""Receptive fields: which input positions each layer's output positions see, per spatial axis.

A. Araujo, W. Norris, J. Sim, "Computing Receptive Fields of Convolutional Neural Networks",
Distill 2019 (https://distill.pub/2019/computing-receptive-fields/). From the input (r = 1,
j = 1, P = 0), each layer with a window of k positions (dilated: k' = d(k - 1) + 1), stride s
and p positions of padding before the axis gives

    r_out = r_in + (k' - 1) * j_in      receptive field size
    j_out = j_in * s                    effective stride
    P_out = P_in + p * j_in             effective padding

so that output position f sees the input positions f * j - P ... f * j - P + r - 1.

Layers are read from the Report after the engine, with the engine's own arithmetic
(ops/conv.py, the vocabularies' argument readers). What convcalc does where the paper is silent:
- Element-wise layers (activations, dropout, noise, rescaling) and normalizations pass the
  field through; so does Dense/Linear when the axis it mixes is not spatial (Keras's Dense on a
  channels_last map is a 1x1 convolution). Normalizations and softmax count as element-wise, as
  the paper's library counts batch normalization: their statistics scale values, they do not
  move the window.
- Padding layers move P (cropping is negative padding); "same" pads as Keras/TensorFlow do,
  the odd position after (ops/conv.py padding_sides); with stride > 1 that depends on the
  input length, and an unknown length leaves P unknown (None). PyTorch's reflect, replicate
  and circular padding count as positions before the axis, as zeros do.
- Merges (Add, Concatenate along the channels...) take, per axis, the largest of their paths.
  Paths are aligned when they share the effective stride and the centre offset (r - 1)/2 - P;
  otherwise the merge is reported with each path's figures and every layer after it is marked.
  A path that has no field (a squeeze-and-excitation vector broadcast over the map) is left out.
- No field (None), with the reason: global pooling, Flatten, Reshape and other rearrangements
  (every output value sees the whole input, or positions no longer line up with the input's),
  recurrent, attention and embedding layers, and everything after them. Transposed
  convolutions, up-sampling and PixelShuffle also end the field: the paper leaves them out, and
  each output position's window no longer starts at a multiple of one stride (output position
  f sees input positions that depend on f modulo the up-sampling factor).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from convcalc.ops.conv import effective_kernel, padding_sides
from convcalc.report import Report, Row, Shape
from convcalc.signature import Args

if TYPE_CHECKING:
    from convcalc.render import Columns


@dataclass(frozen=True)
class Field:
    """The receptive field of a layer's output with respect to the graph input `input`, one value
    per spatial axis of the output (`axes`, indices into its shape, batch = 0)."""

    input: str
    axes: tuple[int, ...]
    size: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int | None, ...]
    misaligned: tuple[str, ...] = ()  # merges, here or upstream, whose paths do not line up

    @property
    def trivial(self) -> bool:
        """One input position per output position: nothing has moved the window yet."""
        return set(self.size) <= {1} and set(self.stride) <= {1} and set(self.padding) <= {0}


@dataclass(frozen=True)
class LayerField:
    """One row's receptive field, or None and the reason; at a misaligned merge, its paths."""

    name: str
    field: Field | None
    reason: str = ""
    paths: tuple[tuple[str, Field], ...] = ()


@dataclass(frozen=True)
class Window:
    """How a layer moves positions along its spatial axes: the dilated kernel, the stride and
    the padding before each axis (negative crops; None where it cannot be known)."""

    axes: tuple[int, ...]
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    before: tuple[int | None, ...]


class Stop(Exception):
    """The layer has no receptive field; the message says why."""


def step(field: Field, window: Window) -> Field:
    """One layer of the paper's recurrence, per axis.

    >>> f = Field("x", (1,), (1,), (1,), (0,))
    >>> f = step(f, Window((1,), (3,), (2,), (1,)))   # 3-wide window, stride 2, padding 1
    >>> f = step(f, Window((1,), (3,), (1,), (1,)))   # then 3 wide, stride 1, padding 1
    >>> f.size, f.stride, f.padding                   # 3 + (3 - 1) * 2 = 7; 2 * 1; 1 + 1 * 2
    ((7,), (2,), (3,))
    """
    if window.axes != field.axes:
        if not field.trivial:
            raise Stop(f"its spatial axes {window.axes} are not the ones the field was measured on {field.axes}")
        field = Field(field.input, window.axes, (1,) * len(window.axes), (1,) * len(window.axes), (0,) * len(window.axes))
    size = tuple(r + (k - 1) * j for r, k, j in zip(field.size, window.kernel, field.stride))
    stride = tuple(j * s for j, s in zip(field.stride, window.stride))
    padding = tuple(
        None if p_in is None or p is None else p_in + p * j for p_in, p, j in zip(field.padding, window.before, field.stride)
    )
    return Field(field.input, field.axes, size, stride, padding, field.misaligned)  # per layer: not dataclasses.replace


def start(name: str, shape: Shape, framework: str) -> Field | None:
    """A graph input's field: every spatial axis sees itself. Keras's inputs are channels_last,
    PyTorch's channels_first; an input without spatial axes (features only) has none."""
    rank = len(shape) - 2
    if rank < 1:
        return None
    axes = tuple(range(1, rank + 1)) if framework == "keras" else tuple(range(2, rank + 2))
    return Field(name, axes, (1,) * rank, (1,) * rank, (0,) * rank)


def receptive_fields(report: Report) -> tuple[LayerField, ...]:
    """Every row's receptive field with respect to the graph input its paths start from."""
    known: dict[str, Field | None] = {i.name: start(i.name, i.shape, report.framework) for i in report.inputs}
    why: dict[str, str] = {i.name: f"the input {i.name} has no spatial axes" for i in report.inputs}
    rules = KERAS_RULES if report.framework == "keras" else PYTORCH_RULES
    results = []
    for row in report.rows:
        incoming: list[tuple[str, Field]] = []
        missing = ""
        for index, ref in enumerate(row.inputs):
            node, _, rest = ref.partition("[")
            field = known.get(node) if rest in ("", "0]") else None
            if field is not None:
                incoming.append((ref, field))
            elif not (len(row.inputs) > 1 and broadcast(row.input_shapes[index], row.output_shape)):
                missing = missing or (why[node] if rest in ("", "0]") else f"{ref} is not a spatial map")
        result = _layer(row, incoming, missing, rules)
        known[row.name] = result.field
        why[row.name] = result.reason if result.reason.startswith("after ") else f"after {row.name}: {result.reason}"
        results.append(result)
    return tuple(results)


def broadcast(shape: Shape, output: Shape) -> bool:
    """An input that a merge broadcasts over the map (a squeeze-and-excitation vector): of a
    lower rank, or of size 1 wherever the output is larger.

    >>> broadcast((None, 1, 1, 64), (None, 28, 28, 64)), broadcast((None, 28, 28, 64), (None, 28, 28, 64))
    (True, False)
    """
    if len(shape) < len(output):
        return True
    return any(s == 1 and o != 1 for s, o in zip(shape[1:], output[1:]))


def _layer(row: Row, incoming: list[tuple[str, Field]], missing: str, rules: dict[str, Rule]) -> LayerField:
    rule = rules.get(row.type)
    if rule is None:
        return LayerField(row.name, None, f"convcalc does not know how {row.type} moves positions")
    if rule is MERGE:
        return _merge(row, incoming, missing)
    if not incoming:
        return LayerField(row.name, None, missing or "it has no spatial input")
    field = incoming[0][1]
    args = Args(row.type, dict(row.arguments))
    try:
        return LayerField(row.name, rule(args, row, field))
    except Stop as stop:
        return LayerField(row.name, None, f"{row.type}: {stop}")


# --- Merges


def _merge(row: Row, incoming: list[tuple[str, Field]], missing: str) -> LayerField:
    """Per axis the largest path; the paths are aligned when they share the effective stride and
    the centre offset (r - 1)/2 - P (the paper's condition, compared as r - 1 - 2P)."""
    if missing or not incoming:
        return LayerField(row.name, None, missing or "none of its inputs is a spatial map")
    rank = len(row.output_shape)
    shifted = []
    for ref, field in incoming:
        # Inputs of a lower rank broadcast from the right: their axes move along.
        shape = row.input_shapes[list(row.inputs).index(ref)]
        shift = rank - len(shape)
        shifted.append((ref, replace(field, axes=tuple(a + shift for a in field.axes))))
    axes = shifted[0][1].axes
    if any(f.axes != axes for _, f in shifted):
        return LayerField(row.name, None, "its inputs have different spatial axes")
    if row.type in ("Concatenate", "Concat"):
        axis = row.arguments.get("axis", row.arguments.get("dim", -1))
        if isinstance(axis, int) and axis % rank in axes:
            return LayerField(row.name, None, "it concatenates along a spatial axis, so positions no longer line up")
    fields = [f for _, f in shifted]
    size, stride, padding = [], [], []
    aligned = len({f.input for f in fields}) == 1
    for i in range(len(axes)):
        best = max(fields, key=lambda f: f.size[i])
        size.append(best.size[i])
        stride.append(best.stride[i])
        paddings = [f.padding[i] for f in fields]
        padding.append(best.padding[i])
        if len({f.stride[i] for f in fields}) > 1:
            aligned = False
        if None not in paddings and len({f.size[i] - 1 - 2 * f.padding[i] for f in fields}) > 1:  # type: ignore[operator]
            aligned = False
    upstream = tuple(dict.fromkeys(name for f in fields for name in f.misaligned))
    marks = upstream if aligned else (*upstream, row.name)
    field = Field(fields[0].input, axes, tuple(size), tuple(stride), tuple(padding), marks)
    return LayerField(row.name, field, paths=() if aligned else tuple(shifted))


# --- Rules: each layer type's Window, read with the engine's argument readers

Rule = Callable[[Args, Row, Field], Field]


def MERGE(args: Args, row: Row, field: Field) -> Field:
    raise NotImplementedError


def through(args: Args, row: Row, field: Field) -> Field:
    """Element-wise in space: the output position sees what the input position saw."""
    return field


def last_axis(args: Args, row: Row, field: Field) -> Field:
    """Dense / Linear mix the last axis only: element-wise in space unless that axis is spatial."""
    if len(row.input_shapes[0]) - 1 in field.axes:
        raise Stop("it mixes the last axis, which is spatial here")
    return field


def on_axis(name: str, default: int) -> Rule:
    """A layer that works along one axis (GLU's halves): element-wise in space unless that axis is spatial."""

    def rule(args: Args, row: Row, field: Field) -> Field:
        value = args.get(name, default)
        axis = value if isinstance(value, int) else default
        if axis % len(row.input_shapes[0]) in field.axes:
            raise Stop(f"it works along the spatial axis {name}={value}")
        return field

    return rule


def stop(reason: str) -> Rule:
    def rule(args: Args, row: Row, field: Field) -> Field:
        raise Stop(reason)

    return rule


def rank_of(type_name: str) -> int:
    """1, 2 or 3 from the class name: Conv2D, MaxPool3d, ZeroPadding1D."""
    found = re.search(r"(\d)[dD]", type_name)
    return int(found.group(1)) if found else 2


def spatial_axes(args: Args, row: Row) -> tuple[int, ...]:
    """A Keras layer's spatial axes in its input, by its data_format."""
    from convcalc.frameworks.keras import layout

    n = len(row.input_shapes[0])
    return tuple(range(2, n)) if not layout(args).channels_last else tuple(range(1, n - 1))


def window(
    row: Row, axes: tuple[int, ...], kernel: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...], padding: object
) -> Window:
    """A sliding window's Window: `padding` is one amount per axis, or a Keras/PyTorch string."""
    shape = row.input_shapes[0]
    before = []
    for i, (axis, k, s, d) in enumerate(zip(axes, kernel, stride, dilation)):
        amount = padding[i] if isinstance(padding, tuple) else padding
        sides = padding_sides(shape[axis], k, s, amount, d)  # type: ignore[arg-type]
        before.append(None if sides is None else sides[0])
    return Window(axes, tuple(effective_kernel(k, d) for k, d in zip(kernel, dilation)), stride, tuple(before))


def keras_conv(args: Args, row: Row, field: Field) -> Field:
    """Conv, DepthwiseConv and SeparableConv (the depthwise step carries the window; the 1x1
    pointwise step does not move it)."""
    rank = rank_of(row.type)
    kernel, strides = args.ints("kernel_size", rank), args.ints("strides", rank)
    dilation = args.ints("dilation_rate", rank)
    padding = str(args["padding"]).lower()
    return step(field, window(row, spatial_axes(args, row), kernel, strides, dilation, padding))


def keras_pool(args: Args, row: Row, field: Field) -> Field:
    rank = rank_of(row.type)
    pool = args.ints("pool_size", rank)
    strides = pool if args["strides"] is None else args.ints("strides", rank)
    return step(field, window(row, spatial_axes(args, row), pool, strides, (1,) * rank, str(args["padding"])))


def keras_padding(name: str, sign: int) -> Rule:
    """ZeroPadding (sign 1) and Cropping (sign -1): the amounts before each axis, read as the
    layer reads them (frameworks/keras.py sides)."""

    def rule(args: Args, row: Row, field: Field) -> Field:
        from convcalc.frameworks.keras import sides

        rank = rank_of(row.type)
        amounts = sides(args, name, rank, negative_int=sign > 0)
        ones = (1,) * rank
        return step(field, Window(spatial_axes(args, row), ones, ones, tuple(sign * a for a, _ in amounts)))

    return rule


def pytorch_conv(args: Args, row: Row, field: Field) -> Field:
    from convcalc.frameworks.pytorch import conv_sides

    rank = rank_of(row.type)
    kernel, stride, dilation = args.ints("kernel_size", rank), args.ints("stride", rank), args.ints("dilation", rank)
    before = tuple(a for a, _ in conv_sides(args, rank, kernel, stride, dilation))
    axes = tuple(range(len(row.input_shapes[0]) - rank, len(row.input_shapes[0])))
    return step(field, window(row, axes, kernel, stride, dilation, before))


def pytorch_pool(kind: str) -> Rule:
    """MaxPool (padding, dilation), AvgPool (padding), LPPool (neither); ceil_mode only adds a
    window at the end, which moves nothing."""

    def rule(args: Args, row: Row, field: Field) -> Field:
        from convcalc.frameworks.pytorch import window_stride

        rank = rank_of(row.type)
        kernel = args.ints("kernel_size", rank)
        stride = window_stride(args, rank, kernel)
        padding = (0,) * rank if kind == "lp" else args.ints("padding", rank, minimum=0)
        dilation = args.ints("dilation", rank) if kind == "max" else (1,) * rank
        n = len(row.input_shapes[0])
        return step(field, window(row, tuple(range(n - rank, n)), kernel, stride, dilation, padding))

    return rule


def pytorch_adaptive(args: Args, row: Row, field: Field) -> Field:
    """An adaptive pool whose output size divides its input size is a pool of kernel = stride =
    in / out (torch's windows start at floor(i * in / out)); other sizes give windows of
    varying width, and the field ends."""
    rank = rank_of(row.type)
    n = len(row.input_shapes[0])
    axes = tuple(range(n - rank, n))
    if all(row.output_shape[a] == 1 for a in axes):
        raise Stop("global pooling: each output value sees the whole input")
    kernel = []
    for axis in axes:
        size_in, size_out = row.input_shapes[0][axis], row.output_shape[axis]
        if size_in is None or size_out is None or size_in % size_out:
            raise Stop(f"its windows vary in width ({size_in} positions into {size_out})")
        kernel.append(size_in // size_out)
    return step(field, Window(axes, tuple(kernel), tuple(kernel), (0,) * rank))


def pytorch_padding(args: Args, row: Row, field: Field) -> Field:
    """F.pad's amounts, last axis first: (left, right, top, bottom, ...)."""
    from convcalc.frameworks.pytorch import pad_amounts

    pads = pad_amounts(args, rank_of(row.type))
    n = len(row.input_shapes[0])
    before = {n - 1 - i: pads[2 * i] for i in range(len(pads) // 2)}
    ones = (1,) * len(field.axes)
    return step(field, Window(field.axes, ones, ones, tuple(before.get(a, 0) for a in field.axes)))


def pixel_unshuffle(args: Args, row: Row, field: Field) -> Field:
    """PixelUnshuffle(r) folds each r x r block into channels: a window of r, stride r."""
    r = args.int("downscale_factor", 1)
    n = len(row.input_shapes[0])
    return step(field, Window((n - 2, n - 1), (r, r), (r, r), (0, 0)))


GLOBAL = stop("global pooling: each output value sees the whole input")
REARRANGES = stop("it rearranges positions, so the output is no longer a map of the input's")
UPSAMPLES = stop("it spreads each input position over several output positions (the paper leaves such layers out)")
NOT_SPATIAL = stop("it is not a spatial layer")

# Layers that leave every spatial position where it is (element-wise, normalizations, dropout).
# fmt: off
KERAS_ELEMENTWISE = (
    "Activation", "ActivityRegularization", "AlphaDropout", "BatchNormalization", "Dropout", "ELU",
    "GaussianDropout", "GaussianNoise", "GroupNormalization", "Identity", "LayerNormalization", "LeakyReLU",
    "Masking", "Normalization", "PReLU", "ReLU", "RMSNormalization", "Rescaling", "Softmax",
    "UnitNormalization",
)
PYTORCH_ELEMENTWISE = (
    "CELU", "ELU", "GELU", "Hardshrink", "Hardsigmoid", "Hardswish", "Hardtanh", "LeakyReLU", "LogSigmoid",
    "LogSoftmax", "Mish", "PReLU", "RReLU", "ReLU", "ReLU6", "SELU", "SiLU", "Sigmoid", "Softmax",
    "Softmax2d", "Softmin", "Softplus", "Softshrink", "Softsign", "Tanh", "Tanhshrink", "Threshold",
    "AlphaDropout", "FeatureAlphaDropout", "Dropout", "Identity", "ChannelShuffle", "SyncBatchNorm",
    "GroupNorm", "LayerNorm", "RMSNorm", "LocalResponseNorm", "CrossMapLRN2d",
)
# fmt: on

KERAS_RULES: dict[str, Rule] = {}
for _n in (1, 2, 3):
    KERAS_RULES |= {
        f"Conv{_n}D": keras_conv,
        f"Conv{_n}DTranspose": UPSAMPLES,
        f"MaxPooling{_n}D": keras_pool,
        f"AveragePooling{_n}D": keras_pool,
        f"GlobalMaxPooling{_n}D": GLOBAL,
        f"GlobalAveragePooling{_n}D": GLOBAL,
        f"ZeroPadding{_n}D": keras_padding("padding", 1),
        f"Cropping{_n}D": keras_padding("cropping", -1),
        f"UpSampling{_n}D": UPSAMPLES,
        f"SpatialDropout{_n}D": through,
    }
for _n in (1, 2):
    KERAS_RULES |= {f"DepthwiseConv{_n}D": keras_conv, f"SeparableConv{_n}D": keras_conv}
for _name in KERAS_ELEMENTWISE:
    KERAS_RULES[_name] = through
for _name in ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate"]:
    KERAS_RULES[_name] = MERGE
for _name in ["Flatten", "Reshape", "Permute", "RepeatVector", "Dot"]:
    KERAS_RULES[_name] = REARRANGES
for _name in ["Embedding", "SimpleRNN", "GRU", "LSTM", "Bidirectional", "TimeDistributed", "MultiHeadAttention"]:
    KERAS_RULES[_name] = NOT_SPATIAL
KERAS_RULES["Dense"] = last_axis

PYTORCH_RULES: dict[str, Rule] = {}
for _n in (1, 2, 3):
    PYTORCH_RULES |= {
        f"Conv{_n}d": pytorch_conv,
        f"ConvTranspose{_n}d": UPSAMPLES,
        f"MaxPool{_n}d": pytorch_pool("max"),
        f"AvgPool{_n}d": pytorch_pool("avg"),
        f"LPPool{_n}d": pytorch_pool("lp"),
        f"AdaptiveMaxPool{_n}d": pytorch_adaptive,
        f"AdaptiveAvgPool{_n}d": pytorch_adaptive,
    }
    for _kind in ("Zero", "Constant", "Reflection", "Replication", "Circular"):
        PYTORCH_RULES[f"{_kind}Pad{_n}d"] = pytorch_padding
    for _kind in ("BatchNorm", "InstanceNorm", "Dropout"):
        PYTORCH_RULES[f"{_kind}{_n}d"] = through
for _name in PYTORCH_ELEMENTWISE:
    PYTORCH_RULES[_name] = through
PYTORCH_RULES |= {
    "GLU": on_axis("dim", -1),
    "Linear": last_axis,
    "Add": MERGE,
    "Multiply": MERGE,
    "Concat": MERGE,
    "PixelUnshuffle": pixel_unshuffle,
    "PixelShuffle": UPSAMPLES,
    "Upsample": UPSAMPLES,
    "UpsamplingNearest2d": UPSAMPLES,
    "UpsamplingBilinear2d": UPSAMPLES,
    "Flatten": REARRANGES,
    "Unflatten": REARRANGES,
}
for _name in ["Embedding", "RNN", "LSTM", "GRU", "MultiheadAttention", "Transformer", "TransformerEncoder", "TransformerDecoder"]:
    PYTORCH_RULES[_name] = NOT_SPATIAL
for _name in ("TransformerEncoderLayer", "TransformerDecoderLayer"):
    PYTORCH_RULES[_name] = NOT_SPATIAL


def axis_text(values: tuple[int | None, ...]) -> str:
    """Per-axis values as a table cell: `212x212`, `?` where unknown.

    >>> axis_text((212, 212)), axis_text((5,)), axis_text((0, None))
    ('212x212', '5', '0x?')
    """
    return "x".join("?" if v is None else str(v) for v in values)


def field_data(result: LayerField) -> dict[str, object] | None:
    """A row's `receptive_field` in the JSON document (convcalc-1.schema.json), or None."""
    field = result.field
    if field is None:
        return None
    return {
        "size": list(field.size),
        "stride": list(field.stride),
        "padding": list(field.padding),
        "axes": list(field.axes),
        "input": field.input,
        "misaligned": list(field.misaligned),
        "paths": [
            {"input": ref, "size": list(f.size), "stride": list(f.stride), "padding": list(f.padding)} for ref, f in result.paths
        ],
    }


def columns(report: Report) -> Columns:
    """`summary --receptive-field`: three columns, and notes under the table (a `*` marks a
    field after a merge whose paths do not line up)."""
    from convcalc.render import Columns

    cells: dict[str, tuple[str, ...]] = {}
    notes = ["RF: receptive field size, stride and padding with respect to the input, per spatial axis; - where none."]
    for result in receptive_fields(report):
        field = result.field
        if field is None:
            cells[result.name] = ("-", "-", "-")
            continue
        mark = "*" if field.misaligned else ""
        cells[result.name] = (axis_text(field.size) + mark, axis_text(field.stride), axis_text(field.padding))
        if result.paths:
            paths = "; ".join(
                f"{ref} {axis_text(f.size)}, stride {axis_text(f.stride)}, padding {axis_text(f.padding)}"
                for ref, f in result.paths
            )
            notes.append(f"* {result.name}: its paths do not line up ({paths}); the largest is shown")
    return Columns(("RF", "RF stride", "RF padding"), cells, tuple(notes))
