"""Python statements laid out as `ruff format` (and black) lays them out, without either installed.

A statement is parsed with `ast` and turned into a document of groups (Wadler's "prettier
printer", the model of ruff's formatter): a group is printed on one line when it fits in the
line length, else its line breaks open, outermost first. Call arguments and `def` parameters are
two nested groups, so a call that does not fit first "hugs" its arguments on one indented line and
only then puts one per line with a magic trailing comma; a list, tuple or dict literal puts one
item per line as soon as it breaks. The export's tests hold every generated file to
`ruff format --check`.

>>> print(statement("self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False, padding_mode='zeros')", 4))
    self.conv1 = nn.Conv2d(
        3, 64, 7, stride=2, padding=3, bias=False, padding_mode="zeros"
    )
"""

from __future__ import annotations

import ast
import math

from convcalc.record import Record

WIDTH = 88  # ruff's and black's default line length
INDENT = 4


class Line(Record):
    """A place to break: nothing (soft) or a space when its group is flat, a new line when it breaks."""

    __slots__ = ("soft",)

    soft: bool

    def __init__(self, soft: bool = True) -> None:
        self.soft = soft


class Group(Record):
    """Printed flat when all of it, and the rest of its line, fits; else its own lines break."""

    __slots__ = ("parts",)

    parts: list[Doc]

    def __init__(self, parts: list[Doc]) -> None:
        self.parts = parts


class Indent(Record):
    """Its lines one level deeper."""

    __slots__ = ("parts",)

    parts: list[Doc]

    def __init__(self, parts: list[Doc]) -> None:
        self.parts = parts


class IfBreak(Record):
    """Text printed only when the enclosing group breaks (the magic trailing comma)."""

    __slots__ = ("text",)

    text: str

    def __init__(self, text: str) -> None:
        self.text = text


Doc = str | Line | Group | Indent | IfBreak | list  # a list is its parts in order
SOFT = Line(soft=True)
SPACE = Line(soft=False)
FLAT, BREAK = False, True


def render(doc: Doc, indent: int = 0, width: int = WIDTH) -> str:
    """The document printed from column `indent`, as the lines of one statement."""
    out: list[str] = [" " * indent]
    column = indent
    stack: list[tuple[int, bool, Doc]] = [(indent, BREAK, doc)]
    while stack:
        level, mode, item = stack.pop()
        if isinstance(item, str):
            out.append(item)
            column += len(item)
        elif isinstance(item, list):
            stack.extend((level, mode, part) for part in reversed(item))
        elif isinstance(item, Indent):
            stack.extend((level + INDENT, mode, part) for part in reversed(item.parts))
        elif isinstance(item, Group):
            flat = mode is FLAT or _fits([(level, FLAT, item.parts)], stack, width - column)
            stack.append((level, FLAT if flat else BREAK, item.parts))
        elif isinstance(item, Line):
            if mode is FLAT:
                text = "" if item.soft else " "
                out.append(text)
                column += len(text)
            else:
                out.append("\n" + " " * level)
                column = level
        elif mode is BREAK:  # IfBreak
            out.append(item.text)
            column += len(item.text)
    return "".join(out)


def _fits(pending: list[tuple[int, bool, Doc]], rest: list[tuple[int, bool, Doc]], room: int) -> bool:
    """Whether `pending` printed flat, then the rest of the line in its own modes, takes at most
    `room` columns: the measure stops at the first line break the rest would make."""
    stack = list(pending)
    rest_index = len(rest)
    while room >= 0:
        if not stack:
            if rest_index == 0:
                return True
            rest_index -= 1
            stack.append(rest[rest_index])
            continue
        level, mode, item = stack.pop()
        if isinstance(item, str):
            room -= len(item)
        elif isinstance(item, list):
            stack.extend((level, mode, part) for part in reversed(item))
        elif isinstance(item, Indent):
            stack.extend((level, mode, part) for part in reversed(item.parts))
        elif isinstance(item, Group):
            stack.append((level, mode, item.parts))
        elif isinstance(item, Line):
            if mode is BREAK:
                return True
            room -= 0 if item.soft else 1
        elif mode is BREAK:
            room -= len(item.text)
    return False


# --- Python expressions


def bracketed(opening: str, items: list[Doc], closing: str, hug: bool = False, comma: bool = True) -> Doc:
    """Items between brackets. A call's arguments (`hug`) try one indented line before one per
    line; a literal's items go one per line at once; one item never gets a trailing comma."""
    if not items:
        return opening + closing
    if len(items) == 1:
        return Group([opening, Indent([SOFT, items[0]]), SOFT, closing])
    joined: list[Doc] = []
    for index, item in enumerate(items):
        joined += [item, ","] if index < len(items) - 1 else [item]
        if index < len(items) - 1:
            joined.append(SPACE)
    if comma:
        joined.append(IfBreak(","))
    body: Doc = Group(joined) if hug else joined
    return Group([opening, Indent([SOFT, body]), SOFT, closing])


def literal(value: object) -> str:
    """A constant as ruff writes it: double quotes unless single ones need fewer escapes,
    lower-case exponents without `+`.

    >>> literal("same"), literal('say "hi"'), literal(1e-05), literal(1e20), literal(float("inf"))
    ('"same"', '\\'say "hi"\\'', '1e-05', '1e20', 'float("inf")')
    """
    if isinstance(value, str):
        return quoted(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return f'float("{value}")' if value > 0 or math.isnan(value) else 'float("-inf")'
        return repr(value).replace("e+", "e")
    if isinstance(value, bytes):
        return "b" + quoted(value.decode("latin-1"))
    if value is Ellipsis:
        return "..."
    return repr(value)


def quoted(text: str, prefix: str = "") -> str:
    """A string literal: `repr`'s escapes, in the quotes that need fewer of them (double on a tie)."""
    chosen = repr(text)
    body = chosen[1:-1].replace("\\" + chosen[0], chosen[0])  # repr escapes the quote it chose; choose again
    quote = "'" if text.count('"') > text.count("'") else '"'
    return prefix + quote + body.replace(quote, "\\" + quote) + quote


_PRECEDENCE: dict[type, int] = {
    ast.Or: 1,
    ast.And: 2,
    ast.Not: 3,
    ast.Compare: 4,
    ast.BitOr: 5,
    ast.BitXor: 6,
    ast.BitAnd: 7,
    ast.LShift: 8,
    ast.RShift: 8,
    ast.Add: 9,
    ast.Sub: 9,
    ast.Mult: 10,
    ast.Div: 10,
    ast.FloorDiv: 10,
    ast.Mod: 10,
    ast.MatMult: 10,
    ast.UAdd: 11,
    ast.USub: 11,
    ast.Invert: 11,
    ast.Pow: 12,
}
_SYMBOLS: dict[type, str] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**",
    ast.MatMult: "@", ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&", ast.LShift: "<<", ast.RShift: ">>",
    ast.UAdd: "+", ast.USub: "-", ast.Invert: "~", ast.Not: "not ", ast.And: "and", ast.Or: "or",
    ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Is: "is",
    ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in",
}  # fmt: skip
_ATOM = 20
ATOM = _ATOM  # the precedence of a name, a call, a literal: never parenthesized


def precedence(node: ast.expr) -> int:
    if isinstance(node, ast.IfExp):
        return 0
    if isinstance(node, ast.BoolOp):
        return _PRECEDENCE[type(node.op)]
    if isinstance(node, ast.BinOp | ast.UnaryOp):
        return _PRECEDENCE[type(node.op)]
    if isinstance(node, ast.Compare):
        return _PRECEDENCE[ast.Compare]
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and node.value < 0:
        return _PRECEDENCE[ast.USub]
    return _ATOM


def operand(node: ast.expr, above: int, right: bool = False) -> str:
    """`node` as an operand of an operator of precedence `above`, parenthesized where Python
    would read it otherwise (`**` groups to the right, every other operator to the left)."""
    text = flat(node)
    mine = precedence(node)
    if mine < above or (mine == above and right != (above == _PRECEDENCE[ast.Pow])):
        return f"({text})"
    return text


def flat(node: ast.expr) -> str:
    """An expression on one line, as ruff writes it."""
    return render(expression(node), 0, width=10**9)


def _simple_power(node: ast.expr, negated: bool = False) -> bool:
    """An operand ruff writes a power of without spaces: a name, a number, an attribute chain
    (the exponent also negated: `x**-1`).

    >>> _simple_power(ast.parse("a.b").body[0].value), _simple_power(ast.parse("f(x)").body[0].value)
    (True, False)
    """
    if negated and isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return _simple_power(node.operand)
    if isinstance(node, ast.Attribute):
        return _simple_power(node.value)
    return isinstance(node, ast.Name) or (isinstance(node, ast.Constant) and type(node.value) in (int, float))


def expression(node: ast.expr) -> Doc:
    """The document of an expression."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Constant):
        return literal(node.value)
    if isinstance(node, ast.Attribute):
        value = expression(node.value)
        if (isinstance(node.value, ast.Constant) and isinstance(node.value.value, int)) or precedence(node.value) < _ATOM:
            value = f"({flat(node.value)})"
        return [value, ".", node.attr]
    if isinstance(node, ast.Call):
        if len(node.args) == 1 and not node.keywords and isinstance(node.args[0], ast.GeneratorExp):
            return [expression(node.func), "(", ast.unparse(node.args[0])[1:-1], ")"]  # its own parentheses
        items = [expression(a) for a in node.args] + [_keyword(k) for k in node.keywords]
        func = expression(node.func) if precedence(node.func) == _ATOM else f"({flat(node.func)})"
        return [func, bracketed("(", items, ")", hug=True)]
    if isinstance(node, ast.Subscript):
        value = expression(node.value) if precedence(node.value) == _ATOM else f"({flat(node.value)})"
        return [value, Group(["[", Indent([SOFT, _slice(node.slice)]), SOFT, "]"])]
    if isinstance(node, ast.List):
        return bracketed("[", [expression(e) for e in node.elts], "]")
    if isinstance(node, ast.Set):
        return bracketed("{", [expression(e) for e in node.elts], "}")
    if isinstance(node, ast.Tuple):
        if len(node.elts) == 1:
            return Group(["(", Indent([SOFT, expression(node.elts[0]), ","]), SOFT, ")"])
        return bracketed("(", [expression(e) for e in node.elts], ")")
    if isinstance(node, ast.Dict):
        pairs: list[Doc] = [
            ["**", expression(v)] if k is None else [expression(k), ": ", expression(v)] for k, v in zip(node.keys, node.values)
        ]
        return bracketed("{", pairs, "}")
    if isinstance(node, ast.Starred):
        return ["*", expression(node.value)]
    if isinstance(node, ast.JoinedStr):
        return _fstring(node)
    if isinstance(node, ast.BinOp):
        mine = _PRECEDENCE[type(node.op)]
        hug = isinstance(node.op, ast.Pow) and _simple_power(node.left) and _simple_power(node.right, negated=True)
        space = "" if hug else " "  # ruff's `w_m**c`: a power of simple operands, unspaced
        return f"{operand(node.left, mine)}{space}{_SYMBOLS[type(node.op)]}{space}{operand(node.right, mine, right=True)}"
    if isinstance(node, ast.UnaryOp):
        mine = _PRECEDENCE[type(node.op)]
        return f"{_SYMBOLS[type(node.op)]}{operand(node.operand, mine)}"
    if isinstance(node, ast.BoolOp):
        mine = _PRECEDENCE[type(node.op)]
        return f" {_SYMBOLS[type(node.op)]} ".join(operand(v, mine + 1) for v in node.values)
    if isinstance(node, ast.Compare):
        mine = _PRECEDENCE[ast.Compare]
        parts = [operand(node.left, mine + 1)]
        for op, right in zip(node.ops, node.comparators):
            parts += [_SYMBOLS[type(op)], operand(right, mine + 1)]
        return " ".join(parts)
    if isinstance(node, ast.IfExp):
        return f"{operand(node.body, 1)} if {operand(node.test, 1)} else {operand(node.orelse, 0)}"
    return ast.unparse(node)


def _keyword(node: ast.keyword) -> Doc:
    if node.arg is None:
        return ["**", expression(node.value)]
    return [node.arg, "=", expression(node.value)]


def _slice(node: ast.expr) -> str:
    if isinstance(node, ast.Tuple):
        return ", ".join(_slice(e) for e in node.elts)
    if isinstance(node, ast.Slice):
        parts = ["" if p is None else flat(p) for p in (node.lower, node.upper)]
        text = ":".join(parts)
        return text + (f":{flat(node.step)}" if node.step is not None else "")
    return flat(node)


def _fstring(node: ast.JoinedStr) -> str:
    pieces: list[str] = []
    for value in node.values:
        if isinstance(value, ast.Constant):
            pieces.append(quoted(str(value.value))[1:-1].replace("{", "{{").replace("}", "}}"))
        elif isinstance(value, ast.FormattedValue):
            pieces.append("{" + flat(value.value) + "}")
    text = "".join(pieces)
    if '"' in text:
        raise ValueError("an f-string holding a double quote")  # the export never writes one
    return 'f"' + text + '"'


# --- statements


def statement(source: str, indent: int = 0) -> str:
    """One simple statement (or a compound statement's header, ending in `:`) laid out from
    column `indent`."""
    header = source.rstrip().endswith(":")
    tree = ast.parse(source + "\n    pass" if header else source)
    node = tree.body[0]
    return render(_statement(node), indent)


def _statement(node: ast.stmt) -> Doc:
    if isinstance(node, ast.Assign):
        targets: list[Doc] = [[_target(t), " = "] for t in node.targets]
        return [*targets, _value(node.value)]
    if isinstance(node, ast.AugAssign):
        return [_target(node.target), f" {_SYMBOLS[type(node.op)]}= ", _value(node.value)]
    if isinstance(node, ast.Expr):
        return expression(node.value)
    if isinstance(node, ast.Return):
        return "return" if node.value is None else ["return ", _value(node.value)]
    if isinstance(node, ast.FunctionDef):
        return ["def ", node.name, bracketed("(", _parameters(node.args), ")", hug=True), ":"]
    if isinstance(node, ast.ClassDef):
        bases = [expression(b) for b in node.bases]
        return ["class ", node.name, bracketed("(", bases, ")", hug=True) if bases else "", ":"]
    if isinstance(node, ast.For):
        return ["for ", _target(node.target), " in ", expression(node.iter), ":"]
    if isinstance(node, ast.If):
        return ["if ", flat(node.test), ":"]
    if isinstance(node, ast.Import | ast.ImportFrom | ast.Pass):
        return ast.unparse(node)
    raise ValueError(f"no layout for {type(node).__name__}")


def _target(node: ast.expr) -> str:
    if isinstance(node, ast.Tuple):
        return ", ".join(flat(e) for e in node.elts)
    return flat(node)


def _value(node: ast.expr) -> Doc:
    """A right-hand side: a bare tuple gains parentheses only where it breaks."""
    if isinstance(node, ast.Tuple) and len(node.elts) > 1:
        items: list[Doc] = []
        for index, element in enumerate(node.elts):
            items += [expression(element)]
            if index < len(node.elts) - 1:
                items += [",", SPACE]
        return Group([IfBreak("("), Indent([SOFT, *items, IfBreak(",")]), SOFT, IfBreak(")")])
    return expression(node)


def _parameters(args: ast.arguments) -> list[Doc]:
    positional = args.posonlyargs + args.args
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    items: list[Doc] = []
    for arg, default in zip(positional, defaults):
        items.append(arg.arg if default is None else [arg.arg, "=", expression(default)])
    if args.vararg is not None:
        items.append("*" + args.vararg.arg)
    elif args.kwonlyargs:
        items.append("*")
    for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults):
        items.append(arg.arg if kw_default is None else [arg.arg, "=", expression(kw_default)])
    if args.kwarg is not None:
        items.append("**" + args.kwarg.arg)
    return items
