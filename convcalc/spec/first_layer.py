"""The input written as Keras writes it, on the first layer of a spec without `input:`:
`Input(shape=(28, 28, 1))` (also `keras.Input`, `InputLayer(shape=...)`), `input_shape=` or
`input_dim=` on the first layer, and `Embedding(..., input_length=100)`.

`Input` stands for the network's input, not for a layer: it sets the spec's input (its `name`
names it, `batch_size` or `batch_shape` its batch) and leaves the layers. Only the first layer
may be one: several inputs are named under `inputs:`. Embedding's `input_length` is accepted and
ignored, as Keras 3 does (with a deprecation warning), except that it sets the input of a spec
that gives none, as it did in the Keras 2 tutorials such specs are copied from.
"""

from __future__ import annotations

from convcalc.errors import LayerError, Location, SpecError, short
from convcalc.signature import Signature
from convcalc.spec.model import MAX_DIM, InputSpec, LayerSpec, Spec, parse_dims

# keras.Input (keras/src/layers/core/input_layer.py, Keras 3.15), a function, so the generated
# table of classes does not hold it; InputLayer's is generated, with `input_shape` and
# `batch_input_shape` the deprecated keywords its __init__ pops from **kwargs.
INPUT = Signature(
    tuple((name, None) for name in ("shape", "batch_size", "dtype", "sparse", "ragged", "batch_shape", "name", "tensor"))
    + (("optional", False),)
)
INPUT_TYPES = ("Input", "InputLayer")


def with_input_from_first_layer(spec: Spec, where: Location) -> Spec:
    """The spec with its input set from its first layer where the spec gives none (Keras only);
    a spec with no input at all is an error at `where`."""
    first = spec.layers[0] if spec.layers else None
    if first is not None and spec.framework == "keras" and first.type in INPUT_TYPES:
        if spec.inputs:
            raise SpecError.at(
                first.location,
                "CC003",
                f"the input is given twice: by `input:` and by {first.type}(...)",
                hint=f"keep one: {first.type}(...) as the first layer, or `input:`",
            )
        return _from_input_layer(spec, first)
    if spec.inputs:
        return spec
    for key in ("input_shape", "input_dim", "input_length"):
        if first is not None and spec.framework == "keras" and key in first.kwargs and not _takes(first.type, key):
            if key == "input_length" and first.type != "Embedding":
                continue
            value = first.kwargs[key]
            items = list(value) if isinstance(value, tuple | list) else [value]
            where = first.locate(key)
            return spec.replace(inputs=(InputSpec("input", parse_dims(items, where), where),))
    raise SpecError.at(
        where, "CC003", "the spec has no input shape", hint="add `input: [28, 28, 1]`, the batch dimension excluded"
    )


def _from_input_layer(spec: Spec, layer: LayerSpec) -> Spec:
    """`Input(shape=(28, 28, 1), batch_size=8, name="image")` as the spec's input, checked as
    keras's InputLayer.__init__ checks it."""
    label = layer.type
    try:
        values = _signature(layer.type).bind(layer.type, layer.args, layer.kwargs).values
    except LayerError as exc:
        raise SpecError.at(layer.locate(exc.argument or None), exc.code, exc.message, exc.hint, label) from None
    if layer.type == "InputLayer":  # its deprecated spellings
        if values.get("input_shape") is not None and values["shape"] is None:
            values["shape"] = values["input_shape"]
        if values.get("batch_input_shape") is not None and values["batch_shape"] is None:
            values["batch_shape"] = values["batch_input_shape"]

    def refuse(argument: str, message: str, code: str = "CC105", hint: str = "") -> SpecError:
        return SpecError.at(layer.locate(_written(layer, argument, values)), code, message, hint, label)

    tensor = "tensor" if layer.type == "Input" else "input_tensor"
    if values.get(tensor) is not None:
        raise refuse(tensor, f"{tensor} cannot be written in a spec", hint="give shape= instead")
    shape, batch_shape, batch_size = values["shape"], values["batch_shape"], values["batch_size"]
    if shape is not None and batch_shape is not None:
        raise refuse("batch_shape", "You cannot pass both `shape` and `batch_shape` at the same time.")
    if batch_size is not None and batch_shape is not None:
        raise refuse("batch_shape", "You cannot pass both `batch_size` and `batch_shape` at the same time.")
    if shape is None and batch_shape is None:
        raise refuse("shape", "You must pass a `shape` argument.", "CC104", hint=f"e.g. {layer.type}(shape=(28, 28, 1))")
    key = "shape" if shape is not None else "batch_shape"
    dims = shape if shape is not None else batch_shape
    if not isinstance(dims, tuple | list) or (key == "batch_shape" and len(dims) < 2):
        expected = "a tuple such as (28, 28, 1)" if key == "shape" else "a tuple with the batch first, such as (None, 28, 28, 1)"
        raise refuse(key, f"{key} must be {expected}, found {short(dims)}")
    if key == "batch_shape":
        batch_size, dims = dims[0], dims[1:]
    where = layer.locate(_written(layer, key, values))
    batch_key = key if key == "batch_shape" else "batch_size"
    positive = isinstance(batch_size, int) and not isinstance(batch_size, bool) and 0 < batch_size <= MAX_DIM
    if batch_size is not None and not positive:
        raise refuse(batch_key, f"the batch size must be a positive integer or None, found {short(batch_size)}")
    batch = spec.batch
    if isinstance(batch_size, int):
        if spec.batch is not None and spec.batch != batch_size:
            raise refuse(
                batch_key,
                f"{layer.type} gives the batch {batch_size}, `batch:` gives {spec.batch}",
                "CC003",
            )
        batch = batch_size
    name = values["name"] if layer.name is None else layer.name  # reading took `name` out of the arguments
    if name is not None and (not isinstance(name, str) or not name or "." in name or "[" in name):
        raise refuse("name", f"a name must be non-empty text without '.' or '[', found {short(name)}", "CC003")
    if len(spec.layers) == 1:
        raise SpecError.at(layer.location, "CC003", f"the spec has no layers after its {layer.type}", "add the layers it feeds")
    item = InputSpec(name or "input", parse_dims(list(dims), where), where)
    return spec.replace(inputs=(item,), layers=spec.layers[1:], batch=batch)


def _signature(type_name: str) -> Signature:
    if type_name == "Input":
        return INPUT
    from convcalc.frameworks.base import signature_from_table
    from convcalc.frameworks.keras.signatures import SIGNATURES

    return signature_from_table(SIGNATURES["InputLayer"], frozenset({"input_shape", "batch_input_shape"}))


def _written(layer: LayerSpec, argument: str, values: dict[str, object]) -> int | str:
    """Where `argument` is written: by keyword, or its position."""
    if argument in layer.kwargs or argument == "":
        return argument
    names = [name for name, _ in _signature(layer.type).positional]
    position = names.index(argument) if argument in names else -1
    return position if 0 <= position < len(layer.args) else argument


def _takes(type_name: str, argument: str) -> bool:
    """Whether a Keras layer takes `argument` itself (Embedding's input_dim is its vocabulary size,
    not the base Layer's input shape)."""
    from convcalc.frameworks import vocabulary

    layer_type = vocabulary("keras").find(type_name)
    return layer_type is not None and any(name == argument for name, _ in layer_type.signature.positional)
