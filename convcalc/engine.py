"""Walks a spec's layers through their framework's arithmetic and builds the Report.

Pure computation: it prints nothing and imports nothing heavy. The only place where a
LayerError (which knows no locations) becomes a located SpecError.
"""

from __future__ import annotations

import functools

from convcalc.errors import Diagnostic, LayerError, Location, SpecError
from convcalc.frameworks import vocabulary
from convcalc.frameworks.base import LayerType, Vocabulary, snake_case
from convcalc.report import Input, Report, Row, Shape, Weight
from convcalc.spec import MAX_DIM, MAX_RANK, LayerSpec, Spec

SPEC_KEYS = ("name",)  # spec-level keys any layer may carry, whatever its framework's signature


def run(spec: Spec) -> Report:
    vocab = vocabulary(spec.framework)
    shape = (spec.batch, *spec.input_shape)
    if problem := out_of_bounds(shape, (), "input"):
        raise SpecError(Diagnostic(spec.input_location or Location(spec.path), "CC003", problem))
    rows: list[Row] = []
    used: dict[str, int] = {}
    snake = functools.cache(snake_case)  # once per type name: three regex passes each
    names: set[str] = set()
    for layer in spec.layers:
        kwargs = dict(layer.kwargs)
        explicit = kwargs.get("name") if spec.framework == "keras" else kwargs.pop("name", None)
        label = layer.type
        try:
            layer_type = lookup(vocab, layer.type)
            name = str(explicit) if explicit is not None else unique(snake(layer_type.name), used)
            label = f"{name} ({layer_type.name})"
            args = layer_type.signature.bind(layer.type, layer.args, kwargs)
            built = layer_type.build(args, shape)
            weights = built.weights
            if spec.framework == "keras" and not args.bool("trainable", default=True):
                weights = tuple(Weight(w.name, w.shape, trainable=False) for w in weights)
        except LayerError as exc:
            raise _located(exc, layer, label, shape) from None
        if problem := out_of_bounds(built.output_shape, built.weights):
            raise SpecError(Diagnostic(layer.location, "CC200", problem, layer=label))
        if name in names:
            raise SpecError(Diagnostic(layer.locate("name"), "CC105", f"the layer name {name!r} is used twice", layer=name))
        names.add(name)
        rows.append(Row(name, layer_type.name, built.output_shape, weights, layer.location))
        shape = built.output_shape
    return Report(spec.name, spec.framework, (Input("input", (spec.batch, *spec.input_shape)),), tuple(rows))


def lookup(vocab: Vocabulary, name: str) -> LayerType:
    """The layer type; the other framework's vocabulary is loaded only to explain an unknown name."""
    try:
        return vocab.lookup(name)
    except LayerError:
        return vocab.lookup(name, vocabulary("keras" if vocab.framework == "pytorch" else "pytorch"))


def out_of_bounds(shape: Shape, weights: tuple[Weight, ...], what: str = "output") -> str:
    """What exceeds convcalc's bounds (spec.MAX_DIM elements per dimension, spec.MAX_RANK
    dimensions), or "". Ints stay exact at any size, but a size past the bound is a mistake,
    and one left to grow over thousands of layers would take minutes of arithmetic."""
    from convcalc.ops.layout import format_shape

    bound = "convcalc's bound of 2**40 elements per dimension"
    if len(shape) > MAX_RANK + 1:
        return f"the {what} has {len(shape):,} dimensions, more than convcalc's bound of {MAX_RANK}"
    for dim in shape:
        if dim is not None and dim > MAX_DIM:
            return f"the {what} shape {format_shape(shape)} is over {bound}"
    for weight in weights:
        for dim in weight.shape:
            if dim is not None and dim > MAX_DIM:
                return f"the weight {weight.name} {format_shape(weight.shape)} is over {bound}"
    return ""


def unique(base: str, used: dict[str, int]) -> str:
    """Keras's automatic names: conv2d, conv2d_1, conv2d_2..."""
    count = used.get(base, 0)
    used[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def _located(exc: LayerError, layer: LayerSpec, label: str, shape: tuple) -> SpecError:
    from convcalc.ops.layout import format_shape

    message = exc.message
    if exc.code in ("CC200", "CC201"):
        message += f"; input shape {format_shape(shape)}"
    return SpecError(Diagnostic(layer.locate(exc.argument), exc.code, message, exc.hint, label))
