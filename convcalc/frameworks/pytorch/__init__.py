"""PyTorch's torch.nn modules (channels_first; parameters as torch holds them, buffers not
counted), torchvision.ops' blocks and convcalc's own stand-ins for torch functions, from their
modules: layers.py (convolutions, pooling, padding, normalization, activations, resampling,
merges), sequence.py (embedding, recurrent modules, attention, the Transformer family),
functions.py (tensor functions and methods: permute, view, chunk, matmul,
scaled_dot_product_attention...), cells.py (RNNCell, LSTMCell, GRUCell), bilinear.py, bags.py
(EmbeddingBag), sliding.py (Fold, Unfold, MaxUnpool), given.py (F.conv2d and F.batch_norm on
weights the forward computes) and torchvision.py (Conv2dNormActivation,
SqueezeExcitation, StochasticDepth); parameters.py holds the parameter tensor and the buffer.

Each module is imported the first time one of the names written beside it is looked up
(base.Vocabulary); tests/test_vocabulary.py proves the names are exactly what it defines."""

from convcalc.frameworks.base import Vocabulary

PYTORCH = Vocabulary(
    "pytorch",
    {
        "convcalc.frameworks.pytorch.layers": (
            "Conv1d ConvTranspose1d LazyConv1d LazyConvTranspose1d Conv2d ConvTranspose2d LazyConv2d "
            "LazyConvTranspose2d Conv3d ConvTranspose3d LazyConv3d LazyConvTranspose3d Linear LazyLinear Flatten "
            "Unflatten Identity MaxPool1d AvgPool1d LPPool1d AdaptiveMaxPool1d AdaptiveAvgPool1d MaxPool2d AvgPool2d "
            "LPPool2d AdaptiveMaxPool2d AdaptiveAvgPool2d MaxPool3d AvgPool3d LPPool3d AdaptiveMaxPool3d "
            "AdaptiveAvgPool3d ZeroPad1d ConstantPad1d ReflectionPad1d ReplicationPad1d CircularPad1d ZeroPad2d "
            "ConstantPad2d ReflectionPad2d ReplicationPad2d CircularPad2d ZeroPad3d ConstantPad3d ReflectionPad3d "
            "ReplicationPad3d CircularPad3d BatchNorm1d InstanceNorm1d LazyBatchNorm1d LazyInstanceNorm1d BatchNorm2d "
            "InstanceNorm2d LazyBatchNorm2d LazyInstanceNorm2d BatchNorm3d InstanceNorm3d LazyBatchNorm3d "
            "LazyInstanceNorm3d SyncBatchNorm LayerNorm RMSNorm GroupNorm LocalResponseNorm CrossMapLRN2d Dropout "
            "Dropout1d Dropout2d Dropout3d AlphaDropout FeatureAlphaDropout ReLU ReLU6 SELU SiLU Mish Hardswish "
            "Hardsigmoid Sigmoid Tanh LogSigmoid Softsign Tanhshrink LeakyReLU ELU CELU Softplus Hardshrink "
            "Softshrink Threshold RReLU Hardtanh GELU Softmax LogSoftmax Softmin Softmax2d PReLU GLU Upsample "
            "UpsamplingNearest2d UpsamplingBilinear2d PixelShuffle PixelUnshuffle ChannelShuffle Select Add Multiply "
            "Concat Cat"
        ),
        "convcalc.frameworks.pytorch.sequence": (
            "Embedding RNN LSTM GRU MultiheadAttention TransformerEncoderLayer TransformerDecoderLayer "
            "TransformerEncoder TransformerDecoder Transformer"
        ),
        "convcalc.frameworks.pytorch.functions": (
            "Permute Transpose Reshape View Squeeze Unsqueeze Expand Repeat Tile RepeatInterleave Mean Sum Amax Amin Max Min "
            "Norm Chunk Split Roll TensorUnfold Slice Index Gather Neg Cos Sin Exp Sqrt Rsqrt FullLike Clamp Normalize Cumsum "
            "Matmul Einsum ScaledDotProductAttention Subtract Divide Pow NotEqual Interpolate Pad"
        ),
        "convcalc.frameworks.parameters:PYTORCH_TYPES": "Parameter Buffer",
        "convcalc.frameworks.pytorch.cells": "RNNCell LSTMCell GRUCell",
        "convcalc.frameworks.pytorch.given": "Convolution BatchNorm",
        "convcalc.frameworks.pytorch.bilinear": "Bilinear",
        "convcalc.frameworks.pytorch.bags": "EmbeddingBag",
        "convcalc.frameworks.pytorch.sliding": "Unfold Fold MaxUnpool1d MaxUnpool2d MaxUnpool3d",
        "convcalc.frameworks.pytorch.torchvision": (
            "StochasticDepth LayerNorm2d Conv2dNormActivation Conv3dNormActivation SqueezeExcitation"
        ),
    },
)
