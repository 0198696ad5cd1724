"""PyTorch sequence and attention modules: Embedding, RNN, LSTM, GRU, MultiheadAttention and the
Transformer family (torch/nn/modules/{sparse,rnn,activation,transformer}.py).

Shapes are taken literally: with batch_first=False (torch's default) a recurrent or attention
module reads (L, N, features), so the spec's first dimension is the sequence and the second the
batch; a 2-D input is one unbatched sequence (L, features). Parameters are named as
`named_parameters()` names them (`weight_ih_l0_reverse`, `self_attn.in_proj_weight`,
`layers.0.linear1.weight`), in that order.

Modules with several outputs expose them to the graph as `name[k]` (`name` is `name[0]`):
- RNN, GRU: [0] output, [1] h_n; LSTM: [0] output, [1] h_n, [2] c_n.
- MultiheadAttention: [0] attn_output, [1] attn_output_weights, averaged over the heads
  (forward's defaults need_weights=True, average_attn_weights=True).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from convcalc.errors import LayerError
from convcalc.frameworks.base import Build, Code, Family, LayerType, Vocabulary, about, inner_layer, wrapped_macs
from convcalc.frameworks.pytorch.layers import declared, torch_type
from convcalc.ops import macs
from convcalc.ops.attention import extended, head_dim
from convcalc.ops.layout import format_shape
from convcalc.ops.recurrent import gates, stacked_input_sizes, states
from convcalc.ops.tensor import Built, Shape, Weight
from convcalc.signature import REQUIRED, Args, Signature
from convcalc.spec.calls import Call

TYPES: list[LayerType] = []


def define(name: str, build: Build, family: Family, **facts: Any) -> None:
    TYPES.append(torch_type(name, build, family, **facts))


def prefixed(prefix: str, weights: tuple[Weight, ...] | list[Weight]) -> tuple[Weight, ...]:
    return tuple(Weight(f"{prefix}.{w.name}", w.shape, w.trainable) for w in weights)


def sequence_input(shape: Shape, what: str) -> None:
    if len(shape) not in (2, 3):
        raise LayerError(
            f"{what} expects a 3-D input (L, N, features), (N, L, features) with batch_first=True, "
            f"or an unbatched 2-D (L, features); found the {len(shape)}-D shape {format_shape(shape)}",
            code="CC200",
        )


def batch_axis(shape: Shape, batch_first: bool) -> int | None:
    """Where the batch sits in a sequence: None for an unbatched 2-D input."""
    return None if len(shape) == 2 else (0 if batch_first else 1)


def same_sizes(first: Shape, second: Shape, axes: tuple[int, ...], message: str, argument: str = "inputs") -> None:
    for axis in axes:
        a, b = first[axis], second[axis]
        if a is not None and b is not None and a != b:
            raise LayerError(f"{message}: {format_shape(first)} and {format_shape(second)}", argument=argument, code="CC200")


# --- Embedding: torch/nn/modules/sparse.py


def embedding(args: Args, shape: Shape) -> Built:
    """Indices of any shape gain an `embedding_dim` axis; _freeze=True keeps the table as a
    parameter that does not train; padding_idx must index the table."""
    rows = args.int("num_embeddings", 1)
    dim = args.int("embedding_dim", 0)
    padding = args.optional_int("padding_idx")
    if padding is not None and not -rows <= padding < rows:
        raise LayerError(
            f"padding_idx={padding} must be within num_embeddings ({rows}): from {-rows} to {rows - 1}",
            argument="padding_idx",
            code="CC105",
        )
    return Built((*shape, dim), (Weight("weight", (rows, dim), trainable=not args.bool("_freeze")),))


define("Embedding", embedding, Family.EMBEDDING)


# --- Recurrent: torch/nn/modules/rnn.py. RNN, LSTM and GRU take (*args, **kwargs) and pass them
# on to RNNBase, so the generated table cannot see their parameters; these are their documented
# `@overload` signatures (tests/conformance checks them against typing.get_overloads).

_HEAD = (("input_size", REQUIRED), ("hidden_size", REQUIRED), ("num_layers", 1))
_TAIL = (("bias", True), ("batch_first", False), ("dropout", 0.0), ("bidirectional", False))
_DEVICE = (("device", None), ("dtype", None))
RECURRENT_SIGNATURES = {
    "RNN": Signature(_HEAD + (("nonlinearity", "tanh"),) + _TAIL + _DEVICE),
    "LSTM": Signature(_HEAD + _TAIL + (("proj_size", 0),) + _DEVICE),
    "GRU": Signature(_HEAD + _TAIL + _DEVICE),
}


def recurrent(cell: str) -> Build:
    """Stacked, optionally bidirectional recurrent layers (RNNBase.__init__): layer k, direction
    d has weight_ih_l{k} (gates * hidden, its input), weight_hh_l{k} (gates * hidden, H_out),
    bias_ih/bias_hh (gates * hidden) and, for an LSTM with proj_size, weight_hr_l{k}
    (proj_size, hidden); the backward direction's names end in `_reverse`. H_out is proj_size
    when set, else hidden_size."""

    def build(args: Args, shape: Shape) -> Built:
        hidden = args.int("hidden_size", 1)
        layers = args.int("num_layers", 1)
        if cell == "rnn":
            args.choice("nonlinearity", ("tanh", "relu"))
        dropout = args.number("dropout")
        if not 0 <= dropout <= 1:
            raise args.error("dropout", "a probability from 0 to 1")
        bias = args.bool("bias")
        batch_first = args.bool("batch_first")
        directions = 2 if args.bool("bidirectional") else 1
        projection = args.int("proj_size", 0) if cell == "lstm" else 0
        if projection >= hidden:
            raise LayerError(
                f"proj_size ({projection}) must be smaller than hidden_size ({hidden})", argument="proj_size", code="CC105"
            )
        sequence_input(shape, args.type_name)
        input_size = declared(args, "input_size", shape[-1])
        out = projection or hidden
        width = gates(cell) * hidden
        weights = []
        for layer, size in enumerate(stacked_input_sizes(input_size, out, layers, directions)):
            for suffix in ("", "_reverse")[:directions]:
                weights += [
                    Weight(f"weight_ih_l{layer}{suffix}", (width, size)),
                    Weight(f"weight_hh_l{layer}{suffix}", (width, out)),
                ]
                if bias:
                    weights += [Weight(f"bias_ih_l{layer}{suffix}", (width,)), Weight(f"bias_hh_l{layer}{suffix}", (width,))]
                if projection:
                    weights.append(Weight(f"weight_hr_l{layer}{suffix}", (projection, hidden)))
        axis = batch_axis(shape, batch_first)
        batch = () if axis is None else (shape[axis],)
        h_n = (directions * layers, *batch, out)
        c_n = (directions * layers, *batch, hidden)
        return Built((*shape[:-1], directions * out), tuple(weights), (h_n, c_n)[: states(cell)])

    return build


LSTM_OUTPUTS = Code(outputs=("{}[0]", "{}[1][0]", "{}[1][1]"))  # output, (h_n, c_n)
for _name, _cell in (("RNN", "rnn"), ("LSTM", "lstm"), ("GRU", "gru")):
    _code = LSTM_OUTPUTS if _cell == "lstm" else None
    define(_name, recurrent(_cell), Family.RECURRENT, signature=RECURRENT_SIGNATURES[_name], variant=_cell, code=_code)


# --- Attention: torch/nn/modules/activation.py MultiheadAttention, torch/nn/functional.py
# multi_head_attention_forward


def attention_weights(
    embed_dim: int, bias: bool, add_bias_kv: bool = False, kdim: int | None = None, vdim: int | None = None
) -> list[Weight]:
    """MultiheadAttention's parameters in named_parameters() order: one packed in_proj_weight
    (3 * embed_dim, embed_dim) when key and value are embed_dim wide, else q/k/v_proj_weight;
    in_proj_bias; bias_k and bias_v (add_bias_kv); then out_proj, a Linear(embed_dim, embed_dim)."""
    kdim, vdim = kdim or embed_dim, vdim or embed_dim
    if kdim == vdim == embed_dim:
        weights = [Weight("in_proj_weight", (3 * embed_dim, embed_dim))]
    else:
        weights = [Weight(f"{n}_proj_weight", (embed_dim, d)) for n, d in (("q", embed_dim), ("k", kdim), ("v", vdim))]
    if bias:
        weights.append(Weight("in_proj_bias", (3 * embed_dim,)))
    if add_bias_kv:
        weights += [Weight("bias_k", (1, 1, embed_dim)), Weight("bias_v", (1, 1, embed_dim))]
    weights.append(Weight("out_proj.weight", (embed_dim, embed_dim)))
    if bias:
        weights.append(Weight("out_proj.bias", (embed_dim,)))
    return weights


def check_attention_inputs(query: Shape, key: Shape, value: Shape, batch_first: bool) -> None:
    """_mha_shape_check and multi_head_attention_forward: one rank for all three (2-D unbatched
    or 3-D), one batch, and key and value of one length."""
    sequence_input(query, "MultiheadAttention")
    if len(key) != len(query) or len(value) != len(query):
        raise LayerError(
            f"query, key and value must all be {len(query)}-D, "
            f"found {format_shape(query)}, {format_shape(key)}, {format_shape(value)}",
            argument="inputs",
            code="CC200",
        )
    axis = batch_axis(query, batch_first)
    if axis is not None:
        same_sizes(query, key, (axis,), "query and key have different batch sizes")
    same_sizes(key, value, tuple(range(len(key) - 1)), "key and value must have the same length and batch")


def multihead_attention(args: Args, shapes: tuple[Shape, ...]) -> Built:
    """Inputs [query, key, value] as forward takes them (one input attends to itself). The
    output has the query's shape; the weights are (N, L, S), or (L, S) unbatched, where S grows
    by one for add_bias_kv and one for add_zero_attn."""
    if len(shapes) == 1:
        shapes = shapes * 3
    if len(shapes) != 3:
        raise LayerError(
            f"MultiheadAttention takes the inputs [query, key, value], found {len(shapes)}", argument="inputs", code="CC200"
        )
    query, key, value = shapes
    embed_dim = args.int("embed_dim", 1)
    heads = args.int("num_heads", 1)
    head_dim(embed_dim, heads)
    bias = args.bool("bias")
    add_bias_kv = args.bool("add_bias_kv")
    add_zero_attn = args.bool("add_zero_attn")
    batch_first = args.bool("batch_first")
    kdim = args.optional_int("kdim", 1)
    vdim = args.optional_int("vdim", 1)
    check_attention_inputs(query, key, value, batch_first)
    declared(args, "embed_dim", query[-1])
    for name, size, shape in (("kdim", kdim, key), ("vdim", vdim, value)):
        expected = size or embed_dim
        if shape[-1] is not None and shape[-1] != expected:
            given = f"{name}={size}" if size else f"{name} is not given, so it is embed_dim ({embed_dim}),"
            raise LayerError(
                f"{given} but the {'key' if name == 'kdim' else 'value'} has {shape[-1]} features",
                hint=f"set {name}={shape[-1]}",
                argument=name,
                code="CC201",
            )
    axis = batch_axis(query, batch_first)
    if axis is None:
        scores: Shape = (query[0], extended(key[0], add_bias_kv, add_zero_attn))
    else:
        step = 1 - axis
        scores = (query[axis], query[step], extended(key[step], add_bias_kv, add_zero_attn))
    return Built(query, tuple(attention_weights(embed_dim, bias, add_bias_kv, kdim, vdim)), (scores,))


SELF_ATTENTION = Code(alone=3)  # attention(x, x, x)
define(
    "MultiheadAttention",
    multihead_attention,
    Family.ATTENTION,
    merges=True,
    macs=macs.torch_multihead_attention,
    code=SELF_ATTENTION,
)


# --- Transformers: torch/nn/modules/transformer.py


def activation(args: Args) -> None:
    """Transformer layers take "relu", "gelu" or a callable (_get_activation_fn)."""
    value = args.get("activation")
    if not isinstance(value, Call) and value not in ("relu", "gelu", "<function>"):
        raise args.error("activation", "'relu', 'gelu' or a module such as GELU()")


def norm_weights(name: str, size: int, bias: bool) -> list[Weight]:
    """LayerNorm(size, bias=bias): weight and, with bias, bias."""
    return [Weight(f"{name}.weight", (size,))] + ([Weight(f"{name}.bias", (size,))] if bias else [])


def transformer_layer(args: Args, decoder: bool) -> tuple[int, list[Weight]]:
    """d_model and the parameters of a TransformerEncoderLayer (self_attn, linear1, linear2,
    norm1, norm2) or TransformerDecoderLayer (adds multihead_attn and norm3)."""
    d_model = args.int("d_model", 1)
    heads = args.int("nhead", 1)
    head_dim(d_model, heads, ("d_model", "nhead"))
    feedforward = args.int("dim_feedforward", 0)
    args.number("dropout")
    activation(args)
    args.number("layer_norm_eps")
    args.bool("batch_first")
    args.bool("norm_first")
    bias = args.bool("bias")
    attention = prefixed("self_attn", attention_weights(d_model, bias))
    if decoder:
        attention += prefixed("multihead_attn", attention_weights(d_model, bias))
    linear = [Weight("linear1.weight", (feedforward, d_model))] + ([Weight("linear1.bias", (feedforward,))] if bias else [])
    linear += [Weight("linear2.weight", (d_model, feedforward))] + ([Weight("linear2.bias", (d_model,))] if bias else [])
    norms = [w for n in ("norm1", "norm2", "norm3")[: 3 if decoder else 2] for w in norm_weights(n, d_model, bias)]
    return d_model, [*attention, *linear, *norms]


def features(shape: Shape, d_model: int, what: str) -> None:
    if shape[-1] is not None and shape[-1] != d_model:
        raise LayerError(
            f"d_model={d_model} but the {what} has {shape[-1]} features",
            hint=f"set d_model={shape[-1]}, or change the layer before it",
            argument="d_model",
            code="CC201",
        )


def target_and_memory(args: Args, shapes: tuple[Shape, ...], d_model: int, names: tuple[str, str]) -> Shape:
    """Two sequences of one rank and batch, each d_model wide: (tgt, memory) or (src, tgt)."""
    if len(shapes) != 2:
        raise LayerError(
            f"{args.type_name} takes the inputs [{', '.join(names)}], found {len(shapes)}", argument="inputs", code="CC200"
        )
    first, second = shapes
    for shape, name in zip(shapes, names):
        sequence_input(shape, args.type_name)
        features(shape, d_model, name)
    if len(first) != len(second):
        raise LayerError(
            f"{names[0]} {format_shape(first)} and {names[1]} {format_shape(second)} "
            "must both be batched (3-D) or unbatched (2-D)",
            argument="inputs",
            code="CC200",
        )
    axis = batch_axis(first, args.bool("batch_first"))
    if axis is not None:
        same_sizes(first, second, (axis,), f"{names[0]} and {names[1]} must have the same batch size")
    return first if names[0] == "tgt" else second


def encoder_layer(args: Args, shape: Shape) -> Built:
    d_model, weights = transformer_layer(args, decoder=False)
    sequence_input(shape, args.type_name)
    features(shape, d_model, "input")
    return Built(shape, tuple(weights))


def decoder_layer(args: Args, shapes: tuple[Shape, ...]) -> Built:
    d_model, weights = transformer_layer(args, decoder=True)
    return Built(target_and_memory(args, shapes, d_model, ("tgt", "memory")), tuple(weights))


define(
    "TransformerEncoderLayer",
    encoder_layer,
    Family.TRANSFORMER,
    macs=lambda layer: macs.encoder_layer(layer.args, layer.input_shapes[0]),
)
define(
    "TransformerDecoderLayer",
    decoder_layer,
    Family.TRANSFORMER,
    merges=True,
    macs=lambda layer: macs.decoder_layer(layer.args, *layer.input_shapes),
)


def stack(vocabulary: Vocabulary, argument: str, kind: str, args: Args, inputs: Shape | tuple[Shape, ...]) -> Built:
    """TransformerEncoder / TransformerDecoder: num_layers deep copies of the given layer
    (`layers.0.`, `layers.1.`...), then the optional `norm` module (`norm.`)."""
    layer_type, layer_args = inner_layer(args[argument], vocabulary, argument)
    if layer_type.name != kind:
        raise LayerError(f"{argument} must be a {kind}, found {layer_type.name}", argument=argument, code="CC105")
    count = args.int("num_layers", 1)
    with about(argument):
        built = layer_type.build(layer_args, inputs)
    weights = [w for i in range(count) for w in prefixed(f"layers.{i}", built.weights)]
    output = built.output_shape
    if args.get("norm") is not None:
        norm_type, norm_args = inner_layer(args["norm"], vocabulary, "norm")
        with about("norm"):
            if norm_type.merges:
                raise LayerError(f"{norm_type.name} takes several inputs and cannot be a norm", code="CC105")
            normed = norm_type.build(norm_args, output)
        weights += prefixed("norm", normed.weights)
        output = normed.output_shape
    return Built(output, tuple(weights))


def stack_macs(vocabulary: Vocabulary, argument: str, layer: macs.Layer) -> int | None:
    """num_layers copies of the given layer, then the optional norm."""
    inner_type, inner_args = inner_layer(layer.args[argument], vocabulary, argument)
    inner = inner_type.build(inner_args, layer.input_shapes if inner_type.merges else layer.input_shapes[0])
    count = layer.args.int("num_layers")
    once = wrapped_macs(layer, vocabulary, argument, layer.input_shapes)
    norm = 0 if layer.args.get("norm") is None else wrapped_macs(layer, vocabulary, "norm", inner.outputs[:1])
    return macs.summed(macs.multiply(count, once), norm)


def transformer(vocabulary: Vocabulary, args: Args, shapes: tuple[Shape, ...]) -> Built:
    """Inputs [src, tgt]; the output has tgt's shape. Unless custom_encoder / custom_decoder are
    given, an encoder of num_encoder_layers TransformerEncoderLayers and a decoder of
    num_decoder_layers TransformerDecoderLayers, each closed by a LayerNorm(d_model)
    (`encoder.norm`, `decoder.norm`). forward checks both batch sizes and both widths."""
    d_model, encoder_weights = transformer_layer(args, decoder=False)
    _, decoder_weights = transformer_layer(args, decoder=True)
    target_and_memory(args, shapes, d_model, ("src", "tgt"))
    src, tgt = shapes
    memory = src
    bias = args.bool("bias")
    parts: list[Weight] = []
    for name, layer_weights, count_name, kind in (
        ("encoder", encoder_weights, "num_encoder_layers", "TransformerEncoder"),
        ("decoder", decoder_weights, "num_decoder_layers", "TransformerDecoder"),
    ):
        custom = args.get(f"custom_{name}")
        if custom is not None:
            custom_type, custom_args = inner_layer(custom, vocabulary, f"custom_{name}")
            if custom_type.name != kind:
                raise LayerError(
                    f"custom_{name} must be a {kind}, found {custom_type.name}", argument=f"custom_{name}", code="CC105"
                )
            with about(f"custom_{name}"):
                built = custom_type.build(custom_args, src if name == "encoder" else (tgt, memory))
            if name == "encoder":
                memory = built.output_shape
            parts += prefixed(name, built.weights)
            continue
        count = args.int(count_name, 1)
        parts += [w for i in range(count) for w in prefixed(f"{name}.layers.{i}", layer_weights)]
        parts += norm_weights(f"{name}.norm", d_model, bias)
    return Built(tgt, tuple(parts))


def transformer_macs(vocabulary: Vocabulary, layer: macs.Layer) -> int | None:
    """Transformer: an encoder on src (num_encoder_layers, then LayerNorm), a decoder on tgt
    reading the encoder's output (num_decoder_layers, then LayerNorm), or the custom ones."""
    args = layer.args
    src, tgt = layer.input_shapes
    if args.get("custom_encoder") is not None:
        encoder_type, encoder_args = inner_layer(args["custom_encoder"], vocabulary, "custom_encoder")
        memory = encoder_type.build(encoder_args, src).output_shape
        encoder = wrapped_macs(layer, vocabulary, "custom_encoder", (src,))
    else:
        memory = src
        count = args.int("num_encoder_layers")
        encoder = macs.summed(macs.multiply(count, macs.encoder_layer(args, src)), macs.multiply(5, macs.elements(src)))
    if args.get("custom_decoder") is not None:
        decoder = wrapped_macs(layer, vocabulary, "custom_decoder", (tgt, memory))
    else:
        count = args.int("num_decoder_layers")
        decoder = macs.summed(macs.multiply(count, macs.decoder_layer(args, tgt, memory)), macs.multiply(5, macs.elements(tgt)))
    return macs.summed(encoder, decoder)


def register(vocabulary: Vocabulary) -> None:
    """The containers, which look the layers they hold up in the whole vocabulary."""
    for name, argument, kind, merges in (
        ("TransformerEncoder", "encoder_layer", "TransformerEncoderLayer", False),
        ("TransformerDecoder", "decoder_layer", "TransformerDecoderLayer", True),
    ):
        build = partial(stack, vocabulary, argument, kind)
        rule = partial(stack_macs, vocabulary, argument)
        code = Code(layers=(argument, "norm"))
        vocabulary.add(torch_type(name, build, Family.TRANSFORMER, merges=merges, macs=rule, code=code))
    build = partial(transformer, vocabulary)
    rule = partial(transformer_macs, vocabulary)
    code = Code(layers=("custom_encoder", "custom_decoder"))
    vocabulary.add(torch_type("Transformer", build, Family.TRANSFORMER, merges=True, macs=rule, code=code))
