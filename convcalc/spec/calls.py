"""Layer calls such as `Conv2D(32, 3, padding="same")`, read with `ast`, never run.

Arguments are literals; inside blocks they may also be arithmetic of the block's parameters
(`filters * 4`), kept as `Expr` until an instance gives the names values (see expr.py); a
wrapper's argument may itself be a call (`Bidirectional(LSTM(64))`).
"""

from __future__ import annotations

import ast
import functools
import re
import sys
import warnings
from collections.abc import Callable, Mapping
from itertools import accumulate
from keyword import iskeyword
from operator import add

from convcalc.errors import LayerError
from convcalc.record import Record
from convcalc.spec.expr import BUILTINS, RANGE, SHAPE, Expr, Function, allowed, apply


class Call(Record):
    """A layer written as a call: its type name, positional and keyword arguments.

    `offsets` maps an argument (its position as an int, or its keyword) to its column in the
    source text, so an error about one argument can point at it.
    """

    __slots__ = ("name", "args", "kwargs", "offsets", "_plain", "_at")

    name: str
    args: tuple[object, ...]
    kwargs: dict[str, object]
    offsets: dict[int | str, int]

    def __init__(
        self,
        name: str,
        args: tuple[object, ...] = (),
        kwargs: dict[str, object] | None = None,
        offsets: dict[int | str, int] | None = None,
        plain: bool = False,
        at: int = 0,
    ) -> None:
        self.name = name
        self.args = args
        self.kwargs = {} if kwargs is None else kwargs
        self.offsets = {} if offsets is None else offsets
        self._plain = plain  # read by the fast path: literals only, no arithmetic (False: look)
        self._at = at  # its own column in the text it was read from (a nested call's is not 0)

    @property
    def plain(self) -> bool:
        return self._plain

    @property
    def at(self) -> int:
        return self._at


MAX_CALL_LENGTH = 100_000  # characters; a layer call is a line, not a file


def parse_call(text: str) -> Call:
    """Parse `Name(args...)` or a bare `Name` into a Call.

    >>> parse_call('Conv2D(32, (3, 3), activation="relu")')
    Call(name='Conv2D', args=(32, (3, 3)), kwargs={'activation': 'relu'}, offsets={0: 7, 1: 11, 'activation': 19})
    >>> parse_call("Flatten").name
    'Flatten'
    >>> parse_call("Conv2D(filters * 4, 1)").args
    (filters * 4, 1)

    Whatever the text, the result is a Call or a LayerError: nesting too deep for the parser,
    a number too long for Python, a NUL byte, an unhashable dict key all become messages.
    Calls repeat (a network is its few layer types many times), so results are remembered;
    a Call is never changed once made.
    """
    if len(text) > MAX_CALL_LENGTH:
        raise LayerError(f"the layer call is {len(text):,} characters long, more than {MAX_CALL_LENGTH:,}", code="CC102")
    return _parse_call(text)


READ_BY_AST_FIRST = 64
"""Distinct calls read by `ast` before the fast path takes over: it reads a plain call in ~7 us
where `ast` takes ~14 us, but compiling its two regular expressions costs ~0.5 ms, which only
pays off after some seventy calls (a 100,000-layer spec, `check` over many specs)."""

_distinct = 0


def forget() -> None:
    """Start over as a new process does: no call remembered, the next ones read by `ast` first
    (the scale tests count the work of each run from scratch)."""
    global _distinct
    _distinct = 0
    _parse_call.cache_clear()
    _skeleton.cache_clear()


@functools.lru_cache(maxsize=1024)
def _parse_call(text: str) -> Call:
    global _distinct
    _distinct += 1
    if _distinct > READ_BY_AST_FIRST:
        return plain_call(text) or _parse_with_ast(text)
    return _parse_with_ast(text)


# The plain calls most specs are made of, `Conv2D(64, 3, strides=2, padding="same")`, read
# without `ast`: a name, then arguments that are each a number, a string without escapes,
# True/False/None, or a tuple or list of integers and such strings, on one line of ASCII.
# Anything else (or anything odd about these: leading zeros, a keyword repeated, a positional
# argument after a keyword) is left to `ast`, the authority; tests/test_calls.py checks that both
# read generated calls alike.
TOKEN = (
    r"([ \t]*)(?:(-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)|('[^'\\]*'|\"[^\"\\]*\")"
    r"|([A-Za-z_][A-Za-z0-9_]*)|([()\[\],=.])|(.))"
)
"""Spaces, then one token: a number, a string, a name, a mark, or anything else (which ends the
fast path). findall() gives each as a tuple of its groups; the spaces give each token's column."""

_CONSTANTS = {"True": True, "False": False, "None": None}
Token = tuple[str, str, int]  # kind (number, string, name, mark), text, column
PLAIN_NUMBER = r"-?(?:0|[1-9][0-9]{0,99})(?:\.[0-9]{1,100}(?:[eE][-+]?[0-9]{1,3})?|[eE][-+]?[0-9]{1,3})?"


STRING = r"""("[^"]*"|'[^']*')"""
"""A string literal as TOKEN reads one in a text without backslashes: split() gives the text
around them and the literals, quotes and all."""


@functools.cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """TOKEN, PLAIN_NUMBER and STRING, compiled when the fast path is first used."""
    return re.compile(TOKEN), re.compile(PLAIN_NUMBER), re.compile(STRING)


def plain_call(text: str) -> Call | None:
    """`text` read as a plain call without `ast`, or None when it is not one of those.

    >>> plain_call('Conv2D(32, (3, 3), activation="relu")') == _parse_with_ast('Conv2D(32, (3, 3), activation="relu")')
    True
    >>> plain_call("Dense(units * 2)") is None
    True

    Calls that differ only in their strings (`Conv2D(16, 3, name="n7", inputs=["n6"])`, a
    generated network's every layer) are read once: the call with its strings emptied, its
    skeleton, is read by the tokens, and each text gets its own strings back (and the columns
    after them moved by their lengths). A string's contents never change how the tokens read.
    """
    if not text.isascii() or "\n" in text or "\r" in text:
        return None
    if "\\" in text or ('"' not in text and "'" not in text):
        return _plain_call(text)
    pieces = _patterns()[2].split(text)
    if len(pieces) == 1:
        return _plain_call(text)
    skeleton = pieces.copy()
    skeleton[1::2] = [piece[0] * 2 for piece in pieces[1::2]]
    read = _skeleton("".join(skeleton))
    return None if read is None else _filled(read, pieces)


Skeleton = tuple[
    Call, tuple[int, ...], tuple[tuple[str, object, int], ...], tuple[int | str, ...], tuple[int, ...], tuple[int, ...]
]
"""A call read from its skeleton, and how to fill it: for each positional argument, then each
keyword (with its key and value), whether it holds no string (0), is one (1), or holds some
or is a list (2); each argument's key, column, and how many strings come before it."""


@functools.lru_cache(maxsize=1024)
def _skeleton(text: str) -> Skeleton | None:
    """A call read from its skeleton, with how to fill it (Skeleton): what depends only on the
    skeleton is worked out once, so a text of it costs only the copying of its strings."""
    shape = _plain_call(text)
    if shape is None:
        return None
    starts = [match.start() for match in _patterns()[2].finditer(text)]
    before = tuple([sum([start < column for start in starts]) for column in shape.offsets.values()])
    positional = tuple([_holds(value) for value in shape.args])
    keywords = tuple([(key, value, _holds(value)) for key, value in shape.kwargs.items()])
    return shape, positional, keywords, tuple(shape.offsets), tuple(shape.offsets.values()), before


def _holds(value: object) -> int:
    """Whether a skeleton's value holds no string (0), is one (1) or holds some (2); a list counts
    as holding some, so each call gets a list of its own, as ast gives it."""
    if type(value) is str:
        return 1
    if type(value) is list:
        return 2
    return 2 if type(value) is tuple and any([_holds(item) for item in value]) else 0


def _filled(read: Skeleton, pieces: list[str]) -> Call:
    """The call read from a skeleton, with the strings of the text (`pieces`: split by STRING)."""
    shape, positional, keywords, keys, columns, before = read
    strings = [piece[1:-1] for piece in pieces[1::2]]
    # how far the strings before an argument move it: the sum of their lengths
    moved = list(accumulate(map(len, strings), initial=0))
    strings.reverse()  # popped from the end, in the order they are written
    pop = strings.pop
    args = shape.args
    if any(positional):
        args = tuple([v if k == 0 else pop() if k == 1 else _fill(v, strings) for v, k in zip(args, positional)])
    kwargs = {key: v if k == 0 else pop() if k == 1 else _fill(v, strings) for key, v, k in keywords}
    offsets = dict(zip(keys, map(add, columns, map(moved.__getitem__, before))))
    return Call(shape.name, args, kwargs, offsets, plain=True)


def _fill(value: object, strings: list[str]) -> object:
    """A skeleton's value with its (empty) strings replaced, in order, by those of the text."""
    kind = type(value)
    if kind is str:
        return strings.pop()
    if kind is tuple or kind is list:
        items = [_fill(item, strings) for item in value]  # type: ignore[attr-defined]
        return tuple(items) if kind is tuple else items
    return value


def _plain_call(text: str) -> Call | None:
    tokens: list[Token] = []
    column = 0
    for spaces, number, string, name, mark, other in _patterns()[0].findall(text.rstrip(" \t")):
        if other:
            return None
        column += len(spaces)
        item = number or string or name or mark
        kind = "number" if number else "string" if string else "name" if name else "mark"
        tokens.append((kind, item, column))
        column += len(item)
    return _read_call(tokens) if tokens else None


def _read_call(tokens: list[Token]) -> Call | None:
    """Name [. Name...] [( arguments )], from the tokens of one line."""
    dotted = 1
    while dotted + 1 < len(tokens) and tokens[dotted][1] == "." and tokens[dotted][0] == "mark":
        dotted += 2
    names = tokens[:dotted:2]
    if any(kind != "name" or iskeyword(text) for kind, text, _ in names) or any(t[1] != "." for t in tokens[1:dotted:2]):
        return None
    name, rest = names[-1][1], tokens[dotted:]
    if not rest:
        return Call(name, plain=True) if dotted == 1 else None  # a bare dotted name is an attribute, not a call: ast says so
    if rest[0][1] != "(" or rest[-1][1] != ")":
        return None
    args: list[object] = []
    kwargs: dict[str, object] = {}
    offsets: dict[int | str, int] = {}
    index, last = 1, len(rest) - 1
    while index < last:
        key = None
        if rest[index][0] == "name" and rest[index + 1][1] == "=":
            key, column = rest[index][1], rest[index][2]
            if key in kwargs or iskeyword(key):
                return None  # ast reads a repeated keyword, and refuses a keyword such as `lambda`
            index += 2
        elif kwargs:
            return None  # a positional argument after a keyword: ast says why
        else:
            column = rest[index][2]
        read = _read_value(rest, index, last)
        if read is None:
            return None
        value, index = read
        if key is None:
            offsets[len(args)] = column
            args.append(value)
        else:
            offsets[key] = column
            kwargs[key] = value
        if index < last:
            if rest[index][1] != ",":
                return None
            index += 1
    return Call(name, tuple(args), kwargs, offsets, plain=True)


def _read_value(tokens: list[Token], index: int, last: int) -> tuple[object, int] | None:
    """One argument at tokens[index] and the index after it, or None when it is not a plain
    literal: a number, a string, True/False/None, or a tuple or list of integers and strings."""
    kind, text, _ = tokens[index]
    if kind == "number":
        number = _number(text)
        return None if number is None else (number, index + 1)
    if kind == "string":
        return text[1:-1], index + 1
    if kind == "name":
        return (_CONSTANTS[text], index + 1) if text in _CONSTANTS else None
    if text not in ("(", "["):
        return None
    closing = ")" if text == "(" else "]"
    items: list[object] = []
    commas = 0
    index += 1
    while index < last and tokens[index][1] != closing:
        item_kind, item, _ = tokens[index]
        number = _number(item) if item_kind == "number" else None
        if isinstance(number, int):
            items.append(number)
        elif item_kind == "string":
            items.append(item[1:-1])
        else:
            return None
        index += 1
        if tokens[index][1] == ",":
            commas += 1
            index += 1
        elif tokens[index][1] != closing:
            return None  # two strings side by side are one in Python: ast reads them
    if index >= last or tokens[index][1] != closing or (closing == ")" and commas == 0):
        return None  # unclosed, or `(3)`, which is 3, and `()`: ast reads those
    return (tuple(items) if closing == ")" else items), index + 1


def _number(text: str) -> int | float | None:
    """A number as Python reads its literal, or None for what Python refuses or reads otherwise
    (leading zeros, an integer too long to convert)."""
    if not _patterns()[1].fullmatch(text):
        return None
    return float(text) if "." in text or "e" in text or "E" in text else int(text)


def _parse_with_ast(text: str) -> Call:
    stripped = text.strip()
    lead = len(text) - len(text.lstrip())
    try:
        with warnings.catch_warnings():  # `"\d"` or `x is 1` would print a SyntaxWarning
            warnings.simplefilter("ignore")
            tree = ast.parse(stripped, mode="eval").body
    except SyntaxError as exc:
        reason = exc.msg
        if "integer string conversion" in reason:  # Python's own message runs to three sentences
            reason = f"a number has more than {sys.get_int_max_str_digits():,} digits"
        raise LayerError(
            f"cannot read {_short(text)} as a layer call: {reason}",
            hint='write it as Name(arg, keyword=value), e.g. Conv2D(32, 3, padding="same")',
            code="CC102",
            offset=(exc.offset or 1) - 1 + lead,
        ) from None
    except (ValueError, RecursionError, MemoryError) as exc:  # NUL bytes; nesting too deep for the parser
        reason = "it nests too deeply" if not isinstance(exc, ValueError) else str(exc)
        raise LayerError(f"cannot read {_short(text)} as a layer call: {reason}", code="CC102") from None
    if isinstance(tree, ast.Name):
        return Call(tree.id)
    if not isinstance(tree, ast.Call):
        raise LayerError(f"expected a layer call such as Conv2D(32, 3), found {_short(stripped)}", code="CC102")
    return _call(tree, stripped, lead, _columns(stripped))


def _call(tree: ast.Call, text: str, lead: int, column: Callable[[int], int]) -> Call:
    func = tree.func
    while isinstance(func, ast.Attribute):  # keras.layers.Conv2D(...), nn.Conv2d(...): the last name counts
        func = func.value
    if isinstance(func, ast.Name):
        name = tree.func.attr if isinstance(tree.func, ast.Attribute) else func.id
    else:
        raise LayerError(
            f"expected a layer name before '(', found {_short(ast.get_source_segment(text, tree.func) or '')}",
            code="CC102",
            offset=lead + column(tree.func.col_offset),
        )
    args: list[object] = []
    offsets: dict[int | str, int] = {}
    for index, node in enumerate(tree.args):
        offsets[index] = lead + column(node.col_offset)
        if isinstance(node, ast.Starred):
            raise LayerError("`*` arguments are not allowed", code="CC102", offset=offsets[index])
        args.append(_value(node, text, lead, column))
    kwargs: dict[str, object] = {}
    for keyword in tree.keywords:
        if keyword.arg is None:
            raise LayerError("`**` arguments are not allowed", code="CC102", offset=lead + column(keyword.col_offset))
        offsets[keyword.arg] = lead + column(keyword.col_offset)
        kwargs[keyword.arg] = _value(keyword.value, text, lead, column)
    return Call(name, tuple(args), kwargs, offsets, at=lead + column(tree.col_offset))


NEVER_LITERAL = (ast.Name, ast.JoinedStr, ast.Subscript, ast.Compare, ast.BoolOp, ast.IfExp, ast.ListComp, ast.Attribute)
"""Nodes ast.literal_eval always refuses (it takes constants, displays, set(), signed numbers and
complex sums): arithmetic such as `filters` or `f"{name}_bn"` is not tried, and fails, first."""


def _value(node: ast.expr, text: str, lead: int, column: Callable[[int], int]) -> object:
    """A literal; a nested layer call (or a call of one of the spec's helpers, told apart once the
    helpers are known: see `resolve`); a mapping of names to layers; or arithmetic kept as an Expr.
    Anything else is refused."""
    if type(node) is ast.Constant:
        return node.value  # what literal_eval gives, without its walk
    if not isinstance(node, NEVER_LITERAL):
        try:
            return ast.literal_eval(node)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):  # TypeError: {[1]: 2}
            pass
    if isinstance(node, ast.Call) and not arithmetic(node):
        return _call(node, text, lead, column)
    if isinstance(node, ast.Tuple | ast.List) and any(isinstance(e, ast.Call | ast.Dict) for e in node.elts):
        items = tuple(_value(e, text, lead, column) for e in node.elts)
        return items if isinstance(node, ast.Tuple) else list(items)
    if isinstance(node, ast.Dict) and all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in node.keys):
        return {k.value: _value(v, text, lead, column) for k, v in zip(node.keys, node.values)}  # type: ignore[union-attr]
    source = _segment(text, node) or type(node).__name__
    if allowed(node) is not None:
        raise LayerError(
            f"argument {_short(source)} is not a literal value",
            hint="only numbers, strings, True/False/None, tuples, lists, and arithmetic of block parameters",
            code="CC102",
            offset=lead + column(node.col_offset),
        )
    return Expr(source, node)


def arithmetic(call: ast.Call) -> bool:
    """A call of a builtin of block arithmetic (`int(x)`, `math.ceil(x)`, `shape(skip)`), which is
    never a layer."""
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "math":
        return True
    return isinstance(func, ast.Name) and (func.id in BUILTINS or func.id in (SHAPE, RANGE))


def expression(text: str) -> Expr | None:
    """`text` as arithmetic over names (a mapping-form value inside a block), or None when it
    is plain text such as "same" or a layer call such as "Dense(units * 2)"."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if isinstance(node, ast.Call) and not arithmetic(node):
        return None
    if allowed(node) is None and any(isinstance(p, ast.Name) for p in ast.walk(node)):
        return Expr(text.strip(), node)
    return None


def _segment(text: str, node: ast.expr) -> str | None:
    """The source of `node`; a one-line ASCII call is sliced directly (ast.get_source_segment
    splits the whole text into lines at every call)."""
    if "\n" not in text and text.isascii() and node.end_col_offset is not None:
        return text[node.col_offset : node.end_col_offset]
    return ast.get_source_segment(text, node)


def _columns(text: str) -> Callable[[int], int]:
    """ast gives UTF-8 byte offsets; errors point at characters."""
    if text.isascii():
        return lambda offset: offset
    first_line = text.split("\n", 1)[0].encode()
    return lambda offset: len(first_line[:offset].decode(errors="ignore"))


def _short(text: str, limit: int = 60) -> str:
    """repr() of text for a message, cut so a hostile spec cannot flood the terminal."""
    return repr(text) if len(text) <= limit else repr(text[: limit - 3]) + "..."


def resolve(value: object, env: Mapping[str, object]) -> object:
    """A value with every Expr inside it (tuples, lists, nested calls) evaluated; a call of one of
    the spec's helpers (`_make_divisible(24, 8)`, read as a call) is applied."""
    if isinstance(value, Expr):
        return value.evaluate(env)
    if isinstance(value, tuple):
        return tuple(resolve(v, env) for v in value)
    if isinstance(value, list):
        return [resolve(v, env) for v in value]
    if isinstance(value, dict):
        return {k: resolve(v, env) for k, v in value.items()}
    if isinstance(value, Call):
        args = tuple(resolve(v, env) for v in value.args)
        kwargs = {k: resolve(v, env) for k, v in value.kwargs.items()}
        function = env.get(value.name)
        if isinstance(function, Function):
            return apply(function, args, kwargs, env)
        return Call(value.name, args, kwargs, value.offsets, at=value.at)
    return value


def written(value: object) -> object:
    """A bound argument as the spec writes it: a layer given as an argument (torchvision's
    `activation_layer=SiLU()`, Keras's `Bidirectional(LSTM(64))`) becomes its call's text,
    which every output format prints; other values are themselves.

    >>> written(Call("BatchNorm2d", (), {"eps": 0.001})), written(Call("LSTM", (64,))), written(3)
    ('BatchNorm2d(eps=0.001)', 'LSTM(64)', 3)
    """
    if not isinstance(value, Call):
        return value

    def text(item: object) -> str:
        return str(written(item)) if isinstance(item, Call) else repr(item)

    parts = [text(a) for a in value.args] + [f"{k}={text(v)}" for k, v in value.kwargs.items()]
    return f"{value.name}({', '.join(parts)})"
