"""Sliding windows and what moves positions: convolutions (plain, grouped, depthwise, separable,
transposed), pooling (windowed, adaptive, global), padding and cropping, up-sampling; one formula
per spatial axis, in each framework's own terms (ops/conv.py, ops/pool.py)."""

from __future__ import annotations

from convcalc.analysis.explain.steps import (
    AXES,
    Axis,
    Context,
    Explainer,
    axes_of,
    channels_of,
    pooled_channels,
    product,
    spans,
    window_axis,
)
from convcalc.ops.conv import effective_kernel, keras_transposed_output_length, transposed_output_length
from convcalc.ops.layout import format_shape

OUTPUT_PADDING = "output_padding adds positions at the end: with stride > 1, several lengths map back to one input length"


def kernel_dims(rank: int) -> tuple[str, ...]:
    return tuple(f"kernel {name}" for name in AXES[rank])


def keras_layout(ctx: Context) -> bool:
    if ctx.args.get("data_format") == "channels_first":
        ctx.use("data_format")
        return False
    return True


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
            window_axis(ctx, axis, padding)
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
                    f"groups={groups} splits the {cin} input channels into {groups} groups of "
                    f"{cin // groups if cin else cin}; each of "
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
            window_axis(ctx, axis, str(args["padding"]), dilated=False)
        cin = channels_of(ctx, last)
        note = "strides=None: the windows step by pool_size, side by side" if args["strides"] is None else ""
        pooled_channels(ctx, cin, note)

    return explain


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


def zero_padding(rank: int, name: str) -> Explainer:
    """Keras's ZeroPadding (`name` "padding") and Cropping ("cropping", negative amounts)."""

    def explain(ctx: Context) -> None:
        last = keras_layout(ctx)
        ctx.use(name)
        found = ctx.window()
        for (axis_name, i), before, after in zip(axes_of(ctx, rank, last), found.before, found.after):
            n, out = ctx.shape[i], ctx.row.output_shape[i]
            op = "-" if name == "cropping" else "+"
            ctx.add(axis_name, f"in {op} before {op} after", f"{n} {op} {abs(before or 0)} {op} {abs(after or 0)}", out)

    return explain


def up_sampling(rank: int) -> Explainer:
    def explain(ctx: Context) -> None:
        last = keras_layout(ctx)
        ctx.use("size")
        size = (ctx.args.int("size"),) if rank == 1 else ctx.args.ints("size", rank)
        for (axis_name, i), factor in zip(axes_of(ctx, rank, last), size):
            ctx.add(axis_name, "in x size", f"{ctx.shape[i]} x {factor}", ctx.row.output_shape[i], "each position is repeated")

    return explain


def torch_conv(rank: int, transposed: bool) -> Explainer:
    def explain(ctx: Context) -> None:
        args = ctx.args
        kernel, stride, dilation = args.ints("kernel_size", rank), args.ints("stride", rank), args.ints("dilation", rank)
        cin = channels_of(ctx, False)
        if cin is None:  # unknown in the input shape: the weights use the in_channels the layer declares
            cin = args.int("in_channels")
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
        found = ctx.window()
        for axis, before, after in zip(axes, found.before, found.after):
            window_axis(ctx, axis, "same" if args["padding"] == "same" else (before, after), mode)
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
        args = ctx.args
        found = ctx.window()
        ceil_mode = args.bool("ceil_mode")
        ctx.use("kernel_size", "stride", "padding", "dilation", "ceil_mode")
        names = AXES[rank]
        for name, index, k, s, d, before, after in zip(
            names, found.axes, found.kernel, found.stride, found.dilation, found.before, found.after
        ):
            axis = Axis(name, index, index, k, s, d)
            window_axis(ctx, axis, (before, after), ceil_mode=ceil_mode, pool=True, dilated=kind == "max")
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


def torch_conv_block(rank: int) -> Explainer:
    """torchvision's Conv2dNormActivation / Conv3dNormActivation: the convolution's axes with the
    padding torchvision gives it, then the norm and activation, which keep the shape."""

    def explain(ctx: Context) -> None:
        args = ctx.args
        kernel, stride, dilation = args.ints("kernel_size", rank), args.ints("stride", rank), args.ints("dilation", rank)
        ctx.use("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "norm_layer")
        ctx.use("activation_layer", "bias")
        found = ctx.window()
        axes = [Axis(name, i, i, k, s, d) for (name, i), k, s, d in zip(axes_of(ctx, rank, False), kernel, stride, dilation)]
        default = args["padding"] is None
        for axis, before, after in zip(axes, found.before, found.after):
            note = "padding=None: (kernel - 1) // 2 x dilation on each side" if default else ""
            window_axis(ctx, axis, (before, after), note=note)
        cout, groups = args.int("out_channels"), args.int("groups")
        ctx.add("channels", "out_channels", str(cout), cout, "the norm and the activation keep the shape")
        kdims = kernel_dims(rank)
        ctx.dims = {
            "0.weight": ("out_channels", "(in_channels / groups)" if groups > 1 else "in_channels", *kdims),
            "0.bias": ("out_channels",),
            "1.weight": ("out_channels",),
            "1.bias": ("out_channels",),
        }
        parts = sorted({w.name.split(".")[0] for w in ctx.row.weights})
        ctx.weight_note = (
            f"An nn.Sequential: the convolution is module 0{', the norm module 1' if '1' in parts else ''}; "
            "the convolution has a bias only without a norm (bias=None), as the norm's own shift replaces it."
        )

    return explain


def center_crop(ctx: Context) -> None:
    """Keras's CenterCrop: (in - size) // 2 cropped before, the rest after; a smaller input is
    resized instead."""
    last = keras_layout(ctx)
    ctx.use("height", "width")
    for (axis_name, i), size in zip(axes_of(ctx, 2, last), (ctx.args.int("height"), ctx.args.int("width"))):
        n = ctx.shape[i]
        if n is None or n >= size:
            before = "?" if n is None else str((n - size) // 2)
            ctx.add(axis_name, axis_name if axis_name == "height" else "width", str(size), size, f"{before} cropped before")
        else:
            ctx.add(axis_name, axis_name, str(size), size, f"the input ({n}) is smaller than the crop: it is resized")


def resizing(ctx: Context) -> None:
    """Keras's Resizing: the image is resampled to (height, width)."""
    last = keras_layout(ctx)
    ctx.use("height", "width", "interpolation", "crop_to_aspect_ratio", "pad_to_aspect_ratio")
    how = "resampled"
    if ctx.args.get("crop_to_aspect_ratio"):
        how = "cropped to the target's aspect ratio, then resampled"
    elif ctx.args.get("pad_to_aspect_ratio"):
        how = "padded to the target's aspect ratio, then resampled"
    for (axis_name, i), size in zip(axes_of(ctx, 2, last), (ctx.args.int("height"), ctx.args.int("width"))):
        ctx.add(axis_name, axis_name, str(size), size, f"{ctx.shape[i]} positions {how} ({ctx.args['interpolation']})")


def keras_conv_lstm(rank: int) -> Explainer:
    """ConvLSTM1D/2D/3D: each step's input convolution sets the state's size; the recurrent
    convolution ("same", stride 1) keeps it."""

    def explain(ctx: Context) -> None:
        args = ctx.args
        last = keras_layout(ctx)
        kernel, strides, dilation = args.ints("kernel_size", rank), args.ints("strides", rank), args.ints("dilation_rate", rank)
        padding = str(args["padding"]).lower()
        ctx.use("filters", "kernel_size", "strides", "padding", "dilation_rate", "return_sequences", "return_state")
        for (name, i), k, s, d in zip(axes_of(ctx, rank, last), kernel, strides, dilation):
            window_axis(ctx, Axis(name, i, i, k, s, d), padding)
        filters = args.int("filters")
        ctx.add("channels", "filters", str(filters), filters)
        steps = ctx.shape[1]
        kept = "every time step (return_sequences=True)" if args.bool("return_sequences") else f"the last of {steps} steps"
        ctx.add("output", "(batch, [time,] *state)", format_shape(ctx.row.output_shape), None, kept)
        kdims = kernel_dims(rank)
        ctx.dims = {
            "conv_lstm_cell/kernel": (*kdims, "input channels", "(4 gates x filters)"),
            "conv_lstm_cell/recurrent_kernel": (*kdims, "filters", "(4 gates x filters)"),
            "conv_lstm_cell/bias": ("(4 gates x filters)",),
        }
        ctx.spelled = {"(4 gates x filters)": f"(4 x {filters})"}
        ctx.weight_note = (
            "Four gates (input, forget, cell, output), each a convolution of the input and one of the previous "
            "state: an LSTM whose matrix products are convolutions."
        )

    return explain
