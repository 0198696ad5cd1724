"""Names, inputs and blocks: a spec's layers become a flat list of nodes in the order they run.

Blocks are expanded here (`bottleneck(64, repeat=3)`), their arguments evaluated with the
instance's parameters, names scoped (`stage2.block1.conv2d`; a block with `scoped: false` names
its layers itself, as a Keras builder function does), and every `inputs` reference
resolved to an earlier node, so the engine only ever walks a list. The copies of a scoped block
that are alike (a transformer's layers) are expanded twice and then replayed (_Recording).
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
        previous = self.inputs[0].name if len(self.inputs) == 1 else None
        for node in self.nodes:  # fields compared one by one: Ref's == would build tuples of them, per node
            inputs = node.inputs
            if len(inputs) != 1 or inputs[0].node != previous or inputs[0].output != 0:
                return False
            previous = node.name
        return True


_MADE = [0]
"""How many scopes have been made: the next one's serial (a list: a class attribute changed at each
scope would make Python look every scope attribute up afresh)."""


class _Scope(Record):
    """The names visible while expanding one level: the top, a block instance, or a container."""

    __slots__ = (
        "prefix", "env", "order", "entry", "parent", "blocks", "names", "used", "rules", "outer", "counter", "written",
        "serial", "recording",
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
    serial: int  # scopes are numbered as made: those made while an instance is recorded are its own
    recording: _Recording | None  # an instance's scope: the recording made as it expands

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
        self.serial = _MADE[0]
        _MADE[0] += 1
        self.recording = None

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
    if isinstance(node, (ast.List, ast.Tuple)):
        return [value for e in item.items() for value in _references(e, env)]
    value = item.evaluate(env)
    given = isinstance(node, ast.Name)
    if isinstance(value, (list, tuple)):
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
    if isinstance(value, (tuple, list)):
        return any([_names(v, found) for v in value])
    if isinstance(value, dict):
        return any([_names(v, found) for v in value.values()])
    if isinstance(value, Call):
        _names(value.args, found)
        _names(value.kwargs, found)
        return True  # a wrapped layer, or a helper's call (`resolve` tells them apart)
    return False


_Reads = tuple[tuple[str, ...] | None, tuple[str, ...] | None, bool]
_LITERAL: _Reads = (None, None, False)
"""The reads of a template with no arithmetic anywhere."""

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
        # by the identity of a template's arguments: whether they hold arithmetic, and the names it reads
        self.arguments: dict[tuple[int, int], tuple[bool, frozenset[str], object]] = {}

    def _reads(self, template: LayerSpec) -> _Reads:
        key = id(template)  # templates live as long as the spec that holds them
        reads = self.reads.get(key)
        if reads is None:
            worked, read = self._arguments(template)
            if not worked and type(template.when) in _PLAIN and type(template.repeat) in _PLAIN and type(template.name) in _PLAIN:
                return _LITERAL  # most layers of a long spec, each its own template: nothing kept per template
            body = set(read)
            worked = any([_names(piece, body) for piece in (template.when, template.repeat)]) or worked
            named: set[str] = set()
            named_worked = _names(template.name, named)
            reads = self.reads[key] = (
                tuple(sorted(body)) if worked else None,
                tuple(sorted(named)) if named_worked else None,
                SHAPE_READ in body or SHAPE_READ in named,
            )
        return reads

    def _arguments(self, template: LayerSpec) -> tuple[bool, frozenset[str]]:
        """Whether a template's arguments hold arithmetic, and the names it reads. The layers
        written with one call's text share its arguments' very objects (calls.parse_call
        remembers a call), so a deep stack looks through each distinct call once."""
        key = (id(template.args), id(template.kwargs))
        found = self.arguments.get(key)
        if found is None:
            names: set[str] = set()
            worked = any([_names(piece, names) for piece in (template.args, template.kwargs)])
            found = self.arguments[key] = (worked, frozenset(names), template)  # held: the ids stay theirs
        return found[0], found[1]

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


_Input = tuple[str | None, int] | Ref
"""A recorded node's input: (its name under the instance's prefix, output), (None, output) for
the instance's input, or a Ref outside the instance, taken as it is."""


class _Recording:
    """One scoped block instance as it was expanded, kept to be replayed for a later instance of
    the same block with the same arguments, input shape and chain of blocks (_Builder.replayed).

    What an instance makes depends on those, on the shapes of the layers it takes, and on the
    names it finds around it. The scopes made while it expands (`serial` on) are its own, and
    every lookup of a full name is logged here (_Builder.logged_look): a name under its own
    `prefix` must be its own or absent (the replay checks that the new prefix is unused); any
    other must find what it found, which the replay checks. An instance that reads a scope not
    its own (a name it was given, looked up where it was called), that finds something made
    before it under its own prefix, or in which a layer fails, is not kept."""

    __slots__ = (
        "key", "serial", "prefix", "entry", "depth", "first_node", "first_instance", "sound", "reads", "own", "writes",
        "plan", "named", "instances", "output", "fresh",
    )  # fmt: skip

    def __init__(
        self, key: tuple[object, ...], serial: int, prefix: str, entry: Ref, depth: int, first_node: int, first_instance: int
    ) -> None:
        self.key = key  # what it is kept by (_Builder.replay_key)
        self.serial = serial  # the serial of its own scope: scopes made after it are inside it
        self.prefix = prefix  # its path and a dot: the full names of everything it makes
        self.entry = entry
        self.depth = depth  # how many (path, block) pairs its nodes' `blocks` hold down to its own
        self.first_node = first_node
        self.first_instance = first_instance
        self.sound = True
        self.reads: list[tuple[str, Ref | None]] = []  # names outside its prefix it looked up, and what it found
        self.own: set[str] = set()  # names under its prefix it looked up or made
        self.writes: list[tuple[str, Ref]] = []  # names under its prefix it made
        # worked out once kept: each node as (name, layer, inputs, blocks inside, shares, as written), names
        # without the prefix; the instances and containers inside it; its output; the names a replay must find unused
        self.plan: list[
            tuple[str, LayerSpec, tuple[_Input, ...], tuple[tuple[str, str], ...], _Input | None, LayerSpec | None]
        ] = []
        self.named: list[tuple[str, _Input]] = []  # the names given to instances and containers inside it
        self.instances: list[tuple[Instance, _Input, _Input]] = []
        self.output: _Input = (None, entry.output)
        self.fresh: tuple[str, ...] = ()

    def looked(self, key: str, found: Ref | None) -> None:
        if key.startswith(self.prefix):
            if found is not None and key not in self.own:
                self.sound = False  # something made before it, under its prefix
            self.own.add(key)
        else:
            if found is not None and found.node == self.entry.node:
                self.sound = False  # its input by a full name: a replay would take its own input
            self.reads.append((key, found))

    def defined(self, key: str, ref: Ref, existed: bool) -> None:
        if not key.startswith(self.prefix) or (existed and key not in self.own):
            self.sound = False
        self.own.add(key)
        self.writes.append((key, ref))

    def relative(self, ref: Ref) -> _Input:
        if ref.node == self.entry.node:
            return (None, ref.output)
        return (ref.node[len(self.prefix) :], ref.output) if ref.node.startswith(self.prefix) else ref

    def keep(self, nodes: list[Node], instances: list[Instance], shapes: dict[str, tuple[Shape, ...]], output: Ref) -> bool:
        """Whether the instance, now expanded, can be replayed (then its plan is worked out): all it
        made is named under its prefix, no layer in it failed, none shares its input's weights."""
        prefix, cut, made = self.prefix, len(self.prefix), nodes[self.first_node :]
        if not self.sound:
            return False
        for node in made:
            inside = node.blocks[self.depth :]
            if not (node.name.startswith(prefix) and shapes.get(node.name) and all([p.startswith(prefix) for p, _ in inside])):
                return False
            if node.shares is not None and node.shares == self.entry.node:
                return False
            shares = None if node.shares is None else self.relative(Ref(node.shares))
            inputs = tuple([self.relative(ref) for ref in node.inputs])
            blocks = tuple([(p[cut:], b) for p, b in inside])
            self.plan.append((node.name[cut:], node.layer, inputs, blocks, shares, node.written))
        for item in instances[self.first_instance :]:
            if not item.path.startswith(prefix) or not (item.group or prefix).startswith(prefix):
                return False
            self.instances.append((item, self.relative(item.entry), self.relative(item.output)))
        names = {node.name for node in made}  # a replayed node names itself
        self.named = [(key[cut:], self.relative(ref)) for key, ref in self.writes if key not in names]
        self.output = self.relative(output)
        self.fresh = tuple(key[cut:] for key in self.own)
        return True


_UNSEEN = object()
"""An instance whose key has not been met."""
_MET = object()
"""An instance whose key has been met once: it is recorded as it expands, to be replayed after."""


def _used_again(spec: Spec) -> frozenset[str]:
    """The blocks that may have more than one instance: used more than once, repeated, or used
    inside a block or a repeated container."""
    seen: set[str] = set()
    again: set[str] = set()

    def walk(layers: tuple[LayerSpec, ...], many: bool) -> None:
        for layer in layers:
            repeated = many or (layer.repeat is not None and layer.repeat != 1)
            if layer.type in spec.blocks:
                if repeated or layer.type in seen:
                    again.add(layer.type)
                seen.add(layer.type)
            if layer.children is not None:
                walk(layer.children, repeated)

    walk(spec.layers, False)
    for block in spec.blocks.values():
        walk(block.layers, True)
    return frozenset(again)


def _reads_copy(block: BlockSpec) -> bool:
    """Whether any of a block's arithmetic (its layers', its containers', its parameters'
    defaults) reads the instance's `copy`: where none does, the copies of a repeat are alike."""
    found: set[str] = set()

    def walk(layers: tuple[LayerSpec, ...]) -> None:
        for layer in layers:
            for piece in (layer.args, layer.kwargs, layer.when, layer.repeat, layer.name, layer.inputs, layer.shares):
                _names(piece, found)
            if layer.children is not None:
                walk(layer.children)

    walk(block.layers)
    _names(list(block.params.values()), found)
    return "copy" in found


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


def _used_twice(layer: LayerSpec, name: str) -> SpecError:
    """A layer, block instance or container given a name something before it has."""
    return SpecError.at(layer.locate("name"), "CC003", f"the name {name!r} is used twice", hint="names must be unique")


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
        return written.evaluate(env) if type(written) is Expr else resolve(written, env)
    except LayerError as exc:
        variables = any(not isinstance(v, Function | ShapeReader) for v in env.values())
        hint = exc.hint if variables else "outside a block names mean nothing: write the number"
        raise SpecError.at(template.locate(key), exc.code, exc.message, hint) from None


Visit = Callable[[Node], tuple[Shape, ...]]
Again = Callable[[Node, str], tuple[Shape, ...]]


def build_graph(
    spec: Spec,
    auto_name: Callable[[str], str],
    visit: Visit | None = None,
    source: Callable[[str], str] | None = None,
    inputs: dict[str, Shape] | None = None,
    again: Again | None = None,
) -> Graph:
    """Expand blocks and containers and resolve references; `auto_name("Conv2D")` gives the
    unscoped default name; `source(type_name)` says what a layer type that takes no input at all
    is ("a learned tensor": a parameter tensor), and "" for every other type.

    `visit`, when given, is called with each node as soon as it exists and returns its output
    shapes: the engine computes as the graph grows, so a block can read `input_shape`. `inputs`
    are the graph inputs' shapes with the batch (the engine's: a symbol's size is a formula).
    `again(node, like)`, when given, stands for `visit` on a node of a replayed block instance:
    the same layer as the node named `like`, on inputs of the same shapes, named otherwise.
    """
    return _Builder(spec, auto_name, visit, source, inputs, again).graph()


class _Builder:
    def __init__(
        self,
        spec: Spec,
        auto_name: Callable[[str], str],
        visit: Visit | None,
        source: Callable[[str], str] | None,
        inputs: dict[str, Shape] | None = None,
        again: Again | None = None,
    ) -> None:
        self.spec = spec
        self.auto_name = auto_name
        self.visit = visit
        self.again = again
        self.source = source or (lambda type_name: "")
        self.nodes: list[Node] = []
        self.instances: list[Instance] = []
        self.everywhere: dict[str, Ref] = {}  # every scoped name, so any scope may name it fully
        if inputs is None:
            inputs = {i.name: (spec.batch, *(d if not isinstance(d, str) else None for d in i.shape)) for i in spec.inputs}
        self.shapes: dict[str, tuple[Shape, ...]] = {name: (shape,) for name, shape in inputs.items()}
        self.arithmetic = _Arithmetic()
        self.written: dict[int, frozenset[str]] = {}  # by layer list (the spec's, a block's): the names written in it
        self.recordings: list[_Recording] = []  # the instances being recorded, outermost first
        self.recorded: dict[tuple[object, ...], object] = {}  # by replay_key: _MET, a _Recording, None (not replayable)
        self.many: frozenset[str] | None = None  # the blocks that may have more than one instance
        # what a full name refers to, and a full name given (a node's, or the output of an instance or
        # container): the dict's own methods, or while instances are recorded the logged ones
        self.look: Callable[[str], Ref | None] = self.everywhere.get
        self.define: Callable[[str, Ref], None] = self.everywhere.__setitem__

    replay = True
    """False expands every block instance afresh (tests/test_memo.py compares both ways)."""

    def logged_look(self, key: str) -> Ref | None:
        found = self.everywhere.get(key)
        for recording in self.recordings:
            recording.looked(key, found)
        return found

    def logged_define(self, key: str, ref: Ref) -> None:
        existed = key in self.everywhere
        for recording in self.recordings:
            recording.defined(key, ref, existed)
        self.everywhere[key] = ref

    def recording(self, recording: _Recording | None) -> None:
        """Start recording an instance (inside those being recorded), or end the innermost (None)."""
        if recording is None:
            self.recordings.pop()
        else:
            self.recordings.append(recording)
        logged = bool(self.recordings)
        self.look = self.logged_look if logged else self.everywhere.get
        self.define = self.logged_define if logged else self.everywhere.__setitem__

    def enter(self, scope: _Scope) -> None:
        """A scope looked into: one made before an instance being recorded is not its own."""
        for recording in self.recordings:
            if scope.serial < recording.serial:
                recording.sound = False

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
        arithmetic = self.arithmetic
        for template in layers:
            instance = template.type in self.spec.blocks
            per_copy = template.repeat is not None and arithmetic.per_copy(template)
            layer = arithmetic.evaluated(template, {**scope.env, "copy": 1} if per_copy else scope.env, instance)
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
            inputs = () if source else (scope.order[-1],) if layer.inputs is None else self.inputs(layer, scope)
            block = self.spec.blocks.get(layer.type)
            rules = container_of(self.spec.framework, layer.type) if layer.children is not None else None
            if layer.shares is not None and block is not None:  # (a container's is refused as it is read)
                raise SpecError.at(
                    layer.locate("shares"), "CC003", f"block {layer.type!r} holds layers: shares belongs on one of them"
                )
            if block is not None:
                self.instance(block, template, layer, inputs, scope, stack, per_copy)
                continue
            if rules is not None:
                self.container(rules, template, layer, inputs, scope, stack)
                continue
            repeat = 1 if layer.repeat is None else _repeat(layer)  # most layers: one, without the checks
            numbered = scope.rules is not None and scope.rules.numbered and layer.name is None
            patterned = layer.repeat is not None and _patterned(layer)
            for copy in range(1, repeat + 1):
                if copy > 1 and not source:
                    inputs = (scope.order[-1],)
                if numbered:
                    local = scope.number()
                elif patterned:
                    local = self.pattern(layer, copy, scope)
                elif layer.name is None:
                    local = self.name(layer, scope, self.auto_name(layer.type))
                elif repeat == 1:
                    local = _checked_name(layer.name, layer)
                else:
                    local = f"{layer.name}_{copy}"
                shares = self.reference(layer.shares, scope, layer.locate("shares")).node if layer.shares else None
                this = self.arithmetic.evaluated(template, {**scope.env, "copy": copy}, False) if per_copy else layer
                node = Node(scope.prefix + local, this, inputs, scope.blocks, shares, template)
                ref = self.add(node, this)
                scope.names[local] = ref
                scope.order.append(ref)
            if repeat > 1 and layer.name is not None and not patterned:
                scope.names[str(layer.name)] = scope.order[-1]

    def add(self, node: Node, layer: LayerSpec) -> Ref:
        if self.look(node.name) is not None:
            raise _used_twice(layer, node.name)
        if len(self.nodes) >= MAX_LAYERS:
            raise SpecError.at(
                layer.location, "CC003", f"the network grows past {MAX_LAYERS:,} layers", hint="is a repeat too large?"
            )
        self.nodes.append(node)
        ref = Ref(node.name)
        self.define(node.name, ref)
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
            while local in scope.written or local in scope.names or self.look(scope.prefix + local) is not None:
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
            if not isinstance(value, (int, str)) or isinstance(value, bool):
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
        if self.recordings:
            self.enter(scope)
        ref = None
        if name == "input" and scope.entry is not None:
            ref = scope.entry
        elif name in scope.names:
            ref = scope.names[name]
        elif "." in name and (inside := self.look(scope.prefix + name)) is not None:  # inside a container here: `m.0`
            ref = inside
        elif scope.outer is not None:  # a container written inline: the rest is its surroundings'
            ref = self.reference(name, scope.outer, where)
        elif name in scope.env and isinstance(scope.env[name], str) and scope.parent is not None:
            ref = self.reference(scope.env[name], scope.parent, where)
        else:
            ref = self.look(name)
        if ref is None:
            later = self.defined_later(name)
            hint = f"{name!r} is defined later, at line {later.line}" if later else did_you_mean(name, list(scope.names))
            raise SpecError.at(where, "CC003", f"no layer named {name!r} before this point", hint=hint)
        return Ref(ref.node, output) if output else ref

    def visible(self, text: str, scope: _Scope) -> bool:
        """Whether `text` names an output in `scope` itself (or fully, anywhere)."""
        if self.recordings:
            self.enter(scope)
        name = text[:-1].partition("[")[0] if text.endswith("]") else text
        return (name == "input" and scope.entry is not None) or name in scope.names or self.look(name) is not None

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
        inside = (*stack, block.name)
        replayable = self.replayable(block)
        total = layer.repeat if type(layer.repeat) is int else 1

        def child(path: str, entry: Ref, copy: int, nesting: tuple[tuple[str, str], ...], label: str | None) -> _Scope | Ref:
            this = copies[path] = self.arithmetic.evaluated(written, {**scope.env, "copy": copy}, True) if per_copy else layer
            recording = None
            if replayable and (key := self.replay_key(block, this, entry, inside)) is not None:
                kept = self.recorded.get(key, _UNSEEN)
                if type(kept) is _Recording:
                    output = self.replayed(kept, path, entry, nesting, block.name)
                    if output is not None:
                        return output
                elif kept is _UNSEEN:  # most instances are met once: an instance is recorded when met again
                    self.recorded[key] = _MET
                elif kept is _MET and copy < total:  # with copies still to come, which replay it
                    if _reads_copy(block):  # its copies differ
                        self.recorded[key] = None
                    else:
                        recording = _Recording(
                            key, _MADE[0], path + ".", entry, len(nesting) + 1, len(self.nodes), len(self.instances)
                        )
                        self.recording(recording)
            shape = self.shape_of(entry)
            nested = (*nesting, (path, block.name))
            implicit: dict[str, object] = {"copy": copy} if shape is None else {"copy": copy, "input_shape": shape}
            if block.scoped:
                inner = _Scope(path + ".", {}, [entry], entry, scope, nested, rules=rules)
            else:  # a builder function: its layers are named beside the instance, from the model's numbering
                inner = _Scope(scope.prefix, {}, [entry], entry, scope, nested, used=scope.used)
                implicit[UNSCOPED_NAME] = label
            inner.env[SHAPE] = self.shape_reader(inner)
            inner.recording = recording
            try:
                self.bind(block, this, implicit, inner.env)
            except SpecError:
                if recording is not None:
                    self.recording(None)
                raise
            return inner

        def record(path: str, entry: Ref, output: Ref, group: str | None) -> None:
            self.instances.append(Instance(path, block.name, written, copies.get(path, layer), entry, output, group, rules))

        self.group(layer, inputs, scope, block.name, block.layers, child, inside, record)

    def replayable(self, block: BlockSpec) -> bool:
        """Whether instances of a block are replayed: a scoped block that may have more than one
        instance (builder blocks' names are their arguments), in a spec without symbols (a replay
        would skip its guards), whose layers are computed as the graph grows."""
        if self.many is None:
            self.many = frozenset() if not self.replay or self.visit is None or self.spec.symbols else _used_again(self.spec)
        return block.scoped and block.name in self.many

    def replay_key(self, block: BlockSpec, this: LayerSpec, entry: Ref, stack: tuple[str, ...]) -> tuple[object, ...] | None:
        """What an instance's expansion depends on, besides the names it looks up (checked on
        replay) and its copy number (a block whose arithmetic reads it is not replayed): its
        block, its arguments (their repr tells 1, 1.0 and True apart), its input's shape (None
        where it is unknown), and the chain of blocks it is in."""
        shape = self.shape_of(entry)
        if shape is None:
            return None
        return (block.name, repr(this.args), repr(this.kwargs), shape, stack)

    def replayed(self, kept: _Recording, path: str, entry: Ref, nesting: tuple[tuple[str, str], ...], block: str) -> Ref | None:
        """An instance made again from one recorded (its nodes named under `path`, its input
        `entry`), each node still computed by `visit`; None, with nothing made, where a name it
        looked up now finds something else or one of its names is taken."""
        prefix = path + "."
        if entry.output != kept.entry.output or len(self.nodes) + len(kept.plan) > MAX_LAYERS:
            return None
        look = self.look
        for key, found in kept.reads:
            if key.startswith(prefix) or look(key) != found:
                return None
        for key in kept.fresh:
            if look(prefix + key) is not None:
                return None
        node_name = entry.node

        def moved(item: _Input) -> Ref:
            if type(item) is Ref:
                return item
            name, output = item  # type: ignore[misc]
            return Ref(node_name if name is None else prefix + name, output)

        head = (*nesting, (path, block))
        fast = not self.recordings  # else each name is logged for the instances recorded around it
        nodes, everywhere, shapes, again, old = self.nodes, self.everywhere, self.shapes, self.again, kept.prefix
        for name, layer, inputs, inside, shares, written in kept.plan:
            refs = tuple([moved(item) for item in inputs])
            blocks = (*head, *[(prefix + where, kind) for where, kind in inside]) if inside else head
            node = Node(prefix + name, layer, refs, blocks, None if shares is None else moved(shares).node, written)
            if fast and again is not None and shares is None:  # its name was found unused above
                nodes.append(node)
                everywhere[node.name] = Ref(node.name)
                shapes[node.name] = again(node, old + name)
            else:
                self.add(node, layer)
        for key, named in kept.named:
            self.define(prefix + key, moved(named))
        for item, inner_entry, inner_output in kept.instances:
            group = None if item.group is None else prefix + item.group[len(kept.prefix) :]
            path_here = prefix + item.path[len(kept.prefix) :]
            made = Instance(
                path_here, item.block, item.written, item.layer, moved(inner_entry), moved(inner_output), group, item.container
            )
            self.instances.append(made)
        return moved(kept.output)

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
        child: Callable[[str, Ref, int, tuple[tuple[str, str], ...], str | None], _Scope | Ref],
        stack: tuple[str, ...],
        record: Callable[[str, Ref, Ref, str | None], None] | None = None,
    ) -> None:
        """A block instance or a container: its layers expanded in a scope of their own, once per
        repeat (`stage.block1`, `stage.block2`... or, in a torch container, `3`, `4`...); `record`
        hears of each copy (its path, input, output and the path of all the copies). `child` is
        given each copy's own name (None for an instance written without one) and makes its
        scope, or the copy itself, replayed: its output."""
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
        builder = kind in self.spec.blocks and not self.spec.blocks[kind].scoped  # its name only labels its layers
        named = layer.name is not None and not each and not builder
        if named and (local in scope.names or self.look(scope.prefix + local) is not None):
            raise _used_twice(layer, local)
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
            if type(inner) is Ref:
                output = inner
            else:
                assert isinstance(inner, _Scope)
                try:
                    self.expand(layers, inner, stack)
                except SpecError as exc:
                    if self.shape_of(entry) is None and self.visit is not None and not isinstance(exc, AfterFailure):
                        raise AfterFailure(exc.diagnostic) from None  # its input failed to compute
                    raise
                finally:
                    if inner.recording is not None:
                        self.recording(None)
                del inner.env[SHAPE]
                output = inner.order[-1]
                if inner.recording is not None:
                    kept = inner.recording
                    self.recorded[kept.key] = kept if kept.keep(self.nodes, self.instances, self.shapes, output) else None
            if record is not None:
                record(path, entry, output, None if each or repeat == 1 else scope.prefix + local)
            entry = output
            if each:
                held = self.look(path)
                if held is not None and held != entry:  # a builder's last layer may bear its name
                    raise _used_twice(layer, path)
                scope.names[own] = entry
                self.define(path, entry)
                scope.order.append(entry)
        if not each:
            scope.names[local] = entry
            self.define(scope.prefix + local, entry)
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
