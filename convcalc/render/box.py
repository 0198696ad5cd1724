"""A table drawn byte for byte as rich draws the summary's `Table` (box HEAVY_HEAD, one space of
padding, bold header, italic title justified left, standard colour system), from cells already cut
into lines and column widths already chosen: rich's output without rich measuring every cell,
which is most of its cost on a large network. Text of one-cell characters only; the terminal
table hands anything else to rich itself (render/rich_table.py). tests/test_table_rich.py holds
this drawing to rich's bytes."""

from __future__ import annotations

import re

from convcalc.record import Record
from convcalc.render.wrap import wrapped

BOLD, ITALIC, RESET = "\x1b[1m", "\x1b[3m", "\x1b[0m"
"""SGR 1, 3 and 0: rich's `table.header` (bold) and `table.title` (italic) styles as it writes them."""

# Each box: top edge, header row, rule under the header, body rows, bottom edge; an edge or rule
# as (left, line, junction, right), a row as (left, -, divider, right). rich's HEAVY_HEAD and,
# for an output encoding other than UTF-8/16/32 (where rich falls back to it), ASCII.
HEAVY_HEAD = ("┏━┳┓", "┃ ┃┃", "┡━╇┩", "│ ││", "└─┴┘")
ASCII = ("+--+", "| ||", "|-+|", "| ||", "+--+")

ONE_CELL = re.compile(r"[ -~█▏▎▍▌▋▊▉]*")
"""Text this module can measure with len(): printable ASCII and the eighths of the MACs bars."""


class Drawing(Record):
    """A table fitted to a terminal: the title, the headers (and which align right), each column's
    width, each row's cells as lines, the totals as (bold label, rest), the notes, the terminal's
    width (the title wraps at the table's, totals and notes at the terminal's) and whether to use
    the ASCII box."""

    __slots__ = ("title", "headers", "right", "widths", "rows", "totals", "notes", "width", "ascii")

    title: str
    headers: tuple[str, ...]
    right: tuple[bool, ...]
    widths: tuple[int, ...]
    rows: tuple[tuple[tuple[str, ...], ...], ...]
    totals: tuple[tuple[str, str], ...]
    notes: tuple[str, ...]
    width: int
    ascii: bool

    def __init__(
        self,
        title: str,
        headers: tuple[str, ...],
        right: tuple[bool, ...],
        widths: tuple[int, ...],
        rows: tuple[tuple[tuple[str, ...], ...], ...],
        totals: tuple[tuple[str, str], ...] = (),
        notes: tuple[str, ...] = (),
        width: int = 80,
        ascii: bool = False,
    ) -> None:
        self.title = title
        self.headers = headers
        self.right = right
        self.widths = widths
        self.rows = rows
        self.totals = totals
        self.notes = notes
        self.width = width
        self.ascii = ascii

    @property
    def table_width(self) -> int:
        """Columns, one space of padding each side of each, and a border between and around them."""
        return sum(self.widths) + 3 * len(self.widths) + 1


def draw(drawing: Drawing) -> str:
    """The drawing as rich writes it on a terminal."""
    top, head, rule, body, bottom = ASCII if drawing.ascii else HEAVY_HEAD
    widths, right = drawing.widths, drawing.right
    spans = [width + 2 for width in widths]

    def edge(chars: str) -> str:
        return chars[0] + chars[2].join(chars[1] * span for span in spans) + chars[3]

    def aligned(text: str, width: int, to_right: bool) -> str:
        return text.rjust(width) if to_right else text.ljust(width)

    full = drawing.table_width
    lines = [f"{ITALIC}{line.ljust(full)}{RESET}" for _, line in wrapped(drawing.title, full)]
    lines.append(edge(top))
    pad = f"{BOLD} {RESET}"
    header = [f"{pad}{BOLD}{aligned(h, w, r)}{RESET}{pad}" for h, w, r in zip(drawing.headers, widths, right)]
    lines.append(head[0] + head[2].join(header) + head[3])
    lines.append(edge(rule))
    left, divider, end = body[0], f" {body[2]} ", body[3]
    columns = list(zip(widths, right))
    for row in drawing.rows:
        height = max(len(cell) for cell in row)
        for i in range(height):
            cells = [aligned(cell[i] if i < len(cell) else "", w, r) for cell, (w, r) in zip(row, columns)]
            lines.append(f"{left} {divider.join(cells)} {end}")
    lines.append(edge(bottom))
    for label, rest in drawing.totals:
        for start, line in wrapped(label + rest, drawing.width):
            bold = line[: max(0, len(label) - start)]
            lines.append(f"{BOLD}{bold}{RESET}{line[len(bold) :]}" if bold else line)
    for note in drawing.notes:
        lines.extend(line for _, line in wrapped(note, drawing.width))
    return "\n".join(lines) + "\n"
