"""The summary table drawn with rich, in Keras's layout. The only module that imports rich."""

from __future__ import annotations

from convcalc.render.columns import NO_COLUMNS, Columns
from convcalc.render.plain import headers, right_aligned, table_cells
from convcalc.render.text import params_lines, title
from convcalc.report import Report


def render_rich(report: Report, columns: Columns = NO_COLUMNS) -> str:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text(title(report), style="table.title"), title_justify="left", show_lines=False)
    right = right_aligned(columns)
    names = headers(report, columns)
    for header in names:
        table.add_column(header, justify="right" if header in right else "left", no_wrap=True)
    rows = table_cells(report, weights_joiner="\n", columns=columns)
    for cells in rows:
        table.add_row(*map(Text, cells))  # Text, not str: a name like "[/x]" is not rich markup
    # Never cut or wrap a cell: a table wider than the terminal is better than a broken shape.
    natural = [max(len(line) for cell in (h, *cells) for line in cell.split("\n")) for h, cells in zip(names, zip(*rows))]
    width = max(100, Console().width, sum(natural) + 3 * len(names) + 1)
    console = Console(force_terminal=True, color_system="standard", width=width, highlight=False)
    with console.capture() as capture:
        console.print(table)
        for text in (*params_lines(report), *columns.totals):
            label, _, rest = text.partition(":")
            console.print(Text.assemble((" " + label + ":", "bold"), rest))
        for note in columns.notes:
            console.print(" " + note, markup=False)
    return capture.get()
