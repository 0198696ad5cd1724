"""An exact, small algebra for sizes written with symbols: polynomials with integer coefficients
over symbols (H, W, T) and floor-divisions by positive integers, kept in one canonical form so
that equal formulas are equal objects, and shown readably (`ceil(H/2)`, `H - 2`, `T**2`).

Shape arithmetic of convolutions, poolings, reshapes and attention needs nothing more: a
window's count floor((L + 2p - k') / s) + 1, a concatenation's sum, a flattened product, a
divisibility check L % s. The canonical form of floor(N / c) keeps every coefficient of N and its
constant in [0, c) with no common factor shared with c, and merges nested floors
(floor((floor(N / a) + k) / b) = floor((N + k*a) / (a*b))), so that the same size reached two
ways (a stride-2 convolution, then a pooling; or one stride-4 window) is one formula.
"""

from __future__ import annotations

from fractions import Fraction
from math import gcd
from typing import Union

Atom = Union["Symbol", "Floor"]
Monomial = tuple[tuple["Symbol | Floor", int], ...]  # (atom, power), sorted by the atoms' keys


class Symbol:
    """A named positive integer: an input size written as a name (H, W, T)."""

    __slots__ = ("name", "key")

    name: str
    key: tuple[object, ...]

    def __init__(self, name: str) -> None:
        self.name = name
        self.key = (0, name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Symbol) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        return self.name


class Floor:
    """floor(num / den), den > 1, in the canonical form `floordiv` makes."""

    __slots__ = ("num", "den", "key")

    num: Expr
    den: int
    key: tuple[object, ...]

    def __init__(self, num: Expr, den: int) -> None:
        self.num = num
        self.den = den
        self.key = (1, den, num.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Floor) and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        return f"floor(({self.num})/{self.den})"


class Expr:
    """A canonical polynomial: a sum of integer multiples of monomials (products of atoms),
    zero coefficients dropped, the monomials in a fixed order. Two Exprs are equal exactly when
    they are the same formula; `str` shows it readably.

    >>> H, W = Expr.symbol("H"), Expr.symbol("W")
    >>> print((H - 1) // 2 + 1, H * W * 3, (H - 3) // 2 + 1, H // 2 // 2 // 2 // 2)
    ceil(H/2) 3*H*W ceil(H/2) - 1 floor(H/16)
    >>> (H + 6 - 7) // 2 + 1 == (H - 1) // 2 + 1 == (H + 1) // 2
    True
    """

    __slots__ = ("terms", "key", "_hash")

    terms: tuple[tuple[Monomial, int], ...]
    key: tuple[object, ...]

    def __init__(self, terms: dict[Monomial, int]) -> None:
        ordered = sorted(((m, c) for m, c in terms.items() if c), key=lambda item: _monomial_key(item[0]))
        self.terms = tuple(ordered)
        self.key = tuple((_monomial_key(m), c) for m, c in ordered)
        self._hash = hash(self.key)

    @staticmethod
    def symbol(name: str) -> Expr:
        return Expr({((Symbol(name), 1),): 1})

    @staticmethod
    def constant(value: int) -> Expr:
        return Expr({(): value})

    @staticmethod
    def atom(atom: Atom) -> Expr:
        return Expr({((atom, 1),): 1})

    # --- what it is

    def __eq__(self, other: object) -> bool:
        if isinstance(other, int):
            return self.is_constant and self.constant_term == other
        return isinstance(other, Expr) and other.key == self.key

    def __hash__(self) -> int:
        return self._hash

    @property
    def is_constant(self) -> bool:
        return not self.terms or (len(self.terms) == 1 and self.terms[0][0] == ())

    @property
    def constant_term(self) -> int:
        return self.terms[0][1] if self.terms and self.terms[0][0] == () else 0

    def symbols(self) -> frozenset[str]:
        """The names the formula depends on (inside floors too).

        >>> sorted(((Expr.symbol("H") + 1) // 2 * Expr.symbol("W")).symbols())
        ['H', 'W']
        """
        found: set[str] = set()
        for monomial, _ in self.terms:
            for atom, _ in monomial:
                if isinstance(atom, Symbol):
                    found.add(atom.name)
                else:
                    found |= atom.num.symbols()
        return frozenset(found)

    def atoms(self) -> frozenset[Atom]:
        """The atoms of its monomials (not those inside floors)."""
        return frozenset(atom for monomial, _ in self.terms for atom, _ in monomial)

    @property
    def degree(self) -> int:
        return max((sum(p for _, p in m) for m, _ in self.terms), default=0)

    def evaluate(self, values: dict[str, int]) -> int:
        """The value at integer values of its symbols.

        >>> ((Expr.symbol("H") + 1) // 2).evaluate({"H": 7})
        4
        """
        total = 0
        for monomial, coefficient in self.terms:
            for atom, power in monomial:
                value = values[atom.name] if isinstance(atom, Symbol) else atom.num.evaluate(values) // atom.den
                coefficient *= value**power
            total += coefficient
        return total

    # --- arithmetic (results canonical)

    def __add__(self, other: Expr | int) -> Expr:
        merged = dict(self.terms)
        for monomial, coefficient in _terms(other):
            merged[monomial] = merged.get(monomial, 0) + coefficient
        return Expr(merged)

    __radd__ = __add__

    def __neg__(self) -> Expr:
        return Expr({m: -c for m, c in self.terms})

    def __sub__(self, other: Expr | int) -> Expr:
        return self + (-other)

    def __rsub__(self, other: int) -> Expr:
        return -self + other

    def __mul__(self, other: Expr | int) -> Expr:
        if isinstance(other, int):
            return Expr({m: c * other for m, c in self.terms})
        product: dict[Monomial, int] = {}
        for m1, c1 in self.terms:
            for m2, c2 in other.terms:
                monomial = _multiply(m1, m2)
                product[monomial] = product.get(monomial, 0) + c1 * c2
        return Expr(product)

    __rmul__ = __mul__

    def __pow__(self, power: int) -> Expr:
        result = Expr.constant(1)
        for _ in range(power):
            result = result * self
        return result

    def __floordiv__(self, divisor: int) -> Expr:
        return floordiv(self, divisor)

    def __mod__(self, divisor: int) -> Expr:
        return self - floordiv(self, divisor) * divisor

    def exact_quotient(self, divisor: Expr) -> Expr | None:
        """self / divisor when divisor is one term dividing every term of self exactly, else None.

        >>> H, W = Expr.symbol("H"), Expr.symbol("W")
        >>> print((H * W * 64).exact_quotient(H * 16), (H * W).exact_quotient(W * 2))
        4*W None
        """
        if len(divisor.terms) != 1:
            return None
        (d_monomial, d_coefficient) = divisor.terms[0]
        powers = dict(d_monomial)
        quotient: dict[Monomial, int] = {}
        for monomial, coefficient in self.terms:
            if coefficient % d_coefficient:
                return None
            left = dict(monomial)
            for atom, power in powers.items():
                if left.get(atom, 0) < power:
                    return None
                left[atom] -= power
            kept = tuple(sorted(((a, p) for a, p in left.items() if p), key=lambda item: item[0].key))
            quotient[kept] = coefficient // d_coefficient
        return Expr(quotient)

    # --- text

    def __str__(self) -> str:
        return text(self)

    def __repr__(self) -> str:
        return f"Expr({text(self)!r})"

    def tree(self) -> object:
        """The formula as JSON data, for pipelines to evaluate: an integer, {"symbol": name},
        {"add": [...]}, {"mul": [...]}, {"pow": [x, n]} or {"floordiv": [x, c]} (floor(x / c)).

        >>> ((Expr.symbol("H") + 1) // 2 * 3 - 1).tree()
        {'add': [{'mul': [3, {'floordiv': [{'add': [{'symbol': 'H'}, 1]}, 2]}]}, -1]}
        """
        terms: list[object] = []
        for monomial, coefficient in sorted(self.terms, key=lambda item: _display_key((item[0], Fraction(item[1])))):
            factors: list[object] = [] if coefficient == 1 and monomial else [coefficient]
            for atom, power in monomial:
                node = {"symbol": atom.name} if isinstance(atom, Symbol) else {"floordiv": [atom.num.tree(), atom.den]}
                factors.append(node if power == 1 else {"pow": [node, power]})
            terms.append(factors[0] if len(factors) == 1 else {"mul": factors})
        if not terms:
            return 0
        return terms[0] if len(terms) == 1 else {"add": terms}

    def python(self) -> str:
        """The formula as a Python expression of its symbols (floor as //).

        >>> ((Expr.symbol("H") + 1) // 2 * 3 - 1).python()
        '3*((H + 1)//2) - 1'
        """
        return _python(self)


def _terms(value: Expr | int) -> tuple[tuple[Monomial, int], ...]:
    return value.terms if isinstance(value, Expr) else (((), value),)


def _monomial_key(monomial: Monomial) -> tuple[object, ...]:
    return tuple((atom.key, power) for atom, power in monomial)


def _multiply(first: Monomial, second: Monomial) -> Monomial:
    if not first:
        return second
    if not second:
        return first
    powers = dict(first)
    for atom, power in second:
        powers[atom] = powers.get(atom, 0) + power
    return tuple(sorted(powers.items(), key=lambda item: item[0].key))


def floordiv(expr: Expr, divisor: int) -> Expr:
    """floor(expr / divisor) in canonical form: the whole multiples of the divisor taken out,
    common factors cancelled, nested floors merged.

    >>> H = Expr.symbol("H")
    >>> print(floordiv(H + 16, 16), floordiv(2 * H + 3, 4), floordiv(3 * H + 2, 4), floordiv(floordiv(H + 1, 2) + 1, 2))
    floor(H/16) + 1 ceil(H/2) floor((3*H + 2)/4) ceil(H/4)
    """
    if divisor <= 0:
        raise ValueError(f"floor division by {divisor}: only positive divisors")
    if divisor == 1:
        return expr
    whole: dict[Monomial, int] = {}
    rest: dict[Monomial, int] = {}
    for monomial, coefficient in expr.terms:
        q, r = divmod(coefficient, divisor)
        if q:
            whole[monomial] = q
        if r:
            rest[monomial] = r
    constant = rest.pop((), 0)
    if not rest:  # 0 <= constant < divisor
        return Expr(whole)
    common = gcd(divisor, *rest.values())
    if common > 1:  # floor((g*A + r) / (g*c)) = floor((A + floor(r/g)) / c)
        reduced = Expr({m: c // common for m, c in rest.items()}) + constant // common
        return Expr(whole) + floordiv(reduced, divisor // common)
    if len(rest) == 1:
        ((monomial, coefficient),) = rest.items()
        if coefficient == 1 and len(monomial) == 1 and monomial[0][1] == 1 and isinstance(monomial[0][0], Floor):
            inner = monomial[0][0]  # floor((floor(N/a) + k) / b) = floor((N + k*a) / (a*b))
            return Expr(whole) + floordiv(inner.num + constant * inner.den, inner.den * divisor)
    numerator = Expr(rest) + constant
    return Expr(whole) + Expr.atom(Floor(numerator, divisor))


# --- Text


def text(expr: Expr | int, facts: dict[str, int] | None = None) -> str:
    """A formula as people write it: terms by falling degree, `ceil(N/c)` for floor((N + c - 1)/c),
    `N % c` for N - c*floor(N/c), and, under `facts` (symbol -> a modulus it is a multiple of),
    floors made exact written as fractions (`H/16` where H % 16 == 0).

    >>> H, W = Expr.symbol("H"), Expr.symbol("W")
    >>> text(H - H // 2 * 2), text(H // 16 * (W // 16) * 768), text(H // 16 * (W // 16) * 768, {"H": 16, "W": 16})
    ('H % 2', '768*floor(H/16)*floor(W/16)', '3*H*W')
    >>> text((H + 31) // 32 * 2048 + 1000, {"H": 32}), text(H * H * 5 - 3 * H + 7)
    ('64*H + 1000', '5*H**2 - 3*H + 7')
    >>> text(3 - (H + 3) % 4)  # the padding Keras's 'same' adds before an axis, four strides in
    '3 - (H + 3) % 4'
    """
    if isinstance(expr, int):
        return str(expr)
    return _rational_text(_rational(expr, facts or {}), facts or {})


RationalPoly = dict[Monomial, Fraction]


def _rational(expr: Expr, facts: dict[str, int]) -> RationalPoly:
    """The formula with every floor that `facts` make exact replaced by its fraction."""
    result: RationalPoly = {}
    for monomial, coefficient in expr.terms:
        product: RationalPoly = {(): Fraction(coefficient)}
        for atom, power in monomial:
            factor = _exact(atom, facts) if facts else None
            if factor is None:
                factor = {((atom, 1),): Fraction(1)}
            for _ in range(power):
                product = _rational_product(product, factor)
        for m, c in product.items():
            result[m] = result.get(m, Fraction(0)) + c
    return {m: c for m, c in result.items() if c}


def _exact(atom: Atom, facts: dict[str, int]) -> RationalPoly | None:
    """floor(N/c) as (N - r)/c when the facts make N - r a multiple of c (r = N's constant)."""
    if isinstance(atom, Symbol):
        return None
    numerator = _rational(atom.num, facts)
    constant = numerator.pop((), Fraction(0))
    for monomial, coefficient in numerator.items():
        step = coefficient / atom.den  # the term moves in steps of coefficient * prod(moduli)
        for inner, power in monomial:
            if not isinstance(inner, Symbol) or inner.name not in facts:
                return None
            step *= facts[inner.name] ** power
        if step.denominator != 1:
            return None
    if not 0 <= constant < atom.den:
        return None
    return {m: c / atom.den for m, c in numerator.items()}


def _rational_product(first: RationalPoly, second: RationalPoly) -> RationalPoly:
    product: RationalPoly = {}
    for m1, c1 in first.items():
        for m2, c2 in second.items():
            monomial = _multiply(m1, m2)
            product[monomial] = product.get(monomial, Fraction(0)) + c1 * c2
    return product


def _display_key(item: tuple[Monomial, Fraction]) -> tuple[object, ...]:
    monomial = item[0]
    return (-sum(p for _, p in monomial), _monomial_key(monomial))


def _rational_text(poly: RationalPoly, facts: dict[str, int]) -> str:
    poly = dict(poly)
    parts: list[tuple[Fraction, str]] = []
    for modulus in _modulus_terms(poly, facts):
        parts.append(modulus)
    for monomial, coefficient in sorted(poly.items(), key=_display_key):
        parts.append((coefficient, _monomial_text(monomial, facts)))
    if not parts:
        return "0"
    if parts[0][0] < 0 and "%" in parts[0][1] and parts[-1][0] > 0 and not parts[-1][1]:
        parts.insert(0, parts.pop())  # `3 - (H + 3) % 4`, not `-(H + 3) % 4 + 3` (which Python reads otherwise)
    out = ""
    for i, (coefficient, body) in enumerate(parts):
        sign = "-" if coefficient < 0 else "+"
        magnitude = abs(coefficient)
        term = _scaled(magnitude, body)
        if i == 0:
            out = f"-{term}" if sign == "-" else term
        else:
            out += f" {sign} {term}"
    return out


def _scaled(magnitude: Fraction, body: str) -> str:
    """|coefficient| times a monomial's text: `3*H*W`, `H*W/4`, `3*H/4`, `7`."""
    numerator, denominator = magnitude.numerator, magnitude.denominator
    if not body:
        return str(numerator) if denominator == 1 else f"{numerator}/{denominator}"
    head = body if numerator == 1 else f"{numerator}*{body}"
    return head if denominator == 1 else f"{head}/{denominator}"


def _modulus_terms(poly: RationalPoly, facts: dict[str, int]) -> list[tuple[Fraction, str]]:
    """Takes `a*N - a*c*floor(N/c)` out of `poly` (in place) as `a*(N % c)`."""
    found: list[tuple[Fraction, str]] = []
    for monomial in list(poly):
        if len(monomial) != 1 or monomial[0][1] != 1 or not isinstance(monomial[0][0], Floor) or monomial not in poly:
            continue
        floor = monomial[0][0]
        scale = -poly[monomial] / floor.den
        numerator = _rational(floor.num, facts)
        constant = numerator.pop((), Fraction(0))
        if not numerator or any(poly.get(m, Fraction(0)) != scale * c for m, c in numerator.items()):
            continue
        for m in numerator:
            del poly[m]
        del poly[monomial]
        if constant:  # a*(N % c) stands for a*N0 + a*r - a*c*floor(N/c): take a*r back out of the constant
            poly[()] = poly.get((), Fraction(0)) - scale * constant
            if not poly[()]:
                del poly[()]
        body = _rational_text(_rational(floor.num, facts), facts)
        found.append((scale, f"{body if body.isidentifier() else f'({body})'} % {floor.den}"))
    return found


def _monomial_text(monomial: Monomial, facts: dict[str, int]) -> str:
    factors = []
    for atom, power in monomial:
        body = atom.name if isinstance(atom, Symbol) else _floor_text(atom, facts)
        factors.append(body if power == 1 else f"{body}**{power}")
    return "*".join(factors)


def _floor_text(atom: Floor, facts: dict[str, int]) -> str:
    numerator = _rational(atom.num, facts)
    constant = numerator.get((), Fraction(0))
    if constant == atom.den - 1:  # floor((N + c - 1)/c) = ceil(N/c)
        del numerator[()]
        return f"ceil({_over(numerator, atom.den, facts)})"
    return f"floor({_over(numerator, atom.den, facts)})"


def _over(numerator: RationalPoly, den: int, facts: dict[str, int]) -> str:
    body = _rational_text(numerator, facts)
    single = len(numerator) == 1 and next(iter(numerator.values())) == 1
    return f"{body}/{den}" if single else f"({body})/{den}"


def _python(expr: Expr) -> str:
    parts = []
    for monomial, coefficient in sorted(expr.terms, key=lambda item: _display_key((item[0], Fraction(item[1])))):
        factors = []
        for atom, power in monomial:
            if isinstance(atom, Symbol):
                body = atom.name
            else:
                inner = _python(atom.num)
                body = f"({inner if inner.isidentifier() else f'({inner})'}//{atom.den})"
            factors.append(body if power == 1 else f"{body}**{power}")
        magnitude = abs(coefficient)
        body = "*".join(factors)
        term = str(magnitude) if not body else body if magnitude == 1 else f"{magnitude}*{body}"
        parts.append(("-" if coefficient < 0 else "+", term))
    if not parts:
        return "0"
    out = ("-" if parts[0][0] == "-" else "") + parts[0][1]
    for sign, term in parts[1:]:
        out += f" {sign} {term}"
    return out
