"""`--set H=224`: a spec's symbols given values, before anything is computed.

The spec that results is the one the user would have written with the numbers: its inputs,
`assume:` and `expect:` hold the values (a symbol left out stays a symbol). An assumption the
values break is an error at the assumption, as the first thing to know."""

from __future__ import annotations

from convcalc.errors import Location, SpecError, did_you_mean
from convcalc.spec.model import Assumption, Expect, InputSpec, Spec

WHERE = Location("--set")


def parse_settings(items: tuple[str, ...]) -> dict[str, int]:
    """`--set H=224 --set W=320` as {"H": 224, "W": 320}.

    >>> parse_settings(("H=224", " W = 320 "))
    {'H': 224, 'W': 320}
    """
    values: dict[str, int] = {}
    for item in items:
        name, equals, value = (part.strip() for part in item.partition("="))
        if not equals or not name.isidentifier() or not value.isdigit() or len(value) > 14 or int(value) < 1:
            raise SpecError.at(
                WHERE, "CC003", f"--set takes NAME=SIZE with a positive whole size, found {item!r}", hint="e.g. --set H=224"
            )
        values[name] = int(value)
    return values


def with_values(spec: Spec, values: dict[str, int]) -> Spec:
    """The spec with `values` in place of the symbols they name."""
    if not values:
        return spec
    symbols = spec.symbols
    for name in values:
        if name not in symbols:
            known = ", ".join(symbols) if symbols else "none: its input sizes are numbers"
            raise SpecError.at(
                WHERE,
                "CC003",
                f"--set {name}=...: the spec has no symbol {name!r} (its symbols: {known})",
                hint=did_you_mean(name, symbols),
            )
    inputs = tuple(
        InputSpec(i.name, tuple(values.get(d, d) if isinstance(d, str) else d for d in i.shape), i.location) for i in spec.inputs
    )
    return spec.replace(inputs=inputs, assume=_assumed(spec.assume, values), expect=_expected(spec.expect, values))


def _assumed(assume: tuple[Assumption, ...], values: dict[str, int]) -> tuple[Assumption, ...]:
    from convcalc.symbolic.parse import conditions

    kept = []
    for assumption in assume:
        stated = conditions(assumption.text, values)
        if False in stated:
            shown = ", ".join(f"{k}={v}" for k, v in values.items())
            raise SpecError.at(
                assumption.location,
                "CC003",
                f"--set {shown} breaks the spec's assumption {assumption.text!r}",
                hint="give sizes the spec assumes, or change its `assume:`",
            )
        left = tuple(c for c in stated if not isinstance(c, bool))
        if left:
            kept.append(Assumption(assumption.text, left, assumption.location))
    return tuple(kept)


def _expected(expect: Expect | None, values: dict[str, int]) -> Expect | None:
    """`expect:` with the values in its formulas: a formula with no symbol left is its number."""
    if expect is None:
        return None
    from convcalc.symbolic.parse import formula

    def substituted(value: object) -> object:
        if not isinstance(value, str):
            return value
        expr = formula(value, values)
        return expr.constant_term if expr.is_constant else value

    changed = dict(expect.values)
    for key, value in expect.values.items():
        if key == "output_shape":
            changed[key] = tuple(substituted(v) for v in value)
        elif key == "domain":  # checked at these sizes: accepted exactly when they meet it
            text, given = value if isinstance(value, tuple) else (value, {})
            changed[key] = (text, {**given, **values})
        else:
            changed[key] = substituted(value)
    return Expect(changed, expect.locations)
