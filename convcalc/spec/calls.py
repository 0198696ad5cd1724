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
from convcalc.spec import expr as _expr
from convcalc.spec.expr import BUILTINS, RANGE, SHAPE, Expr, Function, allowed, apply
from convcalc.spec.model import GRAPH_KEYS


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
"""Distinct calls read by `ast` before the fast path takes over. Warm, it reads a literal call in
~8 us (`ast` ~9), a block template's (`Conv2D(4 * filters, 1, name=f"{name}_conv")`) in ~13 us
(`ast` ~17) and refuses one with a call inside in ~6 us (`ast` then takes ~35); cold, `ast` builds
and drops a whole tree a call (`check specs/` reads its specs in 11% fewer instructions with the
fast path than without). Compiling its regular expressions costs ~0.7 ms, which only pays off
after some seventy calls (a 100,000-layer spec, whose calls differ only in their strings, read
once by their skeleton; `check` over many specs)."""

_distinct = 0


def forget() -> None:
    """Start over as a new process does: no call remembered, the next ones read by `ast` first
    (the scale tests count the work of each run from scratch)."""
    global _distinct
    _distinct = 0
    _parse_call.cache_clear()
    _skeleton.cache_clear()
    _skeletons_seen.clear()
    _layout.cache_clear()
    _shared.clear()
    _layer_call.cache_clear()
    _expr.forget()


@functools.lru_cache(maxsize=1024)
def _parse_call(text: str) -> Call:
    global _distinct
    _distinct += 1
    if _distinct > READ_BY_AST_FIRST:
        return plain_call(text) or _parse_with_ast(text)
    return _parse_with_ast(text)


# The calls most specs are made of, read without `ast`: a name, then arguments that are each a
# literal (a number, a string without escapes, True/False/None, a tuple or list of them) or the
# arithmetic of block templates at its simplest: a name (`filters`, `input`), `name[2]`, an
# f-string of names (`f"{name}_bn"`), two of those joined by one operator (`4 * filters`,
# `stride == 1`), or a tuple or list holding them (`inputs=[input, -1]`), kept as the Expr `ast`
# would make, with the same tree; all on one line of ASCII. Anything else (or anything odd about
# these: leading zeros, a keyword repeated, a positional argument after a keyword) is left to
# `ast`, the authority; tests/test_calls.py checks that both read generated calls alike.
NAME = r"[A-Za-z_][A-Za-z0-9_]*"
FSTRING = r"f(?:'[^'\\{}]*(?:\{" + NAME + r"\}[^'\\{}]*)*'|\"[^\"\\{}]*(?:\{" + NAME + r"\}[^\"\\{}]*)*\")"
"""An f-string whose fields are names alone (`f"{name}_bn"`): no escapes, conversions or specs."""
TOKEN = (
    r"([ \t]*)(?:(-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)|('[^'\\]*'|\"[^\"\\]*\")|(" + FSTRING + ")"
    r"|(" + NAME + r")|(\*\*|//|[=!<>]=|[-+*/%<>])|([()\[\],=.])|(.))"
)
"""Spaces, then one token: a number, a string, an f-string, a name, an operator, a mark, or
anything else (which ends the fast path). findall() gives each as a tuple of its groups; the
spaces give each token's column."""

_CONSTANTS = {"True": True, "False": False, "None": None}
Token = tuple[str, str, int]  # kind (number, string, fstring, name, op, mark), text, column
PLAIN_NUMBER = r"-?(?:0|[1-9][0-9]{0,99})(?:\.[0-9]{1,100}(?:[eE][-+]?[0-9]{1,3})?|[eE][-+]?[0-9]{1,3})?"
FIELD = r"\{(" + NAME + r")\}"
"""A field of an f-string as FSTRING reads one: split() gives the text around the fields and their names."""
CALLED = r"[A-Za-z0-9_]\s*\("
"""A name before `(`: the call's own, and any other is a call inside it (or in a string: ast reads those too)."""

_OPERATORS: dict[str, type[ast.operator]] = {
    "+": ast.Add, "-": ast.Sub, "*": ast.Mult, "/": ast.Div, "//": ast.FloorDiv, "%": ast.Mod, "**": ast.Pow,
}  # fmt: skip
_COMPARISONS: dict[str, type[ast.cmpop]] = {
    "==": ast.Eq, "!=": ast.NotEq, "<": ast.Lt, "<=": ast.LtE, ">": ast.Gt, ">=": ast.GtE,
}  # fmt: skip
_LOAD = ast.Load()


STRING = r"""("[^"]*"|'[^']*')"""
"""A string literal as TOKEN reads one in a text without backslashes: split() gives the text
around them and the literals, quotes and all."""


@functools.cache
def _patterns() -> tuple[re.Pattern[str], ...]:
    """TOKEN, PLAIN_NUMBER, STRING, FIELD and CALLED, compiled when the fast path is first used."""
    return tuple(re.compile(pattern) for pattern in (TOKEN, PLAIN_NUMBER, STRING, FIELD, CALLED))


def plain_call(text: str) -> Call | None:
    """`text` read as a plain call without `ast`, or None when it is not one of those.

    >>> plain_call('Conv2D(32, (3, 3), activation="relu")') == _parse_with_ast('Conv2D(32, (3, 3), activation="relu")')
    True
    >>> plain_call('Conv2D(4 * filters, 1, name=f"{name}_conv")').args
    (4 * filters, 1)
    >>> plain_call("Dense(units * 2 + 1)") is None
    True

    Calls that differ only in their strings (`Conv2D(16, 3, name="n7", inputs=["n6"])`, a
    generated network's every layer) are read once: the call with its strings emptied, its
    skeleton, is read by the tokens, and each text gets its own strings back (and the columns
    after them moved by their lengths). A string's contents never change how the tokens read.
    A call with an f-string (whose text is arithmetic), or whose arithmetic holds a string, is
    read as it is.
    """
    if not text.isascii() or "\n" in text or "\r" in text or "\0" in text:  # NUL: ast refuses the text
        return None
    if "\\" in text or ('"' not in text and "'" not in text):
        return _plain_call(text)
    if 'f"' in text or "f'" in text:  # perhaps an f-string, which is arithmetic, not a string to empty
        return _plain_call(text)
    pieces = _patterns()[2].split(text)
    if len(pieces) == 1:
        return _plain_call(text)
    key = _skeleton_key(pieces)
    if key not in _skeletons_seen:  # the first call of a skeleton is read as it is: most never repeat
        if len(_skeletons_seen) >= SKELETONS_SEEN:
            _skeletons_seen.clear()
        _skeletons_seen.add(key)
        return _plain_call(text)
    read = _skeleton(key)
    if read is None:
        return None
    return _plain_call(text) if read[6] else _filled(read, pieces)


_skeletons_seen: set[str] = set()
SKELETONS_SEEN = 4096
"""Skeletons remembered as met (a process that reads spec after spec holds no more than these)."""


def _skeleton_key(pieces: list[str]) -> str:
    """The skeleton of a text split by STRING: its strings emptied, their quotes kept."""
    skeleton = pieces.copy()
    skeleton[1::2] = [piece[0] * 2 for piece in pieces[1::2]]
    return "".join(skeleton)


def layer_call(text: str) -> tuple[Call, dict[str, object] | None]:
    """`text` read as parse_call reads it, for a layer: with the keywords every layer may carry
    (`name=`, `inputs=`...: spec/model.py's GRAPH_KEYS) taken apart where its skeleton was met
    before and it holds no arithmetic, else None for them (they are in the call's kwargs).

    >>> forget(); texts = [f'Conv2D(16, 3, padding="same", name="n{i}", inputs=["n{i - 1}"])' for i in range(2, 5)]
    >>> for text in texts: _ = plain_call(text)  # the skeleton met and worked out
    >>> (call, graph), (other, _) = layer_call(texts[1]), layer_call(texts[2])
    >>> call.kwargs, graph, call.kwargs is other.kwargs
    ({'padding': 'same'}, {'name': 'n3', 'inputs': ['n2']}, True)

    A generated network's calls differ in their names and inputs alone: the rest of a call (its
    positional arguments, its other keywords, and the columns, which move only with the lengths
    of the strings before them) is filled once for each distinct set of its strings and of the
    lengths of all, and shared by every call that has them, as parse_call shares one text's
    (so the engine finds the layer by identity, without a repr); only the graph keywords are
    filled per text. A text written on many layers (a deep stack's) is read once.
    """
    if len(text) > MAX_CALL_LENGTH:
        return parse_call(text), None  # its error
    return _layer_call(text)


@functools.lru_cache(maxsize=1024)
def _layer_call(text: str) -> tuple[Call, dict[str, object] | None]:
    split = _split_call(text)
    return (_parse_call(text), None) if split is None else split


def _split_call(text: str) -> tuple[Call, dict[str, object]] | None:
    """layer_call's split, or None where the skeleton was not met or the text is not plain."""
    if not _skeletons_seen or ('"' not in text and "'" not in text):  # none met yet, or no string to empty
        return None
    if not text.isascii() or "\n" in text or "\r" in text or "\0" in text or "\\" in text or 'f"' in text or "f'" in text:
        return None
    pieces = _patterns()[2].split(text)
    if len(pieces) == 1:
        return None
    key = _skeleton_key(pieces)
    if key not in _skeletons_seen:
        return None
    read = _skeleton(key)
    if read is None or not read[0].plain:  # arithmetic: an Expr equals only itself, as parse_call shares it
        return None
    rest, graph_strings = _layout(key)
    strings = [piece[1:-1] for piece in pieces[1::2]]
    # the strings of the rest, and the lengths of all, which move the columns after them
    shared_key = (key, *[strings[index] for index in rest], *map(len, strings))
    call = _shared.get(shared_key)
    if call is None:
        if len(_shared) >= SKELETONS_SEEN:
            _shared.clear()
        whole = _filled(read, pieces)
        kept = {keyword: value for keyword, value in whole.kwargs.items() if keyword not in GRAPH_KEY_SET}
        call = _shared[shared_key] = Call(whole.name, whole.args, kept, whole.offsets, plain=True, at=whole.at)
    graph: dict[str, object] = {}
    for name, value, kind, start, end in graph_strings:
        if kind == 0:
            graph[name] = value
        elif kind == 1:
            graph[name] = strings[start]
        else:  # a list of strings alone, most often (inputs=["n3", "n4"]), is the slice of them
            graph[name] = strings[start:end] if kind == 3 else _fill(value, strings[start:end][::-1])
    return call, graph


GRAPH_KEY_SET = frozenset(GRAPH_KEYS)
_shared: dict[tuple[str | int, ...], Call] = {}
"""A call without its graph keywords, by skeleton, the strings in it and the lengths of all (layer_call)."""


@functools.lru_cache(maxsize=1024)
def _layout(key: str) -> tuple[tuple[int, ...], tuple[tuple[str, object, int, int, int], ...]]:
    """Where a skeleton's strings go (layer_call): the indices of those in the arguments other
    than the graph keywords, and for each graph keyword its value in the skeleton, whether it
    holds no string (0), is one (1), holds some (2) or is a list of strings alone (3), and the
    indices of its strings (from, to). An argument's strings are those between its column and
    the next argument's."""
    read = _skeleton(key)
    assert read is not None
    shape, _, keywords, keys, _, before, _ = read
    count = len(_patterns()[2].findall(key))
    ends = (*before[1:], count)
    kinds = {key: kind for key, _, kind in keywords}
    rest: list[int] = []
    graph = []
    for argument, start, end in zip(keys, before, ends):
        if argument in GRAPH_KEY_SET:
            value = shape.kwargs[str(argument)]
            kind = kinds[str(argument)]
            if type(value) is list and all([type(item) is str for item in value]):
                kind = 3
            graph.append((str(argument), value, kind, start, end))
        else:
            rest.extend(range(start, end))
    return tuple(rest), tuple(graph)


Skeleton = tuple[
    Call, tuple[int, ...], tuple[tuple[str, object, int], ...], tuple[int | str, ...], tuple[int, ...], tuple[int, ...], bool
]
"""A call read from its skeleton, and how to fill it: for each positional argument, then each
keyword (with its key and value), whether it holds no string (0), is one (1), or holds some
or is a list (2); each argument's key, column, and how many strings come before it; and whether
its arithmetic holds a string (then the text is read as it is: an Expr is not filled)."""


@functools.lru_cache(maxsize=1024)
def _skeleton(text: str) -> Skeleton | None:
    """A call read from its skeleton, with how to fill it (Skeleton): what depends only on the
    skeleton is worked out once, so a text of it costs only the copying of its strings."""
    shape = _plain_call(text)
    if shape is None:
        return None
    from bisect import bisect_left  # here: only the fast path needs it, and only for a skeleton met twice

    starts = [match.start() for match in _patterns()[2].finditer(text)]
    before = tuple([bisect_left(starts, column) for column in shape.offsets.values()])  # strings before each
    positional = tuple([_holds(value) for value in shape.args])
    keywords = tuple([(key, value, _holds(value)) for key, value in shape.kwargs.items()])
    computed = [value for value in (*shape.args, *shape.kwargs.values()) if type(value) is Expr]
    strings = any(['"' in value.text or "'" in value.text for value in computed])
    return shape, positional, keywords, tuple(shape.offsets), tuple(shape.offsets.values()), before, strings


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
    shape, positional, keywords, keys, columns, before, _ = read
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
    return Call(shape.name, args, kwargs, offsets, plain=shape.plain, at=shape.at)


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
    patterns = _patterns()
    called = patterns[4].search(text)
    if called is not None and patterns[4].search(text, called.end()):
        return None  # a call inside the call (`Sequential(Conv2d(...))`, `_depth(x)`): ast reads it, at once
    tokens: list[Token] = []
    column = 0
    for spaces, number, string, fstring, name, operator, mark, other in patterns[0].findall(text.rstrip(" \t")):
        if other:
            return None
        column += len(spaces)
        item = number or string or fstring or name or operator or mark
        kind = "number" if number else "string" if string else "fstring" if fstring else "name" if name else ""
        kind = kind or ("op" if operator else "mark")
        tokens.append((kind, item, column))
        column += len(item)
    return _read_call(tokens, text) if tokens else None


def _read_call(tokens: list[Token], text: str) -> Call | None:
    """Name [. Name...] [( arguments )], from the tokens of one line (`text`, which the columns count)."""
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
    plain = True
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
        read = _read_value(rest, index, last, text)
        if read is None:
            return None
        value, index = read
        plain = plain and type(value) is not Expr
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
    return Call(name, tuple(args), kwargs, offsets, plain=plain, at=tokens[0][2])


_NOT_LITERAL = object()


def _read_value(tokens: list[Token], index: int, last: int, text: str) -> tuple[object, int] | None:
    """One argument at tokens[index] and the index after it, or None when it is none of the forms
    the fast path reads: a literal, simple arithmetic (an Expr), or a tuple or list of those."""
    kind, item, column = tokens[index]
    if kind == "mark":
        return _display(tokens, index, last, text) if item in ("(", "[") else None
    if tokens[index + 1][1] in (",", ")") and tokens[index + 1][0] == "mark":  # a literal alone, most often
        if kind == "string":
            return item[1:-1], index + 1
        if kind == "number":
            number = _number(item)
            return None if number is None else (number, index + 1)
        if item in _CONSTANTS:
            return _CONSTANTS[item], index + 1
    read = _arithmetic(tokens, index, last)
    if read is None:
        return None
    node, index = read
    value = _literal(node)
    if value is _NOT_LITERAL:
        value = Expr(text[column : _end(tokens[index - 1])], node)
    return value, index


def _display(tokens: list[Token], index: int, last: int, text: str) -> tuple[object, int] | None:
    """A tuple or list at tokens[index]: of literals, a tuple or list; holding arithmetic, an Expr."""
    opening, start = tokens[index][1], tokens[index][2]
    closing = ")" if opening == "(" else "]"
    nodes: list[ast.expr] = []
    commas = 0
    index += 1
    while index < last and tokens[index][1] != closing:
        if tokens[index][0] == "mark":
            return None  # a display inside, a stray comma: ast reads them
        read = _arithmetic(tokens, index, last)
        if read is None:
            return None
        node, index = read
        nodes.append(node)
        if tokens[index][1] == ",":
            commas += 1
            index += 1
        elif tokens[index][1] != closing:
            return None  # two strings side by side are one in Python: ast reads them
    if index >= last or tokens[index][1] != closing or (closing == ")" and commas == 0):
        return None  # unclosed, or `(3)`, which is 3, and `()`: ast reads those
    values = [_literal(node) for node in nodes]
    if _NOT_LITERAL in values:
        display = ast.Tuple(nodes, _LOAD) if closing == ")" else ast.List(nodes, _LOAD)
        return Expr(text[start : _end(tokens[index])], display), index + 1
    return (tuple(values) if closing == ")" else values), index + 1


def _arithmetic(tokens: list[Token], index: int, last: int) -> tuple[ast.expr, int] | None:
    """An operand, or two joined by one operator (`4 * filters`, `n-1`, `stride == 1`), as ast's
    tree; neither side of an operator may be negative (`-2 ** n` is `-(2 ** n)`)."""
    read = _operand(tokens, index, last)
    if read is None:
        return None
    left, index = read
    if index >= last:
        return left, index
    kind, item, _ = tokens[index]
    if kind == "number" and item[0] == "-":  # `n-1`: the minus sign is the operator
        operator, right_token = "-", (kind, item[1:], 0)
    elif kind == "op":
        if index + 1 >= last:
            return None
        operator, right_token = item, tokens[index + 1]
    else:
        return left, index
    right = _operand([right_token], 0, 1)
    if right is None or type(left) is ast.UnaryOp or type(right[0]) is ast.UnaryOp:
        return None
    if operator in _COMPARISONS:
        return ast.Compare(left, [_COMPARISONS[operator]()], [right[0]]), index + 2 - (kind == "number")
    return ast.BinOp(left, _OPERATORS[operator](), right[0]), index + 2 - (kind == "number")


def _operand(tokens: list[Token], index: int, last: int) -> tuple[ast.expr, int] | None:
    """A number (a negative one as ast reads it: minus applied to a number), a string, an
    f-string of names, True/False/None, a name, or `name[2]`, as ast's tree."""
    kind, item, _ = tokens[index]
    if kind == "number":
        number = _number(item[1:] if item[0] == "-" else item)
        if number is None:
            return None
        return (ast.UnaryOp(ast.USub(), ast.Constant(number)) if item[0] == "-" else ast.Constant(number)), index + 1
    if kind == "string":
        return ast.Constant(item[1:-1]), index + 1
    if kind == "fstring":
        joined = _joined(item)
        return None if joined is None else (joined, index + 1)
    if kind != "name":
        return None
    if item in _CONSTANTS:
        return ast.Constant(_CONSTANTS[item]), index + 1
    if iskeyword(item):
        return None
    name = ast.Name(item, _LOAD)
    if index + 1 >= last or tokens[index + 1][1] != "[" or tokens[index + 1][0] != "mark":
        return name, index + 1
    # name[2]: an index of digits alone (a negative or computed one is left to ast)
    if index + 3 < last and tokens[index + 3][1] == "]" and tokens[index + 2][0] == "number":
        position = _number(tokens[index + 2][1])
        if type(position) is int and tokens[index + 2][1][0] != "-":
            return ast.Subscript(name, ast.Constant(position), _LOAD), index + 4
    return None


def _joined(token: str) -> ast.JoinedStr | None:
    """An f-string of names (FSTRING) as ast's tree: its text, and each `{name}` formatted."""
    values: list[ast.expr] = []
    for at, piece in enumerate(_patterns()[3].split(token[2:-1])):
        if at % 2:
            if iskeyword(piece):
                return None
            values.append(ast.FormattedValue(ast.Name(piece, _LOAD), -1, None))
        elif piece:
            values.append(ast.Constant(piece))
    return ast.JoinedStr(values)


def _literal(node: ast.expr) -> object:
    """The value of a literal's tree (a constant, or a negative number), else _NOT_LITERAL."""
    if type(node) is ast.Constant:
        return node.value
    if type(node) is ast.UnaryOp and type(node.operand) is ast.Constant:
        return -node.operand.value  # type: ignore[operator]
    return _NOT_LITERAL


def _end(token: Token) -> int:
    """The column just after a token."""
    return token[2] + len(token[1])


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
    source = _segment(text, node) or ast.unparse(node)  # its own source: an Expr's text is its tree's
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
