"""A spec as a Keras functional model: each block a function that takes a tensor and returns one
(as keras.applications writes `_inverted_res_block(inputs, ...)`), its parameters as arguments
and a `name` its layers' names start with; the model a function returning `keras.Model`.

Every layer gets the spec's name. Keras 3 takes a name with "." on some backends but not on
torch, where a layer's variables become torch parameters, whose names may hold no "." (a
KeyError at build): the scopes of a block's names (`stage2.block1.conv`) are joined by "_"
instead, or by a longer separator when "_" would make two names one.
"""

from __future__ import annotations

from convcalc.export.blocks import external_names
from convcalc.export.body import Body
from convcalc.export.containers import runs_whole
from convcalc.export.names import Names, identifier, snake
from convcalc.export.source import Stmt, Unwritable, fill, value_source
from convcalc.export.structure import Group, Member, Scope, children, copy_name
from convcalc.export.writer import Writer, Written, call_template, docstring, is_function, reader
from convcalc.graph import Ref
from convcalc.report import Row

RESERVED = frozenset({"keras", "layers", "name", "i", "inputs", "Weight"})  # names the file's own code uses
SEPARATORS = ("_", "__", "-", "--")
WEIGHT = [
    Stmt(
        docstring(
            "A learned tensor used as a tensor (convcalc's Parameter): a weight made by add_weight, "
            "returned whatever tensor the layer is called on (a call joins it to the model).",
            4,
        )
    ),
    Stmt(
        "def __init__(self, shape, name=None, **options):",
        [
            Stmt("super().__init__(name=name)"),
            Stmt('options.setdefault("initializer", "zeros")'),
            Stmt("self.tensor = self.add_weight(shape=shape, name=self.name, **options)"),
        ],
    ),
    Stmt("def call(self, x):", [Stmt("return keras.ops.convert_to_tensor(self.tensor)")]),
]
"""The layer a Keras model keeps a parameter tensor in: Keras holds weights only in layers, and a
functional model's layers are called on a tensor of the model (the one given is not read)."""


class KerasWriter(Writer):
    prefix = "layers."
    reserved = RESERVED
    arguments_reserved = RESERVED
    dropped = frozenset({"input_shape", "input_dim", "batch_input_shape", "batch_size"})  # the spec's input says it

    def __init__(self, *args: object) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self.separator = self.choose_separator()
        self.names: dict[str, str] = {}  # row -> its layer's name in the model ("outer/inner" inside a Sequential)
        self.entry = ""
        self.weight = False  # the file defines Weight

    def choose_separator(self) -> str:
        """The first separator that keeps every name apart."""
        every = [*(i.name for i in self.spec.inputs), *(row.name for row in self.report.rows)]
        for separator in SEPARATORS:
            mapped = {name.replace(".", separator).replace("/", separator) for name in every}
            if len(mapped) == len(every):
                return separator
        raise Unwritable("the layers' names cannot all be kept apart without '.'")

    def keras_name(self, name: str) -> str:
        return name.replace(".", self.separator).replace("/", self.separator)

    def write(self) -> list[Stmt]:
        self.record_names(self.model, "", "")
        self.define_blocks()
        self.entry = self.definition_names.take(snake(self.spec.name or "", "model"))
        model = self.write_model()
        functions = [*self.definitions, (self.entry, "", model)]
        helpers = self.helpers.definitions()
        weight = [Stmt("class Weight(layers.Layer):", WEIGHT)] if self.weight else []
        return [
            Stmt(docstring(f"Keras code for {self.spec.path}, written by `convcalc export`.", 0)),
            *self.imports([("keras", ""), ("keras", "layers")]),
            *helpers,
            *weight,
            *(Stmt(f"def {name}({code.params}):", code.statements) for name, _, code in functions),
            Stmt('if __name__ == "__main__":', [Stmt(f"{self.entry}().summary()")]),
        ]

    def function(self, member: Member) -> bool:
        """A layer written as an expression, no layer of the model: a keras.ops call, `x + 3.0`."""
        row, node = member.row, member.node
        if row is None or node is None or row.layer_type is None:
            return False
        return is_function(row.layer_type, call_template(row.layer_type, node.layer, row.input_shapes))

    def record_names(self, scope: Scope, prefix: str, within: str) -> None:
        """Each row's layer name in the model: its path with `.` made the separator, or, inside a
        Sequential (`within` its own name), its own name after the Sequential's and a `/`."""
        for member in scope.members:
            local = within + "/" + member.local if within else self.keras_name(prefix + member.local)
            if member.row is not None:
                if not self.function(member):
                    self.names[member.row.name] = local
                continue
            for child in children(member):
                path = child.path
                if child.container is not None:
                    self.record_names(child, path + ".", within + "/" + member.local if within else self.keras_name(path))
                elif within:
                    raise Unwritable(
                        f"{path} is an instance of block {child.block}, a function of its input, which a Sequential "
                        "cannot hold: give the block `container: Sequential`, or take it out of the Sequential",
                        child.instance.written.location if child.instance is not None else None,
                    )
                else:
                    self.record_names(child, path + ".", "")

    def definition_name(self, block: str) -> str:
        return identifier(block, "block")

    # --- one function

    def write_definition(self, scope: Scope, template: bool) -> Written:
        """The block's function for one instance (the model's, for the model): parameters, body."""
        signature = self.signature(scope.block) if template and scope.instance is not None else None
        rename = dict(signature.rename) if signature is not None else {}
        params: list[str] = []
        statements: list[Stmt] = []
        if scope.container is not None:  # a block subclassing Sequential: a function that makes one
            statements.append(Stmt(f"return {self.sequential(scope, 'name', template, rename)}"))
            if signature is not None:
                listed, defaults = signature.parameters(lambda value, names: self.source(value, names))
                params += listed
                statements[0:0] = defaults
            params.append(f"name={value_source(self.keras_name(scope.block))}")
            return Written(statements, ", ".join(params))
        if scope.instance is None:
            inputs = self.spec.inputs
            taken = Names(RESERVED | {"x"} | self.definition_words)
            variables = ["inputs"] if len(inputs) == 1 else [taken.take(identifier(i.name, "inputs")) for i in inputs]
            for item, var in zip(inputs, variables):
                shape = value_source(tuple(item.shape))
                batch = f", batch_size={self.spec.batch}" if self.spec.batch else ""
                statements.append(Stmt(f'{var} = keras.Input(shape={shape}{batch}, name="{self.keras_name(item.name)}")'))
            incoming = {Ref(i.name): v for i, v in zip(inputs, variables)}
            returns = list(self.graph.outputs)
        else:
            names = Names(RESERVED | {"x"} | set(rename.values()))
            externals = [names.take(n) for n in external_names(scope)]
            params = ["x", *externals]
            incoming = {scope.entry: "x", **dict(zip(scope.externals, externals))}
            returns = [scope.output, *scope.exports]
            variables = params
        steps = self.steps(scope)
        reserved = set(RESERVED) | set(variables) | set(rename.values()) | self.definition_words
        body = Body([m.reads for m, _ in steps], incoming, returns, reserved, scope.entry if scope.instance else None)
        body.statements = statements
        owners = {row.shared_with for row in scope.rows() if row.shared_with is not None}
        layers: dict[str, str] = {}  # an owner of shared weights -> the variable holding its layer
        anchor = variables[0]  # a tensor a Weight layer is called on
        for index, (member, local) in enumerate(steps):
            self.statement(body, index, member, local, scope, template, rename, owners, layers, anchor)
        if scope.instance is None:
            model_inputs = variables[0] if len(variables) == 1 else "[" + ", ".join(variables) + "]"
            outputs = [body.read(ref) for ref in returns]
            model_outputs = outputs[0] if len(outputs) == 1 else "[" + ", ".join(outputs) + "]"
            name = value_source(self.spec.name) if self.spec.name else '"model"'
            body.statements.append(Stmt(f"return keras.Model({model_inputs}, {model_outputs}, name={name})"))
        else:
            body.returning(returns)
            if signature is not None:
                listed, defaults = signature.parameters(lambda value, names: self.source(value, names))
                params += listed
                body.statements[0:0] = defaults
            params.append(f"name={value_source(self.keras_name(scope.block))}")
        return Written(body.statements, ", ".join(params))

    @staticmethod
    def steps(scope: Scope) -> list[tuple[Member, str]]:
        """The members in order with their local names; a repeat that hands values out of its
        copies is called copy by copy."""
        found: list[tuple[Member, str]] = []
        for member in scope.members:
            if member.group is not None and member.group.exports:
                for copy in member.group.copies:
                    found.append((Member(member.local, scope=copy), f"{member.local}.{copy_name(copy)}"))
            else:
                found.append((member, member.local))
        return found

    def layer_name(self, scope: Scope, local: str) -> str:
        """The `name=` of a layer or an instance: `name + "_conv1"` in a block, literal in the model."""
        if scope.instance is None:
            return value_source(self.keras_name(local))
        return f"name + {value_source(self.separator + self.keras_name(local))}"

    def statement(
        self,
        body: Body,
        index: int,
        member: Member,
        local: str,
        scope: Scope,
        template: bool,
        rename: dict[str, str],
        owners: set[str],
        layers: dict[str, str],
        anchor: str,
    ) -> None:
        inputs = [body.read(ref) for ref in member.reads]
        row = member.row
        made = [Ref(row.name, k) for k in range(1 + len(row.extra_outputs))] if row is not None else member.gives
        if not any(body.used(ref) for ref in made):
            body.statements.append(Stmt("# leads to no output: Keras leaves it out of the model, convcalc counts it"))
        if row is not None:
            self.layer_statement(body, index, member, row, inputs, scope, template, rename, owners, layers, anchor)
            return
        given = member.gives
        if member.group is not None:
            self.repeat(body, index, member, member.group, inputs, scope, template, rename)
            return
        assert member.scope is not None
        call = self.call(member.scope, inputs, self.layer_name(scope, local), template, rename)
        if len(given) == 1:
            body.give(index, member.local, call, given[0])
        else:
            body.give_many(call, [member.local] + [ref.node.rsplit(".", 1)[-1] for ref in given[1:]], given)

    def call(self, scope: Scope, inputs: list[str], name: str, template: bool, rename: dict[str, str]) -> str:
        """A block's function called on the instance's inputs; a Sequential made, then called."""
        if scope.container is not None:
            return f"{self.container_layer(scope, name, template, rename)}({inputs[0]})"
        args = self.call_arguments(scope, template, rename) or []
        return f"{self.assigned[scope.path][0]}({', '.join([*inputs, *args, f'name={name}'])})"

    def container_layer(self, scope: Scope, name: str, template: bool, rename: dict[str, str]) -> str:
        """A Sequential written inline, or made by its block's function."""
        if scope.inline:
            return self.sequential(scope, name, template, rename)
        args = self.call_arguments(scope, template, rename) or []
        return f"{self.assigned[scope.path][0]}({', '.join([*args, f'name={name}'])})"

    def plain(self, member: Member) -> bool:
        """A layer a Sequential can hold: called on one tensor, giving one (no merge, no weight holder)."""
        row = member.row
        if row is None or row.layer_type is None:
            return super().plain(member)
        code = row.layer_type.code
        return super().plain(member) and not row.layer_type.merges and not (code is not None and code.holds)

    def sequential(self, scope: Scope, name: str, template: bool, rename: dict[str, str]) -> str:
        """`keras.Sequential([...], name=...)` of a container's layers, each under its own name."""
        if not runs_whole(scope, self.function, self.plain):
            raise Unwritable(
                f"{scope.path or scope.block} is a Sequential, which runs its layers one after the other on one "
                "tensor: a layer in it cannot take another input, be read from outside, be a keras.ops call "
                "or give several outputs",
                scope.instance.written.location if scope.instance is not None else None,
            )
        items = []
        for member in scope.members:
            local = value_source(member.local)
            if member.scope is not None:
                items.append(self.container_layer(member.scope, local, template, rename))
            else:
                assert member.node is not None
                layer = self.layer_of(member.node.layer, member.node.written, template)
                items.append(self.constructor(layer, rename, (f"name={local}",)))
        assert scope.instance is not None
        extra = "".join(f", {k}={self.source(v, rename)}" for k, v in scope.instance.layer.kwargs.items() if k == "trainable")
        return f"keras.Sequential([{', '.join(items)}]{extra}, name={name})"

    def repeat(
        self,
        body: Body,
        index: int,
        member: Member,
        group: Group,
        inputs: list[str],
        scope: Scope,
        template: bool,
        rename: dict[str, str],
    ) -> None:
        """A loop over the copies when they are alike, else one call each."""
        made = {(self.assigned[c.path], tuple(self.call_arguments(c, template, rename) or ())) for c in group.copies}
        first = group.copies[0].instance
        assert first is not None
        count = first.written.repeat if template else len(group.copies)
        # the running variable, unless a tensor every copy reads (an external) is in it
        passing = body.passing(group.output, index) and body.running not in inputs[1:]
        target = body.running if passing else body.name(member.local)
        prefix = "{name}" + self.separator if scope.instance is not None else ""
        base = prefix + self.keras_name(member.local) + self.separator + "block"
        if len(made) == 1 and group.complete:
            if isinstance(count, int):
                loop, name = f"for i in range(1, {count + 1}):", f'f"{base}{{i}}"'
            else:
                loop, name = f"for i in range({self.source(count, rename)}):", f'f"{base}{{i + 1}}"'
            if inputs[0] != target:
                body.statements.append(Stmt(f"{target} = {inputs[0]}"))
            call = self.call(group.copies[0], [target, *inputs[1:]], name, template, rename)
            body.statements.append(Stmt(loop, [Stmt(f"{target} = {call}")]))
        else:
            previous = inputs[0]
            for copy in group.copies:
                k = copy_name(copy)[5:]
                name = f'f"{base}{k}"' if prefix else value_source(f"{base}{k}")
                call = self.call(copy, [previous, *inputs[1:]], name, template, rename)
                body.statements.append(Stmt(f"{target} = {call}"))
                previous = target
        body.exprs[group.output] = target

    def layer_statement(
        self,
        body: Body,
        index: int,
        member: Member,
        row: Row,
        inputs: list[str],
        scope: Scope,
        template: bool,
        rename: dict[str, str],
        owners: set[str],
        layers: dict[str, str],
        anchor: str,
    ) -> None:
        assert member.node is not None and row.layer_type is not None
        layer_type = row.layer_type
        code = layer_type.code
        layer = self.layer_of(member.node.layer, member.node.written, template)
        if code is not None and code.alone > 1 and len(inputs) == 1:
            inputs = inputs * code.alone
        outputs = [Ref(row.name, k) for k in range(1 + len(row.extra_outputs))]
        more = ""
        if code is not None and code.more:
            if any(body.used(ref) for ref in outputs[1:]):
                more = ", " + code.more
            else:
                outputs = outputs[:1]  # called without it, the layer returns its first output alone
        chosen = call_template(layer_type, layer, row.input_shapes)
        name = self.layer_name(scope, member.local)
        if code is not None and code.holds:  # a tensor a layer of the file's own Weight class holds
            self.weight = True
            arguments = self.own_arguments(layer_type, layer, rename)
            call = f"{fill(code.holds, '', [], arguments).removesuffix(')')}, name={name})({anchor})"
        elif is_function(layer_type, chosen):
            arguments = self.own_arguments(layer_type, layer, rename, template=chosen)
            call = fill(chosen, "", inputs, {**arguments, "more": more})
        else:
            # a merge takes the list of its inputs; given one, the tensor itself, as convcalc reads it
            default = "{self}([{*}]{more})" if layer_type.merges and len(inputs) > 1 else "{self}({*}{more})"
            if row.shared_with is not None:
                made = self.shared_layer(row, layers)
            else:
                made = self.constructor(layer, rename, (f"name={name}",))
            if row.name in owners:
                layers[row.name] = body.name(member.local + "_layer")
                body.statements.append(Stmt(f"{layers[row.name]} = {made}"))
                made = layers[row.name]
            call = fill(chosen or default, made, inputs, {"more": more})
        if len(outputs) == 1:
            body.give(index, member.local, call, outputs[0])
        else:
            body.give_outputs(index, member.local, call, outputs, reader(code.outputs if code else ()))

    def shared_layer(self, row: Row, layers: dict[str, str]) -> str:
        """Keras shares weights by calling one layer again: the owner's, which must be the same
        layer (type and arguments) and made in the same function."""
        owner = self.rows[str(row.shared_with)]
        if owner.layer_type is not row.layer_type or owner.arguments != row.arguments:
            raise Unwritable(
                f"{row.name} shares {owner.name}'s weights, which Keras does only by calling the same layer again: "
                "the two must be one type with the same arguments",
                row.spec.locate("shares") if row.spec is not None else row.source,
            )
        if owner.name not in layers:
            raise Unwritable(f"{row.name} shares the weights of {owner.name}, which its function cannot reach", row.source)
        self.names[row.name] = self.names[owner.name]
        return layers[owner.name]
