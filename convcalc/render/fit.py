"""Cells that give way to a width without cutting any of their words: a list of weights that shows
its first entries and `+N more`, a list of names or shapes that goes on several lines. `size`
measures text in terminal cells (len for one-cell text)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

Size = Callable[[str], int]


def counted(count: int, noun: str) -> str:
    """`1 weight`, `6 weights`."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def shortened(entries: Sequence[str], count: int) -> str:
    """The first `count` entries and how many more there are.

    >>> shortened(["kernel (5, 5, 1, 6)", "bias (6,)"], 1)
    'kernel (5, 5, 1, 6), +1 more'
    """
    return ", ".join(entries[:count]) + f", +{len(entries) - count} more"


def narrowest(entries: Sequence[str], size: Size = len) -> int:
    """The width first_fitting() needs to show one entry at least: all of them, or the first and
    `+N more`."""
    whole = size(", ".join(entries))
    return whole if len(entries) < 2 else min(whole, size(shortened(entries, 1)))


def first_fitting(entries: Sequence[str], width: int, size: Size = len, noun: str = "weight") -> str:
    """The entries joined by commas if they fit in `width`; else as many of the first as fit and
    `+N more`; else how many there are.

    >>> entries = ["kernel (5, 5, 1, 6)", "bias (6,)"]
    >>> first_fitting(entries, 30), first_fitting(entries, 29), first_fitting(entries, 20)
    ('kernel (5, 5, 1, 6), bias (6,)', 'kernel (5, 5, 1, 6), +1 more', '2 weights')
    """
    whole = ", ".join(entries)
    if size(whole) <= width:
        return whole
    shown = counted(len(entries), noun)
    for count in range(1, len(entries)):  # each entry more makes the text longer
        text = shortened(entries, count)
        if size(text) > width:
            break
        shown = text
    return shown


def flowed(items: Sequence[str], width: int, size: Size = len) -> tuple[str, ...]:
    """Items, each carrying its own separator, on as few lines as fit in `width`, a space between
    two on a line; an item wider than `width` has a line of its own.

    >>> flowed(["conv2d,", "dense,", "add"], 14)
    ('conv2d, dense,', 'add')
    >>> flowed([], 10)
    ('',)
    """
    lines: list[str] = []
    line = ""
    for item in items:
        joined = f"{line} {item}" if line else item
        if line and size(joined) > width:
            lines.append(line)
            line = item
        else:
            line = joined
    lines.append(line)
    return tuple(lines)


def listed(texts: Sequence[str], opening: str = "", closing: str = "") -> list[str]:
    """Texts as the items of a comma-separated list, for flowed().

    >>> listed(["a", "b"]), listed(["(None, 4)", "(None, 8)"], "[", "]")
    (['a,', 'b'], ['[(None, 4),', '(None, 8)]'])
    """
    if not texts:
        return []
    items = [f"{text}," for text in texts[:-1]] + [texts[-1] + closing]
    items[0] = opening + items[0]
    return items
