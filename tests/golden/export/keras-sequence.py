"""Keras code for tests/specs/export/keras-sequence.yaml, written by `convcalc
export`."""

import keras
from keras import layers


def keras_sequence():
    inputs = keras.Input(shape=(20,), name="input")
    x = layers.Embedding(1000, 32, name="embedding")(inputs)
    enc = layers.Bidirectional(
        layers.LSTM(16, return_sequences=True, return_state=True), name="enc"
    )(x)
    att = layers.MultiHeadAttention(2, 8, name="att")(
        enc[0], enc[0], return_attention_scores=True
    )
    from_state = layers.Dense(4, name="from_state")(enc[1])
    proj_layer = layers.Dense(32, name="proj")
    x = proj_layer(att[0])
    x = proj_layer(x)
    per_step = layers.TimeDistributed(layers.Dense(3), name="per_step")(x)
    return keras.Model(
        inputs, [att[0], att[1], from_state, per_step], name="keras-sequence"
    )


if __name__ == "__main__":
    keras_sequence().summary()
