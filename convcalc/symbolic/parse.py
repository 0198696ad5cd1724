"""Formulas and conditions written in a spec (`assume:`, `expect:`) or on the command line, read
with `ast` (never evaluated) into the algebra of convcalc.symbolic.expr.

A formula: symbols, integers, + - * ** (a whole power), // and % by an integer, / by an integer
(read as a floor division: in `expect:` it is compared on the accepted sizes, where `H/16` is
whole when every accepted H is a multiple of 16), ceil(x/c) and floor(x/c). A condition: formulas
compared with == != < <= > >=, chains (32 <= H <= 1024), and `and`.
"""

from __future__ import annotations

import ast

from convcalc.symbolic.expr import Expr
from convcalc.symbolic.size import Condition, condition

MAX_TEXT = 1000  # a condition is one line: longer text is a mistake


class FormulaError(ValueError):
    """A formula or condition convcalc cannot read; the message says what and where to look."""


def formula(text: str, values: dict[str, int] | None = None) -> Expr:
    """A formula's canonical form, `values` substituted for the symbols they name.

    >>> print(formula("ceil(H/2) * 3"), formula("H*W/4 + T**2", {"T": 3}), formula("floor((H - 1)/2) + 1"))
    3*ceil(H/2) floor(H*W/4) + 9 ceil(H/2)
    """
    return _expr(_parse(text, "eval").body, values or {}, text)


def conditions(text: str, values: dict[str, int] | None = None) -> list[Condition | bool]:
    """The conditions `text` states (`and` and chained comparisons split into several); a
    condition with no symbol left is its truth.

    >>> [str(c) for c in conditions("H % 32 == 0 and 32 <= H <= 1024")]
    ['H % 32 == 0', 'H >= 32', 'H <= 1024']
    >>> conditions("H % 32 == 0", {"H": 100})
    [False]
    """
    tree = _parse(text, "eval").body
    parts = tree.values if isinstance(tree, ast.BoolOp) and isinstance(tree.op, ast.And) else [tree]
    found: list[Condition | bool] = []
    for part in parts:
        if not isinstance(part, ast.Compare):
            raise FormulaError(f"{text!r} is not a condition: compare sizes with == != < <= > >= (and join with `and`)")
        left = _expr(part.left, values or {}, text)
        for op, right_node in zip(part.ops, part.comparators):
            right = _expr(right_node, values or {}, text)
            found.append(_compared(left, op, right, text))
            left = right
    return found


def _compared(left: Expr, op: ast.cmpop, right: Expr, text: str) -> Condition | bool:
    if isinstance(op, ast.Eq):
        return condition(left - right, "==")
    if isinstance(op, ast.NotEq):
        return condition(left - right, "!=")
    if isinstance(op, ast.GtE):
        return condition(left - right, ">=")
    if isinstance(op, ast.Gt):
        return condition(left - right - 1, ">=")
    if isinstance(op, ast.LtE):
        return condition(right - left, ">=")
    if isinstance(op, ast.Lt):
        return condition(right - left - 1, ">=")
    raise FormulaError(f"{text!r}: compare sizes with == != < <= > >=")


def _parse(text: str, mode: str) -> ast.Expression:
    if len(text) > MAX_TEXT:
        raise FormulaError(f"the formula is {len(text):,} characters long; write it in under {MAX_TEXT}")
    try:
        tree = ast.parse(text.strip(), mode=mode)
    except SyntaxError as exc:
        raise FormulaError(f"cannot read {text!r}: {exc.msg}") from None
    assert isinstance(tree, ast.Expression)
    return tree


def _expr(node: ast.expr, values: dict[str, int], text: str) -> Expr:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return Expr.constant(node.value)
    if isinstance(node, ast.Name):
        if node.id in values:
            return Expr.constant(values[node.id])
        return Expr.symbol(node.id)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _expr(node.operand, values, text)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        left = _expr(node.left, values, text)
        if isinstance(node.op, ast.Pow):
            power = _expr(node.right, values, text)
            if not power.is_constant or not 0 <= power.constant_term <= 16:
                raise FormulaError(f"{text!r}: a power must be a whole number from 0 to 16")
            return left**power.constant_term
        right = _expr(node.right, values, text)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.FloorDiv | ast.Div | ast.Mod):
            return _divided(left, node.op, right, text)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("ceil", "floor"):
        if len(node.args) != 1 or node.keywords:
            raise FormulaError(f"{text!r}: {node.func.id}() takes one formula, such as {node.func.id}(H/2)")
        argument = node.args[0]
        if not (isinstance(argument, ast.BinOp) and isinstance(argument.op, ast.Div | ast.FloorDiv)):
            return _expr(argument, values, text)  # ceil of a whole number is itself
        numerator = _expr(argument.left, values, text)
        divisor = _divisor(_expr(argument.right, values, text), text)
        if node.func.id == "ceil":
            return (numerator + divisor - 1) // divisor
        return numerator // divisor
    raise FormulaError(
        f"cannot read {text!r} as a formula: write sizes with names, whole numbers, + - * / // % **, ceil() and floor()"
    )


def _divided(left: Expr, op: ast.operator, right: Expr, text: str) -> Expr:
    divisor = _divisor(right, text)
    return left % divisor if isinstance(op, ast.Mod) else left // divisor


def _divisor(value: Expr, text: str) -> int:
    if not value.is_constant or value.constant_term <= 0:
        raise FormulaError(f"{text!r}: divide only by a positive whole number")
    return value.constant_term


def held(found: list[Condition | bool]) -> list[Condition]:
    """The conditions still open (those with no symbol left are dropped: check them first)."""
    return [c for c in found if isinstance(c, Condition)]
