"""Walks the graph's nodes through their framework's arithmetic and builds the Report.

Pure computation: it prints nothing and imports nothing heavy. The only place where a
LayerError (which knows no locations) becomes a located SpecError.
"""

from __future__ import annotations

import dataclasses

from convcalc.errors import Diagnostic, LayerError, SpecError
from convcalc.frameworks import vocabulary
from convcalc.frameworks.base import LayerType, snake_case
from convcalc.graph import Node, Ref, build_graph
from convcalc.ops.layout import format_shape
from convcalc.report import Built, Input, Report, Row, Shape, Weight
from convcalc.signature import Args
from convcalc.spec import Spec


def run(spec: Spec) -> Report:
    vocab = vocabulary(spec.framework)
    other = vocabulary("keras" if spec.framework == "pytorch" else "pytorch")

    def auto_name(type_name: str) -> str:
        """Keras's automatic names (conv2d, batch_normalization); for PyTorch the class name in
        lower case (conv2d, batchnorm2d, prelu), as torch users write module names."""
        canonical = vocab.aliases.get(type_name, type_name)
        return snake_case(canonical) if spec.framework == "keras" else canonical.lower()

    outputs: dict[str, tuple[Shape, ...]] = {i.name: ((spec.batch, *i.shape),) for i in spec.inputs}
    rows: list[Row] = []
    by_name: dict[str, Row] = {}

    def visit(node: Node) -> tuple[Shape, ...]:
        """Compute one node as soon as the graph has it, so blocks can read their input's shape."""
        label = f"{node.name} ({node.layer.type})"
        layer_type = None
        try:
            shapes = tuple(_output(outputs, ref) for ref in node.inputs)
            layer_type = vocab.lookup(node.layer.type, other)
            label = f"{node.name} ({layer_type.name})"
            built, args = _build(layer_type, node, shapes, spec.framework)
        except LayerError as exc:
            raise _located(exc, node, label, node_inputs(outputs, node), layer_type) from None
        weights = built.weights
        if node.shares is not None:
            weights = _shared(weights, by_name[node.shares].weights)
        row = Row(
            node.name,
            layer_type.reported,
            built.output_shape,
            weights,
            node.layer.location,
            tuple(str(ref) for ref in node.inputs),
            node.blocks,
            node.shares,
            built.extra_outputs,
            arguments=args.values,
            input_shapes=shapes,
        )
        rows.append(row)
        by_name[node.name] = row
        outputs[node.name] = built.outputs
        return built.outputs

    graph = build_graph(spec, auto_name, visit)
    report_outputs = tuple(Input(str(ref), outputs[ref.node][ref.output]) for ref in graph.outputs)
    inputs = tuple(Input(i.name, (spec.batch, *i.shape)) for i in spec.inputs)
    return Report(spec.name, spec.framework, inputs, tuple(rows), report_outputs, not graph.sequential)


def _build(layer_type: LayerType, node: Node, shapes: tuple[Shape, ...], framework: str) -> tuple[Built, Args]:
    args = layer_type.signature.bind(node.layer.type, node.layer.args, node.layer.kwargs)
    if layer_type.merges:
        built = layer_type.build(args, shapes)
    elif len(shapes) != 1:
        raise LayerError(f"{layer_type.name} takes one input, found {len(shapes)}", argument="inputs", code="CC200")
    else:
        built = layer_type.build(args, shapes[0])
    if framework == "keras" and not args.bool("trainable", default=True):
        built = dataclasses.replace(built, weights=tuple(dataclasses.replace(w, trainable=False) for w in built.weights))
    return built, args


def _output(outputs: dict[str, tuple[Shape, ...]], ref: Ref) -> Shape:
    produced = outputs[ref.node]
    if ref.output >= len(produced):
        raise LayerError(f"{ref.node!r} has {len(produced)} output(s); there is no {ref}", argument="inputs", code="CC003")
    return produced[ref.output]


def _shared(weights: tuple[Weight, ...], owner: tuple[Weight, ...]) -> tuple[Weight, ...]:
    """Weights of the same shape as the owner's are the owner's (tied embeddings, reused layers)."""
    available = [w.shape for w in owner]
    marked = []
    for weight in weights:
        if weight.shape in available:
            available.remove(weight.shape)
            weight = dataclasses.replace(weight, shared=True)
        marked.append(weight)
    return tuple(marked)


def node_inputs(outputs: dict[str, tuple[Shape, ...]], node: Node) -> str:
    shapes = [format_shape(outputs[r.node][r.output]) for r in node.inputs if r.output < len(outputs.get(r.node, ()))]
    return ", ".join(shapes)


def _located(exc: LayerError, node: Node, label: str, shapes: str, layer_type: LayerType | None) -> SpecError:
    """The error at the argument it is about: by keyword, or by position when it was passed so."""
    message = exc.message
    if exc.code in ("CC200", "CC201") and shapes:
        message += f"; input shape {shapes}"
    argument: int | str = exc.argument
    if layer_type is not None and isinstance(argument, str) and argument not in node.layer.arg_locations:
        positions = [name for name, _ in layer_type.signature.positional]
        if argument in positions and positions.index(argument) < len(node.layer.args):
            argument = positions.index(argument)
    return SpecError(Diagnostic(node.layer.locate(argument), exc.code, message, exc.hint, label))
