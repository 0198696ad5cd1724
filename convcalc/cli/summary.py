"""`convcalc summary`: every layer's output shape, weights and parameter count."""

from __future__ import annotations

import sys

from convcalc.cli import UsageProblem, computed, echo, terminal_width, unicode_output, use_color
from convcalc.cli.options import COLOR, FLAG_LAYERS, SET, Argument, Option, Parameter

PARAMETERS: tuple[Parameter, ...] = (
    Argument("spec"),
    Option("--format", "fmt", choices=("table", "json", "csv", "markdown", "latex"), default="table"),
    Option("--batch", "batch", minimum=1, help="Batch size to show instead of the spec's (None when unknown)."),
    Option("--depth", "depth", minimum=0, help="Fold blocks nested deeper than this into one row (not in JSON)."),
    *FLAG_LAYERS,
    SET,
    Option(
        "--receptive-field",
        "receptive",
        switch=True,
        help="Add receptive field size, stride and padding per spatial axis (JSON always has them).",
    ),
    Option(
        "--macs",
        "macs_column",
        switch=True,
        help="Add each layer's MACs and share of them, and total MACs and FLOPs (= 2 x MACs), counted as fvcore counts them.",
    ),
    Option("--shares", "shares", switch=True, help="Add each layer's share of the parameters."),
    Option("--bars", "bars", switch=True, help="Add a bar of each layer's MACs, the heaviest full, and the MACs totals."),
    Option(
        "--memory",
        "memory",
        switch=True,
        help="Add each layer's output size in --dtype, and memory totals with a training estimate.",
    ),
    Option(
        "--dtype",
        "dtype",
        choices=("float32", "float16", "bfloat16", "int8"),
        default="float32",
        help="Element type for --memory and the JSON memory figures.",
    ),
    Option(
        "--weights",
        "weights",
        choices=("fit", "all", "none"),
        default="fit",
        help="The table's Weights column. fit: on a terminal, each layer's first weights that fit its width and "
        "+N more, or no column when too narrow (piped, all on one line); all: every weight, one a line on a "
        "terminal; none: no Weights column.",
    ),
    COLOR,
)


def summary(
    spec: str | None,
    fmt: str,
    batch: int | None,
    depth: int | None,
    framework: str,
    input_shape: str | None,
    layers: tuple[str, ...],
    settings: tuple[str, ...],
    receptive: bool,
    macs_column: bool,
    shares: bool,
    bars: bool,
    memory: bool,
    dtype: str,
    weights: str,
    color: str,
) -> None:
    """Print every layer's output shape, weight shapes and parameter count.

    SPEC is a YAML spec file, - for standard input, or a bundled network's name (`convcalc
    specs` lists them); or give the layers with --layer.

    On a terminal (or with --color always) the table fits the terminal's width: COLUMNS, else
    the terminal's size, else 80. When it is too narrow, a merge's inputs and a layer's outputs
    go on several lines, Weights shows each layer's first weights and +N more or is left out,
    and a long name puts its type under it; a name is never cut. Piped, or with --color never,
    the table is plain text, one line a layer.

    MACs are multiply-accumulates as fvcore counts them: one per kernel weight per output
    position (convolutions, Linear/Dense, matmuls, recurrent and attention products), bias not
    counted; norms, 2-D up-sampling and adaptive average pooling as fvcore's handlers count
    them; activations and other element-wise ops 0. FLOPs = 2 x MACs. With no --batch (the
    batch unknown) MACs and activation sizes are per sample. JSON always has them.

    \b
    Examples:
      convcalc summary seed-example-2
      convcalc summary mnist-cnn --format json | jq -c '.layers[-1].output_shape'    # prints [null,10]
      cat net.yaml | convcalc summary - --batch 32
      convcalc summary --framework keras --input 28,28,1 \\
          --layer "Conv2D(32, 3, activation='relu')" --layer "Conv2D(64, 3)"
      convcalc summary --framework pytorch --input 1,28,28 --layer "Conv2d(1, 32, 3)"
      convcalc summary --framework pytorch --input 3,H,W --layer "Conv2d(3, 8, 3, stride=2)"    # shapes as formulas
      convcalc summary unet.yaml --set H=256 --set W=256    # input: [1, H, W] given sizes
      convcalc summary pytorch-resnet50 --macs --bars --depth 1
      convcalc summary gpt2-small --memory --dtype bfloat16 --batch 8
    """
    if (spec is None) == (not layers):
        raise UsageProblem("give either a SPEC file or --layer options (and --input)")
    report = computed(spec, framework, input_shape, layers, batch, settings)
    if fmt == "json":
        from convcalc.analysis.costs import costs
        from convcalc.analysis.receptive import receptive_fields
        from convcalc.render.json import json_chunks

        # Written as it is made (a large document is never whole in memory), and not through
        # echo, which would search every chunk for colour codes to strip.
        for chunk in json_chunks(report, costs(report, dtype), receptive_fields(report)):
            sys.stdout.write(chunk)
        return
    from convcalc.render import summary_table
    from convcalc.render.columns import NO_COLUMNS

    extra = NO_COLUMNS
    if macs_column or shares or bars or memory:
        from convcalc.analysis.costs import costs
        from convcalc.render.columns import cost_columns

        bars = bars and fmt not in ("csv", "latex")  # a spreadsheet or a paper takes the numbers, not the picture
        extra = cost_columns(report, costs(report, dtype), depth, macs_column, shares, bars, memory, exact=fmt == "csv")
    if receptive:
        from convcalc.analysis.receptive import receptive_fields
        from convcalc.render.columns import field_columns

        extra = extra + field_columns(receptive_fields(report))
    drawn = fmt == "table" and use_color(color, sys.stdout)
    width, ascii = (terminal_width(), not unicode_output(sys.stdout)) if drawn else (80, False)
    text = summary_table(report, fmt, drawn, depth, extra, width, weights, ascii)
    echo(text, nl=False, color=True if drawn else None)  # --color always keeps its styles in a pipe
