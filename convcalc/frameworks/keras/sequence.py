"""Keras 3 sequence and attention layers: Embedding, SimpleRNN, LSTM, GRU, Bidirectional,
TimeDistributed and MultiHeadAttention (keras/src/layers/{core,rnn,attention}/).

Weights are named by their path inside the layer, as Keras's `weight.path` reads without the
layer's own name: an LSTM's `lstm_cell/kernel`, attention's `query/kernel`, a Bidirectional's
`forward_lstm/lstm_cell/kernel`, a TimeDistributed's `dense/kernel`.

Layers with several outputs expose them to the graph as `name[k]` (`name` is `name[0]`):
- SimpleRNN, GRU with return_state=True: [1] the last state; LSTM: [1] h and [2] c.
- Bidirectional: [0] the merged output, or with merge_mode=None [0] forward and [1] backward;
  with return_state the forward layer's states, then the backward layer's, follow.
- MultiHeadAttention: [1] the attention scores. Keras returns them only when called with
  return_attention_scores=True (a call argument, not a constructor one); convcalc always has them.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from convcalc.errors import LayerError
from convcalc.frameworks.base import Build, Code, Family, LayerType, Vocabulary, about, inner_layer, snake_case, wrapped_macs
from convcalc.frameworks.keras.layers import keras_type, known
from convcalc.ops import macs
from convcalc.ops.attention import attention_axes, scores_shape
from convcalc.ops.layout import format_shape
from convcalc.ops.recurrent import gates, states
from convcalc.ops.tensor import Built, Shape, Weight
from convcalc.signature import Args

CELL_NAMES = {"rnn": "simple_rnn_cell", "gru": "gru_cell", "lstm": "lstm_cell"}
TYPES: list[LayerType] = []


def define(name: str, build: Build, family: Family, **facts: Any) -> None:
    TYPES.append(keras_type(name, build, family, **facts))


def named(prefix: str, weights: tuple[Weight, ...]) -> tuple[Weight, ...]:
    return tuple(w.replace(name=f"{prefix}/{w.name}") for w in weights)


def layer_name(layer_type: LayerType, args: Args) -> str:
    """A wrapped layer's name: its `name=`, or Keras's automatic one (without the `_1` counters)."""
    name = args.get("name")
    return name if isinstance(name, str) and name else snake_case(layer_type.name)


def apply(layer_type: LayerType, args: Args, shape: Shape, argument: str) -> Built:
    """A wrapped layer built on `shape`; its own trainable=False freezes its weights, as in Keras."""
    with about(argument):
        if layer_type.merges:
            raise LayerError(f"{layer_type.name} takes several inputs and cannot be wrapped", code="CC105")
        built = layer_type.build(args, shape)
        if not args.bool("trainable", default=True):
            built = built.replace(weights=tuple(w.replace(trainable=False) for w in built.weights))
    return built


# --- Embedding: keras/src/layers/core/embedding.py


def embedding(args: Args, shape: Shape) -> Built:
    """Indices of any shape gain an `output_dim` axis. With lora_rank, the table is frozen and
    two trainable factors are added (Embedding.enable_lora)."""
    input_dim = args.int("input_dim", 1)
    output_dim = args.int("output_dim", 1)
    lora = args.optional_int("lora_rank", 0)
    weights: tuple[Weight, ...] = (Weight("embeddings", (input_dim, output_dim), trainable=not lora),)
    if lora:
        weights += (Weight("lora_embeddings_a", (input_dim, lora)), Weight("lora_embeddings_b", (lora, output_dim)))
    return Built((*shape, output_dim), weights)


define("Embedding", embedding, Family.EMBEDDING, extra=("input_length",))  # deprecated, ignored by Keras 3 (spec/first_layer.py)


# --- Recurrent layers: keras/src/layers/rnn/{rnn,simple_rnn,gru,lstm}.py


def recurrent(cell: str) -> Build:
    """SimpleRNN, GRU, LSTM: a (batch, timesteps, features) input (their InputSpec(ndim=3)); the
    cell's kernel is (features, gates * units), its recurrent kernel (units, gates * units). GRU
    with reset_after=True (the default) keeps separate input and recurrent biases: (2, 3 * units)."""

    def build(args: Args, shape: Shape) -> Built:
        units = args.int("units", 1)
        if len(shape) != 3:
            raise LayerError(
                f"{args.type_name} expects a 3-D input (batch, timesteps, features), found {format_shape(shape)}",
                hint="TimeDistributed runs it over each step of a longer input"
                if len(shape) > 3
                else "an Embedding or a Reshape gives the input a time axis",
                code="CC200",
            )
        batch, steps, features = shape
        features = known(features, "input feature")
        return_sequences = args.bool("return_sequences")
        return_state = args.bool("return_state")
        args.bool("go_backwards")
        if args.bool("stateful") and batch is None:
            raise LayerError(
                "stateful=True needs a fixed batch size, found None",
                hint="give the spec a `batch:` size",
                argument="stateful",
                code="CC200",
            )
        if cell != "rnn":
            args.choice("use_cudnn", ("auto", True, False))
        width = gates(cell) * units
        prefix = CELL_NAMES[cell]
        weights = [Weight(f"{prefix}/kernel", (features, width)), Weight(f"{prefix}/recurrent_kernel", (units, width))]
        if args.bool("use_bias"):
            separate = cell == "gru" and args.bool("reset_after")
            weights.append(Weight(f"{prefix}/bias", (2, width) if separate else (width,)))
        output = (batch, steps, units) if return_sequences else (batch, units)
        state_shapes = ((batch, units),) * states(cell) if return_state else ()
        return Built(output, tuple(weights), state_shapes)

    return build


for _name, _cell in (("SimpleRNN", "rnn"), ("GRU", "gru"), ("LSTM", "lstm")):
    define(_name, recurrent(_cell), Family.RECURRENT, variant=_cell)


# --- Wrappers: keras/src/layers/rnn/bidirectional.py, time_distributed.py


def recurrent_layer(args: Args, argument: str, vocabulary: Vocabulary) -> tuple[LayerType, Args]:
    layer_type, layer_args = inner_layer(args[argument], vocabulary, argument)
    if layer_type.family is not Family.RECURRENT:
        recurrent = ", ".join(t.name for t in vocabulary.types.values() if t.family is Family.RECURRENT)
        raise LayerError(
            f"Bidirectional wraps a recurrent layer ({recurrent}), found {layer_type.name}",
            argument=argument,
            code="CC105",
        )
    return layer_type, layer_args


def without(prefix: str, name: str) -> str:
    return name[len(prefix) :] if name.startswith(prefix) else name


def bidirectional(vocabulary: Vocabulary, args: Args, shape: Shape) -> Built:
    """Runs the layer forwards and a copy backwards (go_backwards=True), or the given
    backward_layer, and merges their outputs. The two must agree on stateful,
    return_sequences and return_state, and differ in go_backwards (_verify_layer_config)."""
    merge_mode = args.choice("merge_mode", ("concat", "sum", "mul", "ave", None))
    forward_type, forward_args = recurrent_layer(args, "layer", vocabulary)
    forward_name = "forward_" + without("forward_", layer_name(forward_type, forward_args))
    if args.get("backward_layer") is None:
        backward_argument = "layer"
        backward_type = forward_type
        backward_args = Args(forward_args.type_name, {**forward_args.values, "go_backwards": True})
        backward_name = "backward_" + without("backward_", layer_name(forward_type, forward_args))
    else:
        backward_argument = "backward_layer"
        backward_type, backward_args = recurrent_layer(args, "backward_layer", vocabulary)
        backward_name = layer_name(backward_type, backward_args)
    for attribute in ("go_backwards", "stateful", "return_sequences", "return_state"):
        forward_value = forward_args.bool(attribute)
        backward_value = backward_args.bool(attribute)
        if (forward_value == backward_value) == (attribute == "go_backwards"):
            relation = "differ" if attribute == "go_backwards" else "agree"
            raise LayerError(
                f"the forward and backward layers must {relation} in {attribute}, "
                f"found {forward_value} (forward) and {backward_value} (backward)",
                argument=backward_argument,
                code="CC105",
            )
    forward = apply(forward_type, forward_args, shape, "layer")
    backward = apply(backward_type, backward_args, shape, backward_argument)
    first, second = forward.output_shape, backward.output_shape
    if merge_mode is None:
        outputs: tuple[Shape, ...] = (first, second)
    elif merge_mode == "concat":
        outputs = ((*first[:-1], macs.summed(first[-1], second[-1])),)  # the units: known
    elif first[-1] != second[-1]:
        raise LayerError(
            f"merge_mode={merge_mode!r} needs both directions to be as wide, "
            f"found {first[-1]} (forward) and {second[-1]} (backward)",
            hint="give the backward layer as many units, or use merge_mode='concat'",
            argument="merge_mode",
            code="CC200",
        )
    else:
        outputs = (first,)
    outputs += forward.extra_outputs + backward.extra_outputs
    weights = named(forward_name, forward.weights) + named(backward_name, backward.weights)
    return Built(outputs[0], weights, outputs[1:])


def time_distributed(vocabulary: Vocabulary, args: Args, shape: Shape) -> Built:
    """Applies the layer to every step: its shape rule on (batch, *shape[2:]), the time axis
    put back in second place (TimeDistributed.compute_output_shape)."""
    layer_type, layer_args = inner_layer(args["layer"], vocabulary, "layer")
    if len(shape) < 3:
        raise LayerError(
            f"TimeDistributed expects an input of at least 3 dimensions (batch, time, ...), found {format_shape(shape)}",
            code="CC200",
        )
    built = apply(layer_type, layer_args, (shape[0], *shape[2:]), "layer")
    if built.extra_outputs:
        raise LayerError(
            f"TimeDistributed cannot wrap a layer with {len(built.outputs)} outputs",
            hint="return_state=True gives a recurrent layer several outputs",
            argument="layer",
            code="CC200",
        )
    out = built.output_shape
    return Built((out[0], shape[1], *out[1:]), named(layer_name(layer_type, layer_args), built.weights))


def time_distributed_macs(vocabulary: Vocabulary, layer: macs.Layer) -> int | None:
    """The wrapped layer on (batch, *step shape), once per time step."""
    shape = layer.input_shapes[0]
    return macs.multiply(wrapped_macs(layer, vocabulary, "layer", ((shape[0], *shape[2:]),)), shape[1])


# --- Attention: keras/src/layers/attention/multi_head_attention.py


def output_shape_argument(args: Args) -> tuple[int, ...] | None:
    """`output_shape`: None (or anything false, as Keras's `if output_shape:`) keeps the query's
    feature size; an int or a tuple of ints replaces it."""
    value = args.get("output_shape")
    if not value:
        return None
    items = (value,) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(items, tuple | list) or not all(isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in items):
        raise args.error("output_shape", "a positive integer or a tuple of them")
    return tuple(items)


def multi_head_attention(args: Args, shapes: tuple[Shape, ...]) -> Built:
    """Inputs [query, value] or [query, value, key] (key defaults to value), as the layer is
    called; one input attends to itself. Query, key and value are projected to
    (..., num_heads, key_dim / value_dim) by EinsumDense layers `query`, `key`, `value`, and the
    heads back to the query's feature size (or output_shape) by `attention_output`."""
    if len(shapes) == 1:
        shapes = (shapes[0], shapes[0])
    if len(shapes) not in (2, 3):
        raise LayerError(
            f"MultiHeadAttention takes the inputs [query, value] or [query, value, key], found {len(shapes)}",
            argument="inputs",
            code="CC200",
        )
    query, value = shapes[0], shapes[1]
    key = shapes[2] if len(shapes) == 3 else value
    heads = args.int("num_heads", 1)
    key_dim = args.int("key_dim", 1)
    value_dim = args.optional_int("value_dim", 1) or key_dim
    if args.get("flash_attention") is True and args.number("dropout") > 0:
        raise LayerError(
            "dropout is not supported when flash attention is enabled", hint="set dropout=0.0", argument="dropout", code="CC105"
        )
    args.optional_int("sliding_window", 1)
    out_shape = output_shape_argument(args)
    use_bias = args.bool("use_bias")
    if len(query) < 3 or len({len(query), len(value), len(key)}) != 1:
        found = ", ".join(format_shape(s) for s in shapes)
        raise LayerError(
            f"MultiHeadAttention needs query, value and key of one rank, at least 3 (batch, ..., features), found {found}",
            argument="inputs",
            code="CC200",
        )
    if value[1:-1] != key[1:-1]:
        raise LayerError(
            f"value {format_shape(value)} and key {format_shape(key)} must agree in every axis but the last",
            argument="inputs",
            code="CC200",
        )
    axes = attention_axes(args.get("attention_axes"), len(query))
    scores = scores_shape(query, key, heads, axes)
    features = {name: known(shape[-1], f"{name} feature") for name, shape in (("query", query), ("key", key), ("value", value))}
    out = out_shape or (features["query"],)

    def projection(name: str, inputs: int, width: int) -> tuple[Weight, ...]:
        bias = (Weight(f"{name}/bias", (heads, width)),) if use_bias else ()
        return (Weight(f"{name}/kernel", (inputs, heads, width)), *bias)

    weights = projection("query", features["query"], key_dim) + projection("key", features["key"], key_dim)
    if args.bool("use_gate"):
        weights += projection("gate", features["query"], value_dim)
    weights += projection("value", features["value"], value_dim)
    weights += (Weight("attention_output/kernel", (heads, value_dim, *out)),)
    if use_bias:
        weights += (Weight("attention_output/bias", out),)
    return Built((*query[:-1], *out), weights, (scores,))


# called as (query, value[, key]), not on a list; its scores only with return_attention_scores=True
ATTENTION_CALL = Code("{self}({*}{more})", more="return_attention_scores=True", alone=2)
define(
    "MultiHeadAttention",
    multi_head_attention,
    Family.ATTENTION,
    merges=True,
    macs=macs.keras_multi_head_attention,
    code=ATTENTION_CALL,
)


def register(vocabulary: Vocabulary) -> None:
    """The wrappers, which look their wrapped layer up in the whole vocabulary."""
    wrapped = Code(layers=("layer", "backward_layer"))
    build = partial(bidirectional, vocabulary)
    vocabulary.add(keras_type("Bidirectional", build, Family.WRAPPER, macs=macs.recurrent, code=wrapped))
    vocabulary.add(
        keras_type(
            "TimeDistributed",
            partial(time_distributed, vocabulary),
            Family.WRAPPER,
            macs=partial(time_distributed_macs, vocabulary),
            code=Code(layers=("layer",)),
        )
    )
