"""PyTorch's torch.nn modules (channels_first; parameters as torch holds them, buffers not
counted) and convcalc's own stand-ins for torch functions, registered from their modules:
layers.py (convolutions, pooling, padding, normalization, activations, resampling, merges),
sequence.py (embedding, recurrent modules, attention, the Transformer family) and functions.py
(tensor functions and methods: permute, view, chunk, matmul, scaled_dot_product_attention...)."""

from convcalc.frameworks import parameters
from convcalc.frameworks.base import Family, Vocabulary
from convcalc.frameworks.pytorch import functions, layers, sequence

SOLVABLE = {
    Family.CONVOLUTION: layers.CONV_TERMS,
    Family.TRANSPOSED_CONVOLUTION: layers.TRANSPOSED_TERMS,
    Family.POOLING: layers.MAX_POOL_TERMS,
}
PYTORCH = Vocabulary("pytorch", (*layers.TYPES, *sequence.TYPES, *functions.TYPES, parameters.PYTORCH), SOLVABLE)
sequence.register(PYTORCH)
