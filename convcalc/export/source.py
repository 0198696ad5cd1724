"""Python source for what a spec holds, and a file laid out as `ruff format` would.

Values are written as Python reads them back (a spec's arithmetic `filters * 4` as itself, with
its names renamed where the code needs), layer templates (`Code.call`) are filled in, and the
statements of a file are laid out (layout.py) with ruff's blank lines between them.
"""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Callable, Mapping

from convcalc.errors import Location
from convcalc.export import layout
from convcalc.record import Record
from convcalc.spec.calls import Call
from convcalc.spec.expr import BUILTINS, MATH, SHAPE, Expr, Function, callee


class Unwritable(Exception):
    """A value that cannot be written in the code being made (a block's arithmetic that reads its
    input's shape, in a class that does not know it): the caller writes the worked-out value.
    Where nothing else can be written, it is the export's error, at `where` when it is known."""

    def __init__(self, message: str, where: Location | None = None) -> None:
        super().__init__(message)
        self.where = where


class Helpers:
    """The spec's helper formulas (`functions:`) as functions of the file, under the names they
    take there; the ones the code calls (directly or through another) are written, and
    `import math` when one of them, or the code, calls `math.ceil`..."""

    def __init__(self, functions: Mapping[str, Function], take: Callable[[str], str]) -> None:
        self.functions = dict(functions)
        self.names = {name: take(name) for name in functions}
        self.used: set[str] = set()
        self.math = False

    def call(self, name: str) -> str:
        """The file's name of the helper `name`, which the code now calls."""
        if name not in self.used:
            self.used.add(name)
            for _, node, _ in self.functions[name].steps:
                python(node, {}, self, local=True)  # what it calls is used too
        return self.names[name]

    def definitions(self) -> list[Stmt]:
        """`def name(params):` for each helper used, in the spec's order: its steps as
        assignments, its last step returned."""
        written: list[Stmt] = []
        for name, function in self.functions.items():
            if name not in self.used:
                continue
            params = [p if p not in function.defaults else f"{p}={value_source(function.defaults[p])}" for p in function.params]
            body: list[Stmt] = []
            for index, (target, node, _) in enumerate(function.steps):
                text = python(node, {}, self, local=True)
                if target is None and index == len(function.steps) - 1:
                    body.append(Stmt(f"return {text}"))
                elif target is None:
                    body.append(Stmt(text))
                else:
                    body.append(Stmt(f"{target} = {text}"))
            written.append(Stmt(f"def {self.names[name]}({', '.join(params)}):", body))
        return written


BUILTIN_CALLS = frozenset(BUILTINS) - frozenset(MATH)  # int, round, min, max, abs: Python's own


def python(
    node: ast.expr,
    rename: Mapping[str, str],
    helpers: Helpers | None,
    local: bool = False,
    shapes: Mapping[str, str] | None = None,
) -> str:
    """A spec's arithmetic as Python: names renamed (`rename`; a name it lacks raises
    Unwritable, unless `local`: a helper's body reads its own parameters and steps), `ceil(x)`
    as `math.ceil(x)`, a helper's call by the helper's name in the file; `shape(name)` as the
    `.shape` of the tensor `shapes` says holds it there (in forward), else Unwritable (code
    knows no shapes before it runs).

    >>> python(ast.parse("shape(concat)[0] * 2", mode="eval").body, {}, None, shapes={"concat": "out"})
    'out.shape[0] * 2'
    """
    tensors: set[int] = set()  # the Name nodes that stand for a tensor of forward, no name of the spec's
    tree = _tensor_shapes(_plain_rounds(copy.deepcopy(node)), shapes or {}, tensors)
    calls = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    for part in ast.walk(tree):
        if isinstance(part, ast.Call):
            name = callee(part)
            if name == SHAPE:
                raise Unwritable("its arithmetic reads shape()")
            if name in MATH:
                part.func = ast.Attribute(ast.Name("math", ast.Load()), name, ast.Load())
                if helpers is not None:
                    helpers.math = True
            elif helpers is not None and name in helpers.functions:
                assert isinstance(part.func, ast.Name)
                part.func.id = helpers.call(name)
            elif name not in BUILTIN_CALLS:
                raise Unwritable(f"its arithmetic calls {name or ast.unparse(part.func)}")
        elif isinstance(part, ast.Name) and id(part) not in calls and part.id != "math" and id(part) not in tensors:
            if part.id in rename:
                part.id = rename[part.id]
            elif not local:
                raise Unwritable(f"its arithmetic reads {part.id}")
    return ast.unparse(tree)


def _plain_rounds(tree: ast.expr) -> ast.expr:
    """`int(round(x))` as `round(x)`: round of one number is an int already (ruff's RUF046).

    >>> ast.unparse(_plain_rounds(ast.parse("int(round(c * 0.25)) + int(x)", mode="eval").body))
    'round(c * 0.25) + int(x)'
    """

    class Replace(ast.NodeTransformer):
        def visit_Call(self, call: ast.Call) -> ast.AST:
            inner = call.args[0] if len(call.args) == 1 and not call.keywords else None
            if callee(call) == "int" and isinstance(inner, ast.Call) and callee(inner) == "round" and len(inner.args) == 1:
                return self.generic_visit(inner)
            return self.generic_visit(call)

    result = Replace().visit(tree)
    assert isinstance(result, ast.expr)
    return result


def _tensor_shapes(tree: ast.expr, shapes: Mapping[str, str], tensors: set[int]) -> ast.expr:
    """`shape(name)` -> `<the tensor>.shape` for each name `shapes` holds (the new Name nodes'
    ids in `tensors`)."""

    class Replace(ast.NodeTransformer):
        def visit_Call(self, call: ast.Call) -> ast.AST:
            argument = call.args[0] if len(call.args) == 1 else None
            if callee(call) == SHAPE and isinstance(argument, ast.Name) and argument.id in shapes:
                tensor = ast.Name(shapes[argument.id], ast.Load())
                tensors.add(id(tensor))
                return ast.Attribute(tensor, "shape", ast.Load())
            return self.generic_visit(call)

    result = Replace().visit(tree) if shapes else tree
    assert isinstance(result, ast.expr)
    return result


def value_source(
    value: object,
    rename: Mapping[str, str] | None = None,
    layer: Callable[[Call], str] | None = None,
    helpers: Helpers | None = None,
    shapes: Mapping[str, str] | None = None,
) -> str:
    """`value` as Python source: literals as they are, tuples as tuples, a block's arithmetic as
    written with its names renamed (`rename`; a name missing from it raises Unwritable), a call of
    one of the spec's `helpers` as a call of its function, a nested layer call through `layer`.

    >>> value_source((3, 3)), value_source([1, "same"]), value_source(1e-3), value_source((5,))
    ('(3, 3)', '[1, "same"]', '0.001', '(5,)')
    """
    if isinstance(value, Expr):
        return python(value.node, rename or {}, helpers, shapes=shapes)
    if isinstance(value, Call):
        if helpers is not None and value.name in helpers.functions:
            args = [value_source(v, rename, layer, helpers, shapes) for v in value.args]
            args += [f"{k}={value_source(v, rename, layer, helpers, shapes)}" for k, v in value.kwargs.items()]
            return f"{helpers.call(value.name)}({', '.join(args)})"
        if layer is None:
            raise Unwritable(f"a layer call ({value.name}) where a value is expected")
        return layer(value)
    if isinstance(value, tuple):
        items = [value_source(v, rename, layer, helpers, shapes) for v in value]
        return "(" + items[0] + ",)" if len(items) == 1 else "(" + ", ".join(items) + ")"
    if isinstance(value, list):
        return "[" + ", ".join(value_source(v, rename, layer, helpers, shapes) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{"
            + ", ".join(f"{value_source(k)}: {value_source(v, rename, layer, helpers, shapes)}" for k, v in value.items())
            + "}"
        )
    if isinstance(value, float | int | str | bool | bytes) or value is None:
        return layout.literal(value)
    raise Unwritable(f"a value of type {type(value).__name__}")


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
    """A `Code.call` template filled in: `{self}`, inputs `{0}` and `{*}` (`{* + }`), arguments
    `{dim}`, `{(dim)}` (an operand: in parentheses unless an atom), `{=dtype}` (a name given as
    text, unquoted), and `{+dim}`: `, dim=...` where the argument is given (`arguments` holds it
    under "+dim"), else nothing.

    >>> fill("torch.cat([{*}], dim={dim})", "", ["a", "b"], {"dim": "1"})
    'torch.cat([a, b], dim=1)'
    >>> fill("{* + }", "", ["x", "shortcut"], {}), fill("{self}({*})", "self.attention", ["q", "k", "v"], {})
    ('x + shortcut', 'self.attention(q, k, v)')
    >>> fill("nn.Parameter(torch.zeros({shape}){+requires_grad})", "", [], {"shape": "(2,)"})
    'nn.Parameter(torch.zeros((2,)))'
    >>> fill("{0} * {(other)}", "", ["x"], {"other": "1 / 6"}), fill("{0} * {(other)}", "", ["x"], {"other": "0.5"})
    ('x * (1 / 6)', 'x * 0.5')
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
        if key.startswith("+"):
            return f", {key[1:]}={arguments[key]}" if key in arguments else ""
        if key.startswith("="):  # a name given as text (dtype="float64"): the name itself
            return str(ast.literal_eval(arguments[key[1:]]))
        if key.startswith("(") and key.endswith(")"):  # an operand: parenthesized unless an atom
            text = arguments[key[1:-1]]
            return text if layout.precedence(ast.parse(text, mode="eval").body) >= layout.ATOM else f"({text})"
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
    if not stmt.text:
        return [""]  # a blank line of its own (between the sections of the imports)
    if stmt.text.startswith(("#", '"""')):
        return [" " * indent + line if line else "" for line in stmt.text.split("\n")]
    return layout.statement(stmt.text, indent).split("\n")
