"""Two versions of a network compared layer by layer: what a reviewer of a pull request that
edits a model wants to see (layers added, removed, changed, and the change in totals).

Matching rule, in order:

1. Layers whose `name` is written in the spec (in both versions) are matched by that name.
2. The other layers, in the order they run, are aligned like lines in `diff`
   (difflib.SequenceMatcher): first on their definition (type and arguments as written), so
   unchanged layers anchor the alignment; then, between anchors, on their type alone, so a
   layer whose arguments were edited is matched with its old self rather than shown as removed
   and added. What is left unmatched was added (new) or removed (old).

Automatic names (`conv2d_2`) shift when a layer is inserted before them, as Keras's own names
would; such a shift alone is not a change. A changed explicit name is.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from convcalc.analysis.costs import costs
from convcalc.engine import run
from convcalc.errors import LayerError
from convcalc.ops.tensor import Shape
from convcalc.report import Report, Row
from convcalc.spec.calls import written
from convcalc.spec.model import Spec

STATUSES = ("added", "removed", "changed", "unchanged")


@dataclass(frozen=True)
class Difference:
    """One difference of a matched layer: `field` is name, type, argument, inputs, output_shape,
    weight (`name` says which), params, non_trainable_params or macs."""

    field: str
    name: str
    old: object
    new: object


@dataclass(frozen=True)
class LayerDiff:
    status: str  # added, removed, changed, unchanged
    old: Row | None
    new: Row | None
    changes: tuple[Difference, ...] = ()

    @property
    def row(self) -> Row:
        row = self.new or self.old
        assert row is not None, "a layer diff has an old row, a new one or both"
        return row


@dataclass(frozen=True)
class Diff:
    old_path: str
    new_path: str
    old: Report
    new: Report
    layers: tuple[LayerDiff, ...]
    old_macs: int | None = None  # compute.py's totals, as fvcore counts them
    new_macs: int | None = None

    def count(self, status: str) -> int:
        return sum(1 for layer in self.layers if layer.status == status)

    @property
    def equal(self) -> bool:
        return (
            all(layer.status == "unchanged" for layer in self.layers)
            and self.old.totals == self.new.totals
            and [o.shape for o in self.old.outputs] == [o.shape for o in self.new.outputs]
            and self.old.framework == self.new.framework
        )


@dataclass(frozen=True)
class _Layer:
    row: Row
    explicit: bool  # a name written in the spec
    definition: str  # type and arguments as written: equal definitions anchor the alignment
    arguments: dict[str, object]  # bound, defaults included; {} when unknown
    macs: int | None = None


def _layers(report: Report, macs: dict[str, int | None]) -> list[_Layer]:
    """Each row with the layer written in the spec that it comes from (inside a block, the
    block's template, whose arguments may be expressions)."""
    layers = []
    for row in report.rows:
        layer, layer_type = row.spec, row.layer_type
        assert layer is not None and layer_type is not None
        try:
            arguments = layer_type.signature.bind(layer.type, layer.args, layer.kwargs).values
        except LayerError:
            arguments = {}
        definition = f"{row.type}{layer.args!r}{sorted(layer.kwargs.items(), key=lambda kv: kv[0])!r}"
        layers.append(_Layer(row, layer.name is not None, definition, arguments, macs.get(row.name)))
    return layers


def _same(old: object, new: object) -> bool:
    """Equal values, where 3 means (3, 3) and a list a tuple, as the frameworks read them; True is not 1;
    block arithmetic (`filters * 4`) by its text."""
    old = tuple(old) if isinstance(old, list) else old
    new = tuple(new) if isinstance(new, list) else new
    if isinstance(old, tuple) and not isinstance(new, tuple):
        return all(_same(item, new) for item in old)
    if isinstance(new, tuple) and not isinstance(old, tuple):
        return all(_same(old, item) for item in new)
    return type(old) is type(new) and (old == new or repr(old) == repr(new))  # an Expr: its text


def match(old: list[_Layer], new: list[_Layer]) -> list[tuple[int | None, int | None]]:
    """Pairs (old index, new index) in display order: the new order, with each removed layer
    shown where it stood in the old one."""
    pairs: dict[int, int] = {}
    old_names = {layer.row.name: i for i, layer in enumerate(old) if layer.explicit}
    for j, layer in enumerate(new):
        if layer.explicit and layer.row.name in old_names:
            pairs[old_names[layer.row.name]] = j
    rest_old = [i for i in range(len(old)) if i not in pairs]
    taken = set(pairs.values())
    rest_new = [j for j in range(len(new)) if j not in taken]

    def align(olds: list[int], news: list[int], by_definition: bool) -> None:
        def key(layer: _Layer) -> str:
            return layer.definition if by_definition else layer.row.type

        a, b = [key(old[i]) for i in olds], [key(new[j]) for j in news]
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            if tag == "equal":
                pairs.update(zip(olds[i1:i2], news[j1:j2]))
            elif by_definition and i2 > i1 and j2 > j1:
                align(olds[i1:i2], news[j1:j2], by_definition=False)

    align(rest_old, rest_new, by_definition=True)
    by_new = {j: i for i, j in pairs.items()}
    order: list[tuple[int | None, int | None]] = []
    shown_old = 0
    for j in range(len(new)):
        i = by_new.get(j)
        if i is not None:
            while shown_old < i:
                if shown_old not in pairs:
                    order.append((shown_old, None))
                shown_old += 1
            shown_old = max(shown_old, i + 1)
        order.append((i, j))
    order += [(i, None) for i in range(shown_old, len(old)) if i not in pairs]
    return order


def _changes(old: _Layer, new: _Layer, renamed: dict[str, str] | None) -> tuple[Difference, ...]:
    """What differs between a layer and its match; `renamed` (old name -> new name) compares the
    inputs of branched networks, None for sequential ones, whose inputs follow from the order."""
    a, b = old.row, new.row
    changes = []
    if a.name != b.name and (old.explicit or new.explicit):
        changes.append(Difference("name", "", a.name, b.name))
    if a.type != b.type:
        changes.append(Difference("type", "", a.type, b.type))
    elif old.arguments and new.arguments:
        for key in list(dict.fromkeys([*old.arguments, *new.arguments])):
            before, after = old.arguments.get(key), new.arguments.get(key)
            if not _same(before, after):
                changes.append(Difference("argument", key, written(before), written(after)))
    if renamed is not None:
        inputs = tuple(renamed.get(_node(ref), _node(ref)) + ref[len(_node(ref)) :] for ref in a.inputs)
        if inputs != b.inputs:
            changes.append(Difference("inputs", "", a.inputs, b.inputs))
    if form(a.outputs) != form(b.outputs):
        changes.append(Difference("output_shape", "", _outputs(a), _outputs(b)))
    old_weights = {w.name: w for w in a.weights}
    new_weights = {w.name: w for w in b.weights}
    for key in dict.fromkeys([*old_weights, *new_weights]):
        before, after = old_weights.get(key), new_weights.get(key)
        if before is None or after is None or form(before.shape) != form(after.shape):
            changes.append(Difference("weight", key, before and before.shape, after and after.shape))
        elif (before.trainable, before.shared) != (after.trainable, after.shared):
            changes.append(Difference("weight", key, _flags(before), _flags(after)))
    if form(a.params) != form(b.params):
        changes.append(Difference("params", "", a.params, b.params))
    if form(a.non_trainable_params) != form(b.non_trainable_params):
        changes.append(Difference("non_trainable_params", "", a.non_trainable_params, b.non_trainable_params))
    if form(old.macs) != form(new.macs):
        changes.append(Difference("macs", "", old.macs, new.macs))
    return tuple(changes)


def form(value: object) -> object:
    """A value to compare by: a formula of the input's symbols (convcalc.symbolic.size.Size) by
    its canonical form, so that two specs with the same symbols compare as formulas (comparing
    the sizes themselves would ask at which sizes they are equal)."""
    if isinstance(value, tuple):
        return tuple(form(v) for v in value)
    return getattr(value, "expr", value)


def _node(ref: str) -> str:
    """The layer a reference names: `lstm[1]` -> `lstm`."""
    return ref.partition("[")[0]


def _flags(weight: object) -> str:
    trainable = "trainable" if getattr(weight, "trainable", True) else "non-trainable"
    return trainable + (", shared" if getattr(weight, "shared", False) else "")


def _outputs(row: Row) -> Shape | tuple[Shape, ...]:
    return row.output_shape if len(row.outputs) == 1 else row.outputs


def diff(old_spec: Spec, new_spec: Spec) -> Diff:
    """Run both specs and compare them layer by layer (SpecError when either cannot be computed)."""
    old_report, new_report = run(old_spec), run(new_spec)
    old_costs, new_costs = costs(old_report), costs(new_report)
    old = _layers(old_report, {c.name: c.macs for c in old_costs.layers})
    new = _layers(new_report, {c.name: c.macs for c in new_costs.layers})
    order = match(old, new)
    renamed = None
    if old_report.branched or new_report.branched:
        renamed = {old[i].row.name: new[j].row.name for i, j in order if i is not None and j is not None}
    layers = []
    for i, j in order:
        if i is not None and j is not None:
            changes = _changes(old[i], new[j], renamed)
            layers.append(LayerDiff("changed" if changes else "unchanged", old[i].row, new[j].row, changes))
        elif j is not None:
            layers.append(LayerDiff("added", None, new[j].row))
        elif i is not None:
            layers.append(LayerDiff("removed", old[i].row, None))
    return Diff(old_spec.path, new_spec.path, old_report, new_report, tuple(layers), old_costs.macs, new_costs.macs)
