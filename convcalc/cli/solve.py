"""`convcalc solve`: the settings that give a wanted shape."""

from __future__ import annotations

import sys

import click

from convcalc.cli import abort, use_color, with_settings
from convcalc.cli.app import Command, color_option, complete_spec, set_option
from convcalc.errors import SpecError


@click.command(cls=Command)
@click.argument("spec", required=False, shell_complete=complete_spec)
@click.option("--input", "length", type=click.IntRange(min=1), metavar="N", help="Input length along one axis.")
@click.option("--output", "target", type=click.IntRange(min=1), metavar="N", help="Wanted output length.")
@click.option("--kernel", type=click.IntRange(min=1), help="Fix the kernel (pool) size.")
@click.option("--stride", type=click.IntRange(min=1), help="Fix the stride.")
@click.option("--padding", metavar="P", help="Fix the padding: same, valid, or a number (PyTorch).")
@click.option("--dilation", type=click.IntRange(min=1), help="Fix the dilation.")
@click.option("--transposed", is_flag=True, help="Solve for a transposed convolution (upsampling).")
@click.option("--pool", is_flag=True, help="Solve for pooling (PyTorch: MaxPool's ceil_mode too).")
@click.option("--framework", type=click.Choice(["keras", "pytorch"]), default="keras", show_default=True)
@click.option("--layer", "layer_name", metavar="NAME", help="With SPEC: the layer to change.")
@click.option(
    "--output-shape",
    metavar="DIMS",
    help="With SPEC and --layer: the shape wanted for that layer's output; the batch left out or given, ? for any size.",
)
@click.option(
    "--network-output-shape",
    metavar="DIMS",
    help="With SPEC and --layer: the shape wanted for the network's output instead (before 0.2: --output-shape).",
)
@click.option(
    "--maximize", metavar="NAME", help="With SPEC: the largest size of this symbol (input: [H, W, 3]) within the budget."
)
@click.option("--minimize", metavar="NAME", help="With SPEC: the smallest accepted size of this symbol within the budget.")
@click.option("--macs-at-most", metavar="N", help="Budget: MACs per sample, e.g. 10G.")
@click.option("--params-at-most", metavar="N", help="Budget: parameters, e.g. 25M.")
@click.option("--memory-at-most", metavar="BYTES", help="Budget: the input, activations and parameters in float32, e.g. 2GiB.")
@click.option(
    "--accepted", "between", metavar="NAME=LOW..HIGH", help="With SPEC: the sizes of this symbol it accepts in the range."
)
@set_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--limit", type=click.IntRange(min=0), help="Rows shown (table: 30, JSON: all; 0 is all).")
@color_option
def solve(
    spec: str | None,
    length: int | None,
    target: int | None,
    kernel: int | None,
    stride: int | None,
    padding: str | None,
    dilation: int | None,
    transposed: bool,
    pool: bool,
    framework: str,
    layer_name: str | None,
    output_shape: str | None,
    network_output_shape: str | None,
    maximize: str | None,
    minimize: str | None,
    macs_at_most: str | None,
    params_at_most: str | None,
    memory_at_most: str | None,
    between: str | None,
    settings: tuple[str, ...],
    fmt: str,
    limit: int | None,
    color: str,
) -> None:
    """Find every setting that gives the shape you want, smallest first.

    With --input and --output: every (kernel, stride, padding, dilation) of a convolution
    (or --transposed, --pool) that maps one length to the other, in the framework's own terms,
    within kernel <= 11, stride <= 8, dilation <= 4 (fixed values replace their bound).

    With a SPEC and --layer: every change to that layer's kernel, stride, padding, dilation, or
    filters/units, that gives its own output the shape --output-shape (or the network's output
    the shape --network-output-shape). With a SPEC that does not compute: the smallest changes
    to the layer that fails, or to the layers before it (--layer: that one only), that make it
    compute. Every answer is verified by a full run of the spec.

    With a SPEC whose input sizes are symbols (input: [H, W, 3]) and --maximize H (or
    --minimize H): the largest (smallest) size the network accepts whose MACs, parameters or
    memory stay within the --...-at-most budgets; the other symbols keep their --set sizes or
    move with H. The answer and the next accepted size are computed in full. With
    --accepted H=200..300: the sizes in that range the network accepts.

    Exit status: 0 answered, 1 no setting works (the reason is printed; for a spec that fails,
    also when changes only get the failing layer computing), 2 bad input.

    JSON (schema "convcalc-solve/1"): for lengths {problem: "length", framework, operation,
    input, output, fixed, bounds, count, settings: [{kernel_size, strides, padding, ...}],
    reason}; for a layer {problem: "layer", goal: "layer" or "network", spec, layer, type,
    layer_output_shape, output_shape, target, params, searched, count, changes: [{arguments:
    {NAME: {old, new}}, layer_output_shape, output_shape, params}], reason}; for a spec that
    fails {problem: "repair", spec, layer, type, error: {layer, code, message, hint, line,
    column}, searched, computes, count, changes: [{layer, arguments, layer_output_shape,
    output_shape, params, then}], reason}, where computes is false when no single change makes
    the spec compute and each change gets the failing layer computing (then: the next problem).
    reason is null unless count is 0.

    \b
    Examples:
      convcalc solve --input 28 --output 14
      convcalc solve --input 28 --output 14 --kernel 3 --framework pytorch
      convcalc solve --input 7 --output 28 --transposed --stride 4
      convcalc solve --input 28 --output 14 --pool --framework pytorch
      convcalc solve seed-example-2 --layer conv2d --output-shape 12,12,32
      convcalc solve seed-example-2 --layer conv2d --network-output-shape 8,8,64
      convcalc solve broken.yaml
      convcalc solve unet.yaml --maximize H --macs-at-most 10G
      convcalc solve unet.yaml --accepted H=200..300
    """
    from convcalc.analysis.solve import length as lengths
    from convcalc.render import solve as output

    if transposed and pool:
        raise click.UsageError("give --transposed or --pool, not both")
    spatial = (length, target, kernel, stride, padding, dilation)
    answer: output.Answer
    if between is not None:
        _solve_between(spec, between, settings, fmt)
    budget = {"macs": macs_at_most, "params": params_at_most, "memory": memory_at_most}
    if maximize is not None or minimize is not None or any(budget.values()):
        _solve_size(spec, maximize, minimize, budget, settings, fmt, color)
    if settings:
        raise click.UsageError("--set gives a symbol's size for --maximize or --minimize")
    try:
        if spec is not None:
            if any(v is not None for v in spatial) or transposed or pool:
                raise click.UsageError("with a SPEC, --input/--output/--kernel/--stride/--padding/--dilation do not apply")
            if output_shape is not None and network_output_shape is not None:
                raise click.UsageError("give --output-shape (the layer's) or --network-output-shape, not both")
            from convcalc.spec.loading import load_path

            parsed = load_path(spec)
            wanted = output_shape if output_shape is not None else network_output_shape
            if wanted is None:
                from convcalc.analysis.solve.repair import repair

                repaired = repair(parsed, layer_name)
                if repaired is None:
                    click.echo(f"{parsed.path} computes: nothing to repair (--layer NAME --output-shape DIMS reshapes a layer)")
                    sys.exit(0)
                answer, ok = repaired, bool(repaired.changes) and repaired.computes
            else:
                if layer_name is None:
                    option = "--output-shape" if output_shape is not None else "--network-output-shape"
                    raise click.UsageError(f"{option} needs --layer NAME: the layer to change")
                from convcalc.analysis.solve import layer as layers

                goal = "layer" if output_shape is not None else "network"
                option = "--output-shape" if goal == "layer" else "--network-output-shape"
                dims = layers.parse_dims(wanted, option)
                answer = layers.solve_layer(parsed, layer_name, dims, goal=goal)
                ok = bool(answer.changes) or answer.satisfied
        else:
            if length is None or target is None:
                raise click.UsageError("give --input N and --output N, or a SPEC (with --layer and --output-shape)")
            if layer_name is not None or output_shape is not None or network_output_shape is not None:
                raise click.UsageError("--layer, --output-shape and --network-output-shape need a SPEC")
            operation = "transposed" if transposed else "pool" if pool else "conv"
            value = lengths.padding_value(padding, framework, operation)
            fixed = lengths.Fixed(kernel, stride, value, dilation)
            answer = lengths.solve_length(length, target, framework, operation, fixed)
            ok = bool(answer.settings)
    except SpecError as exc:
        abort(exc)
    if fmt == "json":
        from convcalc.render.json import dumps

        click.echo(dumps(output.document(answer, limit)), nl=False)
    else:
        click.echo(output.table(answer, use_color(color, sys.stdout), 30 if limit is None else limit), nl=False)
    sys.exit(0 if ok else 1)


def _solve_size(
    spec: str | None,
    maximize: str | None,
    minimize: str | None,
    budget: dict[str, str | None],
    settings: tuple[str, ...],
    fmt: str,
    color: str,
) -> None:
    """solve --maximize/--minimize NAME with budgets (analysis/solve/budget.py); exits."""
    if spec is None:
        raise click.UsageError("--maximize and --minimize need a SPEC whose input sizes are symbols")
    if (maximize is None) == (minimize is None):
        raise click.UsageError("give --maximize NAME or --minimize NAME (one symbol), with --macs-at-most and the like")
    if not any(budget.values()):
        raise click.UsageError("give a budget: --macs-at-most, --params-at-most or --memory-at-most")
    from convcalc.analysis.solve.budget import parse_amount, solve_budget
    from convcalc.render import solve as output
    from convcalc.spec.loading import load_path

    try:
        amounts = {key: parse_amount(value, f"--{key}-at-most") for key, value in budget.items() if value is not None}
        parsed = with_settings(load_path(spec), settings)
        answer = solve_budget(parsed, maximize or minimize or "", maximize is not None, amounts)
    except SpecError as exc:
        abort(exc)
    if fmt == "json":
        from convcalc.render.json import dumps

        click.echo(dumps(output.size_document(answer)), nl=False)
    else:
        click.echo(output.size_table(answer), nl=False)
    sys.exit(0 if answer.values is not None else 1)


def _solve_between(spec: str | None, between: str, settings: tuple[str, ...], fmt: str) -> None:
    """solve SPEC --accepted NAME=LOW..HIGH (analysis/solve/budget.py); exits."""
    if spec is None:
        raise click.UsageError("--accepted needs a SPEC whose input sizes are symbols")
    from convcalc.analysis.solve.budget import accepted_between, parse_range
    from convcalc.render import solve as output
    from convcalc.spec.loading import load_path

    try:
        symbol, low, high = parse_range(between)
        answer = accepted_between(with_settings(load_path(spec), settings), symbol, low, high)
    except SpecError as exc:
        abort(exc)
    if fmt == "json":
        from convcalc.render.json import dumps

        click.echo(dumps(output.between_document(answer)), nl=False)
    else:
        click.echo(output.between_table(answer), nl=False)
    sys.exit(0 if answer.sizes else 1)
