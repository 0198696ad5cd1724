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

from convcalc.ops.layout import format_shape
from convcalc.report import Report, Row, Shape, Totals
from convcalc.spec import Spec

STATUSES = ("added", "removed", "changed", "unchanged")
MARKS = {"added": "+", "removed": "-", "changed": "~", "unchanged": " "}


@dataclass(frozen=True)
class Change:
    """One difference of a matched layer: `field` is name, type, argument, inputs, output_shape,
    weight (`name` says which), params, non_trainable_params or macs."""

    field: str
    name: str
    old: object
    new: object

    def text(self) -> str:
        old, new = _value_text(self.field, self.old), _value_text(self.field, self.new)
        label = {"output_shape": "output", "non_trainable_params": "non-trainable params"}.get(self.field, self.field)
        if self.field in ("argument", "weight"):
            label = self.name
        if self.field == "weight" and self.old is None:
            return f"+{self.name} {new}"
        if self.field == "weight" and self.new is None:
            return f"-{self.name} {old}"
        return f"{label} {old} -> {new}"


def _value_text(field: str, value: object) -> str:
    if field in ("output_shape", "weight") and isinstance(value, tuple):
        if value and isinstance(value[0], tuple):
            return "[" + ", ".join(format_shape(v) for v in value) + "]"
        return format_shape(value)  # type: ignore[arg-type]
    if field in ("params", "non_trainable_params", "macs") and isinstance(value, int):
        return f"{value:,}"
    if field == "inputs" and isinstance(value, tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    if field in ("name", "type"):
        return str(value)
    return repr(value)


@dataclass(frozen=True)
class LayerDiff:
    status: str  # added, removed, changed, unchanged
    old: Row | None
    new: Row | None
    changes: tuple[Change, ...] = ()

    @property
    def row(self) -> Row:
        return self.new or self.old  # type: ignore[return-value]


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


def _layers(spec: Spec, report: Report, macs: dict[str, int | None]) -> list[_Layer]:
    """Each row with the layer written in the spec that it comes from (found by its source
    location; inside a block, the block's template, whose arguments may be expressions)."""
    from convcalc.errors import LayerError
    from convcalc.frameworks import vocabulary

    vocab = vocabulary(spec.framework)
    written = {layer.location: layer for layer in spec.layers}
    for block in spec.blocks.values():
        written.update({layer.location: layer for layer in block.layers})
    layers = []
    for row in report.rows:
        layer = written.get(row.source)
        if layer is None:
            layers.append(_Layer(row, False, row.type, {}, macs.get(row.name)))
            continue
        try:
            arguments = vocab.lookup(layer.type).signature.bind(layer.type, layer.args, layer.kwargs).values
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


def _changes(old: _Layer, new: _Layer, renamed: dict[str, str] | None) -> tuple[Change, ...]:
    """What differs between a layer and its match; `renamed` (old name -> new name) compares the
    inputs of branched networks, None for sequential ones, whose inputs follow from the order."""
    a, b = old.row, new.row
    changes = []
    if a.name != b.name and (old.explicit or new.explicit):
        changes.append(Change("name", "", a.name, b.name))
    if a.type != b.type:
        changes.append(Change("type", "", a.type, b.type))
    elif old.arguments and new.arguments:
        for key in list(dict.fromkeys([*old.arguments, *new.arguments])):
            before, after = old.arguments.get(key), new.arguments.get(key)
            if not _same(before, after):
                changes.append(Change("argument", key, before, after))
    if renamed is not None:
        inputs = tuple(renamed.get(_node(ref), _node(ref)) + ref[len(_node(ref)) :] for ref in a.inputs)
        if inputs != b.inputs:
            changes.append(Change("inputs", "", a.inputs, b.inputs))
    if a.outputs != b.outputs:
        changes.append(Change("output_shape", "", _outputs(a), _outputs(b)))
    old_weights = {w.name: w for w in a.weights}
    new_weights = {w.name: w for w in b.weights}
    for key in dict.fromkeys([*old_weights, *new_weights]):
        before, after = old_weights.get(key), new_weights.get(key)
        if before is None or after is None or before.shape != after.shape:
            changes.append(Change("weight", key, before and before.shape, after and after.shape))
        elif (before.trainable, before.shared) != (after.trainable, after.shared):
            changes.append(Change("weight", key, _flags(before), _flags(after)))
    if a.params != b.params:
        changes.append(Change("params", "", a.params, b.params))
    if a.non_trainable_params != b.non_trainable_params:
        changes.append(Change("non_trainable_params", "", a.non_trainable_params, b.non_trainable_params))
    if old.macs != new.macs:
        changes.append(Change("macs", "", old.macs, new.macs))
    return tuple(changes)


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
    from convcalc.compute import costs
    from convcalc.engine import run

    old_report, new_report = run(old_spec), run(new_spec)
    old_costs, new_costs = costs(old_report), costs(new_report)
    old = _layers(old_spec, old_report, {c.name: c.macs for c in old_costs.layers})
    new = _layers(new_spec, new_report, {c.name: c.macs for c in new_costs.layers})
    order = match(old, new)
    renamed = None
    if old_report.branched or new_report.branched:
        renamed = {old[i].row.name: new[j].row.name for i, j in order if i is not None and j is not None}
    layers = []
    for i, j in order:
        if i is None:
            layers.append(LayerDiff("added", None, new[j].row))  # type: ignore[index]
        elif j is None:
            layers.append(LayerDiff("removed", old[i].row, None))
        else:
            changes = _changes(old[i], new[j], renamed)
            layers.append(LayerDiff("changed" if changes else "unchanged", old[i].row, new[j].row, changes))
    return Diff(old_spec.path, new_spec.path, old_report, new_report, tuple(layers), old_costs.macs, new_costs.macs)


# --- Output: a table (plain or rich) and the `convcalc-diff/1` JSON document

SCHEMA = "convcalc-diff/1"
TOTALS = (("Total params", "params"), ("Trainable params", "trainable_params"), ("Non-trainable params", "non_trainable_params"))


def _delta(old: int, new: int) -> str:
    if old == new:
        return f"{new:,} (unchanged)"
    return f"{old:,} -> {new:,} ({new - old:+,})"


def totals_lines(result: Diff) -> list[str]:
    """`Total params: 53,600 -> 126,922 (+73,322)`, and the network's outputs when they changed."""
    lines = []
    for label, key in TOTALS:
        lines.append(f"{label}: {_delta(getattr(result.old.totals, key), getattr(result.new.totals, key))}")
    if result.old_macs is not None and result.new_macs is not None:
        lines.append(f"Total MACs: {_delta(result.old_macs, result.new_macs)}")
    old_outputs = [format_shape(o.shape) for o in result.old.outputs]
    new_outputs = [format_shape(o.shape) for o in result.new.outputs]
    if old_outputs != new_outputs:
        lines.append(f"Output: {', '.join(old_outputs)} -> {', '.join(new_outputs)}")
    if result.old.framework != result.new.framework:
        lines.append(f"Framework: {result.old.framework} -> {result.new.framework}")
    return lines


def headline(result: Diff) -> str:
    if result.equal:
        count = len(result.new.rows)
        return f"No differences: {count} layer{'s' * (count != 1)}, {result.new.totals.params:,} params"
    counts = [(result.count(status), status) for status in ("changed", "added", "removed")]
    return ", ".join(f"{count} {status}" for count, status in counts if count) or "Layers equal; totals or outputs differ"


def _cells(layer: LayerDiff) -> list[str]:
    row = layer.row
    label = f"{row.name} ({row.type})"
    shape = format_shape(row.output_shape) if len(row.outputs) == 1 else _value_text("output_shape", row.outputs)
    params = f"{row.params:,}"
    details = ", ".join(f"{w.name} {format_shape(w.shape)}" for w in row.weights)
    if layer.status in ("changed", "unchanged"):
        old = layer.old
        assert old is not None
        if old.name != row.name:
            label = f"{old.name} -> {label}"
        fields = {c.field for c in layer.changes}
        if "output_shape" in fields:
            shape = next(c.text() for c in layer.changes if c.field == "output_shape").removeprefix("output ")
        if "params" in fields:
            params = f"{old.params:,} -> {row.params:,}"
        shown = [c for c in layer.changes if c.field not in ("name", "output_shape", "params")]
        details = "; ".join(c.text() for c in shown) or ("renamed" if "name" in fields else "")
    return [MARKS[layer.status], label, shape, params, details]


def diff_table(result: Diff, color: bool, everything: bool = False) -> str:
    """Changed, added and removed layers (all with `everything`), then the totals, old -> new."""
    title = f"--- {result.old_path}\n+++ {result.new_path}\n{headline(result)}"
    shown = [layer for layer in result.layers if everything or layer.status != "unchanged"]
    footer = totals_lines(result)
    if not shown:
        return "\n".join([title, *footer]) + "\n"
    headers = ["", "Layer (type)", "Output Shape", "Param #", "Details"]
    rows = [_cells(layer) for layer in shown]
    right = frozenset({"Param #"})
    if color:
        from convcalc.render.grid import rich_table

        styles = {"added": "green", "removed": "red", "changed": "yellow", "unchanged": "dim"}
        return rich_table(title, headers, rows, footer, right, [styles[layer.status] for layer in shown])
    from convcalc.render.grid import plain_table

    return "\n".join([title, *plain_table(headers, rows, right), *footer]) + "\n"


def _row_data(row: Row | None) -> dict[str, object] | None:
    if row is None:
        return None
    return {
        "name": row.name,
        "type": row.type,
        "output_shape": list(row.output_shape),
        "weights": [{"name": w.name, "shape": list(w.shape), "trainable": w.trainable} for w in row.weights],
        "params": row.params,
        "non_trainable_params": row.non_trainable_params,
    }


def _network(path: str, report: Report) -> dict[str, object]:
    totals: Totals = report.totals
    return {
        "path": path,
        "name": report.name,
        "framework": report.framework,
        "layers": len(report.rows),
        "outputs": [{"name": o.name, "shape": list(o.shape)} for o in report.outputs],
        "totals": {key: getattr(totals, key) for _, key in TOTALS},
    }


def diff_document(result: Diff) -> dict[str, object]:
    return {
        "schema": SCHEMA,
        "equal": result.equal,
        "old": _network(result.old_path, result.old),
        "new": _network(result.new_path, result.new),
        "counts": {status: result.count(status) for status in STATUSES},
        "totals": {
            key: {
                "old": getattr(result.old.totals, key),
                "new": getattr(result.new.totals, key),
                "change": getattr(result.new.totals, key) - getattr(result.old.totals, key),
            }
            for _, key in TOTALS
        }
        | {"macs": {"old": result.old_macs, "new": result.new_macs, "change": _change(result.old_macs, result.new_macs)}},
        "layers": [
            {
                "status": layer.status,
                "old": _row_data(layer.old),
                "new": _row_data(layer.new),
                "changes": [
                    {"field": c.field, "name": c.name or None, "old": _jsonable(c.old), "new": _jsonable(c.new)}
                    for c in layer.changes
                ],
            }
            for layer in result.layers
        ],
    }


def _change(old: int | None, new: int | None) -> int | None:
    return None if old is None or new is None else new - old


def _jsonable(value: object) -> object:
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return repr(value)
