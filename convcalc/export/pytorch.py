"""A spec as a PyTorch `nn.Module`: each block a module class with its parameters as `__init__`
arguments (as torchvision's `BasicBlock(inplanes, planes)`), each instance a submodule named as
the spec names it, merges and convcalc's other stand-ins for torch functions in `forward`.

Module paths are the spec's names, so `named_modules()` lists `layer2.block1.conv1` where the
spec's table does; a name that cannot be an attribute (not an identifier, or one nn.Module
already has, such as `forward`) becomes the nearest that can, and the file says so. Containers
are torch's own: an inline `Sequential` is an `nn.Sequential` attribute, a block with
`container: Sequential` a subclass of it (as torchvision's Conv2dNormActivation), so their
children are numbered (or keyed) as torch numbers them (containers.py).
"""

from __future__ import annotations

from convcalc.export import layout
from convcalc.export.blocks import external_names, shape_references
from convcalc.export.body import Body
from convcalc.export.containers import Entries, entries, runs_whole
from convcalc.export.names import MODULE_ATTRIBUTES, Names, camel, identifier
from convcalc.export.source import Stmt, Unwritable, fill
from convcalc.export.structure import Group, Member, Scope, children, copy_name
from convcalc.export.writer import Writer, Written, call_template, docstring, is_function, reader
from convcalc.frameworks.base import Family
from convcalc.graph import Ref

RESERVED = frozenset({"self", "torch", "nn", "super", "block", "i", "layer"})  # names the file's own code uses


def wrapper_body() -> list[Stmt]:
    """The file's module for a torch function a container numbers among its modules (as
    torchvision's ops.misc.Permute is one): it holds no weights and calls the function."""
    return [
        Stmt(docstring("A torch function as a module, where a container numbers it among its modules.", 4)),
        Stmt("def __init__(self, function):", [Stmt("super().__init__()"), Stmt("self.function = function")]),
        Stmt("def forward(self, *inputs):", [Stmt("return self.function(*inputs)")]),
    ]


class TorchWriter(Writer):
    prefix = "nn."
    variant_separator = ""  # Stage2: classes are CapWords
    reserved = RESERVED
    arguments_reserved = frozenset({"self", "torch", "nn", "super", "i"})

    def __init__(self, *args: object) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self.names: dict[str, str] = {}  # row name -> module path in the model
        self.access: dict[str, str] = {}  # row name -> the expression that reaches it from the model's `self`
        self.entry = ""
        self.wrapper = ""  # the file's module wrapping a function a container numbers, once one does

    def write(self) -> list[Stmt]:
        self.define_blocks()
        self.record_paths(self.model, "", "self")
        self.entry = self.definition_names.take(camel(self.spec.name or "", "Model"), "")
        model = self.write_model()
        model.statements[0].body.extend(self.ties())  # type: ignore[union-attr]
        classes = [*self.definitions, (self.entry, "", model)]
        helpers = self.helpers.definitions()
        if self.wrapper:
            helpers.append(Stmt(f"class {self.wrapper}(nn.Module):", wrapper_body()))
        return [
            Stmt(docstring(f"PyTorch code for {self.spec.path}, written by `convcalc export`.", 0)),
            *self.imports([("torch", ""), ("torch", "nn")]),
            *helpers,
            *(Stmt(f"class {name}({code.base or 'nn.Module'}):", code.statements) for name, _, code in classes),
            Stmt('if __name__ == "__main__":', self.demo()),
        ]

    def definition_name(self, block: str) -> str:
        return camel(block, "Block")

    # --- what each member is

    def function(self, member: Member) -> bool:
        """A layer written as an expression in forward, no module: a stand-in for a torch function."""
        row, node = member.row, member.node
        if row is None or node is None or row.layer_type is None:
            return False
        return is_function(row.layer_type, call_template(row.layer_type, node.layer, row.input_shapes))

    def attributes(self, scope: Scope) -> dict[int, str]:
        """Each member's attribute (by the member's id): its name, or the nearest free identifier.
        Stand-ins for torch functions are no modules and have none, unless they hold weights."""
        taken = Names(MODULE_ATTRIBUTES)
        return {id(m): taken.take(identifier(m.local)) for m in scope.members if not self.function(m)}

    def entries(self, scope: Scope) -> Entries:
        return entries(scope, self.function)

    # --- one class

    def write_definition(self, scope: Scope, template: bool) -> Written:
        """`__init__` making each member, `forward` running them. In `template` mode the block's
        arithmetic is written as arithmetic of the `__init__` arguments (Unwritable if it cannot be)."""
        signature = self.signature(scope.block) if template and scope.instance is not None else None
        rename = dict(signature.rename) if signature is not None else {}
        read: set[str] = set()  # the parameters forward reads: kept as attributes
        if scope.container is not None and scope.instance is not None:  # a block subclassing a container
            held = self.entries(scope)
            init = [Stmt(f"super().__init__({self.container_arguments(held, template, rename)})")]
            taken = Names(set(held.keys()) | MODULE_ATTRIBUTES)
            steps = self.walk(scope, "self")
            base = self.prefix + scope.container.name
            inherited = runs_whole(scope, self.function, self.plain) and scope.container.chained
        else:
            attribute_of = self.attributes(scope)
            init = [Stmt("super().__init__()")]
            for member in scope.members:
                attribute = attribute_of.get(id(member))
                if attribute is None:
                    continue
                if attribute != member.local:
                    said = f"# self.{attribute} is {member.local!r} in the spec"
                    if len(said) + len(", which cannot be an attribute") > layout.WIDTH - 8:  # __init__'s indent
                        init += [Stmt(said + ","), Stmt("# which cannot be an attribute")]
                    else:
                        init.append(Stmt(said + ", which cannot be an attribute"))
                init += self.construct(member, f"self.{attribute}", template, rename)
            taken = Names(set(attribute_of.values()) | MODULE_ATTRIBUTES)
            steps = self.steps(scope, attribute_of)
            base, inherited = "", False
        in_forward = {param: f"self.{taken.take(name)}" for param, name in rename.items()}
        methods = []
        if not inherited:
            params, body = self.forward(scope, steps, template, in_forward, read)
            methods.append(Stmt(f"def forward({', '.join(params)}):", body))
        init[1:1] = [Stmt(f"{in_forward[param]} = {rename[param]}") for param in rename if param in read]
        head = ["self"]
        if signature is not None:
            listed, defaults = signature.parameters(lambda value, names: self.source(value, names))
            head += listed
            init[0:0] = defaults
        return Written([Stmt(f"def __init__({', '.join(head)}):", init), *methods], base=base)

    def construct(self, member: Member, target: str, template: bool, rename: dict[str, str]) -> list[Stmt]:
        """`self.<attribute> = ...` for a layer, an instance, a container or a repeat."""
        if member.group is not None:
            return self.repeat(member.group, target, template, rename)
        if member.node is not None and member.row is not None and member.row.layer_type is not None:
            layer_type = member.row.layer_type
            if layer_type.code is not None and layer_type.code.holds:  # a tensor it holds: a parameter
                layer = self.layer_of(member.node.layer, member.node.written, template)
                arguments = self.own_arguments(layer_type, layer, rename)
                return [Stmt(f"{target} = {fill(layer_type.code.holds, '', [], arguments)}")]
        return [Stmt(f"{target} = {self.module(member, template, rename)}")]

    def module(self, member: Member, template: bool, rename: dict[str, str]) -> str:
        """The expression that makes a member as a module: a layer's class, a block's, a
        container, a function a container numbers wrapped in the file's `Function` module."""
        if member.node is not None and member.row is not None:
            layer_type = member.row.layer_type
            if layer_type is not None and layer_type.code is not None and layer_type.code.holds:
                message = f"{member.row.name} is a parameter tensor, which a container holds no place for"
                raise Unwritable(message, member.row.source)
            if self.function(member):
                return self.wrapped(member, template, rename)
            return self.constructor(self.layer_of(member.node.layer, member.node.written, template), rename)
        if member.scope is not None:
            if member.scope.inline:
                held = self.entries(member.scope)
                return f"{self.prefix}{member.scope.block}({self.container_arguments(held, template, rename)})"
            return self.instantiate(member.scope, template, rename)
        assert member.group is not None
        made = [self.instantiate(copy, template, rename) for copy in member.group.copies]
        self.imported.add(("collections", "OrderedDict"))
        pairs = ", ".join(f'("{copy_name(c)}", {text})' for c, text in zip(member.group.copies, made))
        return f"{self.prefix}Sequential(OrderedDict([{pairs}]))"

    def wrapped(self, member: Member, template: bool, rename: dict[str, str]) -> str:
        """`Function(lambda x: x.permute(...))`: a function as the module a container numbers."""
        row, node = member.row, member.node
        assert row is not None and node is not None and row.layer_type is not None
        layer = self.layer_of(node.layer, node.written, template)
        chosen = call_template(row.layer_type, layer, row.input_shapes)
        params = ["x", "y", "z"][: len(row.inputs)] if len(row.inputs) <= 3 else [f"x{i}" for i in range(len(row.inputs))]
        arguments = self.own_arguments(row.layer_type, layer, rename, None, chosen)
        if self.wrapper == "":
            self.wrapper = self.definition_names.take("Function", "")
        return f"{self.wrapper}(lambda {', '.join(params)}: {fill(chosen, '', params, arguments)})"

    def container_arguments(self, held: Entries, template: bool, rename: dict[str, str]) -> str:
        """What a container's constructor takes: its modules, numbered (`a, b`, `[a, b]`) or keyed
        (`OrderedDict([("head", a)])`, `{"a": a}`) as its class names them."""
        made = [(key, self.module(member, template, rename)) for key, member in held.items()]
        kind = held.container.name
        if kind == "ModuleDict":
            return "{" + ", ".join(f'"{key}": {text}' for key, text in made) + "}"
        if held.numbered:
            listed = ", ".join(text for _, text in made)
            return f"[{listed}]" if kind == "ModuleList" else listed
        if kind == "ModuleList":
            raise Unwritable(f"a ModuleList numbers its modules: it cannot hold one named {next(iter(held.named()))!r}")
        self.imported.add(("collections", "OrderedDict"))
        return "OrderedDict([" + ", ".join(f'("{key}", {text})' for key, text in made) + "])"

    def repeat(self, group: Group, target: str, template: bool, rename: dict[str, str]) -> list[Stmt]:
        """nn.Sequential of block1 ... blockN, added in a loop when the copies are alike."""
        made = [self.instantiate(copy, template, rename) for copy in group.copies]
        first = group.copies[0].instance
        assert first is not None
        count = first.written.repeat if template else len(made)
        statements = [Stmt(f"{target} = nn.Sequential()")]
        if len(set(made)) > 1 or not group.complete:
            added = [Stmt(f'{target}.add_module("{copy_name(c)}", {text})') for c, text in zip(group.copies, made)]
            return statements + added
        if isinstance(count, int):
            loop, name = f"for i in range(1, {count + 1}):", 'f"block{i}"'
        else:
            loop, name = f"for i in range({self.source(count, rename)}):", 'f"block{i + 1}"'
        return statements + [Stmt(loop, [Stmt(f"{target}.add_module({name}, {made[0]})")])]

    def instantiate(self, scope: Scope, template: bool, rename: dict[str, str]) -> str:
        """An instance's class, called with the instance's arguments when the class takes them."""
        args = self.call_arguments(scope, template, rename)
        return f"{self.assigned[scope.path][0]}({', '.join(args or ())})"

    # --- forward

    def steps(self, scope: Scope, attribute_of: dict[int, str]) -> list[tuple[Member, str]]:
        """The members in the order forward runs them, each with the expression that reaches it
        ("" for a function); a repeat that hands values out of its copies runs copy by copy
        (`self.h.block2`), a container that cannot run as its own forward member by member."""
        found: list[tuple[Member, str]] = []
        for member in scope.members:
            access = f"self.{attribute_of[id(member)]}" if id(member) in attribute_of else ""
            if member.group is not None and member.group.exports:
                for copy in member.group.copies:
                    found.append((Member(member.local, scope=copy), f"{access}.{copy_name(copy)}"))
            elif member.scope is not None and member.scope.inline and not runs_whole(member.scope, self.function, self.plain):
                found += self.walk(member.scope, access)
            else:
                found.append((member, access))
        return found

    def walk(self, scope: Scope, access: str) -> list[tuple[Member, str]]:
        """A container's members, each reached from the container's expression `access`."""
        held = self.entries(scope)
        found: list[tuple[Member, str]] = []
        for inner in scope.members:
            reach = held.access(access, inner)
            # its values named after the container too: `stem_1`, not `_1`
            member = Member(f"{scope.path.rsplit('.', 1)[-1]}.{inner.local}", inner.row, inner.node, inner.scope, inner.group)
            if member.scope is not None and member.scope.inline and not runs_whole(member.scope, self.function, self.plain):
                found += self.walk(member.scope, reach)
            elif member.group is not None and member.group.exports:
                found += [(Member(member.local, scope=c), f"{reach}.{copy_name(c)}") for c in member.group.copies]
            else:
                found.append((member, reach))
        return found

    def forward(
        self, scope: Scope, steps: list[tuple[Member, str]], template: bool, rename: dict[str, str], read: set[str]
    ) -> tuple[list[str], list[Stmt]]:
        """forward's parameters and body."""
        if scope.instance is None:  # the model: its inputs
            inputs = self.spec.inputs
            params = self.input_names()
            incoming = {Ref(i.name): p for i, p in zip(inputs, params)}
            entry = Ref(inputs[0].name) if len(inputs) == 1 else None
            returns = list(self.graph.outputs)
        else:
            names = Names(RESERVED | {"x"})
            params = ["x", *(names.take(n) for n in external_names(scope))]
            incoming = {scope.entry: "x", **dict(zip(scope.externals, params[1:]))}
            entry = scope.entry
            returns = [scope.output, *scope.exports]
        reserved = set(RESERVED) | set(params) | self.definition_words
        shaped = self.shape_reads(scope, steps) if template else [{} for _ in steps]
        body = Body([[*m.reads, *named.values()] for (m, _), named in zip(steps, shaped)], incoming, returns, reserved, entry)
        for index, (member, access) in enumerate(steps):
            self.shapes = {name: body.read(ref) for name, ref in shaped[index].items() if ref in body.exprs}
            try:
                self.statement(body, index, member, access, template, rename, read)
            finally:
                self.shapes = None
        body.returning(returns)
        return ["self", *params], body.statements

    def shape_reads(self, scope: Scope, steps: list[tuple[Member, str]]) -> list[dict[str, Ref]]:
        """For each step, the tensors its arithmetic reads the shape of (`shape(concat)[0]`, read
        in forward as `concat.shape[0]`), by the name the spec gives them there."""
        known: dict[str, Ref] = {}
        if scope.instance is not None:
            known["input"] = scope.entry
        else:
            known |= {item.name: Ref(item.name) for item in self.spec.inputs}
            if len(self.spec.inputs) == 1:
                known["input"] = Ref(self.spec.inputs[0].name)
        for member in scope.members:
            known[member.local] = Ref(member.row.name) if member.row is not None else member.gives[0]
        found: list[dict[str, Ref]] = []
        for member, _ in steps:
            written = member.node.written if member.node is not None else None
            names = shape_references(written) if written is not None else set()
            found.append({name: known[name] for name in sorted(names) if name in known})
        return found

    def input_names(self) -> list[str]:
        """forward's parameters: `x`, or the inputs' names when there are several."""
        if len(self.spec.inputs) == 1:
            return ["x"]
        taken = Names(RESERVED | {"model", "output", "x"} | self.definition_words)  # the demo's names too
        return [taken.take(identifier(i.name, "x")) for i in self.spec.inputs]

    def statement(
        self, body: Body, index: int, member: Member, access: str, template: bool, rename: dict[str, str], read: set[str]
    ) -> None:
        inputs = [body.read(ref) for ref in member.reads]
        row = member.row
        if row is not None:
            self.layer_statement(body, index, member, access, inputs, template, rename, read)
            return
        given = member.gives
        loop = member.group is not None and bool(member.group.externals)  # nn.Sequential passes one tensor: loop
        if member.scope is not None and member.scope.inline and member.scope.container is not None:
            loop = not member.scope.container.chained  # a ModuleList or ModuleDict runs as the loop of its modules
        if loop:
            # the running variable, unless a tensor every copy reads (an external) is in it
            passing = body.passing(given[0], index) and body.running not in inputs[1:]
            target = body.running if passing else body.name(member.local)
            if inputs[0] != target:
                body.statements.append(Stmt(f"{target} = {inputs[0]}"))
            each = "block" if member.group is not None else "layer"
            values = f"{access}.values()" if member.scope is not None and member.scope.block == "ModuleDict" else access
            call = f"{each}({', '.join([target, *inputs[1:]])})"
            body.statements.append(Stmt(f"for {each} in {values}:", [Stmt(f"{target} = {call}")]))
            body.exprs[given[0]] = target
            return
        call = f"{access}({', '.join(inputs)})"
        if len(given) == 1:
            body.give(index, member.local, call, given[0])
        else:
            body.give_many(call, [member.local] + [ref.node.rsplit(".", 1)[-1] for ref in given[1:]], given)

    def layer_statement(
        self,
        body: Body,
        index: int,
        member: Member,
        access: str,
        inputs: list[str],
        template: bool,
        rename: dict[str, str],
        read: set[str],
    ) -> None:
        row, node = member.row, member.node
        assert row is not None and node is not None and row.layer_type is not None
        layer_type = row.layer_type
        code = layer_type.code
        if code is not None and code.alone > 1 and len(inputs) == 1:
            inputs = inputs * code.alone
        if code is not None and code.contiguous and inputs:
            producer = self.producer(node.inputs[0].node)
            if producer is not None and producer.code is not None and producer.code.strided:
                inputs = [f"{inputs[0]}.contiguous()", *inputs[1:]]  # torch views only a contiguous tensor
        layer = self.layer_of(node.layer, node.written, template)
        chosen = call_template(layer_type, layer, row.input_shapes)
        arguments = self.own_arguments(layer_type, layer, rename, read, chosen) if layer_type.own or chosen else {}
        call = fill(chosen or "{self}({*})", access, inputs, arguments)
        outputs = [Ref(row.name, k) for k in range(1 + len(row.extra_outputs))]
        if chosen == "{self}":  # a tensor the module holds: read where it is used
            body.alias(outputs[0], call)
        elif len(outputs) == 1:
            body.give(index, member.local, call, outputs[0])
        else:
            body.give_outputs(index, member.local, call, outputs, reader(code.outputs if code else ()))

    def producer(self, name: str):  # type: ignore[no-untyped-def]
        """The layer type of the row called `name` (None for an input)."""
        row = self.rows.get(name)
        return row.layer_type if row is not None else None

    # --- the model

    def record_paths(self, scope: Scope, prefix: str, access: str) -> None:
        """Each row's module path in the model (its name where it could be kept), and the
        expression that reaches its module from the model's `self`."""
        if scope.container is not None:
            held = self.entries(scope)
            naming = {id(m): key for key, m in held.items()}
            reach = {id(m): held.access(access, m) for m in held.members()}
        else:
            naming = self.attributes(scope)
            reach = {key: f"{access}.{name}" for key, name in naming.items()}
        for member in scope.members:
            name = naming.get(id(member))
            if member.row is not None:
                if name is not None and not self.function(member):  # a function's wrapper holds no layer of its own
                    self.names[member.row.name] = prefix + name
                    self.access[member.row.name] = reach[id(member)]
                continue
            for child in children(member):
                inner = f"{prefix}{name}." + (f"{copy_name(child)}." if member.group is not None else "")
                self.record_paths(child, inner, reach[id(member)] + (f".{copy_name(child)}" if member.group else ""))

    def ties(self) -> list[Stmt]:
        """Shared weights (`shares:`): the sharer's parameter is the owner's, paired as convcalc
        pairs them (a weight of the same shape, each of the owner's once)."""
        statements: list[Stmt] = []
        for row in self.report.rows:
            if row.shared_with is None or row.name not in self.names:
                continue
            owner = self.rows[row.shared_with]
            available = list(owner.weights)
            for weight in row.weights:
                match = next((w for w in available if w.shape == weight.shape), None)
                if match is None or not weight.shared:
                    continue
                available.remove(match)
                sharer = f"{self.access[row.name]}.{weight.name}"
                statements.append(Stmt(f"{sharer} = {self.access[owner.name]}.{match.name}"))
        return statements

    def demo(self) -> list[Stmt]:
        """Run as a script: build the model, count its parameters, run it on zeros."""
        statements = [
            Stmt(f"model = {self.entry}()" + (".eval()" if self.spec.mode == "eval" else "")),  # `mode: eval`
            Stmt(f"# {self.report.totals.params:,} parameters by convcalc's count"),
            Stmt("print(sum(p.numel() for p in model.parameters()))"),
        ]
        integers = {
            ref.node
            for row, node in zip(self.report.rows, self.graph.nodes)
            if row.layer_type is not None and row.layer_type.family is Family.EMBEDDING
            for ref in node.inputs
        }
        names = self.input_names()
        batch = self.spec.batch or 1
        for item, name in zip(self.spec.inputs, names):
            dims = ", ".join(str(d or 32) for d in (batch, *item.shape))  # 32 where the spec leaves a size open
            dtype = ", dtype=torch.long" if item.name in integers else ""  # an Embedding takes indices
            statements.append(Stmt(f"{name} = torch.zeros({dims}{dtype})"))
        if len(self.graph.outputs) == 1:
            statements.append(Stmt(f"print(model({', '.join(names)}).shape)"))
        else:
            statements.append(Stmt(f"for output in model({', '.join(names)}):", [Stmt("print(output.shape)")]))
        return statements
