"""The PyTorch vocabulary, family by family: output shapes, parameter names and shapes, and the
inputs torch rejects.

Every expected value below was read from real torch 2.13.0 (CPU): the module built with the
same arguments and called on `torch.zeros((2, *input))` in its default (training) mode, its
`output.shape` and `named_parameters()` recorded; an error case is one where torch raised at
construction or at call, or returned an empty tensor (which convcalc rejects by design). No
torch here: the live comparison is the conformance suite's job.
"""

from __future__ import annotations

import json

import pytest

from convcalc import summarize
from convcalc.errors import SpecError
from convcalc.frameworks.pytorch import PYTORCH
from convcalc.frameworks.signatures import PYTORCH as SIGNATURES
from convcalc.report import Row


def spec(layers: list[str], input_shape: tuple[int | None, ...], batch: int | None = 2) -> str:
    lines = ["framework: pytorch", f"input: {json.dumps(list(input_shape))}", f"batch: {json.dumps(batch)}", "layers:"]
    return "\n".join(lines + [f"  - {json.dumps(layer)}" for layer in layers]) + "\n"


def row(layer: str, input_shape: tuple[int | None, ...], batch: int | None = 2) -> Row:
    return summarize(spec([layer], input_shape, batch)).rows[0]


def rejection(layer: str, input_shape: tuple[int | None, ...], batch: int | None = 2) -> tuple[str, str]:
    """The code and the text (message and hint) of the error convcalc raises."""
    with pytest.raises(SpecError) as caught:
        summarize(spec([layer], input_shape, batch))
    found = caught.value.diagnostic
    return found.code, f"{found.message} ({found.hint})"


# (layer, input without batch, torch's output without batch, torch's named_parameters)
SHAPES: list[tuple[str, tuple[int, ...], tuple[int, ...], dict[str, tuple[int, ...]]]] = [
    # Convolutions: 'same' with even kernels and dilation pads d(k-1) in total, the odd one right
    ("Conv2d(3, 8, 4, padding='same')", (3, 7, 7), (8, 7, 7), {"weight": (8, 3, 4, 4), "bias": (8,)}),
    ("Conv2d(3, 8, 4, padding='same', dilation=2)", (3, 7, 7), (8, 7, 7), {"weight": (8, 3, 4, 4), "bias": (8,)}),
    ("Conv2d(3, 8, 5, padding='same')", (3, 2, 2), (8, 2, 2), {"weight": (8, 3, 5, 5), "bias": (8,)}),
    ("Conv2d(3, 8, 3, padding='valid', stride=2)", (3, 7, 7), (8, 3, 3), {"weight": (8, 3, 3, 3), "bias": (8,)}),
    ("Conv2d(3, 8, 5, padding='same', padding_mode='reflect')", (3, 3, 3), (8, 3, 3), {"weight": (8, 3, 5, 5), "bias": (8,)}),
    ("Conv2d(3, 8, 5, padding='same', padding_mode='circular')", (3, 2, 2), (8, 2, 2), {"weight": (8, 3, 5, 5), "bias": (8,)}),
    ("Conv2d(3, 8, 5, padding='same', padding_mode='replicate')", (3, 1, 1), (8, 1, 1), {"weight": (8, 3, 5, 5), "bias": (8,)}),
    ("Conv2d(3, 8, 3, padding=2, padding_mode='circular')", (3, 2, 2), (8, 4, 4), {"weight": (8, 3, 3, 3), "bias": (8,)}),
    ("Conv1d(3, 8, 3, stride=2, padding_mode='reflect', padding=1)", (3, 5), (8, 3), {"weight": (8, 3, 3), "bias": (8,)}),
    ("Conv3d(4, 6, (1, 2, 3), groups=2, bias=False)", (4, 3, 4, 5), (6, 3, 3, 3), {"weight": (6, 2, 1, 2, 3)}),
    ("ConvTranspose2d(3, 8, 3, stride=2, output_padding=1)", (3, 5, 5), (8, 12, 12), {"weight": (3, 8, 3, 3), "bias": (8,)}),
    (
        "ConvTranspose2d(3, 8, 3, stride=1, dilation=2, output_padding=1)",
        (3, 5, 5),
        (8, 10, 10),
        {"weight": (3, 8, 3, 3), "bias": (8,)},
    ),
    ("ConvTranspose2d(3, 8, 3, padding=1)", (3, 1, 1), (8, 1, 1), {"weight": (3, 8, 3, 3), "bias": (8,)}),
    ("ConvTranspose2d(4, 8, 3, groups=2)", (4, 5, 5), (8, 7, 7), {"weight": (4, 4, 3, 3), "bias": (8,)}),
    ("LazyConv2d(8, 3, groups=2)", (4, 7, 7), (8, 5, 5), {"weight": (8, 2, 3, 3), "bias": (8,)}),
    ("LazyConvTranspose2d(8, 3, stride=2)", (3, 7, 7), (8, 15, 15), {"weight": (3, 8, 3, 3), "bias": (8,)}),
    # Linear, Flatten, Unflatten, Identity
    ("Linear(4, 5)", (3, 4), (3, 5), {"weight": (5, 4), "bias": (5,)}),
    ("Linear(4, 5, bias=False)", (4,), (5,), {"weight": (5, 4)}),
    ("LazyLinear(5)", (3, 4), (3, 5), {"weight": (5, 4), "bias": (5,)}),
    ("Flatten(2)", (3, 4, 5), (3, 20), {}),
    ("Flatten(1, 2)", (3, 4, 5), (12, 5), {}),
    ("Flatten(3, 3)", (3, 4, 5), (3, 4, 5), {}),
    ("Unflatten(1, (2, -1))", (10,), (2, 5), {}),
    ("Unflatten(-1, (2, 5))", (3, 10), (3, 2, 5), {}),
    ("Unflatten(-2, [3, 1])", (3, 10), (3, 1, 10), {}),
    ("Identity(54, unused_argument1=0.1)", (4,), (4,), {}),
    # Pooling: stride defaults to kernel_size; ceil_mode may fit a window larger than the input
    ("MaxPool2d(2)", (3, 7, 7), (3, 3, 3), {}),
    ("MaxPool2d(2, ceil_mode=True)", (3, 7, 7), (3, 4, 4), {}),
    ("MaxPool2d(3, stride=2, padding=1)", (3, 112, 112), (3, 56, 56), {}),
    ("MaxPool2d(3, stride=2, ceil_mode=True, padding=1)", (3, 6, 6), (3, 4, 4), {}),
    ("MaxPool2d((2, 3), stride=(1, 2))", (3, 7, 7), (3, 6, 3), {}),
    ("MaxPool2d((2, 4), padding=(1, 2), dilation=3)", (3, 7, 7), (3, 3, 1), {}),
    ("MaxPool1d(2, stride=2, padding=1, ceil_mode=True)", (3, 5), (3, 3), {}),  # a last window in the padding is dropped
    ("AvgPool2d(2, stride=2, padding=1, ceil_mode=True)", (3, 5, 4), (3, 3, 3), {}),
    ("MaxPool1d(3, ceil_mode=True)", (3, 1), (3, 1), {}),
    ("MaxPool1d(3, stride=2, ceil_mode=True)", (3, 2), (3, 1), {}),
    ("MaxPool2d(2)", (7, 7), (3, 3), {}),  # torch's unbatched (C, H, W) form: the same arithmetic
    ("AvgPool1d(5, padding=2)", (3, 7), (3, 2), {}),
    ("AvgPool2d(3, ceil_mode=True)", (3, 2, 2), (3, 1, 1), {}),
    ("AvgPool2d(2, stride=[])", (3, 7, 7), (3, 3, 3), {}),
    ("AvgPool3d(4, padding=2)", (3, 7, 7, 7), (3, 2, 2, 2), {}),
    ("LPPool1d(2, 3, ceil_mode=True, stride=2)", (3, 8), (3, 4), {}),
    ("LPPool2d(2, 3, stride=2)", (3, 8, 8), (3, 3, 3), {}),
    ("LPPool3d(1, 2)", (3, 4, 4, 4), (3, 2, 2, 2), {}),
    ("AdaptiveAvgPool2d((None, 3))", (3, 7, 7), (3, 7, 3), {}),
    ("AdaptiveAvgPool2d((5, 3))", (3, 2, 2), (3, 5, 3), {}),
    ("AdaptiveAvgPool1d(4)", (3, 7), (3, 4), {}),
    ("AdaptiveMaxPool3d((None, 2, None))", (3, 4, 5, 6), (3, 4, 2, 6), {}),
    ("AdaptiveMaxPool2d([2, 3])", (3, 7, 7), (3, 2, 3), {}),
    # Padding: last dim first; negative amounts crop; a short tuple pads only the last dims
    ("ZeroPad2d(1)", (3, 5, 5), (3, 7, 7), {}),
    ("ZeroPad2d((1, 2))", (3, 5, 5), (3, 5, 8), {}),
    ("ZeroPad2d((1, 2, 3, 4, 5, 6))", (3, 5, 5), (14, 12, 8), {}),
    ("ZeroPad2d((-1, -2, 3, 4))", (3, 5, 5), (3, 12, 2), {}),
    ("ZeroPad1d(2)", (3, 5, 5), (3, 5, 9), {}),
    ("ConstantPad2d((1, 2, 3, 4), 0)", (3, 5, 5), (3, 12, 8), {}),
    ("ConstantPad2d(1, None)", (4, 7, 7), (4, 9, 9), {}),
    ("ReflectionPad2d(2)", (3, 3, 3), (3, 7, 7), {}),
    ("ReflectionPad2d((-1, -1, 2, 2))", (3, 3, 3), (3, 7, 1), {}),
    ("ReflectionPad1d((-3, 1))", (3, 3), (3, 1), {}),
    ("ReflectionPad1d((1, 1, 1, 1))", (3, 5, 5), (3, 7, 7), {}),
    ("ReplicationPad2d(5)", (3, 1, 1), (3, 11, 11), {}),
    ("ReplicationPad3d(2)", (3, 2, 5, 5), (3, 6, 9, 9), {}),
    ("CircularPad2d(3)", (3, 3, 3), (3, 9, 9), {}),
    ("CircularPad1d((-2, 3))", (3, 3), (3, 4), {}),
    # Normalization: running statistics are buffers, not parameters
    ("BatchNorm1d(3)", (3,), (3,), {"weight": (3,), "bias": (3,)}),
    ("BatchNorm1d(3, bias=False)", (3, 7), (3, 7), {"weight": (3,)}),
    ("BatchNorm1d(3, affine=False)", (3, 7), (3, 7), {}),
    ("BatchNorm1d(3, affine=False, track_running_stats=False)", (4, 7), (4, 7), {}),
    ("BatchNorm2d(3, track_running_stats=False)", (3, 7, 7), (3, 7, 7), {"weight": (3,), "bias": (3,)}),
    ("BatchNorm3d(3)", (3, 4, 7, 7), (3, 4, 7, 7), {"weight": (3,), "bias": (3,)}),
    ("LazyBatchNorm2d()", (3, 7, 7), (3, 7, 7), {"weight": (3,), "bias": (3,)}),
    ("SyncBatchNorm(3)", (3,), (3,), {"weight": (3,), "bias": (3,)}),
    ("InstanceNorm1d(3)", (3, 7), (3, 7), {}),
    ("InstanceNorm1d(3)", (4, 7), (4, 7), {}),  # without affine or running stats torch only warns
    ("InstanceNorm1d(2, affine=True)", (7,), (7,), {"weight": (2,), "bias": (2,)}),  # unbatched (C, L): C is dim 0
    ("InstanceNorm2d(3, affine=True, bias=False)", (3, 7, 7), (3, 7, 7), {"weight": (3,)}),
    ("InstanceNorm3d(3, affine=True)", (3, 4, 5, 6), (3, 4, 5, 6), {"weight": (3,), "bias": (3,)}),
    ("LazyInstanceNorm2d()", (3, 7, 7), (3, 7, 7), {"weight": (3,), "bias": (3,)}),
    ("LayerNorm(7)", (3, 7), (3, 7), {"weight": (7,), "bias": (7,)}),
    ("LayerNorm([3, 7])", (3, 7), (3, 7), {"weight": (3, 7), "bias": (3, 7)}),
    ("LayerNorm([2, 3, 7])", (3, 7), (3, 7), {"weight": (2, 3, 7), "bias": (2, 3, 7)}),
    ("LayerNorm(7, bias=False)", (3, 7), (3, 7), {"weight": (7,)}),
    ("LayerNorm(7, elementwise_affine=False)", (3, 7), (3, 7), {}),
    ("RMSNorm([3, 7])", (3, 7), (3, 7), {"weight": (3, 7)}),
    ("GroupNorm(2, 4)", (4, 7, 7), (4, 7, 7), {"weight": (4,), "bias": (4,)}),
    ("GroupNorm(2, 4)", (4,), (4,), {"weight": (4,), "bias": (4,)}),
    ("GroupNorm(2, 4, bias=False)", (4, 7, 7), (4, 7, 7), {"weight": (4,)}),
    ("GroupNorm(2, 6, affine=False)", (4, 7, 7), (4, 7, 7), {}),
    ("LocalResponseNorm(2)", (4, 7, 7, 7), (4, 7, 7, 7), {}),
    ("CrossMapLRN2d(3)", (4, 7, 7), (4, 7, 7), {}),
    # Dropout and kin keep the shape
    ("Dropout(1)", (3, 7, 7), (3, 7, 7), {}),
    ("Dropout1d()", (3, 7), (3, 7), {}),
    ("Dropout2d()", (3,), (3,), {}),
    ("Dropout3d()", (3, 7), (3, 7), {}),
    ("AlphaDropout(0.2)", (3,), (3,), {}),
    ("FeatureAlphaDropout(0.2)", (3, 4), (3, 4), {}),
    # Activations keep the shape, except GLU; PReLU has one slope or one per channel
    ("PReLU()", (3, 7, 7), (3, 7, 7), {"weight": (1,)}),
    ("PReLU(3)", (3, 7, 7), (3, 7, 7), {"weight": (3,)}),
    ("PReLU(3)", (3,), (3,), {"weight": (3,)}),
    ("GLU()", (4,), (2,), {}),
    ("GLU(1)", (4, 5), (2, 5), {}),
    ("GLU(-2)", (4, 5), (2, 5), {}),
    ("Softmax(1)", (4, 5), (4, 5), {}),
    ("Softmax()", (4, 5), (4, 5), {}),
    ("LogSoftmax(-1)", (4, 5), (4, 5), {}),
    ("Softmax2d()", (4, 5), (4, 5), {}),
    ("Hardtanh(min_value=-2)", (4,), (4,), {}),
    ("GELU('tanh')", (4,), (4,), {}),
    ("ELU(-1)", (4,), (4,), {}),
    ("RReLU(0.1, 0.5)", (4,), (4,), {}),
    ("Threshold(0.1, 20)", (4,), (4,), {}),
    ("Hardshrink(-1)", (4,), (4,), {}),
    # Resampling: floor(L * scale_factor); pixel and channel shuffles
    ("Upsample(scale_factor=2)", (3, 7, 7), (3, 14, 14), {}),
    ("Upsample(scale_factor=1.5)", (3, 7, 7), (3, 10, 10), {}),
    ("Upsample(scale_factor=1.1)", (3, 7), (3, 7), {}),
    ("Upsample(scale_factor=(2, 1.5, 0.5))", (3, 7, 7, 7), (3, 14, 10, 3), {}),
    ("Upsample(size=(5, 9))", (3, 7, 7), (3, 5, 9), {}),
    ("Upsample(size=5)", (3, 7, 7), (3, 5, 5), {}),
    ("Upsample(scale_factor=2, mode='linear')", (3, 7), (3, 14), {}),
    ("Upsample(scale_factor=2, mode='bilinear', align_corners=True)", (3, 7, 7), (3, 14, 14), {}),
    ("Upsample(scale_factor=2, mode='trilinear')", (3, 7, 7, 7), (3, 14, 14, 14), {}),
    ("Upsample(scale_factor=1.5, mode='area')", (3, 7, 7), (3, 10, 10), {}),
    ("Upsample(scale_factor=1.5, recompute_scale_factor=True)", (3, 7, 7), (3, 10, 10), {}),
    ("UpsamplingNearest2d(scale_factor=2)", (3, 7, 7, 7), (3, 14, 14, 14), {}),
    ("UpsamplingBilinear2d(scale_factor=2.5)", (3, 7, 7), (3, 17, 17), {}),
    ("PixelShuffle(2)", (12, 7, 7), (3, 14, 14), {}),
    ("PixelShuffle(2)", (3, 12, 7, 7), (3, 3, 14, 14), {}),
    ("PixelUnshuffle(2)", (3, 8, 6), (12, 4, 3), {}),
    ("ChannelShuffle(2)", (4, 3), (4, 3), {}),
]


@pytest.mark.parametrize(("layer", "input_shape", "output", "weights"), SHAPES, ids=[f"{c[0]}@{c[1]}" for c in SHAPES])
def test_output_shape_and_parameters_match_torch(
    layer: str, input_shape: tuple[int, ...], output: tuple[int, ...], weights: dict[str, tuple[int, ...]]
) -> None:
    built = row(layer, input_shape)
    assert built.output_shape == (2, *output)
    assert {w.name: w.shape for w in built.weights} == weights
    assert [w.name for w in built.weights] == list(weights)  # torch's registration order
    assert all(w.trainable for w in built.weights)
    assert built.params == sum(w.size for w in built.weights)


# (layer, input without batch, code, a fragment of the message); torch rejects each of these
ERRORS: list[tuple[str, tuple[int, ...], str, str]] = [
    # Convolutions
    ("Conv2d(4, 8, 3)", (3, 8, 8), "CC201", "in_channels=4 but the incoming shape has 3"),
    ("Conv2d(3, 8, 3, groups=0)", (3, 8, 8), "CC105", "groups must be an integer >= 1"),
    ("Conv2d(3, 8, 3, padding='SAME')", (3, 8, 8), "CC105", "padding must be 'valid', 'same'"),
    ("Conv2d(3, 8, 3, padding='same', stride=2)", (3, 8, 8), "CC105", "not supported for strided"),
    ("Conv2d(3, 8, 3, padding_mode='foo')", (3, 8, 8), "CC105", "padding_mode must be one of"),
    ("Conv2d(3, 8, 3, padding_mode='Zeros')", (3, 8, 8), "CC105", "padding_mode must be one of"),
    ("Conv2d(3, 8, 5, padding='same', padding_mode='reflect')", (3, 2, 2), "CC200", "reflect padding (2, 2)"),
    ("Conv2d(3, 8, 3, padding=3, padding_mode='circular')", (3, 2, 2), "CC200", "wraps around more than once"),
    ("Conv2d(3, 8, 3)", (3, 2, 2), "CC200", "the kernel spans 3"),
    ("Conv2d(3, 8, 3, padding=-1)", (3, 5, 5), "CC105", "padding must be"),
    ("Conv2d(3, 8, 3, padding=(1, 2, 3))", (3, 5, 5), "CC105", "padding must be"),
    ("ConvTranspose2d(3, 8, 3, padding_mode='reflect')", (3, 5, 5), "CC105", "only padding_mode='zeros'"),
    ("ConvTranspose2d(3, 8, 3, padding='same')", (3, 5, 5), "CC105", "padding must be an integer"),
    ("ConvTranspose2d(3, 8, 3, stride=1, output_padding=1)", (3, 5, 5), "CC105", "smaller than either stride"),
    ("ConvTranspose2d(3, 8, 3, stride=2, output_padding=2)", (3, 5, 5), "CC105", "smaller than either stride"),
    ("ConvTranspose2d(3, 8, 3, padding=2)", (3, 1, 1), "CC200", "would be -1"),
    ("LazyConv2d(8, 3, groups=2)", (3, 7, 7), "CC200", "groups=2 must divide in_channels (3)"),
    # Linear, Flatten, Unflatten
    ("Linear(3, 5)", (4,), "CC201", "in_features=3 but the incoming shape has 4"),
    ("Flatten(2, 1)", (3, 4, 5), "CC200", "start_dim (2) comes after end_dim (1)"),
    ("Flatten(4)", (3, 4, 5), "CC200", "start_dim=4 is out of range"),
    ("Unflatten(1, (-1, -1))", (10,), "CC105", "only one dimension can be inferred"),
    ("Unflatten(1, (3, -1))", (10,), "CC200", "does not multiply to the size of dim 1 (10)"),
    ("Unflatten(1, (3, 4))", (10,), "CC200", "does not multiply"),
    ("Unflatten(1, 10)", (10,), "CC105", "unflattened_size must be"),
    ("Unflatten(1, ())", (10,), "CC105", "unflattened_size must be"),
    ("Unflatten(1, (2, 5.0))", (10,), "CC105", "unflattened_size must be"),
    ("Unflatten(1, (2, -2))", (10,), "CC105", "unflattened_size must be"),
    ("Unflatten(3, (2, 5))", (3, 10), "CC200", "dim=3 is out of range"),
    # Pooling: padding at most half the kernel (dilation aside); the window must fit
    ("MaxPool2d(3, padding=2)", (3, 7, 7), "CC105", "at most half of kernel_size"),
    ("MaxPool2d(3, padding=2, dilation=2)", (3, 7, 7), "CC105", "at most half of kernel_size"),
    ("MaxPool1d(1, padding=1, dilation=3)", (3, 7), "CC105", "at most half of kernel_size"),
    ("AvgPool1d(3, padding=2)", (3, 7), "CC105", "at most half of kernel_size"),
    ("MaxPool1d(3)", (3, 2), "CC200", "the output length would be 0"),
    ("MaxPool1d(3, stride=1, ceil_mode=True)", (3, 2), "CC200", "the output length would be 0"),
    ("MaxPool2d(5, stride=2, ceil_mode=True)", (3, 2, 2), "CC200", "the output length would be 0"),
    ("MaxPool2d(0)", (3, 7, 7), "CC105", "kernel_size must be"),
    ("MaxPool2d(2, stride=0)", (3, 7, 7), "CC105", "stride must be"),
    ("MaxPool2d(2, dilation=0)", (3, 7, 7), "CC105", "dilation must be"),
    ("MaxPool2d((2, 3, 4))", (3, 7, 7), "CC105", "kernel_size must be"),
    ("MaxPool2d(2)", (3, 4, 7, 7), "CC200", "expects a 4-D input"),
    ("AvgPool2d(2, divisor_override=0)", (3, 7, 7), "CC105", "divisor_override"),
    ("AvgPool3d(4, padding=1)", (3, 9, 6, 3), "CC200", "at least kernel_size"),  # avg_pool3d checks the unpadded input
    ("LPPool2d(2, 3)", (3, 2, 2), "CC200", "the output length would be 0"),
    ("LPPool1d(2, (3,))", (3, 7), "CC105", "kernel_size must be an integer"),
    ("LPPool2d(0, 3)", (3, 7, 7), "CC105", "norm_type must be a non-zero number"),
    ("AdaptiveAvgPool2d((2, 3, 4))", (3, 7, 7), "CC105", "output_size must be"),
    ("AdaptiveAvgPool2d(None)", (3, 7, 7), "CC105", "output_size must be"),
    ("AdaptiveAvgPool1d((None,))", (3, 7), "CC105", "output_size must be"),
    ("AdaptiveAvgPool2d((0, 3))", (3, 2, 2), "CC105", "output_size must be"),  # torch: an empty tensor
    ("AdaptiveAvgPool2d(2.5)", (3, 7, 7), "CC105", "output_size must be"),
    # Padding
    ("ZeroPad2d((1, 2, 3))", (3, 5, 5), "CC105", "even length"),
    ("ZeroPad2d((1, 2, 3, 4, 5, 6, 7, 8, 9, 10))", (3, 5, 5), "CC105", "at most 8 amounts"),
    ("ZeroPad2d((-3, -3, 3, 4))", (3, 5, 5), "CC200", "crops more than the size 5"),
    ("ZeroPad1d((5, -3))", (3, 1), "CC200", "crops more than the size 1"),  # torch crops first
    ("ZeroPad2d((-3, -2, 3, 4))", (3, 5, 5), "CC200", "the result would be 0"),  # torch: an empty tensor
    ("ZeroPad2d(1.5)", (3, 5, 5), "CC105", "padding must be"),
    ("ConstantPad2d(1, 'a')", (3, 5, 5), "CC105", "value must be a number"),
    ("ReflectionPad2d(3)", (3, 3, 3), "CC200", "reflect padding (3, 3) must be smaller than the size 3"),
    ("ReflectionPad2d((1, 2))", (3, 5, 5), "CC200", "needs a 2-D or 3-D input"),
    ("ReflectionPad1d(2)", (3, 5, 5), "CC200", "needs a 2-D or 3-D input"),
    ("ReflectionPad2d(1)", (3, 5, 5, 5), "CC200", "needs a 3-D or 4-D input"),
    ("ReflectionPad1d((-2, -1))", (3, 3), "CC200", "the result would be 0"),
    ("ReplicationPad2d((-3, -3, 2, 2))", (3, 5, 5), "CC200", "the result would be -1"),
    ("CircularPad2d(4)", (3, 3, 3), "CC200", "wraps around more than once"),
    ("CircularPad1d((-4, 3))", (3, 3), "CC200", "wraps around more than once"),
    ("CircularPad1d(2)", (3, 5, 5), "CC200", "expects a 2-D or 3-D input"),
    # Normalization
    ("BatchNorm1d(3)", (4, 7), "CC201", "num_features=3 but the incoming shape has 4"),
    ("BatchNorm2d(3, affine=False)", (4, 7, 7), "CC201", "num_features=3"),  # the running stats still size it
    ("BatchNorm1d(3)", (3, 7, 7), "CC200", "expects a 2-D or 3-D input"),
    ("BatchNorm2d(3)", (3, 7), "CC200", "expects a 4-D input"),
    ("InstanceNorm1d(3, affine=True)", (4, 7), "CC201", "num_features=3 but the incoming shape has 4"),
    ("InstanceNorm1d(3, track_running_stats=True)", (4, 7), "CC201", "num_features=3"),
    ("InstanceNorm2d(3)", (3, 1, 1), "CC200", "more than one spatial position"),
    ("InstanceNorm1d(3, affine=True)", (7,), "CC201", "num_features=3 but the incoming shape has 2"),
    ("InstanceNorm1d(3)", (3, 7, 7), "CC200", "expects a 3-D input"),
    ("LayerNorm([3, 8])", (3, 7), "CC201", "normalized_shape (3, 8) must equal the input's last 2 dimensions"),
    ("LayerNorm([5, 2, 3, 7])", (3, 7), "CC201", "normalized_shape"),
    ("LayerNorm([])", (3, 7), "CC105", "normalized_shape must be"),
    ("RMSNorm(8)", (3, 7), "CC201", "normalized_shape (8,)"),
    ("GroupNorm(3, 4)", (4, 7, 7), "CC105", "num_channels (4) must be divisible by num_groups (3)"),
    ("GroupNorm(2, 4)", (6, 7, 7), "CC201", "num_channels=4 but the incoming shape has 6"),
    ("GroupNorm(3, 6, affine=False)", (4, 7, 7), "CC200", "4 channels are not divisible by num_groups (3)"),
    ("GroupNorm(0, 4)", (4, 7, 7), "CC105", "num_groups must be"),
    ("LocalResponseNorm(2)", (4,), "CC200", "at least 3 dimensions"),
    ("LocalResponseNorm(0)", (4, 7, 7), "CC105", "size must be"),
    ("CrossMapLRN2d(3)", (4, 7), "CC200", "expects a 4-D input"),
    # Dropout
    ("Dropout(1.5)", (3,), "CC105", "p must be a probability between 0 and 1, found 1.5"),
    ("Dropout3d(-0.1)", (3,), "CC105", "p must be a probability"),
    ("Dropout1d()", (3, 7, 7), "CC200", "expects 2-D or 3-D input"),
    ("Dropout('0.5')", (3,), "CC105", "p must be a number"),
    # Activations
    ("PReLU(4)", (3, 7, 7), "CC201", "num_parameters=4 but the input has 3 channels"),
    ("PReLU(0)", (3,), "CC105", "num_parameters must be"),
    ("GLU()", (5,), "CC200", "GLU halves dim 1, whose size 5 is odd"),
    ("GLU(3)", (4, 5), "CC200", "dim=3 is out of range"),
    ("Softmax(3)", (4, 5), "CC200", "dim=3 is out of range"),
    ("Softmin(-4)", (4, 5), "CC200", "dim=-4 is out of range"),
    ("Softmax2d()", (4,), "CC200", "expects a 3-D or 4-D input"),
    ("Hardtanh(1, 0)", (4,), "CC105", "max_val (0) must be greater than min_val (1)"),
    ("Hardtanh(min_value=2)", (4,), "CC105", "max_val (1.0) must be greater than min_val (2)"),
    ("GELU('Tanh')", (4,), "CC105", "approximate must be one of 'none', 'tanh'"),
    ("CELU(0)", (4,), "CC105", "alpha must be a non-zero number"),
    ("Softshrink(-1)", (4,), "CC105", "lambd must be a number >= 0"),
    ("RReLU(0.5, 0.1)", (4,), "CC105", "upper must be a number >= lower"),
    ("LeakyReLU('a')", (4,), "CC105", "negative_slope must be a number"),
    ("Sigmoid(3)", (4,), "CC104", "Sigmoid takes at most 0 positional arguments"),
    # Resampling
    ("Upsample(scale_factor=(2, 1.5))", (3, 7, 7, 7), "CC105", "scale_factor must be a number or a tuple of 3 numbers"),
    ("Upsample(size=(5, 9, 3))", (3, 7, 7), "CC105", "size must be"),
    ("Upsample(size=(5.0, 9))", (3, 7, 7), "CC105", "size must be"),
    ("Upsample(size=5, scale_factor=2)", (3, 7, 7), "CC105", "only one of size and scale_factor"),
    ("Upsample()", (3, 7, 7), "CC104", "give size or scale_factor"),
    ("Upsample(scale_factor=0)", (3, 7, 7), "CC104", "give size or scale_factor"),
    ("Upsample(scale_factor=0.1)", (3, 7, 7), "CC200", "the output size would be (0, 0)"),
    ("Upsample(size=0)", (3, 7, 7), "CC105", "size must be"),
    ("Upsample(scale_factor=2)", (3,), "CC200", "expects a 3-D or 4-D or 5-D input"),
    ("Upsample(scale_factor=2, mode='bilinear')", (3, 7), "CC200", "expects a 4-D input"),
    ("Upsample(scale_factor=2, mode='bicubic')", (3, 7, 7, 7), "CC200", "expects a 4-D input"),
    ("Upsample(scale_factor=2, mode='lanczos')", (3, 7, 7), "CC105", "antialias=True"),
    ("Upsample(scale_factor=2, mode='NEAREST')", (3, 7, 7), "CC105", "mode must be one of"),
    ("Upsample(scale_factor=2, align_corners=True)", (3, 7, 7), "CC105", "align_corners can only be set"),
    ("Upsample(size=4, recompute_scale_factor=True)", (3, 7, 7), "CC105", "not meaningful with an explicit size"),
    ("UpsamplingBilinear2d(scale_factor=2)", (3, 7), "CC200", "expects a 4-D input"),
    ("UpsamplingBilinear2d()", (3, 7, 7), "CC104", "give size or scale_factor"),
    ("PixelShuffle(2)", (10, 7, 7), "CC200", "10 channels are not divisible by upscale_factor squared (4)"),
    ("PixelShuffle(0)", (12, 7, 7), "CC105", "upscale_factor must be"),
    ("PixelUnshuffle(2)", (3, 7, 6), "CC200", "height 7 is not divisible by downscale_factor (2)"),
    ("PixelUnshuffle(2)", (3, 8, 7), "CC200", "width 7 is not divisible"),
    ("ChannelShuffle(3)", (4, 7, 7), "CC200", "4 channels are not divisible by groups (3)"),
    ("ChannelShuffle(2)", (4,), "CC200", "at least 3 dimensions"),
    ("ChannelShuffle(0)", (4, 7, 7), "CC105", "groups must be"),
]


@pytest.mark.parametrize(("layer", "input_shape", "code", "fragment"), ERRORS, ids=[f"{c[0]}@{c[1]}" for c in ERRORS])
def test_rejects_what_torch_rejects(layer: str, input_shape: tuple[int, ...], code: str, fragment: str) -> None:
    found_code, message = rejection(layer, input_shape)
    assert (found_code, fragment in message) == (code, True), message


# --- Behaviour that depends on the batch or on unknown sizes


def test_batch_norm_needs_more_than_one_value_per_channel_when_training() -> None:
    # torch: "Expected more than 1 value per channel when training, got input size torch.Size([1, 3, 1, 1])"
    code, message = rejection("BatchNorm2d(3)", (3, 1, 1), batch=1)
    assert code == "CC200" and "more than one value per channel" in message
    assert row("BatchNorm2d(3)", (3, 1, 1), batch=2).output_shape == (2, 3, 1, 1)
    assert row("BatchNorm2d(3)", (3, 1, 1), batch=None).output_shape == (None, 3, 1, 1)  # unknown batch: no verdict


def test_in_eval_mode_a_batch_norm_with_running_statistics_takes_a_batch_of_one() -> None:
    """torch's _BatchNorm.forward normalizes with the batch's statistics when `self.training or
    running_mean is None`: after model.eval() (`mode: eval`) BatchNorm2d(3) runs on (1, 3, 1, 1)
    (DeepLabV3's image pooling at batch 1), one with track_running_stats=False still refuses it."""
    text = spec(["BatchNorm2d(3)"], (3, 1, 1), batch=1)
    assert summarize(text.replace("batch: 1", "batch: 1\nmode: eval")).output_shape == (1, 3, 1, 1)
    with pytest.raises(SpecError, match=r"more than one value per channel to normalize when training.*`mode: eval`"):
        summarize(text.replace("batch: 1", "batch: 1\nmode: train"))
    untracked = spec(["BatchNorm2d(3, track_running_stats=False)"], (3, 1, 1), batch=1).replace(
        "batch: 1", "batch: 1\nmode: eval"
    )
    with pytest.raises(SpecError, match=r"without running statistics \(track_running_stats=False\); the input \(1, 3, 1, 1\)"):
        summarize(untracked)
    with pytest.raises(SpecError, match=r":2:7: CC003 mode must be one of train, eval, found 'inference'"):
        summarize("framework: pytorch\nmode: inference\ninput: [3]\nlayers: [ReLU]")


def test_glu_may_halve_the_batch() -> None:
    # torch: GLU(0) on zeros((2, 4, 5)) gives (1, 4, 5); an odd batch is an error
    assert row("GLU(0)", (4, 5), batch=2).output_shape == (1, 4, 5)
    assert rejection("GLU(0)", (4, 5), batch=3)[0] == "CC200"


def test_unknown_sizes_stay_unknown() -> None:
    assert row("MaxPool2d(2)", (3, None, 8), batch=None).output_shape == (None, 3, None, 4)
    assert row("Upsample(scale_factor=1.5)", (3, None, 8), batch=None).output_shape == (None, 3, None, 12)
    assert row("ZeroPad2d((1, 2, 3, 4))", (3, None, 8), batch=None).output_shape == (None, 3, None, 11)
    assert row("Unflatten(1, (2, -1))", (None,), batch=None).output_shape == (None, 2, None)
    assert row("Flatten()", (3, None, 8), batch=None).output_shape == (None, None)
    assert row("GLU(1)", (None, 8), batch=None).output_shape == (None, None, 8)
    assert row("PixelShuffle(2)", (None, 4, 4), batch=None).output_shape == (None, None, 8, 8)
    # declared sizes cannot be checked against an unknown channel count, but still size the weights
    assert [w.shape for w in row("BatchNorm2d(5)", (None, 4, 4)).weights] == [(5,), (5,)]


def test_lazy_modules_need_a_known_size() -> None:
    code, message = rejection("LazyConv2d(8, 3)", (None, 8, 8))
    assert code == "CC200" and "infers in_channels from the input" in message
    code, message = rejection("LazyLinear(4)", (None,))
    assert code == "CC200" and "infers in_features" in message


def test_return_indices_gives_the_indices_as_a_second_output() -> None:
    # torch 2.13.0: MaxPool2d(2, return_indices=True) on zeros((2, 3, 8, 8)) returns (output,
    # indices), both (2, 3, 4, 4); AdaptiveMaxPool2d(3, ...) both (2, 3, 3, 3). MaxUnpool takes them.
    assert row("MaxPool2d(2, return_indices=True)", (3, 8, 8)).outputs == ((2, 3, 4, 4), (2, 3, 4, 4))
    assert row("AdaptiveMaxPool2d(3, return_indices=True)", (3, 8, 8)).outputs == ((2, 3, 3, 3), (2, 3, 3, 3))
    assert row("MaxPool2d(2)", (3, 8, 8)).outputs == ((2, 3, 4, 4),)
    assert rejection("MaxPool2d(2, return_indices=1)", (3, 8, 8))[0] == "CC105"


def test_a_small_network_end_to_end() -> None:
    # torch 2.13.0: the same nn.Sequential on zeros((2, 3, 32, 32)); sum(p.numel()) == 15,418
    text = spec(
        [
            "Conv2d(3, 16, 3, padding=1, bias=False)",
            "BatchNorm2d(16)",
            "ReLU(inplace=True)",
            "MaxPool2d(2)",
            "Conv2d(16, 32, 3, padding='same', padding_mode='reflect')",
            "GroupNorm(4, 32)",
            "PixelShuffle(2)",
            "AdaptiveAvgPool2d((4, None))",
            "Flatten()",
            "Dropout(0.2)",
            "Linear(1024, 10)",
            "LogSoftmax(dim=1)",
        ],
        (3, 32, 32),
    )
    report = summarize(text)
    assert [r.output_shape for r in report.rows] == [
        (2, 16, 32, 32),
        (2, 16, 32, 32),
        (2, 16, 32, 32),
        (2, 16, 16, 16),
        (2, 32, 16, 16),
        (2, 32, 16, 16),
        (2, 8, 32, 32),
        (2, 8, 4, 32),
        (2, 1024),
        (2, 1024),
        (2, 10),
        (2, 10),
    ]
    assert [r.params for r in report.rows] == [432, 32, 0, 0, 4640, 64, 0, 0, 0, 0, 10250, 0]
    assert report.totals.params == 15418


# --- Coverage of torch.nn


NOT_LAYERS = {
    # containers, base classes and modules that need several inputs or return tuples
    "Container", "Module", "ModuleDict", "ModuleList", "ParameterDict", "ParameterList", "Sequential", "DataParallel",
    "RNNBase", "RNNCellBase", "Bilinear", "CosineSimilarity", "PairwiseDistance", "MaxUnpool1d", "MaxUnpool2d",
    "MaxUnpool3d", "AdaptiveLogSoftmaxWithLoss", "LinearCrossEntropyLoss",
}  # fmt: skip
ELSEWHERE = {
    # other parts of the vocabulary (sequence and attention layers, embeddings) or not yet covered
    "Embedding", "EmbeddingBag", "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell", "MultiheadAttention",
    "Transformer", "TransformerEncoder", "TransformerDecoder", "TransformerEncoderLayer", "TransformerDecoderLayer",
    "Fold", "Unfold", "FractionalMaxPool2d", "FractionalMaxPool3d",
}  # fmt: skip


def test_every_torch_nn_layer_of_this_vocabulary_is_defined() -> None:
    wanted = {
        name for name in SIGNATURES if not name.endswith("Loss") and name != "NLLLoss2d" and name not in NOT_LAYERS | ELSEWHERE
    }
    assert sorted(wanted - set(PYTORCH.types)) == []


def test_lazy_modules_report_the_class_they_become() -> None:
    # torch 2.13.0: type(nn.LazyLinear(3)) after a call on zeros(2, 12) is nn.Linear, with weight (3, 12)
    row = summarize("framework: pytorch\ninput: [12]\nbatch: 2\nlayers:\n  - LazyLinear(3)\n").rows[0]
    assert (row.type, row.weights[0].shape) == ("Linear", (3, 12))


def test_feature_dropout_needs_two_dimensions() -> None:
    # torch 2.13.0: nn.Dropout2d(0.3)(torch.zeros(144)) raises
    # "RuntimeError: Feature dropout requires at least 2 dimensions in the input"
    with pytest.raises(SpecError) as caught:
        summarize("framework: pytorch\ninput: [72]\nbatch: 2\nlayers:\n  - Flatten(0, 1)\n  - Dropout2d(0.3)\n")
    assert "at least 2 dimensions" in caught.value.diagnostic.message


def test_lazy_instance_norm_infers_features_from_dim_1_even_unbatched() -> None:
    # torch 2.13.0: nn.LazyInstanceNorm1d()(torch.zeros(2, 12)) raises
    # "ValueError: expected input's size at dim=0 to match num_features (12), but got: 2."
    with pytest.raises(SpecError) as caught:
        summarize("framework: pytorch\ninput: [12]\nbatch: 2\nlayers:\n  - LazyInstanceNorm1d()\n")
    assert "infers num_features=12 from dim 1" in caught.value.diagnostic.message


def test_select_takes_one_position_of_a_dimension() -> None:
    # torch 2.13.0: torch.zeros(2, 512, 768)[:, 0].shape == (2, 768); torch.select(x, 1, 512) raises IndexError
    spec = "framework: pytorch\ninput: [512, 768]\nbatch: 2\nlayers:\n  - Select(1, {index})\n"
    assert summarize(spec.format(index=0)).rows[0].output_shape == (2, 768)
    assert summarize(spec.format(index=-1)).rows[0].output_shape == (2, 768)
    with pytest.raises(SpecError) as caught:
        summarize(spec.format(index=512))
    assert "index 512 is out of range for a dimension of size 512" in caught.value.diagnostic.message
