"""The summary table as plain text, for pipes and NO_COLOR: one line a row, nothing cut."""

from __future__ import annotations

from convcalc.ops.layout import format_shape
from convcalc.render import title, totals_lines, weight_text
from convcalc.report import Report

HEADERS = ("Layer (type)", "Output Shape", "Weights", "Param #")


def table_cells(report: Report, weights_joiner: str = ", ") -> list[tuple[str, str, str, str]]:
    """The four cells of each row, shared by the plain, Markdown and rich tables."""
    return [
        (
            f"{row.name} ({row.type})",
            format_shape(row.output_shape),
            weights_joiner.join(weight_text(w) for w in row.weights),
            f"{row.params:,}",
        )
        for row in report.rows
    ]


def render_plain(report: Report) -> str:
    cells = table_cells(report)
    widths = [max([len(h)] + [len(c[i]) for c in cells]) for i, h in enumerate(HEADERS)]

    def line(values: tuple[str, ...]) -> str:
        parts = [v.ljust(w) for v, w in zip(values[:-1], widths)] + [values[-1].rjust(widths[-1])]
        return "  ".join(parts).rstrip()

    rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
    lines = [title(report), rule, line(HEADERS), rule, *(line(c) for c in cells), rule, *totals_lines(report)]
    return "\n".join(lines) + "\n"
