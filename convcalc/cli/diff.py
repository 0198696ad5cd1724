"""`convcalc diff`: two versions of a network, layer by layer."""

from __future__ import annotations

import sys

import click

from convcalc.cli import abort, use_color, with_settings
from convcalc.cli.app import Command, color_option, complete_spec, set_option
from convcalc.errors import SpecError


@click.command(cls=Command)
@click.argument("old", shell_complete=complete_spec)
@click.argument("new", shell_complete=complete_spec)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--all", "everything", is_flag=True, help="Show unchanged layers too (the table; JSON always has them).")
@set_option
@color_option
def diff(old: str, new: str, fmt: str, everything: bool, settings: tuple[str, ...], color: str) -> None:
    """Compare two versions of a network: layers added (+), removed (-), changed (~), and totals.

    Layers are matched by the names written in the specs, the rest in order like lines in
    `diff`: unchanged definitions anchor, edited layers pair with their old selves by type.
    Shifted automatic names (conv2d_1 -> conv2d_2) alone are not a change.

    Specs whose input sizes are symbols (`input: [H, W, 3]`) compare as formulas: a change
    that is a formula is shown as one; `--set H=224` compares both specs at those sizes.

    Exit status: 0 the networks are equal, 1 they differ, 2 a spec cannot be read or computed.

    JSON (schema "convcalc-diff/1"): {equal, old: {path, name, framework, layers, outputs,
    totals}, new: {...}, counts: {added, removed, changed, unchanged}, totals: {params:
    {old, new, change}, trainable_params, non_trainable_params}, layers: [{status, old, new,
    changes: [{field, name, old, new}]}]}; old/new of a layer are {name, type, output_shape,
    weights, params, non_trainable_params} or null; every layer is listed, unchanged ones too.

    \b
    Examples:
      convcalc diff seed-example-1 seed-example-2
      git show main:models/net.yaml | convcalc diff - models/net.yaml
      convcalc diff seed-example-1 seed-example-2 --format json | jq .totals.params.change    # prints 34784
    """
    from convcalc.analysis.diff import diff as compare
    from convcalc.render import diff as output
    from convcalc.spec.loading import load_path

    if old == "-" and new == "-":
        raise click.UsageError("only one of OLD and NEW can be standard input")
    try:
        result = compare(with_settings(load_path(old), settings), with_settings(load_path(new), settings))
    except SpecError as exc:
        abort(exc)
    if fmt == "json":
        from convcalc.render.json import dumps

        click.echo(dumps(output.diff_document(result)), nl=False)
    else:
        click.echo(output.diff_table(result, use_color(color, sys.stdout), everything), nl=False)
    sys.exit(0 if result.equal else 1)
