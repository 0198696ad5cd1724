"""The network as a self-contained SVG picture, laid out by convcalc itself (no Graphviz).

Each tensor's shape is a label of its own in the layered layout, in the band right under the
box that makes it: its edge runs into the label's top and out of its bottom (as Mermaid and
Graphviz set a label on its edge), and the edges to every layer that takes the tensor leave
from under it. Labels are items of the layout like the boxes, so they can overlap neither a
box nor each other, and no other edge crosses them.

Text is real `<text>` (selectable, searchable) in a monospace font the SVG declares, so a
box's width can be worked out from its characters; the browser tests measure that it holds.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from convcalc.render.drawing import BLOCK, INPUT, OUTPUT, Drawing, Node, drawing
from convcalc.render.layout import Box, Layout, layout
from convcalc.report import Report

FONT = 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, "Liberation Mono", monospace'
ADVANCE = 0.61  # a monospace character's advance in ems (DejaVu Sans Mono and Menlo 0.602, Consolas 0.55)
NAME_SIZE, CAPTION_SIZE, LABEL_SIZE, TITLE_SIZE = 12.0, 11.0, 11.0, 14.0
PAD_X, PAD_Y, LINE_GAP = 10.0, 7.0, 3.0
LABEL_PAD = 4.0  # room around a shape label's text, inside its background
TITLE_HEIGHT = 30.0
COLOURS = {INPUT: "#dbeafe", OUTPUT: "#dcfce7", BLOCK: "#fef3c7"}

STYLE = f"""
.convcalc-drawing {{ font-family: {FONT}; }}
.convcalc-drawing .title {{ font-size: {TITLE_SIZE:g}px; font-weight: bold; fill: #0f172a; }}
.convcalc-drawing .node rect {{ fill: #ffffff; stroke: #475569; stroke-width: 1; }}
.convcalc-drawing .node .name {{ font-size: {NAME_SIZE:g}px; font-weight: bold; fill: #0f172a; }}
.convcalc-drawing .node .caption {{ font-size: {CAPTION_SIZE:g}px; fill: #475569; }}
.convcalc-drawing .shape {{ font-size: {LABEL_SIZE:g}px; fill: #1e40af; }}
.convcalc-drawing .shape-box {{ fill: #ffffff; stroke: #cbd5e1; stroke-width: 0.8; }}
.convcalc-drawing .edge {{ fill: none; stroke: #64748b; stroke-width: 1.2; }}
"""


def text_width(text: str, size: float) -> float:
    """Width of `text` in the declared monospace font: wide (East Asian) characters take two cells.

    >>> text_width("conv2d", 10.0)
    36.6
    """
    cells = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return round(cells * size * ADVANCE, 2)


def escape(text: str) -> str:
    """Text for XML content and attributes.

    >>> escape('<a & "b">')
    '&lt;a &amp; &quot;b&quot;&gt;'
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def node_box(node: Node) -> Box:
    if node.kind in (INPUT, OUTPUT):
        width = text_width(node.name, NAME_SIZE) + 2 * PAD_X + 8
        return Box(width, NAME_SIZE + 2 * PAD_Y, width / 2, below=6.0)
    width = max(text_width(node.name, NAME_SIZE), text_width(node.caption, CAPTION_SIZE)) + 2 * PAD_X
    return Box(width, NAME_SIZE + LINE_GAP + CAPTION_SIZE + 2 * PAD_Y, width / 2, below=6.0)


def label_box(text: str) -> Box:
    width = text_width(text, LABEL_SIZE) + 2 * LABEL_PAD
    return Box(width, LABEL_SIZE + 2 * LABEL_PAD, width / 2, gap=14.0, below=20.0)


@dataclass(frozen=True)
class Scene:
    """The drawing as the layout sees it: nodes, then one label per tensor; edges join a node
    to its tensors' labels and each label to the nodes that take the tensor."""

    picture: Drawing
    labels: tuple[tuple[str, str], ...]  # (source node id, label text)
    edges: tuple[tuple[int, int], ...]
    places: Layout


def scene(picture: Drawing) -> Scene:
    index = {node.id: i for i, node in enumerate(picture.nodes)}
    labels: dict[tuple[str, str], int] = {}
    edges: list[tuple[int, int]] = []
    for edge in picture.edges:
        key = (edge.source, edge.label)
        if key not in labels:
            labels[key] = len(picture.nodes) + len(labels)
            edges.append((index[edge.source], labels[key]))
        edges.append((labels[key], index[edge.target]))
    boxes = [node_box(node) for node in picture.nodes] + [label_box(text) for _, text in labels]
    return Scene(picture, tuple(labels), tuple(edges), layout(boxes, edges))


def path_data(points: tuple[tuple[float, float], ...]) -> str:
    """Straight down inside a band, a smooth S-curve across each gap between bands (see Route).

    >>> path_data(((0, 0), (0, 5), (10, 25)))
    'M0.0,0.0V5.0C0.0,15.0 10.0,15.0 10.0,25.0'
    """
    (x0, y0), rest = points[0], points[1:]
    parts = [f"M{x0:.1f},{y0:.1f}"]
    previous = points[0]
    for i, (x, y) in enumerate(rest):
        if i % 2 == 0:
            parts.append(f"V{y:.1f}")
        else:
            middle = (previous[1] + y) / 2
            parts.append(f"C{previous[0]:.1f},{middle:.1f} {x:.1f},{middle:.1f} {x:.1f},{y:.1f}")
        previous = (x, y)
    return "".join(parts)


def render_svg(report: Report, depth: int | None = None, standalone: bool = True, prefix: str = "cc") -> str:
    """An SVG of the report's graph. `standalone` adds the XML declaration of an .svg file;
    `prefix` keeps element ids apart when several drawings share one page."""
    return svg(scene(drawing(report, depth)), standalone, prefix, f"{report.totals.params:,} params")


def svg(drawn: Scene, standalone: bool, prefix: str, subtitle: str) -> str:
    picture, places = drawn.picture, drawn.places
    width = max(places.width, text_width(f"{picture.title} · {subtitle}", TITLE_SIZE) + 24)
    height = places.height + TITLE_HEIGHT
    out = ['<?xml version="1.0" encoding="UTF-8"?>'] if standalone else []
    out += [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="convcalc-drawing" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="{escape(FONT)}" role="img" '
        f'aria-labelledby="{prefix}-title">',
        f'<title id="{prefix}-title">{escape(picture.title)}</title>',
        f"<style>{STYLE}</style>",
        f'<defs><marker id="{prefix}-arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0L8,4L0,8z" fill="#64748b"/></marker></defs>',
        f'<text class="title" x="12" y="21">{escape(picture.title)} · {escape(subtitle)}</text>',
        f'<g transform="translate(0,{TITLE_HEIGHT:g})">',
        '<g class="edges">',
    ]
    count = len(picture.nodes)
    ids = [f"{prefix}-{node.id}" for node in picture.nodes] + [f"{prefix}-l{i}" for i in range(len(drawn.labels))]
    for route in places.routes:
        arrow = route.target < count
        marker = f' marker-end="url(#{prefix}-arrow)"' if arrow else ""
        label = ids[route.source] if arrow else ids[route.target]
        out.append(
            f'<path class="edge" data-source="{ids[route.source]}" data-target="{ids[route.target]}" '
            f'data-label="{label}" d="{path_data(route.points)}"{marker}/>'
        )
    out += ["</g>", '<g class="shapes">']
    for number, (_, text) in enumerate(drawn.labels):
        box = places.boxes[count + number]
        out.append(
            f'<g class="shape-label"><rect class="shape-box" x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.1f}" '
            f'height="{box.height:.1f}" rx="3"/><text class="shape" id="{ids[count + number]}" x="{box.x + box.width / 2:.1f}" '
            f'y="{box.y + LABEL_PAD + LABEL_SIZE - 1.5:.1f}" text-anchor="middle">{escape(text)}</text></g>'
        )
    out += ["</g>", '<g class="nodes">']
    index = {node.id: i for i, node in enumerate(picture.nodes)}
    for node, box in zip(picture.nodes, places.boxes):
        out.append(node_svg(node, box.x, box.y, box.width, box.height, ids[index[node.id]]))
    out += ["</g>", "</g>", "</svg>"]
    return "\n".join(out) + "\n"


def node_svg(node: Node, x: float, y: float, width: float, height: float, element_id: str) -> str:
    fill = COLOURS.get(node.kind)
    style = f' style="fill: {fill}"' if fill else ""
    rounded = height / 2 if node.kind in (INPUT, OUTPUT) else 4
    parts = [
        f'<g class="node {node.kind}" id="{element_id}">',
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" rx="{rounded:.1f}"{style}/>',
        f'<text class="name" x="{x + width / 2:.1f}" y="{y + PAD_Y + NAME_SIZE - 2:.1f}" text-anchor="middle">'
        f"{escape(node.name)}</text>",
    ]
    if node.kind not in (INPUT, OUTPUT):
        baseline = y + PAD_Y + NAME_SIZE + LINE_GAP + CAPTION_SIZE - 1
        parts.append(
            f'<text class="caption" x="{x + width / 2:.1f}" y="{baseline:.1f}" text-anchor="middle">{escape(node.caption)}</text>'
        )
    if node.kind == BLOCK:  # a folded block: side bars, as flowcharts mark a subroutine
        parts.append(
            f'<path d="M{x + 5:.1f},{y:.1f}V{y + height:.1f}M{x + width - 5:.1f},{y:.1f}V{y + height:.1f}" '
            'stroke="#475569" fill="none"/>'
        )
    parts.append("</g>")
    return "".join(parts)
