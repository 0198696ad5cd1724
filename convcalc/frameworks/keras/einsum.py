"""keras.layers.EinsumDense (keras/src/layers/core/einsum_dense.py): a Dense layer written as an
einsum of the input and a kernel, `EinsumDense("abc,cd->abd", output_shape=(None, 64),
bias_axes="d")`; the shape arithmetic is ops/einsum.py.

Weights: `kernel`, shaped by the equation's weight letters, and `bias` when bias_axes is given;
with lora_rank the kernel is frozen and lora_kernel_a (kernel.shape[:-1] + (rank,)) and
lora_kernel_b (rank, kernel.shape[-1]) train, as Dense's. MACs: the einsum, as fvcore counts
aten::einsum (ops/einsum.py einsum_macs), and the LoRA product merged into the kernel once a call.
Receptive fields: each output axis carries the input axis of its letter; the letters summed over
are mixed (a field ends when that is a spatial axis).
"""

from __future__ import annotations

from convcalc.errors import LayerError
from convcalc.frameworks.base import Family, LayerType
from convcalc.frameworks.keras.layers import activation, keras_type, lora
from convcalc.ops import macs
from convcalc.ops.einsum import Einsum, analyze, einsum_macs
from convcalc.ops.tensor import Built, Shape, Weight
from convcalc.ops.window import Axes
from convcalc.signature import Args


def analyzed(args: Args, shape: Shape) -> Einsum:
    equation = args["equation"]
    if not isinstance(equation, str):
        raise args.error("equation", 'an einsum equation such as "ab,bc->ac"')
    value = args["output_shape"]
    partial = (value,) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(partial, tuple | list) or any(
        d is not None and (isinstance(d, bool) or not isinstance(d, int)) for d in partial
    ):
        raise args.error("output_shape", "an integer or a tuple of integers (None where the input gives the size)")
    bias_axes = args["bias_axes"]
    if bias_axes is not None and not isinstance(bias_axes, str):
        raise args.error("bias_axes", 'None or a string of output letters, e.g. "d"')
    return analyze(equation, bias_axes, shape, tuple(partial))


def sized(shape: tuple[int | None, ...], what: str) -> tuple[int, ...]:
    """Weights need known sizes ("Shapes used to initialize variables must be fully-defined")."""
    if None in shape:
        raise LayerError(
            f"the {what} would be {shape}: Keras cannot create a weight with an unknown (None) size",
            hint="give the size in output_shape, or a known input size",
            argument="output_shape",
            code="CC200",
        )
    return tuple(n for n in shape if n is not None)


def einsum_dense(args: Args, shape: Shape) -> Built:
    activation(args)
    einsum = analyzed(args, shape)
    kernel = sized(einsum.kernel, "kernel")
    bias = () if einsum.bias is None else (Weight("bias", sized(einsum.bias, "bias")),)
    weight, factors = lora(args, Weight("kernel", kernel), kernel[-1])
    return Built(einsum.output, (weight, *bias, *factors))


def einsum_axes(args: Args, shape: Shape) -> Axes:
    einsum = analyzed(args, shape)
    return Axes(einsum.source, einsum.contracted)


def einsum_dense_macs(layer: macs.Layer) -> int | None:
    shape = layer.input_shapes[0]
    return macs.summed(einsum_macs(analyzed(layer.args, shape), shape), macs.lora_merge(layer))


TYPES: list[LayerType] = [
    keras_type(
        "EinsumDense",
        einsum_dense,
        Family.DENSE,
        variant="einsum",
        axes=einsum_axes,
        macs=einsum_dense_macs,
    )
]
