"""Composed YAML nodes into a Spec: every value checked and kept with its line and column."""

from __future__ import annotations

from typing import Any

from convcalc.errors import Diagnostic, LayerError, Location, SpecError, did_you_mean, short
from convcalc.signature import REQUIRED
from convcalc.spec.calls import expression, parse_call
from convcalc.spec.first_layer import with_input_from_first_layer
from convcalc.spec.model import (
    BLOCK_KEYS,
    EXPECT_KEYS,
    FRAMEWORKS,
    GRAPH_KEYS,
    IMPLICIT_NAMES,
    MAX_DEPTH,
    MAX_DIM,
    MAX_NODES,
    TOP_LEVEL_KEYS,
    BlockSpec,
    Expect,
    InputSpec,
    LayerSpec,
    Spec,
    dims_text,
    parse_dims,
)
from convcalc.spec.yaml12 import BOOL_TAG, FLOAT_TAG, NULL_TAG, scalar

STR_TAG, INT_TAG = "tag:yaml.org,2002:str", "tag:yaml.org,2002:int"
SEQ_TAG, MAP_TAG = "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
CORE_TAGS = frozenset((NULL_TAG, BOOL_TAG, INT_TAG, FLOAT_TAG))
SAFE_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp", "binary")
)


def too_deep(where: Location) -> SpecError:
    return SpecError.at(where, "CC003", f"the value nests more than {MAX_DEPTH} levels deep")


def first_too_deep(root: Any) -> Any:
    """The first node below `root` past MAX_DEPTH in document order, or None. An alias is a leaf,
    as in the parser's events: its node is walked once, where its anchor stands, so a loop or an
    alias bomb ends too."""
    import yaml

    seen: set[int] = set()
    stack: list[tuple[Any, int]] = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if id(node) in seen:
            continue
        if depth > MAX_DEPTH:
            return node
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            stack.extend((child, depth + 1) for pair in reversed(node.value) for child in reversed(pair))
    return None


def call_layer(text: str, where: Location) -> LayerSpec:
    try:
        call = parse_call(text)
    except LayerError as exc:
        raise SpecError.at(where.shifted(exc.offset), exc.code, exc.message, exc.hint) from None
    return layer_spec(LayerSpec(call.name, call.args, call.kwargs, where, arg_offsets=call.offsets, plain=call.plain))


def layer_spec(layer: LayerSpec) -> LayerSpec:
    """The layer with the graph keys (`name`, `inputs`, `shares`, `when`, `repeat`) taken out of
    its arguments: they are convcalc's, whatever the class takes. Its kwargs are never changed:
    a call's are shared by every layer written the same way."""
    if not any(key in layer.kwargs for key in GRAPH_KEYS):
        return layer
    kwargs = dict(layer.kwargs)
    graph = {key: kwargs.pop(key) for key in GRAPH_KEYS if key in kwargs}
    inputs = graph.get("inputs")
    if inputs is not None:
        inputs = tuple(inputs) if isinstance(inputs, tuple | list) else (inputs,)
        for ref in inputs:
            if isinstance(ref, bool) or (not isinstance(ref, str | int) and type(ref).__name__ != "Expr"):
                raise SpecError.at(
                    layer.locate("inputs"), "CC003", f"inputs must name layers (or be -1, -2...), found {short(ref)}"
                )
    shares = graph.get("shares")
    if shares is not None and not isinstance(shares, str):
        raise SpecError.at(layer.locate("shares"), "CC003", f"shares must name a layer, found {short(shares)}")
    return LayerSpec(  # built directly: replace() costs three times as much per layer
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
        plain=layer.plain,
    )


class Reader:
    """Turns composed YAML nodes into a Spec, keeping each node's position."""

    def __init__(self, path: str, problems: list[Diagnostic] | None = None) -> None:
        import yaml

        self.path = path
        self.problems = problems  # where problems that end nothing are collected (None: raise them)
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
            raise SpecError.at(
                self.at(node), "CC003", f"the spec has more than {MAX_NODES:,} YAML nodes", hint="is it an alias bomb?"
            )
        if depth > MAX_DEPTH:
            raise too_deep(self.at(node))
        tag = node.tag
        if isinstance(node, yaml.ScalarNode):
            if tag == STR_TAG:
                return node.value
            if tag not in SAFE_SCALAR_TAGS:
                raise self.bad_tag(node)
            try:
                text = node.value
                if tag == INT_TAG and text.isdigit() and text.isascii():  # most numbers of a spec
                    return int(text)
                if tag in CORE_TAGS:  # YAML 1.2, as the loader resolved them (spec/yaml12.py)
                    return scalar(tag, text)
                return self.constructor.construct_object(node)  # an explicit !!timestamp or !!binary
            except (yaml.YAMLError, ValueError, OverflowError) as exc:  # ValueError: an int of 5,000 digits, 2001-13-45
                raise SpecError.at(
                    self.at(node), "CC003", f"cannot read this value: {getattr(exc, 'problem', None) or exc}"
                ) from None
        if isinstance(node, yaml.SequenceNode):
            if tag != SEQ_TAG:
                raise self.bad_tag(node)
            return [self.value(item, depth + 1) for item in node.value]
        if tag != MAP_TAG:
            raise self.bad_tag(node)
        return {self.key(k): self.value(v, depth + 1) for k, v in node.value}

    def unread(self, node: Any) -> None:
        """A value no field reads (a description) is held to the depth bound all the same."""
        deep = first_too_deep(node)
        if deep is not None:
            raise too_deep(self.at(deep))

    def check_tag(self, node: Any) -> None:
        """Only the tags plain data has: a tag names a constructor, and none but these is run."""
        tag = node.tag
        if tag != STR_TAG and tag != MAP_TAG and tag != SEQ_TAG and tag not in SAFE_SCALAR_TAGS:
            raise self.bad_tag(node)

    def bad_tag(self, node: Any) -> SpecError:
        return SpecError.at(
            self.at(node),
            "CC003",
            f"the YAML tag {short(node.tag)} is not allowed: a spec holds plain numbers, strings, lists and mappings",
            hint="remove the tag",
        )

    def key(self, node: Any) -> str:
        if not isinstance(node, self.yaml.ScalarNode):
            raise SpecError.at(self.at(node), "CC003", "a key must be a plain word")
        return str(node.value)

    def report(self, error: SpecError) -> None:
        """A problem that ends nothing (an `expect:` key): collected when collecting, else raised."""
        if self.problems is None:
            raise error
        self.problems.append(error.diagnostic)

    def mapping(self, node: Any, what: str, keys: tuple[str, ...], lenient: bool = False) -> dict[str, tuple[Any, Location]]:
        """A mapping's entries by key; an unknown key is an error (only reported, and left out,
        when `lenient`), as is a key given twice."""
        import yaml

        self.check_tag(node)
        if not isinstance(node, yaml.MappingNode):
            raise SpecError.at(self.at(node), "CC003", f"{what} must be a mapping of keys to values, found {_kind(node)}")
        entries: dict[str, tuple[Any, Location]] = {}
        for key_node, value_node in node.value:
            key = self.key(key_node)
            if keys and key not in keys:
                error = SpecError.at(
                    self.at(key_node),
                    "CC003",
                    f"unknown key {short(key)} in {what}",
                    hint=did_you_mean(key, keys) or "known keys: " + ", ".join(keys),
                )
                if not lenient:
                    raise error
                self.report(error)
                continue
            if key in entries:
                raise SpecError.at(self.at(key_node), "CC003", f"the key {short(key)} appears twice in {what}")
            entries[key] = (value_node, self.at(key_node))
        return entries

    def spec(self, root: Any) -> Spec:
        import yaml

        top = self.mapping(root, "the spec", TOP_LEVEL_KEYS)
        if "description" in top:
            self.unread(top["description"][0])
        framework = "keras"
        if "framework" in top:
            node = top["framework"][0]
            framework = str(self.value(node)).lower()
            if framework not in FRAMEWORKS:
                raise SpecError.at(
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
                raise SpecError.at(self.at(node), "CC003", f"batch must be a positive integer or null, found {short(batch)}")
            if batch is not None and batch > MAX_DIM:
                raise SpecError.at(
                    self.at(node), "CC003", f"batch {batch:,} is over convcalc's bound of 2**40 elements per dimension"
                )
        if "layers" not in top:
            raise SpecError.at(
                self.at(root),
                "CC003",
                "the spec has no `layers:`",
                hint="add a list of layers, e.g. `layers: [Flatten, Dense(10)]`",
            )
        layers_node = top["layers"][0]
        self.check_tag(layers_node)
        if not isinstance(layers_node, yaml.SequenceNode) or not layers_node.value:
            raise SpecError.at(self.at(layers_node), "CC003", f"layers must be a non-empty list, found {_kind(layers_node)}")
        blocks = self.blocks(top["blocks"][0]) if "blocks" in top else {}
        layers = tuple(self.layers(layers_node))
        if "input" in top and "inputs" in top:
            raise SpecError.at(
                top["inputs"][1], "CC003", "give either `input:` (one input) or `inputs:` (named inputs), not both"
            )
        inputs: tuple[InputSpec, ...] = ()
        if "input" in top:
            node, where = top["input"]
            inputs = (InputSpec("input", self.dims(node, "input"), where),)
        elif "inputs" in top:
            entries = self.mapping(top["inputs"][0], "inputs", ())
            inputs = tuple(InputSpec(key, self.dims(node, f"inputs.{key}"), where) for key, (node, where) in entries.items())
            if not inputs:
                raise SpecError.at(
                    top["inputs"][1], "CC003", "inputs must name at least one input", hint="e.g. inputs: {image: [224, 224, 3]}"
                )
        outputs: tuple[tuple[str, Location], ...] = ()
        if "outputs" in top:
            node = top["outputs"][0]
            value = self.value(node)
            value = value if isinstance(value, list) else [value]
            if not value or not all(isinstance(v, str) for v in value):
                raise SpecError.at(self.at(node), "CC003", f"outputs must be a list of layer names, found {short(value)}")
            outputs = tuple((v, self.at(node)) for v in value)
        expect = self.expect(top["expect"][0]) if "expect" in top else None
        spec = Spec(self.path, framework, inputs, layers, name, batch, expect, outputs, blocks)
        return with_input_from_first_layer(spec, self.at(root))

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
                raise SpecError.at(self.at(node), "CC003", f"{param!r} cannot be a block parameter's name")
        return params

    def dims(self, node: Any, what: str) -> tuple[int | None, ...]:
        value = self.value(node)
        if isinstance(value, str) and value.strip()[:1] in "([":  # (28, 28, 1), as Python writes a shape
            value = dims_text(value)
        if not isinstance(value, list):
            raise SpecError.at(
                self.at(node), "CC003", f"{what} must be a list of dimensions such as [28, 28, 1], found {short(value)}"
            )
        return parse_dims(value, self.at(node))

    def blocks(self, node: Any) -> dict[str, BlockSpec]:
        import yaml

        blocks = {}
        for name, (block_node, where) in self.mapping(node, "blocks", ()).items():
            if not name.isidentifier():
                raise SpecError.at(where, "CC003", f"a block name must be a word such as `bottleneck`, found {name!r}")
            entries = self.mapping(block_node, f"block {name!r}", BLOCK_KEYS)
            if "description" in entries:
                self.unread(entries["description"][0])
            params: dict[str, object] = {}
            if "params" in entries:
                params = self.params(entries["params"][0])
            if "layers" not in entries:
                raise SpecError.at(where, "CC003", f"block {name!r} has no `layers:`")
            layers_node = entries["layers"][0]
            if not isinstance(layers_node, yaml.SequenceNode) or not layers_node.value:
                raise SpecError.at(
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
                    raise SpecError.at(problem.location, problem.code, problem.message, hint) from None
                raise
        return layers

    def layer(self, node: Any, params: frozenset[str] = frozenset()) -> LayerSpec:
        """One layer; inside a block (`params` given) mapping values may be arithmetic of them."""
        import yaml

        where = self.at(node)
        self.check_tag(node)
        if isinstance(node, yaml.ScalarNode):
            if not isinstance(node.value, str) or node.tag != "tag:yaml.org,2002:str":
                raise SpecError.at(
                    where,
                    "CC003",
                    f"a layer must be a call such as Conv2D(32, 3) or a mapping with `type:`, found {short(node.value)}",
                )
            quote = 1 if node.style in ("'", '"') else 0
            layer = call_layer(node.value, where.shifted(quote))
            if "\n" in node.value.strip():  # folded multi-line text: columns are not reliable
                return layer.replace(location=where, arg_locations={}, arg_offsets={})
            return layer
        entries = self.mapping(node, "a layer", ())
        if "type" not in entries:
            raise SpecError.at(
                where, "CC003", "a layer mapping needs a `type:` key", hint="e.g. {type: Conv2D, filters: 32, kernel_size: 3}"
            )
        type_name = self.value(entries.pop("type")[0])
        if not isinstance(type_name, str):
            raise SpecError.at(where, "CC003", f"type must be a layer class name, found {short(type_name)}")
        kwargs = {key: _in_block(_tupled(self.value(value)), params) for key, (value, _) in entries.items()}
        locations: dict[int | str, Location] = {key: loc for key, (_, loc) in entries.items()}
        return layer_spec(LayerSpec(type_name, (), kwargs, where, locations, plain=not params))

    def expect(self, node: Any) -> Expect:
        """The figures to check; each key stands alone, so a bad one is reported and left out."""
        entries = self.mapping(node, "expect", EXPECT_KEYS, lenient=True)
        values: dict[str, Any] = {}
        for key, (value_node, _) in entries.items():
            try:
                value = self.value(value_node)
                if key == "output_shape":
                    value = expected_shape(value, self.at(value_node))
                elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise SpecError.at(
                        self.at(value_node), "CC003", f"expect.{key} must be a non-negative integer, found {short(value)}"
                    )
            except SpecError as exc:
                self.report(exc)
                continue
            values[key] = value
        return Expect(values, {key: loc for key, (_, loc) in entries.items() if key in values})


def expected_shape(value: object, where: Location) -> tuple[int | None, ...]:
    """`expect.output_shape` as written: a list, or a shape as the table prints it,
    `(None, 24, 24, 64)`; null, None or ? for a size that may be anything. With the batch or
    without it: check tells them apart by their length."""
    items = dims_text(value) if isinstance(value, str) else value
    if isinstance(items, list):
        dims = [None if isinstance(v, str) and v.lower() in ("none", "null", "?") else v for v in items]
        dims = [int(v) if isinstance(v, str) and v.isascii() and v.isdigit() and len(v) < 20 else v for v in dims]
        if all(v is None or (isinstance(v, int) and not isinstance(v, bool) and v >= 0) for v in dims):
            return tuple(dims)
    raise SpecError.at(
        where,
        "CC003",
        f"expect.output_shape must be a list of sizes, null for any, found {short(value)}",
        hint="e.g. [null, 24, 24, 64], or [24, 24, 64] without the batch",
    )


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
