"""`summary` and `check` without click (convcalc/cli/fast.py): a command line is read as click reads
it or handed to click, and the console script prints what click's command prints."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from convcalc.cli import check as check_module
from convcalc.cli import summary as summary_module
from convcalc.cli.app import main
from convcalc.cli.fast import FAST, values
from convcalc.cli.options import Argument, Option

ROOT = Path(__file__).resolve().parent.parent
MODULES = {"summary": summary_module, "check": check_module}


def clicks_reading(command: str, arguments: list[str]) -> dict[str, object] | None:
    """The values click passes `command` for `arguments`, or None where it refuses them (or exits:
    --help)."""
    made = main.get_command(click.Context(main), command)
    assert made is not None
    try:
        with made.make_context(command, list(arguments)) as context:
            return dict(context.params)
    except (click.ClickException, click.exceptions.Exit):
        return None


def tokens_of(command: str) -> st.SearchStrategy[list[str]]:
    """Command lines of `command`'s own options and arguments, written every way click reads
    them, with values it accepts and refuses, and tokens it reads its own way."""
    parameters = MODULES[command].PARAMETERS
    options = [p for p in parameters if isinstance(p, Option)]
    texts = st.sampled_from(["lenet5", "-", "a.yaml", "H=4", "28,28,1", "Conv2D(8, 3)", "", "--macs", "-x", "=", "é"])
    numbers = st.sampled_from(["0", "1", "8", "08", "-1", "+3", " 3", "3_0", "x", "٣", "1e3"])

    def written(option: Option) -> st.SearchStrategy[list[str]]:
        if option.switch:
            return st.sampled_from([[option.flag], [option.flag + "=1"]])
        value = (
            st.sampled_from([*option.choices, option.choices[0].upper(), "nope", ""])
            if option.choices
            else numbers
            if option.minimum is not None
            else texts
        )
        return st.one_of(value.map(lambda v: [option.flag, v]), value.map(lambda v: [f"{option.flag}={v}"]))

    odd = st.sampled_from([["--"], ["-h"], ["--help"], ["--formt", "json"], ["-"], ["--format"], ["--batch"], ["--set"]])
    token = st.one_of(*(written(o) for o in options), texts.map(lambda t: [t]), odd)
    return st.lists(token, max_size=7).map(lambda groups: [t for g in groups for t in g])


@pytest.mark.parametrize("command", FAST)
@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_a_command_line_read_without_click_is_read_as_click_reads_it(command: str, data: st.DataObject) -> None:
    arguments = data.draw(tokens_of(command))
    read = values(MODULES[command].PARAMETERS, arguments)
    if read is not None:
        assert read == clicks_reading(command, arguments), arguments


def plain_lines(command: str) -> st.SearchStrategy[list[str]]:
    """Command lines as people write them: known options, accepted values, the SPECs anywhere."""
    parameters = MODULES[command].PARAMETERS
    options = [p for p in parameters if isinstance(p, Option)]

    def written(option: Option) -> st.SearchStrategy[list[str]]:
        if option.switch:
            return st.just([option.flag])
        value = (
            st.sampled_from(option.choices)
            if option.choices
            else st.sampled_from(["1", "3", "64"])
            if option.minimum is not None
            else st.sampled_from(["H=4", "28,28,1"])
        )
        return st.one_of(value.map(lambda v: [option.flag, v]), value.map(lambda v: [f"{option.flag}={v}"]))

    argument = next(p for p in parameters if isinstance(p, Argument))
    specs = st.lists(st.sampled_from(["lenet5", "-", "specs/"]), min_size=1, max_size=3 if argument.many else 1)
    flags = st.lists(st.one_of(*(written(o) for o in options)), max_size=5)
    return st.tuples(specs, flags).map(lambda both: [*both[0][:1], *(t for g in both[1] for t in g), *both[0][1:]])


@pytest.mark.parametrize("command", FAST)
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_every_plain_command_line_is_read_without_click(command: str, data: st.DataObject) -> None:
    arguments = data.draw(plain_lines(command))
    read = values(MODULES[command].PARAMETERS, arguments)
    assert read is not None, arguments
    assert read == clicks_reading(command, arguments)


LINES = [
    ["summary", "seed-example-2"],
    ["summary", "lenet5", "--format", "json", "--batch", "4"],
    ["summary", "--framework=pytorch", "--input", "1,28,28", "--layer", "Conv2d(1, 32, 3)", "--format", "csv"],
    ["summary", "mnist-cnn", "--macs", "--receptive-field", "--memory", "--shares", "--bars", "--depth", "0"],
    ["summary", "--framework", "pytorch", "--input", "3,H,W", "--layer", "Conv2d(3, 8, 3, padding='same')", "--receptive-field"],
    ["summary", "lenet5", "--color", "always", "--weights", "all"],
    ["summary", "nosuch.yaml"],
    ["summary", "lenet5", "--layer", "Dense(3)"],  # a UsageProblem: click writes it, with the usage
    ["summary"],
    ["summary", "lenet5", "--formt", "json"],
    ["summary", "lenet5", "--batch", "0"],
    ["check", "specs/", "tests/specs/invalid"],
    ["check", "--format", "json", "tests/specs/invalid"],
    ["check", "--format=github", "--specs-only", "tests/specs"],
    ["check", "specs/lenet5.yaml", "--set", "H=4"],
    ["check"],
    ["check", "specs/\x1b[1~x.yaml", "specs/\x1b[38:5:1mx.yaml"],  # escape codes in a path, stripped as click strips them
    ["summary", "\x1b[1;31mnet.yaml"],
]


@pytest.mark.parametrize("line", LINES, ids=" ".join)
def test_the_console_script_prints_what_clicks_command_prints(line: list[str]) -> None:
    """Each line run as a user runs it (`python -m convcalc`, fast where it can be) and through
    click's own command (CliRunner): the same output, errors and status."""
    env = {"COLUMNS": "100", "NO_COLOR": "", "FORCE_COLOR": "", "GITHUB_ACTIONS": ""}
    script = subprocess.run(
        [sys.executable, "-m", "convcalc", *line], cwd=ROOT, capture_output=True, text=True, env={**os.environ, **env}
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        clicked = CliRunner().invoke(main, line, env=env, prog_name="python -m convcalc", color=line[-1:] == ["always"])
    assert (script.returncode, script.stdout, script.stderr) == (clicked.exit_code, clicked.stdout, clicked.stderr)


def modules_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after `code` (without site's .pth files, whose
    editable-install finder imports modules of its own)."""
    import site

    probe = f"import sys\nsys.path += {site.getsitepackages()!r}\nsys.path[:0] = [{str(ROOT)!r}]\n{code}\n"
    probe += "sys.stderr.write(' '.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-S", "-c", probe], capture_output=True, text=True, check=True)
    return set(result.stderr.split())


def test_summary_and_check_never_import_click_nor_anything_click_would_not() -> None:
    """The JSON of ResNet-50 and a check of a folder import no click, and nothing that `import
    click, yaml` (bench/run.py's floor) does not."""
    floor = modules_after("import click, yaml")
    run = "from convcalc.cli import fast\ntry: fast.run({})\nexcept SystemExit: pass"
    resnet = str(ROOT / "specs" / "keras-resnet50.yaml")
    for line in (["summary", resnet, "--format", "json"], ["check", str(ROOT / "tests" / "specs" / "valid")]):
        imported = modules_after(run.format(line))
        assert "click" not in imported, line
        assert {m for m in imported - floor if m.split(".")[0] != "convcalc"} == set(), line


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(
        st.one_of(
            st.text(max_size=4), st.sampled_from(["\x1b[", "\x1b[1m", "\x1b[38:5:1m", "\x1b[1~", "\x1b[?25l", "\x1b]0;t\x07"])
        ),
        max_size=6,
    ).map("".join),
    err=st.booleans(),
    nl=st.booleans(),
)
def test_echo_writes_what_click_echo_writes(text: str, err: bool, nl: bool) -> None:
    """On a stream that is no terminal (colour codes stripped), convcalc.cli.echo is click.echo."""
    import io

    from convcalc.cli import echo

    written = []
    for write in (echo, click.echo):
        streams = io.TextIOWrapper(io.BytesIO(), encoding="utf-8"), io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(sys, "stdout", streams[0])
            patch.setattr(sys, "stderr", streams[1])
            write(text, err=err, nl=nl)
        written.append([stream.buffer.getvalue() for stream in streams])
    assert written[0] == written[1]
