"""Receptive fields against the real frameworks: which input positions actually change an output.

convcalc says output position f along an axis sees the input positions f * stride - padding ...
f * stride - padding + size - 1 (convcalc/receptive.py). Here the same networks are built in
Keras 3 (torch backend) and PyTorch with every weight positive, so that an output depends on an
input position exactly when changing that position changes the output, and that set is
measured: by perturbing one input slice at a time (small stacks, float64, max pooling
included), or by the gradient of one output position (keras.applications VGG16 and ResNet50,
with max pooling swapped for average pooling of the same window, which has the same geometry
and a gradient everywhere). The measured interval is the predicted one clipped to the input.
"""

from __future__ import annotations

import os
import textwrap
from math import prod
from pathlib import Path

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
torch = pytest.importorskip("torch", reason="the conformance suite needs torch and keras 3")
keras = pytest.importorskip("keras", reason="the conformance suite needs torch and keras 3")

from convcalc import load, summarize  # noqa: E402
from convcalc.analysis.receptive import receptive_fields  # noqa: E402

pytestmark = pytest.mark.conformance


def predicted(spec: str, axis: int) -> list[tuple[int, int]]:
    """convcalc's interval of input positions for every output position along `axis` (an index
    into the shape), before clipping to the input."""
    report = summarize(textwrap.dedent(spec))
    last = receptive_fields(report)[-1].field
    assert last is not None
    k = last.axes.index(axis)
    starts = [f * last.stride[k] - last.padding[k] for f in range(report.output_shape[axis])]  # type: ignore[operator, arg-type]
    return [(low, low + last.size[k] - 1) for low in starts]


def agree(seen: list[tuple[int, int] | None], said: list[tuple[int, int]], length: int) -> bool:
    """Where convcalc's interval lies inside the input, the positions that matter span exactly
    it (its two ends are the outermost taps); where it reaches into the padding, they lie
    within it (a dilated window's outer taps may land on padding, its inner ones on holes).
    At least one output position must lie wholly inside, so the test pins something."""
    inside = [low >= 0 and high < length for low, high in said]
    assert len(seen) == len(said) and any(inside)
    for (low, high), interval, whole in zip(said, seen, inside):
        if whole and interval != (low, high):
            return False
        if not whole and interval is not None and not (max(low, 0) <= interval[0] <= interval[1] <= min(high, length - 1)):
            return False
    return True


def measured(forward, shape: tuple[int, ...], axis: int) -> list[tuple[int, int] | None]:
    """For each output position along `axis` (an index into the batched shape), the first and
    last input positions along it whose change (one whole slice at a time, by 1e6) changes it."""
    length = shape[axis - 1]
    batch = torch.ones((length + 1, *shape), dtype=torch.float64)
    for i in range(length):
        batch[(i + 1, *(slice(None),) * (axis - 1), i)] += 1e6
    with torch.no_grad():
        out = forward(batch)
    changed = (out[1:] - out[:1]).abs() > 0.5  # (input position, *output)
    others = tuple(d for d in range(1, changed.dim()) if d != axis)
    seen = changed.any(dim=others) if others else changed  # (input position, output position)
    intervals: list[tuple[int, int] | None] = []
    for f in range(seen.shape[1]):
        hits = torch.nonzero(seen[:, f]).flatten()
        intervals.append((hits.min().item(), hits.max().item()) if len(hits) else None)
    return intervals


def keras_forward(model):
    for weight in model.weights:
        weight.assign(keras.ops.ones(weight.shape, dtype=weight.dtype))
    return lambda batch: model(batch)


def torch_forward(module):
    module = module.double()
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.fill_(1.0)
    return module


@pytest.fixture(autouse=True)
def float64():
    keras.config.set_floatx("float64")
    yield
    keras.config.set_floatx("float32")


# (spec, Keras layers as the spec writes them, input shape); each checked on every spatial axis.
KERAS_STACKS = {
    "same-stride-2-odd": ("[15, 14, 1]", ["Conv2D(1, 3, strides=2, padding='same')", "Conv2D(1, 3, strides=2, padding='same')"]),
    "same-even-kernel": ("[13, 12, 1]", ["Conv2D(1, 4, padding='same')", "MaxPooling2D(3, strides=2, padding='same')"]),
    "dilation": ("[20, 19, 1]", ["Conv2D(1, 3, dilation_rate=2, padding='same')", "Conv2D(1, (2, 3), dilation_rate=(3, 1))"]),
    "pad-crop": (
        "[12, 11, 1]",
        ["ZeroPadding2D(((2, 0), (1, 3)))", "Conv2D(1, 3, strides=2)", "Cropping2D(((1, 0), (0, 2)))", "AveragePooling2D(2)"],
    ),
    "depthwise-separable": (
        "[17, 16, 2]",
        ["DepthwiseConv2D(3, strides=2, padding='same', depth_multiplier=2)", "SeparableConv2D(1, 5, padding='same')"],
    ),
    "causal-1d": ("[19, 1]", ["Conv1D(1, 3, padding='causal', dilation_rate=2)", "Conv1D(1, 2, strides=2, padding='causal')"]),
    "pool-3d": ("[9, 10, 11, 1]", ["Conv3D(1, 3, strides=(1, 2, 2), padding='same')", "MaxPooling3D(2, padding='same')"]),
    # CenterCrop crops (in - size) // 2 before; EinsumDense on the channels keeps the positions
    "center-crop-einsum": (
        "[16, 15, 1]",
        ["CenterCrop(11, 8)", "Conv2D(1, 3, strides=2)", "EinsumDense('abcd,de->abce', (5, 3, 1))"],
    ),
}


@pytest.mark.parametrize("name", KERAS_STACKS)
def test_keras_stacks_see_what_convcalc_says(name: str) -> None:
    shape_text, layers = KERAS_STACKS[name]
    shape = tuple(int(d) for d in shape_text.strip("[]").split(","))
    spec = "framework: keras\ninput: " + shape_text + "\nlayers:\n" + "".join(f"  - {layer}\n" for layer in layers)
    model = keras.Sequential([keras.Input(shape), *(eval(layer, vars(keras.layers)) for layer in layers)])
    forward = keras_forward(model)
    for axis in range(1, len(shape)):
        assert agree(measured(forward, shape, axis), predicted(spec, axis), shape[axis - 1]), (name, axis)


TORCH_STACKS = {
    "padding-dilation": (
        "[1, 21, 18]",
        ["Conv2d(1, 1, 3, stride=2, padding=2, dilation=2)", "MaxPool2d(3, stride=2, padding=1, dilation=2, ceil_mode=True)"],
    ),
    "same-avgpool": ("[1, 16, 15]", ["Conv2d(1, 1, 4, padding='same')", "AvgPool2d(3, stride=2, padding=1)"]),
    "zeropad-lppool": ("[1, 14, 13]", ["ZeroPad2d((3, 0, 1, 2))", "Conv2d(1, 1, (3, 5), stride=(2, 1))", "LPPool2d(2, 2)"]),
    "adaptive-unshuffle": ("[1, 16, 12]", ["PixelUnshuffle(2)", "Conv2d(4, 1, 3)", "AdaptiveMaxPool2d((3, 2))"]),
    "conv1d": ("[1, 30]", ["Conv1d(1, 1, 5, stride=3, padding=4)", "MaxPool1d(2)"]),
    # torchvision's block slides its convolution's window, padded (kernel - 1) // 2 x dilation
    "conv-norm-activation": (
        "[1, 17, 16]",
        [
            "Conv2dNormActivation(1, 1, 3, 2, norm_layer=None, activation_layer=None)",
            "Conv2dNormActivation(1, 1, 4, dilation=2, norm_layer=None)",
        ],
    ),
}


def torch_namespace() -> dict[str, object]:
    """torch.nn, and torchvision.ops' blocks when torchvision is installed."""
    names: dict[str, object] = dict(vars(torch.nn))
    try:
        from oracle import import_module

        names["Conv2dNormActivation"] = import_module("torchvision.ops").Conv2dNormActivation
    except ImportError:
        pass
    return names


@pytest.mark.parametrize("name", TORCH_STACKS)
def test_pytorch_stacks_see_what_convcalc_says(name: str) -> None:
    shape_text, layers = TORCH_STACKS[name]
    shape = tuple(int(d) for d in shape_text.strip("[]").split(","))
    spec = "framework: pytorch\ninput: " + shape_text + "\nlayers:\n" + "".join(f'  - "{layer}"\n' for layer in layers)
    namespace = torch_namespace()
    if any(layer.split("(")[0] not in namespace for layer in layers):
        pytest.skip("torchvision is not installed")
    module = torch_forward(torch.nn.Sequential(*(eval(layer, namespace) for layer in layers)))
    for axis in range(2, len(shape) + 1):
        assert agree(measured(module, shape, axis), predicted(spec, axis), shape[axis - 1]), (name, axis)


def test_a_residual_graph_takes_its_largest_path() -> None:
    """Keras functional: a 1x1 stride-4 shortcut and a padded 3x3 stride-2 path, added (the
    aligned network of the paper's library test, create_test_network_1, here in Keras)."""
    spec = """
        framework: keras
        input: [16, 16, 1]
        layers:
          - Conv2D(1, 1, strides=4, name="left", inputs="input")
          - ZeroPadding2D(((1, 0), (1, 0)), name="pad", inputs="input")
          - Conv2D(1, 3, strides=2, name="r1")
          - Conv2D(1, 1, strides=2, name="r2")
          - Add(inputs=["left", "r2"])
    """
    x = keras.Input((16, 16, 1))
    left = keras.layers.Conv2D(1, 1, strides=4)(x)
    right = keras.layers.Conv2D(1, 1, strides=2)(
        keras.layers.Conv2D(1, 3, strides=2)(keras.layers.ZeroPadding2D(((1, 0), (1, 0)))(x))
    )
    forward = keras_forward(keras.Model(x, keras.layers.Add()([left, right])))
    for axis in (1, 2):
        assert agree(measured(forward, (16, 16, 1), axis), predicted(spec, axis), 16)


def positive_kernels(model) -> None:
    """Every kernel 1 / fan-in (so activations stay near the input's scale and ReLU passes them)."""
    for weight in model.weights:
        if weight.path.endswith("kernel"):
            shape = tuple(weight.shape)
            weight.assign(keras.ops.ones(shape, dtype=weight.dtype) / prod(shape[:-1]))


def average_pooling(layer):
    if isinstance(layer, keras.layers.MaxPooling2D):
        return keras.layers.AveragePooling2D.from_config(layer.get_config())
    return layer.__class__.from_config(layer.get_config())


# keras.applications class: input size (large enough for an output position wholly inside), spec
APPLICATIONS = {"VGG16": (224, "keras-vgg16.yaml"), "ResNet50": (512, "keras-resnet50.yaml")}


@pytest.mark.parametrize("name", APPLICATIONS)
def test_keras_applications_gradients_cover_the_published_field(name: str) -> None:
    """The paper's VGG-16 (212, stride 32) and ResNet-50 (483, stride 32) fields, and convcalc's
    padding (90 and 241 for Keras's layers), as the gradient of one output position shows them."""
    size, spec_file = APPLICATIONS[name]
    keras.config.set_floatx("float32")
    base = getattr(keras.applications, name)(weights=None, include_top=False, input_shape=(size, size, 3))
    model = keras.models.clone_model(base, clone_function=average_pooling)
    positive_kernels(model)
    report = summarize(load(str(Path(__file__).parents[2] / "specs" / spec_file)))
    field = [r.field for r in receptive_fields(report) if r.field is not None][-1]
    n = model.output_shape[1]
    starts = []
    for f in (n // 2, n // 2 + 1):
        x = torch.full((1, size, size, 3), 0.1, requires_grad=True)
        model(x)[0, f, f, :].sum().backward()
        seen = torch.nonzero(x.grad[0].abs().sum(dim=(1, 2))).flatten()
        low = f * field.stride[0] - field.padding[0]
        assert (seen.min().item(), seen.max().item()) == (low, min(low + field.size[0] - 1, size - 1))
        starts.append(seen.min().item())
    assert starts[1] - starts[0] == field.stride[0] == 32
