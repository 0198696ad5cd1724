"""Hardened YAML loading: a spec's bytes into PyYAML's composed nodes (which carry every line and
column), refusing what is not a spec fast and in bounded memory (huge files, binary data, alias
bombs, deep nesting) with a located message.

Nesting deeper than MAX_DEPTH is refused with one message, at the first node past the bound in
document order, whatever the YAML library: libyaml 0.2.6 (PyYAML 6.0.4's wheels) stops at 1000
levels with an error of its own, libyaml 0.2.5 (PyYAML 6.0.3's wheels, most system packages) has
no limit and PyYAML's C composer then recurses until the C stack overflows (a segfault), and the
pure-Python composer raises RecursionError after some 450 levels. So whenever loading fails, or
the reader refuses the spec, the first node past the bound is looked for first: in the composed
nodes, or, when there are none, in the parser's events (the parser keeps its own stack).
"""

from __future__ import annotations

import re
from typing import Any

from convcalc.errors import Diagnostic, Location, SpecError
from convcalc.spec.model import MAX_BYTES, MAX_DEPTH, MAX_NODES, Spec
from convcalc.spec.reader import Reader, first_too_deep, too_deep

# libyaml before 0.2.6 has no nesting limit: a text that may nest deeper than this is read by its
# events (a stack on the heap) before PyYAML's C composer recurses into it.
UNLIMITED_LIBYAML_SAFE_DEPTH = 1000


def load_text(text: str, path: str, problems: list[Diagnostic] | None = None) -> Spec:
    """Parse YAML text into a Spec, or raise SpecError pointing at the problem. With a list of
    `problems`, those that end nothing (a bad `expect:` key) are collected there instead."""
    import yaml

    loader = _loader_class()
    fast = False  # libyaml's parser: yaml._yaml.CParser, under every C loader (there is no yaml.CParser)
    if getattr(yaml, "__with_libyaml__", False):
        from yaml._yaml import CParser

        fast = issubclass(loader, CParser)
    # Deep flow nesting is read by events first: the pure-Python scanner slows with flow depth.
    # Depth needs as many openers, counted in C, so most texts skip the scan.
    deep_flow = (
        text.count("[") + text.count("{") > 1000 and not _brackets_within(text, MAX_DEPTH) and _bracket_depth(text) > MAX_DEPTH
    )
    if deep_flow or (fast and _unlimited_libyaml() and _nesting_bound(text) > UNLIMITED_LIBYAML_SAFE_DEPTH):
        _refuse_deep_events(text, path, loader)
    try:
        root = yaml.compose(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:  # libyaml's "exceeded maximum nesting depth" too
        _refuse_deep_events(text, path, loader)
        mark = exc.problem_mark or exc.context_mark
        where = Location(path, mark.line + 1, mark.column + 1) if mark else Location(path)
        raise SpecError.at(where, "CC002", f"malformed YAML: {exc.problem or exc.context}") from None
    except yaml.reader.ReaderError as exc:  # a control character: no mark, an offset (in bytes for libyaml)
        offset = len(text.encode()[: exc.position].decode(errors="ignore")) if fast else exc.position
        raise _not_allowed(text, path, offset, exc.character) from None
    except yaml.YAMLError as exc:
        _refuse_deep_events(text, path, loader)
        raise SpecError.at(Location(path), "CC002", "malformed YAML: " + " ".join(str(exc).split())) from None
    except (RecursionError, MemoryError):  # the pure-Python composer recurses, once per level
        _refuse_deep_events(text, path, loader)
        raise SpecError.at(Location(path), "CC002", "malformed YAML: it nests too deeply") from None
    if root is None:
        raise SpecError.at(Location(path, 1, 1), "CC001", "the spec is empty", hint="it needs at least `input:` and `layers:`")
    try:
        if has_alias(text):  # only an alias can make the node graph share or loop
            _check_aliases(root, path)
        return Reader(path, problems).spec(root)
    except SpecError:
        deep = first_too_deep(root)  # nesting past the bound is the problem to report, whatever the reader met first
        if deep is not None:
            raise too_deep(Location(path, deep.start_mark.line + 1, deep.start_mark.column + 1)) from None
        raise


def _refuse_deep_events(text: str, path: str, loader: Any, retry: bool = True) -> None:
    """Raise the nesting error at the first node the parser's events place past MAX_DEPTH, if any
    comes before the end or before the first syntax error."""
    import yaml

    depth = 0
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            elif isinstance(event, yaml.NodeEvent):  # a scalar, an alias, or a collection's start
                if depth > MAX_DEPTH:
                    # The pure-Python reader refuses a character YAML does not allow before it
                    # parses anything; libyaml only once it reads that far: the character first.
                    found = yaml.reader.Reader.NON_PRINTABLE.search(text)
                    if found:
                        raise _not_allowed(text, path, found.start(), ord(found.group()))
                    mark = event.start_mark
                    raise too_deep(Location(path, mark.line + 1, mark.column + 1) if mark else Location(path))
                if isinstance(event, yaml.CollectionStartEvent):
                    depth += 1
    except yaml.MarkedYAMLError as exc:
        # libyaml 0.2.6 stops at 1000 levels while its scanner looks ahead for a key (up to 1024
        # characters), before the parser has handed over the first of them: the text before that
        # point holds them all. (Its marks count characters.)
        mark = exc.problem_mark
        if retry and exc.problem == "exceeded maximum nesting depth" and mark is not None:
            _refuse_deep_events(text[: mark.index], path, loader, retry=False)
    except (yaml.YAMLError, RecursionError, MemoryError):
        return


def _not_allowed(text: str, path: str, offset: int, character: int) -> SpecError:
    """A character YAML does not allow, at its line and column (`offset` counts characters)."""
    line_start = text.rfind("\n", 0, offset) + 1
    where = Location(path, text.count("\n", 0, offset) + 1, offset - line_start + 1)
    return SpecError.at(where, "CC002", f"malformed YAML: the character {chr(character)!r} is not allowed")


def _unlimited_libyaml() -> bool:
    """libyaml before 0.2.6 has no nesting limit (see the module's docstring)."""
    from yaml._yaml import get_version

    return get_version() < (0, 2, 6)


def _nesting_bound(text: str) -> int:
    """At least the depth of any node, from the text alone. A block collection nested in another
    starts further right, or (a sequence as a mapping's value) in the same column, so the block
    levels are at most twice the columns a collection can start in: those of a line's leading
    run of spaces, indicators (- ? :) and properties (&anchor, !tag). Each [ or { opens one flow
    level, or two with a single-pair mapping ([a: [b: ...]])."""
    import re

    leading = max(map(len, re.findall(r"(?m)^(?:[ \t?:-]|[&!][^ \t\r\n]*)*", text)), default=0)
    return 2 * (leading + 1) + 2 * (text.count("[") + text.count("{"))


_BRACKETS = (bytes.maketrans(b"[{]}", b"(())"), bytes(sorted(set(range(256)) - set(b"[]{}"))))
"""A translation that keeps only a text's brackets, each as ( or )."""


def _brackets_within(text: str, bound: int) -> bool:
    """Whether the brackets alone (as _bracket_depth counts them) surely nest at most `bound`
    deep: a quick answer for the usual text, with its few levels, in C (the exact count walks
    every run of brackets in Python, some 4% of reading a large spec). Each pass takes away
    the innermost pairs, `()`, and the deepest nesting by at most one; what is left after the
    last pass, `)))(((`, nests as deep as its openers. False: count them.

    >>> _brackets_within("a: [[1, 2], {b: [3]}]", 3), _brackets_within("a: [[[1]]]", 2), _brackets_within("]]][[", 2)
    (True, False, True)
    """
    table, others = _BRACKETS
    brackets = text.encode("utf-8", "surrogatepass").translate(table, others)
    passes = 0
    while b"()" in brackets and passes < bound:
        brackets = brackets.replace(b"()", b"")
        passes += 1
    return b"()" not in brackets and passes + brackets.count(b"(") <= bound


def _bracket_depth(text: str) -> int:
    """The deepest nesting of [ and { as the brackets alone give it: a shortcut for deep flow,
    not a bound (a quoted or commented ] counts too, and can hide a level)."""
    import re

    depth = deepest = 0
    for match in re.finditer(r"[\[{]+|[\]}]+", text):
        run = len(match.group())
        depth = depth + run if match.group()[0] in "[{" else max(0, depth - run)
        deepest = max(deepest, depth)
    return deepest


ALIAS = re.compile(r"\*(?=[^\s\[\]{},])")
"""A `*` followed by a name, as an alias `*name` is (block arithmetic such as `filters * 4` is not)."""


def has_alias(text: str) -> bool:
    """Whether `text` may hold an alias: `*name` at the start of a node (at the start of a line
    or after a space, `[`, `{` or `,`). Text without one has no alias. (The star is searched for
    first: a pattern that starts with an alternation is tried at every position.)

    >>> has_alias("a: *x"), has_alias("x: filters * 4"), has_alias('f: "a*b"'), has_alias("k: [1,*b]")
    (True, False, False, True)
    """
    return any(found.start() == 0 or text[found.start() - 1] in " \t\r\n[{," for found in ALIAS.finditer(text))


_LOADER: Any = None


def _loader_class() -> Any:
    """PyYAML's C loader where present (its composer is C; the pure-Python one is 10x slower),
    reading plain scalars by YAML 1.2's core schema (spec/yaml12.py: `1e-3` is a number, `yes`
    is text) and resolving each distinct plain scalar once: SafeLoader has no path resolvers, so
    a scalar's tag depends on its text alone, and a network repeats the same few texts many times.
    A text that starts as no resolver's match does, or as only a word's (null, true) and is none
    of those words, is text at once: a generated network's names (`n7`) are each distinct."""
    global _LOADER
    if _LOADER is None:
        import yaml

        from convcalc.spec import yaml12

        # A base chosen at run time (libyaml's loader where PyYAML was built with it), which mypy
        # cannot check.
        scalar_node, sequence_node, mapping_node = yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode

        class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
            def __init__(self, stream: Any) -> None:
                super().__init__(stream)
                self.memo: dict[tuple[str, Any], str] = {}

            def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
                # Without path resolvers a collection's tag is its kind's, and text whose first
                # character starts no implicit resolver's match is a string (a layer call: a
                # generated network's every one distinct, which the memo would only hold).
                if kind is not scalar_node:
                    if kind is sequence_node:
                        return self.DEFAULT_SEQUENCE_TAG
                    return self.DEFAULT_MAPPING_TAG if kind is mapping_node else super().resolve(kind, value, implicit)
                if value and (value[0] not in starts or (value[0] in word_starts and value not in words)):
                    return self.DEFAULT_SCALAR_TAG  # `n7`, `tanh`: no number starts so, and no word it is
                key = (value, implicit)
                tag = self.memo.get(key)
                if tag is None:
                    tag = self.memo[key] = super().resolve(kind, value, implicit)
                return tag

            # Only path resolvers need these two, and SafeLoader has none: called for every node,
            # they are functions of C that do nothing (a method would cost a Python call each).
            descend_resolver = staticmethod(slice)  # called with (parent node, index): a slice of them, dropped
            ascend_resolver = staticmethod(tuple)  # called with nothing: () is dropped

        yaml12.install(Loader)
        assert not Loader.yaml_path_resolvers and None not in Loader.yaml_implicit_resolvers  # no wildcard resolver
        starts = frozenset(Loader.yaml_implicit_resolvers)  # the first characters a resolver matches
        words, word_starts = yaml12.WORDS, yaml12.WORD_STARTS
        resolvers = Loader.yaml_implicit_resolvers
        assert {tag for first in word_starts for tag, _ in resolvers[first]} <= {yaml12.NULL_TAG, yaml12.BOOL_TAG}
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


def load_path(path: str, problems: list[Diagnostic] | None = None) -> Spec:
    """Read a spec file (`-` is standard input), or, where no such file exists, the bundled
    network of that name (`keras-resnet50`, spec/bundled.py); `problems` as for load_text."""
    import sys

    try:
        if path == "-":
            data = sys.stdin.buffer.read(MAX_BYTES + 1)
            path = "<stdin>"
        else:
            with open(path, "rb") as handle:
                data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        from convcalc.spec import bundled

        found = bundled.find(path)  # a bundled network by name: `convcalc summary keras-resnet50`
        if found is None:
            hint = bundled.did_you_mean(path)
            raise SpecError.at(Location(path), "CC001", "no such file", hint=hint) from None
        return load_path(found, problems)
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
    return load_text(text, path, problems)
