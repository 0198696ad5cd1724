"""What a run on symbols needs besides the sizes: the hints it runs at (values consistent with
`assume:`), the bounds and divisibility facts `assume:` states, and the record a report keeps of
its symbols (their hints, the guards the run took, the accepted sizes)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from math import lcm
from typing import TYPE_CHECKING, Any

from convcalc.errors import Diagnostic
from convcalc.record import Record
from convcalc.symbolic.expr import Expr, Floor, Symbol
from convcalc.symbolic.size import Condition, Guard, Space

if TYPE_CHECKING:
    from convcalc.symbolic.domain import Domain

CANDIDATES = (224, 256, 512, 1024, 128, 384, 64, 32, 16)
"""Hints tried in turn, all symbols alike: an image network takes 224 x 224, a sequence model a
few hundred tokens; the first the network accepts (and `assume:` allows) is the run's hint."""


class Path(Record):
    """One run at given sizes: the guards it took in order, whether the network accepted the
    sizes, and if not the problem (its first failing layer and why)."""

    __slots__ = ("values", "guards", "problem")

    values: dict[str, int]
    guards: tuple[Condition, ...]
    problem: Diagnostic | None

    def __init__(self, values: dict[str, int], guards: tuple[Condition, ...], problem: Diagnostic | None = None) -> None:
        self.values = values
        self.guards = guards
        self.problem = problem

    @property
    def accepted(self) -> bool:
        return self.problem is None

    def holds(self, values: dict[str, int]) -> bool:
        return all(c.holds(values) for c in self.guards)


Runner = Callable[[dict[str, int]], Path]


class Symbolic(Record):
    """A report's symbols: the hint each stands at, the guards the run took (the conditions
    under which its formulas hold), the assumptions, and the sizes the network accepts."""

    __slots__ = ("symbols", "space", "guards", "assumed", "domain", "rejected")

    symbols: tuple[str, ...]
    space: Space
    guards: tuple[Guard, ...]
    assumed: tuple[Any, ...]  # spec.model.Assumption
    domain: Domain
    rejected: tuple[dict[str, int], Diagnostic | None] | None  # a size the network rejects, and why (its concrete run)

    def __init__(
        self,
        symbols: tuple[str, ...],
        space: Space,
        guards: tuple[Guard, ...],
        assumed: tuple[Any, ...],
        domain: Domain,
        rejected: tuple[dict[str, int], Diagnostic | None] | None = None,
    ) -> None:
        self.symbols = symbols
        self.space = space
        self.guards = guards
        self.assumed = assumed
        self.domain = domain
        self.rejected = rejected

    @property
    def hints(self) -> dict[str, int]:
        return self.space.hints


def stated(assumed: tuple[Any, ...]) -> list[Condition]:
    return [c for assumption in assumed for c in assumption.conditions]


def bounds(conditions: list[Condition]) -> tuple[dict[str, int], dict[str, int]]:
    """The lower and upper bounds that conditions of the form a*H + b >= 0 set.

    >>> from convcalc.symbolic.parse import conditions
    >>> bounds([c for c in conditions("32 <= H <= 1024 and W >= 2") if not isinstance(c, bool)])
    ({'H': 32, 'W': 2}, {'H': 1024})
    """
    lower: dict[str, int] = {}
    upper: dict[str, int] = {}
    for made in conditions:
        linear = _linear(made)
        if linear is None or made.op != ">=":
            continue
        name, a, b = linear
        if a > 0:
            lower[name] = max(lower.get(name, 1), -(b // a))  # H >= ceil(-b/a)
        else:
            upper[name] = min(upper.get(name, b // -a), b // -a)
    return lower, upper


def _linear(made: Condition) -> tuple[str, int, int] | None:
    """(H, a, b) for a condition on a*H + b."""
    varying = [(m, c) for m, c in made.expr.terms if m]
    if len(varying) != 1:
        return None
    ((monomial, a),) = varying
    if len(monomial) != 1 or monomial[0][1] != 1 or not isinstance(monomial[0][0], Symbol):
        return None
    return monomial[0][0].name, a, made.expr.constant_term


def facts(conditions: list[Condition]) -> dict[str, int]:
    """The divisibility each symbol is assumed to have: `H % 32 == 0` gives {"H": 32}.

    >>> from convcalc.symbolic.parse import conditions
    >>> facts([c for c in conditions("H % 32 == 0 and W % 8 == 0 and W % 3 == 0") if not isinstance(c, bool)])
    {'H': 32, 'W': 24}
    """
    found: dict[str, int] = {}
    for made in conditions:
        modulus = multiple_of(made)
        if modulus is not None:
            name, m = modulus
            found[name] = lcm(found.get(name, 1), m)
    return found


def multiple_of(made: Condition) -> tuple[str, int] | None:
    """(H, m) when the condition says H % m == 0, i.e. H - m*floor(H/m) == 0."""
    if made.op != "==" or len(made.expr.terms) != 2:
        return None
    found: dict[str, int] = {}
    floors: list[tuple[Floor, int]] = []
    for monomial, coefficient in made.expr.terms:
        if len(monomial) != 1 or monomial[0][1] != 1:
            return None
        atom = monomial[0][0]
        if isinstance(atom, Symbol):
            found[atom.name] = coefficient
        else:
            floors.append((atom, coefficient))
    if len(found) != 1 or len(floors) != 1:
        return None
    ((name, a),) = found.items()
    floor, b = floors[0]
    if a != 1 or floor.num != Expr.symbol(name) or b != -floor.den:
        return None
    return name, floor.den


def candidates(symbols: tuple[str, ...], conditions: list[Condition]) -> Iterator[dict[str, int]]:
    """Hints to try, all symbols alike, that meet `conditions`; then, for each symbol, the first
    size from 1 up to 4096 that meets the conditions on it alone."""
    seen = []
    for value in CANDIDATES:
        values = dict.fromkeys(symbols, value)
        if all(c.holds(values) for c in conditions):
            seen.append(values)
            yield values
    single = {}
    for name in symbols:
        own = [c for c in conditions if c.symbols() == {name}]
        single[name] = next((v for v in range(1, 4097) if all(c.holds({name: v}) for c in own)), 1)
    if single not in seen and all(c.holds(single) for c in conditions):
        yield single


def make_space(hints: dict[str, int], conditions: list[Condition]) -> Space:
    """A run's space: the hints, with the bounds the assumptions state (so that, say, `H >= 32`
    settles `floor(H/32) >= 1` without a guard)."""
    lower, upper = bounds(conditions)
    return Space(hints, lower, upper)
