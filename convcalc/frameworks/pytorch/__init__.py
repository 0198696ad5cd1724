"""PyTorch's torch.nn modules (channels_first; parameters as torch holds them, buffers not
counted), torchvision.ops' blocks and convcalc's own stand-ins for torch functions, registered
from their modules: layers.py (convolutions, pooling, padding, normalization, activations,
resampling, merges), sequence.py (embedding, recurrent modules, attention, the Transformer
family), functions.py (tensor functions and methods: permute, view, chunk, matmul,
scaled_dot_product_attention...), cells.py (RNNCell, LSTMCell, GRUCell), bilinear.py, bags.py
(EmbeddingBag), sliding.py (Fold, Unfold, MaxUnpool) and torchvision.py (Conv2dNormActivation,
SqueezeExcitation, StochasticDepth); parameters.py holds the parameter tensor and the buffer."""

from convcalc.frameworks import parameters
from convcalc.frameworks.base import Family, Vocabulary
from convcalc.frameworks.pytorch import bags, bilinear, cells, functions, layers, sequence, sliding, torchvision

SOLVABLE = {
    Family.CONVOLUTION: layers.CONV_TERMS,
    Family.TRANSPOSED_CONVOLUTION: layers.TRANSPOSED_TERMS,
    Family.POOLING: layers.MAX_POOL_TERMS,
}
PYTORCH = Vocabulary(
    "pytorch",
    (
        *layers.TYPES,
        *sequence.TYPES,
        *functions.TYPES,
        parameters.PYTORCH,
        parameters.BUFFER,
        *cells.TYPES,
        *bilinear.TYPES,
        *bags.TYPES,
        *sliding.TYPES,
        *torchvision.TYPES,
    ),
    SOLVABLE,
)
sequence.register(PYTORCH)
torchvision.register(PYTORCH)
