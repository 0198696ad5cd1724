"""What both writers need to know about a spec's blocks: their order, which parameters name
tensors rather than values, what a block instance's externals are called, and which instances
one class (or function) can serve.

A block becomes one class with its parameters as `__init__` arguments (a function with them as
arguments, for Keras) when the code its templates write is the same for every instance: the
arithmetic then runs in Python as it ran in convcalc. Instances whose structure differs (a
`when:` that holds for some, a `repeat:` of one copy for some and several for others) get one
class per structure; a block whose arithmetic reads its input's shape takes it as an argument
(`input_shape=`), and one whose arithmetic reads what code cannot know (`copy`, `shape()`) is
written per instance with its arithmetic worked out.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

from convcalc.export.names import identifier
from convcalc.export.source import Stmt, Unwritable
from convcalc.export.structure import Member, Scope, children
from convcalc.graph import Ref
from convcalc.signature import REQUIRED
from convcalc.spec.calls import Call
from convcalc.spec.expr import SHAPE, Expr, callee
from convcalc.spec.model import BlockSpec, LayerSpec, Spec


def leaves_first(spec: Spec) -> list[str]:
    """Block names, each after every block it uses."""
    done: list[str] = []

    def visit(name: str) -> None:
        if name in done:
            return
        for layer in spec.blocks[name].layers:
            if layer.type in spec.blocks:
                visit(layer.type)
        done.append(name)

    for name in spec.blocks:
        visit(name)
    return done


def input_items(layer: LayerSpec) -> list[object]:
    """A layer's `inputs` as written, one item per input (`[skip, -1]` in a call is one Expr)."""
    items: list[object] = []
    for item in layer.inputs or ():
        if isinstance(item, Expr) and isinstance(item.node, ast.List | ast.Tuple):
            for element in item.node.elts:
                items.append(element.id if isinstance(element, ast.Name) else _literal(element))
        elif isinstance(item, Expr) and isinstance(item.node, ast.Name):
            items.append(item.node.id)
        else:
            items.append(item)
    return items


def _literal(node: ast.expr) -> object:
    """An element of an `inputs` list: its value, or (arithmetic, `"chunk" if stride == 1 else
    "branch1"`) the expression itself, which names no parameter."""
    try:
        return ast.literal_eval(node)
    except ValueError:
        return node


def tensor_params(spec: Spec) -> dict[str, set[str]]:
    """Each block's parameters that name a layer (`skip: enc3`) rather than hold a value: used in
    `inputs` or `shares`, or handed on to such a parameter of a block inside."""
    found: dict[str, set[str]] = {name: set() for name in spec.blocks}
    for name in leaves_first(spec):
        block = spec.blocks[name]
        for layer in block.layers:
            for item in [*input_items(layer), layer.shares]:
                if isinstance(item, str) and item in block.params:
                    found[name].add(item)
            inner = spec.blocks.get(layer.type)
            if inner is None:
                continue
            for key, value in _arguments(list(inner.params), layer):
                if key in found[inner.name] and _named(value) in block.params:
                    found[name].add(str(_named(value)))
    return found


def _arguments(params: list[str], call: LayerSpec) -> Iterator[tuple[str, object]]:
    yield from zip(params, call.args)
    yield from call.kwargs.items()


def _named(value: object) -> str | None:
    if isinstance(value, Expr) and isinstance(value.node, ast.Name):
        return value.node.id
    return value if isinstance(value, str) else None


def external_names(scope: Scope) -> list[str]:
    """What each of an instance's externals is called where it is read: the parameter or layer
    name its first reader's `inputs` gives (`skip`), else `tensor`."""
    names: list[str] = []
    for ref in scope.externals:
        names.append(_reader_name(scope, ref) or "tensor")
    return names


def _reader_name(scope: Scope, ref: Ref) -> str | None:
    for row in scope.rows():
        if row.spec is None:
            continue
        resolved = [_ref(text) for text in row.inputs]
        items = input_items(row.spec)
        if ref in resolved and len(items) == len(resolved):
            item = items[resolved.index(ref)]
            if isinstance(item, str) and item != "input":
                return identifier(item.replace("[", "_").replace("]", ""))
            return None
    return None


def _ref(text: str) -> Ref:
    if text.endswith("]") and "[" in text:
        name, _, index = text[:-1].partition("[")
        return Ref(name, int(index))
    return Ref(text)


INPUT_SHAPE = "input_shape"


def reads_input_shape(block: BlockSpec) -> bool:
    """Whether the code of a block's layers reads `input_shape` (its arguments, names, repeat
    counts, its parameters' defaults; a `when:` is decided per instance and written nowhere)."""
    values: list[object] = list(block.params.values())
    for layer in block.layers:
        values += [*layer.args, *layer.kwargs.values(), layer.name, layer.repeat]
    return any(
        isinstance(node, ast.Name) and node.id == INPUT_SHAPE for expr in expressions(values) for node in ast.walk(expr.node)
    )


def shape_references(layer: LayerSpec) -> set[str]:
    """The names whose shape a layer's arguments read: `shape(concat)[0]` reads concat's."""
    found: set[str] = set()
    for expr in expressions([*layer.args, *layer.kwargs.values()]):
        for node in ast.walk(expr.node):
            named = node.args[0] if isinstance(node, ast.Call) and callee(node) == SHAPE and len(node.args) == 1 else None
            if isinstance(named, ast.Name):
                found.add(named.id)
    return found


def expressions(values: list[object]) -> Iterator[Expr]:
    """The block arithmetic among argument values, at any depth of calls, lists and mappings."""
    values = list(values)
    while values:
        value = values.pop()
        if isinstance(value, Expr):
            yield value
        elif isinstance(value, Call):
            values += [*value.args, *value.kwargs.values()]
        elif isinstance(value, list | tuple):
            values += list(value)
        elif isinstance(value, dict):
            values += list(value.values())


class Signature:
    """A parameterized block's arguments: its value parameters in order, renamed where a name is
    taken, with their defaults (an arithmetic default becomes None, worked out in the body). A
    block whose code reads `input_shape`, which a module learns only when it runs, takes it as
    a keyword-only argument, each instance passing its own (`input_shape=(None, 3, 416, 416)`)."""

    def __init__(self, spec: Spec, block: str, tensors: set[str], taken: set[str]) -> None:
        self.block = spec.blocks[block]
        self.values = [p for p in self.block.params if p not in tensors]
        self.rename = {p: (p + "_" if p in taken else p) for p in self.values}
        self.tensors = tensors
        self.shaped = reads_input_shape(self.block)
        if self.shaped:
            self.rename[INPUT_SHAPE] = INPUT_SHAPE + "_" if INPUT_SHAPE in taken else INPUT_SHAPE

    def parameters(self, write: Callable[[object, dict[str, str]], str]) -> tuple[list[str], list[Stmt]]:
        """The parameter list and the statements that work out arithmetic defaults."""
        listed: list[str] = []
        later: list[Stmt] = []
        defaulted = False
        for index, param in enumerate(self.values):
            name = self.rename[param]
            default = self.block.params[param]
            if default is REQUIRED:
                if defaulted:
                    raise Unwritable(f"the required parameter {param!r} follows one with a default")
                listed.append(name)
                continue
            defaulted = True
            if isinstance(default, Expr):
                earlier = {p: self.rename[p] for p in self.values[:index]}
                listed.append(f"{name}=None")
                later.append(Stmt(f"if {name} is None:", [Stmt(f"{name} = {write(default, earlier)}")]))
            else:
                listed.append(f"{name}={write(default, {})}")
        if self.shaped:
            listed += ["*", self.rename[INPUT_SHAPE]]
        return listed, later

    def call(self, layer: LayerSpec, write: Callable[[object], str]) -> list[str]:
        """An instance's arguments as its call gives them: by position up to the first tensor
        parameter, by keyword after; tensor parameters are the instance's inputs, not arguments."""
        params = list(self.block.params)
        written: list[str] = []
        by_keyword = False
        for param, value in zip(params, layer.args):
            if param in self.tensors:
                by_keyword = True
                continue
            text = write(value)
            written.append(f"{self.rename[param]}={text}" if by_keyword else text)
        for key, value in layer.kwargs.items():
            if key not in self.tensors:
                written.append(f"{self.rename[key]}={write(value)}")
        return written


def layer_call(value: object) -> Call:
    """A nested layer however written: a call, its text, or a mapping with `type:`."""
    if isinstance(value, Call):
        return value
    if isinstance(value, str):
        from convcalc.spec.calls import parse_call

        return parse_call(value)
    if isinstance(value, dict) and isinstance(value.get("type"), str):
        kwargs = {k: v for k, v in value.items() if k != "type"}
        return Call(str(value["type"]), (), kwargs)
    raise Unwritable(f"expected a layer, found {value!r}")


def member_scopes(scope: Scope) -> Iterator[Scope]:
    """Every block instance below `scope`, at any depth."""
    for member in scope.members:
        for child in children(member):
            yield child
            yield from member_scopes(child)


def flattened(members: list[Member]) -> list[Member]:
    """A repeat that hands values out of its copies is written copy by copy."""
    result: list[Member] = []
    for member in members:
        if member.group is not None and member.group.exports:
            result += [Member(f"{member.local}.block{k}", scope=copy) for k, copy in enumerate(member.group.copies, 1)]
        else:
            result.append(member)
    return result
