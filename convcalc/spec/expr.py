"""A small, safe evaluator for the arithmetic a spec may write: `filters * 4`, `channels // groups`.

Only numbers, strings, booleans, None, tuples and lists, the names a block defines, and
+ - * / // % ** on them; indexing (`input_shape[-1]`), comparisons, and/or/not and
`a if condition else b`. No attribute access, no calls, no subscripts, nothing from Python's
builtins: a spec can never run code. Results are bounded so that `9 ** 9 ** 9` is an error,
not a hang.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from typing import Any

from convcalc.errors import LayerError, short
from convcalc.record import Record

LIMIT = 2**63  # no size in a network comes near; anything beyond is a mistake or an attack

_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}

# Typed Any: a spec's operands are whatever it wrote, and Python decides whether they compare
# (a TypeError, as for 1 < "a", is the spec's error: see evaluate).
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}

# The syntax a spec's arithmetic may use; anything else (calls, attributes, lambdas) is refused.
ALLOWED = (
    ast.Constant, ast.Name, ast.Load, ast.Tuple, ast.List, ast.BinOp, ast.UnaryOp, ast.operator, ast.unaryop,
    ast.Subscript, ast.Compare, ast.cmpop, ast.BoolOp, ast.boolop, ast.IfExp,
)  # fmt: skip


class Expr(Record):
    """Arithmetic over names, kept unevaluated until a block instance gives the names values."""

    __slots__ = ("text", "node")

    text: str
    node: ast.expr

    def __init__(self, text: str, node: ast.expr) -> None:
        self.text = text
        self.node = node

    def __repr__(self) -> str:
        return self.text

    def names(self) -> set[str]:
        return {n.id for n in ast.walk(self.node) if isinstance(n, ast.Name)}

    def evaluate(self, env: Mapping[str, object]) -> object:
        return evaluate(self.node, env, self.text)


def evaluate(node: ast.expr, env: Mapping[str, object], text: str = "") -> object:
    """The value of an expression tree, or a LayerError naming what is not allowed.

    >>> evaluate(ast.parse("filters * 4", mode="eval").body, {"filters": 64})
    256
    >>> evaluate(ast.parse("(k, k // 2)", mode="eval").body, {"k": 7})
    (7, 3)
    """
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float | str | bool | type(None)):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in env:
            return env[node.id]
        known = ", ".join(sorted(env)) or "none here: names are the parameters of a block"
        raise LayerError(f"unknown name {node.id!r} in {text or node.id!r}", hint=f"known names: {known}", code="CC105")
    if isinstance(node, ast.Tuple | ast.List):
        items = tuple(evaluate(item, env, text) for item in node.elts)
        return items if isinstance(node, ast.Tuple) else list(items)
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):  # input_shape[-1]
        container = evaluate(node.value, env, text)
        index = evaluate(node.slice, env, text)
        if not isinstance(container, tuple | list) or isinstance(index, bool) or not isinstance(index, int):
            raise LayerError(f"only a tuple can be indexed, by an integer, in {text!r}", code="CC105")
        if not -len(container) <= index < len(container):
            raise LayerError(f"index {index} is out of range for {container!r} in {text!r}", code="CC105")
        return container[index]
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
        left, right = evaluate(node.left, env, text), evaluate(node.comparators[0], env, text)
        try:
            return _COMPARE[type(node.ops[0])](left, right)
        except TypeError:
            raise LayerError(f"{short(left)} and {short(right)} cannot be compared in {text!r}", code="CC105") from None
    if isinstance(node, ast.BoolOp):
        values = [evaluate(v, env, text) for v in node.values]
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return not evaluate(node.operand, env, text)
    if isinstance(node, ast.IfExp):
        return evaluate(node.body if evaluate(node.test, env, text) else node.orelse, env, text)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _number(evaluate(node.operand, env, text), text)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left = evaluate(node.left, env, text)
        right = evaluate(node.right, env, text)
        if isinstance(node.op, ast.Pow):
            _number(left, text)
            if abs(_number(right, text)) > 64:
                raise LayerError(f"the exponent in {text!r} is too large", code="CC105")
        try:
            result = _BINARY[type(node.op)](_number(left, text), _number(right, text))
        except ZeroDivisionError:
            raise LayerError(f"division by zero in {text!r}", code="CC105") from None
        except OverflowError:
            raise LayerError(f"{text!r} overflows", code="CC105") from None
        if abs(result) > LIMIT:
            raise LayerError(f"{text!r} is larger than {LIMIT:,}", code="CC105")
        return result
    raise LayerError(
        f"{text!r} is not allowed here" if text else "this expression is not allowed here",
        hint="only literals, block parameters and + - * / // % ** are allowed",
        code="CC102",
    )


def _number(value: object, text: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise LayerError(f"expected a number in {text!r}, found {value!r}", code="CC105")
    return value
