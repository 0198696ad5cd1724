"""Names, inputs and blocks: a spec's layers become a flat list of nodes in the order they run.

Blocks are expanded here (`bottleneck(64, repeat=3)`), their arguments evaluated with the
instance's parameters, names scoped (`stage2.block1.conv2d`), and every `inputs` reference
resolved to an earlier node, so the engine only ever walks a list.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from convcalc.errors import LayerError, Location, SpecError, did_you_mean
from convcalc.ops.tensor import Shape
from convcalc.record import Record
from convcalc.signature import REQUIRED
from convcalc.spec.calls import Call, resolve
from convcalc.spec.expr import Expr
from convcalc.spec.model import BlockSpec, InputSpec, LayerSpec, Spec

MAX_LAYERS = 1_000_000  # layers after expanding blocks: beyond this a repeat has exploded the graph
MAX_REPEAT = 100_000


class AfterFailure(SpecError):
    """A problem inside a block instance whose input is unknown because a layer before it
    failed (engine.run_all): it follows from that failure (its arithmetic had no input_shape)."""


class Ref(Record):
    """One output of a node or graph input: `lstm` is output 0, `lstm[1]` output 1."""

    __slots__ = ("node", "output")

    node: str
    output: int

    def __init__(self, node: str, output: int = 0) -> None:
        self.node = node
        self.output = output

    def __str__(self) -> str:
        return self.node if self.output == 0 else f"{self.node}[{self.output}]"


class Node(Record):
    """One layer of the expanded graph: its full name, its spec and the outputs it takes."""

    __slots__ = ("name", "layer", "inputs", "blocks", "shares", "written")

    name: str
    layer: LayerSpec
    inputs: tuple[Ref, ...]
    blocks: tuple[tuple[str, str], ...]  # (instance path, block name), outermost first
    shares: str | None
    written: LayerSpec | None  # the layer as written: `layer` before a block's arithmetic

    def __init__(
        self,
        name: str,
        layer: LayerSpec,
        inputs: tuple[Ref, ...],
        blocks: tuple[tuple[str, str], ...] = (),
        shares: str | None = None,
        written: LayerSpec | None = None,
    ) -> None:
        self.name = name
        self.layer = layer
        self.inputs = inputs
        self.blocks = blocks
        self.shares = shares
        self.written = written


class Graph(Record):
    """The expanded network: nodes in the order they run."""

    __slots__ = ("inputs", "nodes", "outputs")

    inputs: tuple[InputSpec, ...]
    nodes: tuple[Node, ...]
    outputs: tuple[Ref, ...]

    def __init__(self, inputs: tuple[InputSpec, ...], nodes: tuple[Node, ...], outputs: tuple[Ref, ...]) -> None:
        self.inputs = inputs
        self.nodes = nodes
        self.outputs = outputs

    @property
    def sequential(self) -> bool:
        """True when every node takes just the one before it: no `Connected to` column needed."""
        previous = Ref(self.inputs[0].name) if len(self.inputs) == 1 else None
        for node in self.nodes:
            if node.inputs != (previous,):
                return False
            previous = Ref(node.name)
        return True


class _Scope(Record):
    """The names visible while expanding one level: the top, or one block instance."""

    __slots__ = ("prefix", "env", "order", "entry", "parent", "blocks", "names", "used", "written")

    prefix: str
    env: dict[str, object]
    order: list[Ref]
    entry: Ref | None  # a block's `input`
    parent: _Scope | None
    blocks: tuple[tuple[str, str], ...]
    names: dict[str, Ref]
    used: dict[str, int]
    written: frozenset[str]  # the names its layers are given in the spec: automatic names step around them

    def __init__(
        self,
        prefix: str,
        env: dict[str, object],
        order: list[Ref],
        entry: Ref | None = None,
        parent: _Scope | None = None,
        blocks: tuple[tuple[str, str], ...] = (),
        names: dict[str, Ref] | None = None,
        used: dict[str, int] | None = None,
    ) -> None:
        self.prefix = prefix
        self.env = env
        self.order = order
        self.entry = entry
        self.parent = parent
        self.blocks = blocks
        self.names = {} if names is None else names
        self.used = {} if used is None else used
        self.written = frozenset()


def _repeat(layer: LayerSpec) -> int:
    """How many copies: 0 leaves the layer out (a stage of `n - 1` more blocks may have none)."""
    repeat = 1 if layer.repeat is None else layer.repeat
    if isinstance(repeat, bool) or not isinstance(repeat, int) or not 0 <= repeat <= MAX_REPEAT:
        raise SpecError.at(
            layer.locate("repeat"), "CC003", f"repeat must be an integer from 0 to {MAX_REPEAT:,}, found {repeat!r}"
        )
    return repeat


def _references(item: object, env: dict[str, object]) -> list[object]:
    """What an `inputs` entry names. In a call, bare names are layer names (`inputs=[c1, -1]`)
    unless they are block parameters, whose values are used."""
    if not isinstance(item, Expr):
        return [item]
    node = item.node
    if isinstance(node, ast.Name) and node.id not in env:
        return [node.id]
    if isinstance(node, ast.List | ast.Tuple):
        return [value for e in node.elts for value in _references(Expr(ast.unparse(e), e), env)]
    return [item.evaluate(env)]


_PLAIN = frozenset({int, str, bool, float, type(None)})


def _names(value: object, found: set[str]) -> bool:
    """Whether arithmetic is left to work out anywhere in `value` (tuples, lists, dicts, calls);
    the names it reads are added to `found`."""
    if type(value) in _PLAIN:  # most arguments: answered without the isinstance chain
        return False
    if isinstance(value, Expr):
        found.update(value.names())
        return True
    if isinstance(value, tuple | list):
        return any([_names(v, found) for v in value])
    if isinstance(value, dict):
        return any([_names(v, found) for v in value.values()])
    if isinstance(value, Call):
        return any([_names(value.args, found), _names(value.kwargs, found)])
    return False


ABSENT = object()
"""A name the scope does not define (a bare name in a block instance's call names a layer)."""


class _Arithmetic:
    """Each layer template's arithmetic, worked out once for each distinct set of values it
    reads: a block used sixteen times with four values of `filters` makes four layers, not
    sixteen, and identical layers then share one LayerSpec."""

    def __init__(self) -> None:
        self.reads: dict[int, tuple[str, ...] | None] = {}  # by template: the names its arithmetic reads
        self.done: dict[tuple[object, ...], LayerSpec] = {}

    def evaluated(self, template: LayerSpec, env: dict[str, object], instance: bool) -> LayerSpec:
        if template.plain:
            return template  # read as literals: nothing to work out
        key = id(template)  # templates live as long as the spec that holds them
        if key not in self.reads:
            found: set[str] = set()
            pieces = (template.args, template.kwargs, template.name, template.when, template.repeat)
            self.reads[key] = tuple(sorted(found)) if any([_names(piece, found) for piece in pieces]) else None
        names = self.reads[key]
        if names is None:
            return template  # most layers: no arithmetic, no copy per node
        # 1, 1.0 and True are equal keys but different arguments: each value is keyed with its type,
        # and a container by its repr
        values = (key, instance, *(_keyed(env.get(name, ABSENT)) for name in names))
        layer = self.done.get(values)
        if layer is None:
            layer = self.done[values] = _evaluated(template, env, instance)
        return layer


def _keyed(value: object) -> tuple[type, object]:
    return (type(value), value if type(value) in _PLAIN else repr(value))


def _evaluated(template: LayerSpec, env: dict[str, object], instance: bool = False) -> LayerSpec:
    """The layer with its arithmetic worked out for one block instance (`filters * 4` -> 256).
    For a block `instance`, a bare unknown name is a layer's name (`up(256, skip=enc3)`)."""

    def value(key: int | str, written: object) -> object:
        if instance and isinstance(written, Expr) and isinstance(written.node, ast.Name) and written.node.id not in env:
            return written.node.id
        try:
            return resolve(written, env)
        except LayerError as exc:
            hint = exc.hint if env else "outside a block names mean nothing: write the number"
            raise SpecError.at(template.locate(key), exc.code, exc.message, hint) from None

    return LayerSpec(  # built directly: replace() costs three times as much per layer
        template.type,
        tuple(value(i, v) for i, v in enumerate(template.args)),
        {k: value(k, v) for k, v in template.kwargs.items()},
        template.location,
        template.arg_locations,
        template.arg_offsets,
        name=value("name", template.name),
        inputs=template.inputs,
        shares=template.shares,
        when=value("when", template.when),
        repeat=value("repeat", template.repeat),
    )


Visit = Callable[[Node], tuple[Shape, ...]]


def build_graph(spec: Spec, auto_name: Callable[[str], str], visit: Visit | None = None) -> Graph:
    """Expand blocks and resolve references; `auto_name("Conv2D")` gives the unscoped default name.

    `visit`, when given, is called with each node as soon as it exists and returns its output
    shapes: the engine computes as the graph grows, so a block can read `input_shape`.
    """
    return _Builder(spec, auto_name, visit).graph()


class _Builder:
    def __init__(self, spec: Spec, auto_name: Callable[[str], str], visit: Visit | None) -> None:
        self.spec = spec
        self.auto_name = auto_name
        self.visit = visit
        self.nodes: list[Node] = []
        self.everywhere: dict[str, Ref] = {}  # every scoped name, so any scope may name it fully
        self.shapes: dict[str, tuple[Shape, ...]] = {i.name: ((spec.batch, *i.shape),) for i in spec.inputs}
        self.arithmetic = _Arithmetic()
        self.written: dict[int, frozenset[str]] = {}  # by layer list (the spec's, a block's): the names written in it

    def graph(self) -> Graph:
        top = _Scope("", {}, [Ref(self.spec.inputs[0].name)])
        for item in self.spec.inputs:
            top.names[item.name] = self.everywhere[item.name] = Ref(item.name)
        self.expand(self.spec.layers, top, ())
        if self.spec.outputs:
            outputs = tuple(self.reference(name, top, where) for name, where in self.spec.outputs)
        else:
            outputs = (top.order[-1],)
        return Graph(self.spec.inputs, tuple(self.nodes), outputs)

    def expand(self, layers: tuple[LayerSpec, ...], scope: _Scope, stack: tuple[str, ...]) -> None:
        written = self.written.get(id(layers))  # layer lists live as long as the spec
        if written is None:
            written = self.written[id(layers)] = frozenset(t.name for t in layers if isinstance(t.name, str))
        scope.written = written
        for template in layers:
            layer = self.arithmetic.evaluated(template, scope.env, template.type in self.spec.blocks)
            if layer.when is not None and not layer.when:
                continue
            inputs = self.inputs(layer, scope)
            block = self.spec.blocks.get(layer.type)
            if block is not None:
                self.instance(block, layer, inputs, scope, stack)
                continue
            repeat = _repeat(layer)
            default = self.auto_name(layer.type)
            for copy in range(1, repeat + 1):
                if copy > 1:
                    inputs = (scope.order[-1],)
                local = self.name(layer, scope, default) if repeat == 1 or layer.name is None else f"{layer.name}_{copy}"
                shares = self.reference(layer.shares, scope, layer.locate("shares")).node if layer.shares else None
                node = Node(scope.prefix + local, layer, inputs, scope.blocks, shares, template)
                ref = self.add(node, layer)
                scope.names[local] = ref
                scope.order.append(ref)
            if repeat > 1 and layer.name is not None:
                scope.names[str(layer.name)] = scope.order[-1]

    def add(self, node: Node, layer: LayerSpec) -> Ref:
        if node.name in self.everywhere:
            raise SpecError.at(
                layer.locate("name"), "CC003", f"the name {node.name!r} is used twice", hint="names must be unique"
            )
        if len(self.nodes) >= MAX_LAYERS:
            raise SpecError.at(
                layer.location, "CC003", f"the network grows past {MAX_LAYERS:,} layers", hint="is a repeat too large?"
            )
        self.nodes.append(node)
        ref = self.everywhere[node.name] = Ref(node.name)
        if self.visit is not None:
            self.shapes[node.name] = self.visit(node)
        return ref

    def shape_of(self, ref: Ref) -> Shape | None:
        """The shape of an output computed so far (None when nobody computes shapes)."""
        produced = self.shapes.get(ref.node)
        return produced[ref.output] if produced and ref.output < len(produced) else None

    def name(self, layer: LayerSpec, scope: _Scope, default: str) -> str:
        if layer.name is None:  # Keras's numbering (dense, dense_1...), stepping around the names written
            count = scope.used.get(default, 0)
            local = default if count == 0 else f"{default}_{count}"
            while local in scope.written or local in scope.names:
                count += 1
                local = f"{default}_{count}"
            scope.used[default] = count + 1
            return local
        if not isinstance(layer.name, str) or not layer.name or "." in layer.name or "[" in layer.name:
            raise SpecError.at(
                layer.locate("name"), "CC003", f"a name must be non-empty text without '.' or '[', found {layer.name!r}"
            )
        return layer.name

    def inputs(self, layer: LayerSpec, scope: _Scope) -> tuple[Ref, ...]:
        if layer.inputs is None:
            return (scope.order[-1],)
        where = layer.locate("inputs")
        refs = []
        try:
            items = [value for item in layer.inputs for value in _references(item, scope.env)]
        except LayerError as exc:
            raise SpecError.at(where, exc.code, exc.message, exc.hint) from None
        for item in items:
            if isinstance(item, int) and not isinstance(item, bool):
                if not -len(scope.order) <= item < 0:
                    raise SpecError.at(
                        where, "CC003", f"inputs {item} reaches before the first layer here", hint="-1 is the layer before"
                    )
                refs.append(scope.order[item])
            else:
                refs.append(self.reference(item, scope, where))
        if not refs:
            raise SpecError.at(where, "CC003", "inputs is empty")
        return tuple(refs)

    def reference(self, text: object, scope: _Scope, where: Location) -> Ref:
        """The output a name refers to: a layer or block instance of this scope, the block's
        `input`, a parameter whose value names a layer of the calling scope, or a full name."""
        if not isinstance(text, str):
            raise SpecError.at(where, "CC003", f"expected a layer name, found {text!r}")
        name, output = text, 0
        if text.endswith("]") and "[" in text:
            name, _, index = text[:-1].partition("[")
            if not index.isdigit():
                raise SpecError.at(where, "CC003", f"{text!r}: the output index must be a number, as in lstm[1]")
            output = int(index)
        ref = None
        if name == "input" and scope.entry is not None:
            ref = scope.entry
        elif name in scope.names:
            ref = scope.names[name]
        elif name in scope.env and isinstance(scope.env[name], str) and scope.parent is not None:
            ref = self.reference(scope.env[name], scope.parent, where)
        elif name in self.everywhere:
            ref = self.everywhere[name]
        if ref is None:
            later = self.defined_later(name)
            hint = f"{name!r} is defined later, at line {later.line}" if later else did_you_mean(name, list(scope.names))
            raise SpecError.at(where, "CC003", f"no layer named {name!r} before this point", hint=hint)
        return Ref(ref.node, output) if output else ref

    def defined_later(self, name: str) -> Location | None:
        for layer in self.spec.layers:
            if layer.name == name:
                return layer.location
        return None

    def instance(
        self, block: BlockSpec, layer: LayerSpec, inputs: tuple[Ref, ...], scope: _Scope, stack: tuple[str, ...]
    ) -> None:
        if block.name in stack:
            chain = " -> ".join((*stack, block.name))
            raise SpecError.at(layer.location, "CC003", f"block {block.name!r} uses itself ({chain})")
        repeat = _repeat(layer)
        if len(inputs) != 1:
            raise SpecError.at(
                layer.locate("inputs"), "CC003", f"block {block.name!r} takes one input; pass others as parameters"
            )
        local = self.name(layer, scope, block.name)
        entry = inputs[0]
        for copy in range(1, repeat + 1):
            path = scope.prefix + local + (f".block{copy}" if repeat > 1 else "")
            shape = self.shape_of(entry)
            child_env = self.bind(block, layer, {"copy": copy} if shape is None else {"copy": copy, "input_shape": shape})
            nesting = (*scope.blocks, (scope.prefix + local, block.name)) if repeat > 1 else scope.blocks
            child = _Scope(path + ".", child_env, [entry], entry, scope, (*nesting, (path, block.name)))
            try:
                self.expand(block.layers, child, (*stack, block.name))
            except SpecError as exc:
                if shape is None and self.visit is not None and not isinstance(exc, AfterFailure):
                    raise AfterFailure(exc.diagnostic) from None  # its input failed to compute
                raise
            entry = child.order[-1]
        scope.names[local] = self.everywhere[scope.prefix + local] = entry
        scope.order.append(entry)

    def bind(self, block: BlockSpec, layer: LayerSpec, implicit: dict[str, object]) -> dict[str, object]:
        """The instance's parameter values, bound like a call to the block's parameter list;
        defaults may use the parameters before them and the `implicit` names (input_shape, copy)."""
        kwargs = layer.kwargs
        names = list(block.params)
        if len(layer.args) > len(names):
            raise SpecError.at(
                layer.location, "CC104", f"block {block.name!r} takes {len(names)} parameters ({', '.join(names)})"
            )
        env = {**implicit, **dict(zip(names, layer.args))}
        for key, value in kwargs.items():
            if key not in block.params:
                hint = did_you_mean(key, names) or f"its parameters: {', '.join(names) or 'none'}"
                raise SpecError.at(layer.locate(key), "CC103", f"block {block.name!r} has no parameter {key!r}", hint=hint)
            if key in env:
                raise SpecError.at(layer.locate(key), "CC104", f"{key!r} given both by position and by keyword")
            env[key] = value
        for key, default in block.params.items():
            if key not in env:
                if default is REQUIRED:
                    raise SpecError.at(layer.location, "CC104", f"block {block.name!r} needs the parameter {key!r}")
                try:
                    env[key] = resolve(default, env)  # a default may use the parameters before it
                except LayerError as exc:
                    raise SpecError.at(block.location, exc.code, f"default of {key!r}: {exc.message}", exc.hint) from None
        return env
