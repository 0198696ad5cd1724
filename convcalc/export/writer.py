"""What the PyTorch and Keras writers share: deciding which class (or function) each block
instance is, writing a layer's constructor from its arguments as the spec writes them, and
filling in a convcalc stand-in's template."""

from __future__ import annotations

from convcalc.export import layout
from convcalc.export.blocks import Signature, layer_call, leaves_first, member_scopes, tensor_params
from convcalc.export.names import Names
from convcalc.export.source import Stmt, Unwritable, read_names, value_source
from convcalc.export.structure import Scope
from convcalc.frameworks import vocabulary
from convcalc.frameworks.base import LayerType
from convcalc.graph import Graph
from convcalc.report import Report
from convcalc.spec.calls import Call
from convcalc.spec.model import LayerSpec, Spec


class Written:
    """One definition as written for one instance: a class's body, or a function's parameters
    and body."""

    def __init__(self, statements: list[Stmt], params: str = "") -> None:
        self.statements = statements
        self.params = params
        self.key = params + "\n" + _text(statements)  # instances that write the same text share the definition


def _text(statements: list[Stmt]) -> str:
    return "\n".join(s.text + ("\n" + _text(s.body) if s.body else "") for s in statements)


class Writer:
    """Definitions written bottom-up: a block's instances are settled before the blocks using them."""

    prefix = ""  # the module the framework's classes are read from: "nn.", "layers."
    reserved: frozenset[str] = frozenset()  # names the file's own code uses
    arguments_reserved: frozenset[str] = frozenset()  # names a block's parameters cannot take
    dropped: frozenset[str] = frozenset()  # arguments a spec may write that the code must not pass
    variant_separator = "_"  # between a block's name and the number of a second definition of it

    def __init__(self, spec: Spec, report: Report, graph: Graph, model: Scope) -> None:
        self.spec = spec
        self.report = report
        self.graph = graph
        self.model = model
        self.vocabulary = vocabulary(spec.framework)
        self.tensors = tensor_params(spec)
        self.definitions: list[tuple[str, str, Written]] = []  # (name, block, code) in the order defined
        self.definition_names = Names(self.reserved)  # classes and functions: clear of what the code uses
        self.assigned: dict[str, tuple[str, bool]] = {}  # instance path -> (definition, takes parameters)
        self.signatures: dict[str, Signature] = {}

    def define_blocks(self) -> None:
        scopes = list(member_scopes(self.model))
        for block in leaves_first(self.spec):
            instances = [s for s in scopes if s.block == block]
            if instances:
                self.define(block, instances)

    def define(self, block: str, instances: list[Scope]) -> None:
        """One definition per distinct code the block's instances write, with parameters if it can."""
        reason = ""
        try:
            written = [self.write_definition(scope, template=True) for scope in instances]
            template = True
        except Unwritable as exc:
            written = [self.write_definition(scope, template=False) for scope in instances]
            template, reason = False, str(exc)
        by_key: dict[str, str] = {}
        for scope, code in zip(instances, written):
            name = by_key.get(code.key)
            if name is None:
                name = by_key[code.key] = self.definition_names.take(self.definition_name(block), self.variant_separator)
                self.definitions.append((name, block, code))
            self.assigned[scope.path] = (name, template)
        if len(by_key) > 1 or reason:  # say which instances each variant serves, and why it is one
            for name, block_name, code in self.definitions:
                if block_name == block:
                    users = [s.path for s, c in zip(instances, written) if by_key[c.key] == name]
                    code.statements.insert(0, Stmt(_docstring(block, users, reason)))

    def definition_name(self, block: str) -> str:
        raise NotImplementedError

    def write_model(self) -> Written:
        """The model as the spec writes it (`Rescaling(1.0 / 255.0)`), else worked out."""
        try:
            return self.write_definition(self.model, template=True)
        except Unwritable:
            return self.write_definition(self.model, template=False)

    @property
    def definition_words(self) -> set[str]:
        """Names a variable must not take: it would hide a class or function the body calls."""
        return set(self.definition_names.taken) | {self.definition_name(b) for b in self.spec.blocks}

    def write_definition(self, scope: Scope, template: bool) -> Written:
        raise NotImplementedError

    def signature(self, block: str) -> Signature:
        if block not in self.signatures:
            self.signatures[block] = Signature(self.spec, block, self.tensors[block], set(self.arguments_reserved))
        return self.signatures[block]

    def call_arguments(self, scope: Scope, template: bool, rename: dict[str, str]) -> list[str] | None:
        """An instance's arguments as its call writes them (None: its definition takes none)."""
        if not self.assigned[scope.path][1]:
            return None
        assert scope.instance is not None
        call = scope.instance.written if template else scope.instance.layer
        return self.signature(scope.block).call(call, lambda value: value_source(value, rename, self.nested))

    def constructor(self, layer: LayerSpec | Call, rename: dict[str, str], extra: tuple[str, ...] = ()) -> str:
        """The framework's class with the arguments as the spec writes them (`extra` after them);
        a layer a wrapper takes (Bidirectional's layer) as a nested constructor call."""
        type_name = layer.type if isinstance(layer, LayerSpec) else layer.name
        layer_type = self.vocabulary.lookup(type_name)
        nested = set(layer_type.code.layers) if layer_type.code else set()
        positional = [name for name, _ in layer_type.signature.positional]
        own = {name for name, _ in layer_type.signature.positional + layer_type.signature.keyword_only}

        def write(key: str, value: object) -> str:
            if key in nested and value is not None:
                return self.constructor(layer_call(value), rename)
            return value_source(value, rename, self.nested)

        parts = [write(positional[i] if i < len(positional) else "", value) for i, value in enumerate(layer.args)]
        parts += [f"{k}={write(k, v)}" for k, v in layer.kwargs.items() if k not in self.dropped or k in own]
        return f"{self.prefix}{layer_type.name}({', '.join([*parts, *extra])})"

    def nested(self, call: Call) -> str:
        return self.constructor(call, {})

    def layer_of(self, node_layer: LayerSpec, written: LayerSpec | None, template: bool) -> LayerSpec:
        return written if template and written is not None else node_layer

    def own_arguments(
        self, layer_type: LayerType, layer: LayerSpec, rename: dict[str, str], read: set[str] | None = None
    ) -> dict[str, str]:
        """A stand-in's bound arguments as source (`read` collects the block parameters they use)."""
        args = layer_type.signature.bind(layer.type, layer.args, layer.kwargs)
        found: dict[str, str] = {}
        for key, value in args.values.items():
            found[key] = value_source(value, rename, self.nested)
            if read is not None:
                read.update(read_names(value))
        return found


def _docstring(block: str, users: list[str], reason: str) -> str:
    """Which instances a block's variant serves (the others differ from them in structure), and
    why its arithmetic is worked out, when it is."""
    shown = users[:4] if len(users) <= 4 else [*users[:3], f"{len(users) - 3} more"]
    listed = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
    text = f"Block {block}, as {listed} use{'s' if len(users) == 1 else ''} it"
    return docstring(text + (f", worked out ({reason})." if reason else "."), 4)


def docstring(text: str, indent: int) -> str:
    """A docstring wrapped to the line length, its closing quotes on its last line."""
    import textwrap

    lines = textwrap.wrap(text, width=layout.WIDTH - indent - 6, break_long_words=False, break_on_hyphens=False)
    return '"""' + "\n".join(lines) + '"""'


def own_code(layer_type: LayerType, layer: LayerSpec) -> str:
    """A stand-in's template for this call; a stand-in without one is a fault of its definition."""
    code = layer_type.code
    if code is None or not code.call:
        raise Unwritable(f"convcalc's {layer_type.name} has no code to be written with (LayerType.code)")
    if code.when:
        given = layer_type.signature.bind(layer.type, layer.args, layer.kwargs).values
        defaults = dict(layer_type.signature.positional + layer_type.signature.keyword_only)
        for argument, template in code.when:
            if argument in given and given[argument] != defaults.get(argument):
                return template
    return code.call


def reader(templates: tuple[str, ...]):  # type: ignore[no-untyped-def]
    """How output k is taken from what a call returns: the type's template, else `[k]`."""

    def read(expr: str, k: int) -> str:
        return templates[k].format(expr) if k < len(templates) else f"{expr}[{k}]"

    return read
