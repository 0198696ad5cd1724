"""The summary table on a terminal: Keras's columns in rich's box, fitted to the terminal's width.

Width policy, the same at every width. The table is laid out with every cell on one line; while it
is wider than the terminal, these give way, in this order, each only as far as needed:

1. Connected to: a layer's inputs go on several lines, each name whole.
2. Output Shape, for a layer with several outputs: the shapes go on several lines, each whole.
3. Weights (`--weights fit`, the default): a cell shows its first weights that fit and `+N more`,
   or how many it has (`6 weights`) when not even the first fits. When the column cannot show the
   first weight of at least half the layers that have weights, it is left out, and a note under
   the totals says so.
4. Layer (type): the type goes on the line under the name.

The first two only make a few rows taller (merges, layers with several outputs) and hide nothing;
weights are hidden before every row is made taller by its type. Nothing else gives way: names,
shapes, parameter counts and the extra columns asked for (`--macs`, `--memory`,
`--receptive-field`...) are never cut. A table that cannot fit even so is drawn wider than the
terminal rather than cut a name: one line a layer as if nothing gave way, only without the Weights
it was fitting, which reads best in a pager (`less -S`) or a wider terminal. `--weights all`
lists every weight, one a line, and that column never gives way; `--weights none` leaves it out.
The title wraps at the table's width, the totals and notes at the terminal's, as rich wraps them.

The drawing is rich's, byte for byte (render/box.py; tests/test_table_rich.py compares them); only
text with characters wider or narrower than one cell is measured and drawn by rich itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from convcalc.ops.layout import format_shape
from convcalc.render.box import ONE_CELL, Drawing, draw
from convcalc.render.columns import NO_COLUMNS, Columns
from convcalc.render.fit import Size, counted, first_fitting, flowed, listed, narrowest
from convcalc.render.plain import BASE_HEADERS, CONNECTED, right_aligned
from convcalc.render.text import params_lines, printable, title, weight_text
from convcalc.report import Report


class Column:
    """A column of the table: its header, its alignment, each row's pieces, and each row's cell at
    a width, as lines. This one never gives way: its cells are whole, on one line."""

    def __init__(self, header: str, cells: Sequence[Sequence[str]], right: bool = False) -> None:
        self.header = header
        self.right = right
        self.texts = cells  # each row's pieces: what the cell is made of

    def sizes(self, size: Size) -> tuple[int, int]:
        """Its width with every cell on one line, and the narrowest it can give way to."""
        widest = max((size(" ".join(pieces)) for pieces in self.texts), default=0)
        return max(size(self.header), widest), max(size(self.header), widest)

    def cell(self, row: int, width: int, size: Size) -> tuple[str, ...]:
        return (" ".join(self.texts[row]),)


class Flowing(Column):
    """A list (a layer's inputs, its outputs' shapes) that goes on several lines, each item whole."""

    def sizes(self, size: Size) -> tuple[int, int]:
        full, _ = super().sizes(size)
        item = max((size(piece) for pieces in self.texts for piece in pieces), default=0)
        return full, max(size(self.header), item)

    def cell(self, row: int, width: int, size: Size) -> tuple[str, ...]:
        return flowed(self.texts[row], width, size)


class Named(Column):
    """`name (type)`, whose type goes under the name when the line does not fit."""

    def sizes(self, size: Size) -> tuple[int, int]:
        full, _ = super().sizes(size)
        part = max((size(piece) for pieces in self.texts for piece in pieces), default=0)
        return full, max(size(self.header), part)

    def cell(self, row: int, width: int, size: Size) -> tuple[str, ...]:
        line = " ".join(self.texts[row])
        return (line,) if size(line) <= width else tuple(self.texts[row])


class FirstWeights(Column):
    """Each layer's weights on one line: the first that fit and `+N more`, or how many there are
    (a block folded by `--depth`: how many layers it holds, whole). The column is no narrower
    than it takes to show the first weight of half the layers that have weights."""

    def __init__(self, header: str, cells: Sequence[Sequence[str]], folded: Sequence[bool]) -> None:
        super().__init__(header, cells)
        self.folded = folded

    def sizes(self, size: Size) -> tuple[int, int]:
        full = max([size(self.header)] + [size(", ".join(entries)) for entries in self.texts])
        weighed = [entries for entries, folded in zip(self.texts, self.folded) if entries and not folded]
        needs = sorted(narrowest(entries, size) for entries in weighed)
        half = needs[(len(needs) + 1) // 2 - 1] if needs else 0
        whole = [size(entries[0]) for entries, folded in zip(self.texts, self.folded) if folded]
        counts = [size(counted(len(entries), "weight")) for entries in weighed]
        return full, max([size(self.header), half, *whole, *counts])

    def cell(self, row: int, width: int, size: Size) -> tuple[str, ...]:
        entries = self.texts[row]
        if self.folded[row] or not entries:
            return (", ".join(entries),)
        return (first_fitting(entries, width, size),)


class AllWeights(Column):
    """Every weight of each layer, one a line."""

    def sizes(self, size: Size) -> tuple[int, int]:
        widest = max([size(self.header)] + [size(entry) for entries in self.texts for entry in entries])
        return widest, widest

    def cell(self, row: int, width: int, size: Size) -> tuple[str, ...]:
        return tuple(self.texts[row]) or ("",)


def table_columns(report: Report, columns: Columns, weights: str) -> tuple[list[Column], Column | None]:
    """The table's columns in Keras's order with the extra ones after, and the Weights column."""
    rows = report.rows
    names = Named(BASE_HEADERS[0], [(printable(row.name), printable(f"({row.type})")) for row in rows])
    shapes = [[format_shape(shape) for shape in row.outputs] for row in rows]
    outputs = Flowing(BASE_HEADERS[1], [listed(s, "[", "]") if len(s) > 1 else s for s in shapes])
    params = Column(BASE_HEADERS[3], [(f"{row.params:,}",) for row in rows], right=True)
    table = [names, outputs]
    shown: Column | None = None
    if weights != "none":
        entries = [[f"{row.folded} layers"] if row.folded else [printable(weight_text(w)) for w in row.weights] for row in rows]
        folded = [bool(row.folded) for row in rows]
        shown = AllWeights(BASE_HEADERS[2], entries) if weights == "all" else FirstWeights(BASE_HEADERS[2], entries, folded)
        table.append(shown)
    table.append(params)
    if report.branched:
        table.append(Flowing(CONNECTED, [listed([printable(i) for i in row.inputs]) for row in rows]))
    right = right_aligned(columns)
    for index, header in enumerate(columns.headers):
        cells = [(printable(columns.of(row)[index]),) for row in rows]
        table.append(Column(header, cells, right=header in right))
    return table, shown


def fitted_widths(table: list[Column], order: list[Column], width: int, size: Size) -> tuple[list[Column], list[int]]:
    """The policy: the columns that stay and the width each may take. The columns in `order` give
    way one after the other while the table is wider than `width`, each as far as it can; Weights
    (to fit) is left out rather than made narrower than its least; then those that gave way take
    back, last first, what they no longer need. A table that cannot fit even so keeps every line
    whole, without the Weights it was fitting."""
    sizes = {id(column): column.sizes(size) for column in table}
    full = {id(column): sizes[id(column)][0] for column in table}
    fitting = [id(column) for column in order if isinstance(column, FirstWeights)]
    widths = dict(full)

    def total(widths: dict[int, int]) -> int:
        return sum(widths.values()) + 3 * len(widths) + 1

    for column in order:
        if total(widths) <= width:
            break
        least = sizes[id(column)][1]
        room = width - (total(widths) - widths[id(column)])
        if room < least and id(column) in fitting:
            del widths[id(column)]
        else:
            widths[id(column)] = max(least, room)
    if total(widths) > width:
        widths = {key: value for key, value in full.items() if key not in fitting}
    for column in reversed(order):  # what a later step freed, an earlier one may not need
        key = id(column)
        if key in widths:
            widths[key] = min(full[key], widths[key] + max(0, width - total(widths)))
    kept = [column for column in table if id(column) in widths]
    return kept, [widths[id(column)] for column in kept]


def layout(report: Report, columns: Columns, width: int, weights: str, ascii: bool) -> tuple[Drawing, Size]:
    """The table fitted to `width` by the policy above, and how its text is measured."""
    table, shown = table_columns(report, columns, weights)
    totals = []
    for text in (*params_lines(report), *columns.totals):
        label, colon, rest = text.partition(":")
        totals.append((" " + label + colon, rest))
    notes = [" " + printable(note) for note in columns.notes]
    pieces = [piece for column in table for pieces in column.texts for piece in pieces]
    texts = [title(report), *pieces, *columns.headers, *(a + b for a, b in totals), *notes]
    size: Size = len
    if not ONE_CELL.fullmatch("".join(texts)):
        from convcalc.render.rich_table import cell_width

        size = cell_width

    names, outputs = table[0], table[1]
    connected = [column for column in table if column.header == CONNECTED]
    order = [*connected, outputs, *([shown] if isinstance(shown, FirstWeights) else []), names]
    kept, widths = fitted_widths(table, order, width, size)
    if shown is not None and shown not in kept:
        notes.append(f" Weights: left out to fit {width} columns; --weights all shows them.")
    cells = [tuple(column.cell(row, w, size) for column, w in zip(kept, widths)) for row in range(len(report.rows))]
    natural = [
        max([size(column.header)] + [size(line) for row in cells for line in row[index]]) for index, column in enumerate(kept)
    ]
    drawing = Drawing(
        title(report),
        tuple(column.header for column in kept),
        tuple(column.right for column in kept),
        tuple(natural),
        tuple(cells),
        tuple(totals),
        tuple(notes),
        width,
        ascii,
    )
    return drawing, size


def render_table(
    report: Report, columns: Columns = NO_COLUMNS, width: int = 80, weights: str = "fit", ascii: bool = False
) -> str:
    """The summary as a terminal `width` columns wide shows it, with rich's box and styles;
    `weights` is fit, all or none (`--weights`); `ascii` draws the box rich draws when the output's
    encoding is not UTF (+, -, |)."""
    drawing, size = layout(report, columns, width, weights, ascii)
    if size is len:
        return draw(drawing)
    from convcalc.render.rich_table import draw_with_rich

    return draw_with_rich(drawing)
