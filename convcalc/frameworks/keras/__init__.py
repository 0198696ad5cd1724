"""Keras 3's layers (channels_last; weights named and shaped as Keras holds them), registered
from their modules: layers.py (convolutions, pooling, core, normalization, merging...),
sequence.py (embedding, recurrent layers, their wrappers, multi-head attention), ops.py (convcalc's
own stand-ins for keras.ops calls: Mean, Transpose, Matmul...), convlstm.py, attention.py
(Attention, AdditiveAttention), einsum.py (EinsumDense), preprocessing.py (Resizing, CenterCrop,
CategoryEncoding), augmentation.py (the Random* layers) and applications.py (keras.applications'
own LayerScale, StochasticDepth, CustomScaleLayer); parameters.py holds the parameter tensor."""

from convcalc.frameworks import parameters
from convcalc.frameworks.base import Family, Vocabulary
from convcalc.frameworks.keras import (
    applications,
    attention,
    augmentation,
    convlstm,
    einsum,
    layers,
    ops,
    preprocessing,
    sequence,
)

SOLVABLE = {
    Family.CONVOLUTION: layers.CONV_TERMS,
    Family.TRANSPOSED_CONVOLUTION: layers.TRANSPOSED_TERMS,
    Family.POOLING: layers.POOL_TERMS,
}
KERAS = Vocabulary(
    "keras",
    (
        *layers.TYPES,
        *sequence.TYPES,
        *ops.TYPES,
        parameters.KERAS,
        *convlstm.TYPES,
        *attention.TYPES,
        *einsum.TYPES,
        *preprocessing.TYPES,
        *augmentation.TYPES,
        *applications.TYPES,
    ),
    SOLVABLE,
)
sequence.register(KERAS)
