"""A spec given as Python data, the dict a YAML spec reads as (`convcalc.summarize({...})`).

The data is turned into the nodes PyYAML composes, so the one Reader checks it exactly as it
checks a file. Data has no lines and columns: each node's place is its key path instead
(`layers[2].filters`), and every error points there:

>>> from convcalc.engine import run
>>> from convcalc.errors import SpecError
>>> try:
...     run(load_data({"input": [28, 28, 1], "layers": ["Conv2D(32, 3)", {"type": "Dense", "unit": 10}]}))
... except SpecError as exc:
...     print(exc)
layers[1].unit: CC103 layer dense (Dense): Dense takes no argument 'unit' (did you mean 'units'?)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

from convcalc.errors import Diagnostic, Location, SpecError, short
from convcalc.spec.model import MAX_DEPTH, MAX_NODES, Spec
from convcalc.spec.reader import Reader, too_deep
from convcalc.spec.yaml12 import BOOL_TAG, FLOAT_TAG, INT_TAG, NULL_TAG

STR_TAG, SEQ_TAG, MAP_TAG = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
ROOT = "spec"
"""How an error about the spec as a whole names its place."""


def load_data(data: Mapping[str, Any], name: str = "<dict>", problems: list[Diagnostic] | None = None) -> Spec:
    """Read a spec given as a dict (`name` is its path in the Spec); `problems` as for
    loading.load_text."""
    if not isinstance(data, Mapping):
        raise SpecError.at(Location(ROOT), "CC003", f"a spec is a mapping of keys to values, found {short(data)}")
    return _DataReader(name, problems).spec(_Nodes().node(data, ROOT, 0))


class _DataReader(Reader):
    """The Reader, with each node's place its key path."""

    def at(self, node: Any) -> Location:
        return Location(node.start_mark.name)


class _Nodes:
    """Python data as PyYAML nodes, each marked with its key path."""

    def __init__(self) -> None:
        import yaml

        self.yaml = yaml
        self.count = 0

    def node(self, value: object, path: str, depth: int) -> Any:
        yaml = self.yaml
        self.count += 1
        if depth > MAX_DEPTH:
            raise too_deep(Location(path))
        if self.count > MAX_NODES:
            raise SpecError.at(Location(path), "CC003", f"the spec has more than {MAX_NODES:,} values")
        mark = _mark(yaml, path)
        if isinstance(value, Mapping):
            pairs = []
            for key, item in value.items():
                if not isinstance(key, str | int | float | bool) or key is None:
                    raise SpecError.at(Location(path), "CC003", f"a key must be a plain word, found {short(key)}")
                where = f"{path}.{key}" if path != ROOT else str(key)
                pairs.append((yaml.ScalarNode(STR_TAG, str(key), _mark(yaml, where), None), self.node(item, where, depth + 1)))
            return yaml.MappingNode(MAP_TAG, pairs, mark, None)
        if isinstance(value, list | tuple):
            items = [self.node(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value)]
            return yaml.SequenceNode(SEQ_TAG, items, mark, None)
        tag, text = _scalar(value, path)
        return yaml.ScalarNode(tag, text, mark, None)


def _mark(yaml: Any, path: str) -> Any:
    """A mark that names a place by its key path (line and column -1: Reader.at reads 0, none)."""
    return yaml.Mark(path, 0, -1, -1, None, None)


def _scalar(value: object, path: str) -> tuple[str, str]:
    """A scalar's tag and its text as YAML 1.2 writes it (spec/yaml12.py reads it back)."""
    if value is None:
        return NULL_TAG, "null"
    if isinstance(value, bool):
        return BOOL_TAG, "true" if value else "false"
    if isinstance(value, str):
        return STR_TAG, value
    if isinstance(value, numbers.Integral):  # numpy's integers too
        return INT_TAG, str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            return FLOAT_TAG, ".nan"
        if math.isinf(number):
            return FLOAT_TAG, ".inf" if number > 0 else "-.inf"
        return FLOAT_TAG, repr(number)
    raise SpecError.at(
        Location(path), "CC003", f"a spec holds numbers, text, lists and dicts, found {type(value).__name__} {short(value)}"
    )
