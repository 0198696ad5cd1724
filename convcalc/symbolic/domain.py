"""The input sizes a network accepts: found exactly, by periodicity, not by sampling.

A run at given sizes takes a *path*: the guards its comparisons took (convcalc.symbolic.size).
Every size that meets a path's guards takes the same path, so it is accepted or rejected as the
path was. The guards are conditions on quasi-linear formulas (floor((a*H + b)/c) nested and
multiplied): on each residue class of H modulo a period P (the lcm of what the divisors need),
such a formula is a polynomial in k for H = r + k*P, so each condition's truth is periodic in H
with period P beyond a threshold T that a root bound gives. Classifying the sizes 1 .. T + P of
every symbol therefore classifies all of them: convcalc runs the network (symbolically, to learn
the new guards) at each class of sizes that no path found so far covers, until every class is
covered, growing T and P as new guards come. The accepted set is then the union of the accepting
paths' regions, exactly.

Coupled symbols: a condition that ties symbols together (ViT's position embedding: the token
count floor(H/16)*floor(W/16) + 1 must be 197) is handled in product form, F(H)*G(W, ...) + c
compared with 0: once |F(H)| exceeds |c| its truth no longer depends on H (for every W), so the
same folding holds; the accepted set is then stated by the accepting path's conditions,
simplified (`floor(H/16)*floor(W/16) == 196`). A condition of another form (H == W, a floor of
H + W) is not folded: the accepted set is then stated as the conditions of the run at the hint,
every size meeting them accepted, and marked as not proven to hold every accepted size.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from fractions import Fraction
from math import ceil, gcd, lcm, prod

from convcalc.errors import Diagnostic
from convcalc.record import Record
from convcalc.symbolic.expr import Expr, Floor, Symbol
from convcalc.symbolic.periodic import Unproven, atom_symbols, slope_period
from convcalc.symbolic.session import Path, Runner
from convcalc.symbolic.size import Condition

MAX_SPAN = 100_000  # sizes classified per symbol: a threshold beyond this is left unproven
MAX_POINTS = 250_000  # classes of sizes over all symbols together
MAX_RUNS = 2_000


class Described(Record):
    """A set of sizes of one symbol, as people write it."""

    __slots__ = ("text", "smallest", "modulus")

    text: str  # "H % 16 == 0 and H >= 16", "any H", "H >= 3", "no size"
    smallest: int | None
    modulus: int  # every member is a multiple of it (1: no such fact)

    def __init__(self, text: str, smallest: int | None, modulus: int = 1) -> None:
        self.text = text
        self.smallest = smallest
        self.modulus = modulus


class Domain(Record):
    """The sizes a network accepts: in words (`text`, one part per symbol or coupled group),
    the smallest accepted, whether the set is proven exact, each symbol's divisibility, one
    rejected size with its first failing layer and why, and the paths that decide membership."""

    __slots__ = ("symbols", "parts", "smallest", "proven", "facts", "rejected", "paths", "region")

    symbols: tuple[str, ...]
    parts: tuple[str, ...]
    smallest: dict[str, int] | None  # None: no size is accepted
    proven: bool
    facts: dict[str, int]  # symbol -> a modulus every accepted size is a multiple of
    rejected: Path | None
    paths: tuple[Path, ...]
    region: str  # the conditions of the hint's run: where the report's formulas hold

    def __init__(
        self,
        symbols: tuple[str, ...],
        parts: tuple[str, ...],
        smallest: dict[str, int] | None,
        proven: bool,
        facts: dict[str, int],
        rejected: Path | None,
        paths: tuple[Path, ...],
        region: str = "",
    ) -> None:
        self.symbols = symbols
        self.parts = parts
        self.smallest = smallest
        self.proven = proven
        self.facts = facts
        self.rejected = rejected
        self.paths = paths
        self.region = region

    @property
    def text(self) -> str:
        kept = [p for p in self.parts if not p.startswith("any ")]
        if not self.smallest:
            return "no size"
        return " and ".join(kept) if kept else "any size"

    def contains(self, values: dict[str, int]) -> bool:
        """Whether the network accepts these sizes (exact when `proven`; else: within the
        conditions of the hint's run)."""
        return any(p.accepted and p.holds(values) for p in self.paths)

    def problem(self, values: dict[str, int]) -> Diagnostic | None:
        """Why these sizes fail (their first failing layer), if a path found covers them."""
        for path in self.paths:
            if path.holds(values):
                return path.problem
        return None


def explore(symbols: tuple[str, ...], runner: Runner, first: Path) -> Domain:
    """Every size the network accepts, by classifying sizes up to each symbol's threshold plus
    period (runs at the sizes no path found so far decides)."""
    paths = [first]
    try:
        for _ in range(MAX_RUNS):
            model = Model(symbols, paths)
            added = False
            for point in model.points():
                if not any(model.covers(p, point) for p in range(len(paths))):
                    path = runner(point)
                    if not path.holds(point):
                        raise Unproven(f"the run at {point} took guards it does not meet")
                    paths.append(path)
                    model.add(path)
                    added = True
            if not added:
                return model.domain()
    except Unproven:
        pass
    finite = _equation(symbols, runner, paths)
    return finite if finite is not None else _unproven(symbols, paths)


MAX_LISTED = 24  # sizes listed when an equation leaves finitely many


def _equation(symbols: tuple[str, ...], runner: Runner, paths: list[Path]) -> Domain | None:
    """The domain when one condition decides everything: a path accepts where an equation
    holds and another rejects where it does not (`H*W == 784`: a Linear after a Flatten). Too
    many classes to classify, but proven all the same, and the sizes listed when finitely many."""
    accepting = [p for p in paths if p.accepted and len(p.guards) == 1 and p.guards[0].op == "=="]
    for path in accepting:
        (made,) = path.guards
        denied = made.negated()
        failing = next((q for q in paths if not q.accepted and q.guards == (denied,)), None)
        if failing is None:  # run where the equation fails: one more on the first of its sizes
            name = sorted(made.symbols())[0]
            point = path.values | {name: path.values[name] + 1}
            failing = runner(point) if denied.holds(point) else None
        if failing is None or failing.accepted or failing.guards != (denied,):
            continue
        found = solutions(made, {})
        if found is None or len(made.symbols()) != len(symbols):
            parts: tuple[str, ...] = (made.text(),)
        else:
            listed = ", ".join(" x ".join(str(v[n]) for n in symbols) for v in found[:MAX_LISTED])
            more = ", ..." if len(found) > MAX_LISTED else ""
            parts = (f"{made.text()} ({len(found)} sizes, {' x '.join(symbols)}: {listed}{more})",)
        smallest = _smallest(found) if found else path.values
        return Domain(symbols, parts, smallest, True, {}, failing, (path, failing), parts[0])  # formulas hold on all of it
    return None


def solutions(made: Condition, others: dict[str, int], limit: int = 4096) -> list[dict[str, int]] | None:
    """Every size of two symbols meeting an equation F(H)*G(W) + c == 0 with c != 0 (finitely
    many: |F(H)| and |G(W)| divide c), the other symbols at `others`; None when the equation is
    of another form or its sizes go beyond `limit`.

    >>> from convcalc.symbolic.parse import conditions, held
    >>> [(v["H"], v["W"]) for v in solutions(held(conditions("H*W == 12"))[0], {})]
    [(1, 12), (2, 6), (3, 4), (4, 3), (6, 2), (12, 1)]
    """
    names = sorted(made.symbols() - set(others))
    if made.op != "==" or len(names) != 2:
        return None
    first, second = names
    try:
        factor, constant = _product_form(made.expr, first)
    except Unproven:
        return None
    bound = abs(constant) + 1
    if constant == 0 or factor.is_constant or bound > limit:
        return None
    test = _compiled(made, (*names, *others))
    size_of = _compiled_expr(factor, (*names, *others))
    rest = tuple(others.values())
    found: list[dict[str, int]] = []
    for h in range(1, bound + 1):
        f = size_of(h, 1, *rest)
        if f == 0 or constant % f:
            continue
        found.extend({first: h, second: w} | others for w in range(1, bound + 1) if test(h, w, *rest))
    return found


class Model:
    """What the paths found so far say: every condition, each symbol's period and threshold,
    and the sizes 1 .. threshold + period of each symbol grouped into classes that every
    condition treats alike."""

    def __init__(self, symbols: tuple[str, ...], paths: list[Path]) -> None:
        self.symbols = symbols
        self.paths = list(paths)
        conditions = list(dict.fromkeys(c for p in paths for c in p.guards))
        self.single = {s: [c for c in conditions if c.symbols() == {s}] for s in symbols}
        self.coupled = [c for c in conditions if len(c.symbols()) > 1]
        self.period = {s: _period(s, conditions) for s in symbols}
        self.threshold = {s: _threshold(s, self.single[s], self.coupled, self.period[s]) for s in symbols}
        self.span = {s: self.threshold[s] + self.period[s] for s in symbols}
        if any(n > MAX_SPAN for n in self.span.values()):
            raise Unproven("a threshold too far to classify")
        self.classes: dict[str, list[int]] = {}  # symbol -> class of each size 1..span (index 0: size 1)
        self.members: dict[str, list[int]] = {}  # symbol -> the smallest size of each class
        for s in symbols:
            self._classify(s)
        if prod(len(m) for m in self.members.values()) > MAX_POINTS:
            raise Unproven("too many classes of sizes")
        self._compiled = {c: _compiled(c, symbols) for c in conditions}
        self._regions: list[dict[str, set[int]]] = [self._region(p) for p in self.paths]

    def _classify(self, s: str) -> None:
        tests = [_compiled(c, (s,)) for c in self.single[s]]
        atoms = sorted({a for c in self.coupled for a in _own_atoms(c.expr, s)}, key=lambda a: a.key)
        values = [_compiled_expr(Expr.atom(a), (s,)) for a in atoms]
        seen: dict[tuple[object, ...], int] = {}
        classes: list[int] = []
        members: list[int] = []
        for size in range(1, self.span[s] + 1):
            signature = (*(t(size) for t in tests), *(v(size) for v in values))
            if signature not in seen:
                seen[signature] = len(members)
                members.append(size)
            classes.append(seen[signature])
        self.classes[s], self.members[s] = classes, members

    def _region(self, path: Path) -> dict[str, set[int]]:
        """The classes of each symbol that meet the path's conditions on that symbol alone."""
        region = {}
        for s in self.symbols:
            own = [_compiled(c, (s,)) for c in path.guards if c.symbols() == {s}]
            region[s] = {i for i, size in enumerate(self.members[s]) if all(t(size) for t in own)}
        return region

    def add(self, path: Path) -> None:
        """A path found at a class not covered: its conditions may be new (the next round of
        `explore` recomputes periods and thresholds with them)."""
        for c in path.guards:
            if c not in self._compiled:
                self._compiled[c] = _compiled(c, self.symbols)
        self.paths.append(path)
        self._regions.append(self._region(path))

    def points(self) -> list[dict[str, int]]:
        return [dict(zip(self.symbols, sizes)) for sizes in itertools.product(*(self.members[s] for s in self.symbols))]

    def class_of(self, s: str, size: int) -> int:
        return self.classes[s][self.fold(s, size) - 1]

    def fold(self, s: str, size: int) -> int:
        """A size beyond the classified span, folded back by the period (its conditions' truth is the same)."""
        threshold, period = self.threshold[s], self.period[s]
        return size if size <= self.span[s] else threshold + (size - threshold) % period

    def covers(self, index: int, point: dict[str, int]) -> bool:
        region = self._regions[index]
        for s in self.symbols:
            if self.class_of(s, point[s]) not in region[s]:
                return False
        path = self.paths[index]
        return all(self._compiled[c](*(point[s] for s in self.symbols)) for c in path.guards if len(c.symbols()) > 1)

    def accepted(self, point: dict[str, int]) -> Path | None:
        """The path that decides the point (None if no path found covers it)."""
        for index, path in enumerate(self.paths):
            if self.covers(index, point):
                return path
        return None

    def domain(self) -> Domain:
        points = self.points()
        decided = [(point, self.accepted(point)) for point in points]
        accepted = [point for point, path in decided if path is not None and path.accepted]
        rejected = [(point, path) for point, path in decided if path is not None and not path.accepted]
        paths = tuple(self.paths)
        region = self.path_text(self.paths[0])
        if not accepted:
            example = rejected[0][1] if rejected else None
            return Domain(self.symbols, ("no size",), None, True, {}, example, paths, region)
        projections = {s: {self.class_of(s, p[s]) for p in accepted} for s in self.symbols}
        if not self.coupled_in(accepted) and len(accepted) == prod(len(c) for c in projections.values()):
            described = {s: self._described(s, projections[s]) for s in self.symbols}
            smallest = {s: d.smallest or 1 for s, d in described.items()}
            parts = tuple(d.text for d in described.values())
            facts = {s: d.modulus for s, d in described.items() if d.modulus > 1}
        else:
            parts, facts = self._conditions_text(accepted), {}
            smallest = _smallest(accepted)
        return Domain(self.symbols, parts, smallest, True, facts, _example(rejected, smallest), paths, region)

    def coupled_in(self, accepted: list[dict[str, int]]) -> bool:
        return any(len(c.symbols()) > 1 for p in self.paths if p.accepted for c in p.guards)

    def _described(self, s: str, members: set[int]) -> Described:
        inside = [self.classes[s][i] in members for i in range(self.span[s])]
        return describe(s, inside, self.threshold[s], self.period[s])

    def _conditions_text(self, accepted: list[dict[str, int]]) -> tuple[str, ...]:
        """The accepting paths' conditions (joined with `or` when there are several)."""
        options = [self.path_text(p) for p in self.paths if p.accepted]
        return tuple(options) if len(options) == 1 else (" or ".join(f"({o})" for o in options),)

    def path_text(self, path: Path) -> str:
        """A path's conditions in the fewest words: each symbol's own ones as the set they
        leave (`H % 16 == 0 and H >= 16`), those the others imply left out (checked on every
        class), the coupled ones as they are."""
        parts = []
        for s in self.symbols:
            own = [_compiled(c, (s,)) for c in path.guards if c.symbols() == {s}]
            inside = [all(t(size) for t in own) for size in range(1, self.span[s] + 1)]
            parts.append((s, describe(s, inside, self.threshold[s], self.period[s]).text))
        coupled = [c for c in path.guards if len(c.symbols()) > 1]
        kept = [(s, text) for s, text in parts if not text.startswith("any ")]
        if coupled:  # leave out what the rest implies: a symbol's own part, a coupled condition
            dropped: list[Condition] = []
            for s, _ in list(kept):
                alone = [c for c in path.guards if c.symbols() == {s}]
                if self._implied(path, [*dropped, *alone]):
                    dropped += alone
                    kept = [k for k in kept if k[0] != s]
            for c in list(coupled):
                if len(coupled) > 1 and self._implied(path, [*dropped, c]):
                    dropped.append(c)
                    coupled.remove(c)
        return " and ".join([*(t for _, t in kept), *(c.text() for c in coupled)]) or "any size"

    def _implied(self, path: Path, left_out: list[Condition]) -> bool:
        """Whether leaving out some of the path's conditions keeps its region (every class checked)."""
        others = [c for c in path.guards if c not in left_out]
        for point in self.points():
            values = [point[n] for n in self.symbols]
            if all(self._compiled[c](*values) for c in others) and not all(self._compiled[c](*values) for c in left_out):
                return False
        return True


def _smallest(accepted: list[dict[str, int]]) -> dict[str, int]:
    """The accepted sizes with all symbols alike when there are some, else the smallest in sum."""
    alike = [p for p in accepted if len(set(p.values())) == 1]
    return min(alike or accepted, key=lambda p: (max(p.values()), sum(p.values())))


def _example(rejected: list[tuple[dict[str, int], Path]], smallest: dict[str, int]) -> Path | None:
    """A rejected size to show: the smallest above the smallest accepted one, else the smallest."""
    if not rejected:
        return None
    above = [(p, path) for p, path in rejected if all(p[s] >= smallest[s] for s in smallest)]
    chosen = min(above or rejected, key=lambda item: sum(item[0].values()))
    return chosen[1]


def unexplored(symbols: tuple[str, ...], found: Path) -> Domain:
    """The domain of a run that had to fix a size to a number (int(), range()): its conditions."""
    return _unproven(symbols, [found])


def _unproven(symbols: tuple[str, ...], paths: list[Path]) -> Domain:
    """The conditions of the hint's run (every size meeting them is accepted), not proven to
    be every accepted size."""
    first = paths[0]
    accepted = [p for p in paths if p.accepted]
    texts = " and ".join(c.text() for c in first.guards) or "any size"
    if not first.accepted:
        return Domain(symbols, ("not found",), None, False, {}, first, tuple(paths), texts)
    smallest = min((p.values for p in accepted), key=lambda v: (max(v.values()), sum(v.values())))
    return Domain(symbols, (texts,), smallest, False, {}, None, tuple(accepted), texts)


# --- One symbol's set, in words


def describe(s: str, inside: list[bool], threshold: int, period: int) -> Described:
    """The set of sizes of `s` whose membership for 1 .. threshold + period is `inside`, and
    beyond repeats with the period: as a residue (`H % 16 == 0`), a bound (`H >= 16`), and the
    sizes below the bound listed, in the fewest words.

    >>> describe("H", [n % 16 == 0 for n in range(1, 33)], 16, 16).text
    'H % 16 == 0 and H >= 16'
    >>> describe("H", [n >= 3 for n in range(1, 5)], 3, 1).text, describe("T", [True] * 2, 1, 1).text
    ('H >= 3', 'any T')
    >>> describe("H", [n in (2, 5) or n >= 7 and n % 2 == 1 for n in range(1, 12)], 7, 4).text
    'H == 2 or (H % 2 == 1 and H >= 5)'
    """
    span = threshold + period

    def member(n: int) -> bool:
        return inside[(n if n <= span else threshold + (n - threshold) % period) - 1]

    best: tuple[int, int] = (period, threshold)
    for step in (d for d in range(1, period + 1) if period % d == 0):
        start = span
        while start > 1 and member(start - 1) == member(start - 1 + step):
            start -= 1
        if all(member(n) == member(n + step) for n in range(start, span + step)):
            best = (step, start)
            break
    step, start = best
    residues = sorted({n % step for n in range(start, start + step) if member(n)})
    below = [n for n in range(1, start) if member(n)]
    periodic = [n for n in range(start, start + step) if member(n)]
    smallest = min(below + periodic) if below or periodic else None
    if not residues:
        text = f"{s} in ({', '.join(map(str, below))})" if below else "no size"
        modulus = _common_modulus(below)
        return Described(text if len(below) != 1 else f"{s} == {below[0]}", smallest, modulus)
    first = min(periodic)
    # members below the periodic part that continue it need not be listed: lower the bound
    while first - step >= 1 and member(first - step) and (first - step) in below:
        below.remove(first - step)
        first -= step
    if step == 1:
        part = f"{s} >= {first}" if first > 1 else ""
    else:
        residue = f"{s} % {step} == {residues[0]}" if len(residues) == 1 else f"{s} % {step} in ({', '.join(map(str, residues))})"
        lowest = min(n for n in range(1, step + 1) if n % step in residues)
        part = residue if first <= lowest else f"{residue} and {s} >= {first}"
        if first == step and residues == [0]:
            part = f"{residue} and {s} >= {first}"
    modulus = step if residues == [0] and not below else 1
    if not below:
        return Described(part or f"any {s}", smallest, modulus)
    listed = f"{s} == {below[0]}" if len(below) == 1 else f"{s} in ({', '.join(map(str, below))})"
    if not part:
        return Described(listed, smallest, 1)
    return Described(f"{listed} or ({part})" if " and " in part else f"{listed} or {part}", smallest, 1)


def _common_modulus(sizes: list[int]) -> int:
    return gcd(*sizes) if len(sizes) > 1 else 1


# --- Periods and thresholds


def _period(s: str, conditions: list[Condition]) -> int:
    period = 1
    for c in conditions:
        for atom in _all_atoms(c.expr):
            if s in atom_symbols(atom):
                period = lcm(period, slope_period(atom, s)[1])
    return period


def _all_atoms(expr: Expr) -> list[Symbol | Floor]:
    found: list[Symbol | Floor] = []
    for monomial, _ in expr.terms:
        for atom, _ in monomial:
            found.append(atom)
    return found


def _threshold(s: str, single: list[Condition], coupled: list[Condition], period: int) -> int:
    """A size beyond which every condition's truth repeats with the period (for the coupled
    ones: whatever the other symbols are)."""
    threshold = 1
    for c in single:
        threshold = max(threshold, _settles(c.expr, s, period))
    for c in coupled:
        if s not in c.symbols():
            continue
        factor, constant = _product_form(c.expr, s)
        if factor.is_constant:
            continue
        bound = abs(constant) + 1  # |F| > |c|: then F*G + c has the sign of G (of c when G = 0)
        threshold = max(threshold, _settles(factor, s, period, (-bound, bound)))
    return threshold


def _product_form(expr: Expr, s: str) -> tuple[Expr, int]:
    """(F, c) with expr = F(s)*G(others) + c, F the part of every term that depends on s."""
    constant = expr.constant_term
    parts = set()
    for monomial, _ in expr.terms:
        if not monomial:
            continue
        own = tuple((a, p) for a, p in monomial if s in atom_symbols(a))
        if any(atom_symbols(a) - {s} for a, _ in own):
            raise Unproven(f"a condition mixing {s} with other sizes inside a floor: {expr}")
        parts.add(own)
    if len(parts) != 1:
        raise Unproven(f"a condition not in product form: {expr} == 0")
    (own,) = parts
    if not own:
        return Expr.constant(1), constant
    return Expr({own: 1}), constant


def _settles(expr: Expr, s: str, period: int, offsets: tuple[int, ...] = (0,)) -> int:
    """A size from which the sign of `expr` (of expr + o for each offset o) stays the same along
    every residue class modulo the period: on the class of r, expr(r + k*period) is a polynomial
    in k (each atom grows by a whole step per period), whose real roots Cauchy's bound bounds."""
    value = _compiled_expr(expr, (s,))
    degree = max(expr.degree, 1)
    threshold = 1
    for r in range(1, period + 1):
        samples = [value(r + k * period) for k in range(degree + 2)]
        coefficients = _fitted(samples, degree)
        if _evaluated(coefficients, degree + 1) != samples[-1]:
            raise Unproven(f"{expr} is not a polynomial along the sizes {r} + k*{period}")
        k = max(_root_bound([coefficients[0] + o, *coefficients[1:]]) for o in offsets)
        threshold = max(threshold, r + k * period)
    return threshold


def _fitted(samples: list[int], degree: int) -> list[Fraction]:
    """The coefficients (constant first) of the polynomial of `degree` through the samples at
    k = 0..degree, from Newton's forward differences: sum of diff_i * binomial(k, i)."""
    differences = [Fraction(v) for v in samples[: degree + 1]]
    coefficients = [Fraction(0)] * (degree + 1)
    basis = [Fraction(1)]  # binomial(k, i) as coefficients of k
    for i in range(degree + 1):
        for j, b in enumerate(basis):
            coefficients[j] += differences[0] * b
        differences = [b - a for a, b in itertools.pairwise(differences)]
        following = [Fraction(0)] * (len(basis) + 1)  # binomial(k, i + 1) = binomial(k, i) * (k - i) / (i + 1)
        for j, b in enumerate(basis):
            following[j + 1] += b
            following[j] -= b * i
        basis = [b / (i + 1) for b in following]
    return coefficients


def _evaluated(coefficients: list[Fraction], k: int) -> Fraction:
    return sum((c * k**j for j, c in enumerate(coefficients)), Fraction(0))


def _root_bound(coefficients: list[Fraction]) -> int:
    """A k beyond which the polynomial keeps its sign (Cauchy's bound on its real roots)."""
    while coefficients and coefficients[-1] == 0:
        coefficients = coefficients[:-1]
    if len(coefficients) <= 1:
        return 0
    lead = abs(coefficients[-1])
    return ceil(1 + max(abs(c) / lead for c in coefficients[:-1])) + 1


def _own_atoms(expr: Expr, s: str) -> list[Symbol | Floor]:
    return [a for m, _ in expr.terms for a, _ in m if s in atom_symbols(a)]


def _compiled(c: Condition, symbols: tuple[str, ...]) -> Callable[..., bool]:
    """The condition as a function of the symbols' values (generated from the formula's own
    Python text: names and integer arithmetic only)."""
    test = "== 0" if c.op == "==" else "!= 0" if c.op == "!=" else ">= 0"
    source = f"lambda {', '.join(symbols)}: ({c.expr.python()}) {test}"
    function: Callable[..., bool] = eval(source, {"__builtins__": {}})
    return function


def _compiled_expr(expr: Expr, symbols: tuple[str, ...]) -> Callable[..., int]:
    source = f"lambda {', '.join(symbols)}: {expr.python()}"
    function: Callable[..., int] = eval(source, {"__builtins__": {}})
    return function


# --- Comparing a stated set with the accepted one (check's expect.domain, formulas in expect:)


def differing(domain: Domain, stated: list[Condition], accepted_only: bool = False) -> dict[str, int] | None:
    """Sizes where `stated` and the accepted set disagree, or None when they are the same set
    (with `accepted_only`: an accepted size where `stated` fails, or None when every accepted
    size meets it). Exact: the sizes are classified with the stated conditions among the
    paths' (each class is treated alike by every condition, and sizes beyond the span fold
    back onto it by periodicity), and one size of each class is compared.

    >>> from convcalc.symbolic.parse import conditions, held
    >>> rule = Path({"H": 32}, tuple(held(conditions("H % 16 == 0 and H >= 16"))))
    >>> domain = Domain(("H",), ("H % 16 == 0 and H >= 16",), {"H": 16}, True, {"H": 16}, None, (rule,))
    >>> differing(domain, held(conditions("H % 16 == 0"))), differing(domain, held(conditions("H % 8 == 0")), True)
    (None, None)
    >>> differing(domain, held(conditions("H % 32 == 0")))
    {'H': 16}
    """
    probe = Path({}, tuple(stated))
    try:
        points = Model(domain.symbols, [*domain.paths, probe]).points()
    except Unproven:  # not of a form whose period is known: every size up to 256 per symbol
        points = [dict(zip(domain.symbols, p)) for p in itertools.product(range(1, 257), repeat=len(domain.symbols))][:MAX_POINTS]
    for point in points:
        inside = domain.contains(point)
        if accepted_only and inside and not probe.holds(point):
            return point
        if not accepted_only and inside != probe.holds(point):
            return point
    return None
