"""A small, safe evaluator for the arithmetic a spec may write: `filters * 4`,
`_make_divisible(width * 0.75, 8)`, `shape(skip)[1]`.

Numbers, strings, booleans, None, tuples and lists; the names a block defines; + - * / // % **;
indexing and slicing (`input_shape[-1]`, `input_shape[1:]`); comparisons (chained, `is None`,
`in`); and/or/not and `a if condition else b`, each with Python's own semantics (`a or b` is `a`
when `a` is true, and the other side is never evaluated). Calls only to `int`, `round`, `min`,
`max`, `abs`, `ceil`, `floor`, `log2`, `gcd` (also as `math.ceil`, `math.gcd`..., the one
attribute access allowed), `str` and `chr` (the layer names Keras's application builders make:
`f"block{i + 1}{chr(j + 97)}_"`), `shape(layer)` where the graph offers it, and the spec's own helper
formulas (`functions:`, a `Function` here). Lists of names are made as model code makes them:
`range`, list comprehensions, f-strings and `+` between lists or strings (DenseNet's
`["input"] + [f"denselayer{i}" for i in range(1, copy)]`). Nothing from Python's builtins beyond
those: a spec can never run code. Results are bounded so that `9 ** 9 ** 9` or
`range(10 ** 12)` is an error, not a hang.

The builtins are Python's own functions applied to the evaluated arguments, so `round(2.5)` is 2
(banker's rounding) and `int(-2.7)` is -2 exactly as in the model code a spec transcribes.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping
from typing import Any, cast

from convcalc.errors import LayerError, short
from convcalc.ops.tensor import integral
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
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}

# The syntax a spec's arithmetic may use; anything else (lambdas, comprehensions) is refused, and
# `allowed` narrows calls and attributes further.
ALLOWED = (
    ast.Constant, ast.Name, ast.Load, ast.Tuple, ast.List, ast.BinOp, ast.UnaryOp, ast.operator, ast.unaryop,
    ast.Subscript, ast.Slice, ast.Compare, ast.cmpop, ast.BoolOp, ast.boolop, ast.IfExp, ast.Call, ast.keyword,
    ast.Attribute, ast.ListComp, ast.comprehension, ast.JoinedStr, ast.FormattedValue, ast.Store,
)  # fmt: skip

SIMPLE = frozenset(
    {ast.Expression, ast.Name, ast.Load, ast.Tuple, ast.List, ast.BinOp, ast.UnaryOp, ast.Subscript, ast.Slice}
    | {ast.Compare, ast.BoolOp, ast.IfExp, ast.JoinedStr, ast.FormattedValue}
    | {ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow}
    | {ast.USub, ast.UAdd, ast.Not, ast.And, ast.Or, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE}
    | {ast.Is, ast.IsNot, ast.In, ast.NotIn}
)
"""Node types `allowed` passes whatever they hold (a Name only loads: a Store is a Name of
another context, Load, not in here), so arithmetic made of them alone needs no closer look."""

MATH = ("ceil", "floor", "log2", "gcd")
"""The functions of Python's math module a spec may call, as `math.ceil(x)` or `ceil(x)`."""
TEXT = ("str", "chr")
"""The builtins that make text: a value as str() writes it, a code point as its character."""
BUILTINS = ("int", "round", "min", "max", "abs", *MATH, *TEXT)
RANGE = "range"
"""`range(start, stop, step)`, which makes lists (of names, in `inputs`): a tuple of integers."""
SHAPE = "shape"
"""`shape(name)`: the output shape of the layer (or input) a name refers to, offered by the graph."""
RESERVED = frozenset((*BUILTINS, RANGE, SHAPE, "math"))
MAX_ITEMS = 100_000
"""Items of one list a spec makes (range, a comprehension, +): beyond it, a mistake or an attack."""
"""Names a helper formula cannot take: a call to one of them is the builtin's."""
MAX_CALL_DEPTH = 32  # helpers calling helpers: deeper than this is a mistake
MAX_TWINS = 4096
"""Expression texts whose analysis is kept (Expr._twin): more distinct ones than any spec writes."""


class Expr(Record):
    """Arithmetic over names, kept unevaluated until a block instance gives the names values."""

    __slots__ = ("text", "node", "_names", "_calls", "_items", "_code")

    text: str
    node: ast.expr

    def __init__(self, text: str, node: ast.expr) -> None:
        self.text = text
        self.node = node
        # worked out on first use (an Expr is never changed): the graph asks once per block instance
        self._names: frozenset[str] | None = None
        self._calls: frozenset[str] | None = None
        self._items: tuple[Expr, ...] | None = None
        self._code: Code | None = None  # compiled on first evaluation: a template is evaluated per instance

    def __repr__(self) -> str:
        return self.text

    def _twin(self) -> Expr:
        """The first Expr met with this text, which holds the analysis of them all: a spec writes
        `filters`, `-1` or `stride == 1` in many calls, and `check` reads many specs in one
        process. The text is the expression's own source (as read, or unparsed), so equal texts
        are equal trees; an Expr without text (a doctest's) is its own twin."""
        if not self.text:
            return self
        twin = _TWINS.get(self.text)
        if twin is None:
            if len(_TWINS) >= MAX_TWINS:
                _TWINS.clear()  # bounded: a long-lived process reading many specs keeps no more
            twin = _TWINS[self.text] = self
        return twin

    def names(self) -> set[str]:
        """The variables it reads: not the functions it calls, nor the layer names `shape` reads.

        >>> sorted(Expr("", ast.parse("max(a, int(b)) + shape(c)[1]", mode="eval").body).names())
        ['a', 'b']
        """
        if self._names is None:
            twin = self._twin()
            if twin._names is None:
                twin._names = frozenset(_variables(twin.node))
            self._names = twin._names
        return set(self._names)

    def calls(self) -> frozenset[str]:
        """The names of the functions it calls (`math.ceil` is `ceil`)."""
        if self._calls is None:
            twin = self._twin()
            if twin._calls is None:
                found = (callee(node) for node in parts(twin.node) if isinstance(node, ast.Call))
                twin._calls = frozenset(name for name in found if name)
            self._calls = twin._calls
        return self._calls

    def items(self) -> tuple[Expr, ...]:
        """A list or tuple display's items, each an Expr of its own (`[a, f"{b}_bn"]`)."""
        if self._items is None:
            elements = self.node.elts if isinstance(self.node, ast.List | ast.Tuple) else ()
            self._items = tuple(Expr(ast.unparse(e), e) for e in elements)
        return self._items

    def evaluate(self, env: Mapping[str, object]) -> object:
        """Its value where the names have these values (see `evaluate`)."""
        try:
            if self._code is None:
                twin = self._twin()
                if twin._code is None:
                    twin._code = compiled(twin.node, twin.text)
                self._code = twin._code
            return self._code(env, 0)
        except RecursionError:
            raise LayerError(f"{short(self.text)} nests too deeply", code="CC105") from None


_TWINS: dict[str, Expr] = {}
"""The first Expr of each text (Expr._twin)."""


def forget() -> None:
    """Start over as a new process does: no expression's analysis kept (tests count the work)."""
    _TWINS.clear()


def callee(call: ast.Call) -> str:
    """The name a call calls: `f` for f(...), `ceil` for math.ceil(...), "" for anything else."""
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "math":
        return func.attr if func.attr in MATH else ""
    return ""


def parts(node: ast.AST) -> list[ast.AST]:
    """Every node of a tree, as ast.walk gives them but in another order, gathered without its
    generators (three times quicker): for questions whose answer does not depend on the order.

    >>> sorted(type(p).__name__ for p in parts(ast.parse("a * 2", mode="eval").body))
    ['BinOp', 'Constant', 'Load', 'Mult', 'Name']
    """
    found = [node]
    for item in found:  # a list grown while it is read: each node appended is read in turn
        for field in item._fields:
            value = getattr(item, field, None)
            if isinstance(value, ast.AST):
                found.append(value)
            elif isinstance(value, list):
                found.extend([v for v in value if isinstance(v, ast.AST)])
    return found


def _variables(node: ast.AST) -> set[str]:
    found: set[str] = set()
    loops = [c for c in parts(node) if isinstance(c, ast.comprehension)]
    bound = {t.id for c in loops for t in parts(c.target) if isinstance(t, ast.Name)}  # a comprehension's own names
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.Name):
            found.add(item.id)
        elif isinstance(item, ast.Call):
            if callee(item) == SHAPE and len(item.args) == 1 and isinstance(item.args[0], ast.Name):
                continue  # shape(skip): a reference, read by the graph
            stack.extend(item.args)
            stack.extend(k.value for k in item.keywords)
            if not isinstance(item.func, ast.Name | ast.Attribute):
                stack.append(item.func)
        else:
            stack.extend(ast.iter_child_nodes(item))
    return found - bound


def allowed(node: ast.AST) -> ast.AST | None:
    """The first part of `node` a spec's arithmetic may not use, or None when all of it may:
    only the syntax in ALLOWED, constants that are not bytes or complex, calls by a plain name
    (or `math.ceil`...) without `*` or `**`, and no other attribute.

    >>> allowed(ast.parse("math.ceil(x / 2) + max(a, b)", mode="eval")) is None
    True
    >>> type(allowed(ast.parse("os.system(1)", mode="eval"))).__name__
    'Attribute'
    """
    if all([type(part) in SIMPLE or (type(part) is ast.Constant and _constant(part)) for part in parts(node)]):
        return None  # most arithmetic: no call, attribute, comprehension or assignment to look into
    return _closer_look(node)


def _closer_look(node: ast.AST) -> ast.AST | None:
    """allowed() for arithmetic with calls, attributes, comprehensions or anything unusual."""
    callees = set()
    targets = {id(c.target) for c in parts(node) if isinstance(c, ast.comprehension) and isinstance(c.target, ast.Name)}
    for part in ast.walk(node):
        if isinstance(part, ast.comprehension) and (part.is_async or id(part.target) not in targets):
            return part.target
        if isinstance(part, ast.Call):
            if not callee(part) or any(isinstance(a, ast.Starred) for a in part.args):
                return part.func if not callee(part) else part
            if any(k.arg is None for k in part.keywords):
                return part
            callees.add(id(part.func))
    for part in ast.walk(node):
        if isinstance(part, ast.Expression):
            continue
        if not isinstance(part, ALLOWED) or (isinstance(part, ast.Constant) and isinstance(part.value, bytes | complex)):
            return part
        if isinstance(part, ast.Attribute) and id(part) not in callees:
            return part
        stores = isinstance(part, ast.Name | ast.Attribute | ast.Subscript) and not isinstance(part.ctx, ast.Load)
        if stores and id(part) not in targets:
            return part
    return None


def _constant(node: ast.Constant) -> bool:
    """A constant arithmetic may hold: not bytes, not complex."""
    return not isinstance(node.value, bytes | complex)


class Function(Record):
    """A helper formula of the spec (`functions:`): parameters with defaults and a body of
    steps, each `name = expression`, the last an expression giving the result."""

    __slots__ = ("name", "params", "defaults", "steps", "text", "_codes", "_results")

    name: str
    params: tuple[str, ...]
    defaults: dict[str, object]
    steps: tuple[tuple[str | None, ast.expr, str], ...]  # (target or None for the result, expression, its text)
    text: str  # the signature as written: make_divisible(v, divisor, min_value=None)

    def __init__(
        self,
        name: str,
        params: tuple[str, ...],
        defaults: dict[str, object],
        steps: tuple[tuple[str | None, ast.expr, str], ...],
        text: str,
    ) -> None:
        self.name = name
        self.params = params
        self.defaults = defaults
        self.steps = steps
        self.text = text
        self._codes: tuple[Code, ...] | None = None  # the steps compiled, on the first call
        self._results: dict[tuple[str, str, tuple[str, ...]], object] = {}  # by each distinct call from a layer (result)

    memo = True
    """False calls every helper afresh (tests/test_memo.py compares both ways)."""

    def __repr__(self) -> str:
        return f"<function {self.text}>"

    def bind(self, args: tuple[object, ...], kwargs: dict[str, object]) -> dict[str, object]:
        """The parameters' values, bound as Python binds a call."""
        if len(args) > len(self.params):
            raise LayerError(
                f"{self.name}() takes {len(self.params)} arguments ({', '.join(self.params)}), found {len(args)}",
                code="CC104",
            )
        bound = dict(zip(self.params, args))
        for key, value in kwargs.items():
            if key not in self.params:
                raise LayerError(f"{self.name}() has no parameter {key!r}", hint=f"its parameters: {self.text}", code="CC103")
            if key in bound:
                raise LayerError(f"{self.name}() got {key!r} both by position and by keyword", code="CC104")
            bound[key] = value
        for key in self.params:
            if key not in bound:
                if key not in self.defaults:
                    raise LayerError(f"{self.name}() needs the argument {key!r}", hint=f"it is {self.text}", code="CC104")
                bound[key] = self.defaults[key]
        return bound

    def call(self, args: tuple[object, ...], kwargs: dict[str, object], functions: Mapping[str, object], depth: int) -> object:
        """The body evaluated with the arguments: it sees its parameters, its own steps and the
        other helpers, nothing of the caller's (as a module-level Python function)."""
        if depth > MAX_CALL_DEPTH:
            raise LayerError(f"helper formulas call each other more than {MAX_CALL_DEPTH} deep", code="CC105")
        env: dict[str, object] = {**functions, **self.bind(args, kwargs)}
        result: object = None
        for (target, _, text), code in zip(self.steps, self.codes()):
            try:
                result = code(env, depth + 1)
            except LayerError as exc:
                raise LayerError(f"{exc.message} (in {self.name})", exc.hint, exc.argument, exc.code) from None
            except RecursionError:
                raise LayerError(f"{short(text)} nests too deeply (in {self.name})", code="CC105") from None
            if target is not None:
                env[target] = result
        return result

    def result(self, args: tuple[object, ...], kwargs: dict[str, object], functions: Mapping[str, object]) -> object:
        """call() from a layer's arithmetic, bounded, once for each distinct call: a helper is a
        formula of its arguments and of the helpers it sees (a block parameter may hide one), and
        the next layer or block instance often asks the same (`round_filters(filters_in, width)`).
        Its plain arguments (apply) are keyed by their repr, which tells 1, 1.0 and True apart; a
        call that fails keeps nothing; deeper calls, whose depth is checked, are made as written."""
        key = (repr(args), repr(kwargs), tuple(functions))
        found = self._results.get(key, _UNSET)
        if found is _UNSET:
            found = self._results[key] = _bounded(self.call(args, kwargs, functions, 0), self.name)
        return found

    def codes(self) -> tuple[Code, ...]:
        """Its steps compiled, once."""
        if self._codes is None:
            try:
                self._codes = tuple(compiled(node, text) for _, node, text in self.steps)
            except RecursionError:
                raise LayerError(f"{short(self.text)} nests too deeply (in {self.name})", code="CC105") from None
        return self._codes


class ShapeReader:
    """What `shape(name)` calls: the graph's lookup of a name's output shape in one scope.
    `reference(name)` is given the name as written, or the value of a parameter that holds one."""

    def __init__(self, reference: Callable[[str], object]) -> None:
        self.reference = reference

    def __repr__(self) -> str:
        return "<shape>"


Code = Callable[[Mapping[str, object], int], object]
"""An expression compiled (`compiled`): its value in an environment of names, at a depth of
helper calls (a helper's body runs one deeper than its caller)."""


def evaluate(node: ast.expr, env: Mapping[str, object], text: str = "") -> object:
    """The value of an expression tree, or a LayerError naming what is not allowed.

    >>> evaluate(ast.parse("filters * 4", mode="eval").body, {"filters": 64})
    256
    >>> evaluate(ast.parse("(k, k // 2)", mode="eval").body, {"k": 7})
    (7, 3)
    >>> evaluate(ast.parse("max(8, int(v + 4) // 8 * 8), round(2.5), math.ceil(0.1)", mode="eval").body, {"v": 21.6})
    (24, 2, 1)
    """
    try:
        return compiled(node, text)(env, 0)
    except RecursionError:
        raise LayerError(f"{short(text)} nests too deeply", code="CC105") from None


_UNSET = object()


def compiled(node: ast.expr, text: str) -> Code:
    """The expression as a closure: what each node is (a name, `a * b`, a call...) is decided once
    here, not at each evaluation, and the closure does only the arithmetic. It raises exactly
    what evaluating the tree would, when it would: a part that is not allowed fails when it is
    reached (the side of `a or b` that is not needed never is). `text` is the expression as the
    spec wrote it, for the messages.

    >>> compiled(ast.parse("[f'{n}_{i}' for i in range(k)]", mode="eval").body, "")({"n": "conv", "k": 2}, 0)
    ['conv_0', 'conv_1']
    """
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float | str | bool | type(None)):
        value = node.value
        return lambda env, depth: value
    if isinstance(node, ast.Name):
        return _name(node.id, text)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _binary(node, text)
    if isinstance(node, ast.JoinedStr):
        return _joined(node, text)
    if isinstance(node, ast.Tuple | ast.List):
        codes = [compiled(item, text) for item in node.elts]
        if isinstance(node, ast.Tuple):
            return lambda env, depth: tuple([code(env, depth) for code in codes])
        return lambda env, depth: [code(env, depth) for code in codes]
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):  # input_shape[-1], input_shape[1:]
        return _subscript(node, text)
    if isinstance(node, ast.Compare) and all(type(op) in _COMPARE or isinstance(op, ast.Is | ast.IsNot) for op in node.ops):
        return _comparison(node, text)
    if isinstance(node, ast.BoolOp):
        return _boolean(node, text)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        operand = compiled(node.operand, text)
        return lambda env, depth: not operand(env, depth)
    if isinstance(node, ast.IfExp):
        test, body, orelse = compiled(node.test, text), compiled(node.body, text), compiled(node.orelse, text)
        return lambda env, depth: body(env, depth) if test(env, depth) else orelse(env, depth)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        return _sign(node, text)
    if isinstance(node, ast.ListComp):
        return _comprehension(node, text)
    if isinstance(node, ast.Call) and callee(node) and not any(isinstance(a, ast.Starred) for a in node.args):
        return _call(node, text)
    return _refused(text)


def _refused(text: str) -> Code:
    """A part of an expression that is not allowed: an error when (if) it is evaluated."""

    def refused(env: Mapping[str, object], depth: int) -> object:
        raise LayerError(
            f"{text!r} is not allowed here" if text else "this expression is not allowed here",
            hint="only literals, block parameters, + - * / // % **, comparisons, and the functions "
            + ", ".join(BUILTINS)
            + ", shape and the spec's own",
            code="CC102",
        )

    return refused


_VALUES = frozenset((int, str, float, bool, tuple, list, type(None)))
"""The types most values a name holds have: neither a helper nor the shape reader."""


def _name(name: str, text: str) -> Code:
    def load(env: Mapping[str, object], depth: int) -> object:
        found = env.get(name, _UNSET)
        if type(found) in _VALUES:
            return found
        if found is not _UNSET and not isinstance(found, (Function, ShapeReader)):  # a tuple: quicker than a union
            return found
        known = ", ".join(sorted(k for k, v in env.items() if not isinstance(v, Function | ShapeReader)))
        raise LayerError(
            f"unknown name {name!r} in {text or name!r}",
            hint=f"known names: {known or 'none here: names are the parameters of a block'}",
            code="CC105",
        )

    return load


def _binary(node: ast.BinOp, text: str) -> Code:
    """+ - * / // % **: `+` also joins two lists, tuples or strings; an exponent is at most 64.
    A chain `a + b + c` (Python parses it leaning left) is one closure folding its operands in
    order, so a long sum nests no deeper than a short one."""
    steps: list[tuple[type[ast.operator], Code]] = []
    part: ast.expr = node
    while isinstance(part, ast.BinOp) and type(part.op) in _BINARY:
        steps.append((type(part.op), compiled(part.right, text)))
        part = part.left
    first = compiled(part, text)
    chain = [(_BINARY[op], op is ast.Add, op is ast.Pow, right) for op, right in reversed(steps)]

    def binary(env: Mapping[str, object], depth: int) -> object:
        a = first(env, depth)
        for operation, joins, power, right in chain:
            a = _operate(operation, joins, power, a, right(env, depth), text)
        return a

    return binary


def _operate(operation: Callable[[Any, Any], Any], joins: bool, power: bool, a: object, b: object, text: str) -> object:
    if joins and type(a) is type(b) and isinstance(a, (list, tuple, str)):
        joined: Any = a
        return _items(joined + b, text)  # ["input"] + names, "layer" + f"{i}"
    if power:
        _number(a, text)
        if abs(_number(b, text)) > 64:
            raise LayerError(f"the exponent in {text!r} is too large", code="CC105")
    try:
        result = operation(_number(a, text), _number(b, text))
    except ZeroDivisionError:
        raise LayerError(f"division by zero in {text!r}", code="CC105") from None
    except OverflowError:
        raise LayerError(f"{text!r} overflows", code="CC105") from None
    return _bounded(result, text)


def _sign(node: ast.UnaryOp, text: str) -> Code:
    operand, negated = compiled(node.operand, text), isinstance(node.op, ast.USub)

    def sign(env: Mapping[str, object], depth: int) -> object:
        value = _number(operand(env, depth), text)
        return -value if negated else value

    return sign


def _boolean(node: ast.BoolOp, text: str) -> Code:
    """Python's and/or: the deciding operand, the rest not evaluated."""
    codes, deciding = [compiled(item, text) for item in node.values], isinstance(node.op, ast.Or)

    def boolean(env: Mapping[str, object], depth: int) -> object:
        value: object = None
        for code in codes:
            value = code(env, depth)
            if bool(value) == deciding:
                return value
        return value

    return boolean


def _comparison(node: ast.Compare, text: str) -> Code:
    """a < b < c is a < b and b < c, lazily."""
    first, steps = compiled(node.left, text), [(op, compiled(right, text)) for op, right in zip(node.ops, node.comparators)]

    def comparison(env: Mapping[str, object], depth: int) -> object:
        left = first(env, depth)
        for op, code in steps:
            right = code(env, depth)
            if not _compare(op, left, right, text):
                return False
            left = right
        return True

    return comparison


def _items(value: Any, text: str) -> Any:
    if len(value) > MAX_ITEMS:
        raise LayerError(f"{short(text)} makes more than {MAX_ITEMS:,} items", code="CC105")
    return value


def _comprehension(node: ast.ListComp, text: str) -> Code:
    """[element for name in items if condition ...], each `for` over a tuple, a list, a string
    or range(); its names are seen by the element and the conditions only."""
    element = compiled(node.elt, text)
    loops = [
        (compiled(loop.iter, text), loop.target, loop.is_async, [compiled(c, text) for c in loop.ifs]) for loop in node.generators
    ]

    def comprehension(env: Mapping[str, object], depth: int) -> object:
        found: list[object] = []
        steps = [0]

        def run(index: int, scope: Mapping[str, object]) -> None:
            if index == len(loops):
                found.append(element(scope, depth))
                return
            iterated, target, is_async, conditions = loops[index]
            items = iterated(scope, depth)
            if not isinstance(items, (tuple, list, str)):
                found_text = f"found {short(items)} in {text!r}"
                raise LayerError(f"a comprehension runs over a tuple, a list or range(), {found_text}", code="CC105")
            if not isinstance(target, ast.Name) or is_async:  # allowed() refuses them before
                raise LayerError(f"a comprehension's `for` takes one name, in {text!r}", code="CC102")
            for item in items:
                steps[0] += 1
                if steps[0] > MAX_ITEMS:
                    raise LayerError(f"{short(text)} runs more than {MAX_ITEMS:,} steps", code="CC105")
                inner = {**scope, target.id: item}
                if all(condition(inner, depth) for condition in conditions):
                    run(index + 1, inner)

        run(0, env)
        return found

    return comprehension


def _joined(node: ast.JoinedStr, text: str) -> Code:
    """An f-string: its text as is, each `{value}` / `{value:spec}` a number, text, bool or None."""
    parts: list[str | tuple[Code, int, Code | None]] = []
    for part in node.values:
        if isinstance(part, ast.Constant):
            parts.append(str(part.value))
        else:
            assert isinstance(part, ast.FormattedValue)
            spec = None if part.format_spec is None else compiled(part.format_spec, text)
            parts.append((compiled(part.value, text), part.conversion, spec))

    def formatted(env: Mapping[str, object], depth: int, code: Code, conversion: int, spec: Code | None) -> str:
        value = code(env, depth)
        if not isinstance(value, (int, float, str, type(None))):
            raise LayerError(f"an f-string formats numbers and text, found {short(value)} in {text!r}", code="CC105")
        if conversion in (ord("r"), ord("a")):
            value = repr(value)
        written = "" if spec is None else spec(env, depth)
        try:
            return format(value, str(written))
        except (ValueError, TypeError) as exc:  # TypeError: None takes no format spec
            raise LayerError(f"{short(text)}: {exc}", code="CC105") from None

    simple = [part if isinstance(part, str) else part[0] for part in parts]  # text, and values formatted as str() does
    if any(not isinstance(part, str) and (part[1] != -1 or part[2] is not None) for part in parts):
        simple = []

    def joined(env: Mapping[str, object], depth: int) -> object:
        if simple:  # most f-strings: {name} and {i + 1}, no conversion or format spec
            pieces = []
            for part in simple:
                if type(part) is str:
                    pieces.append(part)
                    continue
                value = part(env, depth)  # type: ignore[operator]
                if type(value) is not str:
                    if not isinstance(value, (int, float, type(None))):
                        raise LayerError(f"an f-string formats numbers and text, found {short(value)} in {text!r}", code="CC105")
                    value = format(value, "")
                pieces.append(value)
            return "".join(pieces)
        return "".join([part if isinstance(part, str) else formatted(env, depth, *part) for part in parts])

    return joined


def _subscript(node: ast.Subscript, text: str) -> Code:
    """input_shape[-1], input_shape[1:]: a tuple, list or string indexed by an integer or sliced."""
    container_code = compiled(node.value, text)
    if isinstance(node.slice, ast.Slice):
        bounds = [None if p is None else compiled(p, text) for p in (node.slice.lower, node.slice.upper, node.slice.step)]

        def sliced(env: Mapping[str, object], depth: int) -> object:
            container = _indexable(container_code(env, depth), text)
            parts = [None if p is None else p(env, depth) for p in bounds]
            ints: list[int | None] = [p for p in parts if p is None or (isinstance(p, int) and not isinstance(p, bool))]
            if len(ints) != 3 or ints[2] == 0:
                raise LayerError(f"a slice takes integers (and a step other than 0) in {text!r}", code="CC105")
            return container[slice(*ints)]

        return sliced
    index_code = compiled(node.slice, text)

    def indexed(env: Mapping[str, object], depth: int) -> object:
        container = _indexable(container_code(env, depth), text)
        index = index_code(env, depth)
        if isinstance(index, bool) or not isinstance(index, int):
            raise LayerError(f"only a tuple can be indexed, by an integer, in {text!r}", code="CC105")
        if not -len(container) <= index < len(container):
            raise LayerError(f"index {index} is out of range for {container!r} in {text!r}", code="CC105")
        return container[index]

    return indexed


def _indexable(container: object, text: str) -> tuple[object, ...] | list[object] | str:
    if not isinstance(container, (tuple, list, str)):
        raise LayerError(f"only a tuple can be indexed, by an integer, in {text!r}", code="CC105")
    return container


def _compare(op: ast.cmpop, left: object, right: object, text: str) -> object:
    if isinstance(op, ast.Is | ast.IsNot):
        # Identity is defined for the singletons None, True and False; for numbers it is an
        # accident of CPython (Python warns about `x is 1`), so a spec compares those with ==.
        if not any(v is None or isinstance(v, bool) for v in (left, right)):
            raise LayerError(
                f"`is` compares with None, True or False, not {short(left)} and {short(right)}, in {text!r}",
                hint="use == to compare values",
                code="CC105",
            )
        return (left is right) == isinstance(op, ast.Is)
    try:
        return _COMPARE[type(op)](left, right)
    except TypeError:
        raise LayerError(f"{short(left)} and {short(right)} cannot be compared in {text!r}", code="CC105") from None


def _call(node: ast.Call, text: str) -> Code:
    """A call of a builtin, range(), shape() or one of the spec's helpers, which `env` tells apart
    (a block parameter named as a builtin hides it, as in Python)."""
    name = callee(node)
    plain = isinstance(node.func, ast.Name)  # f(x), not math.f(x)
    shape = _shape(node, text) if name == SHAPE and plain else None
    codes = [compiled(a, text) for a in node.args]
    keywords = [(str(k.arg), compiled(k.value, text)) for k in node.keywords]

    def call(env: Mapping[str, object], depth: int) -> object:
        if shape is not None and isinstance(env.get(SHAPE), ShapeReader):
            return shape(env, depth)
        args = tuple([code(env, depth) for code in codes])
        kwargs = {key: code(env, depth) for key, code in keywords}
        function = env.get(name) if plain else None
        if isinstance(function, Function):
            return apply(function, args, kwargs, env, depth)
        if name == RANGE and name not in env:
            return _range(args, kwargs, text)
        if name in BUILTINS and (not plain or name not in env):
            return _bounded(builtin(name, args, kwargs, text), text)
        if plain and name in env and not isinstance(env[name], ShapeReader):
            raise LayerError(f"{name!r} is {short(env[name])} here, not a function, in {text!r}", code="CC105")
        if name == SHAPE:
            raise LayerError(f"shape() reads the shape of a layer, which is not known here: {text!r}", code="CC105")
        raise LayerError(
            f"unknown function {name!r} in {text!r}",
            hint="the functions are " + ", ".join(BUILTINS) + ", shape, and those the spec defines under `functions:`",
            code="CC105",
        )

    return call


def apply(
    function: Function, args: tuple[object, ...], kwargs: dict[str, object], env: Mapping[str, object], depth: int = 0
) -> object:
    """A helper called from `env` (whose helpers it may call in turn), its result bounded."""
    functions = {k: v for k, v in env.items() if isinstance(v, Function)}
    if depth == 0 and Function.memo and _plain(args) and _plain(tuple(kwargs.values())):
        return function.result(args, kwargs, functions)
    return _bounded(function.call(args, kwargs, functions, depth), function.name)


_SCALARS = frozenset((int, float, str, bool, type(None)))


def _plain(values: tuple[object, ...] | list[object]) -> bool:
    """Numbers, text, True/False/None, and tuples and lists of them: values whose repr tells
    them apart, unlike a symbolic size (whose comparisons a helper makes are guards to record)."""
    return all([type(v) in _SCALARS or (type(v) in (tuple, list) and _plain(v)) for v in values])  # type: ignore[arg-type]


def _shape(node: ast.Call, text: str) -> Code:
    """shape(skip): the argument names a layer (bare, quoted, or a parameter holding a name)."""
    single = len(node.args) == 1 and not node.keywords
    argument = node.args[0] if single else None
    bare = argument.id if isinstance(argument, ast.Name) else None
    code = compiled(argument, text) if argument is not None else None

    def shape(env: Mapping[str, object], depth: int) -> object:
        reader = env[SHAPE]
        assert isinstance(reader, ShapeReader)
        if code is None:
            raise LayerError(f"shape() takes one layer name, in {text!r}", code="CC104")
        name = bare if bare is not None and bare not in env else code(env, depth)
        if not isinstance(name, str):
            raise LayerError(f"shape() takes a layer name, found {short(name)} in {text!r}", code="CC105")
        return reader.reference(name)

    return shape


def _range(args: tuple[object, ...], kwargs: dict[str, object], text: str) -> tuple[int, ...]:
    """range(stop), range(start, stop[, step]) as a tuple, of at most MAX_ITEMS integers.

    >>> _range((1, 4), {}, ""), _range((6, 0, -2), {}, "")
    ((1, 2, 3), (6, 4, 2))
    """
    ints = [a for a in args if isinstance(a, int) and not isinstance(a, bool)]
    if kwargs or not 1 <= len(args) <= 3 or len(ints) != len(args):
        raise LayerError(f"range() takes 1 to 3 integers, found {short(args)} in {text!r}", code="CC105")
    if len(ints) == 3 and ints[2] == 0:
        raise LayerError(f"range()'s step must not be 0, in {text!r}", code="CC105")
    numbers = range(*ints)
    return tuple(_items(numbers, text))


def builtin(name: str, args: tuple[object, ...], kwargs: dict[str, object], text: str) -> object:
    """One of BUILTINS applied as Python applies it, its arguments checked first.

    >>> builtin("round", (2.5,), {}, ""), builtin("round", (3.5,), {}, ""), builtin("int", (-2.7,), {}, "")
    (2, 4, -2)
    >>> builtin("gcd", (64, 96), {}, "math.gcd(c1, c2)")
    32
    """
    takes = {"round": ("number", "ndigits")}.get(name, ())
    for key in kwargs:
        if key not in takes:
            raise LayerError(f"{name}() takes no keyword {key!r} here, in {text!r}", code="CC103")
    if name in TEXT:
        return _text_builtin(name, args, text)
    if name in ("min", "max"):
        items = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
        if not items:
            raise LayerError(f"{name}() of nothing in {text!r}", code="CC105")
        try:
            return min(items) if name == "min" else max(items)
        except TypeError:
            raise LayerError(f"{name}() cannot compare {short(items)} in {text!r}", code="CC105") from None
    if name == "round":
        values = dict(zip(takes, args)) | kwargs
        if len(args) > 2 or len(values) < len(args) + len(kwargs) or "number" not in values:
            raise LayerError(f"round() takes a number and ndigits, in {text!r}", code="CC104")
        digits = values.get("ndigits")
        if digits is not None and (isinstance(digits, bool) or not isinstance(digits, int)):
            raise LayerError(f"round()'s ndigits must be an integer, found {short(digits)} in {text!r}", code="CC105")
        try:
            return round(_number(values["number"], text), digits)
        except (OverflowError, ValueError) as exc:
            raise LayerError(f"round() fails in {text!r}: {exc}", code="CC105") from None
    if name == "gcd":  # Ultralytics' DWConv: groups=math.gcd(c1, c2)
        if any(isinstance(a, bool) or not isinstance(a, int) for a in args):
            raise LayerError(f"gcd() takes integers, found {short(args)} in {text!r}", code="CC105")
        return math.gcd(*(int(a) for a in args))  # type: ignore[call-overload]
    if len(args) != 1:
        raise LayerError(f"{name}() takes one number, found {len(args)} arguments in {text!r}", code="CC104")
    value = _number(args[0], text)
    function = UNARY[name]
    try:
        return function(value)
    except (OverflowError, ValueError) as exc:  # int(inf), log2(0)
        raise LayerError(f"{name}({short(value)}) fails in {text!r}: {exc}", code="CC105") from None


def _text_builtin(name: str, args: tuple[object, ...], text: str) -> str:
    """str(value) as Python writes it (a number, text, a truth value or None); chr(code) the
    character of a Unicode code point.

    >>> _text_builtin("str", (5,), ""), _text_builtin("chr", (97,), "")
    ('5', 'a')
    """
    if len(args) != 1:
        raise LayerError(f"{name}() takes one value, found {len(args)} arguments in {text!r}", code="CC104")
    value = args[0]
    if name == "str":
        if not isinstance(value, (int, float, str, bool, type(None))):
            raise LayerError(f"expected a number or text to write as text in {text!r}, found {short(value)}", code="CC105")
        return str(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 0x10FFFF:
        raise LayerError(f"chr() takes a code point from 0 to 0x10FFFF, found {short(value)} in {text!r}", code="CC105")
    return chr(value)


UNARY: dict[str, Callable[[float], object]] = {
    "int": int,
    "abs": abs,
    "ceil": math.ceil,
    "floor": math.floor,
    "log2": math.log2,
}


def _bounded(result: object, text: str) -> object:
    if type(result) is int and -LIMIT <= result <= LIMIT:  # most results: answered without the isinstance chain
        return result
    if isinstance(result, complex):  # (-8) ** 0.5
        raise LayerError(f"{text!r} is not a real number", code="CC105")
    if isinstance(result, (int, float)) and not isinstance(result, bool) and not abs(result) <= LIMIT:
        raise LayerError(f"{text!r} is larger than {LIMIT:,}", code="CC105")
    return result


def _number(value: object, text: str) -> int | float:
    if type(value) is int:
        return value
    if integral(value):  # a formula of the input's symbols computes as an int does
        return cast(int, value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise LayerError(f"expected a number in {text!r}, found {value!r}", code="CC105")
    return value
