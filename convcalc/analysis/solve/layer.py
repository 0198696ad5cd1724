"""What to change in one layer of a spec so that the network's output gets a wanted shape: every
candidate kernel, stride, padding, dilation (the layer type's window arguments) or width is
tried by re-running the engine, so an answer is what `convcalc summary` would print."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from convcalc.analysis.solve.length import FAMILIES, Bounds, Fixed, Setting, forward, settings
from convcalc.engine import run
from convcalc.errors import Diagnostic, Location, SpecError, did_you_mean
from convcalc.frameworks.base import LayerType, Terms
from convcalc.ops.layout import format_shape
from convcalc.ops.tensor import Shape
from convcalc.report import Report, Row
from convcalc.spec.model import Spec, dims_text

CHANNEL_ARGUMENTS = ("filters", "units", "out_channels", "out_features")


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
    """`--output-shape 10,10,64` (or `? 10 64`, or `(None, 10, 10, 64)` as the table prints a
    shape): positive sizes, `?` or None for any size.

    >>> parse_dims("10, ?, 64"), parse_dims("(None, 10)")
    ((10, None, 64), (None, 10))
    """
    dims: list[int | None] = []
    for item in dims_text(text):
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
    """`--output-shape 10` for an output (None, 10): the batch dimension left out, as in `input:`,
    or given (`None,10`), as the table prints it; the lengths tell them apart."""
    if len(dims) == len(output) - 1:
        return (output[0], *dims)
    if len(dims) == len(output):
        return dims
    raise SpecError(
        Diagnostic(
            where,
            "CC003",
            f"the output {format_shape(output)} has {len(output) - 1} dimensions after the batch, "
            f"--output-shape gives {len(dims)}",
            hint="give them without the batch, or with it first",
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
    report = run(spec)
    target = target_shape(dims, report.output_shape, Location("--output-shape"))
    rows = {row.name: row for row in report.rows}
    row = rows.get(name)
    if row is None:
        hint = did_you_mean(name, list(rows)) or "its layers: " + ", ".join(list(rows)[:12])
        raise SpecError(Diagnostic(Location("--layer"), "CC003", f"the spec has no layer named {name!r}", hint))
    index = next((i for i, layer in enumerate(spec.layers) if layer is row.spec), None)
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
    layer_type = row.layer_type
    assert layer_type is not None
    values = row.arguments
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
        changed = layer.replace(args=tuple(args), kwargs=kwargs)
        layers = spec.layers[:index] + (changed,) + spec.layers[index + 1 :]
        try:
            result = run(spec.replace(layers=layers))
        except SpecError as exc:
            return None, exc
        out_row = next(r for r in result.rows if r.name == name)
        arguments = tuple((key, values[key], value) for key, value in new_values.items())
        return Change(arguments, out_row.output_shape, result.output_shape, result.totals.params), None

    changes: list[Change] = []
    outputs: set[Shape] = set()
    notes: list[str] = []
    searched: list[str] = []
    spatial = _spatial_problem(layer_type, values)
    if spatial is not None:
        operation, terms = spatial
        searched += [n for n in terms.fields() if n]
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


def _spatial_problem(layer_type: LayerType, values: dict[str, object]) -> tuple[str, Terms] | None:
    """Whether the layer slides a window that `solve` can set, and its argument names."""
    operation = next((op for op, family in FAMILIES.items() if family is layer_type.family), None)
    if operation is None or layer_type.terms is None:
        return None
    full = layer_type.terms
    keep = {name: getattr(full, name) for name in full.__slots__}
    for key, argument in keep.items():
        if argument is not None and argument not in values:
            keep[key] = None
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
    for name in (n for n in terms.fields() if n):
        value = values[name]
        if name == terms.stride and value is None:
            value = values[terms.kernel]  # pooling: stride defaults to the window
        if name == terms.padding and isinstance(value, str):
            value = 0 if framework == "pytorch" and value.lower() == "valid" else value.lower()
        current[name] = _per_axis(value, rank)
    window_stride = values[terms.stride] is None  # stays None when the stride equals the new window
    windows: dict[str, tuple[int, ...]] = {}  # the current kernel, stride and dilation, when all are integers
    for name in (terms.kernel, terms.stride, terms.dilation):
        if name:
            windows[name] = tuple(v for v in current[name] if isinstance(v, int) and not isinstance(v, bool))
            if len(windows[name]) != len(current[name]):
                return []
    padding_now = [p for p in current[terms.padding] if isinstance(p, int)]
    wide = Bounds(
        max(bounds.kernel, *windows[terms.kernel]),
        max(bounds.stride, *windows[terms.stride]),
        max(bounds.dilation_limit(operation), *(windows[terms.dilation] if terms.dilation else (1,))),
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
                if error is not None and error.diagnostic.node == row.name:
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
            if error is not None and error.diagnostic.code == "CC201" and error.diagnostic.node != name:
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
