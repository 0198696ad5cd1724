"""Composed YAML nodes into a Spec: every value checked and kept with its line and column."""

from __future__ import annotations

import ast
from typing import Any

from convcalc.errors import Diagnostic, LayerError, Location, SpecError, did_you_mean, short
from convcalc.signature import REQUIRED
from convcalc.spec.calls import Call, expression, layer_call, parse_call
from convcalc.spec.containers import CONTAINERS, Container, container_of
from convcalc.spec.expr import BUILTINS, MAX_CALL_DEPTH, RANGE, RESERVED, SHAPE, Expr, Function, allowed, evaluate
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
    MODES,
    TOP_LEVEL_KEYS,
    UNSCOPED_NAME,
    Assumption,
    BlockSpec,
    Dim,
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


def call_layer(text: str, where: Location, framework: str = "") -> LayerSpec:
    try:
        call, graph = layer_call(text)
    except LayerError as exc:
        raise SpecError.at(where.shifted(exc.offset), exc.code, exc.message, exc.hint) from None
    if graph is not None:  # its graph keywords already apart (a generated network's calls)
        if container_of(framework, call.name) is None:
            return _with_graph_keys(call.name, call.args, call.kwargs, where, None, call.offsets, graph, call.plain, None)
        call = parse_call(text)  # a container reads its keywords itself
    return layer_from_call(call, where, framework)


def layer_from_call(call: Call, where: Location, framework: str, nested: bool = False) -> LayerSpec:
    """The layer a call writes; a container's children (`Sequential(Conv2d(...), ReLU())`) become
    layers of their own, each located at its own column (`where` is the start of the text)."""
    location, offsets = where, call.offsets
    if nested:
        location, offsets = where.shifted(call.at), {key: column - call.at for key, column in call.offsets.items()}
    container = container_of(framework, call.name)
    if container is None:
        return layer_of(call.name, call.args, call.kwargs, location, arg_offsets=offsets, plain=call.plain)
    values = dict(call.kwargs)
    if container.positional == ("*",):  # torch's Sequential(*args), or Sequential(OrderedDict)
        one_mapping = len(call.args) == 1 and isinstance(call.args[0], dict)
        items: object = call.args[0] if one_mapping else list(call.args)
        if call.args and container.keyword in values:
            raise SpecError.at(location, "CC104", f"give {call.name}'s layers as arguments or as {container.keyword}=, not both")
        values.setdefault(container.keyword, items)
    else:
        if len(call.args) > len(container.positional):
            raise SpecError.at(
                location.shifted(offsets.get(len(container.positional), 0)),
                "CC104",
                f"{call.name} takes at most {len(container.positional)} positional arguments "
                f"({', '.join(container.positional)}), found {len(call.args)}",
            )
        for index, (key, value) in enumerate(zip(container.positional, call.args)):
            if key in values:
                raise SpecError.at(location.shifted(offsets.get(index, 0)), "CC104", f"{call.name} got {key!r} twice")
            values[key] = value
            offsets = {**offsets, key: offsets.get(index, 0)}
    for key in values:
        if key != container.keyword and key not in GRAPH_KEYS and key not in container.keywords:
            raise SpecError.at(
                location.shifted(offsets.get(key, 0)),
                "CC103",
                f"{call.name} takes no argument {key!r}",
                hint=did_you_mean(key, (container.keyword, *container.keywords, *GRAPH_KEYS)),
            )
    given = values.pop(container.keyword, [])
    children_at = location.shifted(offsets.get(container.keyword, 0))
    pairs = _child_items(given, container, children_at)
    children = []
    for child_key, item in pairs:
        if isinstance(item, Expr) and isinstance(item.node, ast.Name):  # a bare class name: Flatten
            item = Call(item.node.id)
        if not isinstance(item, Call):
            raise SpecError.at(
                children_at, "CC105", f"{call.name} holds layers, found {short(item)}", hint="e.g. Conv2d(3, 16, 3)"
            )
        child = layer_from_call(item, where, framework, nested=True)
        children.append(_keyed_child(child, child_key, children_at))
    layer = LayerSpec(call.name, (), values, location, arg_offsets=offsets, children=tuple(children))
    return _container_checked(layer_spec(layer), container)


def _child_items(given: object, container: Container, where: Location) -> list[tuple[str | None, object]]:
    """A container's children as (key or None, layer as written), checked against the forms its
    class takes: a list (numbered), a mapping of names (ModuleDict, an OrderedDict)."""
    if isinstance(given, dict):
        if container.keyed is False:
            raise SpecError.at(where, "CC105", f"{container.name}'s layers are a list, not a mapping of names")
        return list(given.items())
    if isinstance(given, tuple | list):
        if container.keyed is True:
            raise SpecError.at(
                where,
                "CC105",
                f"{container.name}'s layers are a mapping of names to layers",
                hint='e.g. {"conv": Conv2d(3, 8, 3)}',
            )
        return [(None, item) for item in given]
    raise SpecError.at(where, "CC105", f"{container.name}'s layers must be a list of layers, found {short(given)}")


def _keyed_child(child: LayerSpec, key: str | None, where: Location) -> LayerSpec:
    """A child given under a key is named by it, as torch names a ModuleDict's modules."""
    if key is None:
        return child
    if child.name is not None:
        raise SpecError.at(child.locate("name"), "CC003", f"the layer under {key!r} is named by its key; remove its name")
    if not isinstance(key, str) or not key or "." in key or "[" in key:
        raise SpecError.at(where, "CC003", f"a layer's key must be non-empty text without '.' or '[', found {short(key)}")
    return child.replace(name=key)


def _container_checked(layer: LayerSpec, container: Container) -> LayerSpec:
    if layer.shares is not None:
        raise SpecError.at(layer.locate("shares"), "CC003", f"a {container.name} holds layers: shares belongs on one of them")
    return layer


def layer_spec(layer: LayerSpec) -> LayerSpec:
    """The layer with the graph keys (`name`, `inputs`, `shares`, `when`, `repeat`) taken out of
    its arguments: they are convcalc's, whatever the class takes. Its kwargs are never changed:
    a call's are shared by every layer written the same way."""
    if GRAPH_KEY_SET.isdisjoint(layer.kwargs):
        return layer
    return layer_of(
        layer.type,
        layer.args,
        layer.kwargs,
        layer.location,
        layer.arg_locations,
        layer.arg_offsets,
        plain=layer.plain,
        children=layer.children,
    )


GRAPH_KEY_SET = frozenset(GRAPH_KEYS)
SEQUENCES, REFERENCES = (tuple, list), (str, int)
"""As isinstance takes them: `str | int` would make a union object at each layer."""


def layer_of(
    type_name: str,
    args: tuple[object, ...],
    kwargs: dict[str, object],
    location: Location,
    arg_locations: dict[int | str, Location] | None = None,
    arg_offsets: dict[int | str, int] | None = None,
    plain: bool = False,
    children: tuple[LayerSpec, ...] | None = None,
    own: bool = False,
) -> LayerSpec:
    """The layer written with these arguments, its graph keys taken out of them (as layer_spec
    does), made once: a 100,000-layer spec makes one per layer. `own`: `kwargs` belongs to this
    layer alone (a mapping's, just read) and the keys are taken out of it in place; a call's are
    shared by every layer written the same way, and are copied."""
    if GRAPH_KEY_SET.isdisjoint(kwargs):
        return LayerSpec(type_name, args, kwargs, location, arg_locations, arg_offsets, plain=plain, children=children)
    if not own:
        kwargs = dict(kwargs)
    graph = {key: kwargs.pop(key) for key in GRAPH_KEYS if key in kwargs}
    return _with_graph_keys(type_name, args, kwargs, location, arg_locations, arg_offsets, graph, plain, children)


def _with_graph_keys(
    type_name: str,
    args: tuple[object, ...],
    kwargs: dict[str, object],
    location: Location,
    arg_locations: dict[int | str, Location] | None,
    arg_offsets: dict[int | str, int] | None,
    graph: dict[str, object],
    plain: bool,
    children: tuple[LayerSpec, ...] | None,
) -> LayerSpec:
    """The layer with its graph keys (`graph`) checked and set apart from its arguments (`kwargs`)."""
    get = graph.get
    name, inputs, shares, when, repeat = get("name"), get("inputs"), get("shares"), get("when"), get("repeat")
    if inputs is not None:
        inputs = tuple(inputs) if isinstance(inputs, SEQUENCES) else (inputs,)
        for ref in inputs:
            if type(ref) is str:  # most often
                continue
            if isinstance(ref, bool) or (not isinstance(ref, REFERENCES) and type(ref).__name__ != "Expr"):
                where = LayerSpec(type_name, args, kwargs, location, arg_locations, arg_offsets).locate("inputs")
                raise SpecError.at(where, "CC003", f"inputs must name layers (or be -1, -2...), found {short(ref)}")
    if shares is not None and not isinstance(shares, str):
        where = LayerSpec(type_name, args, kwargs, location, arg_locations, arg_offsets).locate("shares")
        raise SpecError.at(where, "CC003", f"shares must name a layer, found {short(shares)}")
    # by position: keywords cost more, once a layer
    return LayerSpec(
        type_name, args, kwargs, location, arg_locations, arg_offsets, name, inputs, shares, when, repeat, plain, children
    )


class Reader:
    """Turns composed YAML nodes into a Spec, keeping each node's position."""

    def __init__(self, path: str, problems: list[Diagnostic] | None = None) -> None:
        import yaml

        self.path = path
        self.problems = problems  # where problems that end nothing are collected (None: raise them)
        self.nodes = 0
        self.framework = "keras"
        self.functions: frozenset[str] = frozenset()  # the names of the spec's helper formulas
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
        self.check_tag(node)
        if not isinstance(node, self.yaml.MappingNode):
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
        self.framework = framework
        functions = self.functions_of(top["functions"][0]) if "functions" in top else {}
        self.functions = frozenset(functions)
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
        mode = "train"
        if "mode" in top:
            node = top["mode"][0]
            mode = str(self.value(node))
            if mode not in MODES:
                raise SpecError.at(
                    self.at(node),
                    "CC003",
                    f"mode must be one of {', '.join(MODES)}, found {short(mode)}",
                    hint="train: modules as built (the default); eval: as after model.eval()",
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
        symbols = tuple(dict.fromkeys(d for i in inputs for d in i.shape if isinstance(d, str)))
        expect = self.expect(top["expect"][0], symbols) if "expect" in top else None
        spec = Spec(self.path, framework, inputs, layers, name, batch, expect, outputs, blocks, functions, mode=mode)
        spec = with_input_from_first_layer(spec, self.at(root))
        if "assume" in top:
            spec = spec.replace(assume=self.assume(top["assume"][0], spec.symbols))
        return spec

    def assume(self, node: Any, symbols: tuple[str, ...]) -> tuple[Assumption, ...]:
        """`assume:`, a condition or a list of them on the input's symbols (`H % 32 == 0`)."""
        from convcalc.symbolic.parse import FormulaError, conditions

        value = self.value(node)
        items = value if isinstance(value, list) else [value]
        nodes = node.value if isinstance(node, self.yaml.SequenceNode) else [node]
        found = []
        for item, item_node in zip(items, nodes):
            where = self.at(item_node)
            if not isinstance(item, str):
                raise SpecError.at(where, "CC003", f"assume: takes conditions such as 'H % 32 == 0', found {short(item)}")
            try:
                stated = conditions(item)
            except FormulaError as exc:
                raise SpecError.at(where, "CC003", f"assume: {exc}") from None
            for made in stated:
                if made is False:
                    raise SpecError.at(where, "CC003", f"assume: {item!r} is never true")
                unknown = sorted(set() if isinstance(made, bool) else made.symbols() - set(symbols))
                if unknown:
                    named = ", ".join(symbols) or "none"
                    raise SpecError.at(
                        where,
                        "CC003",
                        f"assume: {item!r} names {', '.join(unknown)}, which is not a size of the input",
                        hint=f"the input's symbols: {named} (write them in `input:`, e.g. [H, W, 3])",
                    )
            found.append(Assumption(item, tuple(c for c in stated if not isinstance(c, bool)), where))
        return tuple(found)

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
            if param in self.functions:
                raise SpecError.at(self.at(node), "CC003", f"{param!r} cannot be a block parameter's name: it is a function")
        return params

    def dims(self, node: Any, what: str) -> tuple[Dim, ...]:
        value = self.value(node)
        if isinstance(value, str) and value.strip()[:1] in ("(", "["):  # (28, 28, 1), as Python writes a shape
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
            if container_of(self.framework, name) or name in self.functions:
                what = "a container class" if container_of(self.framework, name) else "a function of `functions:`"
                raise SpecError.at(where, "CC003", f"a block cannot be named {name!r}: that is {what}")
            entries = self.mapping(block_node, f"block {name!r}", BLOCK_KEYS)
            if "description" in entries:
                self.unread(entries["description"][0])
            params: dict[str, object] = {}
            if "params" in entries:
                params = self.params(entries["params"][0])
            container = ""
            if "container" in entries:
                container_node = entries["container"][0]
                container = str(self.value(container_node))
                if container_of(self.framework, container) is None:
                    choices = ", ".join(_container_names(self.framework))
                    raise SpecError.at(
                        self.at(container_node),
                        "CC003",
                        f"container must be one of {choices} ({self.framework}), found {short(container)}",
                        hint=did_you_mean(container, _container_names(self.framework)),
                    )
            scoped = True
            if "scoped" in entries:
                scoped_node = entries["scoped"][0]
                written = self.value(scoped_node)
                if not isinstance(written, bool):
                    raise SpecError.at(self.at(scoped_node), "CC003", f"scoped must be true or false, found {short(written)}")
                scoped = written
                if not scoped and container:
                    raise SpecError.at(
                        self.at(scoped_node),
                        "CC003",
                        f"a block that subclasses {container} names its layers as the container does: it cannot be scoped: false",
                    )
            if "layers" not in entries:
                raise SpecError.at(where, "CC003", f"block {name!r} has no `layers:`")
            layers_node = entries["layers"][0]
            if not isinstance(layers_node, yaml.SequenceNode) or not layers_node.value:
                raise SpecError.at(
                    self.at(layers_node), "CC003", f"a block's layers must be a non-empty list, found {_kind(layers_node)}"
                )
            names = frozenset(params) | IMPLICIT_NAMES | (frozenset() if scoped else {UNSCOPED_NAME})
            params = {
                key: _in_block(value, names, self.functions) for key, value in params.items()
            }  # defaults may use earlier ones
            blocks[name] = BlockSpec(name, params, tuple(self.layers(layers_node, names)), where, container, scoped)
        return blocks

    def functions_of(self, node: Any) -> dict[str, Function]:
        """`functions:`: helper formulas, `name(param, param=default): expression` or a list of
        steps `name = expression` ending with the result; checked whole before any is used."""
        functions: dict[str, Function] = {}
        where: dict[str, Location] = {}
        for key, (value_node, at) in self.mapping(node, "functions", ()).items():
            function = self.function(key, value_node, at)
            if function.name in functions:
                raise SpecError.at(at, "CC003", f"the function {function.name!r} is defined twice")
            functions[function.name] = function
            where[function.name] = at
        _check_functions(functions, where)
        return functions

    def function(self, key: str, node: Any, where: Location) -> Function:
        import yaml

        signature = _parsed(key, "eval", where)
        if not (isinstance(signature, ast.Expression) and isinstance(signature.body, ast.Call)):
            raise SpecError.at(
                where, "CC003", f"a function is written name(parameters): {short(key)} is not", hint="e.g. half(v): v // 2"
            )
        call = signature.body
        if not isinstance(call.func, ast.Name):
            raise SpecError.at(where, "CC003", f"a function's name must be a word, found {short(key)}")
        name = call.func.id
        if name in RESERVED:
            raise SpecError.at(where, "CC003", f"{name!r} is a builtin of block arithmetic: give the function another name")
        if container_of(self.framework, name):
            raise SpecError.at(where, "CC003", f"a function cannot be named {name!r}: that is a container class")
        params: list[str] = []
        defaults: dict[str, object] = {}
        for argument in [*call.args, *call.keywords]:
            param = argument.id if isinstance(argument, ast.Name) else argument.arg if isinstance(argument, ast.keyword) else None
            if param is None:
                raise SpecError.at(where, "CC003", f"{name}'s parameters must be names, with defaults as name=value")
            if param in params or param in RESERVED:
                problem = "appears twice" if param in params else "is the name of a builtin"
                raise SpecError.at(where, "CC003", f"{name}'s parameter {param!r} {problem}")
            params.append(param)
            if isinstance(argument, ast.keyword):
                try:
                    defaults[param] = evaluate(argument.value, {}, ast.unparse(argument.value))
                except LayerError as exc:
                    raise SpecError.at(where, exc.code, f"the default of {name}'s {param!r}: {exc.message}", exc.hint) from None
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        if not items:
            raise SpecError.at(self.at(node), "CC003", f"function {name!r} has no body")
        steps: list[tuple[str | None, ast.expr, str]] = []
        for index, item in enumerate(items):
            text = self.value(item)
            if not isinstance(text, str | int | float) or isinstance(text, bool):
                raise SpecError.at(self.at(item), "CC003", f"a function's body is expressions, found {short(text)}")
            steps.append(_step(str(text), self.at(item), last=index == len(items) - 1))
        return Function(name, tuple(params), defaults, tuple(steps), key.strip())

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
        where = self.at(node)
        self.check_tag(node)
        if isinstance(node, self.yaml.ScalarNode):  # PyYAML as the reader holds it: an import costs, once a layer
            if not isinstance(node.value, str) or node.tag != "tag:yaml.org,2002:str":
                raise SpecError.at(
                    where,
                    "CC003",
                    f"a layer must be a call such as Conv2D(32, 3) or a mapping with `type:`, found {short(node.value)}",
                )
            text = node.value
            layer = call_layer(text, where.shifted(1) if node.style in ("'", '"') else where, self.framework)
            if "\n" in text and "\n" in text.strip():  # folded multi-line text: columns are not reliable
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
        container = container_of(self.framework, type_name)
        children = None
        if container is not None:
            children = self.children(container, entries, where, params)
        if params or self.functions:
            kwargs = {key: _in_block(_tupled(self.value(value)), params, self.functions) for key, (value, _) in entries.items()}
            plain = not params and not _computed(kwargs)
        else:  # plain data alone (Reader.value): no arithmetic, no helper's call
            kwargs = {key: _tupled(self.value(value)) for key, (value, _) in entries.items()}
            plain = True
        locations: dict[int | str, Location] = {key: loc for key, (_, loc) in entries.items()}
        layer = layer_of(type_name, (), kwargs, where, locations, plain=plain, children=children, own=True)
        return layer if container is None else _container_checked(layer, container)

    def children(
        self, container: Container, entries: dict[str, tuple[Any, Location]], where: Location, params: frozenset[str]
    ) -> tuple[LayerSpec, ...]:
        """A container's layers in the mapping form (`layers:`, or torch's `modules:`), each read
        as any layer is, with its own line; the entry is taken out of `entries`."""
        import yaml

        for key, (_, at) in entries.items():
            if key != container.keyword and key not in GRAPH_KEYS and key not in container.keywords:
                raise SpecError.at(
                    at,
                    "CC103",
                    f"{container.name} takes no argument {key!r}",
                    hint=did_you_mean(key, (container.keyword, *container.keywords, *GRAPH_KEYS))
                    or f"its layers go under `{container.keyword}:`",
                )
        if container.keyword not in entries:
            raise SpecError.at(where, "CC003", f"a {container.name} needs `{container.keyword}:`, the layers it holds")
        node, at = entries.pop(container.keyword)
        self.check_tag(node)
        if isinstance(node, yaml.MappingNode):
            _child_items({}, container, at)  # a mapping where the class takes a list: its error
            found = []
            for key, (child_node, key_at) in self.mapping(node, f"{container.name}'s layers", ()).items():
                found.append(_keyed_child(self.layer(child_node, params), key, key_at))
            return tuple(found)
        if not isinstance(node, yaml.SequenceNode):
            raise SpecError.at(self.at(node), "CC003", f"{container.name}'s layers must be a list of layers, found {_kind(node)}")
        _child_items([], container, at)  # a list where the class takes a mapping: its error
        return tuple(self.layers(node, params))

    def expect(self, node: Any, symbols: tuple[str, ...] = ()) -> Expect:
        """The figures to check; each key stands alone, so a bad one is reported and left out.
        With symbols in the input, a figure may be a formula of them (`params: 64*H + 10`)."""
        entries = self.mapping(node, "expect", EXPECT_KEYS, lenient=True)
        values: dict[str, Any] = {}
        for key, (value_node, _) in entries.items():
            try:
                value = self.value(value_node)
                if key == "output_shape":
                    value = expected_shape(value, self.at(value_node), symbols)
                elif key == "domain" or (isinstance(value, str) and symbols and key != "max_params"):
                    _formula_checked(key, value, self.at(value_node), symbols)
                elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise SpecError.at(
                        self.at(value_node), "CC003", f"expect.{key} must be a non-negative integer, found {short(value)}"
                    )
            except SpecError as exc:
                self.report(exc)
                continue
            values[key] = value
        return Expect(values, {key: loc for key, (_, loc) in entries.items() if key in values})


def _formula_checked(key: str, value: object, where: Location, symbols: tuple[str, ...]) -> None:
    """An `expect:` value written as a formula of the input's symbols (`params: 9408*H + 64`) or,
    for `domain:`, as conditions (`H % 16 == 0 and H >= 16`): read now, so a typo is found here."""
    from convcalc.symbolic.parse import FormulaError, conditions, formula

    if not isinstance(value, str):
        raise SpecError.at(where, "CC003", f"expect.{key} takes conditions such as 'H % 16 == 0', found {short(value)}")
    try:
        if key == "domain":
            named = set().union(*(c.symbols() for c in conditions(value) if not isinstance(c, bool)))
        else:
            named = set(formula(value).symbols())
    except FormulaError as exc:
        raise SpecError.at(where, "CC003", f"expect.{key}: {exc}") from None
    unknown = sorted(named - set(symbols))
    if unknown:
        raise SpecError.at(
            where,
            "CC003",
            f"expect.{key} names {', '.join(unknown)}, which is not a size of the input",
            hint=f"the input's symbols: {', '.join(symbols) or 'none'}",
        )


def expected_shape(value: object, where: Location, symbols: tuple[str, ...] = ()) -> tuple[int | str | None, ...]:
    """`expect.output_shape` as written: a list, or a shape as the table prints it,
    `(None, 24, 24, 64)`; null, None or ? for a size that may be anything, a formula of the
    input's symbols (`H/16`) for a size that follows them. With the batch or without it: check
    tells them apart by their length."""
    items = dims_text(value) if isinstance(value, str) and value.strip() else value
    if isinstance(items, list):
        dims = [None if isinstance(v, str) and v.lower() in ("none", "null", "?") else v for v in items]
        dims = [int(v) if isinstance(v, str) and v.isascii() and v.isdigit() and len(v) < 20 else v for v in dims]
        if all(
            v is None or (isinstance(v, str) and symbols) or (isinstance(v, int) and not isinstance(v, bool) and v >= 0)
            for v in dims
        ):
            for v in dims:
                if isinstance(v, str):
                    _formula_checked("output_shape", v, where, symbols)
            return tuple(dims)
    raise SpecError.at(
        where,
        "CC003",
        f"expect.output_shape must be a list of sizes, null for any, found {short(value)}",
        hint="e.g. [null, 24, 24, 64], or [24, 24, 64] without the batch",
    )


def _in_block(value: Any, params: frozenset[str], functions: frozenset[str] = frozenset()) -> Any:
    """Inside a block, a text value naming its parameters (`filters * 4`) is arithmetic;
    other text (`same`, `relu`) stays text. Anywhere, text that calls the spec's helpers or the
    builtins of block arithmetic over literals (`_make_divisible(24, 8)`) is arithmetic too."""
    if not params and not functions:
        return value
    if isinstance(value, str):
        expr = expression(value)
        if expr is not None:
            if params and expr.names() <= params:
                return expr
            calls = expr.calls()
            return expr if calls and not expr.names() and calls <= functions | CALLABLE else value
        try:  # a wrapped layer written as text: layer: "Dense(units * 2)"; a helper's call
            call = parse_call(value)
        except LayerError:
            return value
        return call if params or call.name in functions else value
    if isinstance(value, tuple):
        return tuple(_in_block(v, params, functions) for v in value)
    if isinstance(value, dict):
        return {k: _in_block(v, params, functions) for k, v in value.items()}
    return value


CALLABLE = frozenset((*BUILTINS, RANGE))


def _computed(value: Any) -> bool:
    """Whether arithmetic or a helper's call is left in `value` (a mapping-form layer's arguments)."""
    if isinstance(value, Expr | Call):
        return True
    if isinstance(value, tuple | list):
        return any(_computed(v) for v in value)
    if isinstance(value, dict):
        return any(_computed(v) for v in value.values())
    return False


def _container_names(framework: str) -> tuple[str, ...]:
    return tuple(CONTAINERS.get(framework, {}))


def _parsed(text: str, mode: str, where: Location) -> ast.AST:
    try:
        return ast.parse(text.strip(), mode=mode)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        reason = getattr(exc, "msg", None) or str(exc) or "it nests too deeply"
        raise SpecError.at(where, "CC102", f"cannot read {short(text)}: {reason}") from None


def _step(text: str, where: Location, last: bool) -> tuple[str | None, ast.expr, str]:
    """One step of a function's body: `name = expression`, or (the last) the result, an
    expression (`return` before it is allowed)."""
    stripped = text.strip()
    if last and (stripped.startswith("return ") or stripped == "return"):
        stripped = stripped[len("return") :].strip()
    tree = _parsed(stripped, "exec", where)
    assert isinstance(tree, ast.Module)
    if len(tree.body) != 1:
        raise SpecError.at(where, "CC003", f"one step a line: {short(text)}")
    statement = tree.body[0]
    target: str | None = None
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
        target, node = statement.targets[0].id, statement.value
        if last:
            raise SpecError.at(where, "CC003", f"a function's last step is its result, an expression: {short(text)}")
        if target in RESERVED:
            raise SpecError.at(where, "CC003", f"{target!r} is the name of a builtin: assign to another name")
    elif isinstance(statement, ast.Expr):
        node = statement.value
        if not last:
            raise SpecError.at(where, "CC003", f"a step before the last assigns a name (name = expression): {short(text)}")
    else:
        raise SpecError.at(where, "CC003", f"a function's step is `name = expression` or an expression: {short(text)}")
    bad = allowed(node)
    if bad is not None:
        shown = ast.get_source_segment(stripped, bad) or type(bad).__name__
        raise SpecError.at(
            where,
            "CC102",
            f"{short(shown)} is not allowed in a function",
            hint="numbers, names, + - * / // % **, comparisons, conditions and the functions " + ", ".join(BUILTINS),
        )
    return target, node, ast.get_source_segment(stripped, node) or stripped


def _check_functions(functions: dict[str, Function], where: dict[str, Location]) -> None:
    """Each body reads only its parameters and earlier steps, and calls builtins and other
    functions; no function calls itself, however indirectly (there is no recursion to bound)."""
    calls: dict[str, list[str]] = {}
    for name, function in functions.items():
        known = set(function.params)
        called: list[str] = []
        for target, node, text in function.steps:
            expr = Expr(text, node)
            for read in sorted(expr.names() - known):
                raise SpecError.at(
                    where[name],
                    "CC105",
                    f"unknown name {read!r} in function {name!r}: {short(text)}",
                    hint=f"a function sees its parameters ({', '.join(function.params) or 'none'}) and its earlier steps",
                )
            for call in sorted(expr.calls()):
                if call == SHAPE:
                    raise SpecError.at(
                        where[name], "CC105", f"function {name!r} calls shape(), which reads layers: pass the shape in"
                    )
                if call not in CALLABLE and call not in functions:
                    hint = did_you_mean(call, [*functions, *BUILTINS])
                    raise SpecError.at(
                        where[name], "CC105", f"function {name!r} calls {call!r}, which is not a function", hint=hint
                    )
                if call in functions:
                    called.append(call)
            if target is not None:
                known.add(target)
        calls[name] = called
    depth: dict[str, int] = {}

    def visit(name: str, path: tuple[str, ...]) -> int:
        if name in path:
            chain = " -> ".join((*path[path.index(name) :], name))
            first = path[path.index(name)]
            problem = f"function {first!r} calls itself ({chain})"
            raise SpecError.at(where[first], "CC003", problem, hint="a spec's functions do not recurse")
        if len(path) >= MAX_CALL_DEPTH:
            raise SpecError.at(
                where[path[0]], "CC003", f"functions call each other more than {MAX_CALL_DEPTH} deep from {path[0]!r}"
            )
        if name not in depth:
            depth[name] = 1 + max((visit(c, (*path, name)) for c in calls[name]), default=0)
        return depth[name]

    for name in functions:
        visit(name, ())


def _tupled(value: Any) -> Any:
    """YAML lists stand for the tuples the call form would use: (3, 3) and [3, 3] mean the same."""
    return tuple(_tupled(v) for v in value) if isinstance(value, list) else value


def _kind(node: Any) -> str:
    import yaml

    if isinstance(node, yaml.ScalarNode):
        return short(node.value)
    return "a list" if isinstance(node, yaml.SequenceNode) else "a mapping"
