"""YAML 1.2's core schema, as people write numbers today: `1e-3` and `1E5` are floats, `010` is
ten, and only `true`/`false` are booleans (YAML 1.2.2, section 10.3.2). PyYAML implements YAML
1.1, where `1e-3` is a string, `010` is octal, `1:30` is ninety and `yes`/`no`/`on`/`off` are
booleans: a spec read that way says something other than what its author (and an editor's YAML
language server, which reads 1.2) sees.

`RESOLVERS` are the implicit resolvers a loader class takes in place of PyYAML's; `scalar()`
turns a plain scalar of a core tag into its value by the same rules.
"""

from __future__ import annotations

from collections.abc import Callable

NULL_TAG, BOOL_TAG = "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool"
INT_TAG, FLOAT_TAG = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"

# The core schema's regular expressions (YAML 1.2.2, section 10.3.2), matched by hand: compiling
# them was a third of a millisecond of every start-up (issue 12). tests/test_yaml12.py checks
# each test below against the regular expression it stands for.
NULLS = frozenset(("~", "null", "Null", "NULL", ""))  # ~ | null | Null | NULL | (empty)
BOOLS = frozenset(("true", "True", "TRUE", "false", "False", "FALSE"))
WORDS = NULLS | BOOLS
WORD_STARTS = frozenset("~nNtTfF")
"""The first characters of the core schema's words (null, true...), with which no number starts."""
INFINITIES = frozenset((".inf", ".Inf", ".INF"))
NANS = frozenset((".nan", ".NaN", ".NAN"))
DECIMAL, OCTAL, HEXADECIMAL = "0123456789", "01234567", "0123456789abcdefABCDEF"


def _only(text: str, characters: str) -> bool:
    """`[characters]+`: at least one character, all of them among `characters`."""
    return text != "" and not text.strip(characters)


def _unsigned(text: str) -> str:
    """The text after an optional sign (`[-+]?`)."""
    return text[1:] if text[:1] in ("-", "+") else text


def is_int(text: str) -> bool:
    """`[-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+`

    >>> [is_int(t) for t in ("010", "-3", "0o17", "0x1F", "+0x1F", "1e3", "0o")]
    [True, True, True, True, False, False, False]
    """
    if text[:2] == "0o" and _only(text[2:], OCTAL):
        return True
    if text[:2] == "0x" and _only(text[2:], HEXADECIMAL):
        return True
    return _only(_unsigned(text), DECIMAL)


def is_float(text: str) -> bool:
    r"""`[-+]?(\.[0-9]+ | [0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? | [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN)`

    >>> [is_float(t) for t in ("1e-3", "1.", ".5", "-.inf", ".NaN", "1e", ".", "+.nan", "1.0.0")]
    [True, True, True, True, True, False, False, False, False]
    """
    if text in NANS:
        return True
    unsigned = _unsigned(text)
    if unsigned in INFINITIES:
        return True
    mantissa, exponent_mark, exponent = unsigned.replace("E", "e").partition("e")
    if exponent_mark and not _only(_unsigned(exponent), DECIMAL):
        return False
    whole, point, fraction = mantissa.partition(".")
    if not point:
        return _only(whole, DECIMAL)
    if whole == "":
        return _only(fraction, DECIMAL)
    return _only(whole, DECIMAL) and (fraction == "" or _only(fraction, DECIMAL))


class Pattern:
    """What PyYAML's resolver takes for a regular expression: `match(text)` says whether the
    whole text is one of the tag's."""

    __slots__ = ("match",)

    def __init__(self, match: Callable[[str], bool]) -> None:
        self.match = match


RESOLVERS: tuple[tuple[str, Pattern, str], ...] = (
    # (tag, pattern, the characters a matching text can start with; "" for the empty text)
    (NULL_TAG, Pattern(NULLS.__contains__), "~nN"),
    (BOOL_TAG, Pattern(BOOLS.__contains__), "tTfF"),
    (INT_TAG, Pattern(is_int), "-+0123456789"),  # before float: 10 matches both
    (FLOAT_TAG, Pattern(is_float), "-+.0123456789"),
)


def install(loader: type) -> None:
    """Give `loader` (a PyYAML loader class) the core schema's implicit resolvers instead of its own."""
    loader.yaml_implicit_resolvers = {}  # type: ignore[attr-defined]
    for tag, pattern, first in RESOLVERS:
        loader.add_implicit_resolver(tag, pattern, [*first, *([""] if tag == NULL_TAG else [])])  # type: ignore[attr-defined]


def scalar(tag: str, text: str) -> object:
    """The value of a scalar of one of the core tags; ValueError when the text is not one.

    >>> scalar(FLOAT_TAG, "1e-3"), scalar(INT_TAG, "010"), scalar(INT_TAG, "0x1F"), scalar(FLOAT_TAG, "-.inf")
    (0.001, 10, 31, -inf)
    """
    if tag == INT_TAG:
        if not is_int(text):
            raise ValueError(f"{text!r} is not an integer")
        if text[:2] in ("0o", "0x"):
            return int(text[2:], 8 if text[1] == "o" else 16)
        return int(text, 10)
    if tag == FLOAT_TAG:
        if not is_float(text):
            raise ValueError(f"{text!r} is not a number")
        if text.lstrip("+-").lower() in (".inf", ".nan"):
            return float(text.replace(".", "").lower())  # float("-inf"), float("nan")
        return float(text)
    if tag == BOOL_TAG:
        if text not in BOOLS:
            raise ValueError(f"{text!r} is not true or false")
        return text[0] in "tT"
    if tag == NULL_TAG:
        return None
    raise ValueError(f"{tag} is not a core schema tag")
