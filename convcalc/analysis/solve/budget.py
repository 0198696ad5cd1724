"""`solve SPEC --maximize H --macs-at-most 10G`: the largest (or smallest) input size a network
accepts whose MACs, parameters or memory stay within a budget.

The spec's sizes are symbols (`input: [H, W, 3]`); the symbol solved for moves, the others keep
their `--set` values or, left free, move with it (a square image). The search reads the report's
formulas (a MACs polynomial is cheap to evaluate) where the run's guards hold, the concrete
engine elsewhere, assumes the figures grow with the size (they do for every layer convcalc
counts), and keeps to the sizes the network accepts (convcalc.symbolic.domain). The answer, and
the next accepted size beyond it, are then run concretely: their figures are the engine's.
"""

from __future__ import annotations

import re
from typing import Any, cast

from convcalc.analysis.costs import costs
from convcalc.engine import run
from convcalc.errors import Location, SpecError
from convcalc.record import Record
from convcalc.report import Report
from convcalc.spec.model import Spec
from convcalc.spec.setting import with_values

LARGEST = 1 << 31  # a size beyond any input people give: the search stops here
MAX_WALK = 1 << 20  # sizes stepped through to reach an accepted one
FIGURES = ("macs", "params", "memory")
WHERE = Location("--maximize")


class Figures(Record):
    """A network's costs at one size: MACs (per sample), parameters, and memory in bytes (the
    input, every activation and the parameters, float32: one forward pass, nothing freed)."""

    __slots__ = ("macs", "params", "memory")

    macs: int | None
    params: int
    memory: int | None

    def __init__(self, macs: int | None, params: int, memory: int | None) -> None:
        self.macs = macs
        self.params = params
        self.memory = memory

    def get(self, name: str) -> int | None:
        value: int | None = getattr(self, name)
        return value


class SizeAnswer(Record):
    """The size found (None: none meets the budget), its figures, and the next accepted size
    past it with its figures (what the budget rules out), or why there is no answer."""

    __slots__ = ("spec", "symbol", "maximize", "budget", "tied", "values", "figures", "beyond", "beyond_figures", "reason")

    spec: str
    symbol: str
    maximize: bool
    budget: dict[str, int]
    tied: tuple[str, ...]  # the free symbols that move with the one solved for
    values: dict[str, int] | None
    figures: Figures | None
    beyond: dict[str, int] | None
    beyond_figures: Figures | None
    reason: str

    def __init__(
        self,
        spec: str,
        symbol: str,
        maximize: bool,
        budget: dict[str, int],
        tied: tuple[str, ...],
        values: dict[str, int] | None = None,
        figures: Figures | None = None,
        beyond: dict[str, int] | None = None,
        beyond_figures: Figures | None = None,
        reason: str = "",
    ) -> None:
        self.spec = spec
        self.symbol = symbol
        self.maximize = maximize
        self.budget = budget
        self.tied = tied
        self.values = values
        self.figures = figures
        self.beyond = beyond
        self.beyond_figures = beyond_figures
        self.reason = reason


def parse_amount(text: str, option: str) -> int:
    """A budget as people write it: 10G, 2.5M, 500k, 4GB, 1GiB, 123456789.

    >>> parse_amount("10G", "--macs-at-most"), parse_amount("2.5M", "x"), parse_amount("1GiB", "x"), parse_amount("512MB", "x")
    (10000000000, 2500000, 1073741824, 512000000)
    """
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKMGTP]?)(i?)B?\s*", text)
    if found is None:
        raise SpecError.at(Location(option), "CC003", f"{option} takes an amount such as 10G, 2.5M or 4GiB, found {text!r}")
    number, prefix, binary = found.groups()
    power = "kMGTP".index(prefix.replace("K", "k")) + 1 if prefix else 0
    return int(float(number) * (1024 if binary else 1000) ** power)


def solve_budget(spec: Spec, symbol: str, maximize: bool, budget: dict[str, int]) -> SizeAnswer:
    """The largest (`maximize`) or smallest accepted size of `symbol` within `budget`
    ({"macs": ..., "params": ..., "memory": ...})."""
    if symbol not in spec.symbols:
        known = ", ".join(spec.symbols) or "none: give the input's sizes as names, e.g. input: [H, W, 3]"
        raise SpecError.at(WHERE, "CC003", f"the spec has no symbol {symbol!r} to solve for (its symbols: {known})")
    report = run(spec)
    symbolic = report.symbolic
    assert symbolic is not None
    tied = tuple(s for s in spec.symbols if s != symbol)
    from convcalc.symbolic.session import bounds, stated

    assumed = stated(spec.assume)
    _, upper = bounds(assumed)
    ceiling = min((upper.get(s, LARGEST) for s in (symbol, *tied)), default=LARGEST)

    def sizes(n: int) -> dict[str, int]:
        return dict.fromkeys((symbol, *tied), n)

    def accepted(n: int) -> bool:
        values = sizes(n)
        return symbolic.domain.contains(values) and all(c.holds(values) for c in assumed)

    formulas = totals(report)

    def within(n: int) -> bool:
        found = measured(spec, report, formulas, sizes(n))
        return found is not None and all(_fits(found.get(k), v) for k, v in budget.items())

    answer = SizeAnswer(str(spec.path), symbol, maximize, budget, tied)
    smallest = _step(accepted, (symbolic.domain.smallest or {}).get(symbol, 1), 1, ceiling)
    if smallest is None:
        answer.reason = "the network accepts no size of these symbols"
        return answer
    if not within(smallest):
        answer.reason = f"even the smallest accepted size, {symbol} = {smallest}, exceeds the budget"
        answer.beyond, answer.beyond_figures = sizes(smallest), concrete(spec, sizes(smallest))
        return answer
    if maximize:
        found = _largest(within, smallest, ceiling)
        best = _step(accepted, found, -1, ceiling)
        assert best is not None and best >= smallest
        following = _step(accepted, best + 1, 1, ceiling) if best < ceiling else None
    else:
        best, following = smallest, None
    answer.values, answer.figures = sizes(best), concrete(spec, sizes(best))
    if following is not None:
        answer.beyond, answer.beyond_figures = sizes(following), concrete(spec, sizes(following))
    elif maximize:
        answer.reason = f"the spec assumes {symbol} <= {ceiling}" if ceiling < LARGEST else ""
    return answer


def _fits(value: int | None, limit: int) -> bool:
    return value is not None and value <= limit


def _largest(within: Any, low: int, ceiling: int) -> int:
    """The largest n in [low, ceiling] with within(n), within(low) holding and growth assumed."""
    high = low
    while high < ceiling and within(min(high * 2, ceiling)):
        high = min(high * 2, ceiling)
    if high == ceiling:
        return high
    top = min(high * 2, ceiling)  # within(top) fails
    while top - high > 1:
        middle = (high + top) // 2
        high, top = (middle, top) if within(middle) else (high, middle)
    return high


def _step(accepted: Any, start: int, direction: int, ceiling: int) -> int | None:
    """The first accepted size from `start` on, stepping by `direction`."""
    n = start
    for _ in range(MAX_WALK):
        if n < 1 or n > ceiling:
            return None
        if accepted(n):
            return n
        n += direction
    return None


def totals(report: Report) -> tuple[Any, Any, Any]:
    """The report's MACs, parameters and memory: formulas of its symbols (or numbers)."""
    result = costs(report)
    return result.macs, result.params, _sum(result.input_bytes, result.activation_bytes, result.param_bytes)


def measured(spec: Spec, report: Report, formulas: tuple[Any, Any, Any], values: dict[str, int]) -> Figures | None:
    """The figures at these sizes: from the report's formulas where its guards hold (the same
    path, so the same formulas), else from the concrete engine (None if it rejects them)."""
    symbolic = report.symbolic
    assert symbolic is not None
    if not all(guard.condition.holds(values) for guard in symbolic.guards):
        return concrete(spec, values)
    macs, params, memory = formulas
    return Figures(_at(macs, values), cast(int, _at(params, values)), _at(memory, values))


def concrete(spec: Spec, values: dict[str, int]) -> Figures | None:
    """The figures of the spec run with these sizes as numbers (None if it fails)."""
    try:
        result = costs(run(with_values(spec, values)))
    except SpecError:
        return None
    memory = _sum(result.input_bytes, result.activation_bytes, result.param_bytes)
    return Figures(result.macs, result.params, memory)


def _sum(*values: Any) -> Any:
    total: Any = 0
    for value in values:
        if value is None:
            return None
        total = total + value
    return total


def _at(value: Any, values: dict[str, int]) -> int | None:
    if value is None or type(value) is int:
        return value
    return cast(int, value.expr.evaluate(values))


class Between(Record):
    """`solve SPEC --accepted H=200..300`: the sizes of one symbol the network accepts between
    two bounds (the other free symbols moving with it), and the domain they come from."""

    __slots__ = ("spec", "symbol", "low", "high", "tied", "sizes", "domain")

    spec: str
    symbol: str
    low: int
    high: int
    tied: tuple[str, ...]
    sizes: tuple[int, ...]
    domain: str

    def __init__(
        self, spec: str, symbol: str, low: int, high: int, tied: tuple[str, ...], sizes: tuple[int, ...], domain: str
    ) -> None:
        self.spec = spec
        self.symbol = symbol
        self.low = low
        self.high = high
        self.tied = tied
        self.sizes = sizes
        self.domain = domain


def parse_range(text: str) -> tuple[str, int, int]:
    """`H=200..300` as ("H", 200, 300).

    >>> parse_range("H=200..300"), parse_range(" T = 1..8 ")
    (('H', 200, 300), ('T', 1, 8))
    """
    found = re.fullmatch(r"\s*([A-Za-z_]\w*)\s*=\s*(\d{1,9})\s*\.\.\s*(\d{1,9})\s*", text)
    if found is None or int(found.group(2)) > int(found.group(3)) or int(found.group(2)) < 1:
        raise SpecError.at(
            Location("--accepted"), "CC003", f"--accepted takes NAME=LOW..HIGH with 1 <= LOW <= HIGH, found {text!r}"
        )
    return found.group(1), int(found.group(2)), int(found.group(3))


def accepted_between(spec: Spec, symbol: str, low: int, high: int) -> Between:
    """Every size from `low` to `high` the network accepts (and the spec's assumptions allow)."""
    if symbol not in spec.symbols:
        known = ", ".join(spec.symbols) or "none: give the input's sizes as names, e.g. input: [H, W, 3]"
        raise SpecError.at(Location("--accepted"), "CC003", f"the spec has no symbol {symbol!r} (its symbols: {known})")
    if high - low >= MAX_WALK:
        raise SpecError.at(
            Location("--accepted"), "CC003", f"--accepted spans {high - low + 1:,} sizes; ask for under {MAX_WALK:,}"
        )
    symbolic = run(spec).symbolic
    assert symbolic is not None
    from convcalc.symbolic.session import stated

    assumed = stated(spec.assume)
    tied = tuple(s for s in spec.symbols if s != symbol)
    found = []
    for n in range(low, high + 1):
        values = dict.fromkeys((symbol, *tied), n)
        if symbolic.domain.contains(values) and all(c.holds(values) for c in assumed):
            found.append(n)
    return Between(str(spec.path), symbol, low, high, tied, tuple(found), symbolic.domain.text)
