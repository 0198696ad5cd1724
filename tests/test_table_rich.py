"""The terminal table is rich's table, byte for byte: convcalc lays it out itself (render/table.py)
and draws it without rich (render/box.py); here rich draws the same cells and these tests compare.

The reference is built as the rich table always was: `rich.table.Table` (title in `table.title`,
justified left), a column a header, no wrapping, each cell a `Text`, printed on
`Console(force_terminal=True, color_system="standard", highlight=False)` as wide as the table, and
the totals with their bold labels and the notes on a console as wide as the terminal."""

from __future__ import annotations

import io
import string
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

import convcalc.render.table as table_module
from convcalc import summarize
from convcalc.cli.app import main
from convcalc.render.box import Drawing, draw
from convcalc.render.columns import NO_COLUMNS
from convcalc.render.rich_table import draw_with_rich

ROOT = Path(__file__).parent.parent
SPECS = sorted((ROOT / "specs").glob("*.yaml")) + sorted((ROOT / "tests" / "specs" / "valid").glob("*.yaml"))
EXTRA = ["--macs", "--shares", "--bars", "--memory", "--receptive-field"]
OPTIONS = {"plain": [], "extra": EXTRA, "depth1": ["--depth", "1"], "extra-depth1": [*EXTRA, "--depth", "1"]}
WIDTHS = (80, 120, 200)


def rich_reference(drawing: Drawing, natural: bool = False) -> str:
    """The drawing's cells and widths drawn by rich (`natural`: rich measures the columns itself)."""
    table = Table(
        title=Text(drawing.title, style="table.title"),
        title_justify="left",
        show_lines=False,
        box=box.ASCII if drawing.ascii else box.HEAVY_HEAD,
    )
    for header, right, width in zip(drawing.headers, drawing.right, drawing.widths):
        table.add_column(Text(header), justify="right" if right else "left", no_wrap=True, width=None if natural else width)
    for row in drawing.rows:
        table.add_row(*(Text("\n".join(cell)) for cell in row))
    wide = max(drawing.width, drawing.table_width)
    console = Console(file=io.StringIO(), force_terminal=True, color_system="standard", width=wide, highlight=False)
    with console.capture() as capture:
        console.print(table)
    below = Console(file=io.StringIO(), force_terminal=True, color_system="standard", width=drawing.width, highlight=False)
    with below.capture() as after:
        for label, rest in drawing.totals:
            below.print(Text.assemble((label, "bold"), rest))
        for note in drawing.notes:
            below.print(Text(note))
    return capture.get() + after.get()


def drawn(args: list[str], width: int, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Drawing]:
    """`convcalc summary ARGS --color always` on a `width`-column terminal, and what it drew."""
    seen: list[Drawing] = []

    def recording(drawing: Drawing) -> str:
        seen.append(drawing)
        return draw(drawing)

    monkeypatch.setattr(table_module, "draw", recording)
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, ["summary", *args, "--color", "always"], env={"COLUMNS": str(width)}, color=True)
    assert result.exit_code == 0, result.output
    assert len(seen) == 1, "drawn by rich, not by render/box.py"
    return result.stdout, seen[0]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("options", OPTIONS, ids=list(OPTIONS))
@pytest.mark.parametrize("spec", SPECS, ids=[p.stem for p in SPECS])
def test_every_spec_draws_as_rich_draws_it(spec: Path, options: str, width: int, monkeypatch: pytest.MonkeyPatch) -> None:
    output, drawing = drawn([str(spec.relative_to(ROOT)), *OPTIONS[options]], width, monkeypatch)
    assert output == rich_reference(drawing, natural=True)


@pytest.mark.parametrize("weights", ["all", "none"])
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("spec", ["specs/keras-resnet50.yaml", "specs/bert-base.yaml", "specs/lenet5.yaml"])
def test_weights_all_and_none_draw_as_rich_draws_them(
    spec: str, width: int, weights: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    output, drawing = drawn([spec, "--weights", weights, "--macs"], width, monkeypatch)
    assert output == rich_reference(drawing, natural=True)


def test_a_non_utf_output_gets_rich_ascii_box() -> None:
    drawing = Drawing("t", ("a", "b"), (False, True), (3, 2), ((("x",), ("1", "22")),), ((" T:", " 1"),), (" n",), 20, True)
    assert draw(drawing) == rich_reference(drawing)
    assert draw(drawing).splitlines()[1] == "+----------+"


# Generated drawings: text of one-cell characters with runs of spaces, titles, totals and notes
# longer than the width, empty tables, cells of several lines, narrow terminals.
WORDS = st.text(alphabet=string.ascii_letters + string.digits + " ,()[]:-_.█▏", max_size=40)


@st.composite
def drawings(draw_from: st.DrawFn) -> Drawing:
    columns = draw_from(st.integers(1, 5))
    header = WORDS.map(str.strip).filter(bool)  # a header or title is never empty
    headers = tuple(draw_from(st.lists(header, min_size=columns, max_size=columns)))
    right = tuple(draw_from(st.lists(st.booleans(), min_size=columns, max_size=columns)))
    cell = st.lists(WORDS.map(str.rstrip), min_size=1, max_size=3).map(tuple)
    rows = tuple(tuple(row) for row in draw_from(st.lists(st.lists(cell, min_size=columns, max_size=columns), max_size=4)))
    widths = tuple(
        max([len(headers[i])] + [len(line) for row in rows for line in row[i]]) + draw_from(st.integers(0, 2))
        for i in range(columns)
    )
    totals = tuple(draw_from(st.lists(st.tuples(WORDS.map(lambda s: " " + s + ":"), WORDS), max_size=3)))
    notes = tuple(draw_from(st.lists(WORDS.map(lambda s: " " + s), max_size=3)))
    width = draw_from(st.integers(1, 60))
    return Drawing(draw_from(header), headers, right, widths, rows, totals, notes, width, draw_from(st.booleans()))


@settings(max_examples=300, deadline=None)
@given(drawings())
def test_generated_drawings_draw_as_rich_draws_them(drawing: Drawing) -> None:
    assert draw(drawing) == rich_reference(drawing)


def test_wide_characters_are_measured_and_drawn_by_rich() -> None:
    spec = "input: [4]\nlayers:\n  - {type: Dense, units: 2, name: 层一}\n  - {type: Dense, units: 3, name: café_😀}\n"
    result = CliRunner().invoke(main, ["summary", "-", "--color", "always"], input=spec, env={"COLUMNS": "80"}, color=True)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "│ 层一 (Dense)" in result.stdout and "café_😀 (Dense)" in result.stdout
    report_lines = [line for line in lines if line.startswith("│")]
    from rich.cells import cell_len

    assert len({cell_len(line) for line in report_lines}) == 1  # every row as wide as the others, in cells
    drawing, _ = table_module.layout(summarize(spec), NO_COLUMNS, width=80, weights="fit", ascii=False)
    assert draw_with_rich(drawing) == rich_reference(drawing)
