"""Python source for what a spec holds, and a file laid out as `ruff format` would.

Values are written as Python reads them back (a spec's arithmetic `filters * 4` as itself, with
its names renamed where the code needs), layer templates (`Code.call`) are filled in, and the
statements of a file are laid out (layout.py) with ruff's blank lines between them.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping

from convcalc.errors import Location
from convcalc.export import layout
from convcalc.record import Record
from convcalc.spec.calls import Call
from convcalc.spec.expr import Expr


class Unwritable(Exception):
    """A value that cannot be written in the code being made (a block's arithmetic that reads its
    input's shape, in a class that does not know it): the caller writes the worked-out value.
    Where nothing else can be written, it is the export's error, at `where` when it is known."""

    def __init__(self, message: str, where: Location | None = None) -> None:
        super().__init__(message)
        self.where = where


def value_source(value: object, rename: Mapping[str, str] | None = None, layer: Callable[[Call], str] | None = None) -> str:
    """`value` as Python source: literals as they are, tuples as tuples, a block's arithmetic as
    written with its names renamed (`rename`; a name missing from it raises Unwritable), a
    nested layer call through `layer`.

    >>> value_source((3, 3)), value_source([1, "same"]), value_source(1e-3), value_source((5,))
    ('(3, 3)', '[1, "same"]', '0.001', '(5,)')
    """
    if isinstance(value, Expr):
        return expression_source(value, rename or {})
    if isinstance(value, Call):
        if layer is None:
            raise Unwritable(f"a layer call ({value.name}) where a value is expected")
        return layer(value)
    if isinstance(value, tuple):
        items = [value_source(v, rename, layer) for v in value]
        return "(" + items[0] + ",)" if len(items) == 1 else "(" + ", ".join(items) + ")"
    if isinstance(value, list):
        return "[" + ", ".join(value_source(v, rename, layer) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{value_source(k)}: {value_source(v, rename, layer)}" for k, v in value.items()) + "}"
    if isinstance(value, float | int | str | bool | bytes) or value is None:
        return layout.literal(value)
    raise Unwritable(f"a value of type {type(value).__name__}")


def expression_source(expr: Expr, rename: Mapping[str, str]) -> str:
    """A block's arithmetic (`inp * 6`) in the code's names; Unwritable if it reads a name the
    code does not have (`input_shape`, `copy`)."""
    tree = ast.parse(expr.text.strip(), mode="eval").body
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if node.id not in rename:
                raise Unwritable(f"its arithmetic reads {node.id}")
            node.id = rename[node.id]
    return ast.unparse(tree)


def read_names(value: object) -> set[str]:
    """The names a value's arithmetic reads, wherever it sits (tuples, nested calls)."""
    if isinstance(value, Expr):
        return value.names()
    if isinstance(value, tuple | list):
        return set().union(*(read_names(v) for v in value)) if value else set()
    if isinstance(value, dict):
        return set().union(*(read_names(v) for v in value.values())) if value else set()
    if isinstance(value, Call):
        return read_names(value.args) | read_names(value.kwargs)
    return set()


_PLACE = re.compile(r"\{([^{}]*)\}")


def fill(template: str, layer: str, inputs: list[str], arguments: Mapping[str, str]) -> str:
    """A `Code.call` template filled in: `{self}`, inputs `{0}` and `{*}` (`{* + }`), arguments `{dim}`.

    >>> fill("torch.cat([{*}], dim={dim})", "", ["a", "b"], {"dim": "1"})
    'torch.cat([a, b], dim=1)'
    >>> fill("{* + }", "", ["x", "shortcut"], {}), fill("{self}({*})", "self.attention", ["q", "k", "v"], {})
    ('x + shortcut', 'self.attention(q, k, v)')
    """

    def place(match: re.Match[str]) -> str:
        key = match.group(1)
        if key == "self":
            return layer
        if key.startswith("*"):
            return (key[1:] or ", ").join(inputs)
        if key.isdigit():
            index = int(key)
            if index >= len(inputs):
                raise Unwritable(f"the template {template!r} needs input {index}; the layer has {len(inputs)}")
            return inputs[index]
        if key not in arguments:
            raise Unwritable(f"the template {template!r} names {key!r}, which the layer does not take")
        return arguments[key]

    return _PLACE.sub(place, template)


class Stmt(Record):
    """A statement of the file: one line of source (a comment, a docstring), or a compound
    statement's header with its body."""

    __slots__ = ("text", "body")

    text: str
    body: list[Stmt] | None

    def __init__(self, text: str, body: list[Stmt] | None = None) -> None:
        self.text = text
        self.body = body

    @property
    def definition(self) -> bool:
        return self.body is not None and self.text.startswith(("def ", "class "))


def render(statements: list[Stmt]) -> str:
    """The file: statements laid out, with ruff's blank lines (two around top-level definitions,
    one between methods and after a class's docstring)."""
    lines: list[str] = []
    _block(statements, 0, lines)
    return "\n".join(lines) + "\n"


def _block(statements: list[Stmt], indent: int, lines: list[str]) -> None:
    previous: Stmt | None = None  # the last statement that is not a comment
    after_comment = False
    for index, stmt in enumerate(statements):
        comment = stmt.text.startswith("#")
        if previous is not None and not after_comment:  # a comment takes the blank lines of what it stands above
            following = next((s for s in statements[index:] if not s.text.startswith("#")), stmt) if comment else stmt
            lines.extend([""] * _blank_lines(previous, following, indent == 0))
        lines.extend(_lines(stmt, indent))
        if stmt.body is not None:
            _block(stmt.body, indent + layout.INDENT, lines)
        after_comment = comment
        if not comment:
            previous = stmt


def _blank_lines(previous: Stmt, following: Stmt, top: bool) -> int:
    if previous.text.startswith('"""'):
        return 1 if top or following.definition else 0
    if previous.definition or following.definition or (top and following.body is not None):
        return 2 if top else 1
    return 0


def _lines(stmt: Stmt, indent: int) -> list[str]:
    if stmt.text.startswith(("#", '"""')):
        return [" " * indent + line if line else "" for line in stmt.text.split("\n")]
    return layout.statement(stmt.text, indent).split("\n")
