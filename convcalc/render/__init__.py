"""Renderers: a Report in, text out. Only the rich table imports rich."""

from __future__ import annotations

from dataclasses import dataclass, field

from convcalc.report import Report, Row, Weight


@dataclass(frozen=True)
class Columns:
    """Extra columns for the summary table (`--receptive-field`, `--macs`...): headers, each
    row's cells by row name, lines added to the totals, notes printed under the totals, and the
    headers to align left (the others align right)."""

    headers: tuple[str, ...] = ()
    cells: dict[str, tuple[str, ...]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    totals: tuple[str, ...] = ()
    left: tuple[str, ...] = ()

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

KB_UNITS = ("B", "KB", "MB", "GB", "TB", "PB")


def readable_size(size: float) -> str:
    """Bytes as Keras's summary writes them (keras/src/utils/summary_utils.py), 1024-based.

    >>> readable_size(214400)
    '209.38 KB'
    >>> readable_size(0)
    '0.00 B'
    """
    for unit in KB_UNITS[:-1]:
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} {KB_UNITS[-1]}"


def weight_text(weight: Weight) -> str:
    """`kernel (3, 3, 1, 32)`, marked when Keras counts it as non-trainable."""
    from convcalc.ops.layout import format_shape

    mark = " (non-trainable)" if not weight.trainable else ""
    if weight.shared:
        mark += " (shared)"
    return f"{weight.name} {format_shape(weight.shape)}{mark}"


def totals_lines(report: Report) -> list[str]:
    """The totals block, worded as Keras's model.summary() words it."""
    from convcalc.report import BYTES_PER_PARAM

    totals = report.totals
    return [
        f"{label}: {count:,} ({readable_size(count * BYTES_PER_PARAM)})"
        for label, count in (
            ("Total params", totals.params),
            ("Trainable params", totals.trainable_params),
            ("Non-trainable params", totals.non_trainable_params),
        )
    ]


_CONTROL = {c: f"\\x{c:02x}" for c in (*range(32), 127)}


def printable(text: str) -> str:
    r"""Text with control characters escaped: a name from a spec must not drive the terminal
    (an ESC sequence in a layer name could retitle the window or clear the screen).

    >>> printable("conv\x1b]0;x\x07")
    'conv\\x1b]0;x\\x07'
    """
    return text.translate(_CONTROL)


def title(report: Report) -> str:
    default = "functional" if report.branched else "sequential"
    return printable(f'Model: "{report.name or default}" ({report.framework})')


def fold(report: Report, depth: int) -> Report:
    """Each block instance nested deeper than `depth` shown as one row, as torchinfo's depth:
    its output is its last layer's, its inputs what it takes from outside, by their shown names."""
    import dataclasses

    def shown(row: Row) -> str:
        return row.blocks[depth][0] if len(row.blocks) > depth else row.name

    alias = {row.name: shown(row) for row in report.rows}
    groups: list[list[Row]] = []
    for row in report.rows:
        if groups and len(row.blocks) > depth and shown(groups[-1][-1]) == shown(row):
            groups[-1].append(row)
        else:
            groups.append([row])
    rows = []
    for group in groups:
        last = group[-1]
        if len(last.blocks) <= depth:
            rows.append(dataclasses.replace(last, inputs=tuple(alias.get(i, i) for i in last.inputs)))
            continue
        path, block = last.blocks[depth]
        inputs = dict.fromkeys(alias.get(i, i) for r in group for i in r.inputs if alias.get(i, i) != path)
        weights = tuple(w for r in group for w in r.weights)
        rows.append(
            dataclasses.replace(
                last, name=path, type=block, weights=weights, inputs=tuple(inputs), blocks=last.blocks[:depth], folded=len(group)
            )
        )
    return dataclasses.replace(report, rows=tuple(rows))


def render(
    report: Report, fmt: str, color: bool, depth: int | None = None, columns: Columns = NO_COLUMNS, dtype: str = "float32"
) -> str:
    if depth is not None and fmt != "json":
        columns = columns.folded(report)
        report = fold(report, depth)
    if fmt == "json":
        from convcalc.render.json import render_json

        return render_json(report, dtype)
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
        from convcalc.render.table import render_rich

        return render_rich(report, columns)
    from convcalc.render.plain import render_plain

    return render_plain(report, columns)
