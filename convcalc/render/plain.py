"""The summary table as plain text, for pipes and NO_COLOR: one line a row, nothing cut."""

from __future__ import annotations

from convcalc.ops.layout import format_shape
from convcalc.render.columns import NO_COLUMNS, Columns
from convcalc.render.text import params_lines, printable, title, weight_text
from convcalc.report import Report, Row

BASE_HEADERS = ("Layer (type)", "Output Shape", "Weights", "Param #")
CONNECTED = "Connected to"


def headers(report: Report, columns: Columns = NO_COLUMNS, weights: bool = True) -> tuple[str, ...]:
    """Keras's columns, with `Connected to` once the graph branches, then any extra `columns`;
    Weights unless `weights` is false (`--weights none`)."""
    base = BASE_HEADERS if weights else tuple(h for h in BASE_HEADERS if h != "Weights")
    return (*base, *((CONNECTED,) if report.branched else ()), *columns.headers)


def right_aligned(columns: Columns = NO_COLUMNS) -> frozenset[str]:
    return frozenset(("Param #", *(h for h in columns.headers if h not in columns.left)))


def output_text(row: Row) -> str:
    if len(row.outputs) == 1:
        return format_shape(row.output_shape)
    return "[" + ", ".join(format_shape(s) for s in row.outputs) + "]"


def weights_text(row: Row, joiner: str) -> str:
    if row.folded:
        return f"{row.folded} layers"
    return joiner.join(weight_text(w) for w in row.weights)


def table_cells(
    report: Report, weights_joiner: str = ", ", columns: Columns = NO_COLUMNS, weights: bool = True
) -> list[tuple[str, ...]]:
    """The cells of each row, shared by the plain, Markdown, LaTeX and HTML tables."""
    cells = []
    for row in report.rows:
        weighed = (weights_text(row, weights_joiner),) if weights else ()
        line: tuple[str, ...] = (f"{row.name} ({row.type})", output_text(row), *weighed, f"{row.params:,}")
        line = (*line, ", ".join(row.inputs)) if report.branched else line
        cells.append(tuple(printable(cell) for cell in (*line, *columns.of(row))))
    return cells


def render_plain(report: Report, columns: Columns = NO_COLUMNS, weights: bool = True) -> str:
    """One line a layer, columns two spaces apart; Weights unless `weights` is false."""
    names = headers(report, columns, weights)
    cells = table_cells(report, columns=columns, weights=weights)
    right = right_aligned(columns)
    widths = [max([len(h)] + [len(c[i]) for c in cells]) for i, h in enumerate(names)]

    def line(values: tuple[str, ...]) -> str:
        parts = [v.rjust(w) if h in right else v.ljust(w) for v, w, h in zip(values, widths, names)]
        return "  ".join(parts).rstrip()

    rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
    lines = [
        title(report),
        rule,
        line(names),
        rule,
        *(line(c) for c in cells),
        rule,
        *params_lines(report),
        *columns.totals,
        *map(printable, columns.notes),  # a note names layers
    ]
    return "\n".join(lines) + "\n"
