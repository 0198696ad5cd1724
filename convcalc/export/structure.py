"""The expanded network as code holds it: the model, each block instance and each repeat of one
as a scope of members (layers, instances, repeats), and the values that cross each scope's edge.

A block instance reads its input and any tensor from outside it (a U-Net's skip connection: an
*external*), and gives its output and anything else that is read outside it (an *export*). The
writers turn a scope into a class or a function whose arguments and return values are exactly
those, so any graph the spec language can write can be written as code.
"""

from __future__ import annotations

from convcalc.graph import Graph, Instance, Node, Ref
from convcalc.record import Record
from convcalc.report import Report, Row
from convcalc.spec.containers import Container


class Member(Record):
    """One statement of a scope: a layer, a block instance, or a repeat of one."""

    __slots__ = ("local", "row", "node", "scope", "group")

    local: str  # its name inside the scope: the last part of its path
    row: Row | None  # a layer
    node: Node | None
    scope: Scope | None  # a block instance
    group: Group | None  # a repeat

    def __init__(
        self, local: str, row: Row | None = None, node: Node | None = None, scope: Scope | None = None, group: Group | None = None
    ) -> None:
        self.local = local
        self.row = row
        self.node = node
        self.scope = scope
        self.group = group

    @property
    def reads(self) -> list[Ref]:
        """The values it takes, in order: a layer's inputs, an instance's input then externals."""
        if self.node is not None:
            return list(self.node.inputs)
        edge = self.scope or self.group
        assert edge is not None
        return [edge.entry, *edge.externals]

    @property
    def gives(self) -> list[Ref]:
        """An instance's or a repeat's output then exports (a layer's outputs are its own)."""
        edge = self.scope or self.group
        assert edge is not None
        return [edge.output, *edge.exports]


class Edge(Record):
    """What crosses a scope's or a repeat's boundary."""

    __slots__ = ("path", "block", "entry", "output", "externals", "exports", "produced")

    path: str
    block: str
    entry: Ref
    output: Ref
    externals: list[Ref]  # read inside, made outside (not the entry), in the order first read
    exports: list[Ref]  # made inside, read outside (not the output), in the order made
    produced: set[str]  # the layers inside, at any depth

    def __init__(self, path: str, block: str, entry: Ref, output: Ref) -> None:
        self.path = path
        self.block = block
        self.entry = entry
        self.output = output
        self.externals = []
        self.exports = []
        self.produced = set()


class Scope(Edge):
    """The model (path "") or one block instance or container: its members in the order they run."""

    __slots__ = ("instance", "members")

    instance: Instance | None
    members: list[Member]

    def __init__(self, path: str, block: str, entry: Ref, output: Ref, instance: Instance | None = None) -> None:
        super().__init__(path, block, entry, output)
        self.instance = instance
        self.members = []

    @property
    def container(self) -> Container | None:
        """The container class it is or subclasses (Sequential...), if any."""
        return self.instance.container if self.instance is not None else None

    @property
    def inline(self) -> bool:
        """A container written inline (`Sequential(...)`), not a block: no class of its own."""
        container = self.container
        return container is not None and self.block == container.name

    def rows(self) -> list[Row]:
        found: list[Row] = []
        for member in self.members:
            if member.row is not None:
                found.append(member.row)
            for child in children(member):
                found += child.rows()
        return found


class Group(Edge):
    """`repeat: N` of a block instance: copies block1 ... blockN, each taking the one before."""

    __slots__ = ("copies",)

    copies: list[Scope]

    def __init__(self, path: str, block: str, first: Scope) -> None:
        super().__init__(path, block, first.entry, first.output)
        self.copies = [first]

    @property
    def complete(self) -> bool:
        """Every copy holds layers (one whose `when:`s all fail is no module, and no copy here)."""
        first = self.copies[0].instance
        return first is not None and first.layer.repeat == len(self.copies) == int(copy_name(self.copies[-1])[5:])


def copy_name(scope: Scope) -> str:
    """A copy's own name in its repeat: block1, block2..."""
    return scope.path.rsplit(".", 1)[-1]


def children(member: Member) -> list[Scope]:
    if member.scope is not None:
        return [member.scope]
    return list(member.group.copies) if member.group is not None else []


def local_name(path: str, prefix: str) -> str:
    return path[len(prefix) + 1 :] if prefix else path


def build(report: Report, graph: Graph, builders: frozenset[str] = frozenset()) -> Scope:
    """The model's scope tree, with every edge's externals and exports worked out. An instance of
    a builder block (`scoped: false`, named in `builders`) is no scope: its layers are written in
    the scope that uses it, under the names it gave them, as the builder function's call leaves
    them in a Keras model."""
    instances = {i.path: i for i in graph.instances if i.block not in builders}
    model = Scope("", "", Ref(graph.inputs[0].name), graph.outputs[0])
    scopes: dict[str, Scope] = {"": model}
    groups: dict[str, Group] = {}
    for row, node in zip(report.rows, graph.nodes):
        parent = model
        for path, _ in row.blocks:
            if path in scopes:
                parent = scopes[path]
                continue
            if path in groups:
                continue  # a repeat's own level: its copy comes next
            instance = instances.get(path)
            if instance is None:  # the level of a repeat, met for the first time
                continue
            scope = scopes[path] = Scope(path, instance.block, instance.entry, instance.output, instance)
            if instance.group is None:
                parent.members.append(Member(local_name(path, parent.path), scope=scope))
            elif instance.group in groups:
                groups[instance.group].copies.append(scope)
                groups[instance.group].output = scope.output
            else:
                group = groups[instance.group] = Group(instance.group, instance.block, scope)
                parent.members.append(Member(local_name(instance.group, parent.path), group=group))
            parent = scope
        parent.members.append(Member(local_name(row.name, parent.path), row=row, node=node))
    _edges(model, graph, report)
    return model


def _edges(model: Scope, graph: Graph, report: Report) -> None:
    """Externals and exports of every instance and repeat: each value read across an edge."""
    owners: dict[str, list[Edge]] = {}  # a layer -> the edges around it

    def walk(scope: Scope, around: list[Edge]) -> None:
        for member in scope.members:
            if member.row is not None:
                owners[member.row.name] = around
                for edge in around:
                    edge.produced.add(member.row.name)
            for child in children(member):
                inner = [child, member.group, *around] if member.group is not None else [child, *around]
                walk(child, inner)

    walk(model, [])
    order = {row.name: index for index, row in enumerate(report.rows)}
    reads = [(node.name, ref) for node in graph.nodes for ref in node.inputs]
    reads += [("", ref) for ref in graph.outputs]  # the model's outputs are read from outside every edge
    for reader, ref in reads:
        around_reader = owners.get(reader, [])
        for edge in around_reader:
            if ref.node not in edge.produced and ref != edge.entry and ref not in edge.externals:
                edge.externals.append(ref)
        for edge in owners.get(ref.node, []):
            if all(edge is not e for e in around_reader) and ref != edge.output and ref not in edge.exports:
                edge.exports.append(ref)
    seen: set[int] = set()
    for around in owners.values():
        for edge in around:
            if id(edge) not in seen:
                seen.add(id(edge))
                edge.exports.sort(key=lambda ref: (order.get(ref.node, -1), ref.output))
