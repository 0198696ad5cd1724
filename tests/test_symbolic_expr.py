"""The algebra of convcalc.symbolic.expr: every formula evaluates as the integer arithmetic it
stands for, equal formulas are equal objects, and the text reads as people write it."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from convcalc.symbolic.expr import Expr, text

H, W = Expr.symbol("H"), Expr.symbol("W")

Pair = tuple[Expr, Callable[[int, int], int]]


def _leaf() -> st.SearchStrategy[Pair]:
    return st.one_of(
        st.just((H, lambda h, w: h)),
        st.just((W, lambda h, w: w)),
        st.integers(-9, 9).map(lambda n: (Expr.constant(n), lambda h, w, n=n: n)),
    )


def _extend(children: st.SearchStrategy[Pair]) -> st.SearchStrategy[Pair]:
    def add(a: Pair, b: Pair) -> Pair:
        return a[0] + b[0], lambda h, w: a[1](h, w) + b[1](h, w)

    def sub(a: Pair, b: Pair) -> Pair:
        return a[0] - b[0], lambda h, w: a[1](h, w) - b[1](h, w)

    def mul(a: Pair, b: Pair) -> Pair:
        return a[0] * b[0], lambda h, w: a[1](h, w) * b[1](h, w)

    def div(a: Pair, c: int) -> Pair:
        return a[0] // c, lambda h, w: a[1](h, w) // c

    def mod(a: Pair, c: int) -> Pair:
        return a[0] % c, lambda h, w: a[1](h, w) % c

    divisor = st.integers(1, 12)
    return st.one_of(
        st.builds(add, children, children),
        st.builds(sub, children, children),
        st.builds(mul, children, _leaf()),
        st.builds(div, children, divisor),
        st.builds(mod, children, divisor),
    )


formulas = st.recursive(_leaf(), _extend, max_leaves=8)


@settings(max_examples=400, deadline=None)
@given(formulas, st.integers(1, 300), st.integers(1, 300))
def test_a_formula_evaluates_as_its_integer_arithmetic(pair: Pair, h: int, w: int) -> None:
    expr, direct = pair
    assert expr.evaluate({"H": h, "W": w}) == direct(h, w)
    assert eval(expr.python(), {}, {"H": h, "W": w}) == direct(h, w)  # the python text is the same formula


@settings(max_examples=200, deadline=None)
@given(formulas)
def test_canonical_form_is_stable(pair: Pair) -> None:
    expr = pair[0]
    assert expr + 0 == expr and expr * 1 == expr and (expr - expr).is_constant
    assert hash(expr + H - H) == hash(expr)


def test_the_same_size_reached_two_ways_is_one_formula() -> None:
    stride_two_then_pool = ((H + 2 * 3 - 7) // 2 + 1 + 2 - 3) // 2 + 1  # ResNet's stem: conv 7/2 pad 3, max pool 3/2 pad 1
    assert stride_two_then_pool == (H + 3) // 4
    assert text(stride_two_then_pool) == "ceil(H/4)"
    halves = H
    for _ in range(4):
        halves = halves // 2
    assert halves == H // 16 and text(halves) == "floor(H/16)"


def test_text() -> None:
    assert text(H - 2) == "H - 2"
    assert text((H - 3) // 2 + 1) == "ceil(H/2) - 1"
    assert text(H % 16) == "H % 16"
    assert text((H + 1) % 4) == "(H + 1) % 4"
    assert text(-H) == "-H"
    assert text(H // 16 * 16, {"H": 16}) == "H"
    assert text(H // 16, {"H": 8}) == "floor(H/16)"  # not exact: a multiple of 8 need not be one of 16
    assert text((H * 3) // 4, {"H": 4}) == "3*H/4"
    assert text(H * W * 64 + H * 3 + 1) == "64*H*W + 3*H + 1"


def test_exact_quotient() -> None:
    assert (H * W * 6).exact_quotient(Expr.constant(3)) == H * W * 2
    assert (H * 6 + 1).exact_quotient(Expr.constant(3)) is None
