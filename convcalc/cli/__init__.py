"""The command line: a thin shell that parses options, runs the pipeline, picks a renderer and
turns SpecErrors into messages and exit codes (0 ok, 1 a check failed, 2 bad spec or command).

Each command lives in a module of its own, loaded when it runs (`convcalc summary` never loads
`solve`'s options): the group here knows them by name."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

import click

from convcalc import __version__
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


def color_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """The --color option every command shares."""
    return click.option(
        "--color",
        type=click.Choice(["auto", "always", "never"]),
        default="auto",
        show_default=True,
        help="Colour and box drawing; auto follows the terminal, NO_COLOR and FORCE_COLOR.",
    )(command)


def flag_layers(command: Callable[..., Any]) -> Callable[..., Any]:
    """--framework, --input and --layer: a network written on the command line instead of a SPEC."""
    for option in reversed(
        (
            click.option(
                "--framework", type=click.Choice(["keras", "pytorch"]), default="keras", show_default=True, help="With --layer."
            ),
            click.option(
                "--input", "input_shape", metavar="DIMS", help="Input shape without batch, e.g. 28,28,1 (with --layer)."
            ),
            click.option(
                "--layer", "layers", multiple=True, metavar="CALL", help='A layer such as "Conv2D(32, 3)"; repeat in order.'
            ),
        )
    ):
        command = option(command)
    return command


def set_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """--set NAME=SIZE: a value for a symbol of the input (`input: [H, W, 3]`), repeatable."""
    return click.option(
        "--set",
        "settings",
        multiple=True,
        metavar="NAME=SIZE",
        help="Give a symbol of the input (input: [H, W, 3]) a size, e.g. --set H=224; repeat for each.",
    )(command)


def with_settings(parsed: Spec, settings: tuple[str, ...]) -> Spec:
    """The spec with the --set values in place of its symbols (spec/setting.py)."""
    if not settings:
        return parsed
    from convcalc.spec.setting import parse_settings, with_values

    return with_values(parsed, parse_settings(settings))


def complete_spec(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Shell completion for a SPEC: the bundled networks whose names start with what is typed,
    unless it looks like a path (or a file here starts so): then the shell completes files."""
    from click.shell_completion import CompletionItem

    from convcalc.spec import bundled

    here = os.path.dirname(incomplete) or "."
    local = os.path.isdir(here) and any(entry.startswith(os.path.basename(incomplete)) for entry in os.listdir(here))
    names = [] if os.sep in incomplete or incomplete.startswith(".") or local else bundled.names()
    matching = [CompletionItem(name) for name in names if name.startswith(incomplete)]
    return matching or [CompletionItem(incomplete, type="file")]


def abort(exc: SpecError) -> NoReturn:
    """A spec or an option that cannot be computed: its one-line message, exit status 2."""
    click.echo(exc.diagnostic.text(), err=True)
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
        click.echo(text, nl=False)
        return
    try:
        with open(output, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except OSError as exc:
        click.echo(f"{output}: cannot write the file: {exc.strerror or exc}", err=True)
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


def _show_help(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(ctx.get_help(), color=ctx.color)
        ctx.exit()


def _show_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(f"convcalc, version {__version__}", color=ctx.color)
        ctx.exit()


class EnglishHelp:
    """-h/--help as click makes it, but with its text written here: click asks gettext for the
    text, and gettext's first call imports `locale`, ~0.6 ms of every command (bench/stages.py).
    convcalc's own texts are English only, so click's translated one would be alone anyway."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        names = self.get_help_option_names(ctx)  # type: ignore[attr-defined]  # click.Command's
        if not names or not self.add_help_option:  # type: ignore[attr-defined]
            return None
        if getattr(self, "_english_help", None) is None:  # one per command, as click keeps its own
            self._english_help = click.Option(
                [*names, "show_help"],
                is_flag=True,
                expose_value=False,
                is_eager=True,
                help="Show this message and exit.",
                callback=_show_help,
            )
        return self._english_help


class Command(EnglishHelp, click.Command):
    """Every convcalc command: `@click.command(cls=Command)`."""


class Commands(EnglishHelp, click.Group):
    """A group whose commands are imported when they are used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        import keyword

        module = importlib.import_module(f"convcalc.cli.{COMMANDS[name]}")
        command: click.Command = getattr(module, f"{name}_" if keyword.iskeyword(name) else name)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        """A command's work, with one more error turned into its one line: what a command cannot
        do with sizes that are formulas (explain's arithmetic, a drawing, receptive fields of
        'same' padding) asks for --set, as convcalc.symbolic.size.SymbolicValue says."""
        try:
            return super().invoke(ctx)
        except TypeError as exc:
            size = sys.modules.get("convcalc.symbolic.size")
            if size is None or not isinstance(exc, size.SymbolicValue):
                raise
            from convcalc.errors import Diagnostic, Location

            command = ctx.invoked_subcommand or "this command"
            message = f"{command} needs the input's sizes in numbers here: {exc}"
            click.echo(Diagnostic(Location("--set"), "CC003", message, "give each symbol a size: --set H=224").text(), err=True)
            sys.exit(2)


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(  # click.version_option asks gettext for its text (see EnglishHelp)
    "--version", is_flag=True, expose_value=False, is_eager=True, help="Show the version and exit.", callback=_show_version
)
def main() -> None:
    """Shapes and parameter counts of Keras and PyTorch networks, by pure arithmetic.

    \b
    Examples:
      convcalc summary seed-example-2
      convcalc summary lenet5 --format json | jq .totals.params    # prints 61706
      convcalc summary --input 28,28,1 --layer "Conv2D(32, 3)" --layer "Conv2D(64, 3)"
      convcalc check models/*.yaml
      convcalc solve --input 28 --output 14 --framework pytorch
      convcalc diff seed-example-1 seed-example-2
      convcalc import model.keras -o model.yaml
      convcalc export pytorch-resnet18 -o resnet18.py
      convcalc specs
      eval "$(_CONVCALC_COMPLETE=bash_source convcalc)"    # completion (zsh_source, fish_source)

    SPEC is a YAML file, - for standard input, or the name of a network bundled with
    convcalc (`convcalc specs` lists them) where no such file exists.
    """
    import gc

    if gc.isenabled():  # a run makes many objects and no garbage cycles: cyclic GC only costs (3x at 100k layers)
        gc.disable()
        click.get_current_context().call_on_close(gc.enable)


def entry() -> NoReturn:
    """The console script: run the command, then end the process as soon as its output is
    flushed. The interpreter's teardown (freeing every object, unloading every module) is work a
    user of a calculator waits for and gains nothing from: ~6 ms after a small network, a second
    after 100,000 layers (bench/run.py)."""
    import gc

    gc.disable()  # for good: the process ends with the command, and it makes no garbage cycles
    for stream in (sys.stdout, sys.stderr):  # a terminal that cannot show a box or a bar still gets the text
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        main()
        status = 0
    except SystemExit as exc:  # click always ends a standalone run this way
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
        status = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # `convcalc summary ... | head`: the reader has what it wanted
        pass
    os._exit(status)
