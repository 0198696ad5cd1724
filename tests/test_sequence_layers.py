"""Sequence and attention layers: Embedding, recurrent layers, their wrappers, attention and
the PyTorch Transformer family, their several outputs in the graph, and their errors.

Every figure was recorded from the real layer (Keras 3.15.1 on the torch backend, torch 2.13.0):
the comment beside it says how. tests/conformance/test_sequence_conformance.py checks many more
settings live.
"""

from __future__ import annotations

import textwrap

import pytest

from convcalc import summarize
from convcalc.errors import SpecError
from convcalc.report import Report


def report(text: str) -> Report:
    return summarize(textwrap.dedent(text))


def problem(text: str) -> tuple[str, str]:
    with pytest.raises(SpecError) as caught:
        report(text)
    return caught.value.diagnostic.code, caught.value.diagnostic.text()


def keras_layer(call: str, *inputs: list) -> Report:
    names = [f"in{i}" for i in range(len(inputs))]
    layer = call[:-1] + ("" if call.endswith("()") else ", ") + f"inputs={names!r})"
    lines = "\n".join(f"  {n}: {list(s)}".replace("None", "null") for n, s in zip(names, inputs))
    return summarize(f"framework: keras\ninputs:\n{lines}\nlayers:\n  - {layer!r}\n")


def weights(result: Report, row: int = -1) -> list[tuple[str, tuple[int, ...]]]:
    return [(w.name, w.shape) for w in result.rows[row].weights]


# --- Keras recurrent layers


def test_keras_lstm_weights_and_count() -> None:
    result = keras_layer("LSTM(8)", [5, 3])
    # keras 3.15.1: LSTM(8) on Input((5, 3)): output (None, 8), count_params() 384, weight paths lstm/lstm_cell/...
    assert result.rows[0].outputs == ((None, 8),)
    assert result.totals.params == 384
    assert weights(result) == [("lstm_cell/kernel", (3, 32)), ("lstm_cell/recurrent_kernel", (8, 32)), ("lstm_cell/bias", (32,))]


def test_keras_gru_bias_depends_on_reset_after() -> None:
    # keras 3.15.1: GRU(8) bias (2, 24), 312 params; GRU(8, reset_after=False) bias (24,), 288 params
    assert weights(keras_layer("GRU(8)", [5, 3]))[-1] == ("gru_cell/bias", (2, 24))
    assert keras_layer("GRU(8)", [5, 3]).totals.params == 312
    assert weights(keras_layer("GRU(8, reset_after=False)", [5, 3]))[-1] == ("gru_cell/bias", (24,))
    assert keras_layer("GRU(8, reset_after=False)", [5, 3]).totals.params == 288


def test_keras_return_sequences_and_state_are_outputs() -> None:
    # keras 3.15.1: LSTM(8, return_sequences=True, return_state=True) -> [(None, 5, 8), (None, 8), (None, 8)]
    assert keras_layer("LSTM(8, return_sequences=True, return_state=True)", [5, 3]).rows[0].outputs == (
        (None, 5, 8),
        (None, 8),
        (None, 8),
    )
    # keras 3.15.1: SimpleRNN(8, return_state=True) -> [(None, 8), (None, 8)], 96 params
    rnn = keras_layer("SimpleRNN(8, return_state=True)", [5, 3])
    assert rnn.rows[0].outputs == ((None, 8), (None, 8))
    assert rnn.totals.params == 96


def test_states_feed_other_layers_by_index() -> None:
    result = report("""
        framework: keras
        input: [5, 3]
        layers:
          - LSTM(8, return_state=True, name="enc")
          - {type: Dense, units: 4, name: from_c, inputs: "enc[2]"}
          - Dense(2, inputs=["enc[1]"])
        outputs: [enc, from_c, dense]
    """)
    assert [(r.name, r.inputs, r.output_shape) for r in result.rows[1:]] == [
        ("from_c", ("enc[2]",), (None, 4)),
        ("dense", ("enc[1]",), (None, 2)),
    ]
    assert [o.name for o in result.outputs] == ["enc", "from_c", "dense"]


def test_an_output_index_beyond_the_layers_outputs_is_an_error() -> None:
    code, text = problem("""
        framework: keras
        input: [5, 3]
        layers:
          - LSTM(8, name="enc")
          - Dense(2, inputs=["enc[1]"])
    """)
    assert code == "CC003"
    assert "'enc' has 1 output(s); there is no enc[1]" in text


def test_keras_recurrent_errors() -> None:
    code, text = problem("input: [3]\nlayers:\n- LSTM(4)\n")
    # keras 3.15.1: "expected ndim=3, found ndim=2. Full shape received: (None, 3)"
    assert code == "CC200"
    assert "LSTM expects a 3-D input (batch, timesteps, features), found (None, 3)" in text
    code, text = problem("input: [5, 3]\nlayers:\n- LSTM(4, stateful=True)\n")
    # keras 3.15.1: "When using `stateful=True` in a RNN, the batch size must be static"
    assert (code, "stateful=True needs a fixed batch size" in text) == ("CC200", True)
    assert report("input: [5, 3]\nbatch: 2\nlayers:\n- LSTM(4, stateful=True)\n").rows[0].output_shape == (2, 4)
    assert problem("input: [5, 3]\nlayers:\n- GRU(0)\n")[0] == "CC105"


# --- Keras wrappers


@pytest.mark.parametrize(
    "layer",
    [
        "- Bidirectional(LSTM(8, return_state=True))",
        '- {type: Bidirectional, layer: "LSTM(8, return_state=True)"}',
        "- {type: Bidirectional, layer: {type: LSTM, units: 8, return_state: true}}",
    ],
)
def test_bidirectional_takes_its_layer_as_a_call_a_string_or_a_mapping(layer: str) -> None:
    result = report(f"input: [5, 3]\nlayers:\n{layer}\n")
    # keras 3.15.1: Bidirectional(LSTM(8, return_state=True)) on (5, 3):
    # [(None, 16), (None, 8), (None, 8), (None, 8), (None, 8)], count_params() 768
    assert result.rows[0].outputs == ((None, 16),) + ((None, 8),) * 4
    assert result.totals.params == 768
    assert [w.name for w in result.rows[0].weights][::3] == ["forward_lstm/lstm_cell/kernel", "backward_lstm/lstm_cell/kernel"]


def test_bidirectional_merge_modes_and_backward_layer() -> None:
    # keras 3.15.1: merge_mode=None -> [(None, 5, 8), (None, 5, 8)], 768
    split = keras_layer("Bidirectional(LSTM(8, return_sequences=True), merge_mode=None)", [5, 3])
    assert split.rows[0].outputs == ((None, 5, 8), (None, 5, 8))
    # keras 3.15.1, run on zeros (2, 5, 3): [(2, 12), (2, 8), (2, 4)], count_params() 420; the
    # backward layer keeps its own name (gru); Keras's symbolic shape claims (None, 16)
    custom = keras_layer(
        "Bidirectional(GRU(8, return_state=True), backward_layer=GRU(4, go_backwards=True, return_state=True))", [5, 3]
    )
    assert custom.rows[0].outputs == ((None, 12), (None, 8), (None, 4))
    assert custom.totals.params == 420
    assert weights(custom)[3] == ("gru/gru_cell/kernel", (3, 12))
    # keras 3.15.1: Bidirectional(LSTM(4, name="enc")) names its halves forward_enc and backward_enc
    assert weights(keras_layer("Bidirectional(LSTM(4, name='enc'))", [5, 3]))[3][0] == "backward_enc/lstm_cell/kernel"


def test_bidirectional_errors_point_at_the_wrapped_layer() -> None:
    code, text = problem("input: [5, 3]\nlayers:\n- Bidirectional(Dense(4))\n")
    assert code == "CC105"
    assert "Bidirectional wraps a recurrent layer (SimpleRNN, GRU, LSTM), found Dense" in text
    code, text = problem("input: [5, 3]\nlayers:\n- Bidirectional(LSTMM(4))\n")
    assert code == "CC101"
    assert "layer: unknown keras layer type 'LSTMM' (did you mean 'LSTM'?)" in text
    code, text = problem("input: [5, 3]\nlayers:\n- Bidirectional(LSTM(4, unitz=3))\n")
    assert (code, "layer: LSTM takes no argument 'unitz'" in text) == ("CC103", True)
    code, text = problem("input: [5, 3]\nlayers:\n- {type: Bidirectional, layer: {units: 4}}\n")
    assert (code, "layer: a layer given as a mapping needs `type:`" in text) == ("CC105", True)
    code, text = problem("input: [5, 3]\nlayers:\n- Bidirectional(4)\n")
    assert (code, "layer: expected a layer, found 4" in text) == ("CC105", True)
    # keras 3.15.1: ValueError "Forward layer and backward layer should have different `go_backwards` value"
    code, text = problem("input: [5, 3]\nlayers:\n- Bidirectional(LSTM(4), backward_layer=LSTM(4))\n")
    assert "must differ in go_backwards, found False (forward) and False (backward)" in text
    # keras 3.15.1, run on data: "The size of tensor a (8) must match the size of tensor b (4)"
    code, text = problem(
        "input: [5, 3]\nlayers:\n- Bidirectional(GRU(8), backward_layer=GRU(4, go_backwards=True), merge_mode='sum')\n"
    )
    assert "merge_mode='sum' needs both directions to be as wide, found 8 (forward) and 4 (backward)" in text


def test_a_wrapped_layers_trainable_false_freezes_its_weights() -> None:
    # keras 3.15.1: Bidirectional(LSTM(4, trainable=False)): all six weights trainable=False, 256 params
    result = keras_layer("Bidirectional(LSTM(4, trainable=False))", [5, 3])
    assert (result.totals.params, result.totals.trainable_params) == (256, 0)


def test_time_distributed_applies_the_layer_to_each_step() -> None:
    # keras 3.15.1: TimeDistributed(Dense(4)) on (5, 3): (None, 5, 4), 16, weights dense/kernel, dense/bias
    dense = keras_layer("TimeDistributed(Dense(4))", [5, 3])
    assert (dense.rows[0].output_shape, dense.totals.params) == ((None, 5, 4), 16)
    assert weights(dense) == [("dense/kernel", (3, 4)), ("dense/bias", (4,))]
    # keras 3.15.1: TimeDistributed(Conv2D(4, 3)) on (5, 8, 8, 3): (None, 5, 6, 6, 4), 112
    conv = keras_layer("TimeDistributed(Conv2D(4, 3))", [5, 8, 8, 3])
    assert (conv.rows[0].output_shape, conv.totals.params) == ((None, 5, 6, 6, 4), 112)
    # keras 3.15.1: "`TimeDistributed` Layer should be passed an `input_shape` with at least 3 dimensions"
    assert problem("input: [5]\nlayers:\n- TimeDistributed(Dense(4))\n")[0] == "CC200"
    # keras 3.15.1 cannot wrap a layer with several outputs ("Cannot convert '5' to a shape")
    _, text = problem("input: [5, 6, 3]\nlayers:\n- TimeDistributed(LSTM(4, return_state=True))\n")
    assert "TimeDistributed cannot wrap a layer with 3 outputs" in text


# --- Keras Embedding and MultiHeadAttention


def test_keras_embedding() -> None:
    # keras 3.15.1: Embedding(100, 16) on (7,): (None, 7, 16), 1600
    result = keras_layer("Embedding(100, 16)", [7])
    assert (result.rows[0].output_shape, weights(result)) == ((None, 7, 16), [("embeddings", (100, 16))])
    # keras 3.15.1: Embedding(10, 4, lora_rank=2): embeddings frozen + lora_embeddings_a (10, 2), _b (2, 4); 68 params
    lora = keras_layer("Embedding(10, 4, lora_rank=2)", [5])
    assert (lora.totals.params, lora.totals.non_trainable_params) == (68, 40)


def test_keras_multi_head_attention() -> None:
    result = keras_layer("MultiHeadAttention(2, 4)", [5, 6], [7, 8])
    # keras 3.15.1: query (5, 6), value (7, 8): output (None, 5, 6), 254 params; run on zeros with
    # return_attention_scores=True the scores are (2, 2, 5, 7) for a batch of 2
    assert result.rows[0].outputs == ((None, 5, 6), (None, 2, 5, 7))
    assert result.totals.params == 254
    assert weights(result) == [
        ("query/kernel", (6, 2, 4)),
        ("query/bias", (2, 4)),
        ("key/kernel", (8, 2, 4)),
        ("key/bias", (2, 4)),
        ("value/kernel", (8, 2, 4)),
        ("value/bias", (2, 4)),
        ("attention_output/kernel", (2, 4, 6)),
        ("attention_output/bias", (6,)),
    ]
    # keras 3.15.1: [query (5, 6), value (7, 8), key (7, 9)], value_dim=5: 292 params
    assert keras_layer("MultiHeadAttention(2, 4, value_dim=5)", [5, 6], [7, 8], [7, 9]).totals.params == 292
    # keras 3.15.1: output_shape=(2, 3): (None, 5, 2, 3); attention_output/kernel (2, 4, 2, 3)
    shaped = keras_layer("MultiHeadAttention(2, 4, output_shape=(2, 3))", [5, 6], [7, 8])
    assert (shaped.rows[0].output_shape, weights(shaped)[-2]) == ((None, 5, 2, 3), ("attention_output/kernel", (2, 4, 2, 3)))
    # keras 3.15.1, run on zeros: attention_axes=2 on (5, 3, 6) and (5, 4, 8) gives scores (2, 5, 2, 3, 4)
    axes = keras_layer("MultiHeadAttention(2, 4, attention_axes=2)", [5, 3, 6], [5, 4, 8])
    assert axes.rows[0].outputs[1] == (None, 5, 2, 3, 4)


def test_keras_attention_errors() -> None:
    # keras 3.15.1: "All dimensions of `value` and `key`, except the last one, must be equal"
    with pytest.raises(SpecError, match=r"value \(None, 7, 8\) and key \(None, 6, 8\) must agree"):
        keras_layer("MultiHeadAttention(2, 4)", [5, 6], [7, 8], [6, 8])
    # keras 3.15.1 fails on data ("`dot_product_attention` only supports 4D inputs")
    with pytest.raises(SpecError, match="query, value and key of one rank"):
        keras_layer("MultiHeadAttention(2, 4)", [5, 6], [7, 3, 8])
    with pytest.raises(SpecError, match=r"attention_axes -1 must name distinct axes .* among \(1, 2\)"):
        keras_layer("MultiHeadAttention(2, 4, attention_axes=-1)", [5, 3, 6], [5, 4, 8])


def test_a_keras_sequence_model_end_to_end() -> None:
    result = report("""
        framework: keras
        inputs:
          tokens: [20]
        layers:
          - Embedding(1000, 32, name="emb")
          - Bidirectional(LSTM(16, return_sequences=True, return_state=True), name="bi")
          - {type: MultiHeadAttention, name: att, num_heads: 2, key_dim: 8, inputs: [bi, bi]}
          - {type: TimeDistributed, layer: {type: Dense, units: 4}, inputs: [att]}
          - {type: TimeDistributed, layer: "Dense(3)"}
          - {type: Dense, units: 5, inputs: ["bi[1]"]}
        outputs: [time_distributed_1, dense, "att[1]"]
    """)
    # keras 3.15.1, the same functional model: count_params() 40632; layers 32000, 6272, 2128, 132, 15, 85;
    # outputs (None, 20, 3), (None, 5), scores (None, 2, 20, 20)
    assert result.totals.params == 40632
    assert [r.params for r in result.rows] == [32000, 6272, 2128, 132, 15, 85]
    assert [o.shape for o in result.outputs] == [(None, 20, 3), (None, 5), (None, 2, 20, 20)]


# --- PyTorch


def torch_layer(call: str, batch: int | None, *inputs: list) -> Report:
    names = [f"in{i}" for i in range(len(inputs))]
    layer = call[:-1] + ("" if call.endswith("()") else ", ") + f"inputs={names!r})"
    lines = "\n".join(f"  {n}: {list(s)}" for n, s in zip(names, inputs))
    return summarize(f"framework: pytorch\nbatch: {batch or 'null'}\ninputs:\n{lines}\nlayers:\n  - {layer!r}\n")


def test_torch_lstm_stacked_bidirectional_projected() -> None:
    result = torch_layer("LSTM(8, 16, 2, bidirectional=True, proj_size=4)", 5, [2, 8])
    # torch 2.13.0: nn.LSTM(8, 16, 2, bidirectional=True, proj_size=4) on zeros (5, 2, 8):
    # output (5, 2, 8), h_n (4, 2, 4), c_n (4, 2, 16); 3840 parameters
    assert result.rows[0].outputs == ((5, 2, 8), (4, 2, 4), (4, 2, 16))
    assert result.totals.params == 3840
    # torch 2.13.0: named_parameters() begins weight_ih_l0 (64, 8), weight_hh_l0 (64, 4), bias_ih_l0,
    # bias_hh_l0, weight_hr_l0 (4, 16), weight_ih_l0_reverse...; layer 1 reads 2 * 4 features
    assert weights(result)[:6] == [
        ("weight_ih_l0", (64, 8)),
        ("weight_hh_l0", (64, 4)),
        ("bias_ih_l0", (64,)),
        ("bias_hh_l0", (64,)),
        ("weight_hr_l0", (4, 16)),
        ("weight_ih_l0_reverse", (64, 8)),
    ]
    assert weights(result)[10] == ("weight_ih_l1", (64, 8))


def test_torch_gru_batch_first_and_unbatched_rnn() -> None:
    # torch 2.13.0: nn.GRU(10, 20, 2, batch_first=True, bidirectional=True) on (4, 7, 10):
    # output (4, 7, 40), h_n (4, 4, 20); 11280 parameters
    gru = torch_layer("GRU(10, 20, 2, batch_first=True, bidirectional=True)", 4, [7, 10])
    assert (gru.rows[0].outputs, gru.totals.params) == (((4, 7, 40), (4, 4, 20)), 11280)
    # torch 2.13.0: nn.RNN(10, 20) on an unbatched (7, 10): output (7, 20), h_n (1, 20); 640 parameters
    rnn = torch_layer("RNN(10, 20)", 7, [10])
    assert (rnn.rows[0].outputs, rnn.totals.params) == (((7, 20), (1, 20)), 640)


def test_torch_recurrent_errors() -> None:
    # torch 2.13.0: "input.size(-1) must be equal to input_size. Expected 3, got 4"
    with pytest.raises(SpecError) as caught:
        torch_layer("LSTM(3, 8)", 5, [2, 4])
    assert caught.value.diagnostic.code == "CC201"
    assert "input_size=3 but the incoming shape has 4" in caught.value.diagnostic.message
    # torch 2.13.0: "LSTM: Expected input to be 2D or 3D, got 4D instead"
    with pytest.raises(SpecError, match="LSTM expects a 3-D input"):
        torch_layer("LSTM(3, 8)", 5, [2, 2, 3])
    # torch 2.13.0: "proj_size argument is only supported for LSTM, not RNN or GRU"
    with pytest.raises(SpecError, match="GRU takes no argument 'proj_size'"):
        torch_layer("GRU(3, 8, proj_size=2)", 5, [2, 3])
    # torch 2.13.0: "proj_size has to be smaller than hidden_size"
    with pytest.raises(SpecError, match=r"proj_size \(8\) must be smaller than hidden_size \(8\)"):
        torch_layer("LSTM(3, 8, proj_size=8)", 5, [2, 3])


def test_torch_embedding() -> None:
    # torch 2.13.0: nn.Embedding(10, 3) on long zeros (5, 2, 8): (5, 2, 8, 3), weight (10, 3)
    result = torch_layer("Embedding(10, 3)", 5, [2, 8])
    assert (result.rows[0].output_shape, weights(result)) == ((5, 2, 8, 3), [("weight", (10, 3))])
    # torch 2.13.0: "Padding_idx must be within num_embeddings"
    with pytest.raises(SpecError, match="padding_idx=10 must be within num_embeddings"):
        torch_layer("Embedding(10, 3, padding_idx=10)", 5, [2])


def test_torch_multihead_attention() -> None:
    # torch 2.13.0: nn.MultiheadAttention(512, 8, batch_first=True) on (2, 10, 512), (2, 12, 512) x2:
    # attn_output (2, 10, 512), attn_output_weights (2, 10, 12); 1050624 parameters
    result = torch_layer("MultiheadAttention(512, 8, batch_first=True)", 2, [10, 512], [12, 512], [12, 512])
    assert (result.rows[0].outputs, result.totals.params) == (((2, 10, 512), (2, 10, 12)), 1050624)
    assert [w.name for w in result.rows[0].weights] == ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
    # torch 2.13.0: kdim=3, vdim=5, add_bias_kv, add_zero_attn: q/k/v_proj_weight, bias_k, bias_v; weights (2, 5, 9)
    split = torch_layer(
        "MultiheadAttention(8, 2, kdim=3, vdim=5, add_bias_kv=True, add_zero_attn=True)", None, [2, 8], [2, 3], [2, 5]
    )
    assert [w.name for w in split.rows[0].weights][:6] == [
        "q_proj_weight",
        "k_proj_weight",
        "v_proj_weight",
        "in_proj_bias",
        "bias_k",
        "bias_v",
    ]
    assert split.totals.params == 240  # torch 2.13.0: 240 parameters
    # torch 2.13.0: AssertionError "embed_dim must be divisible by num_heads"
    code, text = problem("framework: pytorch\ninput: [2, 8]\nlayers:\n- MultiheadAttention(8, 3)\n")
    assert code == "CC200"
    assert "embed_dim (8) must be divisible by num_heads (3)" in text


def test_torch_transformer_layers() -> None:
    # torch 2.13.0: sum(p.numel()) of nn.TransformerEncoderLayer(512, 8) 3152384, of nn.TransformerDecoderLayer(512, 8) 4204032
    assert torch_layer("TransformerEncoderLayer(512, 8)", 10, [2, 512]).totals.params == 3152384
    decoder = torch_layer("TransformerDecoderLayer(512, 8)", 10, [2, 512], [2, 512])
    assert (decoder.rows[0].output_shape, decoder.totals.params) == ((10, 2, 512), 4204032)
    # torch 2.13.0: nn.TransformerEncoder(nn.TransformerEncoderLayer(768, 12, 3072, batch_first=True,
    # activation="gelu"), 12): 85054464 parameters, the last layers.11.norm2.bias
    bert = torch_layer(
        "TransformerEncoder(TransformerEncoderLayer(768, 12, 3072, batch_first=True, activation='gelu'), 12)", 2, [128, 768]
    )
    assert (bert.totals.params, bert.rows[0].weights[-1].name) == (85054464, "layers.11.norm2.bias")
    # torch 2.13.0: nn.Transformer(): 44140544 parameters; on src (3, 1, 512), tgt (4, 1, 512) the
    # output is tgt's (4, 1, 512). Sequence-first, the lengths sit where a spec's batch goes: unknown here
    default = torch_layer("Transformer()", None, [1, 512], [1, 512])
    assert (default.rows[0].output_shape, default.totals.params) == ((None, 1, 512), 44140544)


@pytest.mark.parametrize(
    "layer",
    [
        '{type: TransformerEncoder, encoder_layer: "TransformerEncoderLayer(8, 2, 16)", num_layers: 2}',
        "{type: TransformerEncoder, num_layers: 2,"
        " encoder_layer: {type: TransformerEncoderLayer, d_model: 8, nhead: 2, dim_feedforward: 16}}",
        "TransformerEncoder(TransformerEncoderLayer(8, 2, 16), 2)",
    ],
)
def test_transformer_encoder_takes_its_layer_in_any_form(layer: str) -> None:
    # torch 2.13.0: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2): 1200 parameters
    result = report(f"framework: pytorch\ninput: [2, 8]\nlayers:\n- {layer}\n")
    assert result.totals.params == 1200


def test_torch_transformer_errors() -> None:
    # torch 2.13.0: "was expecting embedding dimension of 8, but got 6"
    code, text = problem("framework: pytorch\ninput: [2, 6]\nlayers:\n- TransformerEncoderLayer(8, 2)\n")
    assert (code, "d_model=8 but the input has 6 features" in text) == ("CC201", True)
    code, text = problem("framework: pytorch\ninput: [2, 8]\nlayers:\n- TransformerEncoderLayer(8, 3)\n")
    assert (code, "d_model (8) must be divisible by nhead (3)" in text) == ("CC200", True)
    # torch 2.13.0: "the batch number of src and tgt must be equal"
    with pytest.raises(SpecError, match="src and tgt must have the same batch size"):
        torch_layer("Transformer(8, 2, 1, 1, 16)", 5, [2, 8], [3, 8])
    with pytest.raises(SpecError, match="encoder_layer must be a TransformerEncoderLayer, found Linear"):
        torch_layer("TransformerEncoder(Linear(8, 8), 1)", 5, [2, 8])
