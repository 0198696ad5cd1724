"""Layer classes of keras.applications' own (keras/src/applications/convnext.py: LayerScale,
StochasticDepth; inception_resnet_v2.py: CustomScaleLayer), which the applications' functional
models contain as layers but keras.layers does not export.

- LayerScale(init_values, projection_dim): x * gamma, one trainable weight of (projection_dim,)
  that Keras names `variable` (add_weight without a name); it broadcasts against the input
  (Keras infers the output by running the call symbolically), so the last axis must be
  projection_dim or 1.
- StochasticDepth(drop_path_rate): drops the whole residual branch of a sample while training,
  passes it through otherwise; the shape is kept in both modes and the rate is not checked.
- CustomScaleLayer(scale): inputs[0] + inputs[1] * scale, the two broadcasting. Given one tensor
  instead of a list, Keras indexes its batch axis (x[0] + x[1] * scale), and so does convcalc.

None of them has a MACs count (fvcore sees element-wise multiplies and adds).
"""

from __future__ import annotations

from convcalc.errors import LayerError
from convcalc.frameworks.base import Family, LayerType
from convcalc.frameworks.keras.layers import keras_type, number
from convcalc.ops.layout import format_shape
from convcalc.ops.merge import broadcast
from convcalc.ops.tensor import Built, Shape, Weight
from convcalc.signature import Args


def layer_scale(args: Args, shape: Shape) -> Built:
    number(args, "init_values")
    size = args.int("projection_dim", 1)
    last = shape[-1]
    if last is None or last not in (1, size):
        raise LayerError(
            f"the input {format_shape(shape)} does not broadcast with the scale of shape ({size},)",
            hint=f"the last axis must be projection_dim ({size})",
            argument="projection_dim",
            code="CC201",
        )
    return Built((*shape[:-1], size), (Weight("variable", (size,)),))


def stochastic_depth(args: Args, shape: Shape) -> Built:
    number(args, "drop_path_rate")
    return Built(shape)


def custom_scale(args: Args, shapes: tuple[Shape, ...]) -> Built:
    number(args, "scale")
    if len(shapes) == 1:  # a tensor, not a list: x[0] and x[1] are its first two samples
        (shape,) = shapes
        if len(shape) < 2 or (shape[0] is not None and shape[0] < 2):
            raise LayerError(
                f"CustomScaleLayer reads inputs[0] and inputs[1]; the one input {format_shape(shape)} has no second sample",
                hint="give it the list [shortcut, residual]",
                argument="inputs",
                code="CC200",
            )
        return Built(shape[1:])
    return Built(broadcast(shapes[0], shapes[1]))


TYPES: list[LayerType] = [
    keras_type("LayerScale", layer_scale, Family.ELEMENTWISE),
    keras_type("StochasticDepth", stochastic_depth, Family.DROPOUT),
    keras_type("CustomScaleLayer", custom_scale, Family.MERGE, merges=True),
]
