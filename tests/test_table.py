"""The summary table as a terminal shows it: golden files at 80, 120 and 200 columns (colour codes
kept: `cat` one to see it), the same table read back from a real pseudo-terminal, and the width
policy of render/table.py checked on every bundled spec.

Golden files are reviewed by eye; regenerate with `UPDATE_GOLDEN=1 pytest tests/test_table.py`
and read them with `cat` before committing."""

from __future__ import annotations

import fcntl
import os
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from click.testing import CliRunner

from convcalc import summarize
from convcalc.cli import terminal_width
from convcalc.cli.app import main
from convcalc.render.columns import NO_COLUMNS, Columns
from convcalc.render.plain import render_plain
from convcalc.render.table import layout, render_table
from convcalc.render.text import weight_text
from convcalc.spec.loading import load_path

HERE = Path(__file__).parent
ROOT = HERE.parent
GOLDEN = HERE / "golden" / "table"
WIDTHS = (80, 120, 200)
SPECS = {
    "lenet5": "specs/lenet5.yaml",
    "keras-resnet50": "specs/keras-resnet50.yaml",  # a graph: Connected to, merges on two lines
    "bert-base": "specs/bert-base.yaml",  # attention with two outputs, long block paths
    "keras-bilstm": "tests/specs/valid/keras-bilstm.yaml",  # long weight names, non-trainable ones
    "pytorch-bilstm-transformer": "tests/specs/valid/pytorch-bilstm-transformer.yaml",  # 48 weights in a row
}
VARIANTS = {
    "lenet5-all": ["specs/lenet5.yaml", "--weights", "all"],
    "lenet5-none": ["specs/lenet5.yaml", "--weights", "none"],
    "pytorch-resnet18-depth1-macs-bars": ["specs/pytorch-resnet18.yaml", "--depth", "1", "--macs", "--bars"],
}
CASES = {**{name: [path] for name, path in SPECS.items()}, **VARIANTS}
SGR = re.compile(r"\x1b\[[0-9;]*m")


def compare(actual: str, golden: Path) -> None:
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(actual)
    assert golden.exists(), f"no golden file {golden}; run with UPDATE_GOLDEN=1 and review it"
    assert actual == golden.read_text()


def table_at(args: list[str], width: int) -> str:
    env = {"COLUMNS": str(width), "NO_COLOR": None, "FORCE_COLOR": None}
    result = CliRunner().invoke(main, ["summary", *args, "--color", "always"], env=env, color=True)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", CASES)
def test_table_matches_golden(name: str, width: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    compare(table_at(CASES[name], width), GOLDEN / f"{name}-{width}.txt")


def on_terminal(args: list[str], columns: int, lines: int = 24) -> str:
    """What `python -m convcalc ARGS` writes on a pseudo-terminal of that size, as the user's
    terminal receives it (its line ends back to \\n)."""
    leader, follower = os.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR")}
    child = subprocess.Popen(
        [sys.executable, "-m", "convcalc", *args], stdin=follower, stdout=follower, stderr=follower, cwd=ROOT, env=env
    )
    os.close(follower)
    received = bytearray()
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child has closed the terminal
            break
        if not chunk:
            break
        received += chunk
    os.close(leader)
    assert child.wait(timeout=60) == 0, received.decode(errors="replace")
    return received.decode().replace("\r\n", "\n")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_table_on_a_real_terminal(width: int) -> None:
    shown = on_terminal(["summary", "specs/lenet5.yaml"], width)
    assert "\\x" not in shown  # no escaped newline between a layer's weights, nor any other escape
    lines = SGR.sub("", shown).splitlines()
    assert max(len(line) for line in lines) <= width
    top = next(i for i, line in enumerate(lines) if line.startswith("┏"))
    bottom = next(i for i, line in enumerate(lines) if line.startswith("└"))
    box = lines[top : bottom + 1]
    assert len({len(line) for line in box}) == 1
    assert box[0].endswith("┓") and box[2].startswith("┡") and box[-1].endswith("┘")
    assert all(line[0] in "┃│" and line[-1] in "┃│" for line in box[1:-1] if line not in (box[2],))
    for row in summarize(load_path(str(ROOT / "specs" / "lenet5.yaml"))).rows:
        assert any(line.startswith(f"│ {row.name} (") for line in box)
    assert shown == (GOLDEN / f"lenet5-{width}.txt").read_text()  # the golden file is what a terminal gets


BUNDLED = sorted((ROOT / "specs").glob("*.yaml")) + sorted((HERE / "specs" / "valid").glob("*.yaml"))


@pytest.mark.parametrize("width", (60, 80, 100, 120, 150, 200))
@pytest.mark.parametrize("weights", ["fit", "all", "none"])
def test_the_width_policy_on_every_bundled_spec(weights: str, width: int) -> None:
    for spec in BUNDLED:
        report = summarize(load_path(str(spec)))
        drawing, _ = layout(report, NO_COLUMNS, width, weights, ascii=False)
        names = [row[0] for row in drawing.rows]
        for row, name in zip(report.rows, names):  # a name is never cut: whole on its first line
            assert name[0] in (f"{row.name} ({row.type})", row.name)
        if weights == "none":
            assert "Weights" not in drawing.headers
        elif weights == "all":  # every weight, one a line
            column = drawing.headers.index("Weights")
            for row, cells in zip(report.rows, drawing.rows):
                assert cells[column] == (tuple(weight_text(w) for w in row.weights) or ("",)) or row.folded
        if drawing.table_width > width:  # it cannot fit: one line a layer, the weights to fit left out
            assert weights == "all" or "Weights" not in drawing.headers
            assert weights == "all" or all(len(cell) == 1 for row in drawing.rows for cell in row)


@pytest.mark.parametrize("width", (150, 200, 300, 3000))
def test_fitted_weights_show_the_first_and_count_the_rest(width: int) -> None:
    report = summarize(load_path(str(HERE / "specs" / "valid" / "pytorch-bilstm-transformer.yaml")))
    drawing, _ = layout(report, NO_COLUMNS, width, "fit", ascii=False)
    assert drawing.table_width <= width
    (cell,) = drawing.rows[1][drawing.headers.index("Weights")]
    entries = [weight_text(w) for w in report.rows[1].weights]
    assert len(entries) == 48
    if ", +" not in cell:
        assert cell == ", ".join(entries)
        return
    shown, more = cell.rsplit(", +", 1)
    count = shown.count("), ") + 1
    assert shown == ", ".join(entries[:count]) and more == f"{48 - count} more"


def test_a_table_too_wide_for_names_is_one_line_a_layer() -> None:
    text = render_table(summarize(load_path(str(ROOT / "specs" / "keras-resnet50.yaml"))), width=40)
    lines = SGR.sub("", text).splitlines()
    assert len([line for line in lines if line.startswith("│")]) == 176
    assert "Weights: left out to fit 40 columns;" in text


def test_weights_none_drops_the_column_piped_too() -> None:
    result = CliRunner().invoke(main, ["summary", str(ROOT / "specs" / "lenet5.yaml"), "--weights", "none"])
    assert result.stdout.splitlines()[2].split() == ["Layer", "(type)", "Output", "Shape", "Param", "#"]
    assert "kernel" not in result.stdout


def test_the_terminal_width_is_found_as_rich_finds_it() -> None:
    assert terminal_width({"COLUMNS": "132"}) == 132
    code = "from convcalc.cli import terminal_width; print(terminal_width())"
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    alone = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, stdin=subprocess.DEVNULL, env=env)
    assert alone.stdout == "80\n"  # no terminal on any standard stream, no COLUMNS


def test_color_always_into_a_pipe_keeps_the_box_and_the_terminal_width() -> None:
    env = {**os.environ, "COLUMNS": "120"}
    result = subprocess.run(
        [sys.executable, "-m", "convcalc", "summary", "specs/lenet5.yaml", "--color", "always"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )
    assert result.stdout == (GOLDEN / "lenet5-120.txt").read_text()


def test_an_output_that_is_not_utf_gets_the_ascii_box() -> None:
    env = {**os.environ, "COLUMNS": "120", "PYTHONIOENCODING": "ascii"}
    argv = [sys.executable, "-m", "convcalc", "summary", "specs/lenet5.yaml", "--color", "always"]
    result = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=env)
    assert result.returncode == 0 and "Traceback" not in result.stderr
    lines = SGR.sub("", result.stdout).splitlines()
    assert lines[1].startswith("+---") and lines[3].startswith("|---") and "| conv2d (Conv2D)" in lines[4]


def test_the_terminal_table_imports_no_rich_for_plain_text() -> None:
    code = (
        "import sys\n"
        "from convcalc.cli.app import main\n"
        "try: main(['summary', 'specs/keras-resnet50.yaml', '--color', 'always', '--macs', '--bars'])\n"
        "except SystemExit: pass\n"
        "print('rich' in sys.modules, file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.stderr.strip() == "False"
    assert "┏" in result.stdout


def test_names_and_notes_cannot_drive_the_terminal() -> None:
    report = summarize('input: [4]\nlayers:\n  - {type: Dense, units: 2, name: "a\\x9b2J\\e]0;x\\a"}\n')
    columns = Columns(notes=("* a\x1b[2J: its paths do not line up",))
    for text in (render_table(report, columns), render_plain(report, columns)):
        assert "\x9b" not in text and "\x1b]0;x\x07" not in text and "\x1b[2J" not in text
        assert "a\\x9b2J\\x1b]0;x\\x07 (Dense)" in text and "* a\\x1b[2J: its paths" in text
