"""`convcalc solve`'s output: a table (plain or rich) and the `convcalc-solve/1` JSON document."""

from __future__ import annotations

from convcalc.analysis.solve.budget import Between, Figures, SizeAnswer
from convcalc.analysis.solve.layer import Change, LayerAnswer
from convcalc.analysis.solve.length import LengthAnswer
from convcalc.analysis.solve.repair import RepairAnswer
from convcalc.errors import Diagnostic
from convcalc.ops.layout import format_shape

SCHEMA = "convcalc-solve/1"

Answer = LengthAnswer | LayerAnswer | RepairAnswer


def document(answer: Answer, limit: int | None = None) -> dict[str, object]:
    """The JSON document of any problem; `limit` cuts its list of answers (not its count)."""
    if isinstance(answer, RepairAnswer):
        return repair_document(answer, limit)
    return layer_document(answer, limit) if isinstance(answer, LayerAnswer) else length_document(answer, limit)


def table(answer: Answer, color: bool, limit: int | None = None) -> str:
    """The table of any problem, at most `limit` rows of answers."""
    if isinstance(answer, RepairAnswer):
        return repair_table(answer, color, limit)
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
        "goal": answer.goal,
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
    now = (
        f"{answer.layer} output {format_shape(answer.layer_output)}"
        if answer.goal == "layer"
        else f"output {format_shape(answer.output)}"
    )
    head = f"{answer.layer} ({answer.type}) in {answer.path}: {now}, wanted {format_shape(answer.target)}"
    count = len(answer.changes)
    if not count:
        return f"{head}\n{answer.reason}\n"
    shown = answer.changes if not limit else answer.changes[:limit]
    headers = ["change", f"{answer.layer} output", "output", "Total params"]
    rows = [[c.text(), format_shape(c.layer_output), format_shape(c.output), _params(c.params, answer.params)] for c in shown]
    title = f"{head}: {count} change{'s' * (count != 1)}, fewest arguments first"
    return _grid(title, headers, rows, count - len(shown), color)


def _params(params: int | None, before: int) -> str:
    return "?" if params is None else f"{params:,} ({_signed(params - before)})"


def _grid(title: str, headers: list[str], rows: list[list[str]], more: int, color: bool) -> str:
    footer = [f"... and {more} more: --limit 0 shows all"] if more else []
    right = frozenset({"Total params"})
    if color:
        from convcalc.render.grid import rich_table

        return rich_table(title, headers, rows, footer, right)
    from convcalc.render.grid import plain_table

    return "\n".join([title, *plain_table(headers, rows, right), *footer]) + "\n"


def _change(change: Change) -> dict[str, object]:
    return {
        "layer": change.layer,
        "arguments": {name: {"old": old, "new": new} for name, old, new in change.arguments},
        "layer_output_shape": list(change.layer_output),
        "output_shape": list(change.output) if change.then is None else None,
        "params": change.params,
        "then": None if change.then is None else _problem(change.then),
    }


def _problem(problem: Diagnostic) -> dict[str, object]:
    where = problem.location
    return {
        "layer": problem.node or None,
        "code": problem.code,
        "message": problem.message,
        "hint": problem.hint or None,
        "line": where.line or None,
        "column": where.column or None,
    }


def repair_document(answer: RepairAnswer, limit: int | None = None) -> dict[str, object]:
    """`solve SPEC` on a spec that fails: the problem, and the changes that make it compute."""
    return {
        "schema": SCHEMA,
        "problem": "repair",
        "spec": answer.path,
        "framework": answer.framework,
        "layer": answer.layer or None,
        "type": answer.type or None,
        "error": _problem(answer.problem),
        "searched": list(answer.searched),
        "computes": answer.computes,
        "count": len(answer.changes),
        "changes": [_change(change) for change in answer.changes[: limit or None]],
        "reason": answer.reason or None,
    }


def repair_table(answer: RepairAnswer, color: bool, limit: int | None = None) -> str:
    """The problem, then one row per change: the layer changed, its new arguments, the output."""
    problem = answer.problem
    hint = f" ({problem.hint})" if problem.hint else ""
    head = f"{answer.path} fails at {problem.layer or problem.location}: {problem.code} {problem.message}{hint}"
    count = len(answer.changes)
    if not count:
        return f"{head}\n{answer.reason}\n"
    shown = answer.changes if not limit else answer.changes[:limit]
    if answer.computes:
        title = f"{count} change{'s' * (count != 1)} that make{'s' * (count == 1)} the spec compute, fewest arguments first"
        headers = ["layer", "change", "its output", "output", "Total params"]
        rows = [[c.layer, c.text(), format_shape(c.layer_output), format_shape(c.output), f"{c.params:,}"] for c in shown]
    else:
        title = (
            f"no single change makes the spec compute; {count} change{'s' * (count != 1)} that get {answer.layer} "
            "computing, fewest arguments first, and where the spec fails then"
        )
        headers = ["layer", "change", "its output", "then"]
        rows = [[c.layer, c.text(), format_shape(c.layer_output), _then(c.then)] for c in shown]
    return head + "\n" + _grid(title, headers, rows, count - len(shown), color)


def _then(problem: Diagnostic | None) -> str:
    return "" if problem is None else f"{problem.layer or problem.location}: {problem.code} {problem.message}"


def _sizes_text(values: dict[str, int]) -> str:
    return ", ".join(f"{name} = {value}" for name, value in values.items())


def _figures_text(figures: Figures | None) -> str:
    if figures is None:
        return "rejected"
    from convcalc.render.columns import compact
    from convcalc.render.text import readable_size

    memory = "?" if figures.memory is None else readable_size(figures.memory)
    return f"MACs {compact(figures.macs)}, params {compact(figures.params)}, memory {memory}"


def _budget_text(answer: SizeAnswer) -> str:
    from convcalc.render.columns import compact
    from convcalc.render.text import readable_size

    return " and ".join(
        f"{name if name != 'macs' else 'MACs'} <= {readable_size(limit) if name == 'memory' else compact(limit)}"
        for name, limit in answer.budget.items()
    )


def size_table(answer: SizeAnswer) -> str:
    """solve --maximize/--minimize: the size found and its figures, then the next accepted size
    and what it would cost."""
    which = "Largest" if answer.maximize else "Smallest"
    moving = f" ({', '.join(f'{s} = {answer.symbol}' for s in answer.tied)})" if answer.tied else ""
    lines = [f"{which} accepted {answer.symbol} with {_budget_text(answer)}{moving}:"]
    if answer.values is None:
        lines.append(f"  none: {answer.reason}")
    else:
        lines.append(f"  {_sizes_text(answer.values)}: {_figures_text(answer.figures)}")
    if answer.beyond is not None:
        label = "next accepted size" if answer.values is not None else "smallest accepted size"
        lines.append(f"  {label}, {_sizes_text(answer.beyond)}: {_figures_text(answer.beyond_figures)}")
    elif answer.reason and answer.values is not None:
        lines.append(f"  ({answer.reason})")
    return "\n".join(lines) + "\n"


def _figures_data(figures: Figures | None) -> dict[str, int | None] | None:
    return None if figures is None else {"macs": figures.macs, "params": figures.params, "memory": figures.memory}


def size_document(answer: SizeAnswer) -> dict[str, object]:
    """The JSON document of solve --maximize/--minimize."""
    return {
        "schema": SCHEMA,
        "problem": "size",
        "spec": answer.spec,
        "symbol": answer.symbol,
        "goal": "maximize" if answer.maximize else "minimize",
        "budget": dict(answer.budget),
        "moves_with": list(answer.tied),
        "sizes": answer.values,
        "figures": _figures_data(answer.figures),
        "next": None if answer.beyond is None else {"sizes": answer.beyond, "figures": _figures_data(answer.beyond_figures)},
        "reason": answer.reason or None,
    }


def between_table(answer: Between) -> str:
    """solve --accepted H=LOW..HIGH: the accepted sizes in the range, and the accepted set."""
    moving = f" ({', '.join(f'{s} = {answer.symbol}' for s in answer.tied)})" if answer.tied else ""
    count = len(answer.sizes)
    head = f"{answer.symbol} from {answer.low} to {answer.high}{moving}: {count} accepted size{'s' * (count != 1)}"
    listed = ", ".join(map(str, answer.sizes)) if answer.sizes else "none"
    return f"{head} (accepted: {answer.domain})\n  {listed}\n"


def between_document(answer: Between) -> dict[str, object]:
    """The JSON document of solve --accepted."""
    return {
        "schema": SCHEMA,
        "problem": "accepted",
        "spec": answer.spec,
        "symbol": answer.symbol,
        "low": answer.low,
        "high": answer.high,
        "moves_with": list(answer.tied),
        "count": len(answer.sizes),
        "sizes": list(answer.sizes),
        "accepted": answer.domain,
    }
