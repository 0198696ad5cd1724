"""Tables of text cells for the commands other than `summary` (solve, diff): plain text that
never cuts a cell, or rich boxes. rich is imported only when a rich table is drawn."""

from __future__ import annotations

from collections.abc import Sequence

Cells = Sequence[str]


def plain_table(headers: Cells, rows: Sequence[Cells], right: frozenset[str] = frozenset()) -> list[str]:
    """Header, rule and one line per row; columns named in `right` are right-aligned."""
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(values: Cells) -> str:
        parts = [v.rjust(w) if h in right else v.ljust(w) for v, w, h in zip(values, widths, headers)]
        return "  ".join(parts).rstrip()

    rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
    return [rule, line(headers), rule, *(line(r) for r in rows), rule]


def rich_table(
    title: str,
    headers: Cells,
    rows: Sequence[Cells],
    footer: Sequence[str] = (),
    right: frozenset[str] = frozenset(),
    styles: Sequence[str] = (),
) -> str:
    """The same table drawn by rich, under its title lines; `styles` colours each row."""
    from rich.console import Console
    from rich.table import Table

    table = Table()
    for header in headers:
        table.add_column(header, justify="right" if header in right else "left")
    for index, cells in enumerate(rows):
        table.add_row(*cells, style=styles[index] if index < len(styles) else None)
    console = Console(force_terminal=True, color_system="standard", width=max(100, Console().width), highlight=False)
    with console.capture() as capture:
        console.print(title, style="bold", markup=False)
        console.print(table)
        for text in footer:
            console.print(text, markup=False)
    return capture.get()
