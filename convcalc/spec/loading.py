"""Hardened YAML loading: a spec's bytes into PyYAML's composed nodes (which carry every line and
column), refusing what is not a spec fast and in bounded memory (huge files, binary data, alias
bombs, deep nesting) with a located message."""

from __future__ import annotations

from typing import Any

from convcalc.errors import Location, SpecError
from convcalc.spec.model import MAX_BYTES, MAX_NODES, Spec
from convcalc.spec.reader import Reader


def load_text(text: str, path: str) -> Spec:
    """Parse YAML text into a Spec, or raise SpecError pointing at the problem."""
    import yaml

    loader = _loader_class()
    fast = False  # libyaml's parser: yaml._yaml.CParser, under every C loader (there is no yaml.CParser)
    if getattr(yaml, "__with_libyaml__", False):
        from yaml._yaml import CParser

        fast = issubclass(loader, CParser)
    # The pure-Python scanner is quadratic in flow depth; libyaml stops at 1000 levels with a
    # message of its own: either way the same message. Depth needs as many openers, counted in C.
    if text.count("[") + text.count("{") > 1000 and _bracket_depth(text) > 1000:
        raise SpecError.at(Location(path), "CC002", "malformed YAML: it nests too deeply")
    try:
        root = yaml.compose(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(path, mark.line + 1, mark.column + 1) if mark else Location(path)
        raise SpecError.at(where, "CC002", f"malformed YAML: {exc.problem or exc.context}") from None
    except yaml.reader.ReaderError as exc:  # a control character: no mark, an offset (in bytes for libyaml)
        offset = len(text.encode()[: exc.position].decode(errors="ignore")) if fast else exc.position
        line_start = text.rfind("\n", 0, offset) + 1
        where = Location(path, text.count("\n", 0, offset) + 1, offset - line_start + 1)
        raise SpecError.at(where, "CC002", f"malformed YAML: the character {chr(exc.character)!r} is not allowed") from None
    except yaml.YAMLError as exc:
        raise SpecError.at(Location(path), "CC002", "malformed YAML: " + " ".join(str(exc).split())) from None
    except (RecursionError, MemoryError):  # the pure-Python composer recurses; libyaml stops at depth 1000
        raise SpecError.at(Location(path), "CC002", "malformed YAML: it nests too deeply") from None
    if root is None:
        raise SpecError.at(Location(path, 1, 1), "CC001", "the spec is empty", hint="it needs at least `input:` and `layers:`")
    if "*" in text:  # aliases exist only where `*` is written: only then can the node graph share or loop
        _check_aliases(root, path)
    return Reader(path).spec(root)


def _bracket_depth(text: str) -> int:
    """The deepest nesting of [ and { (quoted ones counted too: an upper bound)."""
    import re

    depth = deepest = 0
    for match in re.finditer(r"[\[{]+|[\]}]+", text):
        run = len(match.group())
        depth = depth + run if match.group()[0] in "[{" else max(0, depth - run)
        deepest = max(deepest, depth)
    return deepest


_LOADER: Any = None


def _loader_class() -> Any:
    """PyYAML's C loader where present (its composer is C; the pure-Python one is 10x slower),
    resolving each distinct plain scalar once: SafeLoader has no path resolvers, so a scalar's
    tag depends on its text alone, and a network repeats the same few texts many times."""
    global _LOADER
    if _LOADER is None:
        import yaml

        # A base chosen at run time (libyaml's loader where PyYAML was built with it), which mypy
        # cannot check.
        class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
            def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
                if kind is not yaml.ScalarNode:
                    return super().resolve(kind, value, implicit)
                memo = self.__dict__.setdefault("memo", {})
                key = (value, implicit)
                tag = memo.get(key)
                if tag is None:
                    tag = memo[key] = super().resolve(kind, value, implicit)
                return tag

            def descend_resolver(self, current_node: Any, current_index: Any) -> None:
                pass  # only path resolvers need it, and SafeLoader has none

            def ascend_resolver(self) -> None:
                pass

        _LOADER = Loader
    return _LOADER


def _check_aliases(root: Any, path: str) -> None:
    """Refuse an alias that contains itself, or aliases that expand beyond MAX_NODES ("billion
    laughs"), before anything is expanded: sizes are summed once per distinct node."""
    import yaml

    size: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        children = node.value if isinstance(node, yaml.SequenceNode) else []
        if isinstance(node, yaml.MappingNode):
            children = [item for pair in node.value for item in pair]
        if finished:
            open_nodes.discard(key)
            size[key] = 1 + sum(size[id(child)] for child in children)
            if size[key] > MAX_NODES:
                where = Location(path, node.start_mark.line + 1, node.start_mark.column + 1)
                raise SpecError.at(
                    where, "CC003", f"the aliases here expand to more than {MAX_NODES:,} YAML nodes", hint="an alias bomb?"
                )
            continue
        if key in size:
            continue
        if key in open_nodes:
            where = Location(path, node.start_mark.line + 1, node.start_mark.column + 1)
            raise SpecError.at(
                where, "CC003", "an alias refers to the node that contains it", hint="YAML anchors cannot nest in themselves"
            )
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in children)


def load_path(path: str) -> Spec:
    """Read a spec file (`-` is standard input)."""
    import sys

    try:
        if path == "-":
            data = sys.stdin.buffer.read(MAX_BYTES + 1)
            path = "<stdin>"
        else:
            with open(path, "rb") as handle:
                data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise SpecError.at(Location(path), "CC001", "no such file") from None
    except IsADirectoryError:
        raise SpecError.at(
            Location(path), "CC001", "is a directory, not a spec file", hint="name the .yaml files in it"
        ) from None
    except OSError as exc:
        raise SpecError.at(Location(path), "CC001", f"cannot read the file: {exc.strerror or exc}") from None
    except ValueError as exc:  # a path with a NUL byte
        raise SpecError.at(Location(repr(path)), "CC001", f"cannot read the file: {exc}") from None
    if len(data) > MAX_BYTES:
        raise SpecError.at(Location(path), "CC001", f"the file is larger than {MAX_BYTES // 2**20} MiB, too large for a spec")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SpecError.at(
            Location(path, line, 1), "CC001", f"not UTF-8 text (byte {data[exc.start]:#04x} at offset {exc.start})"
        ) from None
    return load_text(text, path)
