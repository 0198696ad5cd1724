"""MACs against fvcore's FlopCountAnalysis (fvcore/nn/flop_count.py) run on the same networks.

fvcore counts one fused multiply-add as one "flop" (its docstring), so its totals are convcalc's
MACs. Every PyTorch case runs in eval mode on a zero tensor of the spec's batch (one sample when
the batch is unknown), and is compared layer by layer (fvcore's by_module) and in total.

Where fvcore has no handler for an op made of matrix products, the test says what stands in:
- nn.LSTM/GRU/RNN run aten::lstm/gru/rnn_tanh, which fvcore counts 0: the same recurrences are
  written out step by step with F.linear (the cell equations of torch.nn.LSTM's docs), which
  fvcore does count;
- torch's Transformer layers run F.scaled_dot_product_attention, and MultiheadAttention with a
  mask runs baddbmm, which fvcore counts 0: the test adds handlers that count them as fvcore's
  bmm_flop_jit counts bmm (QK^T and AV);
- a convolution with padding="same" or "valid" (a string) runs aten::_convolution_mode, which
  fvcore counts 0: the test hands it to fvcore's own conv_flop_count.

Keras layers run on Keras 3's torch backend are torch modules too: fvcore counts their
convolutions, matmuls, einsums and layer norms directly. Keras layers that the torch backend
writes with element-wise ops (BatchNormalization, GlobalAveragePooling2D, nearest UpSampling2D)
are compared with the PyTorch module convcalc counts them as.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from math import prod
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
torch = pytest.importorskip("torch", reason="the compute conformance suite needs torch")
pytest.importorskip("fvcore", reason="the compute conformance suite needs fvcore (pip install fvcore)")
from fvcore.nn import FlopCountAnalysis  # noqa: E402
from fvcore.nn.jit_handles import conv_flop_count, get_shape  # noqa: E402

from convcalc import summarize  # noqa: E402
from convcalc.analysis.costs import costs  # noqa: E402

nn = torch.nn
F = torch.nn.functional
pytestmark = pytest.mark.conformance
SPECS = Path(__file__).resolve().parents[2] / "specs"
logging.getLogger("fvcore").setLevel(logging.ERROR)


def attention_bmm(inputs: list[Any], outputs: list[Any]) -> int:
    """aten::scaled_dot_product_attention(q, k, v, ...): QK^T and AV as two bmm calls,
    (..., L, E) x (..., S, E) and (..., L, S) x (..., S, Ev)."""
    q, k, v = (get_shape(x) for x in inputs[:3])
    batch = prod(q[:-2])
    return batch * q[-2] * k[-2] * q[-1] + batch * q[-2] * k[-2] * v[-1]


def baddbmm(inputs: list[Any], outputs: list[Any]) -> int:
    """aten::baddbmm(input, batch1, batch2): fvcore's bmm_flop_jit on batch1 and batch2."""
    n, c, t = get_shape(inputs[1])
    return n * c * t * get_shape(inputs[2])[-1]


def convolution_mode(inputs: list[Any], outputs: list[Any]) -> int:
    """aten::_convolution_mode(input, weight, bias, stride, padding: str, dilation, groups)."""
    return conv_flop_count(get_shape(inputs[0]), get_shape(inputs[1]), get_shape(outputs[0]))


def fvcore(model: Any, inputs: tuple[Any, ...]) -> FlopCountAnalysis:
    analysis = FlopCountAnalysis(model, inputs)
    analysis.set_op_handle(
        **{
            "aten::scaled_dot_product_attention": attention_bmm,
            "aten::baddbmm": baddbmm,
            "aten::_convolution_mode": convolution_mode,
        }
    )
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)
    return analysis


def spec(framework: str, shape: tuple[int, ...], layers: list[str], batch: int | None) -> str:
    return json.dumps({"framework": framework, "batch": batch, "input": list(shape), "layers": layers})


# --- PyTorch stacks: each call is one torch.nn module and one convcalc row

STACKS: list[tuple[tuple[int, ...], list[str]]] = [
    (
        (3, 32, 32),
        [
            "Conv2d(3, 16, 3, padding=1)",
            "BatchNorm2d(16)",
            "ReLU()",
            "MaxPool2d(2)",
            "Conv2d(16, 32, 3, stride=2, padding=1, bias=False)",
            "BatchNorm2d(32, affine=False)",
            "AdaptiveAvgPool2d(1)",
            "Flatten()",
            "Linear(32, 10)",
        ],
    ),
    ((8, 12, 12), ["Conv2d(8, 16, 3, groups=4)", "Conv2d(16, 16, 3, padding=1, groups=16)", "Conv2d(16, 32, 1)"]),
    (
        (8, 7, 9),
        ["ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1)", "ConvTranspose2d(4, 6, 4, stride=2, groups=2)"],
    ),
    (
        (3, 11, 13),
        ["Conv2d(3, 5, (3, 5), stride=(2, 1), dilation=(1, 2), padding=(1, 0))", "Conv2d(5, 5, 3, padding='same', dilation=2)"],
    ),
    ((3, 16, 16), ["Conv2d(3, 4, 3, padding=1, padding_mode='reflect')", "Conv2d(4, 4, 5, padding=2, padding_mode='circular')"]),
    (
        (4, 40),
        [
            "Conv1d(4, 8, 5, dilation=2)",
            "ConvTranspose1d(8, 4, 3, stride=3)",
            "BatchNorm1d(4)",
            "AdaptiveAvgPool1d(1)",
            "Flatten()",
            "Linear(4, 3)",
        ],
    ),
    ((2, 8, 9, 10), ["Conv3d(2, 4, 3)", "BatchNorm3d(4)", "ConvTranspose3d(4, 2, 2, stride=2)", "AdaptiveAvgPool3d(1)"]),
    (
        (8, 6, 6),
        [
            "GroupNorm(4, 8)",
            "GroupNorm(2, 8, affine=False)",
            "InstanceNorm2d(8)",
            "InstanceNorm2d(8, affine=True)",
            "LayerNorm([8, 6, 6])",
            "LayerNorm(6, elementwise_affine=False)",
            "LayerNorm(6, bias=False)",
            "BatchNorm2d(8, track_running_stats=False)",
            "BatchNorm2d(8, affine=False, track_running_stats=False)",
            "RMSNorm(6)",
            "LocalResponseNorm(2)",
        ],
    ),
    (
        (3, 5, 6),
        [
            "Upsample(scale_factor=2)",
            "Upsample(scale_factor=2, mode='bilinear')",
            "Upsample(size=(10, 12), mode='bilinear', align_corners=True)",
            "UpsamplingNearest2d(scale_factor=2)",
            "UpsamplingBilinear2d(size=7)",
            "Upsample(scale_factor=0.5, mode='area')",
            "Upsample(scale_factor=2, mode='bicubic')",
            "Upsample(scale_factor=2, mode='nearest-exact')",
        ],
    ),
    ((4, 10), ["Upsample(scale_factor=2)", "Upsample(scale_factor=2, mode='linear')", "Upsample(size=7, mode='area')"]),
    ((2, 3, 4, 5), ["Upsample(scale_factor=2)", "Upsample(scale_factor=2, mode='trilinear')"]),
    ((5, 7, 12), ["Linear(12, 6)", "GELU()", "Linear(6, 3, bias=False)", "Softmax(dim=-1)"]),
    ((784,), ["Linear(784, 256)", "ReLU()", "Dropout(0.2)", "Linear(256, 10)", "LogSoftmax(dim=1)"]),
    (
        (4, 12, 12),
        [
            "ZeroPad2d(1)",
            "ReflectionPad2d(2)",
            "AvgPool2d(2)",
            "LPPool2d(2, 2)",
            "MaxPool2d(3, 2, 1)",
            "AdaptiveMaxPool2d(2)",
            "PixelShuffle(2)",
            "PReLU()",
            "Hardswish()",
        ],
    ),
    ((3, 16, 16), ["LazyConv2d(8, 3)", "Flatten()", "LazyLinear(5)"]),
    (
        (16, 8, 8),
        ["Conv2d(16, 16, 3, padding=1, groups=16, bias=False)", "BatchNorm2d(16)", "ReLU6()", "Conv2d(16, 24, 1, bias=False)"],
    ),
]


def random_stacks(count: int, seed: int = 4) -> list[tuple[tuple[int, ...], list[str]]]:
    """Convolution stacks with random ranks, widths, kernels, strides, dilations, paddings and
    groups, transposed or not, each followed by a normalization or an activation; a layer that
    would leave no positions becomes a 1 x 1 convolution."""
    import random

    rng = random.Random(seed)
    stacks = []
    for _ in range(count):
        rank = rng.choice((1, 2, 3))
        channels = rng.choice((1, 2, 3, 4, 6))
        size = [rng.randint(9, 14 if rank == 3 else 24) for _ in range(rank)]
        shape = (channels, *size)
        calls = []
        for _ in range(rng.randint(2, 4)):
            width = rng.choice((2, 4, 6, 8))
            groups = rng.choice((1, 1, 2))
            if channels % groups or width % groups:
                groups = 1
            kernel, stride, dilation = rng.choice((1, 2, 3)), rng.choice((1, 2)), rng.choice((1, 1, 2))
            bias = rng.random() < 0.5
            if rng.random() < 0.3:
                pad, out_pad = rng.randint(0, 1), rng.randint(0, max(stride, dilation) - 1)
                grown = [(n - 1) * stride - 2 * pad + dilation * (kernel - 1) + out_pad + 1 for n in size]
                if min(grown) >= 1:
                    calls.append(
                        f"ConvTranspose{rank}d({channels}, {width}, {kernel}, stride={stride}, padding={pad}, "
                        f"output_padding={out_pad}, groups={groups}, bias={bias}, dilation={dilation})"
                    )
                    size = grown
                else:
                    calls.append(f"Conv{rank}d({channels}, {width}, 1, groups={groups})")
            else:
                pad = rng.randint(0, kernel // 2 + 1)
                shrunk = [(n + 2 * pad - dilation * (kernel - 1) - 1) // stride + 1 for n in size]
                if min(shrunk) >= 1:
                    calls.append(
                        f"Conv{rank}d({channels}, {width}, {kernel}, stride={stride}, padding={pad}, "
                        f"dilation={dilation}, groups={groups}, bias={bias})"
                    )
                    size = shrunk
                else:
                    calls.append(f"Conv{rank}d({channels}, {width}, 1, groups={groups})")
            calls.append(rng.choice((f"BatchNorm{rank}d({width})", f"InstanceNorm{rank}d({width}, affine=True)", "ReLU()")))
            channels = width
        stacks.append((shape, calls))
    return stacks


RANDOM = random_stacks(16)


def torch_stack(calls: list[str]) -> Any:
    return nn.Sequential(*(eval(call, dict(vars(nn))) for call in calls)).eval()  # the test's own literal calls


def run_case(shape: tuple[int, ...], calls: list[str], batch: int | None) -> None:
    report = summarize(spec("pytorch", shape, calls, batch))
    result = costs(report)
    model = torch_stack(calls)
    x = torch.zeros(batch or 1, *shape)
    with torch.no_grad():
        model(x)  # Lazy modules take their sizes
    analysis = fvcore(model, (x,))
    by_module = analysis.by_module()
    found = [layer.macs for layer in result.layers]
    expected = [by_module[str(i)] for i in range(len(calls))]
    assert found == expected, "\n".join(f"{c}: convcalc {f}, fvcore {e}" for c, f, e in zip(calls, found, expected) if f != e)
    assert result.macs == analysis.total()


@pytest.mark.parametrize("batch", [None, 3])
@pytest.mark.parametrize("case", STACKS, ids=[f"stack{i}" for i in range(len(STACKS))])
def test_pytorch_stack_matches_fvcore(case: tuple[tuple[int, ...], list[str]], batch: int | None) -> None:
    run_case(*case, batch)


@pytest.mark.parametrize("case", RANDOM, ids=[f"random{i}" for i in range(len(RANDOM))])
def test_random_convolution_stack_matches_fvcore(case: tuple[tuple[int, ...], list[str]]) -> None:
    run_case(*case, 2)


# --- Recurrent layers: fvcore counts aten::lstm as 0; the recurrence written with F.linear


class Unrolled(nn.Module):
    """`rnn`'s forward pass written out: per layer, direction and step, F.linear(x_t, W_ih),
    F.linear(h, W_hh) and, with proj_size, F.linear(h, W_hr): the products of the cell
    equations in torch.nn.LSTM/GRU/RNN's docs. The gates' element-wise arithmetic is elided;
    fvcore would not count it."""

    def __init__(self, rnn: Any) -> None:
        super().__init__()
        self.rnn = rnn

    def forward(self, x: Any) -> Any:
        rnn = self.rnn
        unbatched = x.dim() == 2
        x = x.unsqueeze(1) if unbatched else x
        x = x if rnn.batch_first else x.transpose(0, 1)  # (N, L, features)
        length = x.shape[1]
        for layer in range(rnn.num_layers):
            directions = []
            for suffix in ("", "_reverse")[: 2 if rnn.bidirectional else 1]:
                w_ih = getattr(rnn, f"weight_ih_l{layer}{suffix}")
                w_hh = getattr(rnn, f"weight_hh_l{layer}{suffix}")
                w_hr = getattr(rnn, f"weight_hr_l{layer}{suffix}", None)
                h = x.new_zeros(x.shape[0], w_hh.shape[1])
                steps = []
                for t in range(length) if not suffix else reversed(range(length)):
                    gates = F.linear(x[:, t], w_ih) + F.linear(h, w_hh)
                    h = torch.tanh(gates[:, : rnn.hidden_size])
                    if w_hr is not None:
                        h = F.linear(h, w_hr)
                    steps.append(h)
                directions.append(torch.stack(steps, 1))
            x = torch.cat(directions, -1)
        return x


RECURRENT = [
    ((5, 2, 3), "LSTM(3, 4)"),
    ((5, 2, 3), "GRU(3, 4)"),
    ((5, 2, 3), "RNN(3, 4)"),
    ((2, 5, 3), "LSTM(3, 6, num_layers=2, batch_first=True, bidirectional=True)"),
    ((2, 5, 3), "LSTM(3, 6, proj_size=2, num_layers=2, batch_first=True)"),
    ((7, 3), "GRU(3, 5, num_layers=3, bidirectional=True, bias=False)"),
    ((4, 3, 8), "RNN(8, 8, nonlinearity='relu', num_layers=2)"),
]


@pytest.mark.parametrize(("shape", "call"), RECURRENT)
def test_recurrent_layers_count_their_unrolled_products(shape: tuple[int, ...], call: str) -> None:
    rnn = eval(call, dict(vars(nn))).eval()
    x = torch.zeros(shape)
    assert fvcore(rnn, (x,)).total() == 0  # fvcore has no handler for aten::lstm / gru / rnn_*
    expected = fvcore(Unrolled(rnn), (x,)).total()
    report = summarize(json.dumps({"framework": "pytorch", "batch": shape[0], "input": list(shape[1:]), "layers": [call]}))
    assert costs(report).macs == expected


# --- Attention and Transformer layers

ATTENTION = [  # a spec's inputs share its batch (the first dimension): sequence-first inputs share L
    ([(5, 2, 8)], "MultiheadAttention(8, 2)"),
    ([(2, 5, 8), (2, 7, 8), (2, 7, 8)], "MultiheadAttention(8, 4, batch_first=True)"),
    ([(2, 5, 8), (2, 6, 3), (2, 6, 5)], "MultiheadAttention(8, 2, kdim=3, vdim=5, batch_first=True)"),
    ([(5, 2, 8)], "MultiheadAttention(8, 2, add_bias_kv=True, add_zero_attn=True)"),
    ([(5, 8), (5, 8), (5, 8)], "MultiheadAttention(8, 1, bias=False)"),
    ([(5, 2, 8)], "TransformerEncoderLayer(8, 2, 16)"),
    ([(2, 5, 8)], "TransformerEncoderLayer(8, 2, 16, batch_first=True, norm_first=True, bias=False)"),
    ([(5, 2, 8), (5, 2, 8)], "TransformerDecoderLayer(8, 2, 16)"),
    ([(2, 5, 8), (2, 7, 8)], "TransformerDecoderLayer(8, 2, 16, batch_first=True)"),
    ([(5, 2, 8)], "TransformerEncoder(TransformerEncoderLayer(8, 2, 16), 2, norm=LayerNorm(8))"),
    ([(2, 5, 8), (2, 7, 8)], "TransformerDecoder(TransformerDecoderLayer(8, 2, 12, batch_first=True), 2)"),
    ([(2, 6, 8), (2, 5, 8)], "Transformer(8, 2, 2, 1, 16, batch_first=True)"),
]


def multi_input_spec(framework: str, shapes: list[tuple[int, ...]], call: str) -> str:
    """A one-layer spec taking inputs in0, in1...; the first dimension is the spec's batch."""
    names = [f"in{i}" for i in range(len(shapes))]
    layer = call[:-1] + f", inputs={names!r})"
    return json.dumps(
        {
            "framework": framework,
            "batch": shapes[0][0],
            "inputs": {n: list(s[1:]) for n, s in zip(names, shapes)},
            "layers": [layer],
        }
    )


@pytest.mark.parametrize(("shapes", "call"), ATTENTION)
def test_attention_matches_fvcore_with_attention_products(shapes: list[tuple[int, ...]], call: str) -> None:
    module = eval(call, dict(vars(nn))).eval()
    tensors = tuple(torch.zeros(s) for s in shapes)
    if call.startswith("MultiheadAttention") and len(tensors) == 1:
        tensors = tensors * 3
    analysis = fvcore(module, tensors)
    expected = analysis.total()
    assert "aten::_transformer_encoder_layer_fwd" not in analysis.unsupported_ops()  # the fast path runs no products fvcore sees
    assert costs(summarize(multi_input_spec("pytorch", shapes, call))).macs == expected


# --- Keras 3 layers on the torch backend, counted by fvcore directly

KERAS = [
    ((2, 12, 12, 3), "Conv2D(8, 3)"),
    ((2, 12, 12, 3), "Conv2D(8, 3, strides=2, padding='same', use_bias=False)"),
    ((2, 3, 12, 12), "Conv2D(8, 3, data_format='channels_first')"),
    ((2, 20, 3), "Conv1D(4, 5, dilation_rate=2, padding='causal')"),
    ((2, 6, 7, 8, 2), "Conv3D(4, 3)"),
    ((2, 12, 12, 4), "Conv2D(8, 3, groups=2)"),
    ((2, 7, 3), "Conv1DTranspose(4, 3, strides=2)"),
    ((2, 5, 6, 3), "Conv2DTranspose(4, 3, strides=2, padding='same')"),
    ((2, 12, 12, 3), "DepthwiseConv2D(3, depth_multiplier=2)"),
    ((2, 12, 12, 3), "SeparableConv2D(5, 3, strides=2, padding='same')"),
    ((2, 20, 3), "SeparableConv1D(5, 3, depth_multiplier=2)"),
    ((2, 4, 3), "Dense(5)"),
    ((2, 4, 6, 3), "Dense(5, lora_rank=2)"),
    ((2, 8, 8, 3), "Conv2D(4, 3, lora_rank=2)"),
    ((2, 5, 3), "LSTM(4)"),
    ((2, 5, 3), "GRU(4, return_sequences=True)"),
    ((2, 5, 3), "Bidirectional(LSTM(4, return_sequences=True))"),
    ((2, 3, 5), "TimeDistributed(Dense(4))"),
    ((2, 6, 6, 4), "LayerNormalization()"),
    ((2, 5, 6, 3), "UpSampling2D(interpolation='bilinear')"),
    ((2, 5, 8), "MultiHeadAttention(2, 3)"),
    ((2, 5, 8), "MultiHeadAttention(2, 3, value_dim=4, output_shape=6, use_bias=False)"),
]


def keras_model(shapes: list[tuple[int, ...]], call: str) -> Any:
    keras = pytest.importorskip("keras")
    inputs = [keras.Input(s[1:]) for s in shapes]
    layer = eval(call, dict(vars(keras.layers)))
    if call.startswith("MultiHeadAttention"):
        output = layer(inputs[0], inputs[-1]) if len(inputs) > 1 else layer(inputs[0], inputs[0])
    else:
        output = layer(inputs if len(inputs) > 1 else inputs[0])
    return keras.Model(inputs, output)


@pytest.mark.parametrize(("shape", "call"), KERAS)
def test_keras_layer_on_torch_matches_fvcore(shape: tuple[int, ...], call: str) -> None:
    model = keras_model([shape], call)
    expected = fvcore(model, (torch.zeros(shape),)).total()
    report = summarize(json.dumps({"framework": "keras", "batch": shape[0], "input": list(shape[1:]), "layers": [call]}))
    assert costs(report).macs == expected


def test_keras_dot_matches_fvcore() -> None:
    """Dot(axes=2) of (2, 5, 3) and (2, 7, 3) is a batched matmul: 2 x 5 x 7 x 3."""
    model = keras_model([(2, 5, 3), (2, 7, 3)], "Dot(axes=2)")
    expected = fvcore(model, ([torch.zeros(2, 5, 3), torch.zeros(2, 7, 3)],)).total()
    assert costs(summarize(multi_input_spec("keras", [(2, 5, 3), (2, 7, 3)], "Dot(axes=2)"))).macs == expected == 210


# Keras layers whose torch-backend code is element-wise (fvcore counts it 0), counted as the
# PyTorch module that does the same: (input shape, Keras call, torch call on channels_first)
COUNTERPARTS = [
    ((2, 6, 6, 4), "BatchNormalization()", "BatchNorm2d(4)"),
    ((2, 6, 6, 4), "BatchNormalization(scale=False, center=False)", "BatchNorm2d(4, affine=False)"),
    ((2, 6, 6, 4), "GlobalAveragePooling2D()", "AdaptiveAvgPool2d(1)"),
    ((2, 5, 6, 3), "UpSampling2D()", "Upsample(scale_factor=2)"),
    ((2, 5, 6, 3), "UpSampling2D((2, 3))", "Upsample(scale_factor=(2, 3))"),
    ((2, 6, 6, 4), "GroupNormalization(2)", "GroupNorm(2, 4)"),
]


@pytest.mark.parametrize(("shape", "keras_call", "torch_call"), COUNTERPARTS)
def test_keras_layer_counts_as_its_pytorch_counterpart(shape: tuple[int, ...], keras_call: str, torch_call: str) -> None:
    channels_first = (shape[0], shape[-1], *shape[1:-1])
    expected = fvcore(torch_stack([torch_call]), (torch.zeros(channels_first),)).total()
    report = summarize(json.dumps({"framework": "keras", "batch": shape[0], "input": list(shape[1:]), "layers": [keras_call]}))
    assert costs(report).macs == expected > 0


# --- The bundled PyTorch specs against the same networks built in tests/conformance


@pytest.fixture(scope="module")
def torch_models() -> Any:
    sys.path.insert(0, str(Path(__file__).parent))
    import test_torch_models

    return test_torch_models.MODELS


@pytest.mark.parametrize(
    "name",
    [
        "pytorch-alexnet.yaml",
        "pytorch-vgg16.yaml",
        "pytorch-resnet18.yaml",
        "pytorch-resnet50.yaml",
        "pytorch-mobilenet_v2.yaml",
        "pytorch-unet.yaml",
    ],
)
def test_bundled_spec_matches_fvcore_on_the_torch_network(name: str, torch_models: Any) -> None:
    build, shape, _ = torch_models[name]
    model = build().eval()
    expected = fvcore(model, (torch.zeros(1, *shape),)).total()
    report = summarize((SPECS / name).read_text(), name)
    assert costs(report).macs == expected


# torchvision's documented "GFLOPS" (pytorch.org/vision/stable/models/generated/torchvision.models.
# resnet50.html, resnet18.html, mobilenet_v2.html, the IMAGENET1K_V1 weights) count the
# convolutions and the classifier only: convcalc's conv + Linear MACs round to them.
TORCHVISION_GFLOPS = {"pytorch-resnet50.yaml": 4.09, "pytorch-resnet18.yaml": 1.81, "pytorch-mobilenet_v2.yaml": 0.30}


@pytest.mark.parametrize("name", sorted(TORCHVISION_GFLOPS))
def test_convolutions_and_classifier_give_torchvisions_published_gflops(name: str) -> None:
    report = summarize((SPECS / name).read_text(), name)
    result = costs(report)
    weighted = sum(c.macs or 0 for row, c in zip(report.rows, result.layers) if row.type in ("Conv2d", "Linear"))
    assert round(weighted / 1e9, 2) == TORCHVISION_GFLOPS[name]


def test_resnet50_is_4_1_gmacs_by_fvcore(torch_models: Any) -> None:
    """The figure usually quoted for ResNet-50 at 224 x 224 (about 4.1 G), by fvcore on the
    torch network: convolutions 4.089 G plus batch norm, pooling and fc."""
    build, shape, _ = torch_models["pytorch-resnet50.yaml"]
    total = fvcore(build().eval(), (torch.zeros(1, *shape),)).total()
    assert round(total / 1e9, 1) == 4.1
    assert costs(summarize((SPECS / "pytorch-resnet50.yaml").read_text())).macs == total


def test_gpt2_and_bert_match_fvcore_on_the_torch_networks() -> None:
    """GPT-2 small at 1,024 tokens and BERT-base at 512, built module by module in
    test_transformers.py. fvcore runs with autograd on: under torch.no_grad() MultiheadAttention
    takes its fused fast path, whose projections and products fvcore does not see. GPT-2's
    causal mask makes QK^T a baddbmm, counted here as fvcore counts bmm."""
    sys.path.insert(0, str(Path(__file__).parent))
    import test_transformers

    positions = torch.arange(1024)[None]
    gpt2 = fvcore(test_transformers.GPT2().eval(), (torch.zeros(1, 1024, dtype=torch.long), positions)).total()
    assert costs(summarize((SPECS / "gpt2-small.yaml").read_text())).macs == gpt2
    tokens = torch.zeros(1, 512, dtype=torch.long)
    bert = fvcore(test_transformers.Bert().eval(), (tokens, tokens, torch.arange(512)[None])).total()
    assert costs(summarize((SPECS / "bert-base.yaml").read_text())).macs == bert
