"""A spec as a PyTorch `nn.Module`: each block a module class with its parameters as `__init__`
arguments (as torchvision's `BasicBlock(inplanes, planes)`), each instance a submodule named as
the spec names it, merges and convcalc's other stand-ins for torch functions in `forward`.

Module paths are the spec's names, so `named_modules()` lists `layer2.block1.conv1` where the
spec's table does; a name that cannot be an attribute (not an identifier, or one nn.Module
already has, such as `forward`) becomes the nearest that can, and the file says so.
"""

from __future__ import annotations

from convcalc.export.blocks import external_names
from convcalc.export.body import Body
from convcalc.export.names import MODULE_ATTRIBUTES, Names, camel, identifier
from convcalc.export.source import Stmt, fill, value_source
from convcalc.export.structure import Group, Member, Scope, children, copy_name
from convcalc.export.writer import Writer, Written, docstring, own_code, reader
from convcalc.frameworks.base import Family
from convcalc.graph import Ref

RESERVED = frozenset({"self", "torch", "nn", "super", "block", "i"})  # names the file's own code uses


def attributes(scope: Scope) -> dict[int, str]:
    """Each member's attribute (by the member's id): its name, or the nearest free identifier.
    Stand-ins for torch functions are no modules and have none, unless they hold weights."""
    taken = Names(MODULE_ATTRIBUTES)
    found: dict[int, str] = {}
    for member in scope.members:
        layer_type = member.row.layer_type if member.row is not None else None
        if layer_type is not None and layer_type.own and not (layer_type.code and layer_type.code.holds):
            continue
        found[id(member)] = taken.take(identifier(member.local))
    return found


class TorchWriter(Writer):
    prefix = "nn."
    variant_separator = ""  # Stage2: classes are CapWords
    reserved = RESERVED
    arguments_reserved = frozenset({"self", "torch", "nn", "super", "i"})

    def __init__(self, *args: object) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self.names: dict[str, str] = {}  # row name -> module path in the model
        self.entry = ""

    def write(self) -> list[Stmt]:
        self.define_blocks()
        self.record_paths(self.model, "")
        self.entry = self.definition_names.take(camel(self.spec.name or "", "Model"), "")
        model = self.write_model()
        model.statements[0].body.extend(self.ties())  # type: ignore[union-attr]
        classes = [*self.definitions, (self.entry, "", model)]
        return [
            Stmt(docstring(f"PyTorch code for {self.spec.path}, written by `convcalc export`.", 0)),
            Stmt("import torch"),
            Stmt("from torch import nn"),
            *(Stmt(f"class {name}(nn.Module):", code.statements) for name, _, code in classes),
            Stmt('if __name__ == "__main__":', self.demo()),
        ]

    def definition_name(self, block: str) -> str:
        return camel(block, "Block")

    # --- one class

    def write_definition(self, scope: Scope, template: bool) -> Written:
        """`__init__` making each member, `forward` running them. In `template` mode the block's
        arithmetic is written as arithmetic of the `__init__` arguments (Unwritable if it cannot be)."""
        signature = self.signature(scope.block) if template and scope.instance is not None else None
        rename = dict(signature.rename) if signature is not None else {}
        attribute_of = attributes(scope)
        init = [Stmt("super().__init__()")]
        for member in scope.members:
            attribute = attribute_of.get(id(member))
            if attribute is None:
                continue
            if attribute != member.local:
                init.append(Stmt(f"# self.{attribute} is {member.local!r} in the spec, which cannot be an attribute"))
            init += self.construct(member, f"self.{attribute}", template, rename)
        taken = Names(set(attribute_of.values()) | MODULE_ATTRIBUTES)
        in_forward = {param: f"self.{taken.take(name)}" for param, name in rename.items()}
        read: set[str] = set()  # the parameters forward reads: kept as attributes
        params, body = self.forward(scope, attribute_of, template, in_forward, read)
        init[1:1] = [Stmt(f"{in_forward[param]} = {rename[param]}") for param in rename if param in read]
        head = ["self"]
        if signature is not None:
            listed, defaults = signature.parameters(lambda value, names: value_source(value, names, self.nested))
            head += listed
            init[0:0] = defaults
        return Written([Stmt(f"def __init__({', '.join(head)}):", init), Stmt(f"def forward({', '.join(params)}):", body)])

    def construct(self, member: Member, target: str, template: bool, rename: dict[str, str]) -> list[Stmt]:
        """`self.<attribute> = ...` for a layer, an instance or a repeat."""
        if member.node is not None:
            layer = self.layer_of(member.node.layer, member.node.written, template)
            layer_type = member.row.layer_type if member.row is not None else None
            if layer_type is not None and layer_type.own and layer_type.code is not None:  # weights it holds
                return [Stmt(f"{target} = {fill(layer_type.code.holds, '', [], self.own_arguments(layer_type, layer, rename))}")]
            return [Stmt(f"{target} = {self.constructor(layer, rename)}")]
        if member.scope is not None:
            return [Stmt(f"{target} = {self.instantiate(member.scope, template, rename)}")]
        assert member.group is not None
        return self.repeat(member.group, target, template, rename)

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
            loop, name = f"for i in range({value_source(count, rename)}):", 'f"block{i + 1}"'
        return statements + [Stmt(loop, [Stmt(f"{target}.add_module({name}, {made[0]})")])]

    def instantiate(self, scope: Scope, template: bool, rename: dict[str, str]) -> str:
        """An instance's class, called with the instance's arguments when the class takes them."""
        args = self.call_arguments(scope, template, rename)
        return f"{self.assigned[scope.path][0]}({', '.join(args or ())})"

    # --- forward

    def forward(
        self, scope: Scope, attribute_of: dict[int, str], template: bool, rename: dict[str, str], read: set[str]
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
        steps = self.steps(scope, attribute_of)
        reserved = set(RESERVED) | set(params) | self.definition_words
        body = Body([m.reads for m, _ in steps], incoming, returns, reserved, entry)
        for index, (member, attribute) in enumerate(steps):
            self.statement(body, index, member, attribute, template, rename, read)
        body.returning(returns)
        return ["self", *params], body.statements

    def input_names(self) -> list[str]:
        """forward's parameters: `x`, or the inputs' names when there are several."""
        if len(self.spec.inputs) == 1:
            return ["x"]
        taken = Names(RESERVED | {"model", "output", "x"} | self.definition_words)  # the demo's names too
        return [taken.take(identifier(i.name, "x")) for i in self.spec.inputs]

    @staticmethod
    def steps(scope: Scope, attribute_of: dict[int, str]) -> list[tuple[Member, str]]:
        """The members in the order forward runs them, each with its attribute; a repeat that
        hands values out of its copies runs copy by copy (`self.h.block2`)."""
        found: list[tuple[Member, str]] = []
        for member in scope.members:
            attribute = attribute_of.get(id(member), "")
            if member.group is not None and member.group.exports:
                for copy in member.group.copies:
                    found.append((Member(member.local, scope=copy), f"{attribute}.{copy_name(copy)}"))
            else:
                found.append((member, attribute))
        return found

    def statement(
        self, body: Body, index: int, member: Member, attribute: str, template: bool, rename: dict[str, str], read: set[str]
    ) -> None:
        inputs = [body.read(ref) for ref in member.reads]
        row = member.row
        if row is not None:
            assert member.node is not None and row.layer_type is not None
            layer_type = row.layer_type
            code = layer_type.code
            if code is not None and code.alone > 1 and len(inputs) == 1:
                inputs = inputs * code.alone
            if layer_type.own:
                layer = self.layer_of(member.node.layer, member.node.written, template)
                holder = f"self.{attribute}" if attribute else ""
                call = fill(own_code(layer_type, layer), holder, inputs, self.own_arguments(layer_type, layer, rename, read))
            else:
                call = fill(code.call if code and code.call else "{self}({*})", f"self.{attribute}", inputs, {})
            outputs = [Ref(row.name, k) for k in range(1 + len(row.extra_outputs))]
            if len(outputs) == 1:
                body.give(index, member.local, call, outputs[0])
            else:
                body.give_outputs(index, member.local, call, outputs, reader(code.outputs if code else ()))
            return
        given = member.gives
        if member.group is not None and member.group.externals:  # nn.Sequential passes one tensor: loop
            # the running variable, unless a tensor every copy reads (an external) is in it
            passing = body.passing(given[0], index) and body.running not in inputs[1:]
            target = body.running if passing else body.name(member.local)
            if inputs[0] != target:
                body.statements.append(Stmt(f"{target} = {inputs[0]}"))
            call = f"block({', '.join([target, *inputs[1:]])})"
            body.statements.append(Stmt(f"for block in self.{attribute}:", [Stmt(f"{target} = {call}")]))
            body.exprs[given[0]] = target
            return
        call = f"self.{attribute}({', '.join(inputs)})"
        if len(given) == 1:
            body.give(index, member.local, call, given[0])
        else:
            body.give_many(call, [member.local] + [ref.node.rsplit(".", 1)[-1] for ref in given[1:]], given)

    # --- the model

    def record_paths(self, scope: Scope, prefix: str) -> None:
        """Each row's module path in the model (its name where it could be kept)."""
        attribute_of = attributes(scope)
        for member in scope.members:
            attribute = attribute_of.get(id(member))
            if member.row is not None:
                if attribute is not None:
                    self.names[member.row.name] = prefix + attribute
                continue
            for child in children(member):
                self.record_paths(child, f"{prefix}{attribute}." + (f"{copy_name(child)}." if member.group is not None else ""))

    def ties(self) -> list[Stmt]:
        """Shared weights (`shares:`): the sharer's parameter is the owner's, paired as convcalc
        pairs them (a weight of the same shape, each of the owner's once)."""
        statements: list[Stmt] = []
        rows = {row.name: row for row in self.report.rows}
        for row in self.report.rows:
            if row.shared_with is None or row.name not in self.names:
                continue
            owner = rows[row.shared_with]
            available = list(owner.weights)
            for weight in row.weights:
                match = next((w for w in available if w.shape == weight.shape), None)
                if match is None or not weight.shared:
                    continue
                available.remove(match)
                sharer = f"self.{self.names[row.name]}.{weight.name}"
                statements.append(Stmt(f"{sharer} = self.{self.names[owner.name]}.{match.name}"))
        return statements

    def demo(self) -> list[Stmt]:
        """Run as a script: build the model, count its parameters, run it on zeros."""
        statements = [
            Stmt(f"model = {self.entry}()"),
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
