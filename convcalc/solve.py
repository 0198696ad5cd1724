"""Inverse shape problems: which settings of a convolution or pooling map one length to another,
and what to change in one layer of a spec so that the network's output gets a wanted shape.

Nothing here has a shape formula of its own. Every answer comes from the forward functions of
convcalc/ops/conv.py: the framework's valid settings within sane bounds are enumerated (a few
thousand, microseconds each) and those whose forward output is the one asked for are kept. For a
spec, the network is re-run through the engine for every candidate, so an answer is what
`convcalc summary` would print after the change.

Bounds (a given value replaces its bound): kernel <= 11, stride <= 8, dilation <= 4 (pooling:
dilation 1); PyTorch convolution padding at most half the dilated kernel, as "same" pads
(PyTorch pooling: at most half the kernel, the limit torch itself enforces).

"Smallest first" orders by dilation, kernel, stride, padding (valid before same), output
padding (Keras's inferred None first), ceil_mode; for a spec, changes of fewer arguments first,
and only minimal ones (`strides 2`, not also `strides 2, kernel_size 6`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import product

from convcalc.errors import Diagnostic, LayerError, Location, SpecError, did_you_mean
from convcalc.ops.conv import conv_output_length, keras_transposed_output_length, transposed_output_length
from convcalc.ops.layout import format_shape
from convcalc.ops.pool import pool_output_length
from convcalc.report import Report, Row, Shape
from convcalc.spec import Spec

OPERATIONS = ("conv", "transposed", "pool")
FRAMEWORK_NAMES = {"keras": "Keras", "pytorch": "PyTorch"}
OPERATION_NAMES = {"conv": "convolution", "transposed": "transposed convolution", "pool": "pooling"}
CHANNEL_ARGUMENTS = ("filters", "units", "out_channels", "out_features")


@dataclass(frozen=True)
class Terms:
    """A layer's own argument names for the quantities solved for (None: it has no such argument)."""

    kernel: str
    stride: str
    padding: str
    dilation: str | None = None
    output_padding: str | None = None
    ceil_mode: str | None = None


TERMS = {
    ("keras", "conv"): Terms("kernel_size", "strides", "padding", "dilation_rate"),
    ("keras", "transposed"): Terms("kernel_size", "strides", "padding", "dilation_rate", "output_padding"),
    ("keras", "pool"): Terms("pool_size", "strides", "padding"),
    ("pytorch", "conv"): Terms("kernel_size", "stride", "padding", "dilation"),
    ("pytorch", "transposed"): Terms("kernel_size", "stride", "padding", "dilation", "output_padding"),
    ("pytorch", "pool"): Terms("kernel_size", "stride", "padding", "dilation", None, "ceil_mode"),  # MaxPool's
}


@dataclass(frozen=True)
class Bounds:
    kernel: int = 11
    stride: int = 8
    dilation: int | None = None  # None: 4 for convolutions, 1 for pooling
    padding: int = 0  # PyTorch: padding up to max(this, the sane limit), to keep a layer's current value

    def dilation_limit(self, operation: str) -> int:
        if self.dilation is not None:
            return self.dilation
        return 1 if operation == "pool" else 4


@dataclass(frozen=True)
class Fixed:
    """Values the asker fixed (`--kernel 3`); None is free."""

    kernel: int | None = None
    stride: int | None = None
    padding: int | str | None = None
    dilation: int | None = None


@dataclass(frozen=True)
class Setting:
    """One convolution or pooling setting along one axis, framework-neutral."""

    kernel: int
    stride: int
    padding: int | str
    dilation: int = 1
    output_padding: int | None = None  # transposed only; None is Keras's "infer"
    ceil_mode: bool = False  # PyTorch pooling only

    def key(self) -> tuple[int, ...]:
        """Smallest first: dilation, kernel, stride, padding (valid, integers, same), output padding."""
        pad = (1, 0) if self.padding == "same" else (0, 0 if self.padding == "valid" else int(self.padding))
        extra = -1 if self.output_padding is None else self.output_padding
        return (self.dilation, self.kernel, self.stride, *pad, extra, int(self.ceil_mode))

    def arguments(self, terms: Terms) -> dict[str, object]:
        """The setting in the framework's own names: {"kernel_size": 3, "strides": 2, ...}."""
        values: dict[str, object] = {terms.kernel: self.kernel, terms.stride: self.stride, terms.padding: self.padding}
        if terms.dilation:
            values[terms.dilation] = self.dilation
        if terms.output_padding:
            values[terms.output_padding] = self.output_padding
        if terms.ceil_mode:
            values[terms.ceil_mode] = self.ceil_mode
        return values

    def written(self, framework: str, operation: str) -> str:
        """As a call's keyword arguments, defaults left out: `kernel_size=3, strides=2, padding='same'`."""
        terms = TERMS[framework, operation]
        defaults = {terms.stride: self.kernel if operation == "pool" else 1, terms.dilation: 1, terms.ceil_mode: False}
        defaults[terms.padding] = "valid" if framework == "keras" else 0
        defaults[terms.output_padding] = None if framework == "keras" else 0
        parts = [f"{terms.kernel}={self.kernel}"]
        for name, value in list(self.arguments(terms).items())[1:]:
            if value != defaults.get(name):
                parts.append(f"{name}={value!r}")
        return ", ".join(parts)


def forward(setting: Setting, length: int, framework: str, operation: str) -> int | None:
    """The output length `setting` gives for `length`, by the forward formulas of ops/conv.py;
    None when the window does not fit or the output would be empty.

    >>> forward(Setting(3, 2, "same"), 28, "keras", "conv")
    14
    >>> forward(Setting(4, 2, 1, output_padding=0), 7, "pytorch", "transposed")
    14
    """
    s = setting
    try:
        if operation == "transposed" and framework == "keras":
            out = keras_transposed_output_length(length, s.kernel, s.stride, str(s.padding), s.output_padding, s.dilation)
        elif operation == "transposed":
            out = transposed_output_length(length, s.kernel, s.stride, int(s.padding), s.output_padding or 0, s.dilation)
        elif operation == "pool" and framework == "pytorch":
            out = pool_output_length(length, s.kernel, s.stride, int(s.padding), s.dilation, s.ceil_mode)
        else:
            out = conv_output_length(length, s.kernel, s.stride, s.padding, s.dilation)
    except LayerError:
        return None
    return out if out is not None and out > 0 else None


def rejects(setting: Setting, framework: str, operation: str) -> str:
    """Why the framework refuses `setting` (its own check), or "" when it accepts it."""
    s = setting
    if framework == "keras":
        if s.stride > 1 and s.dilation > 1 and operation != "pool":
            return "Keras does not combine strides > 1 with dilation_rate > 1"
        if operation == "pool" and s.dilation > 1:
            return "Keras pooling has no dilation"
        if s.padding not in ("valid", "same"):
            return "Keras padding is 'valid' or 'same'"
        if s.output_padding is not None and s.output_padding >= s.stride:
            return "Keras needs output_padding smaller than strides"
        return ""
    if isinstance(s.padding, str) and (operation != "conv" or s.padding not in ("valid", "same")):
        accepted = "an integer, 'valid' or 'same'" if operation == "conv" else "an integer"
        return f"PyTorch {OPERATION_NAMES[operation]} padding is {accepted}"
    if s.padding == "same" and s.stride > 1:
        return "PyTorch does not support padding='same' for strided convolutions"
    if operation == "pool" and int(s.padding) > s.kernel // 2:
        return "PyTorch pooling takes padding at most half the kernel size"
    if s.output_padding is not None and s.output_padding >= max(s.stride, s.dilation):
        return "PyTorch needs output_padding smaller than either stride or dilation"
    return ""


def settings(
    framework: str, operation: str, fixed: Fixed = Fixed(), bounds: Bounds = Bounds()
) -> tuple[list[Setting], list[str]]:
    """Every setting the framework accepts within the bounds, smallest first, and the reasons
    it refused the others (to explain an empty answer).

    >>> found, _ = settings("keras", "conv", Fixed(kernel=3, stride=2))
    >>> [s.padding for s in found]
    ['valid', 'same']
    """
    terms = TERMS[framework, operation]
    kernels = [fixed.kernel] if fixed.kernel else range(1, bounds.kernel + 1)
    strides = [fixed.stride] if fixed.stride else range(1, bounds.stride + 1)
    top_dilation = bounds.dilation_limit(operation) if terms.dilation else 1
    dilations = [fixed.dilation] if fixed.dilation else range(1, top_dilation + 1)
    found: list[Setting] = []
    refused: list[str] = []
    for kernel, stride, dilation in product(kernels, strides, dilations):
        for setting in _variants(framework, operation, fixed, bounds, kernel, stride, dilation):
            reason = rejects(setting, framework, operation)
            if reason:
                refused.append(reason)
            else:
                found.append(setting)
    return sorted(found, key=Setting.key), refused


def _variants(
    framework: str, operation: str, fixed: Fixed, bounds: Bounds, kernel: int, stride: int, dilation: int
) -> Iterator[Setting]:
    span = dilation * (kernel - 1) + 1
    paddings: list[int | str]
    if fixed.padding is not None:
        paddings = [0 if fixed.padding == "valid" and framework == "pytorch" else fixed.padding]
    elif framework == "keras":
        paddings = ["valid", "same"]
    else:
        limit = kernel // 2 if operation == "pool" else max(span // 2, bounds.padding)
        paddings = [*range(limit + 1), *(["same"] if operation == "conv" and stride == 1 else [])]
    extras: list[int | None] = [None]
    if operation == "transposed":
        extras = [None, *range(stride)] if framework == "keras" else list(range(max(stride, dilation)))
    ceil_modes = (False, True) if operation == "pool" and framework == "pytorch" else (False,)
    for padding, extra, ceil in product(paddings, extras, ceil_modes):
        yield Setting(kernel, stride, padding, dilation, extra, ceil)


@dataclass(frozen=True)
class LengthAnswer:
    """`convcalc solve --input 28 --output 14`: every setting that maps `length` to `target`."""

    framework: str
    operation: str
    length: int
    target: int
    fixed: Fixed
    bounds: Bounds
    settings: tuple[Setting, ...]
    reason: str = ""

    @property
    def terms(self) -> Terms:
        return TERMS[self.framework, self.operation]

    @property
    def what(self) -> str:
        return f"{FRAMEWORK_NAMES[self.framework]} {OPERATION_NAMES[self.operation]}"


def option_error(option: str, message: str, hint: str = "") -> SpecError:
    return SpecError(Diagnostic(Location(option), "CC105", message, hint))


def padding_value(text: str | None, framework: str, operation: str) -> int | str | None:
    """`--padding same`, `--padding 1`: checked against what the framework accepts."""
    if text is None:
        return None
    value: int | str = text.lower()
    if text.isdigit():
        value = int(text)
    elif value not in ("valid", "same"):
        raise option_error("--padding", f"padding must be 'valid', 'same' or a number, found {text!r}")
    if framework == "keras" and isinstance(value, int):
        raise option_error("--padding", "Keras padding is 'valid' or 'same', not a number", hint="use --framework pytorch")
    return value


def solve_length(
    length: int,
    target: int,
    framework: str = "keras",
    operation: str = "conv",
    fixed: Fixed = Fixed(),
    bounds: Bounds = Bounds(),
) -> LengthAnswer:
    """Every setting mapping `length` to `target`, smallest first, each checked by `forward`.

    >>> answer = solve_length(28, 14, "keras", fixed=Fixed(kernel=3))
    >>> [s.written("keras", "conv") for s in answer.settings]
    ["kernel_size=3, strides=2, padding='same'"]
    """
    for option, value in (("--input", length), ("--output", target)):
        if value < 1:
            raise option_error(option, f"a length must be a positive integer, found {value}")
    candidates, refused = settings(framework, operation, fixed, bounds)
    found = tuple(s for s in candidates if forward(s, length, framework, operation) == target)
    answer = LengthAnswer(framework, operation, length, target, fixed, bounds, found)
    if not found:
        answer = dataclasses.replace(answer, reason=_why_not(answer, candidates, refused))
    return answer


def _fixed_text(answer: LengthAnswer) -> str:
    terms = answer.terms
    pairs = [
        (terms.kernel, answer.fixed.kernel),
        (terms.stride, answer.fixed.stride),
        (terms.padding, answer.fixed.padding),
        (terms.dilation or "dilation", answer.fixed.dilation),
    ]
    return ", ".join(f"{name}={value!r}" for name, value in pairs if value is not None)


def ranges(values: list[int]) -> str:
    """Sorted integers as runs.

    >>> ranges([1, 2, 3, 5, 9, 10])
    '1-3, 5, 9-10'
    """
    runs: list[list[int]] = []
    for value in values:
        if runs and value == runs[-1][-1] + 1:
            runs[-1].append(value)
        else:
            runs.append([value])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def _why_not(answer: LengthAnswer, candidates: list[Setting], refused: list[str]) -> str:
    """An empty answer explained: what the allowed settings reach instead, and what to relax."""
    fixed = _fixed_text(answer)
    given = f" with {fixed}" if fixed else ""
    framework, operation = answer.framework, answer.operation
    if not candidates:
        return f"{answer.what}{given}: {refused[0] if refused else 'no setting within the bounds'}"
    reached: dict[int, Setting] = {}
    for setting in candidates:
        out = forward(setting, answer.length, framework, operation)
        if out is not None and out not in reached:
            reached[out] = setting
    text = f"no {answer.what} setting{given} maps {answer.length} to {answer.target}"
    if not reached:
        return text + f": every kernel{given} is larger than the padded input"
    outs = sorted(reached)
    text += f"; these settings give {ranges(outs)}"
    if answer.target > outs[-1]:
        best = reached[outs[-1]]
        text += f"; the largest is {outs[-1]} ({best.written(framework, operation)})"
        if operation != "transposed":
            text += "; to grow a length, use --transposed"
    elif answer.target < outs[0]:
        best = reached[outs[0]]
        text += f"; the smallest is {outs[0]} ({best.written(framework, operation)}): a larger kernel or stride is needed"
    else:
        below = max(o for o in outs if o < answer.target)
        above = min(o for o in outs if o > answer.target)
        text += f"; the nearest are {below} ({reached[below].written(framework, operation)})"
        text += f" and {above} ({reached[above].written(framework, operation)})"
    if fixed:
        free = solve_length(answer.length, answer.target, framework, operation, Fixed(), answer.bounds)
        if free.settings:
            count = len(free.settings)
            text += f"; without {fixed} there {'is' if count == 1 else 'are'} {count} setting{'s' * (count != 1)}"
            text += f", the first {free.settings[0].written(framework, operation)}"
    return text


# --- One layer of a spec


@dataclass(frozen=True)
class Change:
    """One way to get the wanted output: new argument values for the layer, verified by a full run."""

    arguments: tuple[tuple[str, object, object], ...]  # (argument, value as written, new value)
    layer_output: Shape
    output: Shape
    params: int
    order: tuple[int, ...] = ()

    def text(self) -> str:
        return ", ".join(f"{name} {old!r} -> {new!r}" for name, old, new in self.arguments)


Attempt = Callable[[dict[str, object]], tuple[Change | None, SpecError | None]]


@dataclass(frozen=True)
class LayerAnswer:
    """`convcalc solve SPEC --layer NAME --output-shape DIMS`."""

    path: str
    framework: str
    layer: str
    type: str
    layer_output: Shape
    output: Shape
    target: Shape
    params: int
    changes: tuple[Change, ...]
    searched: tuple[str, ...]  # the arguments varied
    reason: str = ""

    @property
    def satisfied(self) -> bool:
        return matches(self.output, self.target)


def matches(shape: Shape, target: Shape) -> bool:
    """A target dimension of None matches any size."""
    return len(shape) == len(target) and all(t is None or s == t for s, t in zip(shape, target))


def parse_dims(text: str) -> tuple[int | None, ...]:
    """`--output-shape 10,10,64` (or `? 10 64`): positive sizes, `?` or None for any size.

    >>> parse_dims("10, ?, 64")
    (10, None, 64)
    """
    dims: list[int | None] = []
    for item in text.replace(",", " ").split():
        if item.lower() in ("?", "none", "null"):
            dims.append(None)
        elif item.isdigit() and int(item) > 0:
            dims.append(int(item))
        else:
            raise SpecError(
                Diagnostic(Location("--output-shape"), "CC003", f"a dimension must be a positive integer or ?, found {item!r}")
            )
    if not dims:
        raise SpecError(Diagnostic(Location("--output-shape"), "CC003", "the shape is empty", hint="e.g. 10,10,64"))
    return tuple(dims)


def target_shape(dims: tuple[int | None, ...], output: Shape, where: Location) -> Shape:
    """`--output-shape 10` for an output (None, 10): the batch dimension left out, as in `input:`."""
    if len(dims) == len(output) - 1:
        return (output[0], *dims)
    raise SpecError(
        Diagnostic(
            where,
            "CC003",
            f"the network's output {format_shape(output)} has {len(output) - 1} dimensions after the batch, "
            f"--output-shape gives {len(dims)}",
        )
    )


def solve_layer(spec: Spec, name: str, dims: tuple[int | None, ...], bounds: Bounds = Bounds()) -> LayerAnswer:
    """Every minimal change to one top-level layer's kernel, stride, padding, dilation (or its
    filters/units/out_channels) that gives the network's first output the shape `dims`
    (minimal: a change that works with fewer of its new values is not listed again).

    Downstream shapes depend only on this layer's output shape, so the candidates are grouped
    by the output they give the layer (per axis, by `forward`); each group is tried with one full
    run of the spec, and every member of a group that works is verified with its own run.
    """
    from convcalc.engine import run
    from convcalc.frameworks import vocabulary

    report = run(spec)
    target = target_shape(dims, report.output_shape, Location("--output-shape"))
    rows = {row.name: row for row in report.rows}
    row = rows.get(name)
    if row is None:
        hint = did_you_mean(name, list(rows)) or "its layers: " + ", ".join(list(rows)[:12])
        raise SpecError(Diagnostic(Location("--layer"), "CC003", f"the spec has no layer named {name!r}", hint))
    index = next((i for i, layer in enumerate(spec.layers) if layer.location == row.source), None)
    if row.blocks or index is None:
        where = row.blocks[-1][1] if row.blocks else "a block"
        raise SpecError(
            Diagnostic(
                Location("--layer"),
                "CC003",
                f"{name} is inside block {where!r}: solve changes layers written at the top level only",
                hint="change the block's parameters, or solve for the block's own input and output lengths",
            )
        )
    layer = spec.layers[index]
    layer_type = vocabulary(spec.framework).lookup(layer.type)
    values = layer_type.signature.bind(layer.type, layer.args, layer.kwargs).values
    positional = [n for n, _ in layer_type.signature.positional]
    base = LayerAnswer(
        spec.path,
        spec.framework,
        name,
        row.type,
        row.output_shape,
        report.output_shape,
        target,
        report.totals.params,
        (),
        (),
    )
    if base.satisfied:
        return dataclasses.replace(base, reason=f"the output already is {format_shape(report.output_shape)}")

    def attempt(new_values: dict[str, object]) -> tuple[Change | None, SpecError | None]:
        """The spec re-run with the layer's new values: the Change, or the error it raises."""
        args = list(layer.args)
        kwargs = dict(layer.kwargs)
        for key, value in new_values.items():
            if key in positional and positional.index(key) < len(args):
                args[positional.index(key)] = value
            else:
                kwargs[key] = value
        changed = dataclasses.replace(layer, args=tuple(args), kwargs=kwargs)
        layers = spec.layers[:index] + (changed,) + spec.layers[index + 1 :]
        try:
            result = run(dataclasses.replace(spec, layers=layers))
        except SpecError as exc:
            return None, exc
        out_row = next(r for r in result.rows if r.name == name)
        arguments = tuple((key, values[key], value) for key, value in new_values.items())
        return Change(arguments, out_row.output_shape, result.output_shape, result.totals.params), None

    changes: list[Change] = []
    outputs: set[Shape] = set()
    notes: list[str] = []
    searched: list[str] = []
    spatial = _spatial_problem(spec.framework, layer_type.signature.names, values)
    if spatial is not None:
        operation, terms = spatial
        searched += [n for n in dataclasses.astuple(terms) if n]
        changes += _spatial_changes(spec, report, row, values, operation, terms, bounds, attempt, target, outputs)
    channel = next((n for n in CHANNEL_ARGUMENTS if n in values), None)
    if channel is not None:
        searched.append(channel)
        changes += _channel_changes(values, channel, report.output_shape, target, attempt, outputs, notes, name)
    changes.sort(key=lambda c: (len(c.arguments), *c.order))
    answer = dataclasses.replace(base, changes=_minimal(changes), searched=tuple(searched))
    if not changes:
        answer = dataclasses.replace(answer, reason=_layer_why_not(answer, outputs, notes))
    return answer


def _minimal(changes: list[Change]) -> tuple[Change, ...]:
    """The changes that contain no other working change: `strides 2` and not also
    `strides 2, kernel_size 6` (sorted by size, so a contained change comes first)."""
    kept: list[tuple[Change, set[tuple[str, str]]]] = []
    for change in changes:
        values = {(name, repr(new)) for name, _, new in change.arguments}
        if not any(smaller <= values for _, smaller in kept):
            kept.append((change, values))
    return tuple(change for change, _ in kept)


def _spatial_problem(framework: str, names: list[str], values: dict[str, object]) -> tuple[str, Terms] | None:
    """Whether the layer slides a window, and its argument names, read from its signature."""
    if "pool_size" in names or ("ceil_mode" in names and "kernel_size" in names):
        operation = "pool"
    elif "kernel_size" in names:
        operation = "transposed" if "output_padding" in names else "conv"
    else:
        return None
    full = TERMS[framework, operation]
    keep = {field.name: getattr(full, field.name) for field in dataclasses.fields(full)}
    for key, argument in keep.items():
        if argument is not None and argument not in values:
            keep[key] = None
    if keep["kernel"] is None or keep["stride"] is None or keep["padding"] is None:
        return None
    return operation, Terms(**keep)


def _per_axis(value: object, rank: int) -> tuple[object, ...]:
    return tuple(value) if isinstance(value, tuple | list) else (value,) * rank


def _spatial_changes(
    spec: Spec,
    report: Report,
    row: Row,
    values: dict[str, object],
    operation: str,
    terms: Terms,
    bounds: Bounds,
    attempt: Attempt,
    target: Shape,
    outputs: set[Shape],
) -> list[Change]:
    """The working new kernel/stride/padding/dilation settings of a sliding-window layer."""
    framework = spec.framework
    shape = _input_shape(report, row)
    rank = len(row.output_shape) - 2
    channels_first = framework == "pytorch" or values.get("data_format") == "channels_first"
    lengths = shape[2:] if channels_first else shape[1:-1]
    if rank < 1 or len(lengths) != rank:
        return []
    current: dict[str, tuple[object, ...]] = {}
    for name in (n for n in dataclasses.astuple(terms) if n):
        value = values[name]
        if name == terms.stride and value is None:
            value = values[terms.kernel]  # pooling: stride defaults to the window
        if name == terms.padding and isinstance(value, str):
            value = 0 if framework == "pytorch" and value.lower() == "valid" else value.lower()
        current[name] = _per_axis(value, rank)
    window_stride = values[terms.stride] is None  # stays None when the stride equals the new window
    ints = [v for name in (terms.kernel, terms.stride, terms.dilation) if name for v in current[name]]
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in ints):
        return []
    padding_now = [p for p in current[terms.padding] if isinstance(p, int)]
    wide = Bounds(
        max(bounds.kernel, *current[terms.kernel]),  # type: ignore[call-overload]
        max(bounds.stride, *current[terms.stride]),  # type: ignore[call-overload]
        max(bounds.dilation_limit(operation), *(current[terms.dilation] if terms.dilation else (1,))),  # type: ignore[call-overload]
        max([bounds.padding, *padding_now]),
    )
    candidates, _ = settings(framework, operation, Fixed(), wide)
    groups: dict[tuple[int | None, ...], list[Setting]] = {}
    for setting in candidates:
        if not terms.dilation and setting.dilation > 1:
            continue
        out = tuple(None if n is None else forward(setting, n, framework, operation) for n in lengths)
        if any(o is None and n is not None for o, n in zip(out, lengths)):
            continue
        groups.setdefault(out, []).append(setting)
    now = row.output_shape[2:] if channels_first else row.output_shape[1:-1]
    changes = []
    for out, members in groups.items():
        if out == tuple(now):
            continue  # the same layer output: the same network output, which is not the target
        working = []
        for setting in members:
            new = {k: v for k, v in setting.arguments(terms).items() if _per_axis(v, rank) != current[k]}
            if window_stride:  # None means "the window": keep it when the new stride is the new window
                new.pop(terms.stride, None)
                if setting.stride != setting.kernel:
                    new[terms.stride] = setting.stride
                new = {k: new[k] for k in setting.arguments(terms) if k in new}
            change, error = attempt(new)
            if change is None:
                if error is not None and error.diagnostic.layer.startswith(f"{row.name} ("):
                    continue  # this member is refused by the layer itself: try the next
                break  # a later layer fails on this output: the whole group does
            outputs.add(change.output)
            if not matches(change.output, target):
                break
            working.append(dataclasses.replace(change, order=(0, *setting.key())))
        changes += working
    return changes


def _input_shape(report: Report, row: Row) -> Shape:
    ref = row.inputs[0] if row.inputs else report.inputs[0].name
    node, _, index = ref.partition("[")
    for item in report.inputs:
        if item.name == node:
            return item.shape
    source = next(r for r in report.rows if r.name == node)
    return source.outputs[int(index[:-1]) if index else 0]


def _channel_changes(
    values: dict[str, object],
    channel: str,
    output: Shape,
    target: Shape,
    attempt: Attempt,
    outputs: set[Shape],
    notes: list[str],
    name: str,
) -> list[Change]:
    """New filters/units: each size the target names, and the proportional size where an axis
    grows with the channels (a Flatten after the layer)."""
    now = values[channel]
    if isinstance(now, bool) or not isinstance(now, int):
        return []
    tries = {t for t in target[1:] if t is not None}
    for have, want in zip(output, target):
        if have and want and have != want and (want * now) % have == 0:
            tries.add(want * now // have)
    changes = []
    for value in sorted(v for v in tries if v > 0 and v != now):
        change, error = attempt({channel: value})
        if change is None:
            if error is not None and error.diagnostic.code == "CC201" and not error.diagnostic.layer.startswith(f"{name} ("):
                notes.append(f"{channel}={value} also needs a change to {error.diagnostic.layer}: {error.diagnostic.message}")
            continue
        outputs.add(change.output)
        if matches(change.output, target):
            changes.append(dataclasses.replace(change, order=(1, value)))
    return changes


def _layer_why_not(answer: LayerAnswer, outputs: set[Shape], notes: list[str]) -> str:
    label = f"{answer.layer} ({answer.type})"
    if not answer.searched:
        return f"{label} has no kernel, stride, padding, dilation, filters or units to change"
    text = f"no change to {label}'s {', '.join(answer.searched)} gives the output {format_shape(answer.target)}"
    seen = sorted(outputs - {answer.output}, key=lambda s: tuple(-1 if d is None else d for d in s))
    if not seen and outputs:
        text += f"; every change leaves it {format_shape(answer.output)}"
    if seen:
        shown = ", ".join(format_shape(s) for s in seen[:6]) + (", ..." if len(seen) > 6 else "")
        text += f"; its changes give {shown}"
    if notes:
        text += "; " + notes[0]
    return text


# --- Output: a table (plain or rich) and the `convcalc-solve/1` JSON document

SCHEMA = "convcalc-solve/1"


def _bounds_text(answer: LengthAnswer) -> str:
    fixed, bounds = answer.fixed, answer.bounds
    parts = []
    if fixed.kernel is None:
        parts.append(f"kernel <= {bounds.kernel}")
    if fixed.stride is None:
        parts.append(f"stride <= {bounds.stride}")
    if fixed.dilation is None and answer.terms.dilation:
        limit = bounds.dilation_limit(answer.operation)
        parts.append(f"dilation <= {limit}" if limit > 1 else "no dilation")
    if fixed.padding is None and answer.framework == "pytorch":
        parts.append("padding <= kernel // 2" if answer.operation == "pool" else "padding <= dilated kernel // 2")
    return ", ".join(parts)


def length_document(answer: LengthAnswer) -> dict[str, object]:
    terms = answer.terms
    fixed = {
        terms.kernel: answer.fixed.kernel,
        terms.stride: answer.fixed.stride,
        terms.padding: answer.fixed.padding,
        terms.dilation or "dilation": answer.fixed.dilation,
    }
    return {
        "schema": SCHEMA,
        "problem": "length",
        "framework": answer.framework,
        "operation": answer.operation,
        "input": answer.length,
        "output": answer.target,
        "fixed": {k: v for k, v in fixed.items() if v is not None},
        "bounds": {
            "kernel": answer.bounds.kernel,
            "stride": answer.bounds.stride,
            "dilation": answer.bounds.dilation_limit(answer.operation),
        },
        "count": len(answer.settings),
        "settings": [s.arguments(terms) for s in answer.settings],
        "reason": answer.reason or None,
    }


def _cell(value: object) -> str:
    return "None" if value is None else str(value)


def length_table(answer: LengthAnswer, color: bool, limit: int | None = None) -> str:
    """One row per setting in the framework's names, with the call's keyword arguments to copy."""
    count = len(answer.settings)
    head = f"{answer.what}: {answer.length} -> {answer.target}"
    if not count:
        return f"{head}\n{answer.reason}\n"
    terms = answer.terms
    shown = answer.settings if not limit else answer.settings[:limit]
    names = list(shown[0].arguments(terms))
    headers = [*names, "arguments"]
    rows = [[*(_cell(v) for v in s.arguments(terms).values()), s.written(answer.framework, answer.operation)] for s in shown]
    title = f"{head}: {count} setting{'s' * (count != 1)}, smallest first ({_bounds_text(answer)})"
    footer = [f"... and {count - len(shown)} more: --limit 0 shows all, or fix --kernel/--stride"] if len(shown) < count else []
    if color:
        from convcalc.render.grid import rich_table

        return rich_table(title, headers, rows, footer)
    from convcalc.render.grid import plain_table

    return "\n".join([title, *plain_table(headers, rows), *footer]) + "\n"


def layer_document(answer: LayerAnswer) -> dict[str, object]:
    return {
        "schema": SCHEMA,
        "problem": "layer",
        "spec": answer.path,
        "framework": answer.framework,
        "layer": answer.layer,
        "type": answer.type,
        "layer_output_shape": list(answer.layer_output),
        "output_shape": list(answer.output),
        "target": list(answer.target),
        "params": answer.params,
        "searched": list(answer.searched),
        "count": len(answer.changes),
        "changes": [
            {
                "arguments": {name: {"old": old, "new": new} for name, old, new in change.arguments},
                "layer_output_shape": list(change.layer_output),
                "output_shape": list(change.output),
                "params": change.params,
            }
            for change in answer.changes
        ],
        "reason": answer.reason or None,
    }


def _signed(number: int) -> str:
    return f"{number:+,}" if number else "0"


def layer_table(answer: LayerAnswer, color: bool, limit: int | None = None) -> str:
    """One row per working change: the new arguments, the layer's and the network's new output."""
    head = (
        f"{answer.layer} ({answer.type}) in {answer.path}: output {format_shape(answer.output)}, "
        f"wanted {format_shape(answer.target)}"
    )
    count = len(answer.changes)
    if not count:
        return f"{head}\n{answer.reason}\n"
    shown = answer.changes if not limit else answer.changes[:limit]
    headers = ["change", f"{answer.layer} output", "output", "Total params"]
    rows = [
        [c.text(), format_shape(c.layer_output), format_shape(c.output), f"{c.params:,} ({_signed(c.params - answer.params)})"]
        for c in shown
    ]
    title = f"{head}: {count} change{'s' * (count != 1)}, fewest arguments first"
    footer = [f"... and {count - len(shown)} more: --limit 0 shows all"] if len(shown) < count else []
    right = frozenset({"Total params"})
    if color:
        from convcalc.render.grid import rich_table

        return rich_table(title, headers, rows, footer, right)
    from convcalc.render.grid import plain_table

    return "\n".join([title, *plain_table(headers, rows, right), *footer]) + "\n"
