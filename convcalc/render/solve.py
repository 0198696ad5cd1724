"""`convcalc solve`'s output: a table (plain or rich) and the `convcalc-solve/1` JSON document."""

from __future__ import annotations

from convcalc.analysis.solve.layer import LayerAnswer
from convcalc.analysis.solve.length import LengthAnswer
from convcalc.ops.layout import format_shape

SCHEMA = "convcalc-solve/1"

Answer = LengthAnswer | LayerAnswer


def document(answer: Answer, limit: int | None = None) -> dict[str, object]:
    """The JSON document of either problem; `limit` cuts its list of answers (not its count)."""
    return layer_document(answer, limit) if isinstance(answer, LayerAnswer) else length_document(answer, limit)


def table(answer: Answer, color: bool, limit: int | None = None) -> str:
    """The table of either problem, at most `limit` rows of answers."""
    return layer_table(answer, color, limit) if isinstance(answer, LayerAnswer) else length_table(answer, color, limit)


def _bounds_text(answer: LengthAnswer) -> str:
    fixed, bounds = answer.fixed, answer.bounds
    parts = []
    if fixed.kernel is None:
        parts.append(f"kernel <= {bounds.kernel}")
    if fixed.stride is None:
        parts.append(f"stride <= {bounds.stride}")
    if fixed.dilation is None and answer.terms.dilation:
        limit = bounds.dilation_limit(answer.operation)
        parts.append(f"dilation <= {limit}" if limit > 1 else "no dilation")
    if fixed.padding is None and answer.framework == "pytorch":
        parts.append("padding <= kernel // 2" if answer.operation == "pool" else "padding <= dilated kernel // 2")
    return ", ".join(parts)


def length_document(answer: LengthAnswer, limit: int | None = None) -> dict[str, object]:
    terms = answer.terms
    fixed = {
        terms.kernel: answer.fixed.kernel,
        terms.stride: answer.fixed.stride,
        terms.padding: answer.fixed.padding,
        terms.dilation or "dilation": answer.fixed.dilation,
    }
    return {
        "schema": SCHEMA,
        "problem": "length",
        "framework": answer.framework,
        "operation": answer.operation,
        "input": answer.length,
        "output": answer.target,
        "fixed": {k: v for k, v in fixed.items() if v is not None},
        "bounds": {
            "kernel": answer.bounds.kernel,
            "stride": answer.bounds.stride,
            "dilation": answer.bounds.dilation_limit(answer.operation),
        },
        "count": len(answer.settings),
        "settings": [s.arguments(terms) for s in answer.settings[: limit or None]],
        "reason": answer.reason or None,
    }


def _cell(value: object) -> str:
    return "None" if value is None else str(value)


def length_table(answer: LengthAnswer, color: bool, limit: int | None = None) -> str:
    """One row per setting in the framework's names, with the call's keyword arguments to copy."""
    count = len(answer.settings)
    head = f"{answer.what}: {answer.length} -> {answer.target}"
    if not count:
        return f"{head}\n{answer.reason}\n"
    terms = answer.terms
    shown = answer.settings if not limit else answer.settings[:limit]
    names = list(shown[0].arguments(terms))
    headers = [*names, "arguments"]
    rows = [[*(_cell(v) for v in s.arguments(terms).values()), s.written(answer.framework, answer.operation)] for s in shown]
    title = f"{head}: {count} setting{'s' * (count != 1)}, smallest first ({_bounds_text(answer)})"
    footer = [f"... and {count - len(shown)} more: --limit 0 shows all, or fix --kernel/--stride"] if len(shown) < count else []
    if color:
        from convcalc.render.grid import rich_table

        return rich_table(title, headers, rows, footer)
    from convcalc.render.grid import plain_table

    return "\n".join([title, *plain_table(headers, rows), *footer]) + "\n"


def layer_document(answer: LayerAnswer, limit: int | None = None) -> dict[str, object]:
    return {
        "schema": SCHEMA,
        "problem": "layer",
        "spec": answer.path,
        "framework": answer.framework,
        "layer": answer.layer,
        "type": answer.type,
        "layer_output_shape": list(answer.layer_output),
        "output_shape": list(answer.output),
        "target": list(answer.target),
        "params": answer.params,
        "searched": list(answer.searched),
        "count": len(answer.changes),
        "changes": [
            {
                "arguments": {name: {"old": old, "new": new} for name, old, new in change.arguments},
                "layer_output_shape": list(change.layer_output),
                "output_shape": list(change.output),
                "params": change.params,
            }
            for change in answer.changes[: limit or None]
        ],
        "reason": answer.reason or None,
    }


def _signed(number: int) -> str:
    return f"{number:+,}" if number else "0"


def layer_table(answer: LayerAnswer, color: bool, limit: int | None = None) -> str:
    """One row per working change: the new arguments, the layer's and the network's new output."""
    head = (
        f"{answer.layer} ({answer.type}) in {answer.path}: output {format_shape(answer.output)}, "
        f"wanted {format_shape(answer.target)}"
    )
    count = len(answer.changes)
    if not count:
        return f"{head}\n{answer.reason}\n"
    shown = answer.changes if not limit else answer.changes[:limit]
    headers = ["change", f"{answer.layer} output", "output", "Total params"]
    rows = [
        [c.text(), format_shape(c.layer_output), format_shape(c.output), f"{c.params:,} ({_signed(c.params - answer.params)})"]
        for c in shown
    ]
    title = f"{head}: {count} change{'s' * (count != 1)}, fewest arguments first"
    footer = [f"... and {count - len(shown)} more: --limit 0 shows all"] if len(shown) < count else []
    right = frozenset({"Total params"})
    if color:
        from convcalc.render.grid import rich_table

        return rich_table(title, headers, rows, footer, right)
    from convcalc.render.grid import plain_table

    return "\n".join([title, *plain_table(headers, rows, right), *footer]) + "\n"
