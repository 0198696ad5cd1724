"""The summary as a GitHub-flavoured Markdown table, for pull requests and docs."""

from __future__ import annotations

from convcalc.render.columns import NO_COLUMNS, Columns
from convcalc.render.plain import headers, right_aligned, table_cells
from convcalc.render.text import params_lines, title
from convcalc.report import Report


def render_markdown(report: Report, columns: Columns = NO_COLUMNS) -> str:
    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    names = headers(report, columns)
    right = right_aligned(columns)
    rule = "|" + "|".join("--:" if h in right else "---" for h in names) + "|"
    lines = [f"**{title(report)}**", "", line(names), rule]
    lines += [line(cells) for cells in table_cells(report, weights_joiner="<br>", columns=columns)]
    lines += [""] + [f"- {text}" for text in (*params_lines(report), *columns.totals)]
    lines += [""] + list(columns.notes) if columns.notes else []
    return "\n".join(lines) + "\n"
