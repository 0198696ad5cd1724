"""Binding a layer's arguments the way Python binds a call to the real class's `__init__`.

A Signature lists the real class's parameters in their positional order with their defaults,
so `Conv2D(32, 3)` binds 32 to `filters` and 3 to `kernel_size`, exactly as Keras would.
`Args` then hands the layer arithmetic typed values, or a LayerError naming the argument.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence
from typing import TypeVar, cast

from convcalc.errors import LayerError, did_you_mean
from convcalc.ops.tensor import integral
from convcalc.record import Record

T = TypeVar("T")


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: object = _Required()

YAML11_BOOLEANS = frozenset(("yes", "no", "on", "off", "y", "n"))
"""Booleans in YAML 1.1 (PyYAML's default) that YAML 1.2 reads as text (spec/yaml12.py)."""


class Signature(Record):
    """The parameters of a real layer class.

    `positional` may be passed by position or keyword, in this order; `keyword_only` only by
    keyword. `accepted` are keywords the class takes through `**kwargs` (Keras's base Layer:
    `name`, `dtype`, `trainable`...), none of which change shapes or counts.
    """

    __slots__ = ("positional", "keyword_only", "accepted", "_known")

    positional: tuple[tuple[str, object], ...]
    keyword_only: tuple[tuple[str, object], ...]
    accepted: frozenset[str]

    def __init__(
        self,
        positional: tuple[tuple[str, object], ...],
        keyword_only: tuple[tuple[str, object], ...] = (),
        accepted: frozenset[str] = frozenset(),
    ) -> None:
        self.positional = positional
        self.keyword_only = keyword_only
        self.accepted = accepted
        # every keyword the class takes, worked out once per signature (bind runs per layer)
        self._known = frozenset(n for n, _ in positional + keyword_only) | accepted

    @property
    def names(self) -> list[str]:
        return [n for n, _ in self.positional + self.keyword_only] + sorted(self.accepted)

    def bind(self, type_name: str, args: tuple[object, ...], kwargs: Mapping[str, object]) -> Args:
        if len(args) > len(self.positional):
            raise LayerError(
                f"{type_name} takes at most {len(self.positional)} positional arguments "
                f"({', '.join(n for n, _ in self.positional) or 'none'}), found {len(args)}",
                argument=len(self.positional),
                code="CC104",
            )
        values: dict[str, object] = {}
        for (name, _), value in zip(self.positional, args):
            values[name] = value
        known = self._known
        for name, value in kwargs.items():
            if name not in known:
                raise LayerError(
                    f"{type_name} takes no argument {name!r}",
                    hint=did_you_mean(name, known),
                    argument=name,
                    code="CC103",
                )
            if name in values:
                raise LayerError(
                    f"{type_name} got {name!r} both by position and by keyword",
                    argument=name,
                    code="CC104",
                )
            values[name] = value
        for name, default in self.positional + self.keyword_only:
            if name not in values:
                if default is REQUIRED:
                    raise LayerError(
                        f"{type_name} needs the argument {name!r}",
                        hint=f"e.g. {type_name}({', '.join(n for n, d in self.positional if d is REQUIRED)})",
                        code="CC104",
                    )
                values[name] = default
        return Args(type_name, values)

    def problems(self, type_name: str, args: tuple[object, ...], kwargs: Mapping[str, object]) -> list[LayerError]:
        """Every way a call does not bind, where bind() stops at the first: each keyword the class
        does not take, then too many positional arguments, a keyword given twice, a missing one."""
        known = self._known
        found = [
            LayerError(f"{type_name} takes no argument {name!r}", hint=did_you_mean(name, known), argument=name, code="CC103")
            for name in kwargs
            if name not in known
        ]
        try:
            self.bind(type_name, args, {k: v for k, v in kwargs.items() if k in known})
        except LayerError as exc:
            found.append(exc)
        return found


class Args:
    """A layer's bound arguments, read through accessors that check type and range.

    The accessors `int` and `bool` shadow the builtins inside this class body, so annotations
    after them spell the builtins `builtins.int` and `builtins.bool`.
    """

    def __init__(self, type_name: str, values: dict[str, object]) -> None:
        self.type_name = type_name
        self.values = values

    def __getitem__(self, name: str) -> object:
        return self.values[name]

    def get(self, name: str, default: object = None) -> object:
        return self.values.get(name, default)

    def error(self, name: str, expected: str, hint: str = "") -> LayerError:
        found = repr(self.values.get(name))
        if len(found) > 60:  # a hostile value must not flood the terminal
            found = found[:57] + "..."
        return LayerError(f"{name} must be {expected}, found {found}", hint=hint, argument=name, code="CC105")

    def int(self, name: str, minimum: int | None = None) -> int:
        """An integer argument; a formula of the input's symbols counts as one (a slice's end
        or a padding computed from `shape(x)` in block arithmetic: convcalc.symbolic.size)."""
        value = self.values[name]
        if not integral(value):
            raise self.error(name, "an integer" if minimum is None else f"an integer >= {minimum}")
        number = cast(builtins.int, value)
        if minimum is not None and number < minimum:
            raise self.error(name, f"an integer >= {minimum}")
        return number

    def optional_int(self, name: str, minimum: builtins.int | None = None) -> builtins.int | None:
        return None if self.values[name] is None else self.int(name, minimum)

    def number(self, name: str) -> float:
        value = self.values[name]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(name, "a number")
        return value

    def bool(self, name: str, default: bool | None = None) -> bool:
        value = self.values[name] if default is None else self.values.get(name, default)
        if not isinstance(value, bool):
            hint = ""
            if isinstance(value, str) and value.lower() in YAML11_BOOLEANS:  # text in YAML 1.2, which specs are read by
                hint = f"YAML 1.2 reads {value} as text: write {'true' if value.lower() in ('yes', 'on', 'y') else 'false'}"
            raise self.error(name, "True or False", hint)
        return value

    def choice(self, name: str, options: Iterable[T]) -> T:
        value = self.values[name]
        choices = list(options)
        if isinstance(value, str) and value not in choices and value.lower() in choices:
            value = value.lower()
        if value not in choices or (isinstance(value, bool) and True not in choices):
            raise self.error(
                name,
                "one of " + ", ".join(repr(c) for c in choices),
                hint=did_you_mean(str(value), [str(c) for c in choices]),
            )
        listed: Sequence[object] = choices
        return choices[listed.index(value)]  # the option itself (an equal value), typed as the options are

    def ints(self, name: str, rank: builtins.int, minimum: builtins.int = 1) -> tuple[builtins.int, ...]:
        """An int or a `rank`-long tuple/list of ints, as Keras's standardize_tuple and
        PyTorch's _ntuple accept them: `3` means `(3, 3)` in 2-D."""
        value = self.values[name]
        expected = f"an integer >= {minimum} or a tuple of {rank} of them"
        if isinstance(value, int) and not isinstance(value, bool):
            value = (value,) * rank
        if not isinstance(value, tuple | list) or len(value) != rank:
            raise self.error(name, expected)
        for item in value:
            if isinstance(item, bool) or not isinstance(item, int) or item < minimum:
                raise self.error(name, expected)
        return tuple(value)


class Sizes(Signature):
    """A tensor method that takes its sizes one by one or as one sequence: `x.view(2, -1)`,
    `x.view((2, -1))` and `x.view(size=(2, -1))` all bind (2, -1) to `size`, its one positional
    parameter, as torch's argument parser reads an int list (Tensor.view, reshape, permute, expand).

    >>> Sizes((("size", REQUIRED),)).bind("View", (2, -1), {}).values
    {'size': (2, -1)}
    >>> Sizes((("size", REQUIRED),)).bind("View", ([2, -1],), {}).values
    {'size': [2, -1]}
    """

    __slots__ = ()

    def bind(self, type_name: str, args: tuple[object, ...], kwargs: Mapping[str, object]) -> Args:
        if len(args) > 1 or (args and not isinstance(args[0], tuple | list)):
            args = (tuple(args),)
        return super().bind(type_name, args, kwargs)
