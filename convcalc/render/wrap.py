"""Lines broken at a width the way rich's console breaks them, for the terminal table's title,
totals and notes. Only for text of one-cell characters (the terminal table hands anything else to
rich itself).

rich's rules, as observed (tests/test_table_rich.py checks them against rich on generated text):
a word is a run of non-spaces with the spaces around it; a word goes on the current line if the
line has room for it without its trailing spaces, else it starts a new line; a word longer than a
whole line is cut every `width` characters; a line keeps its trailing spaces up to the width.
"""

from __future__ import annotations

import itertools
import re

_WORD = re.compile(r"\s*\S+\s*")
_TRAILING_SPACES = re.compile(r"\s+$")


def line_starts(text: str, width: int) -> list[int]:
    """Where each line after the first starts in `text`.

    >>> line_starts("Total params: 61,706 (241.04 KB)", 16)
    [14, 29]
    >>> line_starts("abcdefghij", 4)
    [4, 8]
    """
    starts: list[int] = []
    column = 0
    for word in _WORD.finditer(text):
        start, chars = word.start(), word.group()
        size = len(chars.rstrip())
        if width - column >= size:
            column += len(chars)
        elif size > width:  # longer than a line: cut into lines of `width`, the rest carries on
            pieces = [chars[i : i + width] for i in range(0, len(chars), width)]
            for piece in pieces[:-1]:
                if start:
                    starts.append(start)
                start += len(piece)
            if start:
                starts.append(start)
            column = len(pieces[-1])
        elif column and start:
            starts.append(start)
            column = len(chars)
    return starts


def wrapped(text: str, width: int) -> list[tuple[int, str]]:
    """`text` as lines no wider than `width`, each with where it starts in `text`.

    >>> wrapped("Total params: 61,706 (241.04 KB)", 16)
    [(0, 'Total params: '), (14, '61,706 (241.04 '), (29, 'KB)')]
    """
    bounds = [0, *line_starts(text, width), len(text)]
    lines = []
    for start, end in itertools.pairwise(bounds):
        line = text[start:end]
        if len(line) > width:  # spaces past the width go; a line keeps those that fit
            spaces = _TRAILING_SPACES.search(line)
            if spaces:
                line = line[: len(line) - min(len(spaces.group()), len(line) - width)]
        lines.append((start, line[:width]))
    return lines
