"""The summary as a GitHub-flavoured Markdown table, for pull requests and docs."""

from __future__ import annotations

from convcalc.render import title, totals_lines
from convcalc.render.plain import headers, table_cells
from convcalc.report import Report


def render_markdown(report: Report) -> str:
    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    names = headers(report)
    rule = "|" + "|".join("--:" if h == "Param #" else "---" for h in names) + "|"
    lines = [f"**{title(report)}**", "", line(names), rule]
    lines += [line(cells) for cells in table_cells(report, weights_joiner="<br>")]
    lines += [""] + [f"- {text}" for text in totals_lines(report)]
    return "\n".join(lines) + "\n"
