"""A fitted table drawn by rich itself: for text with characters wider or narrower than one
terminal cell (CJK, emoji, combining marks...), whose measuring and breaking rich knows and
render/box.py does not try to. Rare, so rich's import cost is paid only then."""

from __future__ import annotations

import io

from convcalc.render.box import Drawing


def cell_width(text: str) -> int:
    """The terminal cells `text` takes, as rich counts them."""
    from rich.cells import cell_len

    return cell_len(text)


def draw_with_rich(drawing: Drawing) -> str:
    """The drawing, on a console as wide as the table (the totals and notes at the terminal's
    width), with the widths it was fitted to: cells are never wrapped or cut by rich."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(
        title=Text(drawing.title, style="table.title"),
        title_justify="left",
        box=box.ASCII if drawing.ascii else box.HEAVY_HEAD,
    )
    for header, right, width in zip(drawing.headers, drawing.right, drawing.widths):
        table.add_column(header, justify="right" if right else "left", no_wrap=True, width=width)
    for row in drawing.rows:
        table.add_row(*(Text("\n".join(cell)) for cell in row))
    console = Console(
        file=io.StringIO(),  # its encoding (none: UTF-8) keeps rich from choosing the box itself
        force_terminal=True,
        color_system="standard",
        width=max(drawing.width, drawing.table_width),
        highlight=False,
        legacy_windows=False,
    )
    with console.capture() as capture:
        console.print(table)
        console.width = drawing.width
        for label, rest in drawing.totals:
            console.print(Text.assemble((label, "bold"), rest))
        for note in drawing.notes:
            console.print(Text(note))
    return capture.get()
