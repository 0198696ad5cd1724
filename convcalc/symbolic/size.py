"""A size that is a formula of the input's symbols but computes like an int, so that every
layer's shape rule (written with ints) runs unchanged on symbols.

Arithmetic (+, -, *, //, %, **) builds the formula. A comparison (`if n < k: raise`, `a == b`,
max, min) has no answer for every value of the symbols: it is answered at the *hint* (the value
each symbol stands at in this run, from `--set`-free defaults consistent with `assume:`) and the
answer taken is recorded as a guard, as torch.export records its guards. The guards of a run
are the conditions under which its formulas hold; a comparison that every value of the symbols
answers the same way (H + 1 > 0) records nothing. What an int can do and a formula cannot
(`int(n)`, `range(n)`, `n / 2`) *specializes*: it records the guard `n == hint` and goes on with
the number, so the result stays right, for that size only.
"""

from __future__ import annotations

import math
from math import gcd

from convcalc.record import Record
from convcalc.symbolic.expr import Expr, Floor, Symbol, text

INFINITY = math.inf
OPERATORS = ("==", "!=", ">=")


class Condition(Record):
    """`expr == 0`, `expr != 0` or `expr >= 0`, in a canonical form (common factors divided
    out, the first term positive for == and !=), shown the way people write it.

    >>> H = Expr.symbol("H")
    >>> print(condition(H - H // 2 * 2, "=="), condition(H // 16 - 1, ">="), condition(2 * H - 6, "!="))
    H % 2 == 0 H >= 16 H != 3
    >>> print(Condition(H // 2 * 2 - H, ">="))
    H % 2 <= 0
    """

    __slots__ = ("expr", "op")

    expr: Expr
    op: str

    def __init__(self, expr: Expr, op: str) -> None:
        self.expr = expr
        self.op = op

    def holds(self, values: dict[str, int]) -> bool:
        value = self.expr.evaluate(values)
        return value == 0 if self.op == "==" else value != 0 if self.op == "!=" else value >= 0

    def symbols(self) -> frozenset[str]:
        return self.expr.symbols()

    def negated(self) -> Condition:
        if self.op == ">=":
            return Condition(-self.expr - 1, ">=")
        return Condition(self.expr, "!=" if self.op == "==" else "==")

    def text(self, facts: dict[str, int] | None = None) -> str:
        return condition_text(self.expr, self.op, facts)

    def __str__(self) -> str:
        return self.text()


def condition(expr: Expr, op: str) -> Condition | bool:
    """The canonical condition `expr op 0`, or its truth when it does not depend on any symbol."""
    if expr.is_constant:
        value = expr.constant_term
        return value == 0 if op == "==" else value != 0 if op == "!=" else value >= 0
    constant = expr.constant_term
    varying = [c for m, c in expr.terms if m]
    common = gcd(*varying)
    if op == ">=":  # g*A + b >= 0  <=>  A + floor(b/g) >= 0 (A is an integer)
        reduced = Expr({m: c // common for m, c in expr.terms if m}) + constant // common
        return _unfloored(reduced)
    if constant % common:  # g*A == b has no integer solution unless g divides b
        return op == "!="
    sign = -1 if varying[0] < 0 else 1
    return Condition(Expr({m: sign * c // common for m, c in expr.terms}), op)


def _unfloored(expr: Expr) -> Condition | bool:
    """`a*floor(N/c) + k >= 0` as a condition on N itself: floor(N/c) >= m is N >= m*c, and
    floor(N/c) <= m is N <= m*c + c - 1 (so `ceil(H/2) >= 112` reads `H >= 223`)."""
    varying = [(m, c) for m, c in expr.terms if m]
    if len(varying) != 1 or len(varying[0][0]) != 1 or varying[0][0][0][1] != 1:
        return Condition(expr, ">=")
    (((atom, _),), coefficient) = varying[0]
    if not isinstance(atom, Floor) or abs(coefficient) != 1:
        return Condition(expr, ">=")
    constant = expr.constant_term
    if coefficient > 0:  # floor(N/c) >= -k
        return condition(atom.num + constant * atom.den, ">=")
    return condition(constant * atom.den + atom.den - 1 - atom.num, ">=")  # floor(N/c) <= k


def condition_text(expr: Expr, op: str, facts: dict[str, int] | None = None) -> str:
    """`left op right` with the positive terms on the left (`H % 16 == 0`, `H >= 16`,
    `floor(H/16)*floor(W/16) == 196`)."""
    positive = Expr({m: c for m, c in expr.terms if c > 0})
    negative = Expr({m: -c for m, c in expr.terms if c < 0})
    whole = text(expr, facts)
    if "%" in whole:  # a modulus reads best whole: `H % 16 == 0`, `(H + 1) % 4 == 1`
        constant = expr.constant_term
        rest = text(expr - constant, facts)
        if "%" in rest and not (expr - constant).is_constant:
            if rest.startswith("-"):  # `-(6*F) % 7 >= 0` would read as Python's (-(6*F)) % 7: `(6*F) % 7 <= 0`
                negated = text(constant - expr, facts)
                if not negated.startswith("-"):
                    return f"{negated} {_flipped(op)} {constant}"
            return f"{rest} {op} {-constant}"
    if positive.is_constant and not negative.is_constant:  # 16 - H >= 0 reads H <= 16
        return f"{text(negative, facts)} {_flipped(op)} {text(positive, facts)}"
    return f"{text(positive, facts)} {op} {text(negative, facts)}"


def _flipped(op: str) -> str:
    return "<=" if op == ">=" else op


class SymbolicValue(TypeError):
    """A formula used as a number after its run (by an analysis or a renderer): a mistake of
    convcalc's, caught in its tests; the run itself records a guard instead."""


class Guard(Record):
    """A condition a run took at its hint, and the layer whose arithmetic asked it."""

    __slots__ = ("condition", "layer", "specialized")

    condition: Condition
    layer: str
    specialized: bool  # an int was needed (int(), range(), /): the formula holds at the hint only

    def __init__(self, condition: Condition, layer: str = "", specialized: bool = False) -> None:
        self.condition = condition
        self.layer = layer
        self.specialized = specialized


class Space:
    """The symbols of one run: each one's hint and bounds, and the guards the run records."""

    __slots__ = ("hints", "lower", "upper", "guards", "layer", "facts", "closed", "_seen", "exprs")

    def __init__(self, hints: dict[str, int], lower: dict[str, int] | None = None, upper: dict[str, int] | None = None) -> None:
        self.hints = dict(hints)
        self.lower = {name: 1 for name in hints} | (lower or {})
        self.upper: dict[str, float] = {name: INFINITY for name in hints} | (upper or {})
        self.guards: list[Guard] = []
        self.layer = ""  # the layer being built: guards name it
        self.facts: dict[str, int] = {}  # symbol -> a modulus it is a multiple of: text shows H/16 for floor(H/16)
        self.closed = False  # the run is over: a comparison now would be a guard nobody sees
        self._seen: set[Condition] = set()
        self.exprs: dict[str, Expr] = {name: Expr.symbol(name) for name in hints}

    def symbol(self, name: str) -> Size:
        return Size(self.exprs[name], self.hints[name], self)

    def size(self, expr: Expr, hint: int) -> Size | int:
        """The size of a formula: a plain int when it depends on no symbol."""
        if expr.is_constant:
            return expr.constant_term
        return Size(expr, hint, self)

    def decide(self, expr: Expr, op: str, value: int) -> bool:
        """Whether `expr op 0` holds, `value` being expr at the hint: answered for every value of
        the symbols where their bounds settle it, else at the hint, recorded as a guard."""
        made = condition(expr, op)
        if isinstance(made, bool):
            return made
        settled = self.settled(made)
        if settled is not None:
            return settled
        if self.closed:
            raise SymbolicValue(f"whether {made} depends on the input's symbols")
        answer = value == 0 if op == "==" else value != 0 if op == "!=" else value >= 0
        self.record(made if answer else made.negated())
        return answer

    def settled(self, made: Condition) -> bool | None:
        """The condition's truth when the symbols' bounds decide it, else None."""
        low, high = bounds(made.expr, self.lower, self.upper)
        if (low < 0 <= high) if made.op == ">=" else (low <= 0 <= high):
            low, high = self._repeating(made.expr, low, high)
        if made.op == ">=":
            return True if low >= 0 else False if high < 0 else None
        if low > 0 or high < 0:
            return made.op == "!="
        return None

    def _repeating(self, expr: Expr, low: float, high: float) -> tuple[float, float]:
        """The exact range of a formula that repeats (a remainder: `2*floor((H + 1)/2) - H`),
        walked over one period from the lower bounds; others keep their bounds."""
        from convcalc.symbolic.periodic import values_over_period

        found = values_over_period(expr, self.lower, self.upper)
        return (low, high) if not found else (min(found), max(found))

    def record(self, made: Condition, specialized: bool = False) -> None:
        if made not in self._seen:
            self._seen.add(made)
            self.guards.append(Guard(made, self.layer, specialized))

    def specialize(self, size: Size) -> int:
        """The hint, for arithmetic a formula cannot do; the guard `size == hint` keeps it right."""
        if self.closed:
            raise SymbolicValue(f"{size} is a formula of the input's symbols, not one number")
        made = condition(size.expr - size.hint, "==")
        if not isinstance(made, bool):
            self.record(made, specialized=True)
        return size.hint

    def key(self, value: object) -> object:
        """A structural stand-in for a value holding sizes (memo keys compare formulas, not
        values at the hint: comparing sizes would record guards)."""
        if isinstance(value, Size):
            return value.expr
        if isinstance(value, tuple):
            return tuple(self.key(v) for v in value)
        return value


def bounds(expr: Expr, lower: dict[str, int], upper: dict[str, float]) -> tuple[float, float]:
    """An interval holding every value of `expr` for symbols within their bounds.

    >>> H = Expr.symbol("H")
    >>> bounds((H + 1) // 2 - 1, {"H": 1}, {"H": math.inf}), bounds(3 - H * H, {"H": 2}, {"H": 5})
    ((0, inf), (-22, -1))
    """
    low_total: float = 0
    high_total: float = 0
    for monomial, coefficient in expr.terms:
        low: float = coefficient
        high: float = coefficient
        for atom, power in monomial:
            a_low, a_high = _atom_bounds(atom, lower, upper)
            for _ in range(power):
                low, high = _product(low, high, a_low, a_high)
        low_total += low
        high_total += high
    return low_total, high_total


def _atom_bounds(atom: Symbol | Floor, lower: dict[str, int], upper: dict[str, float]) -> tuple[float, float]:
    if isinstance(atom, Symbol):
        return lower.get(atom.name, 1), upper.get(atom.name, INFINITY)
    low, high = bounds(atom.num, lower, upper)
    return _floor(low, atom.den), _floor(high, atom.den)


def _floor(value: float, den: int) -> float:
    return value if math.isinf(value) else value // den


def _product(a_low: float, a_high: float, b_low: float, b_high: float) -> tuple[float, float]:
    candidates = [_times(a, b) for a in (a_low, a_high) for b in (b_low, b_high)]
    return min(candidates), max(candidates)


def _times(a: float, b: float) -> float:
    return 0 if a == 0 or b == 0 else a * b


class Size:
    """An int-like size: a formula of the symbols (`expr`), its value at the hint, and the
    Space that records the guards its comparisons take.

    >>> space = Space({"H": 224})
    >>> H = space.symbol("H")
    >>> out = (H + 2 * 1 - 3) // 2 + 1  # a 3x3 stride-2 convolution with padding 1
    >>> out, out > 0, out >= 112, space.guards
    (ceil(H/2), True, True, [Guard(condition=Condition(expr=Expr('H - 223'), op='>='), layer='', specialized=False)])
    """

    __slots__ = ("expr", "hint", "space")

    expr: Expr
    hint: int
    space: Space

    def __init__(self, expr: Expr, hint: int, space: Space) -> None:
        self.expr = expr
        self.hint = hint
        self.space = space

    # --- arithmetic

    def _other(self, other: object) -> tuple[Expr, int] | None:
        if isinstance(other, Size):
            return other.expr, other.hint
        if isinstance(other, int):
            return Expr.constant(int(other)), int(other)
        return None

    def __add__(self, other: object) -> Size | int:
        found = self._other(other)
        if found is None:
            return NotImplemented
        return self.space.size(self.expr + found[0], self.hint + found[1])

    __radd__ = __add__

    def __sub__(self, other: object) -> Size | int:
        found = self._other(other)
        if found is None:
            return NotImplemented
        return self.space.size(self.expr - found[0], self.hint - found[1])

    def __rsub__(self, other: object) -> Size | int:
        found = self._other(other)
        if found is None:
            return NotImplemented
        return self.space.size(found[0] - self.expr, found[1] - self.hint)

    def __mul__(self, other: object) -> Size | int | float:
        if isinstance(other, float):
            return self._times_float(other)
        found = self._other(other)
        if found is None:
            return NotImplemented
        return self.space.size(self.expr * found[0], self.hint * found[1])

    __rmul__ = __mul__

    def _times_float(self, factor: float) -> Size | int | float:
        if factor.is_integer():
            return self * int(factor)
        return self.space.specialize(self) * factor

    def __neg__(self) -> Size | int:
        return self.space.size(-self.expr, -self.hint)

    def __pos__(self) -> Size:
        return self

    def __abs__(self) -> Size | int:
        return self if self >= 0 else -self

    def __pow__(self, power: object) -> Size | int:
        if not isinstance(power, int) or power < 0:
            return NotImplemented
        return self.space.size(self.expr**power, self.hint**power)

    def __floordiv__(self, other: object) -> Size | int:
        if isinstance(other, int) and other > 0:
            return self.space.size(self.expr // int(other), self.hint // int(other))
        if isinstance(other, int) and other < 0:  # a // -c = -a // c rounded down: floor(-a / c)
            return self.space.size((-self.expr) // -int(other), self.hint // int(other))
        if isinstance(other, Size):
            quotient = self.expr.exact_quotient(other.expr)
            if quotient is not None:
                return self.space.size(quotient, self.hint // other.hint)
            return self.space.specialize(self) // self.space.specialize(other)
        if isinstance(other, int):  # zero: as an int would
            return self.hint // int(other)
        return NotImplemented

    def __rfloordiv__(self, other: object) -> int:
        if not isinstance(other, int):
            return NotImplemented
        return int(other) // self.space.specialize(self)

    def __mod__(self, other: object) -> Size | int:
        if isinstance(other, int) and other > 0:
            return self.space.size(self.expr % int(other), self.hint % int(other))
        if isinstance(other, Size):
            quotient = self.expr.exact_quotient(other.expr)
            if quotient is not None:
                return 0
            return self.space.specialize(self) % self.space.specialize(other)
        if isinstance(other, int):
            return self.hint % int(other)
        return NotImplemented

    def __rmod__(self, other: object) -> int:
        if not isinstance(other, int):
            return NotImplemented
        return int(other) % self.space.specialize(self)

    def __divmod__(self, other: object) -> tuple[Size | int, Size | int]:
        return self // other, self % other

    def __truediv__(self, other: object) -> float:
        if isinstance(other, Size):
            return self.space.specialize(self) / self.space.specialize(other)
        if isinstance(other, int | float):
            return self.space.specialize(self) / other
        return NotImplemented

    def __rtruediv__(self, other: object) -> float:
        if not isinstance(other, int | float):
            return NotImplemented
        return other / self.space.specialize(self)

    # --- what needs a number: the hint, with the guard that keeps it right

    def __index__(self) -> int:
        return self.space.specialize(self)

    __int__ = __index__

    def __float__(self) -> float:
        return float(self.space.specialize(self))

    def __round__(self, digits: int | None = None) -> Size:
        return self

    def __trunc__(self) -> Size:
        return self

    __floor__ = __trunc__
    __ceil__ = __trunc__

    # --- comparisons: answered at the hint, recorded

    def _compare(self, other: object, op: str) -> bool:
        if isinstance(other, float):
            if not other.is_integer():
                return self._between(other, op)
            other = int(other)
        found = self._other(other)
        if found is None:
            return NotImplemented
        difference, value = self.expr - found[0], self.hint - found[1]
        if op == "==":
            return self.space.decide(difference, "==", value)
        if op == "!=":
            return self.space.decide(difference, "!=", value)
        if op == ">=":
            return self.space.decide(difference, ">=", value)
        if op == ">":
            return self.space.decide(difference - 1, ">=", value - 1)
        if op == "<=":
            return self.space.decide(-difference, ">=", -value)
        return self.space.decide(-difference - 1, ">=", -value - 1)  # <

    def _between(self, other: float, op: str) -> bool:
        """A comparison with a number between two integers: n < 2.5 is n <= 2."""
        if op in ("==", "!="):
            return op == "!="
        below = math.floor(other)
        return self._compare(below, "<=" if op in ("<", "<=") else ">")

    def __eq__(self, other: object) -> bool:
        return self._compare(other, "==")

    def __ne__(self, other: object) -> bool:
        return self._compare(other, "!=")

    def __lt__(self, other: object) -> bool:
        return self._compare(other, "<")

    def __le__(self, other: object) -> bool:
        return self._compare(other, "<=")

    def __gt__(self, other: object) -> bool:
        return self._compare(other, ">")

    def __ge__(self, other: object) -> bool:
        return self._compare(other, ">=")

    def __bool__(self) -> bool:
        return self._compare(0, "!=")

    def __hash__(self) -> int:
        return hash(self.hint)  # equal sizes (at the hint) hash alike; equality itself is guarded

    # --- text

    def __str__(self) -> str:
        return text(self.expr, self.space.facts)

    __repr__ = __str__

    def __format__(self, spec: str) -> str:
        return format(str(self), spec.replace(",", "").replace("_", "").rstrip("d"))
