"""Walks a spec's layers through their framework's arithmetic and builds the Report.

Pure computation: it prints nothing and imports nothing heavy. The only place where a
LayerError (which knows no locations) becomes a located SpecError.
"""

from __future__ import annotations

from convcalc.errors import Diagnostic, LayerError, SpecError
from convcalc.frameworks import vocabulary
from convcalc.frameworks.base import snake_case
from convcalc.report import Input, Report, Row, Weight
from convcalc.spec import LayerSpec, Spec

SPEC_KEYS = ("name",)  # spec-level keys any layer may carry, whatever its framework's signature


def run(spec: Spec) -> Report:
    vocab = vocabulary(spec.framework)
    other = vocabulary("keras" if spec.framework == "pytorch" else "pytorch")
    shape = (spec.batch, *spec.input_shape)
    rows: list[Row] = []
    used: dict[str, int] = {}
    names: set[str] = set()
    for layer in spec.layers:
        kwargs = dict(layer.kwargs)
        explicit = kwargs.get("name") if spec.framework == "keras" else kwargs.pop("name", None)
        label = layer.type
        try:
            layer_type = vocab.lookup(layer.type, other)
            name = str(explicit) if explicit is not None else unique(snake_case(layer_type.name), used)
            label = f"{name} ({layer_type.name})"
            args = layer_type.signature.bind(layer.type, layer.args, kwargs)
            built = layer_type.build(args, shape)
            weights = built.weights
            if spec.framework == "keras" and not args.bool("trainable", default=True):
                weights = tuple(Weight(w.name, w.shape, trainable=False) for w in weights)
        except LayerError as exc:
            raise _located(exc, layer, label, shape) from None
        if name in names:
            raise SpecError(Diagnostic(layer.locate("name"), "CC105", f"the layer name {name!r} is used twice", layer=name))
        names.add(name)
        rows.append(Row(name, layer_type.name, built.output_shape, weights, layer.location))
        shape = built.output_shape
    return Report(spec.name, spec.framework, (Input("input", (spec.batch, *spec.input_shape)),), tuple(rows))


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
