"""`convcalc import`: a convcalc spec written from a model another tool wrote down."""

from __future__ import annotations

import sys

import click

from convcalc.cli import abort, write_output
from convcalc.cli.app import Command
from convcalc.sources import SOURCES


def _help() -> str:
    """The command's help, its list of sources made from SOURCES."""
    names = ", ".join(f"{source.name}:FILE" for source in SOURCES)
    sources = "\n".join(f"  {source.name:<8} {source.describe}" for source in SOURCES)
    return HELP.format(names=names, sources=sources)


HELP = """Write a convcalc spec for the model in SOURCE.

SOURCE is read by its suffix or first bytes, or as a prefix says ({names}):

\b
{sources}

Reading a model file never runs, imports or unpickles anything from it: a custom class is
refused by its name, the weights of a .keras or .onnx file are never read. The PyTorch
importer is the exception: it imports the module (or runs the .py file) and calls the factory
SOURCE names, on the meta device (no weights allocated), then traces it with torch.fx. Give
it only code you would run.

The spec keeps the source's layer names, writes `inputs` only where the graph branches, and
comments each layer with the output shape the source states; `import` computes the spec and
checks every such shape against convcalc's. Exit status: 0 written; 1 written, but a shape
differs from the source's (each is listed); 2 SOURCE cannot be read, or the spec written from it
cannot be computed (it is written all the same, for a person to finish).

\b
Examples:
  convcalc import model.keras -o model.yaml
  convcalc import yolov3-tiny.cfg | convcalc summary - --depth 0 --macs
  convcalc import keras:exported.txt
  convcalc import tiny-cnn.onnx -o tiny-cnn.yaml
  convcalc import tiny_net.py:TinyNet --input 3,32,32
  convcalc import yolov8.yaml --scale n -o yolov8n.yaml && convcalc check yolov8n.yaml
"""


@click.command(cls=Command, name="import", help=_help())
@click.argument("source")
@click.option("-o", "--output", metavar="FILE", help="Write the spec here instead of standard output.")
@click.option(
    "--from",
    "chosen",
    type=click.Choice([source.name for source in SOURCES]),
    help="Read SOURCE as this kind of model, whatever its name.",
)
@click.option(
    "--input",
    "input_shape",
    metavar="DIMS",
    help="A PyTorch module's input shape without the batch, e.g. 3,224,224: what it is traced with.",
)
@click.option(
    "--scale",
    metavar="NAME",
    help="An Ultralytics file's scale (n, s, m, l, x: a key of its scales:); by default the letter in its name, else its first.",
)
def import_(source: str, output: str | None, chosen: str | None, input_shape: str | None, scale: str | None) -> None:
    from convcalc.errors import SpecError
    from convcalc.sources import convert

    try:
        where = output if output and output != "-" else "<stdout>"
        imported = convert(source, chosen, where, {"input_shape": _dims(input_shape), "scale": scale})
    except SpecError as exc:
        abort(exc)
    write_output(imported.text, output)
    for problem in imported.problems:
        click.echo(problem.text(), err=True)
    sys.exit(0 if not imported.problems else 1 if imported.computed else 2)


def _dims(text: str | None) -> tuple[int, ...] | None:
    """`3,224,224` as (3, 224, 224)."""
    if text is None:
        return None
    parts = [part.strip() for part in text.split(",")]
    if not parts or not all(part.isdigit() and int(part) > 0 for part in parts):
        raise click.BadParameter(f"sizes above 0 separated by commas, such as 3,224,224; found {text!r}", param_hint="--input")
    return tuple(int(part) for part in parts)
