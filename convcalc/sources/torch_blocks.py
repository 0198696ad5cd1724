"""Blocks from a traced module: where a module class is instantiated more than once (torchvision's
`BasicBlock`, `Bottleneck`, `InvertedResidual`), each instance's layers become a call of one
block, whose parameters are the arguments that differ between the instances.

An instance becomes a block call only when it is one: its layers are consecutive, take one
tensor from outside, and only its last layer's output is used outside it. Instances of one class
with different layers (a BasicBlock with a downsampling shortcut and one without) are different
blocks, `BasicBlock` and `BasicBlock_2`. Arguments that differ are parameters, named after the
argument (`in_channels`, `stride`), one parameter for arguments that vary together.
"""

from __future__ import annotations

import re
from typing import Any

from convcalc.ops.tensor import Shape
from convcalc.signature import REQUIRED
from convcalc.sources.draft import Arithmetic, Block, Layer

CONTAINERS = frozenset({"Sequential", "ModuleList", "ModuleDict"})
Stack = tuple[tuple[str, str], ...]


def grouped(
    layers: list[Layer],
    stacks: list[Stack],
    recorded: dict[str, tuple[Shape | None, ...]],
    vocabulary: Any,
    outputs: tuple[str, ...] = (),
) -> tuple[list[Layer], list[Block], dict[str, tuple[Shape | None, ...]], tuple[str, ...]]:
    """The top-level layers (block calls among them), the blocks, the recorded shapes under the
    rows' names, and the module's outputs: an instance's last layer is the instance (Hugging
    Face's BertModel returns its last BertLayer's output)."""
    instances = _instances(layers, stacks)
    spans = [span for span in instances if _self_contained(layers, span) and not _one_row(layers, span)]
    blocks: list[Block] = []
    calls: dict[int, Layer] = {}  # the first layer of a span -> the call that replaces it
    renamed: dict[str, str] = {}  # a layer's name -> its row's name
    outer_refs: dict[str, str] = {}  # an instance's last layer -> the instance
    groups: dict[tuple[str, Any], list[tuple[str, int, int, list[Layer], str]]] = {}
    for path, cls, start, end in spans:
        local = _local(layers[start:end], path)
        outside = _outside_input(layers[start:end])
        key = (cls, _signature(local))
        groups.setdefault(key, []).append((path, start, end, local, outside))
    names: set[str] = set(vocabulary.types) | set(vocabulary.aliases) | {str(layer.name) for layer in layers}
    for (cls, _), members in groups.items():
        block_name = _unique(cls, names)
        params, body = _parametrized([member[3] for member in members], vocabulary)
        blocks.append(Block(block_name, {name: REQUIRED for name in params}, tuple(_chained(body, "input"))))
        for index, (path, start, end, local, outside) in enumerate(members):
            instance = path.replace(".", "_")
            values = tuple(params[name][index] for name in params)
            calls[start] = Layer(block_name, values, {}, instance, (outside,))
            for original, mine in zip(layers[start:end], local, strict=True):
                renamed[str(original.name)] = f"{instance}.{mine.name}"
            outer_refs[str(layers[end - 1].name)] = instance
    inside = {i for _, _, start, end in spans for i in range(start + 1, end)}
    top: list[Layer] = []
    for index, layer in enumerate(layers):
        if index in inside:
            continue
        chosen = calls.get(index, layer)
        refs = tuple(outer_refs.get(ref, ref) if isinstance(ref, str) else ref for ref in chosen.inputs or ())
        top.append(chosen.replace(inputs=refs))
    rows = {renamed.get(name, name): shapes for name, shapes in recorded.items()}
    return _chained(top, "input"), blocks, rows, tuple(outer_refs.get(ref, ref) for ref in outputs)


def _instances(layers: list[Layer], stacks: list[Stack]) -> list[tuple[str, str, int, int]]:
    """(path, class, first layer, end) of each instance of a repeated class, outermost first."""
    counts: dict[str, set[str]] = {}
    for stack in stacks:
        for path, cls in stack:
            if cls not in CONTAINERS and path:
                counts.setdefault(cls, set()).add(path)
    repeated = {cls for cls, paths in counts.items() if len(paths) > 1}
    owner: list[tuple[str, str] | None] = []
    for stack in stacks:
        owner.append(next(((p, c) for p, c in stack if c in repeated), None))
    spans: list[tuple[str, str, int, int]] = []
    seen: set[str] = set()
    index = 0
    while index < len(layers):
        found = owner[index]
        if found is None:
            index += 1
            continue
        end = index
        while end < len(layers) and owner[end] == found:
            end += 1
        if found[0] in seen or any(owner[k] == found for k in range(end, len(layers))):
            seen.add(found[0])  # not consecutive: left as it is
            index = end
            continue
        seen.add(found[0])
        spans.append((found[0], found[1], index, end))
        index = end
    return spans


def _self_contained(layers: list[Layer], span: tuple[str, str, int, int]) -> bool:
    _, _, start, end = span
    names = {str(layer.name) for layer in layers[start:end]}
    if len({ref for layer in layers[start:end] for ref in _refs(layer) if _base(ref) not in names}) != 1:
        return False
    last = str(layers[end - 1].name)
    for layer in layers[end:]:
        for ref in _refs(layer):
            if _base(ref) in names and ref != last:
                return False
    if any(layer.type == "Parameter" or layer.shares is not None for layer in layers[start:end]):
        return False
    return not any(layer.shares in names for layer in layers)  # a module called again elsewhere: rows keep their names


def _one_row(layers: list[Layer], span: tuple[str, str, int, int]) -> bool:
    """An instance that is one row named as it is (timm's LayerNorm, whose forward is F.layer_norm
    with its own weights): that row, not a block of one layer."""
    path, _, start, end = span
    return end - start == 1 and layers[start].name == path.replace(".", "_")


def _refs(layer: Layer) -> tuple[str, ...]:
    """The layers it takes by name (a traced graph names every input; only Ultralytics counts back)."""
    return tuple(ref for ref in layer.inputs or () if isinstance(ref, str))


def _base(ref: str) -> str:
    return ref.split("[", 1)[0]


def _outside_input(layers: list[Layer]) -> str:
    names = {str(layer.name) for layer in layers}
    return next(ref for layer in layers for ref in _refs(layer) if _base(ref) not in names)


def _local(layers: list[Layer], path: str) -> list[Layer]:
    """The instance's layers under names local to it, their inputs too ("input" from outside)."""
    prefix = path.replace(".", "_") + "_"
    taken: set[str] = set()
    mapping: dict[str, str] = {}
    for layer in layers:
        name = str(layer.name)
        base = name[len(prefix) :] if name.startswith(prefix) else re.sub(r"_\d+$", "", name)
        own, count = base, 0
        while own in taken or own == "input":
            count += 1
            own = f"{base}_{count}"
        taken.add(own)
        mapping[name] = own
    found = []
    for layer in layers:
        refs = []
        for ref in _refs(layer):
            base, bracket, rest = ref.partition("[")
            refs.append(mapping[base] + bracket + rest if base in mapping else "input")
        found.append(layer.replace(name=mapping[str(layer.name)], inputs=tuple(refs)))
    return found


def _signature(layers: list[Layer]) -> tuple[object, ...]:
    return tuple((layer.type, layer.name, layer.inputs, len(layer.args)) for layer in layers)


def _parametrized(instances: list[list[Layer]], vocabulary: Any) -> tuple[dict[str, list[object]], list[Layer]]:
    """The block's parameters (name -> each instance's value) and its layers, the arguments
    that differ between instances written as those parameters."""
    first = instances[0]
    params: dict[str, list[object]] = {}
    by_values: dict[str, str] = {}
    body: list[Layer] = []
    for position, layer in enumerate(first):
        signature = vocabulary.types[layer.type].signature if layer.type in vocabulary.types else None
        defaults = dict((*signature.positional, *signature.keyword_only)) if signature is not None else {}
        positional = [name for name, _ in signature.positional] if signature is not None else []
        keys = list(dict.fromkeys(k for inst in instances for k in inst[position].kwargs))
        args: list[object] = []
        for index in range(len(layer.args)):
            values = [inst[position].args[index] for inst in instances]
            label = positional[index] if index < len(positional) else f"arg{index}"
            args.append(_column(values, label, str(layer.name), params, by_values))
        kwargs: dict[str, object] = {}
        for key in keys:
            values = [inst[position].kwargs.get(key, defaults.get(key)) for inst in instances]
            if all(v == values[0] for v in values):
                if key in layer.kwargs:
                    kwargs[key] = values[0]
                continue
            kwargs[key] = _column(values, key, str(layer.name), params, by_values)
        body.append(layer.replace(args=tuple(args), kwargs=kwargs))
    return params, body


def _column(values: list[object], label: str, layer: str, params: dict[str, list[object]], by_values: dict[str, str]) -> object:
    """A literal where every instance has the same value, else the parameter for these values."""
    if all(v == values[0] for v in values):
        return values[0]
    key = repr(values)
    if key not in by_values:
        name = label if label not in params else f"{layer}_{label}"
        if not name.isidentifier():  # a layer of a Sequential's: "1_0" (S3D's TemporalSeparableConv)
            name = f"{label}_{layer}"
        while name in params:
            name += "_"
        params[name] = list(values)
        by_values[key] = name
    return Arithmetic(by_values[key])


def _chained(layers: list[Layer], first: str) -> list[Layer]:
    """`inputs` left out where a layer takes the one written before it."""
    found = []
    previous = first
    for layer in layers:
        if layer.inputs == (previous,) or (layer.type in ("Parameter", "Buffer") and not layer.inputs):
            layer = layer.replace(inputs=None)
        found.append(layer)
        previous = str(layer.name)
    return found


def _unique(name: str, taken: set[str]) -> str:
    base = re.sub(r"\W", "_", name) or "block"
    found, count = base, 1
    while found in taken:
        count += 1
        found = f"{base}_{count}"
    taken.add(found)
    return found
