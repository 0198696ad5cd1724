"""The command line: a thin shell that parses options, runs the pipeline, picks a renderer and
turns SpecErrors into messages and exit codes (0 ok, 1 a check failed, 2 bad spec or command)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import click

from convcalc import __version__
from convcalc.errors import SpecError


def use_color(choice: str, stream: Any) -> bool:
    """--color auto follows the terminal, NO_COLOR (https://no-color.org) and FORCE_COLOR."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty()


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


def abort(exc: SpecError) -> NoReturn:
    """A spec or an option that cannot be computed: its one-line message, exit status 2."""
    click.echo(exc.diagnostic.text(), err=True)
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="convcalc")
def main() -> None:
    """Shapes and parameter counts of Keras and PyTorch networks, by pure arithmetic.

    \b
    Examples:
      convcalc summary specs/seed-example-2.yaml
      convcalc summary specs/lenet5.yaml --format json | jq .totals
      convcalc summary --input 28,28,1 --layer "Conv2D(32, 3)" --layer "Conv2D(64, 3)"
      convcalc check specs/*.yaml
      convcalc solve --input 28 --output 14 --framework pytorch
      convcalc diff old.yaml new.yaml
    """
    import gc

    if gc.isenabled():  # a run makes many objects and no garbage cycles: cyclic GC only costs (3x at 100k layers)
        gc.disable()
        click.get_current_context().call_on_close(gc.enable)


@main.command()
@click.argument("spec", required=False)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "markdown"]), default="table", show_default=True)
@click.option("--batch", type=click.IntRange(min=1), help="Batch size to show instead of the spec's (None when unknown).")
@click.option("--depth", type=click.IntRange(min=0), help="Fold blocks nested deeper than this into one row (not in JSON).")
@flag_layers
@click.option(
    "--receptive-field",
    "receptive",
    is_flag=True,
    help="Add receptive field size, stride and padding per spatial axis (JSON always has them).",
)
@click.option(
    "--macs",
    "macs_column",
    is_flag=True,
    help="Add each layer's MACs and share of them, and total MACs and FLOPs (= 2 x MACs), counted as fvcore counts them.",
)
@click.option("--shares", is_flag=True, help="Add each layer's share of the parameters.")
@click.option("--bars", is_flag=True, help="Add a bar of each layer's MACs, the heaviest full, and the MACs totals.")
@click.option(
    "--memory", is_flag=True, help="Add each layer's output size in --dtype, and memory totals with a training estimate."
)
@click.option(
    "--dtype",
    type=click.Choice(["float32", "float16", "bfloat16", "int8"]),
    default="float32",
    show_default=True,
    help="Element type for --memory and the JSON memory figures.",
)
@color_option
def summary(
    spec: str | None,
    fmt: str,
    batch: int | None,
    depth: int | None,
    framework: str,
    input_shape: str | None,
    layers: tuple[str, ...],
    receptive: bool,
    macs_column: bool,
    shares: bool,
    bars: bool,
    memory: bool,
    dtype: str,
    color: str,
) -> None:
    """Print every layer's output shape, weight shapes and parameter count.

    SPEC is a YAML spec file, or - for standard input; or give the layers with --layer.

    MACs are multiply-accumulates as fvcore counts them: one per kernel weight per output
    position (convolutions, Linear/Dense, matmuls, recurrent and attention products), bias not
    counted; norms, 2-D up-sampling and adaptive average pooling as fvcore's handlers count
    them; activations and other element-wise ops 0. FLOPs = 2 x MACs. With no --batch (the
    batch unknown) MACs and activation sizes are per sample. JSON always has them.

    \b
    Examples:
      convcalc summary specs/seed-example-2.yaml
      convcalc summary specs/mnist-cnn.yaml --format json | jq '.layers[].output_shape'
      cat net.yaml | convcalc summary - --batch 32
      convcalc summary --framework keras --input 28,28,1 \\
          --layer "Conv2D(32, 3, activation='relu')" --layer "Conv2D(64, 3)"
      convcalc summary --framework pytorch --input 1,28,28 --layer "Conv2d(1, 32, 3)"
      convcalc summary specs/pytorch-resnet50.yaml --macs --bars --depth 1
      convcalc summary specs/gpt2-small.yaml --memory --dtype bfloat16 --batch 8
    """
    import dataclasses

    from convcalc.engine import run
    from convcalc.spec.flags import from_flags
    from convcalc.spec.loading import load_path

    if (spec is None) == (not layers):
        raise click.UsageError("give either a SPEC file or --layer options (and --input)")
    try:
        parsed = load_path(spec) if spec is not None else from_flags(framework, input_shape or "", layers, None)
        if batch is not None:
            parsed = dataclasses.replace(parsed, batch=batch)
        report = run(parsed)
    except SpecError as exc:
        abort(exc)
    if fmt == "json":
        from convcalc.analysis.costs import costs
        from convcalc.analysis.receptive import receptive_fields
        from convcalc.render.json import render_json

        click.echo(render_json(report, costs(report, dtype), receptive_fields(report)), nl=False)
        return
    from convcalc.render import NO_COLUMNS, summary_table

    extra = NO_COLUMNS
    if macs_column or shares or bars or memory:
        from convcalc.analysis.costs import costs
        from convcalc.render.columns import cost_columns

        bars = bars and fmt != "csv"  # a spreadsheet takes the numbers, not the picture
        extra = cost_columns(report, costs(report, dtype), depth, macs_column, shares, bars, memory, exact=fmt == "csv")
    if receptive:
        from convcalc.analysis.receptive import receptive_fields
        from convcalc.render.columns import field_columns

        extra = extra + field_columns(receptive_fields(report))
    click.echo(summary_table(report, fmt, use_color(color, sys.stdout), depth, extra), nl=False)


@main.command()
@click.argument("specs", nargs=-1, required=True, type=click.Path())
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "text", "json", "github"]),
    default="auto",
    show_default=True,
    help="auto is github (workflow annotations) inside GitHub Actions, text elsewhere.",
)
@color_option
def check(specs: tuple[str, ...], fmt: str, color: str) -> None:
    """Check specs (files, or directories of .yaml files) and their expect: blocks.

    Prints nothing when every spec passes. Each problem is `path:line:col: CODE message`.
    Exit status: 0 all pass, 1 an expectation failed, 2 a spec cannot be read or computed.

    \b
    Examples:
      convcalc check specs/*.yaml
      convcalc check --format json specs/lenet5.yaml | jq '.problems'
    As a pre-commit hook (.pre-commit-config.yaml):
      - repo: https://github.com/convcalc/convcalc
        rev: v0.1.0
        hooks: [{id: convcalc-check, files: ^models/}]
    """
    from convcalc.analysis.check import check_path
    from convcalc.render.check import CheckResult

    if fmt == "auto":
        fmt = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    status = 0
    results: list[CheckResult] = []
    for path in spec_files(specs):
        problems, code = check_path(path)
        status = max(status, code)
        results.append((path, problems, code))
    if fmt == "json":
        from convcalc.render.check import check_document
        from convcalc.render.json import dumps

        click.echo(dumps(check_document(results)), nl=False)
    for _, problems, _ in results if fmt != "json" else ():
        for problem in problems:
            if fmt == "github":
                from convcalc.render.check import github_annotation

                click.echo(github_annotation(problem))
            else:
                click.echo(problem.text())
    sys.exit(status)


def spec_files(paths: tuple[str, ...]) -> list[str]:
    """The paths given, with each directory replaced by the YAML files below it, sorted."""
    from pathlib import Path

    files: list[str] = []
    for path in paths:
        if Path(path).is_dir():
            found = sorted(str(p) for p in Path(path).rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
            files.extend(found or [path])  # an empty directory stays, to be reported
        else:
            files.append(path)
    return files


@main.command()
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


@main.command()
@click.argument("old")
@click.argument("new")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--all", "everything", is_flag=True, help="Show unchanged layers too (the table; JSON always has them).")
@color_option
def diff(old: str, new: str, fmt: str, everything: bool, color: str) -> None:
    """Compare two versions of a network: layers added (+), removed (-), changed (~), and totals.

    Layers are matched by the names written in the specs, the rest in order like lines in
    `diff`: unchanged definitions anchor, edited layers pair with their old selves by type.
    Shifted automatic names (conv2d_1 -> conv2d_2) alone are not a change.

    Exit status: 0 the networks are equal, 1 they differ, 2 a spec cannot be read or computed.

    JSON (schema "convcalc-diff/1"): {equal, old: {path, name, framework, layers, outputs,
    totals}, new: {...}, counts: {added, removed, changed, unchanged}, totals: {params:
    {old, new, change}, trainable_params, non_trainable_params}, layers: [{status, old, new,
    changes: [{field, name, old, new}]}]}; old/new of a layer are {name, type, output_shape,
    weights, params, non_trainable_params} or null; every layer is listed, unchanged ones too.

    \b
    Examples:
      convcalc diff old.yaml new.yaml
      git show main:models/net.yaml > /tmp/old.yaml && convcalc diff /tmp/old.yaml models/net.yaml
      convcalc diff old.yaml new.yaml --format json | jq '.totals.params'
    """
    from convcalc.analysis.diff import diff as compare
    from convcalc.render import diff as output
    from convcalc.spec.loading import load_path

    if old == "-" and new == "-":
        raise click.UsageError("only one of OLD and NEW can be standard input")
    try:
        result = compare(load_path(old), load_path(new))
    except SpecError as exc:
        abort(exc)
    if fmt == "json":
        from convcalc.render.json import dumps

        click.echo(dumps(output.diff_document(result)), nl=False)
    else:
        click.echo(output.diff_table(result, use_color(color, sys.stdout), everything), nl=False)
    sys.exit(0 if result.equal else 1)


@main.command()
@click.argument("spec", required=False)
@click.argument("layer_names", nargs=-1, metavar="[LAYER]...")
@flag_layers
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def explain(
    spec: str | None, layer_names: tuple[str, ...], framework: str, input_shape: str | None, layers: tuple[str, ...], fmt: str
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
      convcalc explain specs/lenet5.yaml conv2d_1
      convcalc explain --framework pytorch --input 3,32,32 --layer "Conv2d(3, 16, 3, stride=2, padding=1)"
      convcalc explain specs/mnist-cnn.yaml --format json | jq '.layers[0].steps'
    """
    from convcalc.analysis.explain import explain as explain_rows
    from convcalc.engine import run
    from convcalc.render import explain as output
    from convcalc.spec.flags import from_flags
    from convcalc.spec.loading import load_path

    if (spec is None) == (not layers):
        raise click.UsageError("give either a SPEC file (and LAYER names) or --layer options (and --input)")
    try:
        parsed = load_path(spec) if spec is not None else from_flags(framework, input_shape or "", layers, None)
        report = run(parsed)
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
