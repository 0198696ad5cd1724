"""Extra columns of the summary table: MACs and their shares, memory, bars (`--macs`, `--shares`,
`--memory`, `--bars`) and receptive fields (`--receptive-field`), each made from the analysis
the command computed once."""

from __future__ import annotations

from convcalc.analysis.costs import Costs, share
from convcalc.analysis.receptive import LayerField
from convcalc.ops.macs import summed
from convcalc.ops.tensor import at_hint, is_number
from convcalc.record import Record
from convcalc.render.fold import fold
from convcalc.render.text import hinted, readable_size
from convcalc.report import Report, Row


class Columns(Record):
    """Extra columns for the summary table (`--receptive-field`, `--macs`...): headers, each
    row's cells by row name, lines added to the totals, notes printed under the totals, and the
    headers to align left (the others align right)."""

    __slots__ = ("headers", "cells", "notes", "totals", "left")

    headers: tuple[str, ...]
    cells: dict[str, tuple[str, ...]]
    notes: tuple[str, ...]
    totals: tuple[str, ...]
    left: tuple[str, ...]

    def __init__(
        self,
        headers: tuple[str, ...] = (),
        cells: dict[str, tuple[str, ...]] | None = None,
        notes: tuple[str, ...] = (),
        totals: tuple[str, ...] = (),
        left: tuple[str, ...] = (),
    ) -> None:
        self.headers = headers
        self.cells = {} if cells is None else cells
        self.notes = notes
        self.totals = totals
        self.left = left

    def of(self, row: Row) -> tuple[str, ...]:
        return self.of_name(row.name)

    def of_name(self, name: str) -> tuple[str, ...]:
        return self.cells.get(name, ("",) * len(self.headers))

    def folded(self, report: Report) -> Columns:
        """The cells of a block folded by `--depth` are its last layer's (the block's output),
        unless the columns give the block's own cells (sums, by its path)."""
        cells = dict(self.cells)
        for row in report.rows:
            for path, _ in row.blocks:
                if row.name in self.cells and path not in self.cells:
                    cells[path] = self.cells[row.name]
        return Columns(self.headers, cells, self.notes, self.totals, self.left)

    def __add__(self, other: Columns) -> Columns:
        """Both sets of columns side by side."""
        cells = {name: self.of_name(name) + other.of_name(name) for name in dict.fromkeys([*self.cells, *other.cells])}
        joined = (self.headers + other.headers, cells, self.notes + other.notes, self.totals + other.totals)
        return Columns(*joined, self.left + other.left)


NO_COLUMNS = Columns()


NO_COLUMNS = Columns()


SI = ("", "K", "M", "G", "T", "P")


def compact(count: int | None) -> str:
    """A count in SI units with two decimals, for table cells.

    >>> compact(194688), compact(4111512576), compact(320), compact(None)
    ('194.69K', '4.11G', '320', '?')
    """
    if count is None:
        return "?"
    if not is_number(count):  # a formula of the input's symbols
        return str(count)
    value, unit = float(count), 0
    while value >= 1000 and unit < len(SI) - 1:
        value /= 1000
        unit += 1
    return str(count) if unit == 0 else f"{value:.2f}{SI[unit]}"


def percent(value: float | None) -> str:
    """A share as a percentage, one decimal; - when there is none.

    >>> percent(0.4567), percent(None)
    ('45.7%', '-')
    """
    return "-" if value is None else f"{100 * value:.1f}%"


BAR_WIDTH = 20
EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(fraction: float | None, width: int = BAR_WIDTH) -> str:
    """An inline bar of `fraction` of `width` characters, in eighths of a character.

    >>> bar(1.0, 4), bar(0.5, 4), bar(0.3, 4), bar(0.0, 4)  # 0.3 x 4 = 1 and 2/8
    ('████', '██', '█▎', '')
    """
    if not fraction:
        return ""
    eighths = round(fraction * width * 8)
    return ("█" * (eighths // 8) + EIGHTHS[eighths % 8]).rstrip()


def scope(result: Costs) -> str:
    return "per sample" if result.per_sample else f"batch of {result.batch}"


def cost_columns(
    report: Report,
    result: Costs,
    depth: int | None = None,
    macs_column: bool = False,
    shares: bool = False,
    bars: bool = False,
    memory: bool = False,
    exact: bool = False,
) -> Columns:
    """`summary --macs` (MACs and their share), `--shares` (share of the parameters), `--bars`
    (each row's MACs as a bar, the heaviest row full) and `--memory` (output size in the dtype,
    memory totals). A block folded by `--depth` shows the sums of its layers. `exact` writes
    whole numbers (MACs, bytes) for spreadsheets."""

    def count_text(count: int | None) -> str:
        return ("?" if count is None else str(count)) if exact else compact(count)

    def size_text(size: int | None) -> str:
        if exact or size is None:
            return "?" if size is None else str(size)
        return readable_size(size) if is_number(size) else f"{size} B"

    headers: list[str] = []
    if macs_column:
        headers += ["MACs", "MACs %"]
    if shares:
        headers.append("Params %")
    if memory:
        headers.append(f"Output ({result.dtype})")
    if bars:
        headers.append("MACs bar")

    # each row's figures, and each block instance's sums under its path
    figures: dict[str, list[int | None]] = {}
    for row, cost in zip(report.rows, result.layers):
        values = [cost.macs, row.params, cost.output_bytes]
        for name in (row.name, *(path for path, _ in row.blocks)):
            sums = figures.setdefault(name, [0, 0, 0])
            figures[name] = [summed(a, b) for a, b in zip(sums, values)]
    shown = {row.name for row in report.rows} if depth is None else {row.name for row in fold(report, depth).rows}
    heaviest: float = max((at_hint(figures[name][0]) or 0 for name in shown), default=0)
    cells: dict[str, tuple[str, ...]] = {}
    for name, (macs_count, params, output) in figures.items():
        line: list[str] = []
        if macs_column:
            line += [count_text(macs_count), percent(share(macs_count, result.macs))]
        if shares:
            line.append(percent(share(params, result.params)))
        if memory:
            line.append(size_text(output))
        if bars:
            line.append(bar(share(macs_count, heaviest)))
        cells[name] = tuple(line)

    totals: list[str] = []
    notes: list[str] = []
    if macs_column or bars:
        count = "unknown" if result.macs is None else f"{result.macs:,} ({hinted(result.macs, compact, report)}, {scope(result)})"
        flops = "unknown" if result.flops is None else f"{result.flops:,} ({hinted(result.flops, compact, report)}) = 2 x MACs"
        totals += [f"Total MACs: {count}", f"Total FLOPs: {flops}"]
        notes.append("MACs: multiply-accumulates as fvcore counts them (bias, activations and element-wise ops not counted).")
    if bars:
        notes.append("MACs bar: each row's MACs, the heaviest row full.")
    if memory:
        size = result.bytes_per_element
        totals += [
            f"Input size ({result.dtype}): {_bytes(result.input_bytes, report)} ({scope(result)})",
            f"Activations ({result.dtype}, one forward pass): {_bytes(result.activation_bytes, report)} ({scope(result)})",
            f"Params size ({result.dtype}): {_bytes(result.param_bytes, report)}",
            f"Training estimate ({result.dtype}, Adam): {_bytes(result.training_bytes, report)}",
        ]
        notes.append(
            f"Training estimate: inputs and activations kept for the backward pass, the parameters, and for each "
            f"trainable one its gradient and Adam's two moments, at {size} byte{'s' if size > 1 else ''} each."
        )
    return Columns(tuple(headers), cells, tuple(notes), tuple(totals), left=("MACs bar",))


def _bytes(size: int | None, report: Report | None = None) -> str:
    """A size in bytes as Keras writes it; a formula of the input's symbols in bytes, with its
    size at the report's hint."""
    if size is None:
        return "unknown"
    if is_number(size) or report is None:
        return readable_size(size)
    return f"{size} bytes ({hinted(size, readable_size, report)})"


def axis_text(values: tuple[int | None, ...]) -> str:
    """Per-axis values as a table cell: `212x212`, `?` where unknown.

    >>> axis_text((212, 212)), axis_text((5,)), axis_text((0, None))
    ('212x212', '5', '0x?')
    """
    return "x".join("?" if v is None else str(v) if is_number(v) else f"({v})" for v in values)


def field_columns(fields: tuple[LayerField, ...]) -> Columns:
    """`summary --receptive-field`: three columns, and notes under the table (a `*` marks a
    field after a merge whose paths do not line up)."""
    cells: dict[str, tuple[str, ...]] = {}
    notes = ["RF: receptive field size, stride and padding with respect to the input, per spatial axis; - where none."]
    for result in fields:
        field = result.field
        if field is None:
            cells[result.name] = ("-", "-", "-")
            continue
        mark = "*" if field.misaligned else ""
        cells[result.name] = (axis_text(field.size) + mark, axis_text(field.stride), axis_text(field.padding))
        if result.paths:
            paths = "; ".join(
                f"{ref} {axis_text(f.size)}, stride {axis_text(f.stride)}, padding {axis_text(f.padding)}"
                for ref, f in result.paths
            )
            notes.append(f"* {result.name}: its paths do not line up ({paths}); the largest is shown")
    return Columns(("RF", "RF stride", "RF padding"), cells, tuple(notes))
