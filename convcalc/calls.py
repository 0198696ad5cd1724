"""Layer calls such as `Conv2D(32, 3, padding="same")`, read with `ast` as literals, never run."""

from __future__ import annotations

import ast
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


def parse_call(text: str) -> Call:
    """Parse `Name(args...)` or a bare `Name` into a Call.

    >>> parse_call('Conv2D(32, (3, 3), activation="relu")')
    Call(name='Conv2D', args=(32, (3, 3)), kwargs={'activation': 'relu'}, offsets={0: 7, 1: 11, 'activation': 19})
    >>> parse_call("Flatten").name
    'Flatten'
    """
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise LayerError(
            f"cannot read {text!r} as a layer call: {exc.msg}",
            hint='write it as Name(arg, keyword=value), e.g. Conv2D(32, 3, padding="same")',
            code="CC102",
            offset=(exc.offset or 1) - 1 + len(text) - len(text.lstrip()),
        ) from None
    lead = len(text) - len(text.lstrip())
    if isinstance(tree, ast.Name):
        return Call(tree.id)
    if not isinstance(tree, ast.Call) or not isinstance(tree.func, ast.Name | ast.Attribute):
        raise LayerError(
            f"expected a layer call such as Conv2D(32, 3), found {text.strip()!r}",
            code="CC102",
        )
    name = tree.func.attr if isinstance(tree.func, ast.Attribute) else tree.func.id
    args: list[object] = []
    offsets: dict[int | str, int] = {}
    for index, node in enumerate(tree.args):
        offsets[index] = lead + node.col_offset
        args.append(_literal(node, text, offsets[index]))
    kwargs: dict[str, object] = {}
    for keyword in tree.keywords:
        if keyword.arg is None:
            raise LayerError("`**` arguments are not literals", code="CC102")
        offsets[keyword.arg] = lead + keyword.col_offset
        kwargs[keyword.arg] = _literal(keyword.value, text, lead + keyword.value.col_offset)
    return Call(name, tuple(args), kwargs, offsets)


def _literal(node: ast.expr, text: str, offset: int) -> object:
    """A literal value: numbers, strings, booleans, None, tuples, lists and dicts of them."""
    try:
        return ast.literal_eval(node)
    except ValueError:
        source = ast.get_source_segment(text.strip(), node) or ast.dump(node)
        raise LayerError(
            f"argument {source!r} is not a literal value",
            hint="only numbers, strings, True/False/None, tuples and lists are allowed",
            code="CC102",
            offset=offset,
        ) from None
