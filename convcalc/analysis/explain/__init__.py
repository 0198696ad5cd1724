"""`convcalc explain`: why a layer has its output shape and its weights, as arithmetic with the
numbers filled in, in words a learner can follow.

Each explanation is a list of Steps: what is computed, the formula in words, the formula with
the layer's numbers substituted, and the value. The values come from the engine's own formulas
(ops/conv.py, ops/pool.py, ops/padding.py, ops/reshape.py, ops/recurrent.py) and from the
Report's weights; this module only says what each number is. Layers it has no words for get a
generic explanation: their output shape, and each weight's size as the product of its shape.

The JSON document (render/explain.py, schema "convcalc-explain/1"): {schema, framework, layers: [{name, type,
arguments, input_shapes, output_shape, outputs, params, trainable_params, non_trainable_params,
steps: [{part, what, formula, substituted, value, note}]}]}: `part` is "shape" or "weights",
`value` an integer, or null when the step states a shape or a size is unknown.
"""

from __future__ import annotations

from collections.abc import Callable

from convcalc.analysis.explain import layers, tensors, windows
from convcalc.analysis.explain.steps import Context, Explainer, Explanation, generic, weight_steps
from convcalc.frameworks.base import Family, LayerType
from convcalc.report import Report, Row
from convcalc.signature import Args
from convcalc.spec.calls import written

Choose = Callable[[LayerType, bool], Explainer]
"""An explainer for a layer type of the family, in Keras's words (True) or PyTorch's (False)."""


def by_framework(keras: Choose, pytorch: Choose) -> Choose:
    return lambda layer_type, is_keras: (keras if is_keras else pytorch)(layer_type, is_keras)


def fixed(explainer: Explainer) -> Choose:
    return lambda layer_type, is_keras: explainer


def keras_only(choose: Choose) -> Choose:
    """Words for Keras's layers of the family; PyTorch's get the generic explanation."""
    return lambda layer_type, is_keras: choose(layer_type, is_keras) if is_keras else generic


def rank(layer_type: LayerType) -> int:
    assert layer_type.rank is not None, f"{layer_type.name} has no spatial rank"
    return layer_type.rank


def variants(default: Choose, **others: Choose) -> Choose:
    """The family's words for its layer types, by their variant (LayerType.variant)."""
    return lambda layer_type, is_keras: others.get(layer_type.variant, default)(layer_type, is_keras)


EXPLAINERS: dict[Family, Choose] = {
    Family.CONVOLUTION: by_framework(
        lambda t, k: windows.keras_conv(rank(t), "conv"),
        variants(
            lambda t, k: windows.torch_conv(rank(t), transposed=False), block=lambda t, k: windows.torch_conv_block(rank(t))
        ),
    ),
    Family.DEPTHWISE_CONVOLUTION: lambda t, k: windows.keras_conv(rank(t), "depthwise"),
    Family.SEPARABLE_CONVOLUTION: lambda t, k: windows.keras_conv(rank(t), "separable"),
    Family.TRANSPOSED_CONVOLUTION: by_framework(
        lambda t, k: windows.keras_conv(rank(t), "transpose"), lambda t, k: windows.torch_conv(rank(t), transposed=True)
    ),
    Family.POOLING: by_framework(lambda t, k: windows.keras_pool(rank(t)), lambda t, k: windows.torch_pool(rank(t), t.variant)),
    Family.ADAPTIVE_POOLING: lambda t, k: windows.torch_adaptive(rank(t)),
    Family.GLOBAL_POOLING: fixed(windows.global_pool),
    Family.PADDING: keras_only(
        variants(lambda t, k: windows.zero_padding(rank(t), t.variant), center_crop=fixed(windows.center_crop))
    ),
    Family.UPSAMPLING: keras_only(variants(lambda t, k: windows.up_sampling(rank(t)), resize=fixed(windows.resizing))),
    Family.DENSE: by_framework(
        variants(fixed(layers.keras_dense), einsum=fixed(layers.keras_einsum)),
        variants(fixed(layers.linear), bilinear=fixed(layers.bilinear)),
    ),
    Family.FLATTEN: fixed(layers.flatten),
    Family.BATCH_NORM: fixed(layers.batch_norm),
    Family.MERGE: fixed(layers.merge),
    Family.CONCATENATE: fixed(layers.merge),
    Family.EMBEDDING: variants(
        fixed(layers.embedding), bag=fixed(layers.embedding_bag), category=fixed(layers.category_encoding)
    ),
    Family.RECURRENT: by_framework(
        lambda t, k: layers.keras_recurrent(t.variant), lambda t, k: layers.torch_recurrent(t.variant)
    ),
    Family.ATTENTION: by_framework(
        variants(
            fixed(layers.keras_attention), dot=fixed(layers.keras_score_attention), additive=fixed(layers.keras_score_attention)
        ),
        fixed(layers.torch_attention),
    ),
    Family.RECURRENT_CELL: lambda t, k: layers.torch_cell(t.variant),
    Family.CONVOLUTIONAL_RECURRENT: lambda t, k: windows.keras_conv_lstm(rank(t)),
    Family.AUGMENTATION: fixed(layers.augmentation),
    Family.PERMUTATION: fixed(tensors.permutation),
    Family.VIEW: fixed(tensors.view),
    Family.UNIT_AXES: fixed(tensors.unit_axes),
    Family.REDUCTION: fixed(tensors.reduction),
    Family.SPLIT: fixed(tensors.split),
    Family.MATMUL: fixed(tensors.matmul),
    Family.SCALED_DOT_PRODUCT: fixed(tensors.scaled_dot_product),
    Family.ROLL: fixed(tensors.roll),
    Family.SELECT: variants(fixed(generic), slice=fixed(tensors.slicing), index=fixed(tensors.gather)),
}
"""Each family's words; the families left out (element-wise, dropout, reshapes, normalizations
other than batch norm, wrappers, transformers...) get the generic explanation: their output
shape as the engine computed it, and each weight as the product of its shape."""


def explain(report: Report, names: tuple[str, ...] = ()) -> tuple[Explanation, ...]:
    """The explanation of each row named (all rows when `names` is empty)."""
    rows = [r for r in report.rows if not names or r.name in names]
    return tuple(explain_row(row, report.framework) for row in rows)


def explainer_of(layer_type: LayerType, framework: str) -> Explainer:
    choose = EXPLAINERS.get(layer_type.family)
    return generic if choose is None else choose(layer_type, framework == "keras")


def explain_row(row: Row, framework: str) -> Explanation:
    assert row.layer_type is not None, "a folded block is explained by its layers"
    ctx = Context(row, Args(row.type, dict(row.arguments)), framework)
    explainer_of(row.layer_type, framework)(ctx)
    if not ctx.steps:
        generic(ctx)
    steps = ctx.steps + weight_steps(ctx)
    arguments = {n: written(row.arguments[n]) for n in ctx.shown}
    return Explanation(
        row.name,
        row.type,
        framework,
        arguments,
        row.input_shapes,
        row.outputs,
        row.params,
        row.trainable_params,
        row.non_trainable_params,
        tuple(steps),
    )
