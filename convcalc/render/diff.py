"""`convcalc diff`'s output: a table (plain or rich) and the `convcalc-diff/1` JSON document."""

from __future__ import annotations

from convcalc.analysis.diff import STATUSES, Diff, Difference, LayerDiff, form
from convcalc.ops.layout import format_shape
from convcalc.ops.tensor import is_number
from convcalc.report import Report, Row, Totals

SCHEMA = "convcalc-diff/1"
MARKS = {"added": "+", "removed": "-", "changed": "~", "unchanged": " "}
TOTALS = (("Total params", "params"), ("Trainable params", "trainable_params"), ("Non-trainable params", "non_trainable_params"))


def value_text(field: str, value: object) -> str:
    if field in ("output_shape", "weight") and isinstance(value, tuple):
        if value and isinstance(value[0], tuple):
            return "[" + ", ".join(format_shape(v) for v in value) + "]"
        return format_shape(value)
    if field in ("params", "non_trainable_params", "macs") and isinstance(value, int):
        return f"{value:,}"
    if field == "inputs" and isinstance(value, tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    if field in ("name", "type"):
        return str(value)
    return repr(value)


def difference_text(change: Difference) -> str:
    """One change as a reader sees it: `filters 32 -> 64`, `+bias (64,)`."""
    old, new = value_text(change.field, change.old), value_text(change.field, change.new)
    label = {"output_shape": "output", "non_trainable_params": "non-trainable params"}.get(change.field, change.field)
    if change.field in ("argument", "weight"):
        label = change.name
    if change.field == "weight" and change.old is None:
        return f"+{change.name} {new}"
    if change.field == "weight" and change.new is None:
        return f"-{change.name} {old}"
    return f"{label} {old} -> {new}"


def _delta(old: int, new: int) -> str:
    """`53,600 -> 126,922 (+73,322)`; figures that are formulas of the input's symbols compare
    as formulas, and their change is one (`+320*ceil(H/4)*ceil(W/4)`)."""
    if not (is_number(old) and is_number(new)):
        if form(old) == form(new):
            return f"{new} (unchanged)"
        change = new - old
        return f"{old} -> {new} ({change:+,})" if is_number(change) else f"{old} -> {new} (change {change})"
    if old == new:
        return f"{new:,} (unchanged)"
    return f"{old:,} -> {new:,} ({new - old:+,})"


def diff_totals_lines(result: Diff) -> list[str]:
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
    shape = format_shape(row.output_shape) if len(row.outputs) == 1 else value_text("output_shape", row.outputs)
    params = f"{row.params:,}"
    details = ", ".join(f"{w.name} {format_shape(w.shape)}" for w in row.weights)
    if layer.status in ("changed", "unchanged"):
        old = layer.old
        assert old is not None
        if old.name != row.name:
            label = f"{old.name} -> {label}"
        fields = {c.field for c in layer.changes}
        if "output_shape" in fields:
            shape = next(difference_text(c) for c in layer.changes if c.field == "output_shape").removeprefix("output ")
        if "params" in fields:
            params = f"{old.params:,} -> {row.params:,}"
        shown = [c for c in layer.changes if c.field not in ("name", "output_shape", "params")]
        details = "; ".join(difference_text(c) for c in shown) or ("renamed" if "name" in fields else "")
    return [MARKS[layer.status], label, shape, params, details]


def diff_table(result: Diff, color: bool, everything: bool = False) -> str:
    """Changed, added and removed layers (all with `everything`), then the totals, old -> new."""
    title = f"--- {result.old_path}\n+++ {result.new_path}\n{headline(result)}"
    shown = [layer for layer in result.layers if everything or layer.status != "unchanged"]
    footer = diff_totals_lines(result)
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
