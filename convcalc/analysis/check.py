"""`convcalc check`: a spec's `expect:` block against the computed report, as Diagnostics."""

from __future__ import annotations

import re

from convcalc.engine import run_all
from convcalc.errors import Diagnostic, SpecError
from convcalc.frameworks.base import Family
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
    if "output_shape" in values:
        problem = shape_problem(tuple(values["output_shape"]), report)
        if problem is not None:
            message, hint = problem
            problems.append(Diagnostic(where["output_shape"], "CC301", message, hint))
    for key, computed in (
        ("params", totals.params),
        ("trainable_params", totals.trainable_params),
        ("non_trainable_params", totals.non_trainable_params),
    ):
        if key in values and not _same(values[key], computed, report):
            problems.append(Diagnostic(where[key], "CC302", f"expected {key} {_figure(values[key])}, computed {computed:,}"))
    if "max_params" in values and _exceeds(totals.params, values["max_params"], report):
        problems.append(
            Diagnostic(where["max_params"], "CC303", f"{totals.params:,} parameters exceed max_params {values['max_params']:,}")
        )
    if "domain" in values:
        differs = domain_problem(values["domain"], report)
        if differs is not None:
            problems.append(Diagnostic(where["domain"], "CC304", differs))
    return problems


def _figure(value: object) -> str:
    """A number with thousands separators; a formula as written."""
    return f"{value:,}" if type(value) is int else str(value)


def _same(expected: object, computed: object, report: Report) -> bool:
    """Whether an expected figure is the computed one: for a formula of the input's symbols
    (`9408*H + 64`, `H/16`), on every size the network accepts (convcalc.symbolic.domain)."""
    if expected is None or (type(expected) is int and type(computed) is int):
        return expected is None or expected == computed
    from convcalc.symbolic.domain import differing
    from convcalc.symbolic.expr import Expr
    from convcalc.symbolic.parse import formula
    from convcalc.symbolic.size import condition

    want = formula(expected) if isinstance(expected, str) else Expr.constant(expected) if type(expected) is int else None
    have = getattr(computed, "expr", None)
    if want is None or have is None:  # a figure that is neither a number nor a formula; a number where a formula was expected
        return want is not None and want.is_constant and want.constant_term == computed
    made = condition(want - have, "==")
    if isinstance(made, bool) or report.symbolic is None:
        return made is True
    return differing(report.symbolic.domain, [made], accepted_only=True) is None


def _exceeds(params: object, bound: int, report: Report) -> bool:
    """Whether the parameters exceed a bound: a formula of the symbols, at some accepted size."""
    if type(params) is int or report.symbolic is None:
        return bool(params > bound)  # type: ignore[operator]
    from convcalc.symbolic.domain import differing
    from convcalc.symbolic.size import condition

    made = condition(bound - getattr(params, "expr"), ">=")  # noqa: B009 - a Size
    return made is False or (not isinstance(made, bool) and differing(report.symbolic.domain, [made], True) is not None)


def domain_problem(expected: object, report: Report) -> str | None:
    """How the sizes the network accepts differ from `expect.domain` (None where they do not).
    With every symbol given a value (`--set`), the stated conditions must hold at those values:
    the network computed, so it accepts them."""
    from convcalc.symbolic.domain import differing
    from convcalc.symbolic.parse import conditions, held

    text, given = expected if isinstance(expected, tuple) else (expected, {})
    stated = conditions(str(text), given)
    shown = ", ".join(f"{k} = {v}" for k, v in given.items())
    if False in stated:
        return f"the network accepts {shown}, which expect.domain {text!r} excludes"
    symbolic = report.symbolic
    if symbolic is None:
        return None
    found = differing(symbolic.domain, held(stated))
    if found is None:
        return None
    point = ", ".join(f"{k} = {v}" for k, v in found.items())
    verdict = "accepts" if symbolic.domain.contains(found) else "rejects"
    return f"expected the accepted sizes {text!r}, computed {symbolic.domain.text!r} (the network {verdict} {point})"


def shape_problem(expected: tuple[int | None, ...], report: Report) -> tuple[str, str] | None:
    """How the output shape differs from the one expected (None where it does not), and a hint.

    The expected shape may leave the batch out (one dimension fewer than the output) or give it,
    as `input:` and the table write shapes; None in it matches any size.
    """
    output = report.output_shape
    if len(expected) == len(output) - 1:
        computed, form = output[1:], " (without the batch)"
    elif len(expected) == len(output):
        computed, form = output, ""
    else:
        counts = f"{len(output)} with the batch, {len(output) - 1} without"
        wanted = f"expected output shape {format_shape(expected)} has {len(expected)} dimension{'s' * (len(expected) != 1)}"
        message = f"{wanted}, the computed {format_shape(output)} has {counts}"
        return message, _missing_flatten(report) if len(output) > len(expected) else ""
    if all(_same(want, have, report) for want, have in zip(expected, computed)):
        return None
    return f"expected output shape {format_shape(expected)}{form}, computed {format_shape(computed)}", ""


def _missing_flatten(report: Report) -> str:
    """A Dense (or Linear) on a feature map works on its last axis and keeps the others: when the
    output has more dimensions than expected, the likely cause is a missing Flatten()."""
    for row in report.rows:
        layer_type = row.layer_type
        if layer_type is not None and layer_type.family is Family.DENSE and row.input_shapes and len(row.input_shapes[0]) >= 4:
            return (
                f"{row.name} ({row.type}) works on the last axis of the feature map {format_shape(row.input_shapes[0])}: "
                "a Flatten() before it?"
            )
    return ""


def check_path(path: str, values: dict[str, int] | None = None) -> tuple[list[Diagnostic], int]:
    """The problems of one spec file and its exit status: 0 pass, 1 expectation failed, 2 bad
    spec. Every problem that does not follow from an earlier one (engine.run_all), sorted by
    where it is; the expectations are compared once the spec computes. `values` (--set) give
    the input's symbols sizes."""
    read: list[Diagnostic] = []  # the bad keys of `expect:`, each left out
    try:
        spec = load_path(path, read)
        if values:
            from convcalc.spec.setting import with_values

            spec = with_values(spec, values)
    except SpecError as exc:
        return [exc.diagnostic], 2
    return check_spec(spec, read)


def check_spec(spec: Spec, read: list[Diagnostic]) -> tuple[list[Diagnostic], int]:
    """The problems of a spec read (with those its reading collected, `read`) and the status."""
    outcome = run_all(spec)
    if outcome.report is None:
        return ordered([*read, *outcome.problems]), 2
    problems = ordered([*read, *expectation_problems(spec, outcome.report)])
    return problems, 2 if read else 1 if problems else 0


def ordered(problems: list[Diagnostic]) -> list[Diagnostic]:
    """Problems in the order of the file, as ruff lists them."""
    return sorted(problems, key=lambda p: (p.location.line, p.location.column))


SPEC_SUFFIXES = (".convcalc.yaml", ".convcalc.yml")
SPEC_KEYS = frozenset(("input", "inputs", "framework", "blocks", "expect", "batch", "outputs"))
TOP_KEY = re.compile(r"""^["']?([A-Za-z_][A-Za-z0-9_-]*)["']?[ \t]*:""", re.M)


def is_spec(path: str, text: str) -> bool:
    """Whether a YAML file is a convcalc spec, for `check --specs-only` (the pre-commit hook,
    which sees every YAML file of a repository: workflows, docker-compose files, its own
    config). A spec is a file named *.convcalc.yaml, or one with a top-level `layers:` key, or a
    key so close to it that it is surely a spec with a typo (`layer:`, `Layers:`), which check
    then reports, when another key of a spec is there too (`input:`, `framework:`...). Read
    from the text, so a spec too broken to parse is still checked.

    >>> is_spec("models/net.yaml", "input: [4]\\nlayers:\\n  - Dense(2)\\n"), is_spec("ci.yml", "on: push\\njobs: {}\\n")
    (True, False)
    >>> is_spec("net.yaml", "input: [4]\\nlayer: [Dense(2)]\\n"), is_spec("x.convcalc.yaml", ""), is_spec("g.yaml", "players: 2")
    (True, True, False)
    """
    if path.endswith(SPEC_SUFFIXES):
        return True
    import difflib

    keys = {match.group(1) for match in TOP_KEY.finditer(text)}
    if text.lstrip().startswith("{"):  # a flow mapping: {input: [4], layers: [...]}
        keys |= set(re.findall(r"[{,]\s*[\"']?(\w+)[\"']?\s*:", text))
    if "layers" in keys:
        return True
    near = any(difflib.SequenceMatcher(None, key.lower(), "layers").ratio() >= 0.8 for key in keys)
    return near and bool(keys & SPEC_KEYS)  # `players:` alone is some other file's
