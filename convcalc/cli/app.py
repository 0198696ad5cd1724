"""The click application: the `convcalc` group, its commands loaded by name, and the options
they share. Every command line that convcalc.cli.fast does not run itself comes here."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import Any

import click

from convcalc import __version__
from convcalc.cli import COMMANDS, UsageProblem, symbolic_abort
from convcalc.cli.options import COLOR, FLAG_LAYERS, SET, Argument, Parameter


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


def click_parameter(parameter: Parameter) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The click decorator that declares `parameter` (convcalc.cli.options)."""
    if isinstance(parameter, Argument):  # as str: click.Path() asks gettext for its name, which costs every run (EnglishHelp)
        return click.argument(
            parameter.name, nargs=-1 if parameter.many else 1, required=parameter.required, shell_complete=complete_spec
        )
    settings: dict[str, Any] = {"help": parameter.help}
    if parameter.switch:
        settings["is_flag"] = True
    if parameter.choices:
        settings["type"] = click.Choice(list(parameter.choices))
    elif parameter.minimum is not None:
        settings["type"] = click.IntRange(min=parameter.minimum)
    if parameter.default is not None:
        settings.update(default=parameter.default, show_default=True)
    if parameter.multiple:
        settings["multiple"] = True
    if parameter.metavar:
        settings["metavar"] = parameter.metavar
    return click.option(parameter.flag, parameter.name, **settings)


def declared(*parameters: Parameter) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a click command with `parameters`, in their order."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for parameter in reversed(parameters):
            command = click_parameter(parameter)(command)
        return command

    return decorate


color_option = declared(COLOR)
"""The --color option every command shares."""
flag_layers = declared(*FLAG_LAYERS)
"""--framework, --input and --layer: a network written on the command line instead of a SPEC."""
set_option = declared(SET)
"""--set NAME=SIZE: a value for a symbol of the input (`input: [H, W, 3]`), repeatable."""


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


def command_of(function: Callable[..., None], parameters: tuple[Parameter, ...]) -> click.Command:
    """The click command of a command declared as data (a function and its PARAMETERS, for
    convcalc.cli.fast): the function's docstring is its help, a UsageProblem click's usage error."""

    def callback(**values: Any) -> None:
        try:
            function(**values)
        except UsageProblem as exc:
            raise click.UsageError(str(exc)) from None

    callback.__doc__ = function.__doc__
    return click.command(function.__name__, cls=Command)(declared(*parameters)(callback))


_MADE: dict[str, click.Command] = {}


class Commands(EnglishHelp, click.Group):
    """A group whose commands are imported when they are used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        import keyword

        module = importlib.import_module(f"convcalc.cli.{COMMANDS[name]}")
        command = getattr(module, f"{name}_" if keyword.iskeyword(name) else name)
        if isinstance(command, click.Command):
            return command
        if name not in _MADE:  # once, as a decorated command is made once
            _MADE[name] = command_of(command, module.PARAMETERS)
        return _MADE[name]

    def invoke(self, ctx: click.Context) -> Any:
        """A command's work, with one more error turned into its one line (symbolic_abort)."""
        try:
            return super().invoke(ctx)
        except TypeError as exc:
            symbolic_abort(exc, ctx.invoked_subcommand or "this command")


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
