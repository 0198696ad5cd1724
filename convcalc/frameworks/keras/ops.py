"""convcalc's own stand-ins for the keras.ops calls that functional models make between their
layers: `ops.mean(x, axis=(1, 2))` is written `Mean(axis=(1, 2))`, under the operation's own class
name, which `model.summary()` shows (keras/src/ops/numpy.py: Mean, Transpose, ExpandDims...).

Axes count as keras.ops counts them: the batch axis is 0 (Keras's Permute and Reshape layers
leave it out), negative axes from the end. The shapes are Keras's symbolic ones
(compute_output_spec); where the symbolic shape accepts what the call then refuses (an axis named
twice), convcalc refuses it at once. The layers stand in where Keras reports the same class:
`ops.reshape(x, (-1, 49, 768))` is `Reshape((49, 768))`, `inputs + x` is `Add()`, `x + 3.0` is
`Add(3.0)`, `x * 0.5` is `Multiply(0.5)` (keras/layers.py). A build's docstring says what it
stands for (scripts/gen_signatures.py --descriptions reads it for the spec schema).
"""

from __future__ import annotations

from typing import Any

from convcalc.errors import LayerError
from convcalc.frameworks.base import Build, Code, Family, LayerType
from convcalc.frameworks.keras.layers import BASE_KWARGS
from convcalc.ops.axes import axis_indices, inserted, reduced, reordered, squeezed
from convcalc.ops.merge import broadcast_unknown
from convcalc.ops.merge import matmul as matmul_shape
from convcalc.ops.tensor import Built, Shape
from convcalc.ops.window import Axes
from convcalc.signature import REQUIRED, Args, Signature

TYPES: list[LayerType] = []
"""The stand-ins of this module, in the order they are defined (keras/__init__.py registers them)."""


def own(name: str, positional: tuple[tuple[str, object], ...], build: Build, family: Family, **facts: Any) -> None:
    """An operation of keras.ops; like a layer it takes `name=` (and Keras's other base keywords)."""
    TYPES.append(LayerType(name, Signature(positional, (), BASE_KWARGS), build, family, own=True, **facts))


def axes(args: Args, name: str) -> tuple[int, ...] | None:
    """An axis argument: None, an int, or a tuple/list of ints."""
    value = args[name]
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,)
    if isinstance(value, tuple | list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return tuple(value)
    raise args.error(name, "None, an integer or a tuple of integers")


# --- Reductions: keras.ops.mean, sum, max, min (operation_utils.reduce_shape)


def reduction_axes(args: Args, shape: Shape) -> tuple[int, ...]:
    """axis=None reduces every axis; an empty tuple none (numpy's reading, which the torch
    backend keeps: `if axis == () or axis == []: return x`)."""
    chosen = axes(args, "axis")
    return tuple(range(len(shape))) if chosen is None else axis_indices(chosen, len(shape), "axis")


def reduce(args: Args, shape: Shape) -> Built:
    if "initial" in args.values and args["initial"] is not None:
        args.number("initial")
    return Built(reduced(shape, reduction_axes(args, shape), args.bool("keepdims")))


def mean(args: Args, shape: Shape) -> Built:
    """keras.ops.mean(x, axis=None, keepdims=False): the mean along `axis`, the batch axis being 0.

    Every axis when `axis` is None; none when it is empty.

    Args:
        axis (int or tuple of ints, optional): axis or axes along which the means are computed.
        keepdims (bool): whether the reduced axes stay, as size 1.
    """
    return reduce(args, shape)


def total(args: Args, shape: Shape) -> Built:
    """keras.ops.sum(x, axis=None, keepdims=False): the sum along `axis`, the batch axis being 0.

    Every axis when `axis` is None; none when it is empty.

    Args:
        axis (int or tuple of ints, optional): axis or axes along which the sum is computed.
        keepdims (bool): whether the reduced axes stay, as size 1.
    """
    return reduce(args, shape)


def maximum(args: Args, shape: Shape) -> Built:
    """keras.ops.max(x, axis=None, keepdims=False, initial=None): the maximum along `axis`.

    The batch axis is 0; every axis when `axis` is None, none when it is empty.

    Args:
        axis (int or tuple of ints, optional): axis or axes along which to operate.
        keepdims (bool): whether the reduced axes stay, as size 1.
        initial (float, optional): the minimum value of an output element.
    """
    return reduce(args, shape)


def minimum(args: Args, shape: Shape) -> Built:
    """keras.ops.min(x, axis=None, keepdims=False, initial=None): the minimum along `axis`.

    The batch axis is 0; every axis when `axis` is None, none when it is empty.

    Args:
        axis (int or tuple of ints, optional): axis or axes along which to operate.
        keepdims (bool): whether the reduced axes stay, as size 1.
        initial (float, optional): the maximum value of an output element.
    """
    return reduce(args, shape)


def reduced_axes(args: Args, shape: Shape) -> Axes:
    chosen = reduction_axes(args, shape)
    return Axes(tuple(i for i in range(len(shape)) if args.bool("keepdims") or i not in chosen), chosen)


for _name, _build in (("Mean", mean), ("Sum", total)):
    _code = Code(f"keras.ops.{_name.lower()}({{0}}{{+axis}}{{+keepdims}})")
    own(_name, (("axis", None), ("keepdims", False)), _build, Family.REDUCTION, axes=reduced_axes, code=_code)
for _name, _build in (("Max", maximum), ("Min", minimum)):
    _code = Code(f"keras.ops.{_name.lower()}({{0}}{{+axis}}{{+keepdims}}{{+initial}})")
    own(_name, (("axis", None), ("keepdims", False), ("initial", None)), _build, Family.REDUCTION, axes=reduced_axes, code=_code)


# --- Permutation and size-1 axes: keras.ops.transpose, expand_dims, squeeze


def order(args: Args, shape: Shape) -> tuple[Shape, tuple[int, ...]]:
    chosen = axes(args, "axes")
    return reordered(shape, tuple(reversed(range(len(shape)))) if chosen is None else chosen, "axes")


def transpose(args: Args, shape: Shape) -> Built:
    """keras.ops.transpose(x, axes=None): the axes reordered, the batch axis (0) among them.

    Output axis i is input axis axes[i]; None reverses them all.

    Args:
        axes (tuple of ints, optional): a permutation of the input's axes; None reverses them.
    """
    return Built(order(args, shape)[0])


def expand_dims(args: Args, shape: Shape) -> Built:
    """keras.ops.expand_dims(x, axis): new axes of size 1 at `axis`, counted in the output.

    Args:
        axis (int or tuple of ints): position(s) in the expanded axes where the new axis (or axes) is placed.
    """
    return Built(inserted(shape, expanded_axes(args), "axis")[0])


def expanded_axes(args: Args) -> tuple[int, ...]:
    chosen = axes(args, "axis")
    if not chosen:
        raise args.error("axis", "an integer or a non-empty tuple of integers")
    return chosen


def new_axes(args: Args, shape: Shape) -> Axes:
    new = inserted(shape, expanded_axes(args), "axis")[1]
    rest = iter(range(len(shape)))
    return Axes(tuple(None if i in new else next(rest) for i in range(len(shape) + len(new))))


def squeeze_axes(args: Args, shape: Shape) -> tuple[Shape, tuple[int, ...]]:
    chosen = axes(args, "axis")
    return squeezed(shape, None if chosen is None else axis_indices(chosen, len(shape), "axis"), strict=True, argument="axis")


def squeeze(args: Args, shape: Shape) -> Built:
    """keras.ops.squeeze(x, axis=None): the axes of size 1 removed.

    Every one when `axis` is None (an unknown size stays); a named axis must be of size 1.

    Args:
        axis (int or tuple of ints, optional): the axes to remove, each of size 1.
    """
    return Built(squeeze_axes(args, shape)[0])


def kept_axes(args: Args, shape: Shape) -> Axes:
    removed = squeeze_axes(args, shape)[1]
    return Axes(tuple(i for i in range(len(shape)) if i not in removed))


TRANSPOSE = Code("keras.ops.transpose({0}{+axes})")
own(
    "Transpose",
    (("axes", None),),
    transpose,
    Family.PERMUTATION,
    axes=lambda args, shape: Axes(order(args, shape)[1]),
    code=TRANSPOSE,
)
own(
    "ExpandDims",
    (("axis", REQUIRED),),
    expand_dims,
    Family.UNIT_AXES,
    axes=new_axes,
    code=Code("keras.ops.expand_dims({0}, {axis})"),
)
own("Squeeze", (("axis", None),), squeeze, Family.UNIT_AXES, axes=kept_axes, code=Code("keras.ops.squeeze({0}{+axis})"))


# --- Products and arithmetic: keras.ops.matmul, `x / y` (keras.ops.true_divide)


def matmul(args: Args, shapes: tuple[Shape, ...]) -> Built:
    """keras.ops.matmul(x1, x2), `x1 @ x2`: the matrix product of its two inputs.

    Their leading axes (batch included) broadcast; a 1-D input is a vector.
    """
    if len(shapes) != 2:
        raise LayerError(f"Matmul takes 2 inputs, found {len(shapes)}", argument="inputs", code="CC200")
    return Built(matmul_shape(*shapes, keras=True))


def true_divide(args: Args, shapes: tuple[Shape, ...]) -> Built:
    """keras.ops.true_divide(x1, x2), `x1 / x2`, `x / 6`: the quotient of two inputs.

    The inputs broadcast, batch axis included; with the number `other`, the one input is divided
    by it.

    Args:
        other (float, optional): a number to divide by; without it, the second input.
    """
    if args.get("other") is not None:
        args.number("other")
        if len(shapes) != 1:
            raise LayerError(f"TrueDivide with other={args['other']!r} takes one input, found {len(shapes)}", argument="inputs")
        return Built(shapes[0])
    if len(shapes) != 2:
        raise LayerError(f"TrueDivide takes 2 inputs (or 1 and other=), found {len(shapes)}", argument="inputs")
    return Built(broadcast_unknown(*shapes))


own("Matmul", (), matmul, Family.MATMUL, merges=True, code=Code("keras.ops.matmul({0}, {1})"))
DIVIDE = Code("keras.ops.true_divide({0}, {1})", when=(("other", "keras.ops.true_divide({0}, {other})"),))
own("TrueDivide", (("other", None),), true_divide, Family.MERGE, merges=True, code=DIVIDE)
