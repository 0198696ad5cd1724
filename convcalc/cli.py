"""The command line: a thin shell that parses options, runs the pipeline, picks a renderer and
turns SpecErrors into messages and exit codes (0 ok, 1 a check failed, 2 bad spec or command)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

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


def fail(exc: SpecError) -> None:
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
    """
    import gc

    if gc.isenabled():  # a run makes many objects and no garbage cycles: cyclic GC only costs (3x at 100k layers)
        gc.disable()
        click.get_current_context().call_on_close(gc.enable)


@main.command()
@click.argument("spec", required=False)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "markdown"]), default="table", show_default=True)
@click.option("--batch", type=click.IntRange(min=1), help="Batch size to show instead of the spec's (None when unknown).")
@click.option("--framework", type=click.Choice(["keras", "pytorch"]), default="keras", show_default=True, help="With --layer.")
@click.option("--input", "input_shape", metavar="DIMS", help="Input shape without batch, e.g. 28,28,1 (with --layer).")
@click.option("--layer", "layers", multiple=True, metavar="CALL", help='A layer such as "Conv2D(32, 3)"; repeat in order.')
@color_option
def summary(
    spec: str | None, fmt: str, batch: int | None, framework: str, input_shape: str | None, layers: tuple[str, ...], color: str
) -> None:
    """Print every layer's output shape, weight shapes and parameter count.

    SPEC is a YAML spec file, or - for standard input; or give the layers with --layer.

    \b
    Examples:
      convcalc summary specs/seed-example-2.yaml
      convcalc summary specs/mnist-cnn.yaml --format json | jq '.layers[].output_shape'
      cat net.yaml | convcalc summary - --batch 32
      convcalc summary --framework keras --input 28,28,1 \\
          --layer "Conv2D(32, 3, activation='relu')" --layer "Conv2D(64, 3)"
      convcalc summary --framework pytorch --input 1,28,28 --layer "Conv2d(1, 32, 3)"
    """
    import dataclasses

    from convcalc.engine import run
    from convcalc.render import render
    from convcalc.spec import from_flags, load_path

    if (spec is None) == (not layers):
        raise click.UsageError("give either a SPEC file or --layer options (and --input)")
    try:
        parsed = load_path(spec) if spec is not None else from_flags(framework, input_shape or "", layers, None)
        if batch is not None:
            parsed = dataclasses.replace(parsed, batch=batch)
        report = run(parsed)
    except SpecError as exc:
        fail(exc)
    click.echo(render(report, fmt, use_color(color, sys.stdout)), nl=False)


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
    """Check specs and their expect: blocks; print one line per problem.

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
    from convcalc.check import check_path

    if fmt == "auto":
        fmt = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    status = 0
    results = []
    for path in specs:
        problems, code = check_path(path)
        status = max(status, code)
        results.append((path, problems, code))
    if fmt == "json":
        from convcalc.render.json import dumps

        click.echo(dumps(check_document(results)), nl=False)
    for _, problems, _ in results if fmt != "json" else ():
        for problem in problems:
            if fmt == "github":
                loc = problem.location
                click.echo(f"::error file={loc.path},line={loc.line},col={loc.column},title={problem.code}::{problem.text()}")
            else:
                click.echo(problem.text())
    sys.exit(status)


def check_document(results: list[tuple[str, list[Any], int]]) -> dict[str, Any]:
    """`convcalc check --format json`: one object per file with its problems."""
    return {
        "schema": "convcalc-check/1",
        "ok": all(code == 0 for _, _, code in results),
        "files": [
            {
                "path": path,
                "status": ("pass", "fail", "error")[code],
                "problems": [
                    {
                        "line": p.location.line,
                        "column": p.location.column,
                        "code": p.code,
                        "layer": p.layer or None,
                        "message": p.message,
                        "hint": p.hint or None,
                    }
                    for p in problems
                ],
            }
            for path, problems, code in results
        ],
    }
