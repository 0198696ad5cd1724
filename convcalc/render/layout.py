"""A layered (Sugiyama-style) layout of a directed acyclic graph of boxes: pure functions.

Four steps, each a function:
1. `ranks`: longest-path layering from the sources, so every edge points down.
2. `chains`: an edge spanning several ranks gets one thin dummy item per rank it crosses, so
   it can be routed around the boxes of those ranks.
3. `orders`: items ordered within each rank by barycentre sweeps (each item placed at the mean
   position of its neighbours in the rank above, then below), keeping the order with the
   fewest crossings.
4. `coordinates`: x positions by Brandes and Koepf's method: items aligned into vertical
   blocks with their median neighbours (long edges first), the blocks packed as tightly as
   the widths allow, four ways, and the median of the four taken.

Items of one rank share a horizontal band and never overlap; an edge crosses a band only
vertically, inside its own item (a dummy, or a box it starts or ends at). So no box overlaps
another and no edge crosses a box, by construction; only edges can cross edges.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

SWEEPS = 12  # barycentre sweeps (down and up each) for the ordering


@dataclass(frozen=True)
class Box:
    """What the layout needs of a node: its size, and where on it edges attach (`port`, the
    distance from its left side)."""

    width: float
    height: float
    port: float
    gap: float = 24.0  # room kept free on each side, between it and its neighbours
    below: float = 24.0  # room kept free under its rank, for the edges leaving it


@dataclass(frozen=True)
class Placed:
    """A box at its place: `x`, `y` are its top-left corner."""

    x: float
    y: float
    width: float
    height: float
    rank: int

    @property
    def bottom(self) -> float:
        return self.y + self.height


@dataclass(frozen=True)
class Route:
    """An edge as points: out of the source's bottom and down to the bottom of its band, then
    for each rank it crosses that band's top and bottom, and last the target's top. The odd
    steps (first, third...) run straight down inside a band; the even ones cross a gap."""

    source: int
    target: int
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Layout:
    boxes: tuple[Placed, ...]
    routes: tuple[Route, ...]
    width: float
    height: float


def ranks(count: int, edges: Sequence[tuple[int, int]]) -> list[int]:
    """Longest-path layering: sources at rank 0, every other node one below its lowest input.

    >>> ranks(4, [(0, 1), (1, 2), (0, 2), (2, 3)])
    [0, 1, 2, 3]
    """
    inputs: list[list[int]] = [[] for _ in range(count)]
    outputs: list[list[int]] = [[] for _ in range(count)]
    waiting = [0] * count
    for source, target in edges:
        inputs[target].append(source)
        outputs[source].append(target)
        waiting[target] += 1
    rank = [0] * count
    ready = [node for node in range(count) if not waiting[node]]
    while ready:
        node = ready.pop()
        for target in outputs[node]:
            rank[target] = max(rank[target], rank[node] + 1)
            waiting[target] -= 1
            if not waiting[target]:
                ready.append(target)
    if any(waiting):
        raise ValueError("the graph has a cycle")
    return rank


def chains(count: int, rank: list[int], edges: Sequence[tuple[int, int]]) -> tuple[list[list[int]], list[int]]:
    """Each edge as the items it passes, source first: dummies (numbered from `count`) in the
    ranks between. Returns the chains and the rank of every item, dummies included.

    >>> chains(2, [0, 3], [(0, 1)])
    ([[0, 2, 3, 1]], [0, 3, 1, 2])
    """
    item_rank = list(rank)
    result = []
    for source, target in edges:
        chain = [source]
        for between in range(rank[source] + 1, rank[target]):
            chain.append(len(item_rank))
            item_rank.append(between)
        chain.append(target)
        result.append(chain)
    return result, item_rank


def crossings(upper: dict[int, int], lower: dict[int, int], links: Sequence[tuple[int, int]]) -> int:
    """Pairs of links between two ranks that cross, given each item's position in its rank.

    >>> crossings({0: 0, 1: 1}, {2: 0, 3: 1}, [(0, 3), (1, 2)])
    1
    """
    ends = sorted((upper[a], lower[b]) for a, b in links)
    count = 0
    for i, (top, bottom) in enumerate(ends):
        for other_top, other_bottom in ends[i + 1 :]:
            if other_top > top and other_bottom < bottom:
                count += 1
    return count


def orders(item_rank: list[int], links: Sequence[tuple[int, int]]) -> list[list[int]]:
    """Items of each rank, left to right, by barycentre sweeps; the sweep with the fewest
    crossings wins. `links` join items in adjacent ranks; items start in index order."""
    levels: list[list[int]] = [[] for _ in range(max(item_rank, default=-1) + 1)]
    for item, level in enumerate(item_rank):
        levels[level].append(item)
    above: list[list[int]] = [[] for _ in item_rank]
    below: list[list[int]] = [[] for _ in item_rank]
    between: list[list[tuple[int, int]]] = [[] for _ in levels]
    for a, b in links:
        below[a].append(b)
        above[b].append(a)
        between[item_rank[a]].append((a, b))

    def total(current: list[list[int]]) -> int:
        position = {item: i for level in current for i, item in enumerate(level)}
        return sum(crossings(position, position, between[r]) for r in range(len(current) - 1))

    def sweep(current: list[list[int]], downward: bool) -> list[list[int]]:
        result = [list(level) for level in current]
        position = {item: i for level in result for i, item in enumerate(level)}
        steps = range(1, len(result)) if downward else range(len(result) - 2, -1, -1)
        for r in steps:
            neighbours = above if downward else below

            def key(item: int, neighbours: list[list[int]] = neighbours) -> float:
                near = neighbours[item]
                return sum(position[n] for n in near) / len(near) if near else position[item]

            result[r].sort(key=key)  # stable: ties keep their order
            position.update({item: i for i, item in enumerate(result[r])})
        return result

    best, best_count = levels, total(levels)
    current = levels
    for turn in range(SWEEPS * 2):
        if best_count == 0:
            break
        current = sweep(current, downward=turn % 2 == 0)
        count = total(current)
        if count < best_count:
            best, best_count = current, count
    return best


def isotonic(desired: Sequence[float], weights: Sequence[float], distances: Sequence[float]) -> list[float]:
    """Positions x closest to `desired` (least weighted squares) with x[i+1] - x[i] >= distances[i]:
    pool-adjacent-violators on x[i] - (sum of the distances before i).

    >>> isotonic([0, 0, 0], [1, 1, 1], [10, 10])
    [-10.0, 0.0, 10.0]
    >>> isotonic([0, 100], [1, 1], [10])
    [0.0, 100.0]
    """
    offsets = [0.0]
    for distance in distances:
        offsets.append(offsets[-1] + distance)
    pools: list[list[float]] = []  # [weighted sum, weight, count]
    for target, weight, offset in zip(desired, weights, offsets):
        pools.append([(target - offset) * weight, weight, 1])
        while len(pools) > 1 and pools[-2][0] / pools[-2][1] > pools[-1][0] / pools[-1][1]:
            last = pools.pop()
            for k in range(3):
                pools[-1][k] += last[k]
    result: list[float] = []
    for weighted, weight, count in pools:
        result += [weighted / weight] * int(count)
    return [value + offset for value, offset in zip(result, offsets)]


def conflicts(levels: list[list[int]], below: list[list[int]], dummies: frozenset[int]) -> set[tuple[int, int]]:
    """Links that cross a link between two dummies (Brandes and Koepf's type-1 conflicts): they
    give way in the alignment, so long edges stay straight."""
    position = {item: i for level in levels for i, item in enumerate(level)}
    marked: set[tuple[int, int]] = set()
    for level in levels[:-1]:
        links = [(a, b) for a in level for b in below[a]]
        inner = [(a, b) for a, b in links if a in dummies and b in dummies]
        for a, b in links:
            if (a, b) in inner:
                continue
            for c, d in inner:
                if (position[a] - position[c]) * (position[b] - position[d]) < 0:
                    marked.add((a, b))
                    break
    return marked


def aligned(
    levels: list[list[int]],
    items: Sequence[Box],
    above: list[list[int]],
    marked: set[tuple[int, int]],
    mirrored: bool,
) -> list[float]:
    """One of Brandes and Koepf's four placements (here: down and left to right; the caller
    flips the levels for the others). Each item joins the block of its median neighbour above
    when that keeps the blocks in order, every block is one vertical line, and the blocks are
    packed leftwards as tightly as the widths allow."""
    position = {item: i for level in levels for i, item in enumerate(level)}
    root = list(range(len(items)))
    align = list(range(len(items)))
    for level in levels[1:]:
        reached = -1
        for item in level:
            near = sorted(above[item], key=position.__getitem__)
            if not near:
                continue
            middle = (len(near) - 1) / 2
            for neighbour in dict.fromkeys((near[int(middle)], near[int(middle + 0.5)])):
                if align[item] != item:
                    break
                if (neighbour, item) in marked or (item, neighbour) in marked or position[neighbour] <= reached:
                    continue
                align[neighbour] = item
                root[item] = root[neighbour]
                align[item] = root[item]
                reached = position[neighbour]

    def port(item: int) -> float:
        box = items[item]
        return box.width - box.port if mirrored else box.port

    # pack: a block's x is the least its left neighbours in every rank allow (longest path)
    after: dict[int, list[tuple[int, float]]] = {}
    waiting = dict.fromkeys(set(root), 0)
    for level in levels:
        for left, right in pairwise(level):
            distance = items[left].width - port(left) + (items[left].gap + items[right].gap) / 2 + port(right)
            after.setdefault(root[left], []).append((root[right], distance))
            waiting[root[right]] += 1
    x = dict.fromkeys(waiting, 0.0)
    ready = [block for block, count in waiting.items() if not count]
    while ready:
        block = ready.pop()
        for other, distance in after.get(block, ()):
            x[other] = max(x[other], x[block] + distance)
            waiting[other] -= 1
            if not waiting[other]:
                ready.append(other)
    return [x[root[item]] for item in range(len(items))]


def coordinates(
    levels: list[list[int]], items: Sequence[Box], links: Sequence[tuple[int, int]], dummies: frozenset[int]
) -> list[float]:
    """The x of every item's port: the balanced placement of Brandes and Koepf (2001), the
    median of four aligned placements (down or up, packed to the left or right) after each is
    moved onto the narrowest; then `isotonic` in each rank, a safeguard that moves nothing in
    a legal placement."""
    above: list[list[int]] = [[] for _ in items]
    below: list[list[int]] = [[] for _ in items]
    for a, b in links:
        below[a].append(b)
        above[b].append(a)
    marked = conflicts(levels, below, dummies)
    placements = []
    for upward in (False, True):
        for mirrored in (False, True):
            ordered = [list(reversed(level)) if mirrored else level for level in levels]
            ordered = list(reversed(ordered)) if upward else ordered
            x = aligned(ordered, items, below if upward else above, marked, mirrored)
            placements.append(([-value for value in x] if mirrored else x, mirrored))

    def extent(x: list[float]) -> tuple[float, float]:
        return min(x[i] - items[i].port for i in range(len(items))), max(
            x[i] - items[i].port + items[i].width for i in range(len(items))
        )

    narrowest = min((extent(x) for x, _ in placements), key=lambda span: span[1] - span[0])
    shifted = []
    for x, mirrored in placements:
        low, high = extent(x)
        shift = narrowest[1] - high if mirrored else narrowest[0] - low
        shifted.append([value + shift for value in x])
    balanced = [(sorted(values)[1] + sorted(values)[2]) / 2 for values in zip(*shifted)]
    for level in levels:
        distances = [
            items[a].width - items[a].port + (items[a].gap + items[b].gap) / 2 + items[b].port for a, b in pairwise(level)
        ]
        for item, value in zip(level, isotonic([balanced[i] for i in level], [1.0] * len(level), distances)):
            balanced[item] = value
    return balanced


def layout(
    boxes: Sequence[Box],
    edges: Sequence[tuple[int, int]],
    dummy: Box = Box(0.0, 0.0, 0.0, 12.0, 0.0),
    margin: float = 12.0,
    spread: float = 12.0,
) -> Layout:
    """Boxes at their places and edges routed between them. The room under a rank is the most
    its boxes ask for (`Box.below`), and more where edges travel far sideways, so they never
    run flat. Edges into a box arrive side by side, `spread` apart, ordered as they come."""
    count = len(boxes)
    rank = ranks(count, edges)
    paths, item_rank = chains(count, rank, edges)
    items = list(boxes) + [dummy] * (len(item_rank) - count)
    links = [(a, b) for path in paths for a, b in pairwise(path)]
    levels = orders(item_rank, links)
    x = coordinates(levels, items, links, frozenset(range(count, len(item_rank))))

    left = min((x[i] - items[i].port for i in range(len(items))), default=0.0)
    x = [value - left + margin for value in x]
    heights = [max((items[i].height for i in level), default=0.0) for level in levels]
    below = [max((items[i].below for i in level), default=0.0) for level in levels]
    travel = [0.0] * len(levels)
    for a, b in links:
        travel[item_rank[a]] = max(travel[item_rank[a]], abs(x[a] - x[b]))
    tops = []
    y = margin
    for r in range(len(levels)):
        tops.append(y)
        y += heights[r] + (below[r] + min(48.0, 0.08 * travel[r]) if r < len(levels) - 1 else 0.0)
    placed = tuple(Placed(x[i] - boxes[i].port, tops[rank[i]], boxes[i].width, boxes[i].height, rank[i]) for i in range(count))

    entries = arrivals(paths, x, placed, spread)
    routes = []
    for path, end in zip(paths, entries):
        source, target = placed[path[0]], placed[path[-1]]
        band_bottom = tops[source.rank] + heights[source.rank]
        points = [(x[path[0]], source.bottom), (x[path[0]], band_bottom)]
        for item in path[1:-1]:
            r = item_rank[item]
            points += [(x[item], tops[r]), (x[item], tops[r] + heights[r])]
        points.append((end, target.y))
        routes.append(Route(path[0], path[-1], tuple(points)))
    width = max((p.x + p.width for p in placed), default=0.0)
    width = max([width] + [x[i] for i in range(count, len(items))]) + margin
    return Layout(placed, tuple(routes), width, y + margin)


def arrivals(paths: list[list[int]], x: list[float], placed: tuple[Placed, ...], spread: float) -> list[float]:
    """Where each edge enters its target: several edges into one box arrive side by side,
    centred on its port and ordered by where they come from, so they do not cross there."""
    into: dict[int, list[int]] = {}
    for number, path in enumerate(paths):
        into.setdefault(path[-1], []).append(number)
    ends = [x[path[-1]] for path in paths]
    for target, numbers in into.items():
        if len(numbers) < 2:
            continue
        numbers.sort(key=lambda n: x[paths[n][-2]])
        room = min(spread, (placed[target].width - 8.0) / (len(numbers) - 1))
        first = x[target] - room * (len(numbers) - 1) / 2
        for k, number in enumerate(numbers):
            ends[number] = first + k * room
    return ends
