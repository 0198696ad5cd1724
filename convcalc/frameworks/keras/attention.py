"""Keras's single-head attention layers (keras/src/layers/attention/attention.py,
additive_attention.py): Attention (Luong-style, a dot product or score_mode="concat") and
AdditiveAttention (Bahdanau-style).

Called on the list [query, value] or [query, value, key] (key defaults to value): query
(batch, Tq, dim), value (batch, Tv, dim_v), key (batch, Tv, dim). The output is
(*query[:-1], dim_v), as Keras's compute_output_shape gives it; `name[1]` is the scores
(*query[:-1], Tv), which Keras returns when called with return_attention_scores=True. Keras's
symbolic build checks none of the sizes; the call multiplies query by key (their last axes must
agree; the concat and additive scores add them, so a 1 broadcasts), and the scores by value (key
and value must have one length), so convcalc checks those.

Weights: Attention has a scalar `scale` with use_scale=True and a scalar `concat_score_weight`
with score_mode="concat"; AdditiveAttention a `scale` of (dim,) with use_scale=True (its default).

MACs as fvcore counts them on the torch backend: the dot-product scores are a matmul
(Tq x Tv x dim per sample), the concat and additive scores are element-wise (0), and applying
the scores to value is a matmul (Tq x Tv x dim_v per sample).
"""

from __future__ import annotations

from convcalc.errors import LayerError
from convcalc.frameworks.base import Build, Code, Family, LayerType
from convcalc.frameworks.keras.layers import exact_choice, keras_type, known, number, seed
from convcalc.ops import macs
from convcalc.ops.layout import format_shape
from convcalc.ops.merge import broadcast
from convcalc.ops.tensor import Built, Shape, Weight
from convcalc.signature import Args


def inputs(args: Args, shapes: tuple[Shape, ...]) -> tuple[Shape, Shape, Shape]:
    """[query, value] or [query, value, key] ("accepts inputs list of length 2 or 3"), each of
    rank 2 or more, query and key of one width (a dot product), or widths that broadcast (the
    concat and additive scores add them), key and value of one length."""
    if len(shapes) not in (2, 3):
        raise LayerError(
            f"{args.type_name} takes the list [query, value] or [query, value, key], found {len(shapes)} input(s)",
            argument="inputs",
            code="CC200",
        )
    query, value = shapes[0], shapes[1]
    key = shapes[2] if len(shapes) == 3 else value
    if min(len(query), len(value), len(key)) < 2:
        raise LayerError(
            f"{args.type_name} needs inputs of at least 2 dimensions, found {', '.join(map(format_shape, shapes))}",
            argument="inputs",
            code="CC200",
        )
    product = args.type_name == "Attention" and args["score_mode"] == "dot"
    if None not in (query[-1], key[-1]) and query[-1] != key[-1] and (product or 1 not in (query[-1], key[-1])):
        raise LayerError(
            f"the query {format_shape(query)} and key {format_shape(key)} must have the same last dimension"
            + ("" if product else " (or 1: the sum of the two broadcasts)"),
            hint="scores compare each query with each key",
            argument="inputs",
            code="CC200",
        )
    if None not in (key[-2], value[-2]) and key[-2] != value[-2]:
        raise LayerError(
            f"the key {format_shape(key)} and value {format_shape(value)} must have the same length (axis -2)",
            argument="inputs",
            code="CC200",
        )
    try:
        broadcast(broadcast(query[:-2], key[:-2]), value[:-2])
    except LayerError:
        raise LayerError(
            f"the batch axes of {', '.join(map(format_shape, shapes))} do not broadcast", argument="inputs", code="CC200"
        ) from None
    return query, value, key


def attention(additive: bool) -> Build:
    def build(args: Args, shapes: tuple[Shape, ...]) -> Built:
        if "score_mode" in args.values:  # AdditiveAttention passes it on to Attention.__init__, which checks it
            exact_choice(args, "score_mode", ("dot", "concat"))
        mode = "additive" if additive else args["score_mode"]
        if number(args, "dropout") and args.get("seed") is not None:
            seed(args)
        query, value, key = inputs(args, shapes)
        weights: tuple[Weight, ...] = ()
        if args.bool("use_scale"):
            weights += (Weight("scale", (known(query[-1], "query feature"),) if additive else ()),)
        if mode == "concat":
            weights += (Weight("concat_score_weight", ()),)
        return Built((*query[:-1], value[-1]), weights, ((*query[:-1], key[-2]),))

    return build


def attention_macs(additive: bool) -> macs.MacsRule:
    """scores = query @ key^T (Attention's dot mode only; the concat and additive scores are
    element-wise), then scores @ value: each matmul fvcore counts as its output elements x the
    length it sums over."""

    def rule(layer: macs.Layer) -> int | None:
        query, value = layer.input_shapes[0], layer.input_shapes[1]
        scores = macs.elements(layer.outputs[1])
        applied = macs.multiply(scores, value[-1])
        if additive or layer.args["score_mode"] != "dot":
            return applied
        return macs.summed(macs.multiply(scores, query[-1]), applied)

    return rule


SCORES = Code("{self}([{*}]{more})", more="return_attention_scores=True")  # called on a list; its scores on request
TYPES: list[LayerType] = [
    keras_type(
        "Attention",
        attention(additive=False),
        Family.ATTENTION,
        merges=True,
        variant="dot",
        macs=attention_macs(additive=False),
        code=SCORES,
    ),
    keras_type(
        "AdditiveAttention",
        attention(additive=True),
        Family.ATTENTION,
        extra=("seed", "score_mode"),
        merges=True,
        variant="additive",
        macs=attention_macs(additive=True),
        code=SCORES,
    ),
]
