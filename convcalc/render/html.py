"""One self-contained HTML page: the drawing (inline SVG) and the summary table.

Nothing is fetched: styles are inline, the picture is inline SVG, and a Content-Security-Policy
of `default-src 'none'` makes the browser refuse any request, so the page works offline, from
an e-mail attachment or a CI artefact, and shows the same everywhere.
"""

from __future__ import annotations

from convcalc.render.columns import NO_COLUMNS, Columns
from convcalc.render.fold import fold
from convcalc.render.svg import FONT, escape, render_svg
from convcalc.render.text import params_lines, title
from convcalc.report import Report

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

STYLE = f"""
body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #0f172a; }}
h1 {{ font-size: 20px; }}
h2 {{ font-size: 16px; margin-top: 28px; }}
table {{ border-collapse: collapse; font-family: {FONT}; font-size: 12px; }}
th, td {{ padding: 3px 10px; border-bottom: 1px solid #e2e8f0; text-align: left; vertical-align: top; }}
th {{ border-bottom: 2px solid #94a3b8; }}
td.number, th.number {{ text-align: right; }}
ul.totals {{ font-family: {FONT}; font-size: 12px; padding-left: 18px; }}
p.note {{ font-size: 12px; color: #475569; }}
.drawing {{ overflow: auto; border: 1px solid #e2e8f0; padding: 8px; }}
"""


def render_html(report: Report, depth: int | None = None, columns: Columns = NO_COLUMNS) -> str:
    """The page for `report`; `columns` are the summary's extra columns (`--macs`, `--memory`),
    computed by the caller; blocks deeper than `depth` folded in both table and drawing."""
    from convcalc.render.plain import headers, right_aligned, table_cells

    table_report = report if depth is None else fold(report, depth)
    table_columns = columns if depth is None else columns.folded(report)
    names = headers(table_report, table_columns)
    right = right_aligned(table_columns)

    def cell(tag: str, text: str, header: str) -> str:
        kind = ' class="number"' if header in right else ""
        return f"<{tag}{kind}>{escape(text)}</{tag}>"

    heading = escape(title(report))
    rows = [
        "<tr>" + "".join(cell("td", text, name) for text, name in zip(line, names)) + "</tr>"
        for line in table_cells(table_report, weights_joiner=", ", columns=table_columns)
    ]
    totals = [f"<li>{escape(line)}</li>" for line in (*params_lines(report), *table_columns.totals)]
    notes = [f'<p class="note">{escape(line)}</p>' for line in table_columns.notes]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="convcalc">',
        f"<title>{heading}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        f"<h1>{heading}</h1>",
        '<section class="summary">',
        "<h2>Summary</h2>",
        "<table>",
        "<thead><tr>" + "".join(cell("th", name, name) for name in names) + "</tr></thead>",
        "<tbody>",
        *rows,
        "</tbody>",
        "</table>",
        '<ul class="totals">',
        *totals,
        "</ul>",
        *notes,
        "</section>",
        '<section class="graph">',
        "<h2>Graph</h2>",
        '<div class="drawing">',
        render_svg(report, depth, standalone=False).rstrip("\n"),
        "</div>",
        "</section>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"
