"""The `convcalc/1` JSON document, described by convcalc/schema/convcalc-1.schema.json."""

from __future__ import annotations

import json
import re

from convcalc.report import Report, Row, Shape

SCHEMA = "convcalc/1"


def shape_list(shape: Shape) -> list[int | None]:
    return list(shape)


def row_data(row: Row) -> dict[str, object]:
    return {
        "name": row.name,
        "type": row.type,
        "output_shape": shape_list(row.output_shape),
        "weights": [{"name": w.name, "shape": list(w.shape), "trainable": w.trainable} for w in row.weights],
        "params": row.params,
        "trainable_params": row.trainable_params,
        "non_trainable_params": row.non_trainable_params,
        "source": {"line": row.source.line, "column": row.source.column},
    }


def report_data(report: Report) -> dict[str, object]:
    totals = report.totals
    return {
        "schema": SCHEMA,
        "name": report.name,
        "framework": report.framework,
        "inputs": [{"name": i.name, "shape": shape_list(i.shape)} for i in report.inputs],
        "layers": [row_data(row) for row in report.rows],
        "totals": {
            "params": totals.params,
            "trainable_params": totals.trainable_params,
            "non_trainable_params": totals.non_trainable_params,
            "param_bytes": totals.param_bytes,
        },
    }


_SCALAR_LIST = re.compile(r"\[\s+([-\w.\s,]*?)\s+\]")


def dumps(data: object) -> str:
    """Indented JSON with lists of numbers kept on one line, so shapes read as shapes."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return _SCALAR_LIST.sub(lambda m: "[" + ", ".join(p.strip() for p in m.group(1).split(",")) + "]", text) + "\n"


def render_json(report: Report) -> str:
    return dumps(report_data(report))
