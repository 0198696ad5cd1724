"""Generated stacks of tensor operations (convcalc's own stand-ins for torch functions and
keras.ops calls), grown on the real framework as generate.py grows its stacks: each family
draws its operations for the shape the framework produced, and every fifth stack is meant to be
impossible (a permute that repeats a dim, a view whose sizes do not divide, sections that do not
add up, key heads that do not divide the query's, an axis out of range...).

Merges take extra graph inputs (`y`, `k`, `v`, `m`): their shapes are drawn to fit, or not.
"""

from __future__ import annotations

from math import prod
from typing import Any

Gen = Any  # generate.Gen: this module only calls its methods


def sizes(g: Gen, rank: int, low: int = 1, high: int = 6) -> tuple[int, ...]:
    return tuple(g.int(low, high) for _ in range(rank))


def with_ones(g: Gen, rank: int) -> tuple[int, ...]:
    """A shape where some sizes are 1, for squeezes and expands."""
    return tuple(1 if g.chance(0.4) else g.int(2, 5) for _ in range(rank))


def some_axes(g: Gen, rank: int, count: int) -> list[int]:
    """`count` distinct axes of a `rank`-D tensor, each written from the front or the back."""
    chosen = g.rng.sample(range(rank), min(count, rank))
    return [a - rank if g.chance(0.3) else a for a in chosen]


def target(g: Gen, total: int) -> list[int]:
    """Sizes that multiply to `total`, in one to four parts, one of them maybe -1."""
    parts: list[int] = []
    rest = total
    for _ in range(g.int(0, 3)):
        d = g.pick([d for d in range(1, rest + 1) if rest % d == 0])
        parts.append(d)
        rest //= d
    parts.append(rest)
    g.rng.shuffle(parts)
    if g.chance(0.4):
        parts[g.int(0, len(parts) - 1)] = -1
    return parts


# --- PyTorch (the batch of 2 is dim 0 of every input)


def t_permute(g: Gen) -> bool:
    rank = len(g.shape)
    bad = g.bad_choice(["repeat", "length", "range"] if rank > 1 else ["length", "range"])
    if g.chance(0.4) and not bad:
        first, second = some_axes(g, rank, 2) if rank > 1 else (0, -1)
        return g.add("Transpose", first, second)
    order = [a - rank if g.chance(0.2) else a for a in g.rng.sample(range(rank), rank)]
    if bad == "repeat":
        order[1] = order[0]
    elif bad == "length":
        order = order[:-1] if rank > 1 else [*order, 1]
    elif bad == "range":
        order[g.int(0, rank - 1)] = rank + g.int(0, 1)
    return g.add("Permute", *order) if g.chance(0.6) else g.add("Permute", tuple(order))


def torch_permute(g: Gen) -> None:
    g.start(sizes(g, g.int(1, 4)))
    for _ in range(g.int(1, 3)):
        if g.alive:
            t_permute(g)


def t_view(g: Gen) -> bool:
    shape = g.shape
    total = prod(shape)
    kind = g.pick(["Reshape", "View", "Flatten"])
    if kind == "View" and not g.session.x.is_contiguous():
        kind = "Reshape"  # torch refuses to view a permuted tensor; convcalc does not track strides
    bad = g.bad_choice(["divide", "two", "zero", "flatten"])
    if kind == "Flatten" and bad not in ("", "flatten"):
        kind = "Reshape"
    if bad == "flatten":  # start after end, or a dim out of range
        rank = len(shape)
        return g.add("Flatten", rank - 1, 0) if rank > 1 else g.add("Flatten", rank)
    if kind == "Flatten" and not bad:
        rank = len(shape)
        start, end = sorted(g.rng.sample(range(rank), 2)) if rank > 1 else (0, 0)
        return g.add("Flatten", start, end)
    sizes_ = target(g, total)
    if bad == "divide":  # sizes whose product cannot be the input's
        sizes_ = [total + 1] if g.chance(0.5) else [-1, total + 1]
    elif bad == "two":
        sizes_ += [-1, -1]
    elif bad == "zero":
        sizes_.append(0)
    if g.chance(0.5):
        return g.add(kind, *sizes_)
    return g.add(kind, tuple(sizes_))


def torch_view(g: Gen) -> None:
    g.start(sizes(g, g.int(1, 4)))
    for _ in range(g.int(1, 3)):
        if not g.alive:
            return
        if g.chance(0.3) and not g.bad:
            t_permute(g)
        else:
            t_view(g)


def t_unit(g: Gen) -> bool:
    shape = g.shape
    rank = len(shape)
    kind = g.pick(["Squeeze", "Squeeze", "Unsqueeze", "Expand", "Expand"])
    bad = g.bad_choice({"Squeeze": ["range"], "Unsqueeze": ["range"], "Expand": ["size", "lead", "fewer"]}[kind])
    if kind == "Squeeze":
        if g.chance(0.3) and not bad:
            return g.add("Squeeze")
        dims = some_axes(g, rank, g.int(1, 2))
        if bad:
            dims[0] = rank + g.int(0, 2)
        return g.add("Squeeze", dims[0] if len(dims) == 1 else tuple(dims))
    if kind == "Unsqueeze":
        dim = g.int(-rank - 1, rank)
        if bad:
            dim = rank + 1 + g.int(0, 2)
        return g.add("Unsqueeze", dim)
    wanted: list[int] = [g.int(2, 4) if n == 1 and g.chance(0.7) else (-1 if g.chance(0.5) else n) for n in shape]
    lead = [g.int(1, 3) for _ in range(g.int(0, 2))]
    if bad == "size":
        grown = [i for i, n in enumerate(shape) if n != 1]
        if grown:
            wanted[grown[0]] = shape[grown[0]] + 1
        else:
            lead = [-1]
    elif bad == "lead":
        lead = [-1]
    elif bad == "fewer":
        wanted = wanted[1:]
        lead = []
    return g.add("Expand", *lead, *wanted) if g.chance(0.5) else g.add("Expand", (*lead, *wanted))


def torch_unit(g: Gen) -> None:
    g.start(with_ones(g, g.int(1, 4)))
    for _ in range(g.int(1, 3)):
        if g.alive:
            t_unit(g)


def t_reduce(g: Gen) -> bool:
    rank = len(g.shape)
    kind = g.pick(["Mean", "Sum", "Amax", "Amin", "Norm"])
    bad = g.bad_choice(["twice", "range"])
    kwargs: dict[str, Any] = {"keepdim": True} if g.chance(0.4) else {}
    if kind == "Norm":  # the order first; 'fro' over more than 2 dims and 'nuc' are matrix norms (2 dims)
        kwargs["p"] = g.pick([2, 1, 0.5, "fro", "fro", "nuc"])
    choice = g.pick(["one", "one", "several", "all"])
    if choice == "all" and not bad:
        dim: Any = g.pick([None, ()]) if kind in ("Mean", "Sum", "Norm") else ()
        if kind == "Norm":
            return g.add(kind, dim=dim, **kwargs)
        return g.add(kind, dim, **kwargs) if dim is not None or kwargs else g.add(kind)
    dims = some_axes(g, rank, g.int(1, rank) if choice == "several" else 1)
    if bad == "twice":
        dims.append(dims[0] + rank if dims[0] < 0 else dims[0])
    elif bad == "range":
        dims[0] = rank + g.int(0, 1)
    value = dims[0] if len(dims) == 1 and g.chance(0.6) else tuple(dims)
    if kind == "Norm":
        return g.add(kind, kwargs.pop("p"), value, **kwargs) if g.chance(0.7) else g.add(kind, dim=value, **kwargs)
    return g.add(kind, value, **kwargs) if g.chance(0.7) else g.add(kind, dim=value, **kwargs)


def torch_reduce(g: Gen) -> None:
    g.start(sizes(g, g.int(1, 4), 2, 6))
    for _ in range(g.int(1, 2)):
        if g.alive and len(g.shape) > 0:
            t_reduce(g)


def torch_extremum(g: Gen) -> None:
    """torch.max and torch.min over a dim (the values, and the indices read as `l0[1]`) or over
    every dim (a 0-d tensor); refused: a dim out of range, a tuple of dims, keepdim without a dim."""
    g.start(sizes(g, g.int(1, 3), 1, 6))
    kind = g.pick(["Max", "Min"])
    bad = g.bad_choice(["range", "tuple", "keepdim"])
    rank = len(g.shape)
    if bad == "keepdim" or (not bad and g.chance(0.2)):
        g.add(kind, keepdim=True) if bad else g.add(kind)
        return
    dim = rank + g.int(0, 1) if bad == "range" else some_axes(g, rank, 1)[0]
    value: Any = (dim,) if bad == "tuple" else dim
    kwargs: dict[str, Any] = {"keepdim": True} if g.chance(0.4) else {}
    g.add(kind, value, **kwargs) if g.chance(0.6) else g.add(kind, dim=value, **kwargs)
    if g.alive and g.chance(0.5):
        g.add("Neg", inputs=("l0[1]",))


def t_split(g: Gen) -> bool:
    shape = g.shape
    rank = len(shape)
    dim = some_axes(g, rank, 1)[0]
    size = shape[dim]
    bad = g.bad_choice(["sum", "zero", "range"])
    if bad == "range":
        return g.add(g.pick(["Chunk", "Split"]), 2, rank + g.int(0, 1))
    if g.chance(0.5):
        chunks = 0 if bad == "zero" else g.int(1, size + 2)
        return g.add("Chunk", chunks, dim) if g.chance(0.7) else g.add("Chunk", chunks, dim=dim)
    if g.chance(0.5) and not bad:
        return g.add("Split", g.int(1, size + 1), dim)
    parts = []
    rest = size
    while rest:
        n = g.int(1, rest)
        parts.append(n)
        rest -= n
    if bad == "sum":
        parts[-1] += 1
    elif bad == "zero":
        parts.append(0)
    return g.add("Split", parts if g.chance(0.5) else tuple(parts), dim)


def torch_split(g: Gen) -> None:
    g.start(sizes(g, g.int(1, 3), 1, 9))
    t_split(g)
    if g.alive and g.chance(0.5):
        t_permute(g) if g.chance(0.5) else t_reduce(g)


def operands(g: Gen, bad: str) -> tuple[tuple[int, ...], tuple[int, ...], int]:
    """Two matmul operands without their batch axis, (..., rows, inner) and (..., inner,
    columns), whose leading sizes broadcast (1s here and there), and the inner size; `bad`
    breaks the inner sizes or the leading ones."""
    inner, rows, columns = g.int(1, 5), g.int(1, 5), g.int(1, 5)
    lead = list(sizes(g, g.int(0, 2), 2, 3))
    other = [1 if g.chance(0.3) else n for n in lead]
    if g.chance(0.3):
        lead, other = other, lead
    if bad == "batch":
        lead, other = [*lead, 2], [*other, 3]
    first = (*lead, rows, inner)
    second = (*other, inner + (1 if bad == "inner" else 0), columns)
    return first, second, inner


def matmul_family(g: Gen) -> None:
    """x @ y; or a vector (x summed over its batch axis) times y, or y times it."""
    bad = g.bad_choice(["inner", "batch"])
    first, second, inner = operands(g, bad)
    vector = g.pick(["", "", "first", "second"]) if not bad else ""
    if vector:
        g.start((inner,), y=second if vector == "first" else first)
        g.add("Sum", 0)
        g.add("Matmul", inputs=(-1, "y") if vector == "first" else ("y", -1))
    else:
        g.start(first, y=second)
        g.add("Matmul", inputs=(-1, "y"))
    if g.framework == "pytorch" and g.alive and g.chance(0.4):
        t_permute(g)


def torch_attention(g: Gen) -> None:
    """query x, key k, value v (and a mask m): (batch, [heads,] length, features)."""
    heads_k = g.int(1, 3)
    group = g.int(1, 3)
    heads_q = heads_k * group
    length, source, features, value_features = g.int(1, 6), g.int(1, 6), g.pick([4, 8]), g.pick([4, 6, 8])
    with_heads = g.chance(0.8)
    gqa = with_heads and group > 1 and g.chance(0.7)
    bad = g.bad_choice(["heads", "features", "source", "causal_mask", "mask"])
    if bad == "causal_mask":
        # torch's math kernel (and its docs) refuse a mask with is_causal=True; its CPU flash kernel,
        # which it picks when q, k and v are 4-D with equal batch, heads and widths, lets it pass
        value_features = features + 2
    if with_heads and not gqa and not bad:
        heads_k = heads_q if g.chance(0.7) else 1  # equal heads, or one broadcast to all
    if bad == "heads" and with_heads:
        heads_k, gqa = heads_q + 1, g.chance(0.5)
    q = (heads_q, length, features) if with_heads else (length, features)
    k = (heads_k, source, features + (1 if bad == "features" else 0)) if with_heads else (source, features)
    v = (heads_k, source + (1 if bad == "source" else 0), value_features) if with_heads else (source, value_features)
    mask: tuple[int, ...] | None = None
    if g.chance(0.3) or bad in ("causal_mask", "mask"):
        mask = (*q[:-2], length, source)
        if g.chance(0.5) and with_heads:
            mask = (1, length, source)
        if bad == "mask":
            mask = (*mask[:-1], source + 1)
    kwargs: dict[str, Any] = {}
    if gqa:
        kwargs["enable_gqa"] = True
    if (mask is None and g.chance(0.4)) or bad == "causal_mask":
        kwargs["is_causal"] = True
    if g.chance(0.2):
        kwargs["dropout_p"] = g.pick([0.0, 0.1, 0.5])
    if g.chance(0.2):
        kwargs["scale"] = 0.125
    extras = {"k": k, "v": v, **({"m": mask} if mask is not None else {})}
    g.start(q, **extras)
    g.add("ScaledDotProductAttention", inputs=(-1, "k", "v", *(("m",) if mask is not None else ())), **kwargs)
    if g.alive and g.chance(0.3):
        g.add("Transpose", 1, 2) if len(g.shape) > 3 else t_permute(g)


def torch_interpolate(g: Gen) -> None:
    rank = g.pick([1, 2, 2, 3])
    g.start((g.int(1, 4), *sizes(g, rank, 2, 9)))
    modes = {
        1: ["nearest", "linear", "area", "nearest-exact"],
        2: ["nearest", "bilinear", "bicubic", "area"],
        3: ["nearest", "trilinear", "area"],
    }
    mode = g.pick(modes[rank])
    bad = g.bad_choice(["lanczos", "antialias", "both", "align", "length"])
    kwargs: dict[str, Any] = {}
    if mode != "nearest" or g.chance(0.3):
        kwargs["mode"] = mode
    spatial = g.shape[2:]
    if g.chance(0.5):
        kwargs["size"] = tuple(g.int(1, 2 * n) for n in spatial) if rank > 1 or g.chance(0.5) else g.int(1, 2 * spatial[0])
    else:
        kwargs["scale_factor"] = g.pick([0.5, 1.5, 2, 3, 0.7, 2.2])
        if g.chance(0.3):
            kwargs["recompute_scale_factor"] = True
    if rank == 2 and mode in ("bilinear", "bicubic") and g.chance(0.4):
        kwargs["antialias"] = True
    if mode in ("linear", "bilinear", "bicubic", "trilinear") and g.chance(0.3):
        kwargs["align_corners"] = g.pick([True, False])
    if bad == "lanczos":
        kwargs["mode"] = "lanczos"
        kwargs.pop("antialias", None)
        kwargs.pop("align_corners", None)
    elif bad == "antialias":
        kwargs["antialias"] = True
        kwargs["mode"] = "nearest" if rank == 2 else g.pick(modes[rank])
        kwargs.pop("align_corners", None)
    elif bad == "both":
        kwargs.update(size=4, scale_factor=2)
        kwargs.pop("recompute_scale_factor", None)
    elif bad == "align":
        kwargs.update(mode="nearest", align_corners=False)
        kwargs.pop("antialias", None)
    elif bad == "length":
        kwargs.pop("scale_factor", None)
        kwargs.pop("recompute_scale_factor", None)
        kwargs["size"] = (4,) * (rank + 1)
    g.add("Interpolate", **kwargs)


def torch_pad(g: Gen) -> None:
    rank = g.int(1, 4)
    g.start(sizes(g, rank, 2, 7))
    n = rank + 1
    mode = g.pick(["constant", "constant", "reflect", "replicate", "circular"])
    bad = g.bad_choice(["odd", "too_big", "value", "rank"])
    pairs = g.int(1, min(3, n - 1)) if mode != "constant" else g.int(1, n)
    if mode != "constant" and n not in (pairs + 1, pairs + 2):
        pairs = n - 1
    if mode != "constant" and not 1 <= pairs <= 3:
        mode, pairs = "constant", g.int(1, n)
    shape = g.shape
    pads: list[int] = []
    for i in range(pairs):
        length = shape[n - 1 - i]
        if mode in ("reflect", "circular"):
            pads += [g.int(0, length - 1), g.int(0, length - 1)]
        else:
            pads += [g.int(-1 if length > 2 else 0, 3), g.int(0, 3)]
    kwargs: dict[str, Any] = {}
    if mode != "constant" or g.chance(0.3):
        kwargs["mode"] = mode
    if mode == "constant" and g.chance(0.3):
        kwargs["value"] = 1.5
    if bad == "odd":
        pads.append(1)
    elif bad == "too_big":
        if mode in ("reflect", "circular"):
            pads[0] = 2 * shape[-1] + 1
        else:
            pads[0] = -shape[-1] - 1
    elif bad == "value":
        kwargs.update(mode=g.pick(["reflect", "replicate"]), value=2.0)
        pads = [1, 1] if n in (2, 3) else ([1, 1, 1, 1] if n in (3, 4) else [1, 1, 1, 1, 1, 1])
    elif bad == "rank":
        kwargs["mode"] = g.pick(["reflect", "replicate", "circular"])
        pads = [1] * (2 * (n + 1)) if n >= 3 else [1] * 8
        kwargs.pop("value", None)
    g.add("Pad", tuple(pads), **kwargs)


def torch_arithmetic(g: Gen) -> None:
    shape = sizes(g, g.int(1, 3))
    kind = g.pick(["Add", "Multiply", "Subtract", "Divide", "Pow", "NotEqual"])
    bad = g.bad_choice(["broadcast", "two_and_number"])
    if g.chance(0.5) and not bad:
        g.start(shape)
        number = g.pick([3, 0.5, -1, 2.5])
        if g.chance(0.5):
            g.add(kind, number)
        else:
            g.add(kind, **{"exponent" if kind == "Pow" else "other": number})  # torch.pow names its number so
        return
    other = tuple(1 if g.chance(0.4) else n for n in shape)  # the batch of 2 leads both
    if bad == "broadcast":
        other = (*other[:-1], shape[-1] + 1)
    g.start(shape, y=other)
    kwargs: dict[str, Any] = {}
    if kind == "Divide" and g.chance(0.3):
        kwargs["rounding_mode"] = g.pick(["trunc", "floor"])
    if kind in ("Add", "Subtract") and g.chance(0.3):
        kwargs["alpha"] = 2
    if bad == "two_and_number":
        g.add(kind, 3, inputs=(-1, "y"))
    else:
        g.add(kind, inputs=(-1, "y") if g.chance(0.7) else ("y", -1), **kwargs)


def torch_repeat(g: Gen) -> None:
    """x.repeat (a repeat per dim, maybe more in front), torch.tile (fewer dims padded with ones,
    more add dims) and torch.repeat_interleave (along a dim, or of the flattened tensor)."""
    g.start(sizes(g, g.int(1, 3), 1, 5))
    for _ in range(g.int(1, 2)):
        if not g.alive:
            return
        rank = len(g.shape)
        kind = g.pick(["Repeat", "Tile", "RepeatInterleave"])
        bad = g.bad_choice(
            {"Repeat": ["fewer", "negative"], "Tile": ["negative"], "RepeatInterleave": ["range", "negative", "size"]}[kind]
        )
        if kind == "RepeatInterleave":
            count = -g.int(1, 2) if bad == "negative" else g.int(1, 3)
            if g.chance(0.2) and not bad and prod(g.shape) * count <= 4096:
                g.add(kind, count)  # the flattened tensor
                continue
            dim = rank + g.int(0, 1) if bad == "range" else g.int(-rank, rank - 1)
            if bad == "size" or g.chance(0.3):
                size = g.shape[dim] * count + (1 if bad == "size" else 0)
                g.add(kind, count, dim=dim, output_size=size)
            else:
                g.add(kind, count, dim) if g.chance(0.5) else g.add(kind, repeats=count, dim=dim)
            continue
        length = rank + g.int(0, 1) if kind == "Repeat" else g.int(0, rank + 1)
        repeats = [g.int(1, 3) if g.chance(0.5) else 1 for _ in range(length)]
        if bad == "fewer":
            repeats = repeats[: rank - 1]
        elif bad == "negative":
            repeats = [*repeats, -1] if kind == "Tile" or not repeats else [*repeats[:-1], -1]
        g.add(kind, *repeats) if repeats and g.chance(0.5) else g.add(kind, tuple(repeats))


def torch_roll(g: Gen) -> None:
    """torch.roll along some dims (a shift each), or of the flattened tensor (one shift, no dims)."""
    g.start(sizes(g, g.int(1, 3), 1, 7))
    rank = len(g.shape)
    bad = g.bad_choice(["align", "none", "range", "empty"])
    count = g.int(1, rank)
    dims = some_axes(g, rank, count)
    shifts = [g.int(-9, 9) for _ in dims]
    if bad == "align":
        shifts.append(1)
    elif bad == "none":
        g.add("Roll", (1, 2))  # two shifts and no dims
        return
    elif bad == "range":
        dims[0] = rank + g.int(0, 1)
    elif bad == "empty":
        g.add("Roll", (), dims[0])
        return
    if not bad and g.chance(0.25):
        g.add("Roll", shifts[0])  # the flattened tensor
    elif len(dims) == 1 and len(shifts) == 1 and g.chance(0.5):
        g.add("Roll", shifts[0], dims[0])
    else:
        g.add("Roll", tuple(shifts), tuple(dims)) if g.chance(0.7) else g.add("Roll", shifts=tuple(shifts), dims=tuple(dims))
    if g.alive and g.chance(0.4):
        t_slice(g)


def t_slice(g: Gen) -> bool:
    """One slice of one dim: bounds from either end or past them, a step of 1 to 3."""
    shape = g.shape
    rank = len(shape)
    dim = some_axes(g, rank, 1)[0]
    size = shape[dim]
    bad = g.bad_choice(["step", "range", "empty"])
    start: int | None = g.pick([None, 0, g.int(0, size - 1), -g.int(1, size), size + 2])
    end: int | None = g.pick([None, None, g.int(1, size), -g.int(1, size), size + 3])
    step = g.pick([1, 1, 2, 3])
    if len(range(*slice(start, end, step).indices(size))) == 0 and not bad:
        start, end = None, None
    if bad == "step":
        step = g.pick([0, -1])
    elif bad == "range":
        dim = rank + g.int(0, 1)
    elif bad == "empty":
        start, end = size - 1, 0
    if start is None and end is None and step == 1 and not bad and g.chance(0.5):
        return g.add("Slice", dim)
    if g.chance(0.5):
        return g.add("Slice", dim, start, end, step)
    return g.add("Slice", dim=dim, start=start, end=end, step=step)


def torch_slice(g: Gen) -> None:
    g.start(sizes(g, g.int(1, 3), 1, 8))
    for _ in range(g.int(1, 3)):
        if g.alive:
            t_slice(g)


def torch_index(g: Gen) -> None:
    """x[index]: the index (an extra input, of integers) picks rows of dim 0 of x, or along a
    later dim after whole slices (`x[:, index]`, dim=1); a view after the gather, sometimes
    impossible, sizes what came out."""
    table = sizes(g, g.int(1, 2), 1, 6)  # a spec's inputs have a size besides the batch
    index = sizes(g, g.int(1, 2), 1, 5)
    g.start(table, i=index)
    dim = g.int(1, len(table)) if g.chance(0.4) else 0
    g.add("Index", inputs=(-1, "i"), **({"dim": dim} if dim else {}))
    if g.alive and (g.bad or g.chance(0.3)):
        total = prod(n for n in g.shape if n is not None)
        g.add("Reshape", total + 1 if g.bad else -1)


def torch_gather(g: Gen) -> None:
    """torch.gather(x, dim, index): the index (an extra input, of integers) as many dims as x, no
    size larger but along dim, the output its shape; another rank or a larger size is refused."""
    table = sizes(g, g.int(1, 3), 1, 6)
    dim = g.int(-len(table) - 1, len(table))  # the batch leads: dims -rank-1 .. rank
    axis = dim % (len(table) + 1)
    bad = g.bad_choice(["rank", "larger", "dim"])
    index = [g.int(1, 7) if i + 1 == axis else g.int(1, n) for i, n in enumerate(table)]
    if bad == "rank":
        index = index[:-1] if len(index) > 1 else [*index, 2]
    elif bad == "larger" and any(i + 1 != axis for i in range(len(table))):
        other = next(i for i in range(len(table)) if i + 1 != axis)
        index[other] = table[other] + 1
    elif bad:
        dim = len(table) + 1
    g.start(table, i=tuple(index))
    g.add("Gather", dim, inputs=(-1, "i"))


def torch_unary(g: Gen) -> None:
    """Neg, Cos, Sin, Exp, Sqrt, Rsqrt and FullLike keep the shape; a slice after one makes some
    stacks impossible."""
    g.start(sizes(g, g.int(1, 3)))
    for _ in range(g.int(1, 3)):
        if g.chance(0.25):  # torch.full_like(x, value): the input's shape, its batch too
            g.add("FullLike", g.pick([0, 1, 0.5, True]))
        else:
            g.add(g.pick(["Neg", "Cos", "Sin", "Exp", "Sqrt", "Rsqrt"]))
    if g.bad or g.chance(0.3):
        t_slice(g)


LETTERS = "abcdefghijABCDEFGHIJ"


def torch_einsum(g: Gen) -> None:
    """torch.einsum of the stack's input and an extra one: shared and summed indices, written
    with or without spaces and `->`, or an ellipsis; refused: a size that does not broadcast, a
    subscript too few, an output letter no operand names, one named twice."""
    rank = g.int(2, 4)  # the batch and rank - 1 sizes
    letters = g.rng.sample(LETTERS, rank + 2)
    first = letters[:rank]
    second = [first[0], *g.rng.sample(letters[1:], rank - 1)]  # the batch is shared
    sizes_of = {letter: g.pick([1, 2, 3, 4]) for letter in letters}
    sizes_of[first[0]] = 2
    bad = g.bad_choice(["size", "count", "unknown", "twice"])
    left = [sizes_of[c] for c in first[1:]]
    right = [sizes_of[c] for c in second[1:]]
    shared = [c for c in second[1:] if c in first]
    if bad == "size" and shared:
        right[second.index(shared[0]) - 1] = sizes_of[shared[0]] + 5
    if bad == "count":
        right.append(2)
    g.start(tuple(left), k=tuple(right))
    counts = {c: (first + second).count(c) for c in first + second}
    outputs = [first[0], *(c for c in dict.fromkeys(first[1:] + second[1:]) if counts[c] == 1 or g.chance(0.3))]
    if bad == "unknown":
        outputs.append(next(c for c in LETTERS if c not in first + second))
    elif bad == "twice":
        outputs.append(outputs[0])
    space = " " if g.chance(0.3) else ""
    terms = [space.join(first), space.join(second)]
    if g.chance(0.2) and not bad:
        terms = ["..." + "".join(first[1:]), "..." + "".join(second[1:])]
        outputs = ["...", *outputs[1:]]
    equation = f"{terms[0]},{space}{terms[1]}"
    if bad or g.chance(0.8) or "..." in terms[0]:
        equation += f"{space}->{space}{space.join(outputs)}"
    g.add("Einsum", equation, inputs=(-1, "k"))


def torch_bounded(g: Gen) -> None:
    """torch.clamp with a bound or two (none: refused), F.normalize and torch.cumsum along a dim
    (out of range: refused)."""
    g.start(sizes(g, g.int(1, 3)))
    bad = g.bad_choice(["unbounded", "dim"])
    for _ in range(g.int(1, 3)):
        if g.chance(0.5):
            low, high = g.pick([(None, 2.0), (-1.0, None), (-0.5, 0.5), (0, 3)])
            if bad == "unbounded":
                low, high = None, None
            g.add("Clamp", low, high) if g.chance(0.4) else g.add("Clamp", min=low, max=high)
        elif g.chance(0.5):
            dim = len(g.shape) + g.int(0, 1) if bad == "dim" else some_axes(g, len(g.shape), 1)[0]
            p, eps = g.pick([2.0, 1.0, 3]), g.pick([1e-12, 1e-6])
            g.add("Normalize", dim=dim) if g.chance(0.5) else g.add("Normalize", p, dim, eps)
        else:
            dim = len(g.shape) + g.int(0, 1) if bad == "dim" else some_axes(g, len(g.shape), 1)[0]
            g.add("Cumsum", dim) if g.chance(0.7) else g.add("Cumsum", dim=dim, dtype="float64")
        if not g.alive:
            return


def torch_unfold(g: Gen) -> None:
    """x.unfold(dimension, size, step), once or twice (HaloNet's blocks: along H, then W); a
    reshape after it sometimes; refused: a window longer than the dim, a step of 0, a dim out
    of range."""
    g.start(sizes(g, g.int(1, 3), 1, 7))
    bad = g.bad_choice(["size", "step", "dim"])
    for _ in range(g.int(1, 2)):
        if not g.alive:
            return
        rank = len(g.shape)
        dim = rank + g.int(0, 1) if bad == "dim" else some_axes(g, rank, 1)[0]
        length = g.shape[dim] if bad != "dim" and g.shape[dim] is not None else 2
        size = length + 1 if bad == "size" else g.int(1, length)
        step = 0 if bad == "step" else g.int(1, 3)
        g.add("TensorUnfold", dim, size, step) if g.chance(0.6) else g.add("TensorUnfold", dimension=dim, size=size, step=step)
    if g.alive and g.chance(0.3):
        g.add("Reshape", -1)


def torch_given(g: Gen) -> None:
    """F.conv1d/2d/3d (`Convolution`) and F.batch_norm of the batch's statistics (`BatchNorm`)
    on weights given as inputs: each weight the first sample of an extra input (`Select(0, 0)`,
    as a spec's inputs lead with the batch); refused: channels the weight does not take, groups
    that do not divide, a bias or norm weight of the wrong size, a kernel larger than the
    padded input, training=False (no running statistics)."""
    if g.chance(0.3):
        channels, length = g.int(1, 5), g.int(1, 6)
        bad = g.bad_choice(["eval", "weight"])
        g.start((channels, length), w=(channels + (1 if bad == "weight" else 0),))
        g.add("Select", 0, 0, inputs=("w",))
        kwargs: dict[str, Any] = {"momentum": g.pick([0.0, 0.1])} | ({"eps": 1e-6} if g.chance(0.5) else {})
        training = bad != "eval"
        given = ("x", "l0") if g.chance(0.7) else ("x",)
        g.add("BatchNorm", training, **kwargs, inputs=given) if g.chance(0.5) else g.add(
            "BatchNorm", training=training, **kwargs, inputs=given
        )
        return
    rank = g.int(1, 3)
    groups = g.pick([1, 1, 2])
    bad = g.bad_choice(["channels", "groups", "bias", "kernel"])
    spatial = [g.int(3, 7) for _ in range(rank)]
    per_group = g.int(1, 3)
    out = groups * g.int(1, 3) + (1 if bad == "groups" and groups > 1 else 0)
    if bad == "groups" and groups == 1:
        groups, out = 2, 3
    kernel = [g.int(1, 3) for _ in range(rank)]
    padding = g.pick([0, 1, "same", "valid"])
    stride = 1 if padding == "same" else g.pick([1, 2])
    if bad == "kernel":
        padding, kernel = 0, [n + 1 for n in spatial]
    channels = per_group * groups + (1 if bad == "channels" else 0)
    bias = out + (1 if bad == "bias" else 0)
    g.start((channels, *spatial), w=(out, per_group, *kernel), b=(bias,))
    g.add("Select", 0, 0, inputs=("w",))
    g.add("Select", 0, 0, inputs=("b",))
    kwargs = {"stride": stride, "padding": padding, "groups": groups} if g.chance(0.7) else {}
    if not kwargs and (groups > 1 or bad == "kernel"):
        kwargs = {"groups": groups}
    given = ("x", "l0", "l1") if g.chance(0.6) or bad == "bias" else ("x", "l0")
    g.add("Convolution", **kwargs, inputs=given)


# --- Keras (the batch axis is None, axis 0 of keras.ops)


def keras_reduce(g: Gen) -> None:
    g.start(sizes(g, g.int(1, 3), 2, 6))
    for _ in range(g.int(1, 2)):
        shape = g.shape
        if not g.alive or not shape:
            return
        rank = len(shape)
        kind = g.pick(["Mean", "Sum", "Max", "Min"])
        bad = g.bad_choice(["twice", "range"])
        kwargs: dict[str, Any] = {"keepdims": True} if g.chance(0.4) else {}
        choice = g.pick(["one", "one", "several", "all", "none"])
        if choice in ("all", "none") and not bad:
            g.add(kind, None if choice == "all" else (), **kwargs)
            continue
        axes = some_axes(g, rank, g.int(1, rank) if choice == "several" else 1)
        if rank > 1 and 0 in [a % rank for a in axes] and g.chance(0.7):
            axes = [a for a in axes if a % rank != 0] or [rank - 1]  # mostly keep the batch axis
        if bad == "twice":
            axes.append(axes[0])
        elif bad == "range":
            axes[0] = rank + g.int(0, 1)
        g.add(kind, axes[0] if len(axes) == 1 and g.chance(0.6) else tuple(axes), **kwargs)


def keras_transpose(g: Gen) -> None:
    g.start(sizes(g, g.int(1, 4)))
    for _ in range(g.int(1, 2)):
        if not g.alive:
            return
        rank = len(g.shape)
        bad = g.bad_choice(["repeat", "length", "range"] if rank > 1 else ["length", "range"])
        if g.chance(0.3) and not bad and rank > 1:
            order = list(range(1, rank))
            g.rng.shuffle(order)
            g.add("Permute", tuple(order))
            continue
        if g.chance(0.15) and not bad:
            g.add("Transpose")
            continue
        order = [0, *g.rng.sample(range(1, rank), rank - 1)] if g.chance(0.8) else g.rng.sample(range(rank), rank)
        order = [a - rank if g.chance(0.2) else a for a in order]
        if bad == "repeat":
            order[1] = order[0]
        elif bad == "length":
            order = order[:-1]
        elif bad == "range":
            order[-1] = rank
        g.add("Transpose", tuple(order))


def keras_unit(g: Gen) -> None:
    g.start(with_ones(g, g.int(1, 4)))
    for _ in range(g.int(1, 2)):
        if not g.alive:
            return
        shape = g.shape
        rank = len(shape)
        ones = [i for i, n in enumerate(shape) if n == 1]
        bad = g.bad_choice(["not_one", "range"])
        if g.chance(0.5) or (not ones and not bad):
            axes: Any = g.int(-rank - 1, rank) if g.chance(0.7) else tuple(sorted(g.rng.sample(range(rank + 2), 2)))
            if bad == "range":
                axes = rank + 1 + g.int(0, 1)
            g.add("ExpandDims", axes)
        elif bad == "not_one":
            g.add("Squeeze", g.pick([i for i, n in enumerate(shape) if n != 1]))
        elif bad == "range":
            g.add("Squeeze", rank + g.int(0, 1))
        elif g.chance(0.3):
            g.add("Squeeze")
        else:
            chosen = g.rng.sample(ones, g.int(1, len(ones)))
            g.add("Squeeze", chosen[0] if len(chosen) == 1 else tuple(chosen))


def keras_arithmetic(g: Gen) -> None:
    shape = sizes(g, g.int(1, 3))
    kind = g.pick(["Add", "Subtract", "Multiply", "TrueDivide"])
    bad = g.bad_choice(["broadcast"])
    if g.chance(0.5) and not bad:
        g.start(shape)
        number = g.pick([3.0, 0.5, -1, 1 / 6])
        g.add(kind, number) if g.chance(0.6) else g.add(kind, other=number)
        return
    other = tuple(1 if g.chance(0.4) else n for n in shape)
    if bad:
        other = (*other[:-1], shape[-1] + 1)
    g.start(shape, y=other)
    g.add(kind, inputs=(-1, "y") if g.chance(0.7) else ("y", -1))


TORCH = {
    "permute": (torch_permute, 40),
    "view": (torch_view, 40),
    "unit_axes": (torch_unit, 40),
    "reduce": (torch_reduce, 40),
    "split": (torch_split, 40),
    "matmul": (matmul_family, 40),
    "attention": (torch_attention, 50),
    "interpolate": (torch_interpolate, 40),
    "pad": (torch_pad, 40),
    "arithmetic": (torch_arithmetic, 40),
    "roll": (torch_roll, 40),
    "repeat": (torch_repeat, 40),
    "slice": (torch_slice, 40),
    "index": (torch_index, 30),
    "gather": (torch_gather, 30),
    "unary": (torch_unary, 20),
    "bounded": (torch_bounded, 30),
    "einsum": (torch_einsum, 40),
    "given": (torch_given, 40),
    "tensor_unfold": (torch_unfold, 30),
    "extremum": (torch_extremum, 30),
}
KERAS = {
    "ops_reduce": (keras_reduce, 40),
    "ops_transpose": (keras_transpose, 40),
    "ops_unit_axes": (keras_unit, 40),
    "ops_matmul": (matmul_family, 40),
    "ops_arithmetic": (keras_arithmetic, 40),
}
