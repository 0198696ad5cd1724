"""Keras 3's layers (channels_last; weights named and shaped as Keras holds them), from their
modules: layers.py (convolutions, pooling, core, normalization, merging...), sequence.py
(embedding, recurrent layers, their wrappers, multi-head attention), ops.py (convcalc's own
stand-ins for keras.ops calls: Mean, Transpose, Matmul...), convlstm.py, attention.py (Attention,
AdditiveAttention), einsum.py (EinsumDense), preprocessing.py (Resizing, CenterCrop,
CategoryEncoding), augmentation.py (the Random* layers) and applications.py (keras.applications'
own LayerScale, StochasticDepth, CustomScaleLayer); parameters.py holds the parameter tensor.

Each module is imported the first time one of the names written beside it is looked up
(base.Vocabulary); tests/test_vocabulary.py proves the names are exactly what it defines."""

from convcalc.frameworks.base import Vocabulary

KERAS = Vocabulary(
    "keras",
    {
        "convcalc.frameworks.keras.layers": (
            "Conv1D Convolution1D Conv1DTranspose Convolution1DTranspose Conv2D Convolution2D Conv2DTranspose "
            "Convolution2DTranspose Conv3D Convolution3D Conv3DTranspose Convolution3DTranspose DepthwiseConv1D "
            "SeparableConv1D SeparableConvolution1D DepthwiseConv2D SeparableConv2D SeparableConvolution2D Dense "
            "Flatten Reshape Permute RepeatVector Identity Masking MaxPooling1D MaxPool1D AveragePooling1D AvgPool1D "
            "GlobalMaxPooling1D GlobalMaxPool1D GlobalAveragePooling1D GlobalAvgPool1D MaxPooling2D MaxPool2D "
            "AveragePooling2D AvgPool2D GlobalMaxPooling2D GlobalMaxPool2D GlobalAveragePooling2D GlobalAvgPool2D "
            "MaxPooling3D MaxPool3D AveragePooling3D AvgPool3D GlobalMaxPooling3D GlobalMaxPool3D "
            "GlobalAveragePooling3D GlobalAvgPool3D BatchNormalization LayerNormalization RMSNormalization "
            "GroupNormalization UnitNormalization Normalization Rescaling Dropout AlphaDropout GaussianDropout "
            "GaussianNoise ActivityRegularization SpatialDropout1D SpatialDropout2D SpatialDropout3D Activation ReLU "
            "LeakyReLU PReLU ELU Softmax ZeroPadding1D Cropping1D UpSampling1D ZeroPadding2D Cropping2D UpSampling2D "
            "ZeroPadding3D Cropping3D UpSampling3D Add Subtract Multiply Average Maximum Minimum Concatenate Dot"
        ),
        "convcalc.frameworks.keras.sequence": "Embedding SimpleRNN GRU LSTM MultiHeadAttention Bidirectional TimeDistributed",
        "convcalc.frameworks.keras.ops": "Mean Sum Max Min Transpose ExpandDims Squeeze Matmul TrueDivide",
        "convcalc.frameworks.parameters:KERAS_TYPES": "Parameter",
        "convcalc.frameworks.keras.convlstm": "ConvLSTM1D ConvLSTM2D ConvLSTM3D",
        "convcalc.frameworks.keras.attention": "Attention AdditiveAttention",
        "convcalc.frameworks.keras.einsum": "EinsumDense",
        "convcalc.frameworks.keras.preprocessing": "Resizing CenterCrop CategoryEncoding",
        "convcalc.frameworks.keras.augmentation": (
            "RandomFlip RandomRotation RandomZoom RandomTranslation RandomShear RandomContrast RandomBrightness "
            "RandomGrayscale RandomHue RandomSaturation RandomSharpness RandomColorDegeneration RandomInvert "
            "RandomPosterization RandomErasing RandomGaussianBlur RandomPerspective RandomElasticTransform "
            "RandomColorJitter Solarization AutoContrast Equalization MixUp CutMix RandAugment AugMix RandomCrop"
        ),
        "convcalc.frameworks.keras.applications": "LayerScale StochasticDepth CustomScaleLayer",
    },
)
