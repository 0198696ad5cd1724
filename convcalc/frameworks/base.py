"""What a framework vocabulary is: layer types (signature + arithmetic) under their names."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from convcalc.errors import LayerError, did_you_mean
from convcalc.report import Built
from convcalc.signature import REQUIRED, Args, Signature

Build = Callable[[Args, Any], Built]  # Any: a Shape, or a tuple of them for merges


@dataclass(frozen=True)
class LayerType:
    """A real layer class: its name, its `__init__` signature, and its shape arithmetic."""

    name: str
    signature: Signature
    build: Build
    merges: bool = False  # takes several inputs: `build` gets a tuple of shapes
    shown_as: str = ""  # the class the framework reports, when not `name` (a Lazy module's plain class)
    own: bool = False  # convcalc's own stand-in for a framework function (torch.cat), not a class

    @property
    def reported(self) -> str:
        return self.shown_as or self.name


@dataclass
class Vocabulary:
    """A framework's layer types by class name, and the aliases that lead to them."""

    framework: str
    types: dict[str, LayerType] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)

    def add(self, layer_type: LayerType, *aliases: str) -> None:
        self.types[layer_type.name] = layer_type
        for alias in aliases:
            self.aliases[alias] = layer_type.name

    def lookup(self, name: str, other: Vocabulary | None = None) -> LayerType:
        """The layer type called `name` (or an alias of it), or a LayerError with a suggestion."""
        found = self.types.get(self.aliases.get(name, name))
        if found is not None:
            return found
        hint = did_you_mean(name, list(self.types) + list(self.aliases))
        if other is not None and (name in other.types or name in other.aliases):
            hint = f"{name} is a {other.framework} layer; this spec's framework is {self.framework}" + (
                f"; {hint}" if hint else ""
            )
        raise LayerError(f"unknown {self.framework} layer type {name!r}", hint=hint, code="CC101")


def signature_from_table(entry: tuple, base_kwargs: frozenset[str]) -> Signature:
    """A Signature from a generated entry of frameworks/signatures.py; classes that take
    `**kwargs` accept the framework's base-class keywords (`base_kwargs`)."""
    positional, keyword_only, var_kwargs = entry

    def params(pairs: tuple) -> tuple[tuple[str, object], ...]:
        return tuple((name, REQUIRED if default == "REQUIRED" else default) for name, default in pairs)

    return Signature(params(positional), params(keyword_only), base_kwargs if var_kwargs else frozenset())


def snake_case(name: str) -> str:
    """Keras's automatic layer names (keras.src.utils.naming.to_snake_case).

    >>> snake_case("Conv2D"), snake_case("MaxPooling2D"), snake_case("ReLU")
    ('conv2d', 'max_pooling2d', 're_lu')
    """
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def inner_layer(value: object, vocabulary: Vocabulary, argument: str) -> tuple[LayerType, Args]:
    """The layer a wrapper takes as an argument (`Bidirectional(LSTM(64))`), bound like any layer.

    The argument may be a parsed call (the call form), the text of one (`layer: "LSTM(64)"`) or a
    mapping (`layer: {type: LSTM, units: 64}`); errors name the wrapper's argument.
    """
    from convcalc.calls import Call, parse_call

    with about(argument):
        if isinstance(value, str):
            value = parse_call(value)
        if isinstance(value, dict):
            kwargs = dict(value)
            type_name = kwargs.pop("type", None)
            if not isinstance(type_name, str):
                raise LayerError("a layer given as a mapping needs `type:`", hint="e.g. {type: LSTM, units: 64}", code="CC105")
            value = Call(type_name, (), kwargs)
        if not isinstance(value, Call):
            raise LayerError(
                f"expected a layer, found {value!r}", hint='e.g. LSTM(64), "LSTM(64)" or {type: LSTM, units: 64}', code="CC105"
            )
        layer_type = vocabulary.lookup(value.name)
        return layer_type, layer_type.signature.bind(value.name, value.args, value.kwargs)


@contextmanager
def about(argument: str) -> Iterator[None]:
    """Errors raised inside a wrapped layer point at the wrapper's `argument` and say so."""
    try:
        yield
    except LayerError as exc:
        if exc.argument == argument and exc.message.startswith(f"{argument}: "):
            raise
        raise LayerError(f"{argument}: {exc.message}", exc.hint, argument, exc.code) from None
