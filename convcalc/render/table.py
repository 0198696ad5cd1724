"""The summary table drawn with rich, in Keras's layout. The only module that imports rich."""

from __future__ import annotations

from convcalc.render import title, totals_lines
from convcalc.render.plain import headers, table_cells
from convcalc.report import Report


def render_rich(report: Report) -> str:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text(title(report), style="table.title"), title_justify="left", show_lines=False)
    for header in headers(report):
        table.add_column(header, justify="right" if header == "Param #" else "left", no_wrap=header != "Weights")
    for cells in table_cells(report, weights_joiner="\n"):
        table.add_row(*map(Text, cells))  # Text, not str: a name like "[/x]" is not rich markup
    console = Console(force_terminal=True, color_system="standard", width=max(100, Console().width), highlight=False)
    with console.capture() as capture:
        console.print(table)
        for text in totals_lines(report):
            label, _, rest = text.partition(":")
            console.print(Text.assemble((" " + label + ":", "bold"), rest))
    return capture.get()
