"""`convcalc explain`: why a layer has its output shape and its weights, as arithmetic with the
numbers filled in, in words a learner can follow.

Each explanation is a list of Steps: what is computed, the formula in words, the formula with
the layer's numbers substituted, and the value. The values come from the engine's own formulas
(ops/conv.py, ops/pool.py, ops/padding.py, ops/reshape.py, ops/recurrent.py) and from the
Report's weights; this module only says what each number is. Layers it has no words for get a
generic explanation: their output shape, and each weight's size as the product of its shape.

JSON (`--format json`, schema "convcalc-explain/1"): {schema, framework, layers: [{name, type,
arguments, input_shapes, output_shape, outputs, params, trainable_params, non_trainable_params,
steps: [{part, what, formula, substituted, value, note}]}]}: `part` is "shape" or "weights",
`value` an integer, or null when the step states a shape or a size is unknown.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field

from convcalc.ops.conv import (
    conv_output_length,
    effective_kernel,
    keras_transposed_output_length,
    padding_sides,
    transposed_output_length,
)
from convcalc.ops.layout import format_shape
from convcalc.ops.padding import padded_length
from convcalc.ops.pool import pool_output_length
from convcalc.ops.recurrent import gates, recurrent_params
from convcalc.ops.reshape import flattened
from convcalc.report import Report, Row, Shape
from convcalc.signature import Args

SCHEMA = "convcalc-explain/1"
AXES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}
OUTPUT_PADDING = "output_padding adds positions at the end: with stride > 1, several lengths map back to one input length"
AFTER = {"length": "at the end", "depth": "at the back", "height": "at the bottom", "width": "on the right"}


@dataclass(frozen=True)
class Step:
    """One line of arithmetic: `what` = `formula` = `substituted` = `value`."""

    part: str  # "shape" or "weights"
    what: str
    formula: str
    substituted: str
    value: int | None
    note: str = ""


@dataclass(frozen=True)
class Explanation:
    name: str
    type: str
    framework: str
    arguments: dict[str, object]  # the arguments the steps use, defaults included
    input_shapes: tuple[Shape, ...]
    outputs: tuple[Shape, ...]
    params: int
    trainable_params: int
    non_trainable_params: int
    steps: tuple[Step, ...]


@dataclass
class Context:
    """What an explainer reads (the row and its bound arguments) and fills in (shape steps, the
    arguments it used, names for the weights' dimensions and a sentence about the weights)."""

    row: Row
    args: Args
    framework: str
    steps: list[Step] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)
    dims: dict[str, tuple[str, ...]] = field(default_factory=dict)
    spelled: dict[str, str] = field(default_factory=dict)  # a dimension name -> how its size is written
    weight_note: str = ""
    fallback: bool = False  # the layer's own explainer failed; the generic one speaks

    @property
    def shape(self) -> Shape:
        return self.row.input_shapes[0]

    def use(self, *names: str) -> None:
        self.shown.extend(n for n in names if n in self.args.values and n not in self.shown)

    def add(self, what: str, formula: str, substituted: str, value: int | None, note: str = "") -> None:
        """A shape step; a note already given for an earlier axis is not repeated."""
        if any(step.note == note for step in self.steps):
            note = ""
        self.steps.append(Step("shape", what, formula, substituted, value, note))


Explainer = Callable[[Context], None]


def explain(report: Report, names: tuple[str, ...] = ()) -> tuple[Explanation, ...]:
    """The explanation of each row named (all rows when `names` is empty)."""
    rows = [r for r in report.rows if not names or r.name in names]
    return tuple(explain_row(row, report.framework) for row in rows)


def explain_row(row: Row, framework: str) -> Explanation:
    ctx = Context(row, Args(row.type, dict(row.arguments)), framework)
    explainer = (KERAS if framework == "keras" else PYTORCH).get(row.type, generic)
    try:
        explainer(ctx)
    except Exception:  # a layer convcalc cannot spell out: say what it can rather than fail
        ctx = Context(row, ctx.args, framework, fallback=True)
    if not ctx.steps:
        generic(ctx)
    steps = ctx.steps + weight_steps(ctx)
    arguments = {n: row.arguments[n] for n in ctx.shown}
    return Explanation(
        row.name,
        row.type,
        framework,
        arguments,
        row.input_shapes,
        row.outputs,
        row.params,
        row.trainable_params,
        row.non_trainable_params,
        tuple(steps),
    )


# --- Weights: every weight's size as the product of its named dimensions, then the total


def weight_steps(ctx: Context) -> list[Step]:
    row = ctx.row
    steps = []
    for weight in row.weights:
        names = ctx.dims.get(weight.name, ())
        numbers = [ctx.spelled.get(n, f"{d:,}") for n, d in zip(names, weight.shape)]
        if len(names) != len(weight.shape):  # no words for it: the product of its shape
            names, numbers = ("its shape " + format_shape(weight.shape),), [" x ".join(f"{d:,}" for d in weight.shape)]
        note = []
        if weight.shared:
            note.append(f"shared with {row.shared_with}: counted there, not here")
        if not weight.trainable:
            note.append("not trainable")
        formula = " x ".join(names) if weight.shape else "one number"
        substituted = " x ".join(numbers) if weight.shape else "1"
        steps.append(Step("weights", weight.name, formula, substituted, weight.size, "; ".join(note)))
    counted = [w for w in row.weights if not w.shared]
    if not row.weights:
        steps.append(Step("weights", "params", "no weights", "0", 0, ctx.weight_note or f"{row.type} has nothing to learn"))
        return steps
    if len(counted) > 1:
        formula = " + ".join(w.name for w in counted)
        steps.append(Step("weights", "params", formula, " + ".join(f"{w.size:,}" for w in counted), row.params, ctx.weight_note))
    elif ctx.weight_note:
        last = steps[-1]
        note = "; ".join(filter(None, [last.note, ctx.weight_note]))
        steps[-1] = Step("weights", last.what, last.formula, last.substituted, last.value, note)
    frozen = [w for w in counted if not w.trainable]
    if frozen and len(frozen) < len(counted):
        steps.append(
            Step(
                "weights",
                "non-trainable",
                " + ".join(w.name for w in frozen),
                " + ".join(f"{w.size:,}" for w in frozen),
                row.non_trainable_params,
            )
        )
    return steps


# --- Sliding windows: convolutions and pooling, one formula per axis (ops/conv.py, ops/pool.py)


@dataclass(frozen=True)
class Axis:
    name: str
    index: int  # in the input shape
    out_index: int  # in the output shape
    kernel: int
    stride: int
    dilation: int = 1


def axes_of(ctx: Context, rank: int, channels_last: bool) -> list[tuple[str, int]]:
    n = len(ctx.shape)
    first = n - rank - (1 if channels_last else 0)
    return [(name, first + i) for i, name in enumerate(AXES[rank])]


def window(
    ctx: Context,
    axis: Axis,
    padding: object,
    mode: str = "constant",
    ceil_mode: bool = False,
    pool: bool = False,
    note: str = "",
    dilated: bool = True,
) -> None:
    """One spatial axis of a convolution or pooling: "same" first shows the padding it adds and
    where the odd position goes, then the output length; explicit padding goes into the formula
    (its total over both sides). `note` goes on the length step; windows that cannot be dilated
    (pooling but PyTorch's MaxPool) are written with `kernel` alone."""
    n = ctx.shape[axis.index]
    k, s, d = axis.kernel, axis.stride, axis.dilation
    what = axis.name
    if n is None:
        ctx.add(what, "in is unknown (None)", "None", None)
        return
    if padding == "same" and ctx.framework == "keras":
        before, after = padding_sides(n, k, s, "same", d)  # type: ignore[misc]
        ctx.add(
            f"padding ({what})",
            f"max((ceil(in / stride) - 1)*stride + {'dilation*(kernel-1) + 1' if dilated else 'kernel'} - in, 0)",
            f"max((ceil({n} / {s}) - 1)*{s} + {f'{d}*({k}-1) + 1' if dilated else k} - {n}, 0)",
            before + after,
            split(before, after, what),
        )
        value = conv_output_length(n, k, s, "same", d)
        ctx.add(what, "ceil(in / stride)", f"ceil({n} / {s})", value, note or 'padding="same" keeps ceil(in / stride) positions')
        return
    if padding in ("same", "causal"):  # PyTorch's "same" (stride 1) and Keras's "causal": the padding, then the formula
        before, after = padding_sides(n, k, s, padding, d)  # type: ignore[misc]
        where = split(before, after, what) if padding == "same" else 'padding="causal": all before, nothing after'
        ctx.add(f"padding ({what})", "dilation*(kernel-1)", f"{d}*({k}-1)", before + after, where)
    elif isinstance(padding, tuple):
        before, after = padding
    elif padding in ("valid", None):
        before = after = 0
    else:
        before = after = int(padding)  # type: ignore[call-overload]
    rounding = "ceil" if ceil_mode else "floor"
    if dilated:
        formula = f"{rounding}((in + padding - dilation*(kernel-1) - 1) / stride) + 1"
        substituted = f"{rounding}(({n} + {before + after} - {d}*({k}-1) - 1) / {s}) + 1"
    else:
        formula = f"{rounding}((in + padding - kernel) / stride) + 1"
        substituted = f"{rounding}(({n} + {before + after} - {k}) / {s}) + 1"
    if pool:
        value = pool_output_length(n, k, s, before, d, ceil_mode)
    else:
        value = conv_output_length(padded_length(n, before, after, mode), k, s, 0, d)
    if not any(step.formula == formula for step in ctx.steps):  # said once, on the first axis
        span = f"{effective_kernel(k, d)} positions (dilation*(kernel-1) + 1)" if dilated else f"{k} positions"
        fits = f"the number of windows of {span}, stepping by {s}, that fit in {n} + {before + after} positions (input + padding)"
        rounded = "ceil_mode=True rounds up, but a last window that would start in the padding is dropped"
        note = "; ".join(filter(None, [fits, rounded if ceil_mode else "", note]))
    ctx.add(what, formula, substituted, value, note)


def product(numbers: list[int | None]) -> str:
    """`3 x 3 x 32 = 288`, the way the notes count weights.

    >>> product([3, 3, 32])
    '3 x 3 x 32 = 288'
    """
    total = 1
    for n in numbers:
        total *= n or 0
    return " x ".join(str(n) for n in numbers) + f" = {total:,}"


def split(before: int, after: int, axis: str) -> str:
    """Where "same" puts its padding.

    >>> split(0, 1, "width")
    '0 before and 1 after: the odd one goes after (on the right)'
    """
    odd = f": the odd one goes after ({AFTER[axis]})" if (before + after) % 2 else ""
    return f"{before} before and {after} after{odd}"


def spans(ctx: Context, axes: list[Axis]) -> str:
    return " x ".join(str(a.kernel) for a in axes)


def channels_of(ctx: Context, channels_last: bool) -> int | None:
    return ctx.shape[-1] if channels_last else ctx.shape[1]


# --- Keras


def keras_layout(ctx: Context) -> bool:
    if ctx.args.get("data_format") == "channels_first":
        ctx.use("data_format")
        return False
    return True


def kernel_dims(rank: int) -> tuple[str, ...]:
    return tuple(f"kernel {name}" for name in AXES[rank])


def keras_conv(rank: int, kind: str) -> Explainer:
    def explain(ctx: Context) -> None:
        args = ctx.args
        last = keras_layout(ctx)
        kernel, strides, dilation = args.ints("kernel_size", rank), args.ints("strides", rank), args.ints("dilation_rate", rank)
        padding = str(args["padding"]).lower()
        ctx.use("filters", "kernel_size", "strides", "padding", "dilation_rate")
        axes = [Axis(name, i, i, k, s, d) for (name, i), k, s, d in zip(axes_of(ctx, rank, last), kernel, strides, dilation)]
        cin = channels_of(ctx, last)
        kdims = kernel_dims(rank)
        if kind == "transpose":
            ctx.use("output_padding")
            output_padding = args["output_padding"]
            ops = None if output_padding is None else args.ints("output_padding", rank, minimum=0)
            for i, axis in enumerate(axes):
                keras_transposed(ctx, axis, padding, None if ops is None else ops[i])
            filters = args.int("filters")
            ctx.add("channels", "filters", str(filters), filters)
            ctx.dims = {"kernel": (*kdims, "filters", "input channels"), "bias": ("filters",)}
            ctx.weight_note = (
                f"A transposed convolution's kernel is stored (kernel..., filters, input channels): each input "
                f"position spreads its {cin} channels over a {spans(ctx, axes)} patch of the {filters} output channels."
            )
            return
        for axis in axes:
            window(ctx, axis, padding)
        if kind == "conv":
            ctx.use("groups")
            filters, groups = args.int("filters"), args.int("groups")
            ctx.add("channels", "filters", str(filters), filters)
            per_filter = product([*kernel, cin // groups if cin else cin])
            if groups == 1:
                ctx.dims = {"kernel": (*kdims, "input channels", "filters"), "bias": ("filters",)}
                ctx.weight_note = (
                    f"Each of the {filters} filters spans all {cin} input channels ({per_filter} weights"
                    f"{' and one bias' if args.bool('use_bias') else ''}) and sums them into one output channel, "
                    f"so the output has {filters} channels, not {cin} x {filters}."
                )
            else:
                ctx.dims = {"kernel": (*kdims, "(input channels / groups)", "filters"), "bias": ("filters",)}
                ctx.weight_note = (
                    f"groups={groups} splits the {cin} input channels into {groups} groups of {cin // groups}; each of "
                    f"the {filters} filters sees only its group's channels ({per_filter} weights), "
                    f"{groups} times fewer weights than a full convolution."
                )
            return
        ctx.use("depth_multiplier")
        multiplier = args.int("depth_multiplier")
        if kind == "depthwise":
            ctx.add("channels", "input channels x depth_multiplier", f"{cin} x {multiplier}", cin * multiplier if cin else None)
            ctx.dims = {
                "kernel": (*kdims, "input channels", "depth_multiplier"),
                "bias": ("(input channels x depth_multiplier)",),
            }
            ctx.spelled = {"(input channels x depth_multiplier)": f"({cin} x {multiplier})"}
            ctx.weight_note = (
                f"Depthwise: each of the {cin} input channels has its own {multiplier} filter(s) of "
                f"{spans(ctx, axes)}; no filter mixes channels, so the output has {cin} x {multiplier} channels."
            )
            return
        filters = args.int("filters")
        ctx.add("channels", "filters", str(filters), filters)
        ctx.dims = {
            "depthwise_kernel": (*kdims, "input channels", "depth_multiplier"),
            "pointwise_kernel": (*("1",) * rank, "(input channels x depth_multiplier)", "filters"),
            "bias": ("filters",),
        }
        ctx.spelled = {"(input channels x depth_multiplier)": f"({cin} x {multiplier})"}
        full = product([*kernel, cin, filters])
        ctx.weight_note = (
            f"Separable: a {spans(ctx, axes)} depthwise filter per input channel, then a 1x1 pointwise "
            f"convolution that mixes the channels into {filters}; a full convolution would need {full} weights."
        )

    return explain


def keras_transposed(ctx: Context, axis: Axis, padding: str, output_padding: int | None) -> None:
    """Keras's rule (ops/conv.py keras_transposed_output_length), with or without output_padding."""
    n, k, s, d = ctx.shape[axis.index], axis.kernel, axis.stride, axis.dilation
    if n is None:
        ctx.add(axis.name, "in is unknown (None)", "None", None)
        return
    value = keras_transposed_output_length(n, k, s, padding, output_padding, d)
    span = f"({d}*({k}-1) + 1)"
    if output_padding is None and padding == "valid":
        formula, text = "(in - 1)*stride + max(dilation*(kernel-1) + 1, stride)", f"({n} - 1)*{s} + max({span}, {s})"
    elif output_padding is None:
        formula, text = "in * stride", f"{n} * {s}"
    elif padding == "valid":
        formula = "(in - 1)*stride + dilation*(kernel-1) + 1 + output_padding"
        text = f"({n} - 1)*{s} + {span} + {output_padding}"
    else:
        formula = "(in - 1)*stride + (dilation*(kernel-1) + 1) % 2 + output_padding"
        text = f"({n} - 1)*{s} + {span} % 2 + {output_padding}"
    note = "" if output_padding is None else OUTPUT_PADDING
    if output_padding is not None and padding == "same":
        note += f'; padding="same" then takes (dilation*(kernel-1) + 1) // 2 = {effective_kernel(k, d) // 2} from each side'
    ctx.add(axis.name, formula, text, value, note)


def keras_pool(rank: int) -> Explainer:
    def explain(ctx: Context) -> None:
        args = ctx.args
        last = keras_layout(ctx)
        pool = args.ints("pool_size", rank)
        strides = pool if args["strides"] is None else args.ints("strides", rank)
        ctx.use("pool_size", "strides", "padding")
        axes = [Axis(name, i, i, k, s) for (name, i), k, s in zip(axes_of(ctx, rank, last), pool, strides)]
        for axis in axes:
            window(ctx, axis, str(args["padding"]), dilated=False)
        cin = channels_of(ctx, last)
        note = "strides=None: the windows step by pool_size, side by side" if args["strides"] is None else ""
        pooled_channels(ctx, cin, note)

    return explain


def pooled_channels(ctx: Context, channels: int | None, note: str) -> None:
    """The step both frameworks' pooling ends with: channels pass through, each pooled alone."""
    ctx.add(
        "channels",
        "input channels",
        str(channels),
        channels,
        "pooling works on each channel separately" + (f"; {note}" if note else ""),
    )


def global_pool(ctx: Context) -> None:
    last = keras_layout(ctx) if ctx.framework == "keras" else False
    cin = channels_of(ctx, last)
    ctx.use("keepdims")
    spatial = " x ".join(str(d) for d in (ctx.shape[1:-1] if last else ctx.shape[2:]))
    ctx.add(
        "output",
        "one value per channel",
        format_shape(ctx.row.output_shape),
        None,
        f"each of the {cin} channels is reduced over all {spatial} positions",
    )


def keras_dense(ctx: Context) -> None:
    units = ctx.args.int("units")
    ctx.use("units", "use_bias")
    features = ctx.shape[-1]
    ctx.add("last axis", "units", str(units), units)
    ctx.dims = {"kernel": ("input features", "units"), "bias": ("units",)}
    ctx.weight_note = f"Each of the {units} units weighs all {features:,} input features."
    if len(ctx.shape) > 2:
        other = format_shape(ctx.shape[1:-1])
        ctx.weight_note += (
            f" Dense acts on the last axis only: the same ({features}, {units}) kernel serves every position of "
            f"{other}, so the weights do not grow with those axes."
        )


def flatten(ctx: Context) -> None:
    """Keras flattens every axis but the batch; PyTorch's Flatten start_dim..end_dim (1..-1)."""
    rest = ctx.shape[1:]
    if ctx.framework == "pytorch":
        ctx.use("start_dim", "end_dim")
        n = len(ctx.shape)
        rest = ctx.shape[ctx.args.int("start_dim") % n : ctx.args.int("end_dim") % n + 1]
    value = flattened(rest)
    text = " x ".join("None" if d is None else str(d) for d in rest)
    ctx.add("flattened axis", "product of the flattened axes", text, value, "the values are laid out in one row")


def batch_norm(ctx: Context) -> None:
    shape_same(ctx)
    if ctx.framework == "keras":
        ctx.use("axis", "center", "scale")
        axis = ctx.args.int("axis")
        size = ctx.shape[axis]
        ctx.dims = {n: ("features along axis",) for n in ("gamma", "beta", "moving_mean", "moving_variance")}
        moving = [w for w in ctx.row.weights if not w.trainable]
        ctx.weight_note = (
            f"One scale (gamma) and one offset (beta) per feature ({size}) are learned; moving_mean and "
            f"moving_variance are running averages of the batch statistics, updated during training but not "
            f"by gradients, so Keras counts them as non-trainable parameters"
            f" ({' + '.join(f'{w.size:,}' for w in moving)} of the {ctx.row.params:,})."
        )
    else:
        ctx.use("num_features", "affine", "track_running_stats")
        features = ctx.args.int("num_features")
        ctx.dims = {"weight": ("num_features",), "bias": ("num_features",)}
        ctx.weight_note = (
            f"weight and bias scale and shift each of the {features} channels. running_mean and running_var "
            f"(and num_batches_tracked) are buffers, not parameters: saved with the model, updated by running "
            f"averages, and not counted by PyTorch (Keras counts its moving statistics as non-trainable)."
        )


def shape_same(ctx: Context, note: str = "") -> None:
    ctx.add("output", "input shape", format_shape(ctx.row.output_shape), None, note)


def zero_padding(rank: int, sign: int, name: str) -> Explainer:
    def explain(ctx: Context) -> None:
        from convcalc.frameworks.keras import sides

        last = keras_layout(ctx)
        ctx.use(name)
        amounts = sides(ctx.args, name, rank, negative_int=sign > 0)
        for (axis_name, i), (before, after) in zip(axes_of(ctx, rank, last), amounts):
            n, out = ctx.shape[i], ctx.row.output_shape[i]
            op = "+" if sign > 0 else "-"
            ctx.add(axis_name, f"in {op} before {op} after", f"{n} {op} {before} {op} {after}", out)

    return explain


def up_sampling(rank: int) -> Explainer:
    def explain(ctx: Context) -> None:
        last = keras_layout(ctx)
        ctx.use("size")
        size = (ctx.args.int("size"),) if rank == 1 else ctx.args.ints("size", rank)
        for (axis_name, i), factor in zip(axes_of(ctx, rank, last), size):
            ctx.add(axis_name, "in x size", f"{ctx.shape[i]} x {factor}", ctx.row.output_shape[i], "each position is repeated")

    return explain


def recurrent(cell: str) -> Explainer:
    """Keras SimpleRNN / GRU / LSTM: gates x units x (features + units + bias vectors)."""

    def explain(ctx: Context) -> None:
        args = ctx.args
        units = args.int("units")
        ctx.use("units", "return_sequences", "return_state", "use_bias", "reset_after")
        count = gates(cell)
        steps = ctx.shape[1]
        if args.bool("return_sequences"):
            ctx.add("output", "(batch, timesteps, units)", format_shape(ctx.row.output_shape), None, "return_sequences=True")
        else:
            ctx.add("output", "(batch, units)", format_shape(ctx.row.output_shape), None, f"only the last of the {steps} steps")
        features = ctx.shape[-1]
        prefix = ctx.row.weights[0].name.rsplit("/", 1)[0] + "/" if ctx.row.weights else ""
        width = f"({count} gates x units)" if count > 1 else "units"
        ctx.spelled = {width: f"({count} x {units})" if count > 1 else str(units), "2": "2"}
        bias = next((w for w in ctx.row.weights if w.name.endswith("bias")), None)
        vectors = 0 if bias is None else (2 if len(bias.shape) == 2 else 1)
        ctx.dims = {
            f"{prefix}kernel": ("input features", width),
            f"{prefix}recurrent_kernel": ("units", width),
            f"{prefix}bias": ("2", width) if vectors == 2 else (width,),
        }
        total = recurrent_params(cell, features, units, vectors) if features else None
        gate_names = {"lstm": "input, forget, cell and output", "gru": "update, reset and candidate", "rnn": "one"}[cell]
        ctx.weight_note = (
            f"{count} gate{'s' * (count > 1)} ({gate_names}), each with weights on the {features} input features, "
            f"on the {units} units of the previous step, and {vectors} bias vector{'s' * (vectors != 1)}: "
            f"{count} x {units} x ({features} + {units} + {vectors}) = {total:,}"
            if total is not None
            else ""
        )

    return explain


def keras_attention(ctx: Context) -> None:
    args = ctx.args
    heads, key_dim = args.int("num_heads"), args.int("key_dim")
    value_dim = args.optional_int("value_dim") or key_dim
    ctx.use("num_heads", "key_dim", "value_dim", "output_shape", "use_bias")
    query = ctx.row.input_shapes[0]
    ctx.add("output", "query's shape, last axis = query features (or output_shape)", format_shape(ctx.row.output_shape), None)
    ctx.dims = {
        "query/kernel": ("query features", "num_heads", "key_dim"),
        "query/bias": ("num_heads", "key_dim"),
        "key/kernel": ("key features", "num_heads", "key_dim"),
        "key/bias": ("num_heads", "key_dim"),
        "value/kernel": ("value features", "num_heads", "value_dim"),
        "value/bias": ("num_heads", "value_dim"),
        "gate/kernel": ("query features", "num_heads", "value_dim"),
        "gate/bias": ("num_heads", "value_dim"),
        "attention_output/kernel": ("num_heads", "value_dim", "output features"),
        "attention_output/bias": ("output features",),
    }
    ctx.weight_note = (
        f"Four projections: query, key and value map each position's features to {heads} heads of "
        f"{key_dim} (value: {value_dim}) numbers, and attention_output maps the {heads} x {value_dim} back to "
        f"{ctx.row.output_shape[-1]} features. None depends on the sequence length ({query[1]})."
    )


def embedding(ctx: Context) -> None:
    rows_name, width_name = ("input_dim", "output_dim") if ctx.framework == "keras" else ("num_embeddings", "embedding_dim")
    ctx.use(rows_name, width_name)
    width = ctx.args.int(width_name)
    ctx.add("output", f"input shape + ({width_name},)", format_shape(ctx.row.output_shape), None, "each index becomes a row")
    ctx.dims = {"embeddings": (rows_name, width_name), "weight": (rows_name, width_name)}
    ctx.weight_note = f"A table with one row of {width} numbers per possible index."


def merge(ctx: Context) -> None:
    """Element-wise merges (Add, Multiply...) keep the common shape; Concatenate adds up one axis."""
    shapes = ctx.row.input_shapes
    out = ctx.row.output_shape
    if ctx.row.type in ("Concatenate", "Concat"):
        name = "axis" if ctx.framework == "keras" else "dim"
        ctx.use(name)
        axis = ctx.args.int(name) % len(out)
        sizes = [s[axis] for s in shapes]
        text = " + ".join("None" if n is None else f"{n:,}" for n in sizes)
        ctx.add(
            f"axis {axis}", " + ".join(f"input {i + 1}" for i in range(len(shapes))), text, out[axis], "the other axes must agree"
        )
        return
    listed = ", ".join(format_shape(s) for s in shapes)
    ctx.add("output", "the inputs' common shape", format_shape(out), None, f"element by element over {listed}")


def generic(ctx: Context) -> None:
    """Any other layer: its output shape as the engine computed it; weights by their shapes."""
    out = ctx.row.output_shape
    if ctx.row.input_shapes and out == ctx.row.input_shapes[0]:
        shape_same(ctx, f"{ctx.row.type} keeps the shape")
    else:
        ctx.add("output", f"{ctx.row.type}'s shape rule", format_shape(out), None)


# --- PyTorch


def torch_conv(rank: int, transposed: bool) -> Explainer:
    def explain(ctx: Context) -> None:
        from convcalc.frameworks.pytorch import conv_sides

        args = ctx.args
        kernel, stride, dilation = args.ints("kernel_size", rank), args.ints("stride", rank), args.ints("dilation", rank)
        cin = channels_of(ctx, False)
        cout, groups = args.int("out_channels"), args.int("groups")
        ctx.use("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups")
        axes = [Axis(name, i, i, k, s, d) for (name, i), k, s, d in zip(axes_of(ctx, rank, False), kernel, stride, dilation)]
        kdims = kernel_dims(rank)
        if transposed:
            ctx.use("output_padding")
            padding, output_padding = args.ints("padding", rank, minimum=0), args.ints("output_padding", rank, minimum=0)
            for axis, p, op in zip(axes, padding, output_padding):
                n = ctx.shape[axis.index]
                if n is None:
                    ctx.add(axis.name, "in is unknown (None)", "None", None)
                    continue
                ctx.add(
                    axis.name,
                    "(in - 1)*stride - 2*padding + dilation*(kernel-1) + output_padding + 1",
                    f"({n} - 1)*{axis.stride} - 2*{p} + {axis.dilation}*({axis.kernel}-1) + {op} + 1",
                    transposed_output_length(n, axis.kernel, axis.stride, p, op, axis.dilation),
                    OUTPUT_PADDING if op else "",
                )
            ctx.add("channels", "out_channels", str(cout), cout)
            ctx.dims = {"weight": ("in_channels", "(out_channels / groups)", *kdims), "bias": ("out_channels",)}
            ctx.weight_note = (
                f"A transposed convolution's weight is stored (in_channels, out_channels / groups, kernel...): each "
                f"input position spreads its {cin} channels over a {spans(ctx, axes)} patch of the {cout} output channels."
            )
            return
        mode = "constant" if args["padding_mode"] == "zeros" else str(args["padding_mode"])
        ctx.use("padding_mode")
        sides = conv_sides(args, rank, kernel, stride, dilation)
        for axis, (before, after) in zip(axes, sides):
            window(ctx, axis, "same" if args["padding"] == "same" else (before, after), mode)
        ctx.add("channels", "out_channels", str(cout), cout)
        ctx.dims = {"weight": ("out_channels", "(in_channels / groups)", *kdims), "bias": ("out_channels",)}
        per_filter = product([cin // groups if cin else cin, *kernel])
        if groups == 1:
            ctx.dims["weight"] = ("out_channels", "in_channels", *kdims)
            ctx.weight_note = (
                f"Each of the {cout} filters spans all {cin} input channels ({per_filter} weights"
                f"{' and one bias' if args.bool('bias') else ''}) and sums them into one output channel, "
                f"so the output has {cout} channels, not {cin} x {cout}."
            )
        elif groups == cin:
            ctx.weight_note = (
                f"groups={groups} = in_channels: a depthwise convolution; each filter sees one input channel "
                f"({per_filter} weights), {cout // groups} filter(s) per channel."
            )
        else:
            ctx.weight_note = (
                f"groups={groups} splits the {cin} input channels into {groups} groups of {cin // groups}; each of "
                f"the {cout} filters sees only its group's channels ({per_filter} weights), {groups} times fewer weights."
            )
        if mode != "constant":
            ctx.weight_note += f" padding_mode={args['padding_mode']!r} fills the padding otherwise; sizes are as with zeros."

    return explain


def torch_pool(rank: int, kind: str) -> Explainer:
    def explain(ctx: Context) -> None:
        from convcalc.frameworks.pytorch import window_stride

        args = ctx.args
        kernel = args.ints("kernel_size", rank)
        stride = window_stride(args, rank, kernel)
        padding = (0,) * rank if kind == "lp" else args.ints("padding", rank, minimum=0)
        dilation = args.ints("dilation", rank) if kind == "max" else (1,) * rank
        ceil_mode = args.bool("ceil_mode")
        ctx.use("kernel_size", "stride", "padding", "dilation", "ceil_mode")
        n = len(ctx.shape)
        names = AXES[rank]
        for i, (k, s, d, p) in enumerate(zip(kernel, stride, dilation, padding)):
            index = n - rank + i
            window(ctx, Axis(names[i], index, index, k, s, d), (p, p), ceil_mode=ceil_mode, pool=True, dilated=kind == "max")
        note = "stride=None: the windows step by kernel_size, side by side" if args["stride"] in (None, (), []) else ""
        if len(ctx.shape) > 2:
            channels = ctx.shape[-rank - 1]
            pooled_channels(ctx, channels, note)

    return explain


def torch_adaptive(rank: int) -> Explainer:
    def explain(ctx: Context) -> None:
        ctx.use("output_size")
        n = len(ctx.shape)
        for i, name in enumerate(AXES[rank]):
            index = n - rank + i
            size = ctx.row.output_shape[index]
            ctx.add(name, "output_size", str(size), size, "adaptive pooling picks its windows to give exactly output_size")

    return explain


def linear(ctx: Context) -> None:
    out = ctx.args.int("out_features")
    ctx.use("in_features", "out_features", "bias")
    features = ctx.shape[-1]
    ctx.add("last axis", "out_features", str(out), out)
    ctx.dims = {"weight": ("out_features", "in_features"), "bias": ("out_features",)}
    ctx.weight_note = f"Each of the {out} outputs weighs all {features:,} input features."
    if len(ctx.shape) > 2:
        ctx.weight_note += (
            f" Linear acts on the last axis only: the same weight serves every position of "
            f"{format_shape(ctx.shape[1:-1])}, so the weights do not grow with those axes."
        )


def torch_recurrent(cell: str) -> Explainer:
    def explain(ctx: Context) -> None:
        args = ctx.args
        hidden, layers = args.int("hidden_size"), args.int("num_layers")
        directions = 2 if args.bool("bidirectional") else 1
        ctx.use("input_size", "hidden_size", "num_layers", "bias", "batch_first", "bidirectional", "proj_size")
        ctx.add("output", "(..., directions x hidden_size)", format_shape(ctx.row.output_shape), None)
        count = gates(cell)
        width = f"({count} gates x hidden_size)" if count > 1 else "hidden_size"
        ctx.spelled = {width: f"({count} x {hidden})" if count > 1 else str(hidden)}
        recurrent_input = "hidden_size" if not args.get("proj_size") else "proj_size"
        names = {
            "weight_ih": (width, "layer input"),
            "weight_hh": (width, recurrent_input),
            "bias_ih": (width,),
            "bias_hh": (width,),
            "weight_hr": ("proj_size", "hidden_size"),
        }
        ctx.dims = {w.name: names[w.name.split("_l")[0]] for w in ctx.row.weights}
        features = ctx.shape[-1]
        bias = 2 if args.bool("bias") else 0
        if layers == 1 and directions == 1 and not args.get("proj_size") and features:
            total = recurrent_params(cell, features, hidden, bias)
            ctx.weight_note = (
                f"{count} gate{'s' * (count > 1)}, each with weights on the {features} inputs, on the {hidden} hidden "
                f"values, and {bias} bias vectors (PyTorch keeps bias_ih and bias_hh; Keras one): "
                f"{count} x {hidden} x ({features} + {hidden} + {bias}) = {total:,}"
            )
        else:
            ctx.weight_note = (
                f"{layers} layer(s) x {directions} direction(s), each with its own weights; "
                "layers after the first read the previous layer's directions side by side"
            )

    return explain


def torch_attention(ctx: Context) -> None:
    args = ctx.args
    embed, heads = args.int("embed_dim"), args.int("num_heads")
    ctx.use("embed_dim", "num_heads", "bias", "add_bias_kv", "kdim", "vdim", "batch_first")
    ctx.add("output", "query's shape", format_shape(ctx.row.output_shape), None)
    ctx.dims = {
        "in_proj_weight": ("(3 x embed_dim)", "embed_dim"),
        "in_proj_bias": ("(3 x embed_dim)",),
        "q_proj_weight": ("embed_dim", "embed_dim"),
        "k_proj_weight": ("embed_dim", "kdim"),
        "v_proj_weight": ("embed_dim", "vdim"),
        "bias_k": ("1", "1", "embed_dim"),
        "bias_v": ("1", "1", "embed_dim"),
        "out_proj.weight": ("embed_dim", "embed_dim"),
        "out_proj.bias": ("embed_dim",),
    }
    ctx.spelled = {"(3 x embed_dim)": f"(3 x {embed})"}
    ctx.weight_note = (
        f"in_proj_weight packs the query, key and value projections (3 x {embed} rows); the {heads} heads split "
        f"each projection into {embed // heads} numbers; out_proj maps the joined heads back to {embed}."
    )


# --- Tables


KERAS: dict[str, Explainer] = {
    **dict.fromkeys(("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate"), merge),
    "Dense": keras_dense,
    "Flatten": flatten,
    "BatchNormalization": batch_norm,
    "MultiHeadAttention": keras_attention,
    "Embedding": embedding,
    "SimpleRNN": recurrent("rnn"),
    "GRU": recurrent("gru"),
    "LSTM": recurrent("lstm"),
}
for _n in (1, 2, 3):
    KERAS |= {
        f"Conv{_n}D": keras_conv(_n, "conv"),
        f"Conv{_n}DTranspose": keras_conv(_n, "transpose"),
        f"MaxPooling{_n}D": keras_pool(_n),
        f"AveragePooling{_n}D": keras_pool(_n),
        f"GlobalMaxPooling{_n}D": global_pool,
        f"GlobalAveragePooling{_n}D": global_pool,
        f"ZeroPadding{_n}D": zero_padding(_n, 1, "padding"),
        f"Cropping{_n}D": zero_padding(_n, -1, "cropping"),
        f"UpSampling{_n}D": up_sampling(_n),
    }
for _n in (1, 2):
    KERAS |= {f"DepthwiseConv{_n}D": keras_conv(_n, "depthwise"), f"SeparableConv{_n}D": keras_conv(_n, "separable")}

PYTORCH: dict[str, Explainer] = {
    **dict.fromkeys(("Add", "Multiply", "Concat"), merge),
    "Linear": linear,
    "Flatten": flatten,
    "SyncBatchNorm": batch_norm,
    "Embedding": embedding,
    "MultiheadAttention": torch_attention,
    "RNN": torch_recurrent("rnn"),
    "GRU": torch_recurrent("gru"),
    "LSTM": torch_recurrent("lstm"),
}
for _n in (1, 2, 3):
    PYTORCH |= {
        f"Conv{_n}d": torch_conv(_n, False),
        f"ConvTranspose{_n}d": torch_conv(_n, True),
        f"MaxPool{_n}d": torch_pool(_n, "max"),
        f"AvgPool{_n}d": torch_pool(_n, "avg"),
        f"LPPool{_n}d": torch_pool(_n, "lp"),
        f"AdaptiveMaxPool{_n}d": torch_adaptive(_n),
        f"AdaptiveAvgPool{_n}d": torch_adaptive(_n),
        f"BatchNorm{_n}d": batch_norm,
    }


# --- Output


def _number(value: int | None) -> str:
    return "None" if value is None else f"{value:,}"


def explanation_text(item: Explanation, width: int = 100) -> str:
    """The steps as a learner reads them: `what = formula`, then `= substituted = value`."""
    inputs = ", ".join(format_shape(s) for s in item.input_shapes)
    outputs = format_shape(item.outputs[0]) if len(item.outputs) == 1 else "[" + ", ".join(map(format_shape, item.outputs)) + "]"
    lines = [f"{item.name} ({item.type}): {inputs} -> {outputs}, {item.params:,} params"]
    if item.arguments:
        lines.append("  with " + ", ".join(f"{k}={v!r}" for k, v in item.arguments.items()))
    for part, title in (("shape", "Output shape"), ("weights", "Weights")):
        steps = [s for s in item.steps if s.part == part]
        if not steps:
            continue
        lines += ["", title]
        for step in steps:
            lines += step_lines(step, width)
    return "\n".join(lines) + "\n"


def step_lines(step: Step, width: int) -> list[str]:
    head = f"  {step.what} = {step.formula}"
    value = _number(step.value)
    if step.value is None and step.substituted != "None":
        lines = [f"{head} = {step.substituted}"]
    elif step.substituted in (value, str(step.value)):
        lines = [f"{head} = {value}"]
    else:
        lines = [head, " " * (len(step.what) + 3) + f"= {step.substituted} = {value}"]
    if step.note:
        lines += textwrap.wrap(step.note, width, initial_indent="    ", subsequent_indent="    ")
    return lines


def explain_text(items: tuple[Explanation, ...]) -> str:
    return "\n".join(explanation_text(item) for item in items)


def explain_document(items: tuple[Explanation, ...], framework: str) -> dict[str, object]:
    return {
        "schema": SCHEMA,
        "framework": framework,
        "layers": [
            {
                "name": item.name,
                "type": item.type,
                "arguments": {k: list(v) if isinstance(v, tuple) else v for k, v in item.arguments.items()},
                "input_shapes": [list(s) for s in item.input_shapes],
                "output_shape": list(item.outputs[0]),
                "outputs": [list(s) for s in item.outputs],
                "params": item.params,
                "trainable_params": item.trainable_params,
                "non_trainable_params": item.non_trainable_params,
                "steps": [vars(step) for step in item.steps],
            }
            for item in items
        ],
    }
