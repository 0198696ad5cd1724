"""Sequence and attention layers against the real Keras 3 and PyTorch.

Each case is one layer call, written once: convcalc reads the text as a spec layer, the test
evaluates the same text as Python in keras.layers' or torch.nn's namespace and builds the real
layer. Every output's shape, every weight (name, shape, trainable) and the parameter count
must agree; layers the framework rejects (at construction, at build, or when run on data)
convcalc must reject too.

Keras output shapes come from the symbolic call (what model.summary() shows), except in cases
marked `run`, where Keras's compute_output_shape is known to be wrong and the layer is run on
zeros instead: MultiHeadAttention's scores (symbolically (batch, heads, T, T) even when the key
has another length) and Bidirectional with a narrower backward layer (symbolically the forward
width doubled).
"""

from __future__ import annotations

import json
import os
import re
import typing

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")

from convcalc import summarize
from convcalc.errors import SpecError

pytestmark = pytest.mark.conformance

Shape = tuple


def spec_text(framework: str, inputs: list[Shape], call: str, batch: int | None) -> str:
    """A one-layer spec: inputs in0, in1... (each shape without its first dimension, which is
    the spec's `batch`), and the layer call taking all of them."""
    names = [f"in{i}" for i in range(len(inputs))]
    inner = call[:-1] + ("" if call.endswith("()") else ", ") + f"inputs={names!r})"
    spec = {
        "framework": framework,
        "batch": batch,
        "inputs": {n: list(s[1:]) for n, s in zip(names, inputs)},
        "layers": [inner],
    }
    return json.dumps(spec)  # JSON is YAML


def convcalc_layer(framework: str, inputs: list[Shape], call: str) -> tuple[list[Shape], int, list[tuple]]:
    firsts = {s[0] for s in inputs}
    batch = firsts.pop() if len(firsts) == 1 else None
    row = summarize(spec_text(framework, inputs, call, batch)).rows[-1]
    return list(row.outputs), row.params, [(w.name, w.shape, w.trainable) for w in row.weights]


def agree(found: list[Shape], expected: list[Shape]) -> bool:
    """Shapes agree where convcalc knows the size (None: unknown, as a shared spec batch can leave
    a sequence-first input's length)."""
    return len(found) == len(expected) and all(
        len(f) == len(e) and all(a is None or a == b for a, b in zip(f, e)) for f, e in zip(found, expected)
    )


# --- Keras

keras = pytest.importorskip("keras", reason="the conformance suite needs keras 3 (pip install torch keras)")

# (input shapes, the batch first; the layer call)
KERAS_CASES = [
    ([(None, 7)], "Embedding(100, 16)"),
    ([(None, None)], "Embedding(100, 16, mask_zero=True)"),
    ([(None, 4, 7)], "Embedding(50, 8, lora_rank=4)"),
    ([(None, 5, 3)], "SimpleRNN(8)"),
    ([(None, 5, 3)], "SimpleRNN(8, return_sequences=True, return_state=True, use_bias=False)"),
    ([(None, None, 3)], "LSTM(8, return_sequences=True)"),
    ([(None, 5, 3)], "LSTM(8, return_state=True)"),
    ([(2, 5, 3)], "LSTM(4, stateful=True)"),
    ([(None, 5, 3)], "GRU(8)"),
    ([(None, 5, 3)], "GRU(8, reset_after=False, return_state=True)"),
    ([(None, 5, 3)], "GRU(8, use_bias=False, trainable=False)"),
    ([(None, 5, 3)], "Bidirectional(LSTM(8))"),
    ([(None, 5, 3)], "Bidirectional(LSTM(8, return_sequences=True, return_state=True), merge_mode=None)"),
    ([(None, 5, 3)], "Bidirectional(GRU(8, return_sequences=True), merge_mode='sum')"),
    ([(None, 5, 3)], "Bidirectional(GRU(8, return_state=True), merge_mode='mul')"),
    ([(None, 5, 3)], "Bidirectional(SimpleRNN(4, name='enc', trainable=False), merge_mode='ave')"),
    ([(None, 5, 3)], "Bidirectional(LSTM(6), backward_layer=LSTM(6, go_backwards=True, use_bias=False))"),
    ([(None, 5, 3)], "TimeDistributed(Dense(4))"),
    ([(None, 5, 8, 8, 3)], "TimeDistributed(Conv2D(4, 3))"),
    ([(None, 5, 6, 3)], "TimeDistributed(LSTM(4))"),
    ([(None, 5, 6, 3)], "TimeDistributed(Bidirectional(GRU(4)))"),
    ([(None, 5, 3)], "TimeDistributed(Embedding(10, 4))"),
    ([(None, 5, 6, 3)], "TimeDistributed(TimeDistributed(Dense(2, trainable=False)))"),
    ([(None, 5, 6), (None, 7, 8)], "MultiHeadAttention(2, 4)"),
    ([(None, 5, 6), (None, 7, 8), (None, 7, 9)], "MultiHeadAttention(2, 4, value_dim=3, output_shape=10)"),
    ([(None, 5, 6), (None, 7, 8)], "MultiHeadAttention(2, 4, output_shape=(2, 3), use_bias=False, use_gate=True)"),
]
# Run on data: the symbolic shapes are wrong here (see the module docstring).
KERAS_RUN_CASES = [
    ([(2, 5, 3)], "Bidirectional(GRU(8, return_state=True), backward_layer=GRU(4, go_backwards=True, return_state=True))"),
    ([(2, 5, 6), (2, 7, 8)], "MultiHeadAttention(2, 4)"),
    ([(2, 5, 6), (2, 7, 8), (2, 7, 9)], "MultiHeadAttention(4, 2, value_dim=3, output_shape=(2, 5))"),
    ([(2, 5, 6)], "MultiHeadAttention(3, 4)"),  # one input: self-attention, called as (x, x)
    ([(2, 5, 3, 6), (2, 7, 3, 8)], "MultiHeadAttention(2, 4)"),
    ([(2, 5, 3, 6), (2, 7, 4, 8)], "MultiHeadAttention(2, 4, attention_axes=(1, 2))"),
    ([(2, 5, 3, 6), (2, 5, 4, 8)], "MultiHeadAttention(2, 4, attention_axes=2)"),
    ([(2, 5, 3, 6), (2, 5, 4, 8)], "MultiHeadAttention(2, 4, attention_axes=-2)"),
]
KERAS_REJECTED = [
    ([(None, 3)], "LSTM(4)"),
    ([(None, 5, 3, 2)], "GRU(4)"),
    ([(None, 5, None)], "LSTM(4)"),
    ([(None, 5, 3)], "LSTM(0)"),
    ([(None, 5, 3)], "SimpleRNN(-1)"),
    ([(None, 5, 3)], "LSTM(4, stateful=True)"),
    ([(None, 5, 3)], "GRU(4, use_cudnn='yes')"),
    ([(None, 5)], "Embedding(0, 4)"),
    ([(None, 5)], "Embedding(10, 0)"),
    ([(None, 5)], "TimeDistributed(Dense(4))"),
    ([(None, 5, 6, 3)], "TimeDistributed(LSTM(4, return_state=True))"),
    ([(None, 5, 3)], "Bidirectional(Dense(4))"),
    ([(None, 5, 3)], "Bidirectional(LSTM(4), merge_mode='max')"),
    ([(None, 5, 3)], "Bidirectional(LSTM(4), backward_layer=LSTM(4))"),
    ([(None, 5, 3)], "Bidirectional(LSTM(4, go_backwards=True))"),
    ([(None, 5, 3)], "Bidirectional(LSTM(4), backward_layer=LSTM(4, go_backwards=True, return_sequences=True))"),
    ([(None, 5, 3, 2)], "Bidirectional(LSTM(4))"),
    ([(2, 5, 3)], "Bidirectional(GRU(8), backward_layer=GRU(4, go_backwards=True), merge_mode='sum')"),
    ([(None, 5, 6), (None, 7, 8), (None, 6, 8)], "MultiHeadAttention(2, 4)"),
    ([(None, 5, 6), (None, 7, 8)], "MultiHeadAttention(0, 4)"),
    ([(None, 5, 6), (None, 7, 8)], "MultiHeadAttention(2, 4, value_dim=0)"),
    ([(None, 5, None), (None, 7, 8)], "MultiHeadAttention(2, 4)"),
    ([(None, 5, 6), (None, 7, 8)], "MultiHeadAttention(2, 4, sliding_window=0)"),
    ([(None, 5, 6), (None, 7, 8)], "MultiHeadAttention(2, 4, flash_attention=True, dropout=0.1)"),
    ([(2, 6), (2, 8)], "MultiHeadAttention(2, 4)"),
    ([(2, 5, 6), (2, 7, 3, 8)], "MultiHeadAttention(2, 4)"),
    ([(2, 5, 3, 6), (2, 5, 4, 8)], "MultiHeadAttention(2, 4, attention_axes=-1)"),
    ([(2, 5, 3, 6), (2, 5, 4, 8)], "MultiHeadAttention(2, 4, attention_axes=0)"),
    ([(2, 5, 3, 6), (2, 7, 4, 8)], "MultiHeadAttention(2, 4, attention_axes=2)"),
]


def keras_layer(call: str) -> object:
    return eval(call, dict(vars(keras.layers)))  # the test's own literal calls


def keras_weights(layer: object) -> list[tuple]:
    """Each weight's path inside the layer, without Keras's `_1` name counters."""
    found = []
    for w in layer.weights:  # type: ignore[attr-defined]
        path = w.path.split("/", 1)[1]
        found.append((re.sub(r"_\d+(?=/|$)", "", path), tuple(w.shape), w.trainable))
    return found


def keras_outputs(layer: object, inputs: list[Shape], run: bool, attention: bool) -> list[Shape]:
    import numpy as np

    if len(inputs) == 1 and attention:
        inputs = inputs * 2
    if run:
        tensors = [np.zeros(s, dtype="int32" if "Embedding" in type(layer).__name__ else "float32") for s in inputs]
    else:
        tensors = [keras.Input(batch_shape=s) for s in inputs]
    out = layer(*tensors, return_attention_scores=True) if attention and run else layer(*tensors)  # type: ignore[operator]
    return [tuple(o.shape) for o in (out if isinstance(out, list | tuple) else [out])]


@pytest.mark.parametrize(("inputs", "call"), KERAS_CASES + KERAS_RUN_CASES, ids=lambda v: str(v))
def test_keras_layer_matches(inputs: list[Shape], call: str) -> None:
    run = (inputs, call) in KERAS_RUN_CASES
    attention = call.startswith("MultiHeadAttention")
    layer = keras_layer(call)
    expected = keras_outputs(layer, inputs, run, attention)
    outputs, params, weights = convcalc_layer("keras", inputs, call)
    if attention and not run:
        outputs = outputs[:1]  # the symbolic call returns no scores
    assert outputs == expected
    assert params == layer.count_params()  # type: ignore[attr-defined]
    assert weights == keras_weights(layer)


@pytest.mark.parametrize(("inputs", "call"), KERAS_REJECTED, ids=lambda v: str(v))
def test_keras_rejects_what_keras_rejects(inputs: list[Shape], call: str) -> None:
    with pytest.raises(Exception):  # noqa: B017  any error Keras raises, at construction, build or call
        layer = keras_layer(call)
        run = None not in {d for s in inputs for d in s}
        keras_outputs(layer, inputs, run, call.startswith("MultiHeadAttention"))
    with pytest.raises(SpecError):
        convcalc_layer("keras", inputs, call)


# --- PyTorch

torch = pytest.importorskip("torch", reason="the conformance suite needs torch")

TORCH_CASES = [
    ([(7, 4)], "Embedding(10, 3)"),
    ([(7, 2)], "Embedding(10, 3, padding_idx=-1, _freeze=True)"),
    ([(5, 2, 3)], "RNN(3, 8)"),
    ([(5, 2, 3)], "RNN(3, 8, 2, 'relu', bidirectional=True)"),
    ([(5, 3)], "GRU(3, 8, bias=False)"),
    ([(2, 5, 3)], "GRU(3, 8, 3, batch_first=True, dropout=0.2)"),
    ([(5, 2, 3)], "LSTM(3, 8, 2, bidirectional=True, proj_size=4)"),
    ([(2, 5, 3)], "LSTM(3, 8, batch_first=True)"),
    ([(5, 3)], "LSTM(input_size=3, hidden_size=6, num_layers=2, proj_size=2)"),
    ([(5, 2, 8)], "MultiheadAttention(8, 2)"),  # one input: self-attention, called as (x, x, x)
    ([(5, 2, 8), (7, 2, 8), (7, 2, 8)], "MultiheadAttention(8, 2)"),
    ([(5, 2, 8), (7, 2, 3), (7, 2, 5)], "MultiheadAttention(8, 2, kdim=3, vdim=5, add_bias_kv=True, add_zero_attn=True)"),
    ([(2, 5, 8), (2, 7, 8), (2, 7, 8)], "MultiheadAttention(8, 2, batch_first=True, bias=False)"),
    ([(2, 5, 8), (2, 7, 4), (2, 7, 4)], "MultiheadAttention(8, 4, kdim=4, vdim=4, batch_first=True, add_zero_attn=True)"),
    ([(5, 8), (7, 8), (7, 8)], "MultiheadAttention(8, 2)"),
    ([(5, 2, 8)], "TransformerEncoderLayer(8, 2, 16)"),
    ([(5, 8)], "TransformerEncoderLayer(8, 2, 16, bias=False, activation='gelu')"),
    ([(2, 5, 8)], "TransformerEncoderLayer(8, 2, 16, batch_first=True, norm_first=True)"),
    ([(5, 2, 8), (7, 2, 8)], "TransformerDecoderLayer(8, 2, 16)"),
    ([(2, 5, 8), (2, 7, 8)], "TransformerDecoderLayer(8, 4, 32, batch_first=True, bias=False)"),
    ([(5, 2, 8)], "TransformerEncoder(TransformerEncoderLayer(8, 2, 16), 3)"),
    ([(5, 2, 8), (7, 2, 8)], "TransformerDecoder(TransformerDecoderLayer(8, 2, 16), 2)"),
    ([(5, 2, 8), (7, 2, 8)], "Transformer(8, 2, 2, 1, 16)"),
    (
        [(2, 5, 8), (2, 7, 8)],
        "Transformer(d_model=8, nhead=4, num_encoder_layers=1, num_decoder_layers=2, dim_feedforward=32, "
        "batch_first=True, bias=False)",
    ),
    (
        [(5, 2, 8), (7, 2, 8)],
        "Transformer(8, 2, custom_encoder=TransformerEncoder(TransformerEncoderLayer(8, 2, 16), 1), "
        "num_decoder_layers=1, dim_feedforward=16)",
    ),
    ([(3, 1, 512), (4, 1, 512)], "Transformer()"),
]
NEEDS_LAYER_NORM = [
    ([(5, 2, 8)], "TransformerEncoder(TransformerEncoderLayer(8, 2, 16), 2, norm=LayerNorm(8))"),
    ([(5, 2, 8), (7, 2, 8)], "TransformerDecoder(TransformerDecoderLayer(8, 2, 16), 1, LayerNorm(8, bias=False))"),
]
TORCH_REJECTED = [
    ([(5, 2, 4)], "LSTM(3, 8)"),
    ([(5, 2, 2, 3)], "LSTM(3, 8)"),
    ([(5, 2, 3)], "LSTM(3, 8, proj_size=8)"),
    ([(5, 2, 3)], "GRU(3, 8, proj_size=2)"),
    ([(5, 2, 3)], "RNN(3, 8, nonlinearity='gelu')"),
    ([(5, 2, 3)], "LSTM(3, 8, dropout=2)"),
    ([(5, 2, 3)], "LSTM(3, 8, 0)"),
    ([(5, 2, 3)], "LSTM(3, 8, bias=1)"),
    ([(5, 2, 3)], "LSTM(3.0, 8)"),
    ([(5, 2)], "Embedding(10, 4, padding_idx=10)"),
    ([(5, 2, 8)], "MultiheadAttention(8, 3)"),
    ([(5, 2, 8)], "MultiheadAttention(0, 2)"),
    ([(5, 2, 6)], "MultiheadAttention(8, 2)"),
    ([(5, 2, 8), (5, 2, 6), (5, 2, 6)], "MultiheadAttention(8, 2)"),
    ([(5, 2, 8), (5, 2, 4), (5, 2, 5)], "MultiheadAttention(8, 2, kdim=3, vdim=5)"),
    ([(2, 5, 8), (2, 7, 8), (2, 6, 8)], "MultiheadAttention(8, 2, batch_first=True)"),
    ([(2, 5, 8), (2, 7, 3), (2, 6, 5)], "MultiheadAttention(8, 2, kdim=3, vdim=5, batch_first=True)"),
    ([(5, 3, 8), (5, 2, 8), (5, 2, 8)], "MultiheadAttention(8, 2)"),
    ([(5, 2, 8), (5, 8), (5, 8)], "MultiheadAttention(8, 2)"),
    ([(5, 2, 2, 8)], "MultiheadAttention(8, 2)"),
    ([(5, 2, 6)], "TransformerEncoderLayer(8, 2, 16)"),
    ([(5, 2, 8)], "TransformerEncoderLayer(8, 3, 16)"),
    ([(5, 2, 8)], "TransformerEncoderLayer(8, 2, 16, activation='tanh')"),
    ([(5, 2, 8), (5, 2, 6)], "TransformerDecoderLayer(8, 2, 16)"),
    ([(5, 2, 8), (5, 3, 8)], "TransformerDecoderLayer(8, 2, 16)"),
    ([(5, 2, 8), (5, 8)], "TransformerDecoderLayer(8, 2, 16)"),
    ([(5, 2, 8)], "TransformerEncoder(TransformerEncoderLayer(8, 2, 16), 0)"),
    ([(5, 2, 8)], "TransformerEncoder(Linear(8, 8), 1)"),
    ([(5, 2, 8), (5, 3, 8)], "Transformer(8, 2, 1, 1, 16)"),
    ([(5, 2, 8), (5, 2, 6)], "Transformer(8, 2, 1, 1, 16)"),
    ([(5, 8), (5, 2, 8)], "Transformer(8, 2, 1, 1, 16)"),
]


def torch_module(call: str) -> object:
    return eval(call, dict(vars(torch.nn)))  # the test's own literal calls


def torch_outputs(module: object, inputs: list[Shape], call: str) -> list[Shape]:
    if len(inputs) == 1 and call.startswith("MultiheadAttention"):
        inputs = inputs * 3
    dtype = torch.long if call.startswith("Embedding") else torch.float32
    module.eval()  # type: ignore[attr-defined]
    with torch.no_grad():
        out = module(*(torch.zeros(s, dtype=dtype) for s in inputs))  # type: ignore[operator]
    flat: list[Shape] = []

    def walk(value: object) -> None:
        if isinstance(value, tuple | list):
            for item in value:
                walk(item)
        else:
            flat.append(tuple(value.shape))  # type: ignore[attr-defined]

    walk(out)
    return flat


def torch_parameters(module: object) -> list[tuple]:
    return [(n, tuple(p.shape), p.requires_grad) for n, p in module.named_parameters()]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def quiet(recwarn: pytest.WarningsRecorder) -> None:
    """torch warns about nested tensors and dropout with one layer; those are not failures."""


@pytest.mark.parametrize(("inputs", "call"), TORCH_CASES + NEEDS_LAYER_NORM, ids=lambda v: str(v))
def test_torch_module_matches(inputs: list[Shape], call: str) -> None:
    module = torch_module(call)
    expected = torch_outputs(module, inputs, call)
    outputs, params, weights = convcalc_layer("pytorch", inputs, call)
    assert agree(outputs, expected), f"{outputs} != {expected}"
    assert params == sum(p.numel() for p in module.parameters())  # type: ignore[attr-defined]
    assert weights == torch_parameters(module)


@pytest.mark.parametrize(("inputs", "call"), TORCH_REJECTED, ids=lambda v: str(v))
def test_torch_rejects_what_torch_rejects(inputs: list[Shape], call: str) -> None:
    with pytest.raises(Exception):  # noqa: B017  any error torch raises, at construction or in forward
        torch_outputs(torch_module(call), inputs, call)
    with pytest.raises(SpecError):
        convcalc_layer("pytorch", inputs, call)


def test_declared_sizes_that_disagree_are_cc201() -> None:
    for inputs, call in [
        ([(5, 2, 4)], "LSTM(3, 8)"),
        ([(5, 2, 6)], "MultiheadAttention(8, 2)"),
        ([(5, 2, 6)], "TransformerEncoderLayer(8, 2)"),
    ]:
        with pytest.raises(SpecError) as caught:
            convcalc_layer("pytorch", inputs, call)
        assert caught.value.diagnostic.code == "CC201"


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_recurrent_signatures_are_torchs_documented_overloads(name: str) -> None:
    """torch's RNN classes take (*args, **kwargs); convcalc binds their `@overload` signature."""
    import inspect

    from convcalc.frameworks.pytorch.sequence import RECURRENT_SIGNATURES
    from convcalc.signature import REQUIRED

    overload = typing.get_overloads(getattr(torch.nn, name).__init__)[0]
    params = list(inspect.signature(overload).parameters.values())[1:]
    expected = tuple((p.name, REQUIRED if p.default is p.empty else p.default) for p in params)
    assert RECURRENT_SIGNATURES[name].positional == expected
