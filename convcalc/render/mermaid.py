"""The network as a Mermaid flowchart: GitHub, GitLab and most Markdown viewers draw it.

Mermaid refuses a diagram longer than `maxTextSize` (50,000 characters by default) or with
more than `maxEdges` links (500), and a diagram cannot raise either: both are "secure" keys
that only the page embedding Mermaid may set. So a network too large is folded, block level by
block level, until it fits, and the text says so in a comment.
"""

from __future__ import annotations

from dataclasses import dataclass

from convcalc.render.drawing import BLOCK, INPUT, OUTPUT, Cluster, Drawing, Node, drawing, max_depth, members
from convcalc.report import Report

MAX_TEXT_SIZE = 50_000  # mermaid's defaultConfig maxTextSize, compared with the text's JavaScript length
MAX_EDGES = 500  # mermaid's defaultConfig maxEdges: the flowchart database refuses the 501st link

# Mermaid turns `#name;` into the entity `&name;`: the way to write characters its grammar reserves.
_ESCAPES = str.maketrans({"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "&": "#amp;", "`": "#96;"})


@dataclass(frozen=True)
class Mermaid:
    """The flowchart text, the depth it was drawn at, and why it was folded ("" when it was not)."""

    text: str
    depth: int | None
    note: str = ""


def quoted(text: str) -> str:
    """A label in Mermaid's quotes, its reserved characters written as entities.

    >>> quoted('a "b" <c>')
    '"a #quot;b#quot; #lt;c#gt;"'
    """
    return '"' + text.translate(_ESCAPES) + '"'


def node_line(node: Node) -> str:
    """`n3["name<br>Type · 1,792 params"]`: inputs and outputs are stadiums, folded blocks
    subroutines (a box with side bars), layers rectangles."""
    if node.kind in (INPUT, OUTPUT):
        return f"{node.id}([{quoted(node.name)}])"
    label = quoted(node.name)[:-1] + "<br>" + quoted(node.caption)[1:]
    return f"{node.id}[[{label}]]" if node.kind == BLOCK else f"{node.id}[{label}]"


def flowchart(picture: Drawing) -> str:
    """Mermaid text for a drawing: nodes nested in their block subgraphs, then the edges."""
    lines = ["flowchart TD"]
    children = members(picture)

    def emit(parent: str | None, indent: str) -> None:
        for child in children.get(parent, []):
            if isinstance(child, Cluster):
                lines.append(f"{indent}subgraph {child.id} [{quoted(child.label)}]")
                emit(child.id, indent + "  ")
                lines.append(f"{indent}end")
            else:
                lines.append(indent + node_line(child))

    emit(None, "  ")
    lines += [f"  {edge.source} -->|{quoted(edge.label)}| {edge.target}" for edge in picture.edges]
    return "\n".join(lines) + "\n"


def js_length(text: str) -> int:
    """The length JavaScript's `text.length` gives: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def render_mermaid(report: Report, depth: int | None = None) -> Mermaid:
    """The deepest drawing within Mermaid's limits, from `depth` (None: every layer) down to 0;
    when even depth 0 is too large it is returned with a note saying Mermaid will refuse it."""
    deepest = max_depth(report)
    start = deepest if depth is None or depth > deepest else depth
    for level in range(start, -1, -1):
        picture = drawing(report, None if level == deepest else level)
        body = flowchart(picture)
        if len(picture.edges) <= MAX_EDGES and js_length(body) + 200 <= MAX_TEXT_SIZE:
            break
    size, edges = js_length(body), len(picture.edges)
    shown = len(picture.nodes)
    header = f"%% {picture.title}: {shown} nodes, {edges} edges, drawn by convcalc\n"
    note = ""
    if len(picture.edges) > MAX_EDGES or size + 200 > MAX_TEXT_SIZE:
        note = (
            f"even with every block folded the diagram has {edges} edges and {size:,} characters, more than Mermaid "
            f"draws by default ({MAX_EDGES} edges, {MAX_TEXT_SIZE:,} characters); use --format svg"
        )
    elif level != start:
        note = (
            f"folded to --depth {level} to stay within Mermaid's limits "
            f"({MAX_EDGES} edges, {MAX_TEXT_SIZE:,} characters); --format svg draws every layer"
        )
    if note:
        header += f"%% {note}\n"
    return Mermaid(header + body, picture.depth, note)
