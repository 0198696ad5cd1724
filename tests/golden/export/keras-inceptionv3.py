"""Keras code for specs/keras-inceptionv3.yaml, written by `convcalc export`."""

import keras
from keras import layers


def conv_bn(
    x, filters=None, kernel_size=None, strides=1, padding="same", name="conv_bn"
):
    x = layers.Conv2D(
        filters,
        kernel_size,
        strides=strides,
        padding=padding,
        use_bias=False,
        name=name + "_conv2d",
    )(x)
    x = layers.BatchNormalization(scale=False, name=name + "_batch_normalization")(x)
    x = layers.Activation("relu", name=name + "_activation")(x)
    return x


def inception_a(x, pool_filters, name="inception_a"):
    b1x1 = conv_bn(x, 64, 1, name=name + "_b1x1")
    out = conv_bn(x, 48, 1, name=name + "_conv_bn")
    b5x5 = conv_bn(out, 64, 5, name=name + "_b5x5")
    out = conv_bn(x, 64, 1, name=name + "_conv_bn_1")
    out = conv_bn(out, 96, 3, name=name + "_conv_bn_2")
    b3x3dbl = conv_bn(out, 96, 3, name=name + "_b3x3dbl")
    out = layers.AveragePooling2D(
        3, strides=1, padding="same", name=name + "_average_pooling2d"
    )(x)
    out = conv_bn(out, pool_filters, 1, name=name + "_pool")
    out = layers.Concatenate(name=name + "_concatenate")([b1x1, b5x5, b3x3dbl, out])
    return out


def reduction_a(x, name="reduction_a"):
    b3x3 = conv_bn(x, 384, 3, strides=2, padding="valid", name=name + "_b3x3")
    out = conv_bn(x, 64, 1, name=name + "_conv_bn")
    out = conv_bn(out, 96, 3, name=name + "_conv_bn_1")
    b3x3dbl = conv_bn(out, 96, 3, strides=2, padding="valid", name=name + "_b3x3dbl")
    out = layers.MaxPooling2D(3, strides=2, name=name + "_pool")(x)
    out = layers.Concatenate(name=name + "_concatenate")([b3x3, b3x3dbl, out])
    return out


def inception_c(x, c7, name="inception_c"):
    b1x1 = conv_bn(x, 192, 1, name=name + "_b1x1")
    out = conv_bn(x, c7, 1, name=name + "_conv_bn")
    out = conv_bn(out, c7, (1, 7), name=name + "_conv_bn_1")
    b7x7 = conv_bn(out, 192, (7, 1), name=name + "_b7x7")
    out = conv_bn(x, c7, 1, name=name + "_conv_bn_2")
    out = conv_bn(out, c7, (7, 1), name=name + "_conv_bn_3")
    out = conv_bn(out, c7, (1, 7), name=name + "_conv_bn_4")
    out = conv_bn(out, c7, (7, 1), name=name + "_conv_bn_5")
    b7x7dbl = conv_bn(out, 192, (1, 7), name=name + "_b7x7dbl")
    out = layers.AveragePooling2D(
        3, strides=1, padding="same", name=name + "_average_pooling2d"
    )(x)
    out = conv_bn(out, 192, 1, name=name + "_pool")
    out = layers.Concatenate(name=name + "_concatenate")([b1x1, b7x7, b7x7dbl, out])
    return out


def reduction_b(x, name="reduction_b"):
    out = conv_bn(x, 192, 1, name=name + "_conv_bn")
    b3x3 = conv_bn(out, 320, 3, strides=2, padding="valid", name=name + "_b3x3")
    out = conv_bn(x, 192, 1, name=name + "_conv_bn_1")
    out = conv_bn(out, 192, (1, 7), name=name + "_conv_bn_2")
    out = conv_bn(out, 192, (7, 1), name=name + "_conv_bn_3")
    b7x7x3 = conv_bn(out, 192, 3, strides=2, padding="valid", name=name + "_b7x7x3")
    out = layers.MaxPooling2D(3, strides=2, name=name + "_pool")(x)
    out = layers.Concatenate(name=name + "_concatenate")([b3x3, b7x7x3, out])
    return out


def split(x, filters, name="split"):
    conv_bn_2 = conv_bn(x, filters, (1, 3), name=name + "_conv_bn")
    out = conv_bn(x, filters, (3, 1), name=name + "_conv_bn_1")
    out = layers.Concatenate(name=name + "_concatenate")([conv_bn_2, out])
    return out


def inception_e(x, name="inception_e"):
    b1x1 = conv_bn(x, 320, 1, name=name + "_b1x1")
    out = conv_bn(x, 384, 1, name=name + "_conv_bn")
    b3x3 = split(out, 384, name=name + "_b3x3")
    out = conv_bn(x, 448, 1, name=name + "_conv_bn_1")
    out = conv_bn(out, 384, 3, name=name + "_conv_bn_2")
    b3x3dbl = split(out, 384, name=name + "_b3x3dbl")
    out = layers.AveragePooling2D(
        3, strides=1, padding="same", name=name + "_average_pooling2d"
    )(x)
    out = conv_bn(out, 192, 1, name=name + "_pool")
    out = layers.Concatenate(name=name + "_concatenate")([b1x1, b3x3, b3x3dbl, out])
    return out


def keras_inceptionv3():
    inputs = keras.Input(shape=(299, 299, 3), name="input")
    x = conv_bn(inputs, 32, 3, strides=2, padding="valid", name="conv_bn")
    x = conv_bn(x, 32, 3, padding="valid", name="conv_bn_1")
    x = conv_bn(x, 64, 3, name="conv_bn_2")
    x = layers.MaxPooling2D(3, strides=2, name="max_pooling2d")(x)
    x = conv_bn(x, 80, 1, padding="valid", name="conv_bn_3")
    x = conv_bn(x, 192, 3, padding="valid", name="conv_bn_4")
    x = layers.MaxPooling2D(3, strides=2, name="max_pooling2d_1")(x)
    x = inception_a(x, 32, name="mixed0")
    x = inception_a(x, 64, name="mixed1")
    x = inception_a(x, 64, name="mixed2")
    x = reduction_a(x, name="mixed3")
    x = inception_c(x, 128, name="mixed4")
    x = inception_c(x, 160, name="mixed5")
    x = inception_c(x, 160, name="mixed6")
    x = inception_c(x, 192, name="mixed7")
    x = reduction_b(x, name="mixed8")
    x = inception_e(x, name="mixed9")
    x = inception_e(x, name="mixed10")
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    x = layers.Dense(1000, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, x, name="keras-inceptionv3")


if __name__ == "__main__":
    keras_inceptionv3().summary()
