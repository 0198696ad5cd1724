"""Multiply-accumulates of one forward pass through a layer, as fvcore counts them. Each layer
type names its rule (frameworks/*: LayerType.macs); the rules here serve every rank and both
frameworks.

MACs are counted as fvcore counts them (fvcore/nn/flop_count.py `_DEFAULT_SUPPORTED_OPS`, the
handlers in fvcore/nn/jit_handles.py), in inference mode (`model.eval()`): one multiply-add per
kernel weight per output position, bias not counted. FLOPs = 2 x MACs. What counts:

- convolution (aten::_convolution, conv_flop_count): batch x prod(weight) x output positions;
  a transposed convolution counts its *input* positions. Grouped, depthwise and separable
  convolutions follow, since their weights are smaller (separable: both kernels).
- Linear / Dense on any rank (aten::linear): input elements x out_features; matmul/bmm (Keras Dot,
  convcalc's Matmul: the first operand's elements x the second's last size, matmul_flop_jit).
  Keras's LoRA factors are multiplied into the kernel once per call (its `kernel` property).
- batch norm (aten::batch_norm): elements x 2 (affine) or x 1; with track_running_stats=False
  torch normalizes with the batch's statistics even in eval mode: elements x 5 (affine) or x 4.
- layer, group and instance norm (aten::layer_norm, group_norm, instance_norm): elements x 5
  (affine) or x 4.
- 2-D nearest up-sampling: output elements; 2-D bilinear: output elements x 4; 2-D adaptive
  average pooling (and mode="area", which calls it): input elements. fvcore has no handler for
  their 1-D and 3-D forms, nor for bicubic or nearest-exact: those count 0, as there.

Everything else counts 0, as in fvcore: activations, element-wise merges and arithmetic (Add,
Multiply...), max/average/LP pooling, padding, dropout, reshapes, permutes, squeezes, expands,
reductions (mean, sum, amax), splits, embeddings (a lookup), PReLU, softmax, RMS and unit
normalization, local response norm, pixel shuffle, and F.interpolate with antialias=True.

Where fvcore has no handler for a layer built of matrix products, convcalc counts the products
by the same rule (what fvcore counts when the same layer is written with nn.Linear and bmm):
- RNN, LSTM, GRU (aten::lstm, aten::gru: unsupported by fvcore, 0 there): every input-hidden,
  hidden-hidden (and LSTM projection) weight once per time step, as in the cell equations of
  torch.nn.LSTM's docs (gate products and non-linearities are element-wise, not counted);
- attention inside torch's Transformer layers, which run F.scaled_dot_product_attention (no
  fvcore handler), Keras's MultiHeadAttention (the same on the torch backend) and convcalc's own
  ScaledDotProductAttention: QK^T and AV are counted as MultiheadAttention's own bmm calls are;
- convolutions given padding="same" or "valid" as a string, which run aten::_convolution_mode
  (no fvcore handler): counted as any convolution.
fvcore sees torch's MultiheadAttention only with autograd on: under torch.no_grad() it runs a
fused fast path whose products fvcore does not count.

Keras layers count as their PyTorch counterparts do (Dense as Linear, BatchNormalization as
BatchNorm in eval mode, GlobalAveragePooling2D as AdaptiveAvgPool2d(1), UpSampling2D as
Upsample). An unknown batch (None) counts one sample; any other unknown size leaves the count
unknown (None).
"""

from __future__ import annotations

from collections.abc import Callable
from math import prod

from convcalc.ops.tensor import Shape, Weight, all_known
from convcalc.record import Record
from convcalc.signature import Args


class Layer(Record):
    """What a MACs rule reads: a computed layer (a report row), or a layer wrapped inside one
    (TimeDistributed's layer, a TransformerEncoder's encoder_layer)."""

    __slots__ = ("framework", "args", "input_shapes", "outputs", "weights")

    framework: str
    args: Args
    input_shapes: tuple[Shape, ...]
    outputs: tuple[Shape, ...]
    weights: tuple[Weight, ...]

    def __init__(
        self, framework: str, args: Args, input_shapes: tuple[Shape, ...], outputs: tuple[Shape, ...], weights: tuple[Weight, ...]
    ) -> None:
        self.framework = framework
        self.args = args
        self.input_shapes = input_shapes
        self.outputs = outputs
        self.weights = weights


MacsRule = Callable[[Layer], "int | None"]


# --- Sizes


def elements(shape: Shape) -> int | None:
    """Elements of a tensor; an unknown leading (batch) size counts as one sample, any other
    unknown size makes the count unknown.

    >>> elements((None, 26, 26, 32)), elements((8, 10)), elements((None, None, 10))
    (21632, 80, None)
    """
    dims = shape[1:] if shape and shape[0] is None else shape
    return prod(dims) if all_known(dims) else None


def positions(shape: Shape, channel_axis: int) -> int | None:
    """Positions of a feature map: its elements over its channels (batch x spatial sizes).

    >>> positions((None, 24, 24, 64), -1), positions((2, 64, 24, 24), 1)
    (576, 1152)
    """
    total, channels = elements(shape), shape[channel_axis]
    return None if total is None or channels is None else total // channels


def multiply(*factors: int | None) -> int | None:
    """The product, or None when a factor is unknown.

    >>> multiply(2, 3, 4), multiply(2, None)
    (24, None)
    """
    return prod(factors) if all_known(factors) else None


def summed(*counts: int | None) -> int | None:
    """The sum, or None when a count is unknown.

    >>> summed(1, 2), summed(1, None)
    (3, None)
    """
    return sum(counts) if all_known(counts) else None


KERNELS = ("weight", "kernel", "depthwise_kernel", "pointwise_kernel")
"""The weights a convolution or dense layer applies at every position; not the biases."""


def kernel_weights(layer: Layer) -> int:
    """How many kernel weights the layer applies at each position."""
    return sum(w.size for w in layer.weights if w.name in KERNELS)


def lora_merge(layer: Layer) -> int:
    """Keras's LoRA factors are multiplied into the kernel once per call, not per position
    (keras/src/layers/core/dense.py and convolutional/base_conv.py `kernel`: kernel +
    matmul(lora_kernel_a, lora_kernel_b) * alpha / rank).

    >>> a, b = Weight("lora_kernel_a", (3, 2)), Weight("lora_kernel_b", (2, 5))
    >>> lora_merge(Layer("keras", Args("Dense", {}), ((None, 3),), ((None, 5),), (a, b)))  # 3 x 2 x 5
    30
    """
    factors = {w.name: w for w in layer.weights}
    if "lora_kernel_a" not in factors:
        return 0
    return factors["lora_kernel_a"].size * factors["lora_kernel_b"].shape[-1]


def channel_axis(layer: Layer) -> int:
    """PyTorch is channels_first; Keras follows data_format (channels_last by default)."""
    if layer.framework == "pytorch" or layer.args.get("data_format") == "channels_first":
        return 1
    return -1


def zero(layer: Layer) -> int:
    """What fvcore counts for the layers it skips or has no handler for: activations,
    element-wise merges, max/average pooling, padding, dropout, reshapes, embedding lookups."""
    return 0


# --- Rules, one per family: each serves 1-D, 2-D and 3-D and both frameworks


def convolution(layer: Layer) -> int | None:
    """conv_flop_count: prod(weight) per output position (Keras's depthwise and separable
    kernels included: each is applied once per output position)."""
    return summed(multiply(kernel_weights(layer), positions(layer.outputs[0], channel_axis(layer))), lora_merge(layer))


def transposed_convolution(layer: Layer) -> int | None:
    """conv_flop_count(transposed=True): prod(weight) per *input* position."""
    return multiply(kernel_weights(layer), positions(layer.input_shapes[0], channel_axis(layer)))


def dense(layer: Layer) -> int | None:
    """linear_flop_jit: input elements x out_features = prod(weight) per output position."""
    return summed(multiply(kernel_weights(layer), positions(layer.outputs[0], -1)), lora_merge(layer))


def affine(layer: Layer) -> bool:
    """Whether a normalization scales or shifts after normalizing (torch's affine /
    elementwise_affine; Keras's scale or center)."""
    args = layer.args
    if layer.framework == "keras":
        return bool(args.get("scale", True) or args.get("center", True))
    return bool(args.get("affine", args.get("elementwise_affine", True)))


def batch_norm(layer: Layer) -> int | None:
    """batchnorm_flop_jit: in eval mode elements x (2 if affine else 1); torch without running
    statistics normalizes with the batch's even in eval mode, which fvcore counts as training:
    elements x (5 if affine else 4)."""
    batch_statistics = layer.framework == "pytorch" and not layer.args.get("track_running_stats", True)
    factor = (5 if batch_statistics else 2) if affine(layer) else (4 if batch_statistics else 1)
    return multiply(elements(layer.input_shapes[0]), factor)


def norm(layer: Layer) -> int | None:
    """norm_flop_counter: elements x (5 if affine else 4) ("5 is just a rough estimate"). Keras's
    LayerNormalization(rms_scaling=True) is an RMS norm, which fvcore does not count."""
    if layer.args.get("rms_scaling"):
        return 0
    return multiply(elements(layer.input_shapes[0]), 5 if affine(layer) else 4)


UPSAMPLING = {"nearest": ("output", 1), "bilinear": ("output", 4), "area": ("input", 1)}
"""fvcore's 2-D handlers: upsample_nearest2d (output x 1), upsample_bilinear2d (output x 4);
interpolate's mode="area" runs adaptive_avg_pool2d (input x 1)."""


def upsampling(mode: str | None = None) -> MacsRule:
    """torch's Upsample, UpsamplingNearest2d, UpsamplingBilinear2d; Keras's UpSampling2D. A class
    that fixes its `mode` says so; the others read `mode` (torch) or `interpolation` (Keras)."""

    def rule(layer: Layer) -> int | None:
        chosen = mode or str(layer.args.get("mode", layer.args.get("interpolation", "nearest"))).lower()
        if len(layer.input_shapes[0]) != 4 or chosen not in UPSAMPLING:
            return 0
        side, factor = UPSAMPLING[chosen]
        return multiply(elements(layer.outputs[0] if side == "output" else layer.input_shapes[0]), factor)

    return rule


def adaptive_average_pool(layer: Layer) -> int | None:
    """adaptive_avg_pool2d: input elements (fvcore has no 1-D or 3-D handler: 0)."""
    return elements(layer.input_shapes[0]) if len(layer.input_shapes[0]) == 4 else 0


def recurrent(layer: Layer) -> int | None:
    """Every weight matrix but the biases once per time step and sequence: W_ih x_t and
    W_hh h_(t-1) for each gate (torch.nn.LSTM/GRU/RNN docs' equations; Keras's kernel and
    recurrent_kernel), LSTM's W_hr h_t with proj_size; every layer and direction of a stack,
    and both of a Bidirectional, run over every step."""
    matrices = sum(w.size for w in layer.weights if "bias" not in w.name.rsplit("/", 1)[-1])
    return multiply(matrices, positions(layer.input_shapes[0], -1))


def attention_products(query_tokens: int, kv_tokens: int, pairs: int, width: int) -> int:
    """Multi-head attention of width E = heads x head_dim with packed projections:
    q, k, v and out projections (E x E each) and QK^T and AV (E per query-key pair)."""
    return width * width * (2 * query_tokens + 2 * kv_tokens) + 2 * pairs * width


def torch_multihead_attention(layer: Layer) -> int | None:
    """F.multi_head_attention_forward: linear q, k, v projections (kdim, vdim wide inputs),
    bmm for QK^T and AV over every head (the averaged weights have N x L x S entries, and
    heads x head_dim = embed_dim), linear out_proj."""
    shapes = layer.input_shapes * 3 if len(layer.input_shapes) == 1 else layer.input_shapes
    width = layer.args.int("embed_dim")
    query, key, value = (elements(s) for s in shapes)
    pairs = elements(layer.outputs[1])
    return multiply(width, summed(query, key, value, elements(layer.outputs[0]), multiply(2, pairs)))


def keras_multi_head_attention(layer: Layer) -> int | None:
    """EinsumDense projections (query, key, value, the optional gate, attention_output), each
    kernel once per position of the input it reads, and the two einsums over the scores:
    QK^T (key_dim per score) and AV (value_dim per score)."""
    shapes = layer.input_shapes * 2 if len(layer.input_shapes) == 1 else layer.input_shapes
    query, value = shapes[0], shapes[1]
    key = shapes[2] if len(shapes) == 3 else value
    reads = {"query": query, "key": key, "value": value, "gate": query, "attention_output": query}
    kernels = {w.name.split("/")[0]: w for w in layer.weights if w.name.endswith("/kernel")}
    counts = [multiply(w.size, positions(reads[name], -1)) for name, w in kernels.items()]
    per_score = kernels["key"].shape[-1] + kernels["value"].shape[-1]
    return summed(*counts, multiply(elements(layer.outputs[1]), per_score))


def sequence_length(shape: Shape, batch_first: bool) -> int | None:
    """L of a (L, N, E) or batch_first (N, L, E) sequence, or of an unbatched (L, E) one."""
    return shape[1] if len(shape) == 3 and batch_first else shape[0]


def tokens(shape: Shape) -> int | None:
    return positions(shape, -1)


def encoder_layer(args: Args, src: Shape) -> int | None:
    """TransformerEncoderLayer: self-attention, linear1 and linear2 (d_model x dim_feedforward
    per token each), norm1 and norm2 (LayerNorm: 5 per element)."""
    width, feedforward = args.int("d_model"), args.int("dim_feedforward")
    n, length = tokens(src), sequence_length(src, bool(args.get("batch_first")))
    if n is None or length is None:
        return None
    return attention_products(n, n, n * length, width) + 2 * n * width * feedforward + 2 * 5 * n * width


def decoder_layer(args: Args, tgt: Shape, memory: Shape) -> int | None:
    """TransformerDecoderLayer: self-attention on tgt, attention from tgt to memory, the
    feed-forward pair, norm1 to norm3."""
    width, feedforward = args.int("d_model"), args.int("dim_feedforward")
    batch_first = bool(args.get("batch_first"))
    n, m = tokens(tgt), tokens(memory)
    length, memory_length = sequence_length(tgt, batch_first), sequence_length(memory, batch_first)
    if None in (n, m, length, memory_length):
        return None
    assert n is not None and m is not None and length is not None and memory_length is not None
    self_attention = attention_products(n, n, n * length, width)
    cross_attention = attention_products(n, m, n * memory_length, width)
    return self_attention + cross_attention + 2 * n * width * feedforward + 3 * 5 * n * width


def dot(layer: Layer) -> int | None:
    """Keras's Dot, a batched matmul (bmm/matmul in torch): each output element sums one
    product per position of the contracted axis."""
    first = layer.input_shapes[0]
    axes = layer.args["axes"]
    axis = axes[0] if isinstance(axes, tuple | list) else axes
    assert isinstance(axis, int), "Dot's build took an integer or a pair of them"
    return multiply(elements(layer.outputs[0]), first[axis % len(first)])


def matmul(layer: Layer) -> int | None:
    """matmul_flop_jit (aten::matmul, which torch.matmul and keras.ops.matmul run): the first
    operand's elements x the second's last size, as fvcore counts it, even where the second
    operand's leading axes broadcast the first (fvcore then counts one copy). fvcore fails on a
    1-D second operand (it reads its size -2): convcalc counts one product per element of the
    first there, the multiply-adds the product makes."""
    first, second = layer.input_shapes[0], layer.input_shapes[1]
    return multiply(elements(first), second[-1] if len(second) > 1 else 1)


def scaled_dot_product_attention(layer: Layer) -> int | None:
    """F.scaled_dot_product_attention has no fvcore handler (0 there); convcalc counts its two
    products as fvcore's bmm_flop_jit counts them when written out (and as it counts attention
    inside torch's Transformer layers): QK^T, E per query-key pair, and AV, Ev per pair, over
    every head and sample of the output (..., L, Ev)."""
    output, query, key = layer.outputs[0], layer.input_shapes[0], layer.input_shapes[1]
    pairs = elements((*output[:-1], key[-2]))
    return multiply(pairs, summed(query[-1], output[-1]))


def interpolation(layer: Layer) -> int | None:
    """F.interpolate as nn.Upsample (`upsampling`), but with antialias=True it runs
    aten::_upsample_bilinear2d_aa (or bicubic, lanczos), which fvcore has no handler for: 0."""
    return 0 if layer.args.get("antialias") else upsampling()(layer)
