"""The Keras vocabulary beyond convolutions: pooling, core and reshaping, normalization,
regularization, activations, padding, cropping and up-sampling.

Every expected value below was recorded from Keras 3.15.1 (KERAS_BACKEND=torch, torch 2.13.0):
`layer(keras.Input(shape))`, then the output's shape, `layer.weights` (name, shape,
trainable), `layer.count_params()` and the size of `layer.trainable_weights`; totals from
`model.summary()`. Nothing here imports Keras: these are unit tests on recorded values (the
conformance suite compares against live Keras).
"""

from __future__ import annotations

import pytest

from convcalc import summarize
from convcalc.errors import SpecError
from convcalc.frameworks.keras import KERAS
from convcalc.report import Report, Row


def spec(shape: list[int | None], *layers: str, batch: int | None = None) -> str:
    dims = ", ".join("null" if d is None else str(d) for d in shape)
    lines = ["framework: keras", f"input: [{dims}]"] + ([f"batch: {batch}"] if batch is not None else []) + ["layers:"]
    return "\n".join(lines + ["  - '" + layer.replace("'", "''") + "'" for layer in layers]) + "\n"


def run(shape: list[int | None], *layers: str, batch: int | None = None) -> Report:
    return summarize(spec(shape, *layers, batch=batch))


def row(shape: list[int | None], layer: str) -> Row:
    return run(shape, layer).rows[-1]


def error(shape: list[int | None], layer: str) -> SpecError:
    with pytest.raises(SpecError) as caught:
        run(shape, layer)
    return caught.value


# (input shape without batch, layer, output shape, weights, params, trainable params),
# each recorded from Keras 3.15.1 as the module docstring says.
KERAS_3_15_1 = [
    ([7, 7, 3], "MaxPooling2D()", (None, 3, 3, 3), (), 0, 0),
    ([7, 7, 3], 'MaxPool2D(3, 2, padding="same")', (None, 4, 4, 3), (), 0, 0),
    ([None, 7, 3], "MaxPooling2D((2,3), strides=(1,2))", (None, None, 3, 3), (), 0, 0),
    ([7, 7, 3], "MaxPooling2D(7)", (None, 1, 1, 3), (), 0, 0),
    ([7, 3], "MaxPooling1D()", (None, 3, 3), (), 0, 0),
    ([7, 3], 'AveragePooling1D(2, data_format="channels_first")', (None, 7, 1), (), 0, 0),
    ([3, 7, 7], 'AvgPool2D(2, data_format="channels_first")', (None, 3, 3, 3), (), 0, 0),
    ([8, 8, 8, 3], 'AvgPool3D(3, 2, padding="same")', (None, 4, 4, 4, 3), (), 0, 0),
    ([8, 8, 3], "GlobalMaxPooling2D()", (None, 3), (), 0, 0),
    ([8, 8, 3], "GlobalAvgPool2D(keepdims=True)", (None, 1, 1, 3), (), 0, 0),
    ([3, 8], 'GlobalAveragePooling1D(data_format="channels_first", keepdims=True)', (None, 3, 1), (), 0, 0),
    ([None, None, None, 3], "GlobalMaxPool3D()", (None, 3), (), 0, 0),
    ([7, 5, 3], "Dense(4)", (None, 7, 5, 4), (("kernel", (3, 4), True), ("bias", (4,), True)), 16, 16),
    ([3], "Dense(4, use_bias=False)", (None, 4), (("kernel", (3, 4), True),), 12, 12),
    (
        [7, 5, 3],
        "Dense(4, lora_rank=2)",
        (None, 7, 5, 4),
        (("kernel", (3, 4), False), ("bias", (4,), True), ("lora_kernel_a", (3, 2), True), ("lora_kernel_b", (2, 4), True)),
        30,
        18,
    ),
    (
        [28, 28, 4],
        "Conv2D(8, 3, lora_rank=2)",
        (None, 26, 26, 8),
        (
            ("kernel", (3, 3, 4, 8), False),
            ("bias", (8,), True),
            ("lora_kernel_a", (3, 3, 4, 2), True),
            ("lora_kernel_b", (2, 8), True),
        ),
        384,
        96,
    ),
    (
        [28, 28, 4],
        "Conv2D(8, 3, groups=2, lora_rank=2, use_bias=False)",
        (None, 26, 26, 8),
        (("kernel", (3, 3, 2, 8), False), ("lora_kernel_a", (3, 3, 2, 2), True), ("lora_kernel_b", (2, 8), True)),
        196,
        52,
    ),
    ([3, 7, 5], 'Flatten(data_format="channels_first")', (None, 105), (), 0, 0),
    ([7, None, 3], "Flatten()", (None, None), (), 0, 0),
    ([7, 5, 3], "Reshape((-1, 3))", (None, 35, 3), (), 0, 0),
    ([7, 5, 3], "Reshape([105])", (None, 105), (), 0, 0),
    ([7, None, 3], "Reshape((-1, 3))", (None, None, 3), (), 0, 0),
    ([7, None, 3], "Reshape((4, 4))", (None, 4, 4), (), 0, 0),
    ([1], "Reshape(())", (None,), (), 0, 0),
    ([7, 5, 3], "Permute((2, 1, 3))", (None, 5, 7, 3), (), 0, 0),
    ([7, 5, 3], "Permute([3, 1, 2])", (None, 3, 7, 5), (), 0, 0),
    ([7], "RepeatVector(3)", (None, 3, 7), (), 0, 0),
    (
        [7, 7, 3],
        "BatchNormalization()",
        (None, 7, 7, 3),
        (("gamma", (3,), True), ("beta", (3,), True), ("moving_mean", (3,), False), ("moving_variance", (3,), False)),
        12,
        6,
    ),
    (
        [7, 7, 3],
        "BatchNormalization(axis=1, center=False)",
        (None, 7, 7, 3),
        (("gamma", (7,), True), ("moving_mean", (7,), False), ("moving_variance", (7,), False)),
        21,
        7,
    ),
    (
        [7, 7, 3],
        "BatchNormalization(renorm=True, scale=False)",
        (None, 7, 7, 3),
        (
            ("beta", (3,), True),
            ("moving_mean", (3,), False),
            ("moving_variance", (3,), False),
            ("moving_stddev", (3,), False),
            ("renorm_mean", (3,), False),
            ("renorm_stddev", (3,), False),
        ),
        18,
        3,
    ),
    (
        [7, None, 3],
        "BatchNormalization(momentum=0.9, epsilon=1e-5)",
        (None, 7, None, 3),
        (("gamma", (3,), True), ("beta", (3,), True), ("moving_mean", (3,), False), ("moving_variance", (3,), False)),
        12,
        6,
    ),
    ([7, 5, 3], "LayerNormalization()", (None, 7, 5, 3), (("gamma", (3,), True), ("beta", (3,), True)), 6, 6),
    ([7, 5, 3], "LayerNormalization(axis=[1, -1])", (None, 7, 5, 3), (("gamma", (3, 7), True), ("beta", (3, 7), True)), 42, 42),
    ([7, 5, 3], "LayerNormalization(axis=(2, 1))", (None, 7, 5, 3), (("gamma", (7, 5), True), ("beta", (7, 5), True)), 70, 70),
    ([7, 5, 3], "LayerNormalization(axis=[-2, -1], center=False)", (None, 7, 5, 3), (("gamma", (5, 3), True),), 15, 15),
    ([7, 5, 3], "LayerNormalization(rms_scaling=True)", (None, 7, 5, 3), (("gamma", (3,), True),), 3, 3),
    ([7, 5, 3], "LayerNormalization(center=False, scale=False)", (None, 7, 5, 3), (), 0, 0),
    ([7, 5, 3], "RMSNormalization(axis=[1, -1])", (None, 7, 5, 3), (("scale", (3, 7), True),), 21, 21),
    ([7, 5, 6], "GroupNormalization(3)", (None, 7, 5, 6), (("gamma", (6,), True), ("beta", (6,), True)), 12, 12),
    ([7, 5, 6], "GroupNormalization(-1, axis=1)", (None, 7, 5, 6), (("gamma", (7,), True), ("beta", (7,), True)), 14, 14),
    ([6, 7, 5], "GroupNormalization(6, axis=1, center=False)", (None, 6, 7, 5), (("gamma", (6,), True),), 6, 6),
    ([7, 5, 3], "UnitNormalization(axis=[1, 2])", (None, 7, 5, 3), (), 0, 0),
    (
        [7, 5, 3],
        "Normalization()",
        (None, 7, 5, 3),
        (("mean", (3,), False), ("variance", (3,), False), ("count", (), False)),
        7,
        0,
    ),
    (
        [7, 5, 3],
        "Normalization(axis=None)",
        (None, 7, 5, 3),
        (("mean", (), False), ("variance", (), False), ("count", (), False)),
        3,
        0,
    ),
    (
        [7, 5, 3],
        "Normalization(axis=(1, -1))",
        (None, 7, 5, 3),
        (("mean", (7, 3), False), ("variance", (7, 3), False), ("count", (), False)),
        43,
        0,
    ),
    ([7, 5, 3], "Normalization(mean=[1, 2, 3], variance=[1, 1, 1])", (None, 7, 5, 3), (), 0, 0),
    ([7, 5, 3], "Normalization(mean=0.5, variance=2.0)", (None, 7, 5, 3), (), 0, 0),
    ([7, 5, 3], "Rescaling(0.5, offset=-1)", (None, 7, 5, 3), (), 0, 0),
    ([7, 5, 3], "Dropout(0.5, noise_shape=(None, 1, 1, 3))", (None, 7, 5, 3), (), 0, 0),
    ([7, 5, 3], "AlphaDropout(0.5)", (None, 7, 5, 3), (), 0, 0),
    ([7, 5, 3], "GaussianDropout(1)", (None, 7, 5, 3), (), 0, 0),
    ([7, 5, 3], "GaussianNoise(0.1)", (None, 7, 5, 3), (), 0, 0),
    ([5, 3], "SpatialDropout1D(0.2)", (None, 5, 3), (), 0, 0),
    ([7, 5, 3], 'SpatialDropout2D(0.2, data_format="channels_first")', (None, 7, 5, 3), (), 0, 0),
    ([7, 5, 4, 3], "SpatialDropout3D(0.2)", (None, 7, 5, 4, 3), (), 0, 0),
    ([7, 5, 3], "ActivityRegularization(0.1, 0.2)", (None, 7, 5, 3), (), 0, 0),
    ([7, 5, 3], "Identity()", (None, 7, 5, 3), (), 0, 0),
    ([7, 5, 3], "Masking()", (None, 7, 5, 3), (), 0, 0),
    ([7, 5, 3], 'Activation("relu")', (None, 7, 5, 3), (), 0, 0),
    ([7, 5, 3], "ReLU(6.0)", (None, 7, 5, 3), (), 0, 0),
    ([7, 5, 3], "LeakyReLU(alpha=0.1)", (None, 7, 5, 3), (), 0, 0),
    ([7, 5, 3], "ELU()", (None, 7, 5, 3), (), 0, 0),
    ([7, 5, 3], "Softmax(axis=(1, 2))", (None, 7, 5, 3), (), 0, 0),
    ([7, 5, 3], "PReLU()", (None, 7, 5, 3), (("alpha", (7, 5, 3), True),), 105, 105),
    ([7, 5, 3], "PReLU(shared_axes=[1, 2])", (None, 7, 5, 3), (("alpha", (1, 1, 3), True),), 3, 3),
    ([7, 5, 3], "PReLU(shared_axes=0)", (None, 7, 5, 3), (("alpha", (7, 5, 1), True),), 35, 35),
    ([7, 5, 3], "PReLU(shared_axes=-1)", (None, 7, 5, 3), (("alpha", (7, 1, 3), True),), 21, 21),
    ([7, None, 3], "PReLU(shared_axes=2)", (None, 7, None, 3), (("alpha", (7, 1, 3), True),), 21, 21),
    ([7, 3], "ZeroPadding1D((1, 2))", (None, 10, 3), (), 0, 0),
    ([3, 7], 'ZeroPadding1D(2, data_format="channels_first")', (None, 3, 11), (), 0, 0),
    ([7, 5, 3], "ZeroPadding2D()", (None, 9, 7, 3), (), 0, 0),
    ([7, 5, 3], "ZeroPadding2D(((1, 2), 3))", (None, 10, 11, 3), (), 0, 0),
    ([7, 5, 3], "ZeroPadding2D(-1)", (None, 5, 3, 3), (), 0, 0),
    ([None, 5, 3], "ZeroPadding2D((1, 2))", (None, None, 9, 3), (), 0, 0),
    ([7, 5, 4, 3], "ZeroPadding3D()", (None, 9, 7, 6, 3), (), 0, 0),
    ([7, 5, 4, 3], 'ZeroPadding3D(((1, 2), (3, 4), (0, 1)), data_format="channels_first")', (None, 7, 8, 11, 4), (), 0, 0),
    ([7, 3], "Cropping1D()", (None, 5, 3), (), 0, 0),
    ([7, 3], "Cropping1D((3, 3))", (None, 1, 3), (), 0, 0),
    ([7, 5, 3], "Cropping2D()", (None, 7, 5, 3), (), 0, 0),
    ([7, 5, 3], "Cropping2D(((1, 2), (2, 2)))", (None, 4, 1, 3), (), 0, 0),
    ([7, None, 3], "Cropping2D(2)", (None, 3, None, 3), (), 0, 0),
    ([7, 5, 4, 3], "Cropping3D()", (None, 5, 3, 2, 3), (), 0, 0),
    ([7, 5, 4, 3], 'Cropping3D(((1, 2), (1, 1), (0, 0)), data_format="channels_first")', (None, 7, 2, 2, 3), (), 0, 0),
    ([7, 3], "UpSampling1D(3)", (None, 21, 3), (), 0, 0),
    ([7, 5, 3], 'UpSampling2D((2, 3), interpolation="bilinear")', (None, 14, 15, 3), (), 0, 0),
    ([7, 5, 3], 'UpSampling2D(2, data_format="channels_first")', (None, 7, 10, 6), (), 0, 0),
    ([None, 5, 4, 3], "UpSampling3D()", (None, None, 10, 8, 3), (), 0, 0),
]


@pytest.mark.parametrize(("shape", "layer", "output", "weights", "params", "trainable"), KERAS_3_15_1, ids=lambda v: str(v))
def test_layer_matches_keras(
    shape: list[int | None], layer: str, output: tuple, weights: tuple, params: int, trainable: int
) -> None:
    built = row(shape, layer)
    assert built.output_shape == output
    assert tuple((w.name, w.shape, w.trainable) for w in built.weights) == weights
    assert (built.params, built.trainable_params) == (params, trainable)


# (input shape, layer, code, words of convcalc's message). The comment on each line is what
# Keras 3.15.1 raises for the same layer and input ("call fails" where Keras builds the layer
# symbolically but the torch backend rejects it when it runs).
REJECTED = [
    ([7, 7, 3], "MaxPooling2D(8)", "CC200", "pool_size (8, 8) is larger than the input's spatial size (7, 7)"),
    # ValueError: Computed output size would be zero or negative.
    ([7, 7, 3], 'MaxPooling2D(3, 2, padding="SAME")', "CC105", "padding must be one of 'valid', 'same', found 'SAME'"),
    # ValueError: Argument `padding` must be either 'valid' or 'same'. Received: padding=SAME
    ([8, 8, 3], "MaxPooling3D()", "CC200", "MaxPooling3D expects a 5-D input"),
    # ValueError: ... expected ndim=5, found ndim=4.
    ([7, 3], "AveragePooling1D(2, strides=0)", "CC105", "strides must be an integer >= 1"),
    # ZeroDivisionError: division by zero
    ([8, 8, 3], "GlobalAveragePooling1D()", "CC200", "GlobalAveragePooling1D expects a 3-D input"),
    # ValueError: ... expected ndim=3, found ndim=4.
    ([7, 5, None], "Dense(4)", "CC200", "the input feature size depends on an input dimension that is unknown"),
    # ValueError: Shapes used to initialize variables must be fully-defined (no `None` dimensions).
    ([3], 'Dense(4, activation="rleu")', "CC105", "activation must be None or the name of a Keras activation"),
    # ValueError: Could not interpret activation function identifier: rleu
    ([7, 5, 3], 'Dense(4, kernel_constraint="max_norm", lora_rank=2)', "CC105", "lora_rank cannot be combined"),
    # ValueError: Lora is incompatible with kernel constraints.
    ([7, 5, 3], 'Flatten(data_format="channels_middle")', "CC105", "data_format must be one of"),
    # ValueError: The `data_format` argument must be one of {'channels_first', 'channels_last'}.
    ([7, 5, 3], "Reshape((4, -1))", "CC201", "105 is not a multiple of 4"),
    # ValueError: ... the input size cannot by divided by the specified dimensions in target_shape.
    ([7, 5, 3], "Reshape((5, 22))", "CC201", "has 105 values but target_shape (5, 22) holds 110"),
    # ValueError: The total size of the tensor must be unchanged.
    ([7, 5, 3], "Reshape((-1, -1))", "CC105", "has more than one -1"),
    # ValueError: There must be at most one unknown dimension (-1) in `target_shape`.
    ([7, 5, 3], "Permute((0, 1, 2))", "CC105", "dims (0, 1, 2) is not a permutation of 1..3"),
    # ValueError: Invalid permutation argument `dims` for Permute Layer.
    ([7, 5, 3], "Permute((2, 1))", "CC201", "dims (2, 1) reorders 2 axes but the input has 3"),
    # ValueError: ... expected ndim=3, found ndim=4.
    ([7, 2], "RepeatVector(3)", "CC200", "RepeatVector expects a 2-D input"),
    # ValueError: ... expected ndim=2, found ndim=3.
    ([7], "RepeatVector(0)", "CC105", "n must be an integer >= 1"),
    # ValueError: Argument `n` should be a positive integer. Received: n=0
    ([7, 7, 3], "BatchNormalization(axis=4)", "CC200", "axis 4 is out of range for an input of 4 dimensions"),
    # IndexError: tuple index out of range
    ([7, None, 3], "BatchNormalization(axis=2)", "CC200", "the axis 2 size depends on an input dimension that is unknown"),
    # ValueError: Shapes used to initialize variables must be fully-defined (no `None` dimensions).
    ([7, 7, 3], 'BatchNormalization(renorm=True, renorm_clipping={"rmax": 1, "rmin": 2})', "CC105", "rmax is at least"),
    # ValueError: rmax should be greater than rmin in the `renorm_clipping` argument.
    ([7, 5, 3], "LayerNormalization(axis=1.0)", "CC105", "axis must be an integer or a list of integers"),
    # TypeError: Expected an int or a list/tuple of ints for the argument 'axis', but received: 1.0
    ([7, None, 3], "LayerNormalization(axis=[1, 2])", "CC200", "(axis 2) size depends on an input dimension that is unknown"),
    # ValueError: Shapes used to initialize variables must be fully-defined (no `None` dimensions).
    ([7, 5, 3], "LayerNormalization(axis=[1, 1])", "CC105", "names the input axis 1 twice"),
    # call fails: dim 1 appears multiple times in the list of dims (Keras builds gamma (7, 7))
    ([7, 5, 3], "RMSNormalization(axis=4)", "CC200", "axis 4 is out of range"),
    # IndexError: tuple index out of range
    ([7, 5, 6], "GroupNormalization()", "CC200", "groups=32 does not divide the 6 channels"),
    # ValueError: Number of groups (32) cannot be more than the number of channels (6).
    ([7, 5, 6], "GroupNormalization(4)", "CC200", "groups=4 does not divide the 6 channels"),
    # ValueError: Number of groups (4) must be a multiple of the number of channels (6).
    ([7, 5, 6], "GroupNormalization(0)", "CC105", "groups must be a positive integer, or -1"),
    # ValueError: Received an invalid value for argument `groups`, expected a positive integer (or `-1` ...)
    ([7, 5, 3], "UnitNormalization(axis=4)", "CC200", "axis 4 is out of range"),
    # ValueError: Axis 4 is out of bounds for input shape (None, 7, 5, 3).
    ([7, 5, 3], "Normalization(mean=1)", "CC105", "mean and variance must be given together"),
    # ValueError: When setting values directly, both `mean` and `variance` must be set.
    ([7, 5, 3], "Normalization(mean=[1, 2, 3], variance=[1, 1])", "CC105", "mean (3,) and variance (2,) must have the same"),
    # ValueError: When setting values directly, `mean` and `variance` must have the same shape.
    ([7, None, 3], "Normalization(axis=2)", "CC200", "the kept axis 2 size depends on an input dimension that is unknown"),
    # ValueError: All `axis` values to be kept must have a known shape.
    ([7, 5, 3], "Normalization(mean=[1, 2], variance=[1, 1])", "CC201", "mean of shape (2,) does not broadcast to (3,)"),
    # RuntimeError: The expanded size of the tensor (3) must match the existing size (2) at non-singleton dimension 3.
    ([7, 5, 3], "Rescaling([1, 2])", "CC201", "scale of shape (2,) does not broadcast"),
    # call fails: the scale (2,) does not broadcast against 3 channels
    ([7, 5, 3], "Dropout(1.5)", "CC105", "rate must be a number from 0 to 1, found 1.5"),
    # ValueError: Invalid value received for argument `rate`. Expected a float value between 0 and 1.
    ([7, 5, 3], "Dropout(0.5, noise_shape=(1, 0))", "CC105", "noise_shape must be None or a tuple of positive integers"),
    # ValueError: Invalid value received for argument `noise_shape`. ... Received negative or zero value at index 1: 0
    ([7, 5, 3], "AlphaDropout(2)", "CC105", "rate must be a number from 0 to 1"),
    # ValueError: Invalid value received for argument `rate`.
    ([7, 5, 3], "GaussianDropout(1.1)", "CC105", "rate must be a number from 0 to 1"),
    # ValueError: Invalid value received for argument `rate`.
    ([7, 5, 3], "GaussianNoise(2.0)", "CC105", "stddev must be a number from 0 to 1, found 2.0"),
    # ValueError: Invalid value received for argument `stddev`. Expected a float value between 0 and 1.
    ([7, 5, 3], "SpatialDropout1D(0.2)", "CC200", "SpatialDropout1D expects a 3-D input"),
    # ValueError: ... expected ndim=3, found ndim=4.
    ([7, 5, 3], "SpatialDropout2D(0.2, trainable=False)", "CC103", "SpatialDropout2D takes no argument 'trainable'"),
    # TypeError: SpatialDropout2D.__init__() got an unexpected keyword argument 'trainable'
    ([7, 5, 3], "ActivityRegularization(l1=-1)", "CC105", "l1 must be a number >= 0"),
    # ValueError: Invalid value for argument l1: expected a non-negative float.
    ([7, 5, 3], 'Activation("ReLU")', "CC105", "activation must be None or the name of a Keras activation"),
    # ValueError: Could not interpret activation function identifier: ReLU
    ([7, 5, 3], "ReLU(max_value=-1)", "CC105", "max_value must be a number >= 0"),
    # ValueError: max_value of a ReLU layer cannot be a negative value.
    ([7, 5, 3], "LeakyReLU(alpha=-0.1)", "CC105", "alpha must be a number >= 0"),
    # ValueError: The negative_slope value of a Leaky ReLU layer cannot be None or negative value.
    ([7, 5, 3], 'ELU("a")', "CC105", "alpha must be a number"),
    # call fails: elu(): argument 'alpha' (position 2) must be Number, not str
    ([7, 5, 3], "Softmax(axis=5)", "CC200", "axis 5 is out of range"),
    # call fails: Dimension out of range (expected to be in range of [-4, 3], but got 5)
    ([7, 5, 3], "PReLU(shared_axes=4)", "CC200", "shared_axes 4 is out of range for an input with 3 non-batch axes"),
    # IndexError: list assignment index out of range
    ([7, None, 3], "PReLU()", "CC200", "the alpha size depends on an input dimension that is unknown"),
    # ValueError: Shapes used to initialize variables must be fully-defined (no `None` dimensions).
    ([7, 3], "ZeroPadding1D(-1)", "CC105", "padding must be an integer >= 0 or a (before, after) pair"),
    # ValueError: The `padding` argument must be a tuple of 2 integers. ... that do not satisfy `value >= 0`
    ([7, 5, 3], "ZeroPadding2D((1, 2, 3))", "CC105", "a tuple of 2 of them, or a tuple of 2 (before, after) pairs"),
    # ValueError: `padding` should have two elements. Received: padding=(1, 2, 3).
    ([7, 5, 3], "ZeroPadding2D(-3)", "CC200", "leaves nothing of the spatial size (7, 5)"),
    # ValueError: Cannot convert '(None, 1, -1, 3)' to a shape. Negative dimensions are not allowed.
    ([7, 5, 4, 3], "ZeroPadding3D((1, 2))", "CC105", "a tuple of 3 of them, or a tuple of 3 (before, after) pairs"),
    # ValueError: `padding` should have 3 elements. Received: (1, 2).
    ([7, 3], "Cropping1D((4, 3))", "CC200", "cropping (4, 3) removes 7 of the 7 positions of the first spatial axis"),
    # ValueError: `cropping` parameter of `Cropping1D` layer must be smaller than the input length.
    ([7, 5, 3], "Cropping2D(((1, 2), (2, 3)))", "CC200", "removes 5 of the 5 positions of the second spatial axis"),
    # ValueError: Values in `cropping` argument should be smaller than the corresponding spatial dimension of the input.
    ([7, 5, 3], "Cropping2D(-1)", "CC105", "cropping must be an integer >= 0"),
    # ValueError: `cropping` cannot be negative. Received: cropping=-1.
    ([7, 5, 4, 3], "Cropping3D((1, 1, 2))", "CC200", "removes 4 of the 4 positions of the third spatial axis"),
    # ValueError: Values in `cropping` argument should be smaller than the corresponding spatial dimension of the input.
    ([7, 3], "UpSampling1D((2,))", "CC105", "size must be an integer >= 1"),
    # TypeError: Expected an integer value for `size`, got <class 'tuple'>.
    ([7, 5, 3], "UpSampling2D(0)", "CC105", "size must be an integer >= 1 or a tuple of 2 of them"),
    # ValueError: The `size` argument must be a tuple of 2 integers. ... that do not satisfy `value > 0`
    ([7, 5, 3], "UpSampling3D()", "CC200", "UpSampling3D expects a 5-D input"),
    # ValueError: ... expected ndim=5, found ndim=4.
]


@pytest.mark.parametrize(("shape", "layer", "code", "words"), REJECTED, ids=lambda v: str(v))
def test_keras_rejects_and_so_does_convcalc(shape: list[int | None], layer: str, code: str, words: str) -> None:
    diagnostic = error(shape, layer).diagnostic
    assert (diagnostic.code, words in diagnostic.message) == (code, True), diagnostic.message


def test_error_points_at_the_argument() -> None:
    # The pooling window that does not fit is about pool_size: the location is that keyword's column.
    diagnostic = error([7, 7, 3], "MaxPooling2D(pool_size=8)").diagnostic
    assert diagnostic.location.column == len("  - '") + len("MaxPooling2D(") + 1
    assert "use a smaller pool_size, or padding='same'" in diagnostic.hint


def test_small_cnn_totals_match_keras_summary() -> None:
    # keras 3.15.1 model.summary(): Total params: 5,546, Trainable params: 5,514, Non-trainable params: 32
    report = run(
        [32, 32, 3],
        'Conv2D(16, 3, padding="same")',
        "BatchNormalization()",
        "ReLU()",
        "MaxPooling2D()",
        "Dropout(0.25)",
        "Conv2D(32, 3)",
        "GroupNormalization(8)",
        "GlobalAveragePooling2D()",
        'Dense(10, activation="softmax")',
    )
    assert [(r.name, r.output_shape, r.params) for r in report.rows] == [
        ("conv2d", (None, 32, 32, 16), 448),
        ("batch_normalization", (None, 32, 32, 16), 64),
        ("re_lu", (None, 32, 32, 16), 0),
        ("max_pooling2d", (None, 16, 16, 16), 0),
        ("dropout", (None, 16, 16, 16), 0),
        ("conv2d_1", (None, 14, 14, 32), 4640),
        ("group_normalization", (None, 14, 14, 32), 64),
        ("global_average_pooling2d", (None, 32), 0),
        ("dense", (None, 10), 330),
    ]
    totals = report.totals
    assert (totals.params, totals.trainable_params, totals.non_trainable_params) == (5546, 5514, 32)


def test_known_batch_and_frozen_layer() -> None:
    # keras 3.15.1, keras.Input((7, 5, 3), batch_size=2): BatchNormalization(axis=0) builds its
    # weights over the batch axis (8 params); BatchNormalization(trainable=False) has 12
    # non-trainable. Total 20, trainable 4, non-trainable 16.
    report = run([7, 5, 3], "BatchNormalization(axis=0)", "BatchNormalization(trainable=False)", batch=2)
    assert [w.shape for w in report.rows[0].weights] == [(2,)] * 4
    assert report.rows[1].output_shape == (2, 7, 5, 3)
    totals = report.totals
    assert (totals.params, totals.trainable_params, totals.non_trainable_params) == (20, 4, 16)


@pytest.mark.parametrize(
    ("alias", "name"),
    [(f"MaxPool{r}D", f"MaxPooling{r}D") for r in (1, 2, 3)]
    + [(f"AvgPool{r}D", f"AveragePooling{r}D") for r in (1, 2, 3)]
    + [(f"GlobalMaxPool{r}D", f"GlobalMaxPooling{r}D") for r in (1, 2, 3)]
    + [(f"GlobalAvgPool{r}D", f"GlobalAveragePooling{r}D") for r in (1, 2, 3)],
)
def test_aliases_are_the_classes_keras_exports(alias: str, name: str) -> None:
    # keras 3.15.1: keras.layers.MaxPool2D is keras.layers.MaxPooling2D, and so on; the summary
    # names the row after the class. (AveragePooling's pool_size has no default in Keras 3.15.)
    assert KERAS.lookup(alias) is KERAS.lookup(name)
    rank = int(alias[-2])
    call = f"{alias}(2)" if "Global" not in alias else alias
    assert run([8] * rank + [3], call).rows[0].type == name


def test_popped_keywords_are_accepted_and_others_are_not() -> None:
    # Keras pops these from **kwargs before Layer sees them: LayerNormalization(rms_scaling=...),
    # LeakyReLU(alpha=...) (deprecated), Conv2D(lora_rank=...); Conv2DTranspose has no LoRA
    # (keras 3.15.1: "Unrecognized keyword arguments passed to Conv2DTranspose: {'lora_rank': 2}").
    assert row([7, 5, 3], "LayerNormalization(rms_scaling=True)").params == 3
    assert row([7, 5, 3], "LeakyReLU(alpha=0.1)").params == 0
    assert error([7, 7, 3], "Conv2DTranspose(8, 3, lora_rank=2)").diagnostic.code == "CC103"
    assert error([7, 7, 3], "BatchNormalization(rms_scaling=True)").diagnostic.code == "CC103"
