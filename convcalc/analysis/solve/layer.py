"""What to change in one layer of a spec so that its own output, or the network's, gets a wanted
shape: every candidate kernel, stride, padding, dilation (the layer type's window arguments) or
width is tried by re-running the engine, so an answer is what `convcalc summary` would print.
The same trials serve solve/repair.py, which makes a spec that fails compute."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from convcalc.analysis.solve.length import FAMILIES, Bounds, Fixed, Setting, forward, settings
from convcalc.engine import run, run_all
from convcalc.errors import Diagnostic, Location, SpecError, did_you_mean
from convcalc.frameworks.base import LayerType, Terms
from convcalc.ops.layout import format_shape
from convcalc.ops.tensor import Shape
from convcalc.report import Endpoint, Row
from convcalc.spec.model import Spec, dims_text

CHANNEL_ARGUMENTS = ("filters", "units", "out_channels", "out_features")


@dataclass(frozen=True)
class Change:
    """One way to get the wanted output: new argument values for a layer, verified by a full run."""

    arguments: tuple[tuple[str, object, object], ...]  # (argument, value as written, new value)
    layer_output: Shape
    output: Shape  # () when the spec still fails further on (`then`)
    params: int | None  # None likewise
    order: tuple[int, ...] = ()
    layer: str = ""  # the layer changed
    index: int = -1  # its place in the spec's layers
    then: Diagnostic | None = None  # repair: the layer that failed computes now, and this is the next problem

    def text(self) -> str:
        return ", ".join(f"{name} {old!r} -> {new!r}" for name, old, new in self.arguments)


Accept = Callable[[Change], bool]
"""Whether a verified change (the spec ran with it) is an answer."""


@dataclass(frozen=True)
class LayerAnswer:
    """`convcalc solve SPEC --layer NAME --output-shape DIMS` (the layer's own output, goal
    "layer") or `--network-output-shape DIMS` (the network's, goal "network")."""

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
    goal: str = "network"

    @property
    def satisfied(self) -> bool:
        return matches(self.layer_output if self.goal == "layer" else self.output, self.target)


def matches(shape: Shape, target: Shape) -> bool:
    """A target dimension of None matches any size."""
    return len(shape) == len(target) and all(t is None or s == t for s, t in zip(shape, target))


def parse_dims(text: str, option: str = "--output-shape") -> tuple[int | None, ...]:
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
            raise SpecError(Diagnostic(Location(option), "CC003", f"a dimension must be a positive integer or ?, found {item!r}"))
    if not dims:
        raise SpecError(Diagnostic(Location(option), "CC003", "the shape is empty", hint="e.g. 10,10,64"))
    return tuple(dims)


def target_shape(dims: tuple[int | None, ...], output: Shape, where: Location, whose: str = "the") -> Shape:
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
            f"{whose} output {format_shape(output)} has {len(output) - 1} dimensions after the batch, {where} gives {len(dims)}",
            hint="give them without the batch, or with it first",
        )
    )


class Trial:
    """One top-level layer of a spec to try new argument values on: each try is a full run.

    With `fixing` (the name of a layer that fails), a run in which that layer computes but a
    later one fails is progress: its Change carries the next problem (`then`)."""

    def __init__(
        self, spec: Spec, index: int, name: str, layer_type: LayerType, values: dict[str, object], fixing: str = ""
    ) -> None:
        self.spec = spec
        self.index = index
        self.name = name
        self.layer_type = layer_type
        self.values = values  # its arguments as bound (defaults included)
        self.positional = [n for n, _ in layer_type.signature.positional]
        self.fixing = fixing
        self.runs = 0

    def attempt(self, new_values: dict[str, object]) -> tuple[Change | None, SpecError | None]:
        """The spec re-run with the layer's new values: the Change, or the error it raises."""
        changed = with_values(self.spec, self.index, self.positional, new_values)
        self.runs += 1
        arguments = tuple((key, self.values[key], value) for key, value in new_values.items())
        made = Change(arguments, (), (), None, layer=self.name, index=self.index)
        if self.fixing:
            outcome = run_all(changed)
            computed = {row.name: row for row in outcome.rows}
            if outcome.report is None:
                if self.fixing not in computed or self.name not in computed:
                    return None, SpecError(outcome.problems[0])
                return dataclasses.replace(made, layer_output=computed[self.name].output_shape, then=outcome.problems[0]), None
            result = outcome.report
        else:
            try:
                result = run(changed)
            except SpecError as exc:
                return None, exc
        row = next(r for r in result.rows if r.name == self.name)
        return dataclasses.replace(
            made, layer_output=row.output_shape, output=result.output_shape, params=result.totals.params
        ), None


def with_values(spec: Spec, index: int, positional: list[str], new_values: dict[str, object]) -> Spec:
    """The spec with new argument values for its layer at `index`: in place where the layer
    passes them by position, else as keywords."""
    layer = spec.layers[index]
    args = list(layer.args)
    kwargs = dict(layer.kwargs)
    for key, value in new_values.items():
        if key in positional and positional.index(key) < len(args):
            args[positional.index(key)] = value
        else:
            kwargs[key] = value
    changed = layer.replace(args=tuple(args), kwargs=kwargs)
    return spec.replace(layers=spec.layers[:index] + (changed,) + spec.layers[index + 1 :])


def top_level(spec: Spec, row_spec: object, name: str, blocks: tuple[tuple[str, str], ...]) -> int:
    """The index in spec.layers of the layer written as `row_spec`; a layer inside a block is an error."""
    index = next((i for i, layer in enumerate(spec.layers) if layer is row_spec), None)
    if blocks or index is None:
        where = blocks[-1][1] if blocks else "a block"
        raise SpecError(
            Diagnostic(
                Location("--layer"),
                "CC003",
                f"{name} is inside block {where!r}: solve changes layers written at the top level only",
                hint="change the block's parameters, or solve for the block's own input and output lengths",
            )
        )
    return index


def solve_layer(
    spec: Spec, name: str, dims: tuple[int | None, ...], bounds: Bounds = Bounds(), goal: str = "network"
) -> LayerAnswer:
    """Every minimal change to one top-level layer's kernel, stride, padding, dilation (or its
    filters/units/out_channels) that gives the network's first output (goal "network") or the
    layer's own output (goal "layer") the shape `dims` (minimal: a change that works with fewer
    of its new values is not listed again). Every answer is verified by a full run of the spec.

    Downstream shapes depend only on this layer's output shape, so the candidates are grouped
    by the output they give the layer (per axis, by `forward`); each group is tried with one full
    run of the spec, and every member of a group that works is verified with its own run.
    """
    option = Location("--output-shape" if goal == "layer" else "--network-output-shape")
    outcome = run_all(spec)
    report = outcome.report
    rows = {row.name: row for row in outcome.rows}
    row = rows.get(name)
    if report is None and (goal == "network" or row is None):
        first = outcome.problems[0]
        if row is None and name not in outcome.failed and first.node != name and name not in rows:
            _unknown_layer(name, list(rows))
        hint = "`convcalc solve SPEC` finds the changes that make it compute"
        raise SpecError(first.replace(hint=f"{first.hint}; {hint}" if first.hint else hint))
    if row is None:
        _unknown_layer(name, list(rows))
    assert row is not None
    index = top_level(spec, row.spec, name, row.blocks)
    layer_type = row.layer_type
    assert layer_type is not None
    output = report.output_shape if report is not None else ()
    if goal == "layer":
        target = target_shape(dims, row.output_shape, option, f"{name}'s")
    else:
        target = target_shape(dims, output, option, "the network's")
    params = report.totals.params if report is not None else sum(r.params for r in outcome.rows)
    base = LayerAnswer(spec.path, spec.framework, name, row.type, row.output_shape, output, target, params, (), (), goal=goal)
    if base.satisfied and report is not None:
        shown = row.output_shape if goal == "layer" else output
        whose = f"{name}'s output" if goal == "layer" else "the output"
        return dataclasses.replace(base, reason=f"{whose} already is {format_shape(shown)}")

    def accept(change: Change) -> bool:
        return matches(change.layer_output if goal == "layer" else change.output, target)

    trial = Trial(spec, index, name, layer_type, row.arguments)
    changes: list[Change] = []
    outputs: set[Shape] = set()
    notes: list[str] = []
    searched: list[str] = []
    spatial = _spatial_problem(layer_type, row.arguments)
    if spatial is not None:
        operation, terms = spatial
        searched += [n for n in terms.fields() if n]
        shape = _input_shape(outcome.rows, report.inputs if report is not None else (), spec, row)
        now = _spatial(row.output_shape, spec.framework, row.arguments)
        changes += _spatial_changes(trial, shape, now, operation, terms, bounds, accept, outputs, notes, goal)
    channel = next((n for n in CHANNEL_ARGUMENTS if n in row.arguments), None)
    if channel is not None:
        searched.append(channel)
        now_channels = row.arguments[channel]
        reference = row.output_shape if goal == "layer" else output
        tries = _channel_tries(now_channels, reference, target)
        changes += _channel_changes(trial, channel, tries, accept, outputs, notes, own=goal == "layer")
    changes.sort(key=lambda c: (len(c.arguments), *c.order))
    answer = dataclasses.replace(base, changes=_minimal(changes), searched=tuple(searched))
    if not changes:
        answer = dataclasses.replace(answer, reason=_layer_why_not(answer, outputs, notes))
    return answer


def _unknown_layer(name: str, names: list[str]) -> None:
    hint = did_you_mean(name, names) or "its layers: " + ", ".join(names[:12])
    raise SpecError(Diagnostic(Location("--layer"), "CC003", f"the spec has no layer named {name!r}", hint))


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


def _spatial(shape: Shape, framework: str, values: dict[str, object]) -> tuple[int | None, ...]:
    """The spatial axes of a layer's input or output shape, in its layout."""
    channels_first = framework == "pytorch" or values.get("data_format") == "channels_first"
    return tuple(shape[2:] if channels_first else shape[1:-1])


def _spatial_changes(
    trial: Trial,
    shape: Shape,
    now: tuple[int | None, ...] | None,
    operation: str,
    terms: Terms,
    bounds: Bounds,
    accept: Accept,
    outputs: set[Shape],
    notes: list[str],
    goal: str,
) -> list[Change]:
    """The working new kernel/stride/padding/dilation settings of a sliding-window layer on its
    input `shape`; `now` is the spatial output it gives (None when it fails), whose group is
    skipped: the same layer output gives the same network."""
    framework = trial.spec.framework
    values = trial.values
    lengths = _spatial(shape, framework, values)
    rank = len(lengths)
    if rank < 1 or (now is not None and len(now) != rank):
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
            if len(windows[name]) != len(current[name]) or not windows[name]:
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
    changes = []
    for out, members in groups.items():
        if now is not None and out == tuple(now):
            continue  # the same layer output: the same network, which is not the answer
        working = []
        for setting in members:
            new = {k: v for k, v in setting.arguments(terms).items() if _per_axis(v, rank) != current[k]}
            if window_stride:  # None means "the window": keep it when the new stride is the new window
                new.pop(terms.stride, None)
                if setting.stride != setting.kernel:
                    new[terms.stride] = setting.stride
                new = {k: new[k] for k in setting.arguments(terms) if k in new}
            change, error = trial.attempt(new)
            if change is None:
                if error is not None and error.diagnostic.node == trial.name:
                    continue  # this member is refused by the layer itself: try the next
                if error is not None and goal == "layer" and len(notes) < 3:
                    notes.append(f"{_args(new)} gives {trial.name} that output, but then {error.diagnostic.text()}")
                break  # a later layer fails on this output: the whole group does
            outputs.add(change.layer_output if goal == "layer" else change.output)
            if not accept(change):
                break
            working.append(dataclasses.replace(change, order=(0, *setting.key())))
        changes += working
    return changes


def _args(values: dict[str, object]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in values.items())


def _input_shape(rows: tuple[Row, ...], inputs: tuple[Endpoint, ...], spec: Spec, row: Row) -> Shape:
    """The shape a computed layer takes (its first input)."""
    ref = row.inputs[0] if row.inputs else spec.inputs[0].name
    node, _, index = ref.partition("[")
    for endpoint in inputs:
        if endpoint.name == node:
            return endpoint.shape
    for item in spec.inputs:
        if item.name == node:
            return (spec.batch, *(None if isinstance(d, str) else d for d in item.shape))
    source = next(r for r in rows if r.name == node)
    return source.outputs[int(index[:-1]) if index else 0]


def _channel_tries(now: object, reference: Shape, target: Shape) -> set[int]:
    """New filters/units to try: each size the target names, and the proportional size where an
    axis grows with the channels (a Flatten after the layer)."""
    if isinstance(now, bool) or not isinstance(now, int):
        return set()
    tries = {t for t in target[1:] if t is not None}
    for have, want in zip(reference, target):
        if have and want and have != want and (want * now) % have == 0:
            tries.add(want * now // have)
    return {v for v in tries if v > 0 and v != now}


def _channel_changes(
    trial: Trial,
    channel: str,
    tries: set[int],
    accept: Accept,
    outputs: set[Shape],
    notes: list[str],
    own: bool = False,
    order: int = 1,
) -> list[Change]:
    """The values of `channel` among `tries` that the spec computes with and `accept` takes."""
    changes = []
    for value in sorted(tries):
        change, error = trial.attempt({channel: value})
        if change is None:
            problem = error.diagnostic if error is not None else None
            if problem is not None and problem.code == "CC201" and problem.node != trial.name:
                notes.append(f"{channel}={value} also needs a change to {problem.layer}: {problem.message}")
            continue
        outputs.add(change.layer_output if own else change.output)
        if accept(change):
            changes.append(dataclasses.replace(change, order=(order, value)))
    return changes


def _layer_why_not(answer: LayerAnswer, outputs: set[Shape], notes: list[str]) -> str:
    label = f"{answer.layer} ({answer.type})"
    if not answer.searched:
        return f"{label} has no kernel, stride, padding, dilation, filters or units to change"
    own = answer.goal == "layer"
    what = f"{answer.layer}'s output" if own else "the output"
    text = f"no change to {label}'s {', '.join(answer.searched)} gives {what} {format_shape(answer.target)}"
    now = answer.layer_output if own else answer.output
    seen = sorted(outputs - {now}, key=lambda s: tuple(-1 if d is None else d for d in s))
    if not seen and outputs:
        text += f"; every change leaves it {format_shape(now)}"
    if seen:
        shown = ", ".join(format_shape(s) for s in seen[:6]) + (", ..." if len(seen) > 6 else "")
        text += f"; its changes give {shown}"
    if notes:
        text += "; " + notes[0]
    return text
