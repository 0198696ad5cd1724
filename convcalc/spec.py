"""Reading a spec (YAML text or command-line flags) into dataclasses that remember locations.

Positions come from PyYAML's node marks (`yaml.compose`), so every later error can name the
file, line and column of the layer or key it is about.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from convcalc.calls import expression, parse_call
from convcalc.errors import Diagnostic, LayerError, Location, SpecError, did_you_mean

FRAMEWORKS = ("keras", "pytorch")
TOP_LEVEL_KEYS = ("name", "description", "framework", "input", "inputs", "batch", "blocks", "layers", "outputs", "expect")
BLOCK_KEYS = ("params", "layers", "description")
GRAPH_KEYS = ("name", "inputs", "shares", "when", "repeat")  # what any layer may carry, whatever its class takes
EXPECT_KEYS = ("output_shape", "params", "trainable_params", "non_trainable_params", "max_params")
# Bounds on what a spec may hold, so hostile input fails fast instead of running for minutes.
MAX_NODES = 1_000_000  # a spec larger than this is an alias bomb or a mistake, not a network
MAX_DEPTH = 64  # a spec nests a few levels (spec > layers > layer > argument > tuple); 64 is generous
MAX_BYTES = 64 * 1024 * 1024  # a 100,000-layer spec is about 4 MB; /dev/zero or a stray dump is not a spec
MAX_DIM = 2**40  # elements along one dimension (input, output or weight): beyond it, a typo rather than a network
MAX_RANK = 64  # dimensions of one tensor (PyTorch stops at 64 too); beyond it every layer would copy huge shapes
STR_TAG, INT_TAG = "tag:yaml.org,2002:str", "tag:yaml.org,2002:int"
SEQ_TAG, MAP_TAG = "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
SAFE_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp", "binary")
)


@dataclass(frozen=True)
class LayerSpec:
    """One layer as written: type name, arguments, and where each piece stands in the source."""

    type: str
    args: tuple[object, ...]
    kwargs: dict[str, object]
    location: Location
    arg_locations: dict[int | str, Location] = field(default_factory=dict)
    arg_offsets: dict[int | str, int] = field(default_factory=dict)  # call form: columns after `location`
    name: object = None  # str, or an Expr inside a block
    inputs: tuple[object, ...] | None = None  # names, relative indices (-1), None: the layer before
    shares: str | None = None  # the layer whose weights this one uses: counted once
    when: object = None  # inside a block: a condition (an Expr) for including the layer at all
    repeat: object = None  # chain this many copies (an int, or an Expr inside a block)

    def locate(self, argument: int | str | None) -> Location:
        if argument is None or argument == "":
            return self.location
        if argument in self.arg_offsets:  # made on demand: most layers never need one
            return self.location.shifted(self.arg_offsets[argument])
        return self.arg_locations.get(argument, self.location)


@dataclass(frozen=True)
class Expect:
    """The `expect:` block: figures `convcalc check` compares with the computed ones."""

    values: dict[str, Any]
    locations: dict[str, Location]


@dataclass(frozen=True)
class InputSpec:
    """One graph input as written: its name and shape without the batch dimension."""

    name: str
    shape: tuple[int | None, ...]
    location: Location


@dataclass(frozen=True)
class BlockSpec:
    """A named sub-network: parameters with defaults (REQUIRED where none) and layer templates."""

    name: str
    params: dict[str, object]
    layers: tuple[LayerSpec, ...]
    location: Location


REQUIRED = "<required>"
IMPLICIT_NAMES = frozenset({"input_shape", "copy"})  # inside a block: its input's shape, the repeat copy (1, 2...)


@dataclass(frozen=True)
class Spec:
    """A spec file as read: inputs, layer templates, blocks and expectations."""

    path: str
    framework: str
    inputs: tuple[InputSpec, ...]
    layers: tuple[LayerSpec, ...]
    name: str | None = None
    batch: int | None = None
    expect: Expect | None = None
    outputs: tuple[tuple[str, Location], ...] = ()
    blocks: dict[str, BlockSpec] = field(default_factory=dict)


def fail(location: Location, code: str, message: str, hint: str = "", layer: str = "") -> SpecError:
    return SpecError(Diagnostic(location, code, message, hint, layer))


def short(value: object, limit: int = 60) -> str:
    """repr() for a message, cut to `limit` characters: a hostile value must not flood the terminal."""
    try:
        text = repr(value)
    except (ValueError, RecursionError):  # an int beyond Python's str() digit limit; a nested list too deep
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def load_text(text: str, path: str) -> Spec:
    """Parse YAML text into a Spec, or raise SpecError pointing at the problem."""
    import yaml

    loader = _loader_class()
    # libyaml's parser: yaml.cyaml.CParser (there is no yaml.CParser: testing for it found none)
    fast = bool(getattr(yaml, "__with_libyaml__", False)) and issubclass(loader, yaml.cyaml.CParser)
    # The pure-Python scanner is quadratic in flow depth; libyaml stops at 1000 levels with a
    # message of its own: either way the same message. Depth needs as many openers, counted in C.
    if text.count("[") + text.count("{") > 1000 and _bracket_depth(text) > 1000:
        raise fail(Location(path), "CC002", "malformed YAML: it nests too deeply")
    try:
        root = yaml.compose(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(path, mark.line + 1, mark.column + 1) if mark else Location(path)
        raise fail(where, "CC002", f"malformed YAML: {exc.problem or exc.context}") from None
    except yaml.reader.ReaderError as exc:  # a control character: no mark, an offset (in bytes for libyaml)
        offset = len(text.encode()[: exc.position].decode(errors="ignore")) if fast else exc.position
        line_start = text.rfind("\n", 0, offset) + 1
        where = Location(path, text.count("\n", 0, offset) + 1, offset - line_start + 1)
        raise fail(where, "CC002", f"malformed YAML: the character {chr(exc.character)!r} is not allowed") from None
    except yaml.YAMLError as exc:
        raise fail(Location(path), "CC002", "malformed YAML: " + " ".join(str(exc).split())) from None
    except (RecursionError, MemoryError):  # the pure-Python composer recurses; libyaml stops at depth 1000
        raise fail(Location(path), "CC002", "malformed YAML: it nests too deeply") from None
    if root is None:
        raise fail(Location(path, 1, 1), "CC001", "the spec is empty", hint="it needs at least `input:` and `layers:`")
    if "*" in text:  # aliases exist only where `*` is written: only then can the node graph share or loop
        _check_aliases(root, path)
    return _Reader(path).spec(root)


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
                raise fail(
                    where, "CC003", f"the aliases here expand to more than {MAX_NODES:,} YAML nodes", hint="an alias bomb?"
                )
            continue
        if key in size:
            continue
        if key in open_nodes:
            where = Location(path, node.start_mark.line + 1, node.start_mark.column + 1)
            raise fail(
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
        raise fail(Location(path), "CC001", "no such file") from None
    except IsADirectoryError:
        raise fail(Location(path), "CC001", "is a directory, not a spec file", hint="name the .yaml files in it") from None
    except OSError as exc:
        raise fail(Location(path), "CC001", f"cannot read the file: {exc.strerror or exc}") from None
    except ValueError as exc:  # a path with a NUL byte
        raise fail(Location(repr(path)), "CC001", f"cannot read the file: {exc}") from None
    if len(data) > MAX_BYTES:
        raise fail(Location(path), "CC001", f"the file is larger than {MAX_BYTES // 2**20} MiB, too large for a spec")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise fail(
            Location(path, line, 1), "CC001", f"not UTF-8 text (byte {data[exc.start]:#04x} at offset {exc.start})"
        ) from None
    return load_text(text, path)


def from_flags(framework: str, input_shape: str, layers: tuple[str, ...], batch: int | None) -> Spec:
    """A spec given on the command line: `--input 28,28,1 --layer "Conv2D(32, 3)"`."""
    specs = tuple(_call_layer(text, Location(f"--layer {i}", 1, 1)) for i, text in enumerate(layers, 1))
    inputs: tuple[InputSpec, ...] = ()
    if input_shape:
        where = Location("--input")
        inputs = (InputSpec("input", _parse_dims(input_shape.replace(",", " ").split(), where), where),)
    spec = Spec("<command line>", framework, inputs, specs, batch=batch)
    return _with_input_from_first_layer(spec, Location("--input"))


def _parse_dims(items: list[Any], where: Location) -> tuple[int | None, ...]:
    dims: list[int | None] = []
    for item in items:
        if isinstance(item, str) and item.lower() in ("none", "null", "?"):
            item = None
        elif isinstance(item, str) and item.isascii() and item.lstrip("-").isdigit() and len(item) < 100:
            item = int(item)
        if item is not None and (isinstance(item, bool) or not isinstance(item, int) or item < 1):
            raise fail(where, "CC003", f"an input dimension must be a positive integer or null, found {short(item)}")
        if item is not None and item > MAX_DIM:
            raise fail(where, "CC003", f"the input dimension {item:,} is over convcalc's bound of 2**40 elements per dimension")
        dims.append(item)
    if not dims:
        raise fail(where, "CC003", "the input shape is empty", hint="e.g. [28, 28, 1]")
    if len(dims) > MAX_RANK:
        raise fail(where, "CC003", f"the input has {len(dims):,} dimensions, more than convcalc's bound of {MAX_RANK}")
    return tuple(dims)


def _call_layer(text: str, where: Location) -> LayerSpec:
    try:
        call = parse_call(text)
    except LayerError as exc:
        raise fail(where.shifted(exc.offset), exc.code, exc.message, exc.hint) from None
    return _layer_spec(LayerSpec(call.name, call.args, dict(call.kwargs), where, arg_offsets=call.offsets))


def _layer_spec(layer: LayerSpec) -> LayerSpec:
    """The layer with the graph keys (`name`, `inputs`, `shares`, `when`, `repeat`) taken out of
    its arguments: they are convcalc's, whatever the class takes."""
    kwargs = dict(layer.kwargs)
    graph = {key: kwargs.pop(key) for key in GRAPH_KEYS if key in kwargs}
    if not graph:
        return layer
    inputs = graph.get("inputs")
    if inputs is not None:
        inputs = tuple(inputs) if isinstance(inputs, tuple | list) else (inputs,)
        for ref in inputs:
            if isinstance(ref, bool) or (not isinstance(ref, str | int) and type(ref).__name__ != "Expr"):
                raise fail(layer.locate("inputs"), "CC003", f"inputs must name layers (or be -1, -2...), found {short(ref)}")
    shares = graph.get("shares")
    if shares is not None and not isinstance(shares, str):
        raise fail(layer.locate("shares"), "CC003", f"shares must name a layer, found {short(shares)}")
    return LayerSpec(  # built directly: dataclasses.replace costs three times as much per layer
        layer.type,
        layer.args,
        kwargs,
        layer.location,
        layer.arg_locations,
        layer.arg_offsets,
        name=graph.get("name"),
        inputs=inputs,
        shares=shares,
        when=graph.get("when"),
        repeat=graph.get("repeat"),
    )


def _with_input_from_first_layer(spec: Spec, where: Location) -> Spec:
    """Keras's `input_shape=` on the first layer sets the input, as in Sequential models."""
    if spec.inputs:
        return spec
    first = spec.layers[0] if spec.layers else None
    for key in ("input_shape", "input_dim"):
        if first is not None and spec.framework == "keras" and key in first.kwargs and not _takes(first.type, key):
            value = first.kwargs[key]
            items = list(value) if isinstance(value, tuple | list) else [value]
            where = first.locate(key)
            return dataclasses.replace(spec, inputs=(InputSpec("input", _parse_dims(items, where), where),))
    raise fail(where, "CC003", "the spec has no input shape", hint="add `input: [28, 28, 1]`, the batch dimension excluded")


def _takes(type_name: str, argument: str) -> bool:
    """Whether a Keras layer takes `argument` itself (Embedding's input_dim is its vocabulary size,
    not the base Layer's input shape)."""
    from convcalc.frameworks import vocabulary

    keras = vocabulary("keras")
    layer_type = keras.types.get(keras.aliases.get(type_name, type_name))
    return layer_type is not None and any(name == argument for name, _ in layer_type.signature.positional)


class _Reader:
    """Turns composed YAML nodes into a Spec, keeping each node's position."""

    def __init__(self, path: str) -> None:
        import yaml

        self.path = path
        self.nodes = 0
        self.yaml = yaml
        self.constructor = yaml.constructor.SafeConstructor()  # one for all scalars: it holds no state we use

    def at(self, node: Any) -> Location:
        return Location(self.path, node.start_mark.line + 1, node.start_mark.column + 1)

    def value(self, node: Any, depth: int = 0) -> Any:
        """A node as plain Python data: numbers, strings, lists, mappings, and nothing else.

        A tag such as `!!python/object` is an error, never a constructor. Nodes are counted
        (aliases included) and depth is bounded, so an alias bomb or a deep nest stops early.
        """
        yaml = self.yaml
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise fail(self.at(node), "CC003", f"the spec has more than {MAX_NODES:,} YAML nodes", hint="is it an alias bomb?")
        if depth > MAX_DEPTH:
            raise fail(self.at(node), "CC003", f"the value nests more than {MAX_DEPTH} levels deep")
        tag = node.tag
        if isinstance(node, yaml.ScalarNode):
            if tag == STR_TAG:
                return node.value
            if tag not in SAFE_SCALAR_TAGS:
                raise self.bad_tag(node)
            try:
                text = node.value
                if tag == INT_TAG and text.isdigit() and text.isascii() and text[0] != "0":  # YAML 1.1: 010 is octal
                    return int(text)
                return self.constructor.construct_object(node)
            except (yaml.YAMLError, ValueError, OverflowError) as exc:  # ValueError: an int of 5,000 digits, 2001-13-45
                raise fail(self.at(node), "CC003", f"cannot read this value: {getattr(exc, 'problem', None) or exc}") from None
        if isinstance(node, yaml.SequenceNode):
            if tag != SEQ_TAG:
                raise self.bad_tag(node)
            return [self.value(item, depth + 1) for item in node.value]
        if tag != MAP_TAG:
            raise self.bad_tag(node)
        return {self.key(k): self.value(v, depth + 1) for k, v in node.value}

    def check_tag(self, node: Any) -> None:
        """Only the tags plain data has: a tag names a constructor, and none but these is run."""
        tag = node.tag
        if tag != STR_TAG and tag != MAP_TAG and tag != SEQ_TAG and tag not in SAFE_SCALAR_TAGS:
            raise self.bad_tag(node)

    def bad_tag(self, node: Any) -> SpecError:
        return fail(
            self.at(node),
            "CC003",
            f"the YAML tag {short(node.tag)} is not allowed: a spec holds plain numbers, strings, lists and mappings",
            hint="remove the tag",
        )

    def key(self, node: Any) -> str:
        if not isinstance(node, self.yaml.ScalarNode):
            raise fail(self.at(node), "CC003", "a key must be a plain word")
        return str(node.value)

    def mapping(self, node: Any, what: str, keys: tuple[str, ...]) -> dict[str, tuple[Any, Location]]:
        import yaml

        self.check_tag(node)
        if not isinstance(node, yaml.MappingNode):
            raise fail(self.at(node), "CC003", f"{what} must be a mapping of keys to values, found {_kind(node)}")
        entries: dict[str, tuple[Any, Location]] = {}
        for key_node, value_node in node.value:
            key = self.key(key_node)
            if keys and key not in keys:
                raise fail(
                    self.at(key_node),
                    "CC003",
                    f"unknown key {short(key)} in {what}",
                    hint=did_you_mean(key, keys) or "known keys: " + ", ".join(keys),
                )
            if key in entries:
                raise fail(self.at(key_node), "CC003", f"the key {short(key)} appears twice in {what}")
            entries[key] = (value_node, self.at(key_node))
        return entries

    def spec(self, root: Any) -> Spec:
        import yaml

        top = self.mapping(root, "the spec", TOP_LEVEL_KEYS)
        framework = "keras"
        if "framework" in top:
            node = top["framework"][0]
            framework = str(self.value(node)).lower()
            if framework not in FRAMEWORKS:
                raise fail(
                    self.at(node),
                    "CC003",
                    f"framework must be one of {', '.join(FRAMEWORKS)}, found {short(framework)}",
                    hint=did_you_mean(framework, FRAMEWORKS),
                )
        name = None
        if "name" in top:
            name = str(self.value(top["name"][0]))
        batch = None
        if "batch" in top:
            node = top["batch"][0]
            batch = self.value(node)
            if batch is not None and (isinstance(batch, bool) or not isinstance(batch, int) or batch < 1):
                raise fail(self.at(node), "CC003", f"batch must be a positive integer or null, found {short(batch)}")
            if batch is not None and batch > MAX_DIM:
                raise fail(self.at(node), "CC003", f"batch {batch:,} is over convcalc's bound of 2**40 elements per dimension")
        if "layers" not in top:
            raise fail(
                self.at(root),
                "CC003",
                "the spec has no `layers:`",
                hint="add a list of layers, e.g. `layers: [Flatten, Dense(10)]`",
            )
        layers_node = top["layers"][0]
        self.check_tag(layers_node)
        if not isinstance(layers_node, yaml.SequenceNode) or not layers_node.value:
            raise fail(self.at(layers_node), "CC003", f"layers must be a non-empty list, found {_kind(layers_node)}")
        blocks = self.blocks(top["blocks"][0]) if "blocks" in top else {}
        layers = tuple(self.layers(layers_node))
        if "input" in top and "inputs" in top:
            raise fail(top["inputs"][1], "CC003", "give either `input:` (one input) or `inputs:` (named inputs), not both")
        inputs: tuple[InputSpec, ...] = ()
        if "input" in top:
            node, where = top["input"]
            inputs = (InputSpec("input", self.dims(node, "input"), where),)
        elif "inputs" in top:
            entries = self.mapping(top["inputs"][0], "inputs", ())
            inputs = tuple(InputSpec(key, self.dims(node, f"inputs.{key}"), where) for key, (node, where) in entries.items())
            if not inputs:
                raise fail(
                    top["inputs"][1], "CC003", "inputs must name at least one input", hint="e.g. inputs: {image: [224, 224, 3]}"
                )
        outputs: tuple[tuple[str, Location], ...] = ()
        if "outputs" in top:
            node = top["outputs"][0]
            value = self.value(node)
            value = value if isinstance(value, list) else [value]
            if not value or not all(isinstance(v, str) for v in value):
                raise fail(self.at(node), "CC003", f"outputs must be a list of layer names, found {short(value)}")
            outputs = tuple((v, self.at(node)) for v in value)
        expect = self.expect(top["expect"][0]) if "expect" in top else None
        spec = Spec(self.path, framework, inputs, layers, name, batch, expect, outputs, blocks)
        return _with_input_from_first_layer(spec, self.at(root))

    def params(self, node: Any) -> dict[str, object]:
        """A block's parameters: `{filters: 64, strides: 1}` (defaults), `[filters, strides]`
        (required), or a list mixing both: `[filters, {strides: 1}]`."""
        import yaml

        params: dict[str, object] = {}
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        for item in items:
            if isinstance(item, yaml.MappingNode):
                entries = self.mapping(item, "params", ())
                params.update({key: _tupled(self.value(v)) for key, (v, _) in entries.items()})
            else:
                params[str(self.value(item))] = REQUIRED
        for param in params:
            if not param.isidentifier() or param in ("input", *IMPLICIT_NAMES, *GRAPH_KEYS):
                raise fail(self.at(node), "CC003", f"{param!r} cannot be a block parameter's name")
        return params

    def dims(self, node: Any, what: str) -> tuple[int | None, ...]:
        value = self.value(node)
        if not isinstance(value, list):
            raise fail(self.at(node), "CC003", f"{what} must be a list of dimensions such as [28, 28, 1], found {short(value)}")
        return _parse_dims(value, self.at(node))

    def blocks(self, node: Any) -> dict[str, BlockSpec]:
        import yaml

        blocks = {}
        for name, (block_node, where) in self.mapping(node, "blocks", ()).items():
            if not name.isidentifier():
                raise fail(where, "CC003", f"a block name must be a word such as `bottleneck`, found {name!r}")
            entries = self.mapping(block_node, f"block {name!r}", BLOCK_KEYS)
            params: dict[str, object] = {}
            if "params" in entries:
                params = self.params(entries["params"][0])
            if "layers" not in entries:
                raise fail(where, "CC003", f"block {name!r} has no `layers:`")
            layers_node = entries["layers"][0]
            if not isinstance(layers_node, yaml.SequenceNode) or not layers_node.value:
                raise fail(
                    self.at(layers_node), "CC003", f"a block's layers must be a non-empty list, found {_kind(layers_node)}"
                )
            names = frozenset(params) | IMPLICIT_NAMES
            params = {key: _in_block(value, names) for key, value in params.items()}  # defaults may use earlier ones
            blocks[name] = BlockSpec(name, params, tuple(self.layers(layers_node, names)), where)
        return blocks

    def layers(self, node: Any, params: frozenset[str] = frozenset()) -> list[LayerSpec]:
        layers = []
        for item in node.value:
            try:
                layers.append(self.layer(item, params))
            except SpecError as exc:
                problem = exc.diagnostic
                if node.flow_style and problem.code == "CC102":
                    hint = "inside [ ] YAML splits at every comma: quote each call, or write one `- Conv2D(32, 3)` per line"
                    raise fail(problem.location, problem.code, problem.message, hint) from None
                raise
        return layers

    def layer(self, node: Any, params: frozenset[str] = frozenset()) -> LayerSpec:
        """One layer; inside a block (`params` given) mapping values may be arithmetic of them."""
        import yaml

        where = self.at(node)
        self.check_tag(node)
        if isinstance(node, yaml.ScalarNode):
            if not isinstance(node.value, str) or node.tag != "tag:yaml.org,2002:str":
                raise fail(
                    where,
                    "CC003",
                    f"a layer must be a call such as Conv2D(32, 3) or a mapping with `type:`, found {short(node.value)}",
                )
            quote = 1 if node.style in ("'", '"') else 0
            layer = _call_layer(node.value, where.shifted(quote))
            if "\n" in node.value.strip():  # folded multi-line text: columns are not reliable
                return dataclasses.replace(layer, location=where, arg_locations={}, arg_offsets={})
            return layer
        entries = self.mapping(node, "a layer", ())
        if "type" not in entries:
            raise fail(
                where, "CC003", "a layer mapping needs a `type:` key", hint="e.g. {type: Conv2D, filters: 32, kernel_size: 3}"
            )
        type_name = self.value(entries.pop("type")[0])
        if not isinstance(type_name, str):
            raise fail(where, "CC003", f"type must be a layer class name, found {short(type_name)}")
        kwargs = {key: _in_block(_tupled(self.value(value)), params) for key, (value, _) in entries.items()}
        locations: dict[int | str, Location] = {key: loc for key, (_, loc) in entries.items()}
        return _layer_spec(LayerSpec(type_name, (), kwargs, where, locations))

    def expect(self, node: Any) -> Expect:
        entries = self.mapping(node, "expect", EXPECT_KEYS)
        values: dict[str, Any] = {}
        for key, (value_node, _) in entries.items():
            value = self.value(value_node)
            if key == "output_shape":
                if not isinstance(value, list) or not all(
                    v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in value
                ):
                    raise fail(
                        self.at(value_node),
                        "CC003",
                        f"expect.output_shape must be a list of integers or null, found {short(value)}",
                    )
                value = tuple(value)
            elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise fail(self.at(value_node), "CC003", f"expect.{key} must be a non-negative integer, found {short(value)}")
            values[key] = value
        return Expect(values, {key: loc for key, (_, loc) in entries.items()})


def _in_block(value: Any, params: frozenset[str]) -> Any:
    """Inside a block, a text value naming its parameters (`filters * 4`) is arithmetic;
    other text (`same`, `relu`) stays text."""
    if not params:
        return value
    if isinstance(value, str):
        expr = expression(value)
        if expr is not None:
            return expr if expr.names() <= params else value
        try:  # a wrapped layer written as text: layer: "Dense(units * 2)"
            return parse_call(value)
        except LayerError:
            return value
    if isinstance(value, tuple):
        return tuple(_in_block(v, params) for v in value)
    if isinstance(value, dict):
        return {k: _in_block(v, params) for k, v in value.items()}
    return value


def _tupled(value: Any) -> Any:
    """YAML lists stand for the tuples the call form would use: (3, 3) and [3, 3] mean the same."""
    return tuple(_tupled(v) for v in value) if isinstance(value, list) else value


def _kind(node: Any) -> str:
    import yaml

    if isinstance(node, yaml.ScalarNode):
        return short(node.value)
    return "a list" if isinstance(node, yaml.SequenceNode) else "a mapping"
