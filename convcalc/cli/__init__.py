"""The command line: a thin shell that parses options, runs the pipeline, picks a renderer and
turns SpecErrors into messages and exit codes (0 ok, 1 a check failed, 2 bad spec or command).

Each command lives in a module of its own, loaded when it runs (`convcalc summary` never loads
`solve`'s options): the click group (cli/app.py) knows them by name. This module is what every
command shares, and imports no click: `summary` and `check` run without it (cli/fast.py).
"""

from __future__ import annotations

import os
import re
import sys
from typing import TYPE_CHECKING, Any, NoReturn

from convcalc.errors import SpecError

if TYPE_CHECKING:
    from convcalc.report import Report
    from convcalc.spec.model import Spec


def use_color(choice: str, stream: Any) -> bool:
    """--color auto follows the terminal, NO_COLOR (https://no-color.org) and FORCE_COLOR."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty()


def terminal_width(environ: Any = os.environ) -> int:
    """The width the terminal table is fitted to, found as rich's Console finds it: the COLUMNS
    environment variable when it is a number, else the size of the terminal on standard input,
    output or error (the first that is one), else 80. So `--color always` into a file or a pipe
    is laid out for the terminal it is run from, and for 80 columns where there is none."""
    columns = environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns):
        return int(columns)
    for stream in range(3):
        try:
            return os.get_terminal_size(stream).columns or 80
        except (OSError, ValueError):
            continue
    return 80


def unicode_output(stream: Any) -> bool:
    """Whether `stream` writes a UTF encoding, which rich requires to draw its box with lines
    (┏━┓); anything else gets rich's ASCII box (+-|)."""
    return (getattr(stream, "encoding", None) or "utf-8").lower().startswith("utf")


def with_settings(parsed: Spec, settings: tuple[str, ...]) -> Spec:
    """The spec with the --set values in place of its symbols (spec/setting.py)."""
    if not settings:
        return parsed
    from convcalc.spec.setting import parse_settings, with_values

    return with_values(parsed, parse_settings(settings))


class UsageProblem(Exception):
    """A command line the command cannot run (its options contradict each other): click's usage
    error, with the command's usage above it. Raised before the command reads or writes anything:
    cli/fast.py then hands the whole command line to click, which runs the command again."""


_ANSI_CODE = re.compile(r"\033\[[0-?]*[ -/]*[@-~]")  # click's own pattern (click._compat._ansi_re)


def echo(text: str, *, err: bool = False, nl: bool = True, color: bool | None = None) -> None:
    """click.echo, without importing click where it would change nothing: on a UTF-8 stream,
    the text with colour codes stripped unless the stream is a terminal (or `color` says),
    then flushed. Another encoding is click's to write (it rewraps an ASCII stream as UTF-8)."""
    stream = sys.stderr if err else sys.stdout
    if not (getattr(stream, "encoding", None) or "").lower().replace("-", "").startswith("utf8"):
        import click

        click.echo(text, err=err, nl=nl, color=color)
        return
    out = text + "\n" if nl else text
    if color is None:
        try:
            color = stream.isatty()
        except Exception:  # as click: a stream that cannot tell is no terminal
            color = False
    stream.write(out if color else _ANSI_CODE.sub("", out))
    stream.flush()


def abort(exc: SpecError) -> NoReturn:
    """A spec or an option that cannot be computed: its one-line message, exit status 2."""
    echo(exc.diagnostic.text(), err=True)
    sys.exit(2)


def symbolic_abort(exc: TypeError, command: str) -> NoReturn:
    """What a command cannot do with sizes that are formulas (explain's arithmetic, a drawing,
    receptive fields of 'same' padding) asks for --set, as convcalc.symbolic.size.SymbolicValue
    says, in one line, exit status 2; any other TypeError is raised on."""
    size = sys.modules.get("convcalc.symbolic.size")
    if size is None or not isinstance(exc, size.SymbolicValue):
        raise exc
    from convcalc.errors import Diagnostic, Location

    message = f"{command} needs the input's sizes in numbers here: {exc}"
    echo(Diagnostic(Location("--set"), "CC003", message, "give each symbol a size: --set H=224").text(), err=True)
    sys.exit(2)


def computed(
    spec: str | None,
    framework: str,
    input_shape: str | None,
    layers: tuple[str, ...],
    batch: int | None = None,
    settings: tuple[str, ...] = (),
) -> Report:
    """The report of a SPEC file (or - for standard input), or of the network the --input and
    --layer options write, with the --set values for its symbols; a spec that cannot be
    computed ends the command (abort)."""
    from convcalc.engine import run

    try:
        if spec is not None:
            from convcalc.spec.loading import load_path

            parsed = load_path(spec)
        else:
            from convcalc.spec.flags import from_flags

            parsed = from_flags(framework, input_shape or "", layers, None)
        parsed = with_settings(parsed, settings)
        if batch is not None:
            parsed = parsed.replace(batch=batch)
        return run(parsed)
    except SpecError as exc:
        abort(exc)


def write_output(text: str, output: str | None) -> None:
    """Standard output, or the file named, as UTF-8; a file that cannot be written is exit 2."""
    if output is None or output == "-":
        echo(text, nl=False)
        return
    try:
        with open(output, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except OSError as exc:
        echo(f"{output}: cannot write the file: {exc.strerror or exc}", err=True)
        sys.exit(2)


COMMANDS = {
    "summary": "summary",
    "check": "check",
    "solve": "solve",
    "diff": "diff",
    "explain": "explain",
    "draw": "draw",
    "import": "import_",
    "export": "export",
    "specs": "specs",
    "schema": "editors",
    "init": "editors",
}
"""Each command's name and the module of convcalc.cli that defines it, in the order --help lists them.
A command named by a Python keyword (`import`) is the function `import_`, in the module `import_`."""
