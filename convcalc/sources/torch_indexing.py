"""`x[...]` in a traced forward as convcalc rows: each integer a `Select`, each slice that is
not whole a `Slice`, each None (a new axis, before any Ellipsis) an `Unsqueeze`, in order,
dims counted from the front before an Ellipsis and from the back after it (torchvision's
`x[..., 0::2, 1::2, :]` is `Slice(-3, 0, None, 2)` then `Slice(-2, 1, None, 2)`;
`x[:, :H, :W, :]` is `Slice(1, None, H)` then `Slice(2, None, W)`)."""

from __future__ import annotations

Step = tuple[str, tuple[object, ...]]


def steps(index: tuple[object, ...]) -> list[Step]:
    """The rows an index tuple of ints, slices, Nones and one Ellipsis takes apart into (each
    element a literal already); ValueError for anything else (a tensor, a second Ellipsis, a None
    after the Ellipsis, where counting from the back would need the axes it adds).

    >>> steps((slice(None), 0))
    [('Select', (1, 0))]
    >>> steps((Ellipsis, slice(0, None, 2), slice(1, None, 2), slice(None)))
    [('Slice', (-3, 0, None, 2)), ('Slice', (-2, 1, None, 2))]
    >>> steps((0, slice(None, 5)))
    [('Select', (0, 0)), ('Slice', (0, None, 5))]
    >>> steps((slice(None), slice(None), None, slice(None), None))  # MViT-V2's rel_h_q[:, :, None, :, None]
    [('Unsqueeze', (2,)), ('Unsqueeze', (4,))]
    """
    if sum(item is Ellipsis for item in index) > 1:
        raise ValueError("two Ellipses")
    found: list[Step] = []
    dim = 0
    after = index.index(Ellipsis) + 1 if Ellipsis in index else len(index) + 1
    for position, item in enumerate(index):
        if item is Ellipsis:
            continue
        at = dim if position < after else position - len(index)  # from the back after the Ellipsis
        if item is None and position < after:
            found.append(("Unsqueeze", (at,)))
            dim += 1  # the new axis is the next one's place
            continue
        if isinstance(item, bool) or not isinstance(item, int | slice):
            raise ValueError(f"an index of type {type(item).__name__}")
        if isinstance(item, int):
            found.append(("Select", (at, item)))
            continue  # the dim is gone: the next one takes its number
        dim += 1
        if item == slice(None):
            continue
        step = 1 if item.step is None else item.step
        found.append(("Slice", (at, item.start, item.stop, step) if step != 1 else (at, item.start, item.stop)))
    return found
