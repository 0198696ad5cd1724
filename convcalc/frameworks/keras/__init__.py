"""Keras 3's layers (channels_last; weights named and shaped as Keras holds them), registered
from their modules: layers.py (convolutions, pooling, core, normalization, merging...),
sequence.py (embedding, recurrent layers, their wrappers, attention) and ops.py (convcalc's own
stand-ins for keras.ops calls: Mean, Transpose, Matmul...)."""

from convcalc.frameworks import parameters
from convcalc.frameworks.base import Family, Vocabulary
from convcalc.frameworks.keras import layers, ops, sequence

SOLVABLE = {
    Family.CONVOLUTION: layers.CONV_TERMS,
    Family.TRANSPOSED_CONVOLUTION: layers.TRANSPOSED_TERMS,
    Family.POOLING: layers.POOL_TERMS,
}
KERAS = Vocabulary("keras", (*layers.TYPES, *sequence.TYPES, *ops.TYPES, parameters.KERAS), SOLVABLE)
sequence.register(KERAS)
