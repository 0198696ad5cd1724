"""Keras models as Keras writes them down, read with the standard library: a `.keras` file (a
zip holding `config.json`; Keras 3), the JSON of `model.to_json()` (Keras 3), and Keras 2's
JSON (nodes as `[layer, node_index, tensor_index, kwargs]` lists, `batch_input_shape`).
Sequential and functional models; a model inside a model becomes a block.

Nothing is imported, run or unpickled: a class is a name looked up in convcalc's Keras
vocabulary, custom objects (`module`, `registered_name`) are refused by name, the weights file
in a `.keras` archive is never opened. The shapes a file records (each call's input tensors,
Keras 3; each layer's `build_config`) come along as comments and are checked against convcalc's.

This module reads the graph (models, calls, blocks, inputs and outputs); keras_layer.py one
layer's class and arguments.
"""

from __future__ import annotations

import heapq
import keyword
from typing import Any

from convcalc.errors import Location, SpecError, short
from convcalc.ops.layout import format_shape
from convcalc.ops.tensor import Shape
from convcalc.signature import REQUIRED
from convcalc.sources.draft import Block, Draft, Layer
from convcalc.sources.keras_layer import LayerReader
from convcalc.sources.reading import head, parse_json, read_bytes, text, zip_member
from convcalc.spec.model import GRAPH_KEYS, IMPLICIT_NAMES

MODELS = ("Functional", "Model", "Sequential")
MAX_NESTING = 32
"""Models inside models: a real one nests two or three deep."""
TENSOR_KEYWORDS = ("query", "value", "key")
"""Keyword tensors a layer call may take, in the order convcalc's inputs take them
(MultiHeadAttention: [query, value, key])."""

Ref = tuple[str, int, int]  # a Keras tensor: (layer name, node index, tensor index)


def draft(path: str) -> Draft:
    """The Draft of the Keras model in `path` (a .keras archive or a JSON file)."""
    if head(path, 4) in (b"PK\x03\x04", b"PK\x05\x06"):
        where = f"{path}!config.json"
        config = parse_json(text(zip_member(path, "config.json") or b"", where), where)
        metadata = zip_member(path, "metadata.json", limit=65_536, required=False)
        version = _version(metadata, where)
        origin = f"Keras {version} .keras file" if version else "Keras .keras file"
    else:
        where = path
        config = parse_json(text(read_bytes(path), path), path)
        version = str(config.get("keras_version", ""))[:20] if isinstance(config, dict) else ""
        keras3 = isinstance(config, dict) and "module" in config  # Keras 3 names each class's module; Keras 2 does not
        origin = f"Keras {version} JSON" if version else "Keras 3 JSON" if keras3 else "Keras JSON"
    return _Importer(where).model(config, path, origin)


def _version(metadata: bytes | None, where: str) -> str:
    if metadata is None:
        return ""
    try:
        data = parse_json(text(metadata, where), where)
    except SpecError:
        return ""
    version = data.get("keras_version") if isinstance(data, dict) else None
    return version if isinstance(version, str) and len(version) < 40 else ""


class _Scope:
    """The names of one model while it is converted: the top level, or a model inside it."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix  # how the report names this scope's rows: "" or "inner."
        self.refs: dict[tuple[str, int], tuple[str, ...]] = {}  # a call (layer, node) -> its outputs, as spec refs
        self.models: set[str] = set()  # the layers that are models inside this one
        self.inputs: dict[str, str] = {}  # an InputLayer's name -> its ref here
        self.used: set[str] = set()
        self.last = ""  # what a layer written without `inputs` takes: the layer written before it


class _Importer:
    def __init__(self, where: str) -> None:
        self.where = where
        self.layers = LayerReader(self.fail)
        self.vocabulary = self.layers.vocabulary
        self.blocks: list[Block] = []
        self.block_names: set[str] = set()
        self.recorded: dict[str, list[Shape | None]] = {}  # by row name
        self.instances: dict[str, str] = {}  # a block instance's full name -> its last layer's
        self.prefixes: dict[str, str] = {}  # a block's name -> the prefix of its one instance
        self.renamed: list[str] = []

    def fail(self, message: str, code: str = "CC003", hint: str = "", layer: str = "") -> SpecError:
        return SpecError.at(Location(self.where), code, message, hint, layer)

    # --- the model

    def model(self, config: Any, path: str, origin: str) -> Draft:
        if not isinstance(config, dict) or config.get("class_name") not in MODELS:
            found = config.get("class_name") if isinstance(config, dict) else type(config).__name__
            raise self.fail(
                f"not a Keras model: the top level is {str(found)[:60]!r}",
                hint="convcalc reads Sequential and functional models (Model, Functional)",
            )
        body = config.get("config")
        name = body.get("name") if isinstance(body, dict) else None
        scope = _Scope("")
        outputs: tuple[str, ...] = ()
        if config["class_name"] == "Sequential":
            shape, batch = self.sequential_input(config)
            scope.inputs["input"] = scope.last = "input"
            inputs: tuple[tuple[str, Shape], ...] = (("input", shape),)
            layers, outs = self.sequential(_sequential_entries(body, self), scope, _trainable(body))
        else:
            if not isinstance(body, dict):
                raise self.fail("the model's config is not an object")
            inputs, batch = self.functional_inputs(body, scope)
            layers, outs = self.functional(body, scope, _trainable(body))
        if outs != (scope.last,):
            outputs = outs
        recorded = {key: tuple(shapes) for key, shapes in self.recorded.items()}
        layers = self.annotated(layers, "")
        self.blocks = [block.replace(layers=self.annotated(block.layers, self.prefixes[block.name])) for block in self.blocks]
        kind = "Sequential" if config["class_name"] == "Sequential" else "functional"
        called = f" {name!r}" if isinstance(name, str) else ""
        header = (
            f"Imported by `convcalc import` from {path}: a {origin} ({kind} model{called}).",
            "Comments: each layer's output shape as the file records it, checked against convcalc's at import."
            if recorded
            else "The file records no shapes (Keras 2 does not): every shape here is convcalc's.",
            *(["Renamed (a spec name has no '.' or '['): " + ", ".join(self.renamed)] if self.renamed else []),
        )
        return Draft(
            "keras",
            inputs,
            tuple(layers),
            name if isinstance(name, str) else None,
            batch,
            tuple(self.blocks),
            outputs,
            self.expectations(self.row(outs[0]) if outs else "", recorded),
            recorded,
            header,
        )

    def annotated(self, layers: list[Layer] | tuple[Layer, ...], prefix: str) -> list[Layer]:
        """Each layer with the output shapes the file records for it as its comment."""
        found = []
        for layer in layers:
            shapes = self.recorded.get(self.row(prefix + str(layer.name)), [])
            shown = [format_shape(s) for s in shapes if s is not None]
            found.append(layer.replace(comment=", ".join(shown)) if shown else layer)
        return found

    def row(self, ref: str) -> str:
        """The report's row for a full ref: a block instance's is its last layer's."""
        name, index = _split_ref(ref)
        while name in self.instances:
            name = self.instances[name]
        return name if index == 0 else f"{name}[{index}]"

    def expectations(self, output: str, recorded: dict[str, tuple[Shape | None, ...]]) -> dict[str, object]:
        """`expect: output_shape` when the file records the first output's shape."""
        name, index = _split_ref(output)
        shapes = recorded.get(name, ())
        shape = shapes[index] if index < len(shapes) else None
        return {"output_shape": shape} if shape is not None else {}

    # --- functional models

    def functional_inputs(self, body: dict[str, Any], scope: _Scope) -> tuple[tuple[tuple[str, Shape], ...], int | None]:
        """The top model's inputs, under their names in the file."""
        names = [ref[0] for ref in _refs(body.get("input_layers"), self)]
        shapes: dict[str, tuple[int | None, ...]] = {}
        for entry in _entries(body, self):
            if entry.get("class_name") == "InputLayer":
                shapes[_entry_name(entry, self)] = _input_shape(entry.get("config"), self)
        if not names:
            raise self.fail("the model has no inputs")
        batches = set()
        inputs = []
        for raw in names:
            if raw not in shapes:
                raise self.fail(f"the input {raw[:60]!r} is not an InputLayer of the model")
            full = shapes[raw]
            batches.add(full[0])
            local = self.unique(raw, scope)  # the file's name for it, as Keras's summary shows it
            scope.inputs[raw] = local
            inputs.append((local, full[1:]))
        if len(batches) > 1:
            raise self.fail(f"the inputs have different batch sizes {sorted(map(str, batches))}: a spec has one batch")
        scope.last = inputs[0][0]
        return tuple(inputs), batches.pop()

    def functional(self, body: dict[str, Any], scope: _Scope, trainable: bool) -> tuple[list[Layer], tuple[str, ...]]:
        """The layers of a functional model, in an order where each follows what it takes, and
        its outputs as refs."""
        entries = [e for e in _entries(body, self) if e.get("class_name") != "InputLayer"]
        nodes: dict[str, list[Any]] = {}
        for entry in entries:
            name = _entry_name(entry, self)
            if name in nodes:
                raise self.fail(f"two layers are named {name[:60]!r}")
            calls = entry.get("inbound_nodes")
            if not isinstance(calls, list) or not calls:
                raise self.fail("the layer is in the model but never called", layer=name[:60])
            nodes[name] = calls
            if _is_model(entry):
                scope.models.add(name)
        order = self.call_order(entries, nodes, scope)
        layers: list[Layer] = []
        for index, node in order:
            entry = entries[index]
            layers.append(self.call(entry, node, nodes[_entry_name(entry, self)][node], scope, trainable))
        outputs = tuple(self.ref(ref, scope) for ref in _refs(body.get("output_layers"), self))
        if not outputs:
            raise self.fail("the model has no outputs")
        if not layers:
            raise self.fail("the model has no layers besides its inputs")
        return layers, outputs

    def call_order(self, entries: list[dict[str, Any]], nodes: dict[str, list[Any]], scope: _Scope) -> list[tuple[int, int]]:
        """Every (entry, node) after the calls whose outputs it takes, otherwise in file order
        (a shared layer may be called at different depths: A(B(A(x))))."""
        index_of = {_entry_name(e, self): i for i, e in enumerate(entries)}
        waiting: dict[tuple[int, int], set[tuple[int, int]]] = {}
        taken: dict[tuple[int, int], int] = {}  # how many tensors each call takes
        for i, entry in enumerate(entries):
            name = _entry_name(entry, self)
            for k, node in enumerate(nodes[name]):
                needs = set()
                tensors = _tensors(node, self, name, [] if _operation(entry) else None)
                taken[(i, k)] = len(tensors)
                for producer, node_index, _, _ in tensors:
                    if producer in scope.inputs:
                        continue
                    if producer not in index_of:
                        raise self.fail(f"it takes the output of {producer[:60]!r}, which the model does not hold", layer=name)
                    j = index_of[producer]
                    needs.add((j, _node(node_index, entries[j], nodes[producer], self)))
                if k:
                    needs.add((i, k - 1))  # a layer's first call holds the weights its other calls share
                waiting[(i, k)] = needs
        users: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for key, needs in waiting.items():
            for need in needs:
                users.setdefault(need, []).append(key)
        sole = {key: next(iter(needs)) for key, needs in waiting.items() if len(needs) == 1 and taken[key] == 1}
        ready = [key for key, needs in waiting.items() if not needs]
        heapq.heapify(ready)
        order: list[tuple[int, int]] = []
        placed: set[tuple[int, int]] = set()
        follow: tuple[int, int] | None = None
        while ready or follow is not None:
            if follow is None:
                key = heapq.heappop(ready)
                if key in placed:
                    continue
            else:
                key, follow = follow, None
            order.append(key)
            placed.add(key)
            chain = []
            for user in users.get(key, ()):
                waiting[user].discard(key)
                if not waiting[user]:
                    heapq.heappush(ready, user)
                    if sole.get(user) == key:
                        chain.append(user)
            follow = min(chain) if chain else None  # keep a chain together: fewer `inputs` to write
        if len(order) != len(waiting):
            stuck = next(key for key in waiting if key not in placed)
            raise self.fail("the model's graph has a cycle", layer=_entry_name(entries[stuck[0]], self))
        return order

    def call(self, entry: dict[str, Any], node: int, data: Any, scope: _Scope, trainable: bool) -> Layer:
        """One call of a layer (or of a model inside this one) as a spec layer."""
        raw = _entry_name(entry, self)
        constants: list[float] = []  # `x + 3.0`: a keras.ops operation's number operand
        tensors = _tensors(data, self, raw, constants if _operation(entry) else None)
        if not tensors:
            raise self.fail("the layer is called on no tensor", layer=raw)
        refs = tuple(self.ref((producer, ni, ti), scope) for producer, ni, ti, _ in tensors)
        for ref, (_, _, _, shape) in zip(refs, tensors):
            self.record(ref, shape, scope)
        name = self.unique(raw if node == 0 else f"{raw}@{node}", scope)
        if _is_model(entry):
            if node > 0:
                raise self.fail(
                    "the model inside is called more than once; convcalc cannot share a block's weights yet",
                    layer=f"{raw} ({entry.get('class_name')})",
                )
            layer, outputs = self.instance(entry, refs, name, scope, trainable)
            scope.refs[(raw, 0)] = outputs
        else:
            type_name, args, kwargs = self.layers.arguments(entry, raw)
            if constants:
                if len(constants) > 1 or "other" not in self.vocabulary.lookup(type_name).signature.names:
                    raise self.fail(f"the layer is called with the value {short(constants[0])}, not a tensor", layer=raw)
                kwargs["other"] = constants[0]  # convcalc's Add(other), Multiply(other)...
            if not trainable:
                kwargs["trainable"] = False
            shares = scope.refs[(raw, 0)][0] if node > 0 else None
            layer = Layer(type_name, args, kwargs, name, None, shares)
            scope.refs[(raw, node)] = (name,)
        taken = refs[:1] if _is_model(entry) else refs  # a block takes its other inputs as parameters
        layer = layer.replace(inputs=None if taken == (scope.last,) else taken)
        scope.last = name
        return layer

    def ref(self, tensor: Ref, scope: _Scope) -> str:
        """A Keras tensor as the spec names it here."""
        producer, node, index = tensor
        if producer in scope.inputs:
            return scope.inputs[producer]
        if producer in scope.models and node == 1:
            node = 0  # a functional model's first call is its node 1 (see _node)
        found = scope.refs.get((producer, node))
        if found is None:
            raise self.fail(f"a layer takes {producer[:60]!r} (call {node}), which comes later or not at all")
        if index < len(found):
            return found[index]
        return f"{found[0]}[{index}]"

    def record(self, ref: str, shape: Shape | None, scope: _Scope) -> None:
        """The file's shape for the output `ref` names (a graph input records nothing)."""
        if shape is None or ref in scope.inputs.values():
            return
        name, index = _split_ref(self.row(scope.prefix + ref))
        shapes = self.recorded.setdefault(name, [])
        shapes.extend([None] * (index + 1 - len(shapes)))
        shapes[index] = shape

    # --- models inside models: blocks

    def instance(
        self, entry: dict[str, Any], refs: tuple[str, ...], name: str, scope: _Scope, trainable: bool
    ) -> tuple[Layer, tuple[str, ...]]:
        """A model inside this one: a block of its layers, used once here; its outputs, as refs
        from here (`inner.dense`, or `inner` for its last layer)."""
        body = entry.get("config")
        if not isinstance(body, dict) and entry.get("class_name") != "Sequential":
            raise self.fail("the model inside has no config", layer=name)
        inner = _Scope(scope.prefix + name + ".")
        inner.last = "input"
        if inner.prefix.count(".") > MAX_NESTING:
            raise self.fail(f"models nest more than {MAX_NESTING} deep", layer=name)
        trainable = trainable and _trainable(body)
        params: dict[str, object] = {}
        kwargs: dict[str, object] = {}
        if entry.get("class_name") == "Sequential":
            if len(refs) != 1:
                raise self.fail(f"the Sequential model inside takes {len(refs)} inputs", layer=name)
            inner.inputs["input"] = "input"
            layers, outputs = self.sequential(_sequential_entries(body, self), inner, trainable)
        else:
            assert isinstance(body, dict)
            names = [ref[0] for ref in _refs(body.get("input_layers"), self)]
            if len(names) != len(refs):
                raise self.fail(f"the model inside has {len(names)} inputs and is called on {len(refs)}", layer=name)
            taken = {_entry_name(e, self) for e in _entries(body, self) if e.get("class_name") != "InputLayer"}
            for position, raw in enumerate(names):
                if position == 0:
                    inner.inputs[raw] = "input"
                    continue
                param = _parameter(raw, taken | set(params))
                params[param] = REQUIRED
                kwargs[param] = refs[position]
                inner.inputs[raw] = param
            layers, outputs = self.functional(body, inner, trainable)
        block = self.block_name(str(body.get("name") if isinstance(body, dict) else name) or name)
        what = f"the {entry.get('class_name')} model {name!r} of the file"
        self.blocks.append(Block(block, params, tuple(layers), comment=what))
        self.prefixes[block] = inner.prefix
        self.instances[scope.prefix + name] = inner.prefix + str(layers[-1].name)
        outer = []
        for ref in outputs:
            if ref == layers[-1].name:
                outer.append(name)
            elif ref == "input":
                outer.append(refs[0])
            elif ref in params:
                outer.append(str(kwargs[ref]))
            else:
                outer.append(f"{name}.{ref}")
        return Layer(block, (), kwargs, name, None), tuple(outer)

    def block_name(self, raw: str) -> str:
        base = "".join(c if c.isalnum() or c == "_" else "_" for c in raw) or "model"
        if not base.isidentifier() or keyword.iskeyword(base):
            base = f"model_{base}"
        found, count = base, 1
        while found in self.block_names or found in self.vocabulary.types or found in self.vocabulary.aliases:
            count += 1
            found = f"{base}_{count}"
        self.block_names.add(found)
        return found

    # --- Sequential models

    def sequential_input(self, config: dict[str, Any], depth: int = 0) -> tuple[Shape, int | None]:
        """A Sequential model's input shape (batch excluded) and batch, from wherever the file
        keeps it: an InputLayer, `build_input_shape`, the first layer's `batch_input_shape`,
        the model's `build_config`, or the first model inside it."""
        body = config.get("config")
        entries = _sequential_entries(body, self)
        candidates: list[Any] = []
        if entries and entries[0].get("class_name") == "InputLayer":
            candidates.append(_input_shape(entries[0].get("config"), self))
        if isinstance(body, dict) and body.get("build_input_shape") is not None:
            candidates.append(body["build_input_shape"])
        if entries and isinstance(entries[0].get("config"), dict):
            first = entries[0]["config"]
            for key in ("batch_input_shape", "batch_shape"):
                if first.get(key) is not None:
                    candidates.append(first[key])
        build = config.get("build_config")
        if isinstance(build, dict) and build.get("input_shape") is not None:
            candidates.append(build["input_shape"])
        if entries and _is_model(entries[0]) and entries[0].get("class_name") == "Sequential" and depth < MAX_NESTING:
            shape, batch = self.sequential_input(entries[0], depth + 1)
            candidates.append((batch, *shape))
        for candidate in candidates:
            full = _shape(candidate, self, "the input shape")
            if len(full) >= 2:
                return full[1:], full[0]
        raise self.fail(
            "the Sequential model does not record its input shape",
            hint="build it (keras.Input first, or call it once) before saving",
        )

    def sequential(self, entries: list[dict[str, Any]], scope: _Scope, trainable: bool) -> tuple[list[Layer], tuple[str, ...]]:
        """A Sequential's layers, each taking the output of the one before (a functional model
        inside may give another of its layers as its output: then `inputs` says so)."""
        layers: list[Layer] = []
        flow = scope.last
        for entry in entries:
            if entry.get("class_name") == "InputLayer":
                continue
            raw = _entry_name(entry, self)
            name = self.unique(raw, scope)
            build = entry.get("build_config")
            if isinstance(build, dict) and build.get("input_shape") is not None:
                self.record(flow, _shape(build["input_shape"], self, "build_config"), scope)
            inputs = None if flow == scope.last else (flow,)
            if _is_model(entry):
                layer, outputs = self.instance(entry, (flow,), name, scope, trainable)
                flow = outputs[0]
            else:
                type_name, args, kwargs = self.layers.arguments(entry, raw)
                if not trainable:
                    kwargs["trainable"] = False
                layer = Layer(type_name, args, kwargs, name)
                flow = name
            layers.append(layer.replace(inputs=inputs))
            scope.last = name
        if not layers:
            raise self.fail("the Sequential model has no layers")
        return layers, (flow,)

    def unique(self, raw: str, scope: _Scope) -> str:
        """A name the spec accepts (text without '.' or '['), unused in this scope."""
        name = raw.replace(".", "_").replace("[", "_").replace("]", "_") or "layer"
        found, count = name, 1
        while found in scope.used:
            count += 1
            found = f"{name}_{count}"
        if found != raw:
            self.renamed.append(f"{raw[:40]!r} -> {found!r}")
        scope.used.add(found)
        return found


# --- reading the config's structures


def _trainable(body: Any) -> bool:
    return not (isinstance(body, dict) and body.get("trainable") is False)


def _entries(body: dict[str, Any], importer: _Importer) -> list[dict[str, Any]]:
    entries = body.get("layers")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise importer.fail("the model's `layers` is not a list of layer objects")
    return entries


def _sequential_entries(body: Any, importer: _Importer) -> list[dict[str, Any]]:
    """A Sequential's layers: `config.layers`, or (Keras 2.2) the config itself, a list."""
    if isinstance(body, list) and all(isinstance(e, dict) for e in body):
        return body
    if isinstance(body, dict):
        return _entries(body, importer)
    raise importer.fail("the Sequential model's config is not an object")


def _entry_name(entry: dict[str, Any], importer: _Importer) -> str:
    """A layer's name: the entry's (functional models), or its config's (Sequential)."""
    name = entry.get("name")
    if name is None and isinstance(entry.get("config"), dict):
        name = entry["config"].get("name")
    if not isinstance(name, str):
        raise importer.fail(f"a layer ({str(entry.get('class_name'))[:60]}) has no name")
    return name


def _operation(entry: dict[str, Any]) -> bool:
    """A keras.ops operation (`x + 3.0` in a functional model), not a layer: its numbers are operands."""
    return str(entry.get("module", "")).startswith("keras.src.ops.")


def _is_model(entry: dict[str, Any]) -> bool:
    body = entry.get("config")
    return entry.get("class_name") == "Sequential" or (
        isinstance(body, dict) and "layers" in body and ("input_layers" in body or entry.get("class_name") in MODELS)
    )


def _input_shape(config: Any, importer: _Importer) -> tuple[int | None, ...]:
    """An InputLayer's shape, batch first: Keras 3's `batch_shape`, Keras 2's `batch_input_shape`."""
    shape: tuple[int | None, ...] | None = None
    if isinstance(config, dict):
        for key in ("batch_shape", "batch_input_shape"):
            if config.get(key) is not None and shape is None:
                shape = _shape(config[key], importer, "the input shape")
        if config.get("shape") is not None and shape is None:
            shape = (None, *_shape(config["shape"], importer, "the input shape"))
    if shape is None:
        raise importer.fail("an InputLayer does not record its shape")
    if len(shape) < 2:
        raise importer.fail(f"an input of shape {format_shape(shape)}: a spec's input has a dimension besides the batch")
    return shape


def _shape(value: Any, importer: _Importer, what: str) -> tuple[int | None, ...]:
    if isinstance(value, dict) and value.get("class_name") == "__tuple__" and isinstance(value.get("config"), dict):
        value = value["config"].get("value")
    if not isinstance(value, list | tuple) or not all(
        v is None or (isinstance(v, int) and not isinstance(v, bool) and v >= 0) for v in value
    ):
        raise importer.fail(f"{what} is not a list of sizes: {short(value)}")
    return tuple(value)


def _refs(value: Any, importer: _Importer) -> list[Ref]:
    """`input_layers`/`output_layers`: one [name, node, tensor] triple, a list of them, or a
    dict of them (named inputs)."""
    if _is_triple(value):
        return [(value[0], value[1], value[2])]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list) and all(_is_triple(v) for v in value):
        return [(v[0], v[1], v[2]) for v in value]
    raise importer.fail(f"the model's inputs or outputs are not [layer, node, tensor] triples: {short(value)}")


def _is_triple(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 3
        and isinstance(value[0], str)
        and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value[1:])
    )


def _tensors(
    node: Any, importer: _Importer, layer: str, constants: list[float] | None = None
) -> list[tuple[str, int, int, Shape | None]]:
    """The tensors one call takes, in order: (producer, node, tensor, the shape recorded or None).
    Keras 3 writes {"args": [...], "kwargs": {...}} with tensors as `__keras_tensor__` objects;
    Keras 2 a list of [layer, node, tensor, kwargs]. Numbers among the arguments go to
    `constants` where it is given (a keras.ops operation's `x + 3.0`)."""
    found: list[tuple[str, int, int, Shape | None]] = []
    if isinstance(node, list):  # Keras 2
        for item in node:
            if not (isinstance(item, list) and len(item) in (3, 4) and _is_triple(item[:3])):
                raise importer.fail(f"a call's input is not [layer, node, tensor, kwargs]: {short(item)}", layer=layer)
            found.append((item[0], item[1], item[2], None))
            kwargs = item[3] if len(item) == 4 else {}
            if isinstance(kwargs, dict):
                for key in TENSOR_KEYWORDS:
                    if _is_triple(kwargs.get(key)):
                        found.append((kwargs[key][0], kwargs[key][1], kwargs[key][2], None))
        return found
    if not isinstance(node, dict):
        raise importer.fail(f"a call is not an object: {short(node)}", layer=layer)

    def walk(value: Any, what: str) -> None:
        if isinstance(value, list):
            for item in value:
                walk(item, what)
        elif isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            config = value.get("config")
            if not isinstance(config, dict) or not _is_triple(config.get("keras_history")):
                raise importer.fail("a tensor without its keras_history", layer=layer)
            history, shape = config["keras_history"], config.get("shape")
            recorded = _shape(shape, importer, "a tensor's shape") if shape is not None else None
            found.append((history[0], history[1], history[2], recorded))
        elif isinstance(value, dict) and value.get("class_name") == "__tuple__":
            walk(value.get("config", {}).get("value", []), what)
        elif what == "args" and constants is not None and isinstance(value, int | float) and not isinstance(value, bool):
            constants.append(value)
        elif what == "args":
            raise importer.fail(f"the layer is called with the value {short(value)}, not a tensor", layer=layer)

    walk(node.get("args", []), "args")
    kwargs = node.get("kwargs") or {}
    if not isinstance(kwargs, dict):
        raise importer.fail("a call's kwargs is not an object", layer=layer)
    for key in TENSOR_KEYWORDS:
        if key in kwargs:
            walk(kwargs[key], "args")
    for key, value in kwargs.items():
        if key not in TENSOR_KEYWORDS and _holds_tensor(value):
            raise importer.fail(f"the layer is called with a tensor as {key}=, which convcalc cannot pass", "CC105", layer=layer)
    return found


def _holds_tensor(value: Any) -> bool:
    if isinstance(value, list):
        return any(_holds_tensor(v) for v in value)
    return isinstance(value, dict) and value.get("class_name") == "__keras_tensor__"


def _node(index: int, entry: dict[str, Any], calls: list[Any], importer: _Importer) -> int:
    """Which call of a layer a tensor comes from. A functional model holds a node of its own
    before its first call (keras/src/models/functional.py, functional_from_config: "Functional
    models start out with a built-in node"), Keras 2's Sequential too: a model inside a model is
    called once here, so node 0 or 1 is that call."""
    if _is_model(entry) and len(calls) == 1 and index in (0, 1):
        return 0
    if not 0 <= index < len(calls):
        raise importer.fail(f"a layer takes call {index} of {_entry_name(entry, importer)[:60]!r}, which has {len(calls)}")
    return index


def _split_ref(ref: str) -> tuple[str, int]:
    if ref.endswith("]") and "[" in ref:
        name, _, index = ref[:-1].rpartition("[")
        if index.isdigit():
            return name, int(index)
    return ref, 0


def _parameter(raw: str, taken: set[str]) -> str:
    """A block parameter's name for an input of a model inside: a word that is no layer's name,
    no Python keyword and none of a block's own names."""
    base = "".join(c if c.isalnum() or c == "_" else "_" for c in raw)
    if not base.isidentifier() or keyword.iskeyword(base) or base in ("input", *IMPLICIT_NAMES, *GRAPH_KEYS):
        base = f"input_{base}".strip("_") if base.isidentifier() else "input_2"
    found, count = base, 1
    while found in taken:
        count += 1
        found = f"{base}_{count}"
    return found
