"""An imported spec against its source: the written text is read back and computed as any spec
is, and every shape the source states for a layer must be the shape convcalc computes for it.

A disagreement means the import (or convcalc's arithmetic) misreads the source: the command
still writes the spec, and reports each place where they differ.
"""

from __future__ import annotations

from convcalc.errors import Diagnostic, Location
from convcalc.ops.layout import format_shape
from convcalc.sources.draft import Draft


def disagreements(draft: Draft, text: str, path: str) -> list[Diagnostic]:
    """Where the spec `text` (read as `path`) computes other shapes than the source records.
    A spec convcalc cannot compute raises its SpecError."""
    from convcalc.engine import run
    from convcalc.spec.loading import load_text

    report = run(load_text(text, path))
    rows = {row.name: row for row in report.rows}
    problems = []
    for name, shapes in draft.recorded.items():
        row = rows.get(name)
        if row is None:
            problems.append(Diagnostic(Location(path), "CC201", f"the source records a layer {name!r} the spec does not hold"))
            continue
        for index, shape in enumerate(shapes):
            computed = row.outputs[index] if index < len(row.outputs) else None
            if shape is not None and computed != shape:
                output = f"output {index}" if index else "output"
                problems.append(
                    Diagnostic(
                        row.source,
                        "CC201",
                        f"the source records the {output} {format_shape(shape)}, convcalc computes "
                        f"{'nothing' if computed is None else format_shape(computed)}",
                        layer=f"{row.name} ({row.type})",
                    )
                )
    return problems
