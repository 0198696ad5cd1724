"""Inverse shape problems, solved by enumeration: which settings of a convolution or pooling map one length to another,
and what to change in one layer of a spec so that the network's output gets a wanted shape.

Nothing here has a shape formula of its own. Every answer comes from the forward functions of
convcalc/ops/conv.py: the framework's valid settings within sane bounds are enumerated (a few
thousand, microseconds each) and those whose forward output is the one asked for are kept. For a
spec, the network is re-run through the engine for every candidate, so an answer is what
`convcalc summary` would print after the change.

Bounds (a given value replaces its bound): kernel <= 11, stride <= 8, dilation <= 4 (pooling:
dilation 1); PyTorch convolution padding at most half the dilated kernel, as "same" pads
(PyTorch pooling: at most half the kernel, the limit torch itself enforces).

"Smallest first" orders by dilation, kernel, stride, padding (valid before same), output
padding (Keras's inferred None first), ceil_mode; for a spec, changes of fewer arguments first,
and only minimal ones (`strides 2`, not also `strides 2, kernel_size 6`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import product

from convcalc.errors import Diagnostic, LayerError, Location, SpecError
from convcalc.frameworks import vocabulary
from convcalc.frameworks.base import Family, Terms
from convcalc.ops.conv import conv_output_length, keras_transposed_output_length, transposed_output_length
from convcalc.ops.pool import pool_output_length

OPERATIONS = ("conv", "transposed", "pool")
FRAMEWORK_NAMES = {"keras": "Keras", "pytorch": "PyTorch"}
OPERATION_NAMES = {"conv": "convolution", "transposed": "transposed convolution", "pool": "pooling"}


FAMILIES = {"conv": Family.CONVOLUTION, "transposed": Family.TRANSPOSED_CONVOLUTION, "pool": Family.POOLING}


def terms_of(framework: str, operation: str) -> Terms:
    """The framework's own argument names for a window of this operation (its vocabulary's)."""
    return vocabulary(framework).solvable[FAMILIES[operation]]


@dataclass(frozen=True)
class Bounds:
    kernel: int = 11
    stride: int = 8
    dilation: int | None = None  # None: 4 for convolutions, 1 for pooling
    padding: int = 0  # PyTorch: padding up to max(this, the sane limit), to keep a layer's current value

    def dilation_limit(self, operation: str) -> int:
        if self.dilation is not None:
            return self.dilation
        return 1 if operation == "pool" else 4


@dataclass(frozen=True)
class Fixed:
    """Values the asker fixed (`--kernel 3`); None is free."""

    kernel: int | None = None
    stride: int | None = None
    padding: int | str | None = None
    dilation: int | None = None


@dataclass(frozen=True)
class Setting:
    """One convolution or pooling setting along one axis, framework-neutral."""

    kernel: int
    stride: int
    padding: int | str
    dilation: int = 1
    output_padding: int | None = None  # transposed only; None is Keras's "infer"
    ceil_mode: bool = False  # PyTorch pooling only

    def key(self) -> tuple[int, ...]:
        """Smallest first: dilation, kernel, stride, padding (valid, integers, same), output padding."""
        pad = (1, 0) if self.padding == "same" else (0, 0 if self.padding == "valid" else int(self.padding))
        extra = -1 if self.output_padding is None else self.output_padding
        return (self.dilation, self.kernel, self.stride, *pad, extra, int(self.ceil_mode))

    def arguments(self, terms: Terms) -> dict[str, object]:
        """The setting in the framework's own names: {"kernel_size": 3, "strides": 2, ...}."""
        values: dict[str, object] = {terms.kernel: self.kernel, terms.stride: self.stride, terms.padding: self.padding}
        if terms.dilation:
            values[terms.dilation] = self.dilation
        if terms.output_padding:
            values[terms.output_padding] = self.output_padding
        if terms.ceil_mode:
            values[terms.ceil_mode] = self.ceil_mode
        return values

    def written(self, framework: str, operation: str) -> str:
        """As a call's keyword arguments, defaults left out: `kernel_size=3, strides=2, padding='same'`."""
        terms = terms_of(framework, operation)
        defaults: dict[str | None, object] = {  # keyed by None too, for the terms the layer lacks
            terms.stride: self.kernel if operation == "pool" else 1,
            terms.dilation: 1,
            terms.ceil_mode: False,
        }
        defaults[terms.padding] = "valid" if framework == "keras" else 0
        defaults[terms.output_padding] = None if framework == "keras" else 0
        parts = [f"{terms.kernel}={self.kernel}"]
        for name, value in list(self.arguments(terms).items())[1:]:
            if value != defaults.get(name):
                parts.append(f"{name}={value!r}")
        return ", ".join(parts)


def forward(setting: Setting, length: int, framework: str, operation: str) -> int | None:
    """The output length `setting` gives for `length`, by the forward formulas of ops/conv.py;
    None when the window does not fit or the output would be empty.

    >>> forward(Setting(3, 2, "same"), 28, "keras", "conv")
    14
    >>> forward(Setting(4, 2, 1, output_padding=0), 7, "pytorch", "transposed")
    14
    """
    s = setting
    try:
        if operation == "transposed" and framework == "keras":
            out = keras_transposed_output_length(length, s.kernel, s.stride, str(s.padding), s.output_padding, s.dilation)
        elif operation == "transposed":
            out = transposed_output_length(length, s.kernel, s.stride, int(s.padding), s.output_padding or 0, s.dilation)
        elif operation == "pool" and framework == "pytorch":
            out = pool_output_length(length, s.kernel, s.stride, int(s.padding), s.dilation, s.ceil_mode)
        else:
            out = conv_output_length(length, s.kernel, s.stride, s.padding, s.dilation)
    except LayerError:
        return None
    return out if out is not None and out > 0 else None


def rejects(setting: Setting, framework: str, operation: str) -> str:
    """Why the framework refuses `setting` (its own check), or "" when it accepts it."""
    s = setting
    if framework == "keras":
        if s.stride > 1 and s.dilation > 1 and operation != "pool":
            return "Keras does not combine strides > 1 with dilation_rate > 1"
        if operation == "pool" and s.dilation > 1:
            return "Keras pooling has no dilation"
        if s.padding not in ("valid", "same"):
            return "Keras padding is 'valid' or 'same'"
        if s.output_padding is not None and s.output_padding >= s.stride:
            return "Keras needs output_padding smaller than strides"
        return ""
    if isinstance(s.padding, str) and (operation != "conv" or s.padding not in ("valid", "same")):
        accepted = "an integer, 'valid' or 'same'" if operation == "conv" else "an integer"
        return f"PyTorch {OPERATION_NAMES[operation]} padding is {accepted}"
    if s.padding == "same" and s.stride > 1:
        return "PyTorch does not support padding='same' for strided convolutions"
    if operation == "pool" and int(s.padding) > s.kernel // 2:
        return "PyTorch pooling takes padding at most half the kernel size"
    if s.output_padding is not None and s.output_padding >= max(s.stride, s.dilation):
        return "PyTorch needs output_padding smaller than either stride or dilation"
    return ""


def settings(
    framework: str, operation: str, fixed: Fixed = Fixed(), bounds: Bounds = Bounds()
) -> tuple[list[Setting], list[str]]:
    """Every setting the framework accepts within the bounds, smallest first, and the reasons
    it refused the others (to explain an empty answer).

    >>> found, _ = settings("keras", "conv", Fixed(kernel=3, stride=2))
    >>> [s.padding for s in found]
    ['valid', 'same']
    """
    terms = terms_of(framework, operation)
    kernels = [fixed.kernel] if fixed.kernel else range(1, bounds.kernel + 1)
    strides = [fixed.stride] if fixed.stride else range(1, bounds.stride + 1)
    top_dilation = bounds.dilation_limit(operation) if terms.dilation else 1
    dilations = [fixed.dilation] if fixed.dilation else range(1, top_dilation + 1)
    found: list[Setting] = []
    refused: list[str] = []
    for kernel, stride, dilation in product(kernels, strides, dilations):
        for setting in _variants(framework, operation, fixed, bounds, kernel, stride, dilation):
            reason = rejects(setting, framework, operation)
            if reason:
                refused.append(reason)
            else:
                found.append(setting)
    return sorted(found, key=Setting.key), refused


def _variants(
    framework: str, operation: str, fixed: Fixed, bounds: Bounds, kernel: int, stride: int, dilation: int
) -> Iterator[Setting]:
    span = dilation * (kernel - 1) + 1
    paddings: list[int | str]
    if fixed.padding is not None:
        paddings = [0 if fixed.padding == "valid" and framework == "pytorch" else fixed.padding]
    elif framework == "keras":
        paddings = ["valid", "same"]
    else:
        limit = kernel // 2 if operation == "pool" else max(span // 2, bounds.padding)
        paddings = [*range(limit + 1), *(["same"] if operation == "conv" and stride == 1 else [])]
    extras: list[int | None] = [None]
    if operation == "transposed":
        extras = [None, *range(stride)] if framework == "keras" else list(range(max(stride, dilation)))
    ceil_modes = (False, True) if operation == "pool" and framework == "pytorch" else (False,)
    for padding, extra, ceil in product(paddings, extras, ceil_modes):
        yield Setting(kernel, stride, padding, dilation, extra, ceil)


@dataclass(frozen=True)
class LengthAnswer:
    """`convcalc solve --input 28 --output 14`: every setting that maps `length` to `target`."""

    framework: str
    operation: str
    length: int
    target: int
    fixed: Fixed
    bounds: Bounds
    settings: tuple[Setting, ...]
    reason: str = ""

    @property
    def terms(self) -> Terms:
        return terms_of(self.framework, self.operation)

    @property
    def what(self) -> str:
        return f"{FRAMEWORK_NAMES[self.framework]} {OPERATION_NAMES[self.operation]}"


def option_error(option: str, message: str, hint: str = "") -> SpecError:
    return SpecError(Diagnostic(Location(option), "CC105", message, hint))


def padding_value(text: str | None, framework: str, operation: str) -> int | str | None:
    """`--padding same`, `--padding 1`: checked against what the framework accepts."""
    if text is None:
        return None
    value: int | str = text.lower()
    if text.isdigit():
        value = int(text)
    elif value not in ("valid", "same"):
        raise option_error("--padding", f"padding must be 'valid', 'same' or a number, found {text!r}")
    if framework == "keras" and isinstance(value, int):
        raise option_error("--padding", "Keras padding is 'valid' or 'same', not a number", hint="use --framework pytorch")
    return value


def solve_length(
    length: int,
    target: int,
    framework: str = "keras",
    operation: str = "conv",
    fixed: Fixed = Fixed(),
    bounds: Bounds = Bounds(),
) -> LengthAnswer:
    """Every setting mapping `length` to `target`, smallest first, each checked by `forward`.

    >>> answer = solve_length(28, 14, "keras", fixed=Fixed(kernel=3))
    >>> [s.written("keras", "conv") for s in answer.settings]
    ["kernel_size=3, strides=2, padding='same'"]
    """
    for option, value in (("--input", length), ("--output", target)):
        if value < 1:
            raise option_error(option, f"a length must be a positive integer, found {value}")
    candidates, refused = settings(framework, operation, fixed, bounds)
    found = tuple(s for s in candidates if forward(s, length, framework, operation) == target)
    answer = LengthAnswer(framework, operation, length, target, fixed, bounds, found)
    if not found:
        answer = dataclasses.replace(answer, reason=_why_not(answer, candidates, refused))
    return answer


def _fixed_text(answer: LengthAnswer) -> str:
    terms = answer.terms
    pairs = [
        (terms.kernel, answer.fixed.kernel),
        (terms.stride, answer.fixed.stride),
        (terms.padding, answer.fixed.padding),
        (terms.dilation or "dilation", answer.fixed.dilation),
    ]
    return ", ".join(f"{name}={value!r}" for name, value in pairs if value is not None)


def ranges(values: list[int]) -> str:
    """Sorted integers as runs.

    >>> ranges([1, 2, 3, 5, 9, 10])
    '1-3, 5, 9-10'
    """
    runs: list[list[int]] = []
    for value in values:
        if runs and value == runs[-1][-1] + 1:
            runs[-1].append(value)
        else:
            runs.append([value])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def _why_not(answer: LengthAnswer, candidates: list[Setting], refused: list[str]) -> str:
    """An empty answer explained: what the allowed settings reach instead, and what to relax."""
    fixed = _fixed_text(answer)
    given = f" with {fixed}" if fixed else ""
    framework, operation = answer.framework, answer.operation
    if not candidates:
        return f"{answer.what}{given}: {refused[0] if refused else 'no setting within the bounds'}"
    reached: dict[int, Setting] = {}
    for setting in candidates:
        out = forward(setting, answer.length, framework, operation)
        if out is not None and out not in reached:
            reached[out] = setting
    text = f"no {answer.what} setting{given} maps {answer.length} to {answer.target}"
    if not reached:
        return text + f": every kernel{given} is larger than the padded input"
    outs = sorted(reached)
    text += f"; these settings give {ranges(outs)}"
    if answer.target > outs[-1]:
        best = reached[outs[-1]]
        text += f"; the largest is {outs[-1]} ({best.written(framework, operation)})"
        if operation != "transposed":
            text += "; to grow a length, use --transposed"
    elif answer.target < outs[0]:
        best = reached[outs[0]]
        text += f"; the smallest is {outs[0]} ({best.written(framework, operation)}): a larger kernel or stride is needed"
    else:
        below = max(o for o in outs if o < answer.target)
        above = min(o for o in outs if o > answer.target)
        text += f"; the nearest are {below} ({reached[below].written(framework, operation)})"
        text += f" and {above} ({reached[above].written(framework, operation)})"
    if fixed:
        free = solve_length(answer.length, answer.target, framework, operation, Fixed(), answer.bounds)
        if free.settings:
            count = len(free.settings)
            text += f"; without {fixed} there {'is' if count == 1 else 'are'} {count} setting{'s' * (count != 1)}"
            text += f", the first {free.settings[0].written(framework, operation)}"
    return text
