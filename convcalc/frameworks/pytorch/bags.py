"""torch.nn.EmbeddingBag (torch/nn/modules/sparse.py, F.embedding_bag): sums, averages or takes the
maximum of the embeddings of each bag of indices, without the (bags, length, dim) tensor between.

Its inputs, as forward takes them positionally: a 2-D input (bags, length) of fixed-length bags
is [input] or [input, per_sample_weights] (offsets must be None then); a 1-D input of indices is
[input, offsets] or [input, offsets, per_sample_weights], one bag per offset (the last offset
only closes the last bag with include_last_offset=True). The output is (bags, embedding_dim); the
weight (num_embeddings, embedding_dim). MACs: 0, as fvcore counts aten::embedding_bag (no handler).
"""

from __future__ import annotations

from convcalc.errors import LayerError
from convcalc.frameworks.base import Code, Family, LayerType
from convcalc.frameworks.pytorch.layers import exact_choice, torch_type
from convcalc.ops.layout import format_shape
from convcalc.ops.tensor import Built, Shape, Weight
from convcalc.signature import Args


def padding_index(args: Args, rows: int) -> None:
    """EmbeddingBag.__init__: "padding_idx must be within num_embeddings" (from -rows to rows - 1)."""
    index = args.optional_int("padding_idx")
    if index is not None and not -rows <= index < rows:
        raise LayerError(
            f"padding_idx={index} must be within num_embeddings ({rows}): from {-rows} to {rows - 1}",
            argument="padding_idx",
            code="CC105",
        )


def embedding_bag(args: Args, shapes: tuple[Shape, ...]) -> Built:
    rows = args.int("num_embeddings", 1)
    dim = args.int("embedding_dim", 1)
    padding_index(args, rows)
    if args["_weight"] is not None:
        raise args.error("_weight", "None", hint="convcalc cannot read a tensor; the weight is (num_embeddings, embedding_dim)")
    if args["max_norm"] is not None:
        args.number("max_norm")
    last = args.bool("include_last_offset")
    if not 1 <= len(shapes) <= 3:
        raise LayerError(
            f"EmbeddingBag takes the inputs [input], [input, per_sample_weights] (2-D input), [input, offsets] "
            f"or [input, offsets, per_sample_weights] (1-D input); found {len(shapes)}",
            argument="inputs",
            code="CC200",
        )
    indices = shapes[0]
    if len(indices) == 2:
        if len(shapes) == 3:
            raise LayerError(
                "a 2-D input holds fixed-length bags: offsets must be None, so the inputs are [input] or "
                "[input, per_sample_weights]",
                argument="inputs",
                code="CC200",
            )
        weights = shapes[1] if len(shapes) == 2 else None
        bags = indices[0]
    elif len(indices) == 1:
        if len(shapes) == 1:
            raise LayerError(
                "a 1-D input needs offsets: the inputs [input, offsets]", hint="one offset per bag", argument="inputs"
            )
        offsets = shapes[1]
        if len(offsets) != 1:
            raise LayerError(f"offsets must be 1-D, found {format_shape(offsets)}", argument="inputs", code="CC200")
        weights = shapes[2] if len(shapes) == 3 else None
        bags = None if offsets[0] is None else offsets[0] - last
    else:
        raise LayerError(f"EmbeddingBag expects a 1-D or 2-D input of indices, found {format_shape(indices)}", code="CC200")
    if weights is not None and (
        len(weights) != len(indices) or any(None not in (a, b) and a != b for a, b in zip(weights, indices))
    ):
        raise LayerError(
            f"per_sample_weights {format_shape(weights)} must have the input's shape {format_shape(indices)}",
            argument="inputs",
            code="CC200",
        )
    mode = exact_choice(args, "mode", ("sum", "mean", "max"))
    if mode == "max" and args.bool("scale_grad_by_freq"):
        raise LayerError("max mode does not support scaling the gradient by the frequency", argument="mode", code="CC105")
    if mode == "max" and args.bool("sparse"):
        raise LayerError("max mode does not support sparse weights", argument="mode", code="CC105")
    if weights is not None and mode != "sum":
        raise LayerError(
            f"per_sample_weights are only supported for mode='sum', found mode={mode!r}", argument="mode", code="CC105"
        )
    if bags is not None and bags < 1:
        raise LayerError("the offsets leave no bag (include_last_offset=True closes the last one)", argument="inputs")
    return Built((bags, dim), (Weight("weight", (rows, dim)),))


def bag_call(shapes: tuple[Shape, ...]) -> str:
    """forward(input, offsets=None, per_sample_weights=None): a 2-D input's second input is the
    weights, passed by keyword past the offsets it has none of."""
    return "{self}({0}, per_sample_weights={1})" if len(shapes) == 2 and len(shapes[0]) == 2 else ""


TYPES: list[LayerType] = [
    torch_type("EmbeddingBag", embedding_bag, Family.EMBEDDING, merges=True, variant="bag", code=Code(choose=bag_call))
]
