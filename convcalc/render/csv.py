"""One CSV line per layer, for spreadsheets."""

from __future__ import annotations

import csv
import io

from convcalc.ops.layout import format_shape
from convcalc.render.columns import NO_COLUMNS, Columns
from convcalc.render.text import weight_text
from convcalc.report import Report

COLUMNS = ("name", "type", "output_shape", "weights", "params", "trainable_params", "non_trainable_params", "inputs", "block")


def render_csv(report: Report, columns: Columns = NO_COLUMNS) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow((*COLUMNS, *columns.headers))
    for row in report.rows:
        weights = "; ".join(weight_text(w) for w in row.weights)
        writer.writerow(
            (
                row.name,
                row.type,
                format_shape(row.output_shape),
                weights,
                row.params,
                row.trainable_params,
                row.non_trainable_params,
                " ".join(row.inputs),
                row.blocks[-1][0] if row.blocks else "",
                *columns.of(row),
            )
        )
    return out.getvalue()
