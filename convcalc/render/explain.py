"""`convcalc explain`'s output: the steps as text a learner reads, and the `convcalc-explain/1`
JSON document."""

from __future__ import annotations

import textwrap

from convcalc.analysis.explain.steps import Explanation, Step
from convcalc.ops.layout import format_shape

SCHEMA = "convcalc-explain/1"


def _number(value: int | None) -> str:
    return "None" if value is None else f"{value:,}"


def explanation_text(item: Explanation, width: int = 100) -> str:
    """The steps as a learner reads them: `what = formula`, then `= substituted = value`."""
    inputs = ", ".join(format_shape(s) for s in item.input_shapes)
    outputs = format_shape(item.outputs[0]) if len(item.outputs) == 1 else "[" + ", ".join(map(format_shape, item.outputs)) + "]"
    lines = [f"{item.name} ({item.type}): {inputs} -> {outputs}, {item.params:,} params"]
    if item.arguments:
        lines.append("  with " + ", ".join(f"{k}={v!r}" for k, v in item.arguments.items()))
    for part, title in (("shape", "Output shape"), ("weights", "Weights")):
        steps = [s for s in item.steps if s.part == part]
        if not steps:
            continue
        lines += ["", title]
        for step in steps:
            lines += step_lines(step, width)
    return "\n".join(lines) + "\n"


def step_lines(step: Step, width: int) -> list[str]:
    head = f"  {step.what} = {step.formula}"
    value = _number(step.value)
    if step.value is None and step.substituted != "None":
        lines = [f"{head} = {step.substituted}"]
    elif step.substituted in (value, str(step.value)):
        lines = [f"{head} = {value}"]
    else:
        lines = [head, " " * (len(step.what) + 3) + f"= {step.substituted} = {value}"]
    if step.note:
        lines += textwrap.wrap(step.note, width, initial_indent="    ", subsequent_indent="    ")
    return lines


def explain_text(items: tuple[Explanation, ...]) -> str:
    return "\n".join(explanation_text(item) for item in items)


def explain_document(items: tuple[Explanation, ...], framework: str) -> dict[str, object]:
    return {
        "schema": SCHEMA,
        "framework": framework,
        "layers": [
            {
                "name": item.name,
                "type": item.type,
                "arguments": {k: list(v) if isinstance(v, tuple) else v for k, v in item.arguments.items()},
                "input_shapes": [list(s) for s in item.input_shapes],
                "output_shape": list(item.outputs[0]),
                "outputs": [list(s) for s in item.outputs],
                "params": item.params,
                "trainable_params": item.trainable_params,
                "non_trainable_params": item.non_trainable_params,
                "steps": [vars(step) for step in item.steps],
            }
            for item in items
        ],
    }
