"""Keras's EinsumDense arithmetic: what an equation such as "abc,cd->abd" makes of an input, the
kernel and bias it needs, and the multiply-adds of the einsum.

The rules are those of keras/src/layers/core/einsum_dense.py (_analyze_einsum_string and
_analyze_split_string): an equation is "X,Y->Z", "...X,Y->...Z" (elided axes on the left) or
"X...,Y->Z..." (on the right; "..." read as one placeholder character, the three forms matched
at the start of the text). The full output shape starts from the batch size followed by the
`output_shape` the layer is given; axes elided on the left are inserted after the batch, axes
elided otherwise appended. Each kernel axis takes its size from the output (when its letter is
an output letter) or the input; the bias spans the output from the first of its `bias_axes` on,
1 on the axes not named.

One departure: with two or more axes elided on the left, Keras 3.15's compute_output_shape
inserts them in reverse order (each at position 1: "...b,bc->...c" on (None, 5, 7, 3) says
(None, 7, 5, 8)) while the call returns them in order ((2, 5, 7, 8) on a batch of 2); convcalc
gives the order the call returns, as it does for MultiHeadAttention's scores.
"""

from __future__ import annotations

import re
from math import prod

from convcalc.errors import LayerError
from convcalc.ops.tensor import Shape, all_known
from convcalc.record import Record

FORMS = (
    (re.compile("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)"), False),
    (re.compile("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)"), True),
    (re.compile("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0"), False),
)


class Einsum(Record):
    """An EinsumDense on one input: its kernel and bias shapes (None: no bias; a None size is
    unknown), its full output shape, and for each output axis the input axis it carries (None
    for an axis the kernel makes), with the input axes summed over."""

    __slots__ = ("kernel", "bias", "output", "source", "contracted", "new")

    kernel: tuple[int | None, ...]
    bias: tuple[int | None, ...] | None
    output: Shape
    source: tuple[int | None, ...]
    contracted: tuple[int, ...]
    new: tuple[int | None, ...]  # the sizes of the kernel's letters the input lacks

    def __init__(
        self,
        kernel: tuple[int | None, ...],
        bias: tuple[int | None, ...] | None,
        output: Shape,
        source: tuple[int | None, ...],
        contracted: tuple[int, ...],
        new: tuple[int | None, ...],
    ) -> None:
        self.kernel = kernel
        self.bias = bias
        self.output = output
        self.source = source
        self.contracted = contracted
        self.new = new


def analyze(equation: str, bias_axes: str | None, input_shape: Shape, output_shape: tuple[int | None, ...]) -> Einsum:
    """The shapes EinsumDense builds.

    >>> e = analyze("abc,cd->abd", "d", (None, 7, 3), (None, 64))  # keras 3.15.1: kernel (3, 64), bias (64,)
    >>> e.kernel, e.bias, e.output, e.source, e.contracted
    ((3, 64), (64,), (None, None, 64), (0, 1, None), (2,))
    >>> analyze("...b,bc->...c", None, (None, 5, 7, 3), (8,)).output  # left-elided axes kept
    (None, 5, 7, 8)
    """
    text = equation.replace("...", "0")
    matches = [(match, left) for pattern, left in FORMS if (match := pattern.match(text))]
    if not matches:
        raise LayerError(
            f"invalid einsum equation {equation!r}: write [X],[Y]->[Z], ...[X],[Y]->...[Z] or [X]...,[Y]->[Z]...",
            hint='e.g. "ab,bc->ac", "abc,cd->abd" or "...b,bc->...c"',
            argument="equation",
            code="CC105",
        )
    found, left = matches[0]
    inputs, weights, outputs = found.groups()
    rank = len(input_shape)
    elided = rank - len(inputs)
    if elided < 0:
        raise LayerError(
            f"the equation's input {inputs!r} names {len(inputs)} axes, but the input has {rank}",
            argument="equation",
            code="CC200",
        )
    full: list[int | None] = [input_shape[0], *output_shape]
    source: list[int | None] = [0] + [None] * len(output_shape)
    if elided > 0 and left:  # in their order, as the call gives them (see the module docstring)
        full[1:1] = input_shape[1:elided]
        source[1:1] = range(1, elided)
    elif elided > 0:
        full += input_shape[rank - elided :]
        source += range(rank - elided, rank)
    shift = elided if left else 0
    input_axis = {letter: (i + elided if left else i) for i, letter in enumerate(inputs)}
    output_axis = {letter: i + shift for i, letter in enumerate(outputs)}
    if max(output_axis.values()) >= len(full):
        raise LayerError(
            f"the equation's output {outputs!r} has more axes than output_shape {tuple(output_shape)} gives",
            hint="output_shape lists every output axis but the batch",
            argument="output_shape",
            code="CC105",
        )
    for letter in inputs:
        if letter in output_axis:
            size, wanted = input_shape[input_axis[letter]], full[output_axis[letter]]
            if wanted is not None and wanted != size:
                raise LayerError(
                    f"input and output shapes differ at the shared axis {letter!r}: {size} and {wanted}",
                    argument="output_shape",
                    code="CC200",
                )
            source[output_axis[letter]] = input_axis[letter]
    for letter in outputs:
        if letter not in inputs and letter not in weights:
            raise LayerError(
                f"the output axis {letter!r} is in neither the input {inputs!r} nor the weight {weights!r}",
                argument="equation",
                code="CC105",
            )
    kernel: list[int | None] = []
    for letter in weights:
        if letter in output_axis:
            kernel.append(full[output_axis[letter]])
        elif letter in input_axis:
            kernel.append(input_shape[input_axis[letter]])
        else:
            raise LayerError(
                f"the weight axis {letter!r} is in neither the input {inputs!r} nor the output {outputs!r}",
                hint="the kernel must be fully specified by the input and the output",
                argument="equation",
                code="CC105",
            )
    new = tuple(size for letter, size in zip(weights, kernel) if letter not in input_axis)
    contracted = tuple(axis for letter, axis in input_axis.items() if letter not in output_axis)
    bias = bias_shape(bias_axes, outputs, full, shift, left, elided)
    return Einsum(tuple(kernel), bias, tuple(full), tuple(source), contracted, new)


def bias_shape(
    bias_axes: str | None, outputs: str, full: list[int | None], shift: int, left: bool, elided: int
) -> tuple[int | None, ...] | None:
    """The bias spans the output axes from the first letter of `bias_axes` on: the sizes of the
    named ones, 1 elsewhere, and 1 for each axis elided on the right."""
    if bias_axes is None:
        return None
    for letter in bias_axes:
        if letter not in outputs:
            raise LayerError(
                f"the bias axis {letter!r} is not in the equation's output {outputs!r}", argument="bias_axes", code="CC105"
            )
    if not bias_axes:
        raise LayerError("bias_axes names no axis", hint="give None for no bias", argument="bias_axes", code="CC105")
    sizes = {letter: full[i + shift] for i, letter in enumerate(outputs)}
    first = min(outputs.find(letter) for letter in bias_axes)
    shape = [sizes[letter] if letter in bias_axes else 1 for letter in outputs[first:]]
    if not left:
        shape += [1] * max(elided, 0)
    return tuple(shape)


def einsum_macs(einsum: Einsum, input_shape: Shape) -> int | None:
    """Multiply-adds of the einsum of the input and the kernel, as fvcore's einsum handler counts
    them (numpy's einsum_path cost, halved): the product of every index size (each input axis,
    elided ones too, and each kernel letter the input lacks) when some input letter is summed
    over; half that, rounded up, when none is (an element-wise product). An unknown batch counts
    one sample; numpy prints the cost to 4 digits, so fvcore rounds large counts, convcalc not.

    >>> einsum_macs(analyze("abc,cd->abd", None, (None, 7, 3), (None, 64)), (None, 7, 3))  # 7 x 3 x 64
    1344
    """
    sizes = (1 if input_shape[0] is None else input_shape[0], *input_shape[1:], *einsum.new)
    return path_macs(sizes, bool(einsum.contracted))


def path_macs(sizes: tuple[int | None, ...], summed: bool) -> int | None:
    """numpy's einsum_path cost of one contraction, halved as fvcore halves it: the product of
    every index size, twice when some index is summed over (a multiply and an add), once when
    none is; None when a size is unknown.

    >>> path_macs((7, 3, 64), True), path_macs((7, 3), False)
    (1344, 11)
    """
    if not all_known(sizes):
        return None
    total = prod(sizes)
    return total if summed else (total + 1) // 2


class Contraction(Record):
    """torch.einsum of some operands: the output shape, the size of each index (the ellipsis's
    axes first, then the letters in the order they appear; None unknown) and whether some index
    is summed over."""

    __slots__ = ("output", "sizes", "summed")

    output: Shape
    sizes: tuple[int | None, ...]
    summed: bool

    def __init__(self, output: Shape, sizes: tuple[int | None, ...], summed: bool) -> None:
        self.output = output
        self.sizes = sizes
        self.summed = summed


def broadcast(size: int | None, other: int | None) -> int | bool | None:
    """Two sizes of one index as torch.einsum broadcasts them (1 takes the other); False when they
    cannot; None when unknown."""
    if size == 1:
        return other
    if other == 1 or other == size:
        return size
    return None if size is None or other is None else False


def subscripts(term: str, position: str) -> tuple[str, bool]:
    """One operand's (or the output's) letters without the ellipsis, and whether it has one."""
    letters = term.replace("...", "", 1)
    if "." in letters:
        raise LayerError(
            f"einsum(): found '.' for {position} that is not part of any ellipsis", argument="equation", code="CC105"
        )
    for letter in letters:
        if not letter.isascii() or not letter.isalpha():
            raise LayerError(
                f"einsum(): invalid subscript given at index {term.index(letter)} in the equation string, "
                "subscripts must be in [a-zA-Z]",
                argument="equation",
                code="CC105",
            )
    return letters, len(letters) != len(term)


def contract(equation: str, shapes: tuple[Shape, ...]) -> Contraction:
    """What torch.einsum(equation, *operands) makes of operands of `shapes`, with its errors:
    spaces ignored, an ellipsis standing for the axes no letter names (broadcast across the
    operands), a letter's sizes broadcasting as 1 against any, and without `->` the output the
    letters named once, in ASCII order (upper case first), after the ellipsis's axes.

    >>> contract("B G H I D, B G H J D -> B G H I J", ((None, 64, 2, 49, 32), (None, 64, 2, 49, 32))).output
    (None, 64, 2, 49, 49)
    >>> contract("...i,...i", ((2, 3), (5, 1, 3))).output
    (5, 2)
    """
    text = equation.replace(" ", "")
    left, arrow, right = text.partition("->")
    terms = left.split(",")
    if len(terms) != len(shapes):
        raise LayerError(
            "einsum(): more operands were provided than specified in the equation"
            if len(shapes) > len(terms)
            else "einsum(): fewer operands were provided than specified in the equation",
            hint=f"{len(terms)} in the equation, {len(shapes)} given",
            argument="equation",
            code="CC200",
        )
    sizes: dict[str, int | None] = {}
    counts: dict[str, int] = {}
    ellipsis: list[int | None] = []
    for number, (term, shape) in enumerate(zip(terms, shapes)):
        letters, has = subscripts(term, f"operand {number}")
        if len(letters) > len(shape) or (not has and len(letters) != len(shape)):
            raise LayerError(
                f"einsum(): the number of subscripts in the equation ({len(letters)}) does not match the number of "
                f"dimensions ({len(shape)}) for operand {number}" + ("" if has else " and no ellipsis was given"),
                argument="equation",
                code="CC200",
            )
        start = term.find("...") if has else len(letters)
        extra = len(shape) - len(letters)
        named = [*shape[:start], *shape[start + extra :]]
        spread = list(shape[start : start + extra])
        if len(spread) > len(ellipsis):
            ellipsis[:0] = [1] * (len(spread) - len(ellipsis))
        for i, size in enumerate(spread):
            at = len(ellipsis) - len(spread) + i
            merged = broadcast(ellipsis[at], size)
            if merged is False:
                raise LayerError(
                    f"einsum(): operands do not broadcast with remapped shapes (original->remapped): "
                    f"the ellipsis's axes of operand {number} do not broadcast with the others'",
                    argument="equation",
                    code="CC200",
                )
            ellipsis[at] = merged
        seen: dict[str, int | None] = {}
        for letter, size in zip(letters, named):
            if letter in seen and seen[letter] != size and None not in (seen[letter], size):
                raise LayerError(
                    f"einsum(): subscript {letter} is repeated for operand {number} but the sizes don't match, "
                    f"{size} != {seen[letter]}",
                    argument="equation",
                    code="CC200",
                )
            seen[letter] = size
            counts[letter] = counts.get(letter, 0) + 1
            if letter not in sizes:
                sizes[letter] = size
                continue
            merged = broadcast(sizes[letter], size)
            if merged is False:
                raise LayerError(
                    f"einsum(): subscript {letter} has size {size} for operand {number} which does not broadcast "
                    f"with previously seen size {sizes[letter]}",
                    argument="equation",
                    code="CC200",
                )
            sizes[letter] = merged
    if arrow:
        outputs, keeps = subscripts(right, "the output")
        for i, letter in enumerate(outputs):
            if letter not in sizes:
                raise LayerError(
                    f"einsum(): output subscript {letter} does not appear in the equation for any input operand",
                    argument="equation",
                    code="CC105",
                )
            if outputs.index(letter) != i:
                raise LayerError(
                    f"einsum(): output subscript {letter} appears more than once in the output", argument="equation", code="CC105"
                )
        at = right.find("...") if keeps else len(outputs)
        before, after = outputs[:at], outputs[at:]
    else:
        keeps, before, after = True, "", "".join(sorted(letter for letter, n in counts.items() if n == 1))
    output = (*(sizes[c] for c in before), *(ellipsis if keeps else ()), *(sizes[c] for c in after))
    summed = (not keeps and bool(ellipsis)) or any(letter not in before + after for letter in sizes)
    return Contraction(tuple(output), (*ellipsis, *sizes.values()), summed)
