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
    if not all_known(sizes):
        return None
    total = prod(sizes)
    return total if einsum.contracted else (total + 1) // 2
