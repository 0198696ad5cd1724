"""Layer calls such as `Conv2D(32, 3, padding="same")`, read with `ast`, never run.

Arguments are literals; inside blocks they may also be arithmetic of the block's parameters
(`filters * 4`), kept as `Expr` until an instance gives the names values (see expr.py); a
wrapper's argument may itself be a call (`Bidirectional(LSTM(64))`).
"""

from __future__ import annotations

import ast
import functools
import sys
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from convcalc.errors import LayerError
from convcalc.spec.expr import ALLOWED as _ALLOWED
from convcalc.spec.expr import Expr


@dataclass(frozen=True)
class Call:
    """A layer written as a call: its type name, positional and keyword arguments.

    `offsets` maps an argument (its position as an int, or its keyword) to its column in the
    source text, so an error about one argument can point at it.
    """

    name: str
    args: tuple[object, ...] = ()
    kwargs: dict[str, object] = field(default_factory=dict)
    offsets: dict[int | str, int] = field(default_factory=dict)


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


@functools.lru_cache(maxsize=1024)
def _parse_call(text: str) -> Call:
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
    return Call(name, tuple(args), kwargs, offsets)


def _value(node: ast.expr, text: str, lead: int, column: Callable[[int], int]) -> object:
    """A literal; a nested layer call; or arithmetic kept as an Expr. Anything else is refused."""
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):  # TypeError: {[1]: 2}
        pass
    if isinstance(node, ast.Call):
        return _call(node, text, lead, column)
    if isinstance(node, ast.Tuple | ast.List) and any(isinstance(e, ast.Call) for e in node.elts):
        items = tuple(_value(e, text, lead, column) for e in node.elts)
        return items if isinstance(node, ast.Tuple) else list(items)
    source = ast.get_source_segment(text, node) or type(node).__name__
    for part in ast.walk(node):
        if not isinstance(part, _ALLOWED) or (isinstance(part, ast.Constant) and isinstance(part.value, bytes | complex)):
            raise LayerError(
                f"argument {_short(source)} is not a literal value",
                hint="only numbers, strings, True/False/None, tuples, lists, and arithmetic of block parameters",
                code="CC102",
                offset=lead + column(node.col_offset),
            )
    return Expr(source, node)


def expression(text: str) -> Expr | None:
    """`text` as arithmetic over names (a mapping-form value inside a block), or None when it
    is plain text such as "same"."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if all(isinstance(part, _ALLOWED) for part in ast.walk(node)) and any(isinstance(p, ast.Name) for p in ast.walk(node)):
        return Expr(text.strip(), node)
    return None


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
    """A value with every Expr inside it (tuples, lists, nested calls) evaluated."""
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
        return Call(value.name, args, {k: resolve(v, env) for k, v in value.kwargs.items()}, value.offsets)
    return value
