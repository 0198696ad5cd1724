"""The graph a picture shows, shared by the Mermaid, DOT and SVG renderers.

One node per graph input, per layer (a block nested deeper than `depth` folded into one node),
and per graph output; one edge per tensor a node takes from another, carrying that tensor's
shape. Working from the unfolded report, an edge out of a folded block keeps the shape of the
layer inside it that produces the tensor, not the block's last layer's.
"""

from __future__ import annotations

from dataclasses import dataclass

from convcalc.ops.layout import format_shape
from convcalc.ops.tensor import Shape
from convcalc.render.text import printable
from convcalc.report import Report, Row

INPUT, LAYER, BLOCK, OUTPUT = "input", "layer", "block", "output"


@dataclass(frozen=True)
class Node:
    """One box of the picture. `id` is safe in every format (n0, n1...); `name` is printable."""

    id: str
    name: str
    kind: str  # INPUT, LAYER, BLOCK (a folded block instance) or OUTPUT
    type: str  # the layer class, the block's name, "Input" or "Output"
    params: int = 0
    layers: int = 0  # a folded block: the layers it holds
    cluster: str | None = None  # id of the innermost block drawn around it

    @property
    def caption(self) -> str:
        """The second line of the box: type, and what it holds."""
        parts = [self.type]
        if self.kind == BLOCK:
            parts.append(f"{self.layers} layers")
        if self.params:
            parts.append(f"{self.params:,} params")
        return " · ".join(parts)


@dataclass(frozen=True)
class Edge:
    """A tensor from one node to another: output `output` of `source`, shaped `shape`."""

    source: str
    target: str
    shape: Shape
    output: int = 0

    @property
    def label(self) -> str:
        """The shape as the summary prints it, with `[k]` for a layer's k-th extra output."""
        text = format_shape(self.shape)
        return f"[{self.output}] {text}" if self.output else text


@dataclass(frozen=True)
class Cluster:
    """A block instance drawn around its layers (Mermaid subgraph, DOT cluster)."""

    id: str
    path: str
    block: str
    parent: str | None

    @property
    def label(self) -> str:
        return printable(f"{self.path} ({self.block})")


@dataclass(frozen=True)
class Drawing:
    """What every picture shows: a title, nodes in order (each after the nodes it takes), edges."""

    title: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    clusters: tuple[Cluster, ...]
    depth: int | None


def members(picture: Drawing) -> dict[str | None, list[Node | Cluster]]:
    """What each cluster holds (None: the top level), nodes and nested clusters in the order
    they first appear, for formats that write a subgraph's members inside it."""
    clusters = {cluster.id: cluster for cluster in picture.clusters}
    children: dict[str | None, list[Node | Cluster]] = {}
    placed: set[str] = set()

    def place(cluster_id: str | None) -> None:
        if cluster_id is None or cluster_id in placed:
            return
        placed.add(cluster_id)
        cluster = clusters[cluster_id]
        place(cluster.parent)
        children.setdefault(cluster.parent, []).append(cluster)

    for node in picture.nodes:
        place(node.cluster)
        children.setdefault(node.cluster, []).append(node)
    return children


def max_depth(report: Report) -> int:
    """How deeply blocks nest: `--depth` at or beyond it folds nothing."""
    return max((len(row.blocks) for row in report.rows), default=0)


def split_ref(ref: str) -> tuple[str, int]:
    """`lstm[1]` -> ("lstm", 1); `conv` -> ("conv", 0).

    >>> split_ref("enc[2]"), split_ref("conv2d")
    (('enc', 2), ('conv2d', 0))
    """
    if ref.endswith("]") and "[" in ref:
        name, _, index = ref[:-1].rpartition("[")
        if index.isdigit():
            return name, int(index)
    return ref, 0


def drawing(report: Report, depth: int | None = None) -> Drawing:
    """The report's graph with blocks nested deeper than `depth` folded (None folds nothing)."""

    def shown(row: Row) -> str:
        return row.blocks[depth][0] if depth is not None and len(row.blocks) > depth else row.name

    ids: dict[str, str] = {}  # a shown name (input, layer or folded block) -> node id
    nodes: dict[str, dict[str, object]] = {}
    clusters: dict[str, Cluster] = {}
    for item in report.inputs:
        ids[item.name] = f"n{len(ids)}"
        nodes[item.name] = {"name": item.name, "kind": INPUT, "type": "Input"}
    rows = {row.name: row for row in report.rows}
    for row in report.rows:
        key = shown(row)
        enclosing = row.blocks[:depth] if depth is not None else row.blocks
        parent = None
        for path, block in enclosing:
            if path not in clusters:
                clusters[path] = Cluster(f"c{len(clusters)}", path, block, parent)
            parent = clusters[path].id
        if key not in nodes:
            ids[key] = f"n{len(ids)}"
            folded = key != row.name
            block = row.blocks[depth][1] if folded and depth is not None else ""
            nodes[key] = {"name": key, "kind": BLOCK if folded else LAYER, "type": block or row.type, "cluster": parent}
        node = nodes[key]
        node["params"] = int(node.get("params", 0)) + row.params  # type: ignore[call-overload]
        if node["kind"] == BLOCK:
            node["layers"] = int(node.get("layers", 0)) + 1  # type: ignore[call-overload]

    inputs = {item.name: item.shape for item in report.inputs}
    edges: dict[tuple[str, str, int, Shape], None] = {}

    def source(ref: str) -> tuple[str, int, Shape]:
        name, index = split_ref(ref)
        if name in inputs and name not in rows:
            return ids[name], index, inputs[name]
        producer = rows[name]
        return ids[shown(producer)], index, producer.outputs[index]

    for row in report.rows:
        target = ids[shown(row)]
        for ref in row.inputs:
            start, index, shape = source(ref)
            if start != target:  # a tensor inside a folded block is not drawn
                edges[(start, target, index, shape)] = None
    outputs = [item.name for item in report.outputs] or ([report.rows[-1].name] if report.rows else [])
    for number, ref in enumerate(outputs):
        key = f"output {number}" if len(outputs) > 1 else "output"
        ids[f"\0{key}"] = f"n{len(ids)}"
        nodes[f"\0{key}"] = {"name": key, "kind": OUTPUT, "type": "Output"}
        start, index, shape = source(ref)
        edges[(start, ids[f"\0{key}"], index, shape)] = None

    made = tuple(
        Node(
            ids[key],
            printable(str(fields["name"])),
            str(fields["kind"]),
            printable(str(fields["type"])),
            int(fields.get("params", 0)),  # type: ignore[call-overload]
            int(fields.get("layers", 0)),  # type: ignore[call-overload]
            fields.get("cluster"),  # type: ignore[arg-type]
        )
        for key, fields in nodes.items()
    )
    title = printable(f"{report.name or 'model'} ({report.framework})")
    made_edges = tuple(Edge(s, t, shape, index) for s, t, index, shape in edges)
    return Drawing(title, made, made_edges, tuple(clusters.values()), depth)
