"""`convcalc solve`: the settings that give a wanted shape."""

from __future__ import annotations

import sys

import click

from convcalc.cli import abort, color_option, use_color
from convcalc.errors import SpecError


@click.command()
@click.argument("spec", required=False)
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
@click.option("--output-shape", metavar="DIMS", help="With SPEC: the wanted output shape without the batch, ? for any size.")
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
    fmt: str,
    limit: int | None,
    color: str,
) -> None:
    """Find every setting that gives the shape you want, smallest first.

    With --input and --output: every (kernel, stride, padding, dilation) of a convolution
    (or --transposed, --pool) that maps one length to the other, in the framework's own terms,
    within kernel <= 11, stride <= 8, dilation <= 4 (fixed values replace their bound). With a
    SPEC: every change to one layer's kernel, stride, padding, dilation, or filters/units, that
    gives the network's output the shape --output-shape; each is verified by a full run.

    Exit status: 0 answered, 1 no setting works (the reason is printed), 2 bad input.

    JSON (schema "convcalc-solve/1"): for lengths {problem: "length", framework, operation,
    input, output, fixed, bounds, count, settings: [{kernel_size, strides, padding, ...}],
    reason}; for a spec {problem: "layer", spec, layer, type, layer_output_shape, output_shape,
    target, params, searched, count, changes: [{arguments: {NAME: {old, new}},
    layer_output_shape, output_shape, params}], reason}. reason is null unless count is 0.

    \b
    Examples:
      convcalc solve --input 28 --output 14
      convcalc solve --input 28 --output 14 --kernel 3 --framework pytorch
      convcalc solve --input 7 --output 28 --transposed --stride 4
      convcalc solve --input 28 --output 14 --pool --framework pytorch
      convcalc solve net.yaml --layer conv2d_1 --output-shape 10,10,64
    """
    from convcalc.analysis.solve import length as lengths
    from convcalc.render import solve as output

    if transposed and pool:
        raise click.UsageError("give --transposed or --pool, not both")
    spatial = (length, target, kernel, stride, padding, dilation)
    answer: output.Answer
    try:
        if spec is not None:
            if layer_name is None or output_shape is None:
                raise click.UsageError("with a SPEC, give --layer NAME and --output-shape DIMS")
            if any(v is not None for v in spatial) or transposed or pool:
                raise click.UsageError("with a SPEC, --input/--output/--kernel/--stride/--padding/--dilation do not apply")
            from convcalc.analysis.solve import layer as layers
            from convcalc.spec.loading import load_path

            answer = layers.solve_layer(load_path(spec), layer_name, layers.parse_dims(output_shape))
            ok = bool(answer.changes) or answer.satisfied
        else:
            if length is None or target is None:
                raise click.UsageError("give --input N and --output N, or a SPEC with --layer and --output-shape")
            if layer_name is not None or output_shape is not None:
                raise click.UsageError("--layer and --output-shape need a SPEC")
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
