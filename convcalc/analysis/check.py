"""`convcalc check`: a spec's `expect:` block against the computed report, as Diagnostics."""

from __future__ import annotations

from convcalc.engine import run
from convcalc.errors import Diagnostic, SpecError
from convcalc.ops.layout import format_shape
from convcalc.report import Report
from convcalc.spec.loading import load_path
from convcalc.spec.model import Spec


def expectation_problems(spec: Spec, report: Report) -> list[Diagnostic]:
    """Every way the report disagrees with the spec's `expect:` block (none without one)."""
    if spec.expect is None:
        return []
    values, where = spec.expect.values, spec.expect.locations
    totals = report.totals
    problems = []
    if "output_shape" in values and tuple(values["output_shape"]) != report.output_shape:
        problems.append(
            Diagnostic(
                where["output_shape"],
                "CC301",
                f"expected output shape {format_shape(values['output_shape'])}, computed {format_shape(report.output_shape)}",
            )
        )
    for key, computed in (
        ("params", totals.params),
        ("trainable_params", totals.trainable_params),
        ("non_trainable_params", totals.non_trainable_params),
    ):
        if key in values and values[key] != computed:
            problems.append(Diagnostic(where[key], "CC302", f"expected {key} {values[key]:,}, computed {computed:,}"))
    if "max_params" in values and totals.params > values["max_params"]:
        problems.append(
            Diagnostic(where["max_params"], "CC303", f"{totals.params:,} parameters exceed max_params {values['max_params']:,}")
        )
    return problems


def check_path(path: str) -> tuple[list[Diagnostic], int]:
    """The problems of one spec file and its exit status: 0 pass, 1 expectation failed, 2 bad spec."""
    try:
        spec = load_path(path)
        report = run(spec)
    except SpecError as exc:
        return [exc.diagnostic], 2
    problems = expectation_problems(spec, report)
    return problems, 1 if problems else 0
