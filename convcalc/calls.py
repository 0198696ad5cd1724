"""Layer calls such as `Conv2D(32, 3, padding="same")`, read with `ast` as literals, never run."""

from __future__ import annotations

import ast
import functools
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

from convcalc.errors import LayerError


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
    if not isinstance(tree, ast.Call) or not isinstance(tree.func, ast.Name | ast.Attribute):
        raise LayerError(
            f"expected a layer call such as Conv2D(32, 3), found {_short(stripped)}",
            code="CC102",
        )
    name = tree.func.attr if isinstance(tree.func, ast.Attribute) else tree.func.id
    column = _columns(stripped)
    args: list[object] = []
    offsets: dict[int | str, int] = {}
    for index, node in enumerate(tree.args):
        offsets[index] = lead + column(node.col_offset)
        args.append(_literal(node, stripped, offsets[index]))
    kwargs: dict[str, object] = {}
    for keyword in tree.keywords:
        if keyword.arg is None:
            raise LayerError("`**` arguments are not literals", code="CC102")
        offsets[keyword.arg] = lead + column(keyword.col_offset)
        kwargs[keyword.arg] = _literal(keyword.value, stripped, lead + column(keyword.value.col_offset))
    return Call(name, tuple(args), kwargs, offsets)


def _columns(text: str) -> Callable[[int], int]:
    """ast gives UTF-8 byte offsets; errors point at characters."""
    if text.isascii():
        return lambda offset: offset
    first_line = text.split("\n", 1)[0].encode()
    return lambda offset: len(first_line[:offset].decode(errors="ignore"))


def _literal(node: ast.expr, text: str, offset: int) -> object:
    """A literal value: numbers, strings, booleans, None, tuples, lists and dicts of them."""
    try:
        return ast.literal_eval(node)
    except ValueError:
        problem = "is not a literal value"
    except (TypeError, RecursionError, MemoryError):  # TypeError: {[1]: 2} has an unhashable key
        problem = "cannot be read as a literal value"
    source = ast.get_source_segment(text, node) or type(node).__name__
    raise LayerError(
        f"argument {_short(source)} {problem}",
        hint="only numbers, strings, True/False/None, tuples and lists are allowed",
        code="CC102",
        offset=offset,
    )


def _short(text: str, limit: int = 60) -> str:
    """repr() of text for a message, cut so a hostile spec cannot flood the terminal."""
    return repr(text) if len(text) <= limit else repr(text[: limit - 3]) + "..."
