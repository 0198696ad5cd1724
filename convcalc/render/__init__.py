"""Renderers: data in, text out. A renderer formats what the command hands it (the report and
the analyses it computed, each once) and computes nothing; only the terminal table imports rich,
and only for text whose characters are not one terminal cell each."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the package imports nothing itself: each renderer loads only what it needs
    from convcalc.render.columns import Columns
    from convcalc.report import Report


def summary_table(
    report: Report,
    fmt: str,
    color: bool,
    depth: int | None = None,
    columns: Columns | None = None,
    width: int = 80,
    weights: str = "fit",
    ascii: bool = False,
) -> str:
    """The summary as a table: `fmt` is table (drawn for a terminal `width` columns wide when
    `color`, else plain), csv, markdown or latex; `columns` are the extra columns the command
    asked for; `weights` (fit, all, none) and `ascii` (the box for a non-UTF output) are the
    table's."""
    from convcalc.render.columns import NO_COLUMNS

    columns = columns or NO_COLUMNS
    if depth is not None:
        from convcalc.render.fold import fold

        columns = columns.folded(report)
        report = fold(report, depth)
    if fmt == "csv":
        from convcalc.render.csv import render_csv

        return render_csv(report, columns)
    if fmt == "markdown":
        from convcalc.render.markdown import render_markdown

        return render_markdown(report, columns)
    if fmt == "latex":
        from convcalc.render.latex import render_latex

        return render_latex(report, columns)
    if color:
        from convcalc.render.table import render_table

        return render_table(report, columns, width, weights, ascii)
    from convcalc.render.plain import render_plain

    return render_plain(report, columns, weights=weights != "none")
