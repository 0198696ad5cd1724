"""A spec that does not compute (a channel mismatch, a kernel larger than its input): the
smallest changes to the layer that fails, or to the layers before it, that make the whole spec
compute. The candidates are those `solve --layer` tries (solve/layer.py: window settings grouped
by the output they give, widths), every one verified by a full run of the spec."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from convcalc.analysis.solve.layer import (
    CHANNEL_ARGUMENTS,
    Change,
    Trial,
    _channel_changes,
    _input_shape,
    _minimal,
    _spatial,
    _spatial_changes,
    _spatial_problem,
    with_values,
)
from convcalc.analysis.solve.length import Bounds
from convcalc.engine import Outcome, lookup, run_all
from convcalc.errors import Diagnostic, LayerError
from convcalc.frameworks import vocabulary
from convcalc.ops.tensor import Shape
from convcalc.spec.model import Spec

MAX_RUNS = 3000
"""Full runs of the spec, at most: the layers before the failing one are searched nearest first
until this is spent (a run of a small spec takes a millisecond, of ResNet-50 some ten)."""


@dataclass(frozen=True)
class RepairAnswer:
    """`convcalc solve SPEC` on a spec that fails at `layer`."""

    path: str
    framework: str
    layer: str  # the layer that fails
    type: str
    problem: Diagnostic
    changes: tuple[Change, ...]
    searched: tuple[str, ...]  # the layers whose arguments were varied, nearest first
    reason: str = ""

    @property
    def computes(self) -> bool:
        """Whether the changes make the whole spec compute (else each gets `layer` computing,
        and the spec fails further on: Change.then)."""
        return all(change.then is None for change in self.changes)


def repair(spec: Spec, only: str | None = None, bounds: Bounds = Bounds()) -> RepairAnswer | None:
    """The smallest changes that make `spec` compute, or None when it computes already. The
    layer that fails first is changed, then each top-level layer it takes its input from (or,
    with `only`, that layer alone); answers are sorted by the number of arguments changed, then
    by how far before the failing layer the change is."""
    outcome = run_all(spec)
    if outcome.report is not None:
        return None
    problem = outcome.problems[0]
    failure = next((outcome.failed[p.node] for p in outcome.problems if p.node in outcome.failed), None)
    if failure is None or problem.node != failure.node.name:
        return _unanswered(spec, problem, "it is not a layer's arithmetic that fails: fix it as the message says")
    name, node = problem.node, failure.node
    label = problem.layer.split(" (")[-1].rstrip(")") if problem.layer else node.layer.type
    if problem.code not in ("CC200", "CC201"):
        return _unanswered(spec, problem, "it is not a size that fails, so no shape can fix it: fix it as the message says")
    others = [p for p in outcome.problems if p is not problem]
    if others:
        reason = f"the spec has {len(others) + 1} problems (`convcalc check` lists them): solve repairs one; fix the others first"
        return _unanswered(spec, problem, reason)
    layers = _candidates(spec, outcome, node.name, failure.shapes)
    if only is not None:
        layers = [layer for layer in layers if layer.name == only]
        if not layers:
            return _unanswered(spec, problem, f"{only} is not {name} or a top-level layer before it")
    sizes: set[int] = set()
    if layers and layers[0].output is None:  # what the failing layer declares (in_channels=32), for those before it
        first = layers[0]
        declared = failure.argument if isinstance(failure.argument, str) else ""
        value = first.values.get(declared)
        if isinstance(value, int) and not isinstance(value, bool):
            sizes.add(value)
    changes: list[Change] = []
    searched: list[str] = []
    runs = 0
    for distance, candidate in enumerate(layers):
        if runs >= MAX_RUNS:
            break
        layer_type = lookup(vocabulary(spec.framework), spec.layers[candidate.index].type)
        trial = Trial(spec, candidate.index, candidate.name, layer_type, candidate.values, fixing=name)
        searched.append(candidate.name)
        found = _layer_changes(trial, candidate, bounds, failure.argument, sizes)
        changes += [dataclasses.replace(c, order=(distance, *c.order)) for c in found]
        runs += trial.runs
    complete = [c for c in changes if c.then is None]  # the spec computes; else each gets the failing layer computing
    changes = sorted(complete or changes, key=lambda c: (len(c.arguments), *c.order))
    minimal = [c for layer in dict.fromkeys(c.layer for c in changes) for c in _minimal([c for c in changes if c.layer == layer])]
    minimal.sort(key=lambda c: (len(c.arguments), *c.order))
    answer = RepairAnswer(spec.path, spec.framework, name, label, problem, tuple(minimal), tuple(searched))
    if not minimal:
        spent = f" (stopped after {runs:,} runs)" if runs >= MAX_RUNS else ""
        what = ", ".join(searched) or name
        return dataclasses.replace(answer, reason=f"no single change to {what} makes the spec compute{spent}")
    return answer


def applied(spec: Spec, change: Change) -> Spec:
    """The spec with `change` made, as `solve` ran it."""
    layer = spec.layers[change.index]
    positional = [name for name, _ in lookup(vocabulary(spec.framework), layer.type).signature.positional]
    return with_values(spec, change.index, positional, {name: new for name, _, new in change.arguments})


def _unanswered(spec: Spec, problem: Diagnostic, reason: str) -> RepairAnswer:
    label = problem.layer.split(" (")[-1].rstrip(")") if problem.layer else ""
    return RepairAnswer(spec.path, spec.framework, problem.node, label, problem, (), (), reason)


@dataclass(frozen=True)
class Candidate:
    """A layer to change: its name, its index in spec.layers, its arguments (as bound), its input
    shape, and its output shape now (None for the layer that fails)."""

    name: str
    index: int
    values: dict[str, object]
    input: Shape
    output: Shape | None


def _candidates(spec: Spec, outcome: Outcome, name: str, shapes: tuple[Shape, ...]) -> list[Candidate]:
    """The failing layer, then the top-level layers it takes its input from, nearest first."""
    found: list[Candidate] = []
    failing = outcome.failed[name].node
    index = next((i for i, layer in enumerate(spec.layers) if layer is failing.written), None)
    if index is not None and not failing.blocks and shapes:
        layer = failing.layer  # its arguments worked out (`32 * 13 * 13` is 5408)
        try:
            values = lookup(vocabulary(spec.framework), layer.type).signature.bind(layer.type, layer.args, layer.kwargs).values
            found.append(Candidate(name, index, values, shapes[0], None))
        except LayerError:
            pass
    rows = {row.name: row for row in outcome.rows}
    queue = [ref.node for ref in failing.inputs]
    seen: set[str] = set()
    while queue:
        current = queue.pop(0)
        row = rows.get(current)
        if row is None or current in seen:
            continue
        seen.add(current)
        queue += [ref.partition("[")[0] for ref in row.inputs]
        position = next((i for i, layer in enumerate(spec.layers) if layer is row.spec), None)
        if position is not None and not row.blocks:
            found.append(
                Candidate(row.name, position, row.arguments, _input_shape(outcome.rows, (), spec, row), row.output_shape)
            )
    return found


def _layer_changes(trial: Trial, candidate: Candidate, bounds: Bounds, argument: int | str, sizes: set[int]) -> list[Change]:
    """The changes to one layer's window, its width, or (the failing layer) the size it
    declares, with which the whole spec computes. `sizes` are the sizes the failing layer
    declares, which a layer before it may give instead."""
    changes: list[Change] = []
    outputs: set[Shape] = set()
    notes: list[str] = []
    values, framework = trial.values, trial.spec.framework
    now = None if candidate.output is None else _spatial(candidate.output, framework, values)
    spatial = _spatial_problem(trial.layer_type, values)
    if spatial is not None:
        operation, terms = spatial
        changes += _spatial_changes(trial, candidate.input, now, operation, terms, bounds, _any, outputs, notes, "compute")
    if candidate.output is None:  # the failing layer: the size it declares, as each size of its input
        declared = _declared(trial, argument)
        if declared is not None:
            tries = {d for d in candidate.input[1:] if d is not None and d != values[declared]}
            changes += _channel_changes(trial, declared, tries, _any, outputs, notes)
        return changes
    channel = next((n for n in CHANNEL_ARGUMENTS if n in values), None)
    width = values.get(channel) if channel else None
    if channel is not None and isinstance(width, int) and not isinstance(width, bool):
        # the size the failing layer wants, or its share of a flattened output: size / (other dims)
        rest = [d for d in candidate.output[1:] if d is not None]
        others = math.prod(rest) // width if rest and math.prod(rest) % width == 0 else 1
        tries = (sizes | {size // others for size in sizes if size % others == 0}) - {width}
        changes += _channel_changes(trial, channel, {t for t in tries if t > 0}, _any, outputs, notes)
    return changes


def _any(change: Change) -> bool:
    """Every change with which the spec computes is an answer."""
    return True


def _declared(trial: Trial, argument: int | str) -> str | None:
    """The argument of the failing layer the problem is about, when it is an integer size."""
    if isinstance(argument, int) and not isinstance(argument, bool) and argument < len(trial.positional):
        argument = trial.positional[argument]
    if not isinstance(argument, str) or argument not in trial.values:
        return None
    value = trial.values[argument]
    return argument if isinstance(value, int) and not isinstance(value, bool) else None
