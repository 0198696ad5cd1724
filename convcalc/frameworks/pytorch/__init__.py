"""PyTorch's torch.nn modules (channels_first; parameters as torch holds them, buffers not
counted), torchvision.ops' blocks and convcalc's own stand-ins for torch functions, registered
from their modules: layers.py (convolutions, pooling, padding, normalization, activations,
resampling, merges), sequence.py (embedding, recurrent modules, attention, the Transformer
family), cells.py (RNNCell, LSTMCell, GRUCell), bilinear.py, bags.py (EmbeddingBag), sliding.py
(Fold, Unfold, MaxUnpool) and torchvision.py (Conv2dNormActivation, SqueezeExcitation,
StochasticDepth)."""

from convcalc.frameworks.base import Family, Vocabulary
from convcalc.frameworks.pytorch import bags, bilinear, cells, layers, sequence, sliding, torchvision

SOLVABLE = {
    Family.CONVOLUTION: layers.CONV_TERMS,
    Family.TRANSPOSED_CONVOLUTION: layers.TRANSPOSED_TERMS,
    Family.POOLING: layers.MAX_POOL_TERMS,
}
PYTORCH = Vocabulary(
    "pytorch",
    (*layers.TYPES, *sequence.TYPES, *cells.TYPES, *bilinear.TYPES, *bags.TYPES, *sliding.TYPES, *torchvision.TYPES),
    SOLVABLE,
)
sequence.register(PYTORCH)
torchvision.register(PYTORCH)
