"""Keras 3's layers (channels_last; weights named and shaped as Keras holds them), registered
from their modules: layers.py (convolutions, pooling, core, normalization, merging...) and
sequence.py (embedding, recurrent layers, their wrappers, attention)."""

from convcalc.frameworks import parameters
from convcalc.frameworks.base import Family, Vocabulary
from convcalc.frameworks.keras import layers, sequence

SOLVABLE = {
    Family.CONVOLUTION: layers.CONV_TERMS,
    Family.TRANSPOSED_CONVOLUTION: layers.TRANSPOSED_TERMS,
    Family.POOLING: layers.POOL_TERMS,
}
KERAS = Vocabulary("keras", (*layers.TYPES, *sequence.TYPES, parameters.KERAS), SOLVABLE)
sequence.register(KERAS)
