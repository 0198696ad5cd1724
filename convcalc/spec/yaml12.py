"""YAML 1.2's core schema, as people write numbers today: `1e-3` and `1E5` are floats, `010` is
ten, and only `true`/`false` are booleans (YAML 1.2.2, section 10.3.2). PyYAML implements YAML
1.1, where `1e-3` is a string, `010` is octal, `1:30` is ninety and `yes`/`no`/`on`/`off` are
booleans: a spec read that way says something other than what its author (and an editor's YAML
language server, which reads 1.2) sees.

`RESOLVERS` are the implicit resolvers a loader class takes in place of PyYAML's; `scalar()`
turns a plain scalar of a core tag into its value by the same rules.
"""

from __future__ import annotations

import re

NULL_TAG, BOOL_TAG = "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool"
INT_TAG, FLOAT_TAG = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"

_INT = re.compile(r"(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)\Z")
_FLOAT = re.compile(r"(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\Z")

RESOLVERS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    # (tag, pattern, the characters a matching text can start with; "" for the empty text)
    (NULL_TAG, re.compile(r"(?:~|null|Null|NULL|)\Z"), "~nN"),
    (BOOL_TAG, re.compile(r"(?:true|True|TRUE|false|False|FALSE)\Z"), "tTfF"),
    (INT_TAG, _INT, "-+0123456789"),  # before float: 10 matches both
    (FLOAT_TAG, _FLOAT, "-+.0123456789"),
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
        if _INT.match(text) is None:
            raise ValueError(f"{text!r} is not an integer")
        if text[:2] in ("0o", "0x"):
            return int(text[2:], 8 if text[1] == "o" else 16)
        return int(text, 10)
    if tag == FLOAT_TAG:
        if _FLOAT.match(text) is None:
            raise ValueError(f"{text!r} is not a number")
        if text.lstrip("+-").lower() in (".inf", ".nan"):
            return float(text.replace(".", "").lower())  # float("-inf"), float("nan")
        return float(text)
    if tag == BOOL_TAG:
        if text not in ("true", "True", "TRUE", "false", "False", "FALSE"):
            raise ValueError(f"{text!r} is not true or false")
        return text[0] in "tT"
    if tag == NULL_TAG:
        return None
    raise ValueError(f"{tag} is not a core schema tag")
