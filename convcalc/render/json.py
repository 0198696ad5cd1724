"""The `convcalc/1` JSON document, described by convcalc/schema/convcalc-1.schema.json, and the
indented-but-compact layout every convcalc JSON document is written in."""

from __future__ import annotations

import json
from json.encoder import encode_basestring
from typing import TYPE_CHECKING

from convcalc.ops.tensor import Shape
from convcalc.report import Report, Row

if TYPE_CHECKING:
    from convcalc.analysis.costs import Costs, LayerCost
    from convcalc.analysis.receptive import LayerField

SCHEMA = "convcalc/1"


def shape_list(shape: Shape) -> list[int | None]:
    return list(shape)


def row_data(row: Row) -> dict[str, object]:
    return {
        "name": row.name,
        "type": row.type,
        "output_shape": shape_list(row.output_shape),
        "weights": [{"name": w.name, "shape": list(w.shape), "trainable": w.trainable, "shared": w.shared} for w in row.weights],
        "params": row.params,
        "trainable_params": row.trainable_params,
        "non_trainable_params": row.non_trainable_params,
        "source": {"line": row.source.line, "column": row.source.column},
        "inputs": list(row.inputs),
        "block": [path for path, _ in row.blocks],
        "shared_with": row.shared_with,
        "outputs": [shape_list(s) for s in row.outputs],
    }


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def cost_data(cost: LayerCost) -> dict[str, object]:
    """A layer's keys in the JSON document (convcalc-1.schema.json)."""
    return {
        "macs": cost.macs,
        "flops": cost.flops,
        "output_elements": cost.output_elements,
        "output_bytes": cost.output_bytes,
        "params_share": rounded(cost.params_share),
        "macs_share": rounded(cost.macs_share),
    }


def totals_data(result: Costs) -> dict[str, object]:
    """The keys added to the JSON document's totals."""
    return {
        "macs": result.macs,
        "flops": result.flops,
        "memory": {
            "dtype": result.dtype,
            "bytes_per_element": result.bytes_per_element,
            "per_sample": result.per_sample,
            "input_elements": result.input_elements,
            "input_bytes": result.input_bytes,
            "activation_elements": result.activation_elements,
            "activation_bytes": result.activation_bytes,
            "param_bytes": result.param_bytes,
            "training_bytes": result.training_bytes,
        },
    }


def field_data(result: LayerField) -> dict[str, object] | None:
    """A row's `receptive_field` in the JSON document (convcalc-1.schema.json), or None."""
    field = result.field
    if field is None:
        return None
    return {
        "size": list(field.size),
        "stride": list(field.stride),
        "padding": list(field.padding),
        "axes": list(field.axes),
        "input": field.input,
        "misaligned": list(field.misaligned),
        "paths": [
            {"input": ref, "size": list(f.size), "stride": list(f.stride), "padding": list(f.padding)} for ref, f in result.paths
        ],
    }


def report_data(report: Report, cost: Costs, fields: tuple[LayerField, ...]) -> dict[str, object]:
    """The whole document: the report with each layer's costs and receptive field."""
    totals = report.totals
    return {
        "schema": SCHEMA,
        "name": report.name,
        "framework": report.framework,
        "inputs": [{"name": i.name, "shape": shape_list(i.shape)} for i in report.inputs],
        "outputs": [{"name": o.name, "shape": shape_list(o.shape)} for o in report.outputs],
        "layers": [
            row_data(row) | cost_data(c) | {"receptive_field": field_data(f)}
            for row, f, c in zip(report.rows, fields, cost.layers)
        ],
        "totals": {
            "params": totals.params,
            "trainable_params": totals.trainable_params,
            "non_trainable_params": totals.non_trainable_params,
            "param_bytes": totals.param_bytes,
        }
        | totals_data(cost),
    }


WIDTH = 100


def dumps(data: object) -> str:
    """Indented JSON in which containers that fit on one line stay on one, so shapes read as
    shapes. Each value is rendered once, bottom-up: linear in the document's size."""
    return _render(data, 0)[0] + "\n"


def _scalar(value: object) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return encode_basestring(value)
    return json.dumps(value)


_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode  # one line, in C
_MOST = WIDTH // 4  # a container with more items than this cannot fit on one line


def _render(value: object, indent: int) -> tuple[str, bool]:
    """The text of `value` at `indent`, and whether it is a single line."""
    if isinstance(value, dict):
        items = list(value.values())
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        return _scalar(value), True
    if not items:
        return ("{}" if isinstance(value, dict) else "[]"), True
    if len(items) <= _MOST and not any(isinstance(v, dict | list | tuple) and len(v) > _MOST for v in items):
        line = _COMPACT(value)
        if indent + len(line) <= WIDTH:
            return line, True
    pad = ",\n" + " " * (indent + 2)
    if isinstance(value, dict):
        body = pad.join(encode_basestring(str(k)) + ": " + _render(v, indent + 2)[0] for k, v in value.items())
        brackets = "{}"
    else:
        body = pad.join(_render(v, indent + 2)[0] for v in items)
        brackets = "[]"
    return f"{brackets[0]}\n{' ' * (indent + 2)}{body}\n{' ' * indent}{brackets[1]}", False


def render_json(report: Report, cost: Costs, fields: tuple[LayerField, ...]) -> str:
    return dumps(report_data(report, cost, fields))
