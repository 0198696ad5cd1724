"""One Keras layer, as its config in a model file states it, written as a call of convcalc's
Keras vocabulary: its class looked up by name (a custom class or a Keras operation refused by
name: nothing is ever imported), the arguments its `get_config()` wrote kept where they say
more than the class's defaults, and shortened where Keras takes either form (`3` for `(3, 3)`).
Arguments that change no shape or count (initializers, regularizers, constraints, dtype
policies) are left out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from convcalc.errors import LayerError, SpecError, did_you_mean, short
from convcalc.frameworks import vocabulary
from convcalc.signature import REQUIRED
from convcalc.sources.draft import Call

Fail = Callable[..., SpecError]
"""How an importer makes its errors: fail(message, code, hint, layer) -> SpecError."""

LEFT_OUT_SUFFIXES = ("_initializer", "_regularizer", "_constraint")
# keras.ops arithmetic a functional model records (`x + 3.0`, `inputs + layer(x)`, `x * se`):
# convcalc's Add, Subtract and Multiply, whose `other` takes the number operand
ARITHMETIC = frozenset({"Add", "Subtract", "Multiply"})
LEFT_OUT = frozenset({"name", "dtype", "autocast"})
"""Config keys never written as arguments: the name is written apart, dtype policies change no shape."""
INPUT_KEYS = frozenset({"batch_input_shape", "batch_shape", "input_shape", "input_dim"})
"""An input shape given to a layer (Layer's **kwargs) becomes the spec's input, unless the class
takes the key as its own argument (Embedding's input_dim)."""
UNTAKEN = frozenset({"input_length", "fused", "zero_output_for_mask"})
"""Config keys the class's own signature does not take, which change no shape: Keras 2's
Embedding `input_length` (the input says it) and BatchNormalization `fused` (which kernel
runs), dropped by Keras 3; the recurrent layers' `zero_output_for_mask`, which Keras 3 writes
and passes on to its RNN base class."""
FIRST_POSITIONAL = frozenset({"pool_size", "padding", "cropping", "size"})
"""Optional first arguments that read well without their keyword: `MaxPooling2D(3)`,
`ZeroPadding2D(1)`; the others keep theirs (`BatchNormalization(axis=3)`)."""
SAME_SIZES = frozenset({"kernel_size", "strides", "dilation_rate", "pool_size", "size"})
"""Arguments Keras takes as an int or a tuple: (3, 3) is written 3."""


class LayerReader:
    """Reads layer configs for one importer, whose `fail` locates the errors."""

    def __init__(self, fail: Fail) -> None:
        self.fail = fail
        self.vocabulary = vocabulary("keras")

    def arguments(self, entry: dict[str, Any], raw: str) -> tuple[str, tuple[object, ...], dict[str, object]]:
        """The vocabulary's class name, positional and keyword arguments of one layer config."""
        class_name = entry.get("class_name")
        label = f"{raw[:60]} ({str(class_name)[:60]})"
        if not isinstance(class_name, str):
            raise self.fail("the layer has no class_name", layer=raw[:60])
        self.refuse_foreign(entry, label)
        config = entry.get("config")
        if not isinstance(config, dict):
            raise self.fail("the layer's config is not an object", layer=label)
        try:
            layer_type = self.vocabulary.lookup(class_name)
        except LayerError as exc:
            hint = exc.hint
            if class_name in ("Lambda", "TFOpLambda", "SlicingOpLambda"):
                hint = "a Lambda layer runs Python code, which an importer never runs"
            message = f"Keras layer class {class_name!r} is not in convcalc's Keras vocabulary"
            raise self.fail(message, "CC101", hint, label) from None
        signature = layer_type.signature
        known = set(signature.names)
        defaults = dict(signature.positional + signature.keyword_only)
        values: dict[str, object] = {}
        for key, value in config.items():
            if key in LEFT_OUT or key.endswith(LEFT_OUT_SUFFIXES) or (key == "trainable" and value is not False):
                continue
            if key in INPUT_KEYS and key not in defaults:
                continue
            if key not in known:
                if key in UNTAKEN:
                    continue
                raise self.fail(
                    f"{class_name} takes no argument {key!r} in Keras 3",
                    "CC103",
                    did_you_mean(key, known) or "a Keras 2 argument Keras 3 dropped?",
                    label,
                )
            value = self.value(value, f"{label} argument {key}")
            if not _differs(key, value, defaults, values, config):
                continue
            values[key] = value
        axis = values.get("axis")
        if class_name == "BatchNormalization" and isinstance(axis, tuple) and len(axis) == 1:
            values["axis"] = axis[0]  # Keras 2 writes [3]
        _resolved_defaults(layer_type.name, values)
        _compact(layer_type.name, values)
        args: list[object] = []
        for index, (name, default) in enumerate(signature.positional):
            if name not in values or not (default is REQUIRED or (index == 0 and name in FIRST_POSITIONAL)):
                break
            args.append(values.pop(name))
        return layer_type.name, tuple(args), values

    def value(self, value: Any, what: str) -> object:
        """A config value as a literal: lists become tuples, a layer config (a wrapper's
        layer) a call; other objects (a custom activation) are refused."""
        if isinstance(value, list):
            return tuple(self.value(v, what) for v in value)
        if isinstance(value, dict):
            if isinstance(value.get("class_name"), str) and isinstance(value.get("config"), dict):
                if value["class_name"] == "__tuple__" and isinstance(value["config"].get("value"), list):
                    return self.value(value["config"]["value"], what)
                raw = str(value["config"].get("name", value["class_name"]))
                type_name, args, kwargs = self.arguments(value, raw)
                return Call(type_name, args, kwargs)
            if all(isinstance(v, int | float | str | bool) or v is None for v in value.values()):
                return dict(value)
            raise self.fail(f"{what} is an object convcalc cannot read: {short(value)}", "CC105")
        return value

    def refuse_foreign(self, entry: dict[str, Any], label: str) -> None:
        """Custom classes and Keras operations are refused by name: nothing is ever imported."""
        module = entry.get("module")
        registered = entry.get("registered_name")
        arithmetic = module == "keras.src.ops.numpy" and entry.get("class_name") in ARITHMETIC
        if isinstance(module, str) and module.startswith(("keras.src.ops", "keras.ops")) and not arithmetic:
            raise self.fail(
                f"a Keras operation ({module}.{entry.get('class_name')}), not a layer: convcalc has no vocabulary for "
                "operations yet",
                "CC101",
                layer=label,
            )
        custom = (isinstance(module, str) and not module.startswith("keras")) or (
            isinstance(registered, str) and ">" in registered
        )
        if custom:
            raise self.fail(
                f"a custom class ({module}, registered as {registered!r}): convcalc reads Keras's own layers and never "
                "imports a custom object",
                "CC101",
                layer=label,
            )


def _differs(key: str, value: object, defaults: dict[str, object], values: dict[str, object], config: dict[str, Any]) -> bool:
    """Whether an argument says more than the class's default: channels_last and a linear
    activation are the defaults spelled out; pooling strides equal to pool_size are its default."""
    default = defaults.get(key, REQUIRED)
    if value == default or (key in SAME_SIZES and isinstance(default, int) and value == (default,) * _rank(value)):
        return False
    if (key, value) in (("data_format", "channels_last"), ("activation", "linear")) and default is None:
        return False
    pool = config.get("pool_size")
    return not (key == "strides" and default is None and pool is not None and value == _tuple(pool))


def _resolved_defaults(type_name: str, values: dict[str, object]) -> None:
    """Arguments get_config writes as the class resolved them, where the default says as much:
    MultiHeadAttention's value_dim (key_dim when None); a Bidirectional's backward_layer when it
    is its layer going backwards (what Bidirectional makes of None)."""
    if type_name == "MultiHeadAttention" and values.get("value_dim") == values.get("key_dim", REQUIRED):
        del values["value_dim"]
    backward, forward = values.get("backward_layer"), values.get("layer")
    if type_name == "Bidirectional" and isinstance(backward, Call) and isinstance(forward, Call):
        turned = {**forward.kwargs, "go_backwards": not forward.kwargs.get("go_backwards", False)}
        if (backward.type, backward.args, _going(backward.kwargs)) == (forward.type, forward.args, _going(turned)):
            del values["backward_layer"]


def _going(kwargs: dict[str, object]) -> dict[str, object]:
    """A recurrent layer's arguments with go_backwards spelled out."""
    return {**kwargs, "go_backwards": bool(kwargs.get("go_backwards", False))}


def _rank(value: object) -> int:
    return len(value) if isinstance(value, tuple) else 1


def _tuple(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _compact(type_name: str, values: dict[str, object]) -> None:
    """(3, 3) as 3 where Keras takes either; ((1, 1), (1, 1)) padding or cropping as 1."""
    for key in SAME_SIZES & values.keys():
        value = values[key]
        if _same_ints(value):
            values[key] = value[0]  # type: ignore[index]
    for key in ("padding", "cropping"):
        value = values.get(key)
        if not type_name.startswith(("ZeroPadding", "Cropping")) or not isinstance(value, tuple):
            continue
        if len(value) > 1 and all(isinstance(pair, tuple) and len(pair) == 2 and _same_ints(pair) for pair in value):
            value = tuple(pair[0] for pair in value)
        if len(value) > 1 and _same_ints(value):
            value = value[0]
        values[key] = value


def _same_ints(value: object) -> bool:
    """A non-empty tuple of one integer, repeated."""
    return (
        isinstance(value, tuple)
        and bool(value)
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        and len(set(value)) == 1
    )
