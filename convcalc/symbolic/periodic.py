"""Formulas whose value repeats: a sum of floors of quasi-linear terms whose growth cancels
(`2*floor((H + 1)/2) - H`, the padding Keras's `same` adds on a stride-2 axis) takes the same
values on every period of its symbols, for every size, so one period decides a comparison on it
for all sizes. Shape rules ask such questions (`max(total, 0)`, `amount >= 0`); answering them
here keeps a guard out of the run."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from math import gcd, lcm, prod

from convcalc.symbolic.expr import Expr, Floor, Monomial, Symbol

MAX_POINTS = 4096  # points of one period over all symbols: beyond it, no answer (a guard)


class Unproven(Exception):
    """The formula is not of a form whose period is known."""


def slope_period(atom: Symbol | Floor, s: str) -> tuple[Fraction, int]:
    """How an atom grows with `s` (its slope) and a period P after which it has grown by an
    integer, slope * P, for every size: floor(N/c) needs P to make N grow by a multiple of c.

    >>> slope_period(Floor(Expr.symbol("H") + 1, 2), "H")
    (Fraction(1, 2), 2)
    """
    if isinstance(atom, Symbol):
        return (Fraction(1), 1) if atom.name == s else (Fraction(0), 1)
    slope, period = Fraction(0), 1
    for monomial, coefficient in atom.num.terms:
        if not monomial:
            continue
        if len(monomial) != 1 or monomial[0][1] != 1:
            if s in monomial_symbols(monomial):
                raise Unproven(f"floor of a product: {atom}")
            continue
        inner_slope, inner_period = slope_period(monomial[0][0], s)
        slope += coefficient * inner_slope
        period = lcm(period, inner_period)
    need = slope.denominator * atom.den
    step = need // gcd(need, slope.numerator)
    return slope / atom.den, lcm(period, step)


def atom_symbols(atom: Symbol | Floor) -> frozenset[str]:
    return frozenset((atom.name,)) if isinstance(atom, Symbol) else atom.num.symbols()


def monomial_symbols(monomial: Monomial) -> frozenset[str]:
    found: frozenset[str] = frozenset()
    for atom, _ in monomial:
        found |= atom_symbols(atom)
    return found


def periods(expr: Expr) -> dict[str, int] | None:
    """Each symbol's period when `expr` repeats along every symbol (a sum of atoms of one
    symbol each whose slopes cancel), else None.

    >>> H = Expr.symbol("H")
    >>> periods(2 * ((H + 1) // 2) - H), periods(H // 2), periods(H * H)
    ({'H': 2}, None, None)
    """
    slopes: dict[str, Fraction] = {}
    found: dict[str, int] = {}
    try:
        for monomial, coefficient in expr.terms:
            if not monomial:
                continue
            if len(monomial) != 1 or monomial[0][1] != 1:
                return None
            atom = monomial[0][0]
            names = atom_symbols(atom)
            if len(names) != 1:
                return None
            (name,) = names
            slope, period = slope_period(atom, name)
            slopes[name] = slopes.get(name, Fraction(0)) + coefficient * slope
            found[name] = lcm(found.get(name, 1), period)
    except Unproven:
        return None
    if any(slopes.values()):
        return None
    return found


def values_over_period(expr: Expr, lower: dict[str, int], upper: dict[str, float]) -> set[int] | None:
    """Every value a repeating formula takes for symbols within their bounds (one period from
    each symbol's lower bound), or None when it does not repeat, its period is too long to walk,
    or the bounds hold less than one period (then not every value of a period is taken).

    >>> H = Expr.symbol("H")
    >>> sorted(values_over_period(2 * ((H + 1) // 2) + 1 - H, {"H": 1}, {"H": math.inf}))
    [1, 2]
    >>> print(values_over_period(2 * ((H + 1) // 2) + 1 - H, {"H": 4}, {"H": 4}))
    None
    """
    found = periods(expr)
    if found is None or prod(found.values()) > MAX_POINTS:
        return None
    if any(upper.get(n, math.inf) - lower.get(n, 1) + 1 < period for n, period in found.items()):
        return None
    names = sorted(found)
    ranges = [range(lower.get(n, 1), lower.get(n, 1) + found[n]) for n in names]
    return {expr.evaluate(dict(zip(names, point))) for point in itertools.product(*ranges)}
