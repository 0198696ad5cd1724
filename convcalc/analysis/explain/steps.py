"""The machinery every explanation shares: a Step of arithmetic, the Context an explainer reads
and fills in, the steps for a layer's weights, one sliding-window axis, and the generic
explanation of a layer with no words of its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from convcalc.frameworks.base import Family, LayerType
from convcalc.ops.conv import conv_output_length, effective_kernel, padding_sides
from convcalc.ops.layout import format_shape
from convcalc.ops.padding import padded_length
from convcalc.ops.pool import pool_output_length
from convcalc.ops.tensor import Shape
from convcalc.ops.window import Window
from convcalc.report import Row
from convcalc.signature import Args

AXES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}


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

    @property
    def shape(self) -> Shape:
        return self.row.input_shapes[0]

    @property
    def layer_type(self) -> LayerType:
        assert self.row.layer_type is not None, "a folded block is explained by its layers"
        return self.row.layer_type

    @property
    def family(self) -> Family:
        return self.layer_type.family

    def window(self) -> Window:
        """The layer's sliding window on its input, as its vocabulary reads it."""
        read = self.layer_type.window
        assert read is not None, f"{self.row.type} has no window"
        return read(self.args, self.shape)

    def use(self, *names: str) -> None:
        self.shown.extend(n for n in names if n in self.args.values and n not in self.shown)

    def add(self, what: str, formula: str, substituted: str, value: int | None, note: str = "") -> None:
        """A shape step; a note already given for an earlier axis is not repeated."""
        if any(step.note == note for step in self.steps):
            note = ""
        self.steps.append(Step("shape", what, formula, substituted, value, note))


Explainer = Callable[[Context], None]


def weight_steps(ctx: Context) -> list[Step]:
    row = ctx.row
    steps = []
    for weight in row.weights:
        names = ctx.dims.get(weight.name, ())
        numbers = [ctx.spelled.get(n, f"{d:,}") for n, d in zip(names, weight.shape)]
        if len(names) != len(weight.shape):  # no words for it: the product of its shape
            names, numbers = ("its shape " + format_shape(weight.shape),), [" x ".join(f"{d:,}" for d in weight.shape)]
        notes = []
        if weight.shared:
            notes.append(f"shared with {row.shared_with}: counted there, not here")
        if not weight.trainable:
            notes.append("not trainable")
        formula = " x ".join(names) if weight.shape else "one number"
        substituted = " x ".join(numbers) if weight.shape else "1"
        steps.append(Step("weights", weight.name, formula, substituted, weight.size, "; ".join(notes)))
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


def window_axis(
    ctx: Context,
    axis: Axis,
    padding: str | tuple[int | None, int | None],
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
        before, after = padding_sides(n, k, s, "same", d)
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
    # PyTorch's "same" (stride 1) and Keras's "causal": the padding, then the formula
    if isinstance(padding, str) and padding in ("same", "causal"):
        before, after = padding_sides(n, k, s, padding, d)
        where = split(before, after, what) if padding == "same" else 'padding="causal": all before, nothing after'
        ctx.add(f"padding ({what})", "dilation*(kernel-1)", f"{d}*({k}-1)", before + after, where)
    elif isinstance(padding, tuple):
        first, last = padding  # a Window's padding: None only where the length is None (returned above)
        assert first is not None and last is not None
        before, after = first, last
    elif padding in ("valid", None):
        before = after = 0
    else:
        before = after = int(padding)
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


def shape_same(ctx: Context, note: str = "") -> None:
    ctx.add("output", "input shape", format_shape(ctx.row.output_shape), None, note)


def pooled_channels(ctx: Context, channels: int | None, note: str) -> None:
    """The step both frameworks' pooling ends with: channels pass through, each pooled alone."""
    ctx.add(
        "channels",
        "input channels",
        str(channels),
        channels,
        "pooling works on each channel separately" + (f"; {note}" if note else ""),
    )


def generic(ctx: Context) -> None:
    """Any other layer: its output shape as the engine computed it; weights by their shapes."""
    out = ctx.row.output_shape
    if ctx.row.input_shapes and out == ctx.row.input_shapes[0]:
        shape_same(ctx, f"{ctx.row.type} keeps the shape")
    else:
        ctx.add("output", f"{ctx.row.type}'s shape rule", format_shape(out), None)
