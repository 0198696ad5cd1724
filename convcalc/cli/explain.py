"""`convcalc explain`: the arithmetic behind each layer's shape and weights."""

from __future__ import annotations

import click

from convcalc.cli import abort, computed
from convcalc.cli.app import Command, complete_spec, flag_layers, set_option
from convcalc.errors import SpecError


@click.command(cls=Command)
@click.argument("spec", required=False, shell_complete=complete_spec)
@click.argument("layer_names", nargs=-1, metavar="[LAYER]...")
@flag_layers
@set_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def explain(
    spec: str | None,
    layer_names: tuple[str, ...],
    framework: str,
    input_shape: str | None,
    layers: tuple[str, ...],
    settings: tuple[str, ...],
    fmt: str,
) -> None:
    """Show the arithmetic behind each layer's output shape and weights, numbers filled in.

    SPEC is a YAML spec file (- for standard input), optionally followed by the LAYER names to
    explain (default: every layer); or give the layers with --input and --layer.

    Each step reads `what = formula = numbers = value`: the output length of every spatial axis
    (the convolution formula, where padding "same" puts its extra position), the channels, each
    weight's size as the product of its shape, the total, and the sentence that says why.

    JSON (schema "convcalc-explain/1"): {framework, layers: [{name, type, arguments,
    input_shapes, output_shape, outputs, params, trainable_params, non_trainable_params, steps:
    [{part, what, formula, substituted, value, note}]}]}; part is "shape" or "weights", value an
    integer or null (a step that states a shape, or an unknown size).

    \b
    Examples:
      convcalc explain --framework keras --input 26,26,32 --layer "Conv2D(64, 3)"
      convcalc explain lenet5 conv2d_1
      convcalc explain --framework pytorch --input 3,32,32 --layer "Conv2d(3, 16, 3, stride=2, padding=1)"
      convcalc explain mnist-cnn --format json | jq '.layers[0].steps'
    """
    from convcalc.analysis.explain import explain as explain_rows
    from convcalc.render import explain as output

    if (spec is None) == (not layers):
        raise click.UsageError("give either a SPEC file (and LAYER names) or --layer options (and --input)")
    report = computed(spec, framework, input_shape, layers, settings=settings)
    try:
        missing = [name for name in layer_names if name not in {row.name for row in report.rows}]
        if missing:
            from convcalc.errors import Diagnostic, Location, did_you_mean

            known = [row.name for row in report.rows]
            hint = did_you_mean(missing[0], known) or "layers: " + ", ".join(known[:8]) + (", ..." if len(known) > 8 else "")
            raise SpecError(Diagnostic(Location(str(spec)), "CC003", f"no layer named {missing[0]!r}", hint))
    except SpecError as exc:
        abort(exc)
    items = explain_rows(report, layer_names)
    if fmt == "json":
        from convcalc.render.json import dumps

        click.echo(dumps(output.explain_document(items, report.framework)), nl=False)
    else:
        click.echo(output.explain_text(items), nl=False)
