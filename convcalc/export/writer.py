"""What the PyTorch and Keras writers share: deciding which class (or function) each block
instance is, writing a layer's constructor from its arguments as the spec writes them, and
filling in a convcalc stand-in's template."""

from __future__ import annotations

from convcalc.export import layout
from convcalc.export.blocks import INPUT_SHAPE, Signature, layer_call, leaves_first, member_scopes, tensor_params
from convcalc.export.names import Names, identifier
from convcalc.export.source import Helpers, Stmt, Unwritable, read_names, value_source
from convcalc.export.structure import Member, Scope
from convcalc.frameworks import vocabulary
from convcalc.frameworks.base import LayerType
from convcalc.frameworks.signatures import HOMES
from convcalc.graph import Graph, Ref
from convcalc.ops.tensor import Shape
from convcalc.report import Report
from convcalc.signature import REQUIRED, Args, Sizes
from convcalc.spec.calls import Call
from convcalc.spec.expr import Expr
from convcalc.spec.model import LayerSpec, Spec

STANDARD = ("math", "collections", "functools")  # the standard library's modules the code may import


class Written:
    """One definition as written for one instance: a class's body, or a function's parameters
    and body."""

    def __init__(self, statements: list[Stmt], params: str = "", base: str = "") -> None:
        self.statements = statements
        self.params = params
        self.base = base  # the class it subclasses, when not the framework's default (nn.Sequential)
        self.key = base + "\n" + params + "\n" + _text(statements)  # instances that write the same text share it


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
        self.rows = {row.name: row for row in report.rows}
        self.tensors = tensor_params(spec)
        self.definitions: list[tuple[str, str, Written]] = []  # (name, block, code) in the order defined
        homes = HOMES[spec.framework]
        imported = {row.layer_type.name for row in report.rows if row.layer_type is not None and row.layer_type.name in homes}
        self.definition_names = Names(self.reserved | imported)  # classes and functions: clear of what the code uses
        self.assigned: dict[str, tuple[str, bool]] = {}  # instance path -> (definition, takes parameters)
        self.signatures: dict[str, Signature] = {}
        self.imported: set[tuple[str, str]] = set()  # (module, name): `from module import name`
        self.helpers = Helpers(spec.functions, lambda name: self.definition_names.take(identifier(name, "function")))
        self.shapes: dict[str, str] | None = None  # while a statement of forward is written: name -> its tensor

    def plain(self, member: Member) -> bool:
        """A layer a container can run in a chain: one input, one output, `layer(x)`."""
        row, node = member.row, member.node
        if row is None or node is None or row.layer_type is None:
            return True
        code = row.layer_type.code
        default = not call_template(row.layer_type, node.layer, row.input_shapes) and (code is None or code.alone == 1)
        return default and not row.extra_outputs

    def source(self, value: object, rename: dict[str, str] | None = None) -> str:
        """A value as Python in the code being written: helpers called, layers constructed, and
        `shape(name)` read from the tensor where one is at hand (`self.shapes`, in forward)."""
        return value_source(value, rename, self.nested, self.helpers, self.shapes)

    def imports(self, own: list[tuple[str, str]]) -> list[Stmt]:
        """The file's imports as ruff's isort sorts them: the standard library's, a blank line,
        then the frameworks' (`own`: (module, "") for `import module`, else `from module import
        name`); in each, `import x` lines first, then `from x import` by module."""
        wanted = set(own) | self.imported | ({("math", "")} if self.helpers.math else set())
        sections: list[list[Stmt]] = []
        for standard in (True, False):
            chosen = {(m, n) for m, n in wanted if (m.split(".")[0] in STANDARD) == standard}
            plain = sorted(m for m, n in chosen if not n)
            froms: dict[str, list[str]] = {}
            for module, name in chosen:
                if name:
                    froms.setdefault(module, []).append(name)
            lines = [f"import {m}" for m in plain]
            lines += [f"from {m} import {', '.join(sorted(names, key=_member_order))}" for m, names in sorted(froms.items())]
            if lines:
                sections.append([Stmt(line) for line in lines])
        return [stmt for index, section in enumerate(sections) for stmt in ([Stmt("")] if index else []) + section]

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
        signature = self.signature(scope.block)
        written = signature.call(call, lambda value: self.source(value, rename))
        if signature.shaped:  # the instance's input shape, batch first, as convcalc worked it out
            written.append(f"{signature.rename[INPUT_SHAPE]}={value_source(self.shape_of(scope.instance.entry))}")
        return written

    def shape_of(self, ref: Ref) -> Shape:
        """The shape of a layer's output or of a spec input, batch first."""
        row = self.rows.get(ref.node)
        if row is not None:
            return row.outputs[ref.output]
        return next(item.shape for item in self.report.inputs if item.name == ref.node)

    def constructor(self, layer: LayerSpec | Call, rename: dict[str, str], extra: tuple[str, ...] = ()) -> str:
        """The framework's class with the arguments as the spec writes them (`extra` after them);
        a layer a wrapper takes (Bidirectional's layer) as a nested constructor call, a class
        (torchvision's `norm_layer=BatchNorm2d(eps=0.001)`) as the class or a partial of it."""
        type_name = layer.type if isinstance(layer, LayerSpec) else layer.name
        layer_type = self.vocabulary.lookup(type_name)
        code = layer_type.code
        nested = set(code.layers) if code else set()
        classes = set(code.classes) if code else set()
        positional = [name for name, _ in layer_type.signature.positional]
        own = {name for name, _ in layer_type.signature.positional + layer_type.signature.keyword_only}

        def write(key: str, value: object) -> str:
            if key in nested and value is not None:
                return self.constructor(layer_call(value), rename)
            if key in classes and value is not None:
                return self.class_source(value, rename)
            return self.source(value, rename)

        parts = [write(positional[i] if i < len(positional) else "", value) for i, value in enumerate(layer.args)]
        parts += [f"{k}={write(k, v)}" for k, v in layer.kwargs.items() if k not in self.dropped or k in own]
        return f"{self.class_name(layer_type.name)}({', '.join([*parts, *extra])})"

    def class_name(self, name: str) -> str:
        """A framework class as the code names it: `nn.Conv2d`, or imported from where it lives
        (torchvision's `Conv2dNormActivation`)."""
        home = HOMES[self.spec.framework].get(name)
        if home is None:
            return self.prefix + name
        self.imported.add((home, name))
        return name

    def class_source(self, value: object, rename: dict[str, str]) -> str:
        """A class given as an argument: `SiLU()` is the class, `BatchNorm2d(eps=0.001)` binds
        arguments first, as functools.partial does (a name such as "ReLU" is the class too)."""
        call = layer_call(value)
        if not call.args and not call.kwargs:
            return self.class_name(self.vocabulary.lookup(call.name).name)
        self.imported.add(("functools", "partial"))
        inner = self.constructor(call, rename)
        return "partial(" + inner.replace("(", ", ", 1) if inner.endswith(")") else inner

    def nested(self, call: Call) -> str:
        return self.constructor(call, {})

    def layer_of(self, node_layer: LayerSpec, written: LayerSpec | None, template: bool) -> LayerSpec:
        return written if template and written is not None else node_layer

    def own_arguments(
        self,
        layer_type: LayerType,
        layer: LayerSpec,
        rename: dict[str, str],
        read: set[str] | None = None,
        template: str | None = None,
    ) -> dict[str, str]:
        """A stand-in's bound arguments as source, each also under "+name" where it is given and
        not its default (`read` collects the block parameters that those `template` fills in use)."""
        args = bound(layer_type, layer)
        defaults = dict(layer_type.signature.positional + layer_type.signature.keyword_only)
        used = {p.strip("()=") for p in placeholders(template)} if template is not None else None  # {(other)}, {=dtype}
        found: dict[str, str] = {}
        for key, value in args.values.items():
            found[key] = self.source(value, rename)
            if key in defaults and defaults[key] is not REQUIRED and value != defaults[key]:
                found["+" + key] = found[key]
            if read is not None and (used is None or key in used or "+" + key in used):
                read.update(read_names(value))
        return found


def bound(layer_type: LayerType, layer: LayerSpec) -> Args:
    """The layer's arguments as written, bound to its signature. A tensor method's sizes given as
    one tuple holding arithmetic (`Reshape((c, -1))` in a block) are that one sequence, as its
    value is when computed (a tuple): not one size, which Sizes makes of anything else."""
    signature, args = layer_type.signature, layer.args
    if isinstance(signature, Sizes) and len(args) == 1 and type(args[0]) is Expr and args[0].items():
        return super(Sizes, signature).bind(layer.type, args, layer.kwargs)
    return signature.bind(layer.type, args, layer.kwargs)


def placeholders(template: str) -> set[str]:
    """The names a template fills in: `{dim}`, `{+requires_grad}`.

    >>> sorted(placeholders("torch.cat([{*}], dim={dim}{+out})"))
    ['*', '+out', 'dim']
    """
    import re

    return set(re.findall(r"\{([^{}]*)\}", template))


def _member_order(name: str) -> tuple[int, str]:
    """isort's order of the names one `from` imports: constants, classes, then the rest."""
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return kind, name


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


def call_template(layer_type: LayerType, layer: LayerSpec, shapes: tuple[Shape, ...]) -> str:
    """The call's template for this layer ("" for the framework's default): the first of the
    type's `when` variants whose argument is given, else its choice for these input shapes, else
    its `call`. A template without `{self}` writes no layer at all (a function, `x + 3.0`); a
    stand-in without one is a fault of its definition."""
    code = layer_type.code
    if code is None or not (code.call or code.when or code.choose):
        if layer_type.own:
            raise Unwritable(f"convcalc's {layer_type.name} has no code to be written with (LayerType.code)")
        return ""
    if code.when:
        given = bound(layer_type, layer).values
        defaults = dict(layer_type.signature.positional + layer_type.signature.keyword_only)
        for argument, template in code.when:
            if argument in given and given[argument] != defaults.get(argument):
                return template
    chosen = code.choose(shapes) if code.choose is not None else ""
    return chosen or code.call


def is_function(layer_type: LayerType, template: str) -> bool:
    """Written as an expression of its inputs, no module or layer of its own: a stand-in for a
    framework function (unless it holds weights), or a class called as a function (`x + 3.0`)."""
    if layer_type.code is not None and layer_type.code.holds:
        return False
    return layer_type.own or (bool(template) and "{self}" not in template)


def reader(templates: tuple[str, ...]):  # type: ignore[no-untyped-def]
    """How output k is taken from what a call returns: the type's template, else `[k]`."""

    def read(expr: str, k: int) -> str:
        return templates[k].format(expr) if k < len(templates) else f"{expr}[{k}]"

    return read
