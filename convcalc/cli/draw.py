"""`convcalc draw`: the network as a picture with the shape on every edge."""

from __future__ import annotations

import click

from convcalc.cli import computed, write_output
from convcalc.cli.app import Command, complete_spec, flag_layers, set_option

DRAW_SUFFIXES = {".mmd": "mermaid", ".md": "mermaid", ".svg": "svg", ".dot": "dot", ".gv": "dot", ".html": "html", ".htm": "html"}


@click.command(cls=Command)
@click.argument("spec", required=False, shell_complete=complete_spec)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["mermaid", "svg", "dot", "html"]),
    help="Default: from the -o file's suffix (.mmd .svg .dot .gv .html), else mermaid.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file instead of standard output.")
@click.option("--depth", type=click.IntRange(min=0), help="Fold blocks nested deeper than this into one node.")
@click.option("--batch", type=click.IntRange(min=1), help="Batch size to show instead of the spec's (None when unknown).")
@flag_layers
@set_option
@click.option("--macs", "macs_column", is_flag=True, help="HTML: add each layer's MACs and the MACs totals to the table.")
@click.option("--memory", is_flag=True, help="HTML: add each layer's output size in --dtype and the memory totals.")
@click.option(
    "--dtype",
    type=click.Choice(["float32", "float16", "bfloat16", "int8"]),
    default="float32",
    show_default=True,
    help="Element type for --memory.",
)
def draw(
    spec: str | None,
    fmt: str | None,
    output: str | None,
    depth: int | None,
    batch: int | None,
    framework: str,
    input_shape: str | None,
    layers: tuple[str, ...],
    settings: tuple[str, ...],
    macs_column: bool,
    memory: bool,
    dtype: str,
) -> None:
    """Draw the network with the tensor shape on every edge.

    \b
    Formats:
      mermaid  flowchart text that GitHub and most Markdown viewers draw; blocks are
               subgraphs; a network beyond Mermaid's limits (50,000 characters, 500
               edges) is folded block level by block level until it fits, and says so
      svg      a self-contained picture laid out by convcalc (no Graphviz needed)
      dot      Graphviz's language, for `dot -Tpng`
      html     one offline page: the SVG and the summary table (--macs, --memory)

    \b
    Examples:
      convcalc draw pytorch-resnet18 --depth 1
      convcalc draw keras-inceptionv3 -o inception.svg
      convcalc draw pytorch-unet --format dot | dot -Tpng -o unet.png
      convcalc draw keras-resnet50 -o resnet50.html --macs --memory
    """
    from pathlib import Path

    if (spec is None) == (not layers):
        raise click.UsageError("give either a SPEC file or --layer options (and --input)")
    if fmt is None:
        fmt = DRAW_SUFFIXES.get(Path(output).suffix.lower(), "mermaid") if output else "mermaid"
    if (macs_column or memory) and fmt != "html":
        raise click.UsageError("--macs and --memory add columns to the HTML page's table: use them with --format html")
    report = computed(spec, framework, input_shape, layers, batch, settings)
    if fmt == "mermaid":
        from convcalc.render.mermaid import render_mermaid

        chart = render_mermaid(report, depth)
        if chart.note:
            click.echo(f"convcalc: {chart.note}", err=True)
        text = chart.text
    elif fmt == "dot":
        from convcalc.render.dot import render_dot

        text = render_dot(report, depth)
    elif fmt == "svg":
        from convcalc.render.svg import render_svg

        text = render_svg(report, depth)
    else:
        from convcalc.render.columns import NO_COLUMNS
        from convcalc.render.html import render_html

        extra = NO_COLUMNS
        if macs_column or memory:
            from convcalc.analysis.costs import costs
            from convcalc.render.columns import cost_columns

            extra = cost_columns(report, costs(report, dtype), depth, macs_column, False, False, memory)
        text = render_html(report, depth, extra)
    write_output(text, output)
