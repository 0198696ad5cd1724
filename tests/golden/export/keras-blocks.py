"""Keras code for tests/specs/export/keras-blocks.yaml, written by `convcalc export`."""

import keras
from keras import layers


def residual(x, filters=8, strides=1, name="residual"):
    """Block residual, as same uses it."""
    out = layers.Conv2D(
        filters, 3, strides=strides, padding="same", name=name + "_conv"
    )(x)
    out = layers.Add(name=name + "_add")([out, x])
    return out


def residual_2(x, filters=8, strides=1, name="residual"):
    """Block residual, as down uses it."""
    conv = layers.Conv2D(
        filters, 3, strides=strides, padding="same", name=name + "_conv"
    )(x)
    out = layers.Conv2D(filters, 1, strides=strides, name=name + "_projection")(x)
    out = layers.Add(name=name + "_add")([conv, out])
    return out


def dilated(x, name="dilated"):
    """Block dilated, as context.block1 uses it, worked out (its arithmetic reads
    copy)."""
    x = layers.Conv2D(16, 3, padding="same", dilation_rate=1, name=name + "_conv")(x)
    return x


def dilated_2(x, name="dilated"):
    """Block dilated, as context.block2 uses it, worked out (its arithmetic reads
    copy)."""
    x = layers.Conv2D(16, 3, padding="same", dilation_rate=2, name=name + "_conv")(x)
    return x


def mix(x, filters=16, name="mix"):
    """Block mix, as mixer.block1 uses it."""
    sum_ = layers.Add(name=name + "_sum")([x, x])
    conv = layers.Conv2D(filters, 1, name=name + "_conv")(sum_)
    return conv, sum_


def mix_2(x, skip, filters=16, name="mix"):
    """Block mix, as mixer.block2 uses it."""
    x = layers.Add(name=name + "_sum")([x, skip])
    x = layers.Conv2D(filters, 1, name=name + "_conv")(x)
    return x


def keras_blocks():
    inputs = keras.Input(shape=(16, 16, 8), name="input")
    x = residual(inputs, name="same")
    x = residual_2(x, 16, 2, name="down")
    stem = layers.Activation("linear", name="stem")(x)
    mixer, sum_ = mix(stem, name="mixer_block1")
    x = mix_2(mixer, stem, name="mixer_block2")
    x = dilated(x, name="context_block1")
    x = dilated_2(x, name="context_block2")
    gate = layers.Multiply(name="gate")([x, mixer])
    return keras.Model(inputs, [gate, sum_], name="keras-blocks")


if __name__ == "__main__":
    keras_blocks().summary()
