"""`convcalc export`: the spec as a Python file that builds its network with the real framework."""

from __future__ import annotations

import click

from convcalc.cli import abort, with_settings, write_output
from convcalc.cli.app import Command, set_option
from convcalc.errors import Location, SpecError


@click.command(cls=Command)
@click.argument("spec")
@click.option(
    "--to",
    "framework",
    type=click.Choice(["pytorch", "keras"]),
    help="The framework to write for: the spec's own (a spec exports only to the framework whose layers it uses).",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file instead of standard output.")
@set_option
def export(spec: str, framework: str | None, output: str | None, settings: tuple[str, ...]) -> None:
    """Write SPEC as Python code that builds its network with PyTorch or Keras.

    A PyTorch spec becomes an nn.Module class (blocks as submodule classes, merges and
    convcalc's stand-ins for torch functions in forward); a Keras spec a function returning a
    functional keras.Model (blocks as functions). Layers keep the spec's names: module paths
    (layer2.block1.conv1) in PyTorch, layer names in Keras with "_" for the "." of a block's
    scope. The code is laid out as `ruff format` lays it out; running the file builds the
    model and prints its size.

    SPEC is a YAML spec file, or - for standard input.

    \b
    Examples:
      convcalc export pytorch-resnet18 -o resnet18.py
      convcalc export lenet5 --to keras
      python resnet18.py
    """
    from convcalc.export import export as write
    from convcalc.spec.loading import load_path

    try:
        parsed = with_settings(load_path(spec), settings)
        if parsed.symbols:  # the code builds the model on an example input: it needs numbers
            named = " ".join(f"--set {name}=224" for name in parsed.symbols)
            message = f"export writes code for sizes in numbers; the spec's input has symbols ({', '.join(parsed.symbols)})"
            raise SpecError.at(Location("--set"), "CC003", message, hint=f"e.g. {named}")
        exported = write(parsed, framework)
    except SpecError as exc:
        abort(exc)
    write_output(exported.text, output)
