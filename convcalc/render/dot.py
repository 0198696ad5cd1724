"""The network in Graphviz's DOT language, for people who have Graphviz (`dot -Tsvg`).

Blocks become clusters (`subgraph cluster_...`), edges carry the tensor's shape as a label.
"""

from __future__ import annotations

from convcalc.render.drawing import BLOCK, INPUT, OUTPUT, Cluster, Drawing, Node, drawing, members
from convcalc.report import Report

FONT = "monospace"


def string(text: str) -> str:
    r"""A DOT double-quoted string: backslashes and quotes escaped, so `\n` or `\l` written in
    a name stays text instead of becoming a line break.

    >>> string('a "b" \\n')
    '"a \\"b\\" \\\\n"'
    """
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def node_line(node: Node) -> str:
    if node.kind in (INPUT, OUTPUT):
        fill = "#dbeafe" if node.kind == INPUT else "#dcfce7"
        return f'{node.id} [label={string(node.name)}, shape=box, style="rounded,filled", fillcolor="{fill}"];'
    label = string(node.name)[:-1] + "\\n" + string(node.caption)[1:]
    style = '"filled,bold"' if node.kind == BLOCK else "filled"
    return f'{node.id} [label={label}, style={style}, fillcolor="#f8fafc"];'


def render_dot(report: Report, depth: int | None = None) -> str:
    """DOT text of the report's graph, blocks nested deeper than `depth` folded."""
    return digraph(drawing(report, depth))


def digraph(picture: Drawing) -> str:
    lines = [
        f"// {picture.title}, drawn by convcalc",
        "digraph convcalc {",
        f"  graph [rankdir=TB, fontname={string(FONT)}, fontsize=11, label={string(picture.title)}, labelloc=t];",
        f'  node [shape=box, fontname={string(FONT)}, fontsize=10, color="#475569"];',
        f'  edge [fontname={string(FONT)}, fontsize=9, color="#64748b"];',
    ]
    children = members(picture)

    def emit(parent: str | None, indent: str) -> None:
        for child in children.get(parent, []):
            if isinstance(child, Cluster):
                lines.append(f"{indent}subgraph cluster_{child.id} {{")
                lines.append(f'{indent}  label={string(child.label)}; style="rounded,dashed"; color="#94a3b8";')
                emit(child.id, indent + "  ")
                lines.append(f"{indent}}}")
            else:
                lines.append(indent + node_line(child))

    emit(None, "  ")
    lines += [f"  {edge.source} -> {edge.target} [label={string(' ' + edge.label)}];" for edge in picture.edges]
    lines.append("}")
    return "\n".join(lines) + "\n"
