"""Names, inputs and blocks: a spec's layers become a flat list of nodes in the order they run.

Blocks are expanded here (`bottleneck(64, repeat=3)`), their arguments evaluated with the
instance's parameters, names scoped (`stage2.block1.conv2d`; a block with `scoped: false` names
its layers itself, as a Keras builder function does), and every `inputs` reference
resolved to an earlier node, so the engine only ever walks a list.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Callable

from convcalc.errors import LayerError, Location, SpecError, did_you_mean
from convcalc.ops.tensor import Shape
from convcalc.record import Record
from convcalc.signature import REQUIRED
from convcalc.spec.calls import Call, resolve
from convcalc.spec.containers import Container, container_of
from convcalc.spec.expr import SHAPE, Expr, Function, ShapeReader, allowed
from convcalc.spec.model import UNSCOPED_NAME, BlockSpec, InputSpec, LayerSpec, Spec

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
    blocks: tuple[tuple[str, str], ...]  # (instance path, block name or container class), outermost first
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


class Instance(Record):
    """One block instance or container as expanded: `export` writes it as a module or a function
    (a container as the framework's own class), called as the spec calls it (`written`,
    arithmetic and all, or `layer`, worked out)."""

    __slots__ = ("path", "block", "written", "layer", "entry", "output", "group", "container")

    path: str  # stage2 or, in a repeat, stage2.block1
    block: str  # the block's name; for a container written inline, its class (Sequential)
    written: LayerSpec  # the call as written: a template inside a block
    layer: LayerSpec  # the call with its arithmetic worked out
    entry: Ref  # its input
    output: Ref  # what its name stands for: its last layer (its input when it has none)
    group: str | None  # in a repeat, the path of all the copies (stage2)
    container: Container | None  # the container class it is (inline) or subclasses (`container:`)

    def __init__(
        self,
        path: str,
        block: str,
        written: LayerSpec,
        layer: LayerSpec,
        entry: Ref,
        output: Ref,
        group: str | None,
        container: Container | None = None,
    ) -> None:
        self.path = path
        self.block = block
        self.written = written
        self.layer = layer
        self.entry = entry
        self.output = output
        self.group = group
        self.container = container


class Graph(Record):
    """The expanded network: nodes in the order they run, and the block instances they form."""

    __slots__ = ("inputs", "nodes", "outputs", "instances")

    inputs: tuple[InputSpec, ...]
    nodes: tuple[Node, ...]
    outputs: tuple[Ref, ...]
    instances: tuple[Instance, ...]

    def __init__(
        self,
        inputs: tuple[InputSpec, ...],
        nodes: tuple[Node, ...],
        outputs: tuple[Ref, ...],
        instances: tuple[Instance, ...] = (),
    ) -> None:
        self.inputs = inputs
        self.nodes = nodes
        self.outputs = outputs
        self.instances = instances

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
    """The names visible while expanding one level: the top, a block instance, or a container."""

    __slots__ = (
        "prefix", "env", "order", "entry", "parent", "blocks", "names", "used", "rules", "outer", "counter", "written",
    )  # fmt: skip

    prefix: str
    env: dict[str, object]
    order: list[Ref]
    entry: Ref | None  # a block's (or a container's) `input`
    parent: _Scope | None  # where the instance was written: a parameter naming a layer is looked up there
    blocks: tuple[tuple[str, str], ...]
    names: dict[str, Ref]
    used: dict[str, int]
    rules: Container | None  # how a container (or a block subclassing one) names and runs its layers
    outer: _Scope | None  # a container written inline: names it does not hold are the enclosing scope's
    counter: list[int]  # the next number of a numbered container's layer
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
        rules: Container | None = None,
        outer: _Scope | None = None,
    ) -> None:
        self.prefix = prefix
        self.env = env
        self.order = order
        self.entry = entry
        self.parent = parent
        self.blocks = blocks
        self.names = {} if names is None else names
        self.used = {} if used is None else used
        self.rules = rules
        self.outer = outer
        self.counter = [0]
        self.written = frozenset()

    @property
    def numbered(self) -> bool:
        return self.rules is not None and self.rules.numbered

    def number(self) -> str:
        """The next number of a torch container's layers: 0, 1, 2..."""
        self.counter[0] += 1
        return str(self.counter[0] - 1)


def _repeat(layer: LayerSpec) -> int:
    """How many copies: 0 leaves the layer out (a stage of `n - 1` more blocks may have none)."""
    repeat = 1 if layer.repeat is None else layer.repeat
    if isinstance(repeat, bool) or not isinstance(repeat, int) or not 0 <= repeat <= MAX_REPEAT:
        raise SpecError.at(
            layer.locate("repeat"), "CC003", f"repeat must be an integer from 0 to {MAX_REPEAT:,}, found {repeat!r}"
        )
    return repeat


def _references(item: object, env: dict[str, object]) -> list[tuple[object, bool]]:
    """What an `inputs` entry names, each with whether a block parameter gave it (a name the
    instance was written with, looked up where it was written). In a call, bare names are layer
    names (`inputs=[c1, -1]`) unless they are block parameters, whose values are used; arithmetic
    that makes a list names each of its items (`["input"] + [f"layer{i}" for i in range(1, 4)]`)."""
    if not isinstance(item, Expr):
        return [(item, False)]
    node = item.node
    if isinstance(node, ast.Name) and node.id not in env:
        return [(node.id, False)]
    if isinstance(node, ast.List | ast.Tuple):
        return [value for e in item.items() for value in _references(e, env)]
    value = item.evaluate(env)
    given = isinstance(node, ast.Name)
    if isinstance(value, list | tuple):
        return [(v, given) for v in value]
    return [(value, given)]


_PLAIN = frozenset({int, str, bool, float, type(None)})


SHAPE_READ = "shape()"
"""Marks (among the names a template reads) arithmetic that calls shape(): its value depends on
the graph, not only on the names, so it is worked out each time."""


def _names(value: object, found: set[str]) -> bool:
    """Whether arithmetic is left to work out anywhere in `value` (tuples, lists, dicts, calls,
    which may be a helper's); the names it reads are added to `found`."""
    if type(value) in _PLAIN:  # most arguments: answered without the isinstance chain
        return False
    if isinstance(value, Expr):
        found.update(value.names())
        if SHAPE in value.calls():
            found.add(SHAPE_READ)
        return True
    if isinstance(value, tuple | list):
        return any([_names(v, found) for v in value])
    if isinstance(value, dict):
        return any([_names(v, found) for v in value.values()])
    if isinstance(value, Call):
        _names(value.args, found)
        _names(value.kwargs, found)
        return True  # a wrapped layer, or a helper's call (`resolve` tells them apart)
    return False


_Reads = tuple[tuple[str, ...] | None, tuple[str, ...] | None, bool]

ABSENT = object()
"""A name the scope does not define (a bare name in a block instance's call names a layer)."""


class _Arithmetic:
    """Each layer template's arithmetic, worked out once for each distinct set of values it
    reads: a block used sixteen times with four values of `filters` makes four layers, not
    sixteen, and identical layers then share one LayerSpec. A name worked out per instance
    (a builder block's `f"{name}_conv"`) is read on its own: the rest of the layer (its
    arguments, `when`, `repeat`) is worked out once for the values *it* reads, and each
    instance only gets its own name on a copy."""

    memo = True
    """False works everything out afresh (tests/test_memo.py compares both ways)."""

    def __init__(self) -> None:
        # by template: the names its arguments (`when`, `repeat`) read, and those its name reads
        # (None where there is nothing to work out), and whether any of it calls shape()
        self.reads: dict[int, _Reads] = {}
        self.done: dict[tuple[object, ...], LayerSpec] = {}

    def _reads(self, template: LayerSpec) -> _Reads:
        key = id(template)  # templates live as long as the spec that holds them
        reads = self.reads.get(key)
        if reads is None:
            body: set[str] = set()
            named: set[str] = set()
            pieces = (template.args, template.kwargs, template.when, template.repeat)
            worked = any([_names(piece, body) for piece in pieces])
            named_worked = _names(template.name, named)
            reads = self.reads[key] = (
                tuple(sorted(body)) if worked else None,
                tuple(sorted(named)) if named_worked else None,
                SHAPE_READ in body or SHAPE_READ in named,
            )
        return reads

    def names(self, template: LayerSpec) -> tuple[str, ...] | None:
        """The names the template's arithmetic reads, None when it has none to work out."""
        if template.plain:
            return None
        body, named, _ = self._reads(template)
        if body is None and named is None:
            return None
        return tuple(sorted({*(body or ()), *(named or ())}))

    def per_copy(self, template: LayerSpec) -> bool:
        """A repeated layer whose arithmetic reads `copy`: its own copy number, 1, 2..., as its
        name pattern reads it (torchvision's loops: `sd_prob = p * block_id / total`)."""
        return template.repeat is not None and "copy" in (self.names(template) or ())

    def evaluated(self, template: LayerSpec, env: dict[str, object], instance: bool) -> LayerSpec:
        if template.plain:
            return template  # read as literals: nothing to work out
        body, named, shaped = self._reads(template)
        if body is None and named is None:
            return template  # most layers: no arithmetic, no copy per node
        if shaped or not self.memo:
            return _evaluated(template, env, instance)
        layer = template
        if body is not None:
            # 1, 1.0 and True are equal keys but different arguments: each value is keyed with its type,
            # and a container by its repr
            values = (id(template), instance, *[_keyed(env.get(name, ABSENT)) for name in body])
            found = self.done.get(values)
            if found is None:
                try:
                    found = self.done[values] = _evaluated(template, env, instance, name=False)
                except SpecError:
                    return _evaluated(template, env, instance)  # the first problem in the order written
            layer = found
        if named is None:
            return layer
        return _with_name(layer, _value(template, "name", template.name, env, instance))


def _patterned(layer: LayerSpec) -> bool:
    """A repeated layer's name with `{expression}` in it, worked out for each copy (without
    `repeat`, braces in a name are just characters)."""
    return layer.repeat is not None and isinstance(layer.name, str) and "{" in layer.name


@functools.lru_cache(maxsize=256)
def _name_part(text: str) -> Expr | None:
    """`{expression}` in a repeated layer's name, read once (None: not arithmetic a spec may write)."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return None
    return Expr(text, tree) if allowed(tree) is None else None


def _checked_name(name: object, layer: LayerSpec) -> str:
    if not isinstance(name, str) or not name or "." in name or "[" in name:
        raise SpecError.at(layer.locate("name"), "CC003", f"a name must be non-empty text without '.' or '[', found {name!r}")
    return name


def _keyed(value: object) -> tuple[type, object]:
    return (type(value), value if type(value) in _PLAIN else repr(value))


def _evaluated(template: LayerSpec, env: dict[str, object], instance: bool = False, name: bool = True) -> LayerSpec:
    """The layer with its arithmetic worked out for one block instance (`filters * 4` -> 256).
    For a block `instance`, a bare unknown name is a layer's name (`up(256, skip=enc3)`).
    Without `name`, the name is left as written (the caller works it out on its own)."""
    return LayerSpec(  # built directly: replace() costs three times as much per layer
        template.type,
        tuple(_value(template, i, v, env, instance) for i, v in enumerate(template.args)),
        {k: _value(template, k, v, env, instance) for k, v in template.kwargs.items()},
        template.location,
        template.arg_locations,
        template.arg_offsets,
        name=_value(template, "name", template.name, env, instance) if name else template.name,
        inputs=template.inputs,
        shares=template.shares,
        when=_value(template, "when", template.when, env, instance),
        repeat=_value(template, "repeat", template.repeat, env, instance),
        children=template.children,
    )


def _with_name(template: LayerSpec, name: object) -> LayerSpec:
    """A layer given its own name (the rest shared by every instance that reads the same values)."""
    return LayerSpec(
        template.type,
        template.args,
        template.kwargs,
        template.location,
        template.arg_locations,
        template.arg_offsets,
        name=name,
        inputs=template.inputs,
        shares=template.shares,
        when=template.when,
        repeat=template.repeat,
        children=template.children,
    )


def _value(template: LayerSpec, key: int | str, written: object, env: dict[str, object], instance: bool) -> object:
    """One piece of a template worked out in `env`, a problem located at it."""
    if type(written) in _PLAIN:
        return written  # most arguments: a number, a string, True/False/None
    if instance and isinstance(written, Expr) and isinstance(written.node, ast.Name) and written.node.id not in env:
        return written.node.id
    try:
        return resolve(written, env)
    except LayerError as exc:
        variables = any(not isinstance(v, Function | ShapeReader) for v in env.values())
        hint = exc.hint if variables else "outside a block names mean nothing: write the number"
        raise SpecError.at(template.locate(key), exc.code, exc.message, hint) from None


Visit = Callable[[Node], tuple[Shape, ...]]


def build_graph(
    spec: Spec,
    auto_name: Callable[[str], str],
    visit: Visit | None = None,
    source: Callable[[str], str] | None = None,
    inputs: dict[str, Shape] | None = None,
) -> Graph:
    """Expand blocks and containers and resolve references; `auto_name("Conv2D")` gives the
    unscoped default name; `source(type_name)` says what a layer type that takes no input at all
    is ("a learned tensor": a parameter tensor), and "" for every other type.

    `visit`, when given, is called with each node as soon as it exists and returns its output
    shapes: the engine computes as the graph grows, so a block can read `input_shape`. `inputs`
    are the graph inputs' shapes with the batch (the engine's: a symbol's size is a formula).
    """
    return _Builder(spec, auto_name, visit, source, inputs).graph()


class _Builder:
    def __init__(
        self,
        spec: Spec,
        auto_name: Callable[[str], str],
        visit: Visit | None,
        source: Callable[[str], str] | None,
        inputs: dict[str, Shape] | None = None,
    ) -> None:
        self.spec = spec
        self.auto_name = auto_name
        self.visit = visit
        self.source = source or (lambda type_name: "")
        self.nodes: list[Node] = []
        self.instances: list[Instance] = []
        self.everywhere: dict[str, Ref] = {}  # every scoped name, so any scope may name it fully
        if inputs is None:
            inputs = {i.name: (spec.batch, *(d if not isinstance(d, str) else None for d in i.shape)) for i in spec.inputs}
        self.shapes: dict[str, tuple[Shape, ...]] = {name: (shape,) for name, shape in inputs.items()}
        self.arithmetic = _Arithmetic()
        self.written: dict[int, frozenset[str]] = {}  # by layer list (the spec's, a block's): the names written in it

    def graph(self) -> Graph:
        top = _Scope("", dict(self.spec.functions), [Ref(self.spec.inputs[0].name)])
        top.env[SHAPE] = self.shape_reader(top)
        for item in self.spec.inputs:
            top.names[item.name] = self.everywhere[item.name] = Ref(item.name)
        self.expand(self.spec.layers, top, ())
        del top.env[SHAPE]  # the reader refers back to its scope: no cycle is left behind
        if self.spec.outputs:
            outputs = tuple(self.reference(name, top, where) for name, where in self.spec.outputs)
        else:
            outputs = (top.order[-1],)
        return Graph(self.spec.inputs, tuple(self.nodes), outputs, tuple(self.instances))

    def expand(self, layers: tuple[LayerSpec, ...], scope: _Scope, stack: tuple[str, ...]) -> None:
        written = self.written.get(id(layers))  # layer lists live as long as the spec
        if written is None:
            written = self.written[id(layers)] = frozenset(t.name for t in layers if isinstance(t.name, str))
        scope.written = written
        for template in layers:
            instance = template.type in self.spec.blocks
            per_copy = self.arithmetic.per_copy(template)
            layer = self.arithmetic.evaluated(template, {**scope.env, "copy": 1} if per_copy else scope.env, instance)
            if layer.when is not None and not layer.when:
                continue
            if scope.rules is not None and scope.rules.chained and scope.outer is not None and layer.inputs is not None:
                raise SpecError.at(
                    layer.locate("inputs"),
                    "CC003",
                    f"a {scope.rules.name} runs its layers one after the other: a layer in it takes no `inputs`",
                    hint="wire layers in a ModuleList, or in a block",
                )
            tensor = self.source(layer.type) if layer.children is None and layer.type not in self.spec.blocks else ""
            source = bool(tensor)
            if source and layer.inputs is not None:
                raise SpecError.at(layer.locate("inputs"), "CC104", f"{layer.type} takes no input: it is {tensor}")
            inputs = () if source else self.inputs(layer, scope)
            block = self.spec.blocks.get(layer.type)
            if block is not None:
                self.instance(block, template, layer, inputs, scope, stack, per_copy)
                continue
            rules = container_of(self.spec.framework, layer.type) if layer.children is not None else None
            if rules is not None:
                self.container(rules, template, layer, inputs, scope, stack)
                continue
            repeat = _repeat(layer)
            default = self.auto_name(layer.type)
            for copy in range(1, repeat + 1):
                if copy > 1 and not source:
                    inputs = (scope.order[-1],)
                if scope.numbered and layer.name is None:
                    local = scope.number()
                elif _patterned(layer):
                    local = self.pattern(layer, copy, scope)
                elif repeat == 1 or layer.name is None:
                    local = self.name(layer, scope, default)
                else:
                    local = f"{layer.name}_{copy}"
                shares = self.reference(layer.shares, scope, layer.locate("shares")).node if layer.shares else None
                this = self.arithmetic.evaluated(template, {**scope.env, "copy": copy}, False) if per_copy else layer
                node = Node(scope.prefix + local, this, inputs, scope.blocks, shares, template)
                ref = self.add(node, this)
                scope.names[local] = ref
                scope.order.append(ref)
            if repeat > 1 and layer.name is not None and not _patterned(layer):
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
            while local in scope.written or local in scope.names or scope.prefix + local in self.everywhere:
                count += 1
                local = f"{default}_{count}"
            scope.used[default] = count + 1
            return local
        return _checked_name(layer.name, layer)

    def pattern(self, layer: LayerSpec, copy: int, scope: _Scope) -> str:
        """A name with `{expression}` in it, worked out for one copy of a repeat: `copy` is 1, 2...
        (`encoder_layer_{copy - 1}`, torchvision's f"encoder_layer_{i}")."""
        assert isinstance(layer.name, str)
        parts = re.split(r"\{([^{}]*)\}", layer.name)
        env = {**scope.env, "copy": copy}
        for index in range(1, len(parts), 2):
            text = parts[index]
            try:
                part = _name_part(text)
                value = None if part is None else part.evaluate(env)
            except LayerError as exc:
                raise SpecError.at(layer.locate("name"), exc.code, f"in the name {layer.name!r}: {exc.message}") from None
            if not isinstance(value, int | str) or isinstance(value, bool):
                raise SpecError.at(
                    layer.locate("name"), "CC003", f"{{{text}}} in the name {layer.name!r} must give a number or a word"
                )
            parts[index] = str(value)
        return _checked_name("".join(parts), layer)

    def inputs(self, layer: LayerSpec, scope: _Scope) -> tuple[Ref, ...]:
        if layer.inputs is None:
            return (scope.order[-1],)
        names, entry, found = scope.names, scope.entry, []
        for item in layer.inputs:  # most often names of this scope's layers, as `reference` finds them first
            ref = names.get(item) if type(item) is str and item[-1:] != "]" and (entry is None or item != "input") else None
            if ref is None:
                break
            found.append(ref)
        else:
            if found:
                return tuple(found)
        where = layer.locate("inputs")
        refs = []
        try:
            items = [value for item in layer.inputs for value in _references(item, scope.env)]
        except LayerError as exc:
            raise SpecError.at(where, exc.code, exc.message, exc.hint) from None
        for item, given in items:
            if isinstance(item, int) and not isinstance(item, bool):
                if not -len(scope.order) <= item < 0:
                    raise SpecError.at(
                        where, "CC003", f"inputs {item} reaches before the first layer here", hint="-1 is the layer before"
                    )
                refs.append(scope.order[item])
            elif given and scope.parent is not None and isinstance(item, str) and self.visible(item, scope.parent):
                refs.append(self.reference(item, scope.parent, where))  # a name the instance was given, where it was written
            else:
                refs.append(self.reference(item, scope, where))
        if not refs:
            raise SpecError.at(where, "CC003", "inputs is empty")
        return tuple(refs)

    def reference(self, text: object, scope: _Scope, where: Location) -> Ref:
        """The output a name refers to: a layer or block instance of this scope, the block's
        `input`, a layer inside a container of this scope by its path from here (`m.0`), a
        parameter whose value names a layer of the calling scope, or a full name."""
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
        elif "." in name and scope.prefix + name in self.everywhere:  # inside a container here: `m.0`
            ref = self.everywhere[scope.prefix + name]
        elif scope.outer is not None:  # a container written inline: the rest is its surroundings'
            ref = self.reference(name, scope.outer, where)
        elif name in scope.env and isinstance(scope.env[name], str) and scope.parent is not None:
            ref = self.reference(scope.env[name], scope.parent, where)
        elif name in self.everywhere:
            ref = self.everywhere[name]
        if ref is None:
            later = self.defined_later(name)
            hint = f"{name!r} is defined later, at line {later.line}" if later else did_you_mean(name, list(scope.names))
            raise SpecError.at(where, "CC003", f"no layer named {name!r} before this point", hint=hint)
        return Ref(ref.node, output) if output else ref

    def visible(self, text: str, scope: _Scope) -> bool:
        """Whether `text` names an output in `scope` itself (or fully, anywhere)."""
        name = text[:-1].partition("[")[0] if text.endswith("]") else text
        return (name == "input" and scope.entry is not None) or name in scope.names or name in self.everywhere

    def defined_later(self, name: str) -> Location | None:
        for layer in self.spec.layers:
            if layer.name == name:
                return layer.location
        return None

    def instance(
        self,
        block: BlockSpec,
        written: LayerSpec,
        layer: LayerSpec,
        inputs: tuple[Ref, ...],
        scope: _Scope,
        stack: tuple[str, ...],
        per_copy: bool = False,
    ) -> None:
        """A block used: its layers expanded once per repeat; `per_copy`: the instance's
        arguments read `copy`, worked out again for each."""
        if block.name in stack:
            chain = " -> ".join((*stack, block.name))
            raise SpecError.at(layer.location, "CC003", f"block {block.name!r} uses itself ({chain})")
        rules = container_of(self.spec.framework, block.container) if block.container else None
        copies: dict[str, LayerSpec] = {}  # each copy's call as worked out for it, where it reads `copy`

        def child(path: str, entry: Ref, copy: int, nesting: tuple[tuple[str, str], ...], label: str | None) -> _Scope:
            shape = self.shape_of(entry)
            nested = (*nesting, (path, block.name))
            implicit: dict[str, object] = {"copy": copy} if shape is None else {"copy": copy, "input_shape": shape}
            if block.scoped:
                inner = _Scope(path + ".", {}, [entry], entry, scope, nested, rules=rules)
            else:  # a builder function: its layers are named beside the instance, from the model's numbering
                inner = _Scope(scope.prefix, {}, [entry], entry, scope, nested, used=scope.used)
                implicit[UNSCOPED_NAME] = label
            inner.env[SHAPE] = self.shape_reader(inner)
            this = copies[path] = self.arithmetic.evaluated(written, {**scope.env, "copy": copy}, True) if per_copy else layer
            self.bind(block, this, implicit, inner.env)
            return inner

        def record(path: str, entry: Ref, output: Ref, group: str | None) -> None:
            self.instances.append(Instance(path, block.name, written, copies.get(path, layer), entry, output, group, rules))

        self.group(layer, inputs, scope, block.name, block.layers, child, (*stack, block.name), record)

    def container(
        self,
        rules: Container,
        written: LayerSpec,
        layer: LayerSpec,
        inputs: tuple[Ref, ...],
        scope: _Scope,
        stack: tuple[str, ...],
    ) -> None:
        """A Sequential, ModuleList or ModuleDict written inline: its layers are expanded under its
        path, read the names around it, and are named as the container class names them."""
        # Keras 3.15's Sequential(trainable=False) leaves its layers' weights trainable (only setting
        # `.trainable = False` afterwards freezes them): the argument changes nothing counted.
        trainable = layer.kwargs.get("trainable", True)
        if not isinstance(trainable, bool):
            raise SpecError.at(layer.locate("trainable"), "CC105", f"trainable must be True or False, found {trainable!r}")

        def child(path: str, entry: Ref, copy: int, nesting: tuple[tuple[str, str], ...], label: str | None) -> _Scope:
            used = scope.used if not rules.numbered else None  # Keras counts its automatic names model-wide
            inner = _Scope(path + ".", dict(scope.env), [entry], entry, scope, (*nesting, (path, rules.name)), None, used)
            inner.rules, inner.outer = rules, scope
            inner.env[SHAPE] = self.shape_reader(inner)
            return inner

        def record(path: str, entry: Ref, output: Ref, group: str | None) -> None:
            self.instances.append(Instance(path, rules.name, written, layer, entry, output, group, rules))

        assert layer.children is not None
        self.group(layer, inputs, scope, rules.name, layer.children, child, stack, record)

    def group(
        self,
        layer: LayerSpec,
        inputs: tuple[Ref, ...],
        scope: _Scope,
        kind: str,
        layers: tuple[LayerSpec, ...],
        child: Callable[[str, Ref, int, tuple[tuple[str, str], ...], str | None], _Scope],
        stack: tuple[str, ...],
        record: Callable[[str, Ref, Ref, str | None], None] | None = None,
    ) -> None:
        """A block instance or a container: its layers expanded in a scope of their own, once per
        repeat (`stage.block1`, `stage.block2`... or, in a torch container, `3`, `4`...); `record`
        hears of each copy (its path, input, output and the path of all the copies). `child` is
        given each copy's own name (None for an instance written without one)."""
        repeat = _repeat(layer)
        if len(inputs) != 1:
            what = f"block {kind!r}" if kind in self.spec.blocks else f"a {kind}"
            raise SpecError.at(layer.locate("inputs"), "CC003", f"{what} takes one input; pass others as parameters")
        numbered = scope.numbered and layer.name is None
        each = numbered or _patterned(layer)  # each copy named on its own, with no group around the copies
        default = kind if kind in self.spec.blocks else self.auto_name(kind)
        constructed = 0  # Keras names a Sequential once its layers are made, after the Sequentials in it
        if layer.children is not None and not numbered and layer.name is None and self.spec.framework == "keras":
            constructed = self.unnamed_inside(layer.children, scope.env, kind)
            scope.used[default] = scope.used.get(default, 0) + constructed
        local = "" if each else self.name(layer, scope, default)
        if constructed:
            scope.used[default] -= constructed + 1
        entry = inputs[0]
        label: str | None
        for copy in range(1, repeat + 1):
            if each:
                own = scope.number() if numbered else self.pattern(layer, copy, scope)
                path, nesting, label = scope.prefix + own, scope.blocks, own
            else:
                path = scope.prefix + local + (f".block{copy}" if repeat > 1 else "")
                nesting = (*scope.blocks, (scope.prefix + local, kind)) if repeat > 1 else scope.blocks
                label = local if layer.name is not None else None
            inner = child(path, entry, copy, nesting, label)
            try:
                self.expand(layers, inner, stack)
            except SpecError as exc:
                if self.shape_of(entry) is None and self.visit is not None and not isinstance(exc, AfterFailure):
                    raise AfterFailure(exc.diagnostic) from None  # its input failed to compute
                raise
            del inner.env[SHAPE]
            if record is not None:
                record(path, entry, inner.order[-1], None if each or repeat == 1 else scope.prefix + local)
            entry = inner.order[-1]
            if each:
                if path in self.everywhere and self.everywhere[path] != entry:  # a builder's last layer may bear its name
                    raise SpecError.at(
                        layer.locate("name"), "CC003", f"the name {path!r} is used twice", hint="names must be unique"
                    )
                scope.names[own] = self.everywhere[path] = entry
                scope.order.append(entry)
        if not each:
            scope.names[local] = self.everywhere[scope.prefix + local] = entry
            scope.order.append(entry)
        if constructed:
            scope.used[default] += 1  # its own name, counted after those of the Sequentials in it

    def unnamed_inside(self, layers: tuple[LayerSpec, ...], env: dict[str, object], kind: str) -> int:
        """How many unnamed `kind` containers are made inside these layers (not inside a block,
        whose names are its own), each copy of a repeat counted."""
        count = 0
        for template in layers:
            if template.children is None or container_of(self.spec.framework, template.type) is None:
                continue
            try:
                layer = self.arithmetic.evaluated(template, env, False)
                repeat = 0 if layer.when is not None and not layer.when else _repeat(layer)
            except SpecError:
                continue  # the expansion reports it
            assert layer.children is not None
            own = 1 if layer.name is None and layer.type == kind else 0
            count += repeat * (own + self.unnamed_inside(layer.children, env, kind))
        return count

    def shape_reader(self, scope: _Scope) -> ShapeReader:
        """shape(name) in `scope`: the output shape of the layer or input the name refers to."""

        def read(name: str) -> object:
            outer = scope.parent is not None and not self.visible(name, scope) and self.visible(name, scope.parent)
            where = scope.parent if outer and scope.parent is not None else scope  # a name given to the instance
            try:
                ref = self.reference(name, where, Location(""))
            except SpecError as exc:
                raise LayerError(f"shape({name}): {exc.diagnostic.message}", exc.diagnostic.hint, code="CC105") from None
            shape = self.shape_of(ref)
            if shape is None:
                raise LayerError(f"shape({name}): its shape is not known here", code="CC105")
            return shape

        return ShapeReader(read)

    def bind(self, block: BlockSpec, layer: LayerSpec, implicit: dict[str, object], env: dict[str, object]) -> None:
        """The instance's parameter values, bound like a call to the block's parameter list and
        added to `env` (which holds the spec's functions); defaults may use the parameters before
        them and the `implicit` names (input_shape, copy)."""
        kwargs = layer.kwargs
        names = list(block.params)
        if len(layer.args) > len(names):
            raise SpecError.at(
                layer.location, "CC104", f"block {block.name!r} takes {len(names)} parameters ({', '.join(names)})"
            )
        env.update(self.spec.functions)
        env.update(implicit)
        positional = dict(zip(names, layer.args))
        env.update(positional)
        for key, value in kwargs.items():
            if key not in block.params:
                hint = did_you_mean(key, names) or f"its parameters: {', '.join(names) or 'none'}"
                raise SpecError.at(layer.locate(key), "CC103", f"block {block.name!r} has no parameter {key!r}", hint=hint)
            if key in positional:
                raise SpecError.at(layer.locate(key), "CC104", f"{key!r} given both by position and by keyword")
            env[key] = value
        for key, default in block.params.items():
            if key not in positional and key not in kwargs:
                if default is REQUIRED:
                    raise SpecError.at(layer.location, "CC104", f"block {block.name!r} needs the parameter {key!r}")
                try:
                    env[key] = resolve(default, env)  # a default may use the parameters before it
                except LayerError as exc:
                    raise SpecError.at(block.location, exc.code, f"default of {key!r}: {exc.message}", exc.hint) from None
