"""`convcalc schema` and `convcalc init`: the spec language for editors."""

from __future__ import annotations

import click

from convcalc.cli import write_output
from convcalc.cli.app import Command


@click.command(cls=Command)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file instead of standard output.")
@click.option("--path", "show_path", is_flag=True, help="Print where the installed package keeps the schema file instead.")
def schema(output: str | None, show_path: bool) -> None:
    """Print the JSON Schema (draft-07) of the spec language, for editors and validators.

    Generated from the Keras and PyTorch vocabularies: every layer type, its arguments with
    their types, defaults and a one-line description; `framework:` in a spec selects which
    vocabulary completes its layers. The package ships the same file (see --path).

    \b
    Examples:
      convcalc schema -o convcalc-spec.schema.json
      check-jsonschema --schemafile "$(convcalc schema --path)" models/*.yaml
    """
    from convcalc.render.spec_schema import SCHEMA_PATH, schema_text

    if show_path:
        click.echo(SCHEMA_PATH)
        return

    write_output(schema_text(), output)


SCHEMA_URL = "https://raw.githubusercontent.com/convcalc/convcalc/v{version}/convcalc/schema/convcalc-spec-1.schema.json"
STARTERS = {
    "keras": (
        "input: [28, 28, 1]              # one input's shape, batch dimension excluded\n"
        "layers:\n"
        '  - Conv2D(32, 3, activation="relu")\n'
        "  - MaxPooling2D(2)\n"
        "  - {type: Conv2D, filters: 64, kernel_size: 3, activation: relu}\n"
        "  - Flatten\n"
        "  - Dense(10)\n"
    ),
    "pytorch": (
        "input: [1, 28, 28]              # channels first, batch dimension excluded\n"
        "layers:\n"
        "  - Conv2d(1, 32, 3)\n"
        "  - ReLU\n"
        "  - MaxPool2d(2)\n"
        "  - {type: Conv2d, in_channels: 32, out_channels: 64, kernel_size: 3}\n"
        "  - Flatten\n"
        "  - Linear(7744, 10)                # 64 channels x 11 x 11\n"
    ),
}


@click.command(cls=Command)
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--framework", type=click.Choice(["keras", "pytorch"]), default="keras", show_default=True)
@click.option("--schema", "schema_ref", metavar="URL|PATH", help="The schema the modeline names (default: the released file).")
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def init(path: str, framework: str, schema_ref: str | None, force: bool) -> None:
    """Write a starter spec whose first line points editors at the spec schema.

    The `# yaml-language-server: $schema=...` modeline makes VS Code (Red Hat's YAML
    extension), Neovim, Helix and Zed (yaml-language-server) complete layer types and their
    arguments, show each one's description, and underline unknown keys.

    \b
    Examples:
      convcalc init net.yaml
      convcalc init --framework pytorch net.yaml
      convcalc init net.yaml --schema "$(convcalc schema --path)"     # offline: the installed file
    """
    from pathlib import Path

    from convcalc import __version__

    target = Path(path)
    if target.exists() and not force:
        raise click.UsageError(f"{path} exists; give --force to overwrite it")
    reference = schema_ref or SCHEMA_URL.format(version=__version__)
    name = target.stem
    text = f"# yaml-language-server: $schema={reference}\nname: {name}\nframework: {framework}\n" + STARTERS[framework]
    write_output(text, path)
    click.echo(f"wrote {path}: try `convcalc summary {path}`", err=True)
