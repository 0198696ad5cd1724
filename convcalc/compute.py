"""Compute and memory, read from a Report after the engine: MACs per layer, output sizes, and
memory totals for a dtype. Pure arithmetic over each row's type, bound arguments, input shapes,
outputs and weights; it imports nothing heavy.

MACs are counted as fvcore counts them (fvcore/nn/flop_count.py `_DEFAULT_SUPPORTED_OPS`, the
handlers in fvcore/nn/jit_handles.py), in inference mode (`model.eval()`): one multiply-add per
kernel weight per output position, bias not counted. FLOPs = 2 x MACs. What counts:

- convolution (aten::_convolution, conv_flop_count): batch x prod(weight) x output positions;
  a transposed convolution counts its *input* positions. Grouped, depthwise and separable
  convolutions follow, since their weights are smaller (separable: both kernels).
- Linear / Dense on any rank (aten::linear): input elements x out_features; matmul/bmm (Keras Dot).
  Keras's LoRA factors are multiplied into the kernel once per call (its `kernel` property).
- batch norm (aten::batch_norm): elements x 2 (affine) or x 1; with track_running_stats=False
  torch normalizes with the batch's statistics even in eval mode: elements x 5 (affine) or x 4.
- layer, group and instance norm (aten::layer_norm, group_norm, instance_norm): elements x 5
  (affine) or x 4.
- 2-D nearest up-sampling: output elements; 2-D bilinear: output elements x 4; 2-D adaptive
  average pooling (and mode="area", which calls it): input elements. fvcore has no handler for
  their 1-D and 3-D forms, nor for bicubic or nearest-exact: those count 0, as there.

Everything else counts 0, as in fvcore: activations, element-wise merges (Add, Multiply...),
max/average/LP pooling, padding, dropout, reshapes, embeddings (a lookup), PReLU, softmax, RMS
and unit normalization, local response norm, pixel shuffle.

Where fvcore has no handler for a layer built of matrix products, convcalc counts the products
by the same rule (what fvcore counts when the same layer is written with nn.Linear and bmm):
- RNN, LSTM, GRU (aten::lstm, aten::gru: unsupported by fvcore, 0 there): every input-hidden,
  hidden-hidden (and LSTM projection) weight once per time step, as in the cell equations of
  torch.nn.LSTM's docs (gate products and non-linearities are element-wise, not counted);
- attention inside torch's Transformer layers, which run F.scaled_dot_product_attention (no
  fvcore handler), and Keras's MultiHeadAttention (the same on the torch backend): QK^T and AV
  are counted as MultiheadAttention's own bmm calls are;
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

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from math import prod
from typing import TYPE_CHECKING

from convcalc.report import Report, Row, Shape, Weight

if TYPE_CHECKING:
    from convcalc.render import Columns

DTYPES = {"float32": 4, "float16": 2, "bfloat16": 2, "int8": 1}
"""Bytes per element for `--dtype`."""


@dataclass(frozen=True)
class Layer:
    """What a MACs rule reads: a report row, or a layer wrapped inside one (TimeDistributed's
    layer, a TransformerEncoder's encoder_layer)."""

    framework: str
    type: str
    arguments: Mapping[str, object]
    input_shapes: tuple[Shape, ...]
    outputs: tuple[Shape, ...]
    weights: tuple[Weight, ...]

    @classmethod
    def of(cls, row: Row, framework: str) -> Layer:
        return cls(framework, row.type, row.arguments, row.input_shapes, row.outputs, row.weights)


Rule = Callable[[Layer], "int | None"]


# --- Sizes


def elements(shape: Shape) -> int | None:
    """Elements of a tensor; an unknown leading (batch) size counts as one sample, any other
    unknown size makes the count unknown.

    >>> elements((None, 26, 26, 32)), elements((8, 10)), elements((None, None, 10))
    (21632, 80, None)
    """
    dims = shape[1:] if shape and shape[0] is None else shape
    return None if None in dims else prod(dims)  # type: ignore[arg-type]


def positions(shape: Shape, channel_axis: int) -> int | None:
    """Positions of a feature map: its elements over its channels (batch x spatial sizes).

    >>> positions((None, 24, 24, 64), -1), positions((2, 64, 24, 24), 1)
    (576, 1152)
    """
    total, channels = elements(shape), shape[channel_axis]
    return None if total is None or channels is None else total // channels


def times(*factors: int | None) -> int | None:
    """The product, or None when a factor is unknown.

    >>> times(2, 3, 4), times(2, None)
    (24, None)
    """
    return None if None in factors else prod(factors)  # type: ignore[arg-type]


def total(*counts: int | None) -> int | None:
    """The sum, or None when a count is unknown."""
    return None if None in counts else sum(counts)  # type: ignore[arg-type]


KERNELS = ("weight", "kernel", "depthwise_kernel", "pointwise_kernel")
"""The weights a convolution or dense layer applies at every position; not the biases."""


def kernel_size(layer: Layer) -> int:
    return sum(w.size for w in layer.weights if w.name in KERNELS)


def lora_merge(layer: Layer) -> int:
    """Keras's LoRA factors are multiplied into the kernel once per call, not per position
    (keras/src/layers/core/dense.py and convolutional/base_conv.py `kernel`: kernel +
    matmul(lora_kernel_a, lora_kernel_b) * alpha / rank).

    >>> a, b = Weight("lora_kernel_a", (3, 2)), Weight("lora_kernel_b", (2, 5))
    >>> lora_merge(Layer("keras", "Dense", {}, ((None, 3),), ((None, 5),), (a, b)))  # 3 x 2 x 5
    30
    """
    factors = {w.name: w for w in layer.weights}
    if "lora_kernel_a" not in factors:
        return 0
    return factors["lora_kernel_a"].size * factors["lora_kernel_b"].shape[-1]


def channel_axis(layer: Layer) -> int:
    """PyTorch is channels_first; Keras follows data_format (channels_last by default)."""
    if layer.framework == "pytorch" or layer.arguments.get("data_format") == "channels_first":
        return 1
    return -1


# --- Rules, one per family: each serves 1-D, 2-D and 3-D and both frameworks


def convolution(layer: Layer) -> int | None:
    """conv_flop_count: prod(weight) per output position (Keras's depthwise and separable
    kernels included: each is applied once per output position)."""
    return total(times(kernel_size(layer), positions(layer.outputs[0], channel_axis(layer))), lora_merge(layer))


def transposed_convolution(layer: Layer) -> int | None:
    """conv_flop_count(transposed=True): prod(weight) per *input* position."""
    return times(kernel_size(layer), positions(layer.input_shapes[0], channel_axis(layer)))


def dense(layer: Layer) -> int | None:
    """linear_flop_jit: input elements x out_features = prod(weight) per output position."""
    return total(times(kernel_size(layer), positions(layer.outputs[0], -1)), lora_merge(layer))


def affine(layer: Layer) -> bool:
    """Whether a normalization scales or shifts after normalizing (torch's affine /
    elementwise_affine; Keras's scale or center)."""
    args = layer.arguments
    if layer.framework == "keras":
        return bool(args.get("scale", True) or args.get("center", True))
    return bool(args.get("affine", args.get("elementwise_affine", True)))


def batch_norm(layer: Layer) -> int | None:
    """batchnorm_flop_jit: in eval mode elements x (2 if affine else 1); torch without running
    statistics normalizes with the batch's even in eval mode, which fvcore counts as training:
    elements x (5 if affine else 4)."""
    batch_statistics = layer.framework == "pytorch" and not layer.arguments.get("track_running_stats", True)
    factor = (5 if batch_statistics else 2) if affine(layer) else (4 if batch_statistics else 1)
    return times(elements(layer.input_shapes[0]), factor)


def norm(layer: Layer) -> int | None:
    """norm_flop_counter: elements x (5 if affine else 4) ("5 is just a rough estimate"). Keras's
    LayerNormalization(rms_scaling=True) is an RMS norm, which fvcore does not count."""
    if layer.arguments.get("rms_scaling"):
        return 0
    return times(elements(layer.input_shapes[0]), 5 if affine(layer) else 4)


UPSAMPLING = {"nearest": ("output", 1), "bilinear": ("output", 4), "area": ("input", 1)}
"""fvcore's 2-D handlers: upsample_nearest2d (output x 1), upsample_bilinear2d (output x 4);
interpolate's mode="area" runs adaptive_avg_pool2d (input x 1)."""


def upsampling(layer: Layer) -> int | None:
    """torch's Upsample, UpsamplingNearest2d, UpsamplingBilinear2d; Keras's UpSampling2D."""
    mode = {"UpsamplingNearest2d": "nearest", "UpsamplingBilinear2d": "bilinear"}.get(layer.type)
    if mode is None:
        mode = str(layer.arguments.get("mode", layer.arguments.get("interpolation", "nearest"))).lower()
    if len(layer.input_shapes[0]) != 4 or mode not in UPSAMPLING:
        return 0
    side, factor = UPSAMPLING[mode]
    return times(elements(layer.outputs[0] if side == "output" else layer.input_shapes[0]), factor)


def adaptive_average_pool(layer: Layer) -> int | None:
    """adaptive_avg_pool2d: input elements (fvcore has no 1-D or 3-D handler: 0)."""
    return elements(layer.input_shapes[0]) if len(layer.input_shapes[0]) == 4 else 0


def recurrent(layer: Layer) -> int | None:
    """Every weight matrix but the biases once per time step and sequence: W_ih x_t and
    W_hh h_(t-1) for each gate (torch.nn.LSTM/GRU/RNN docs' equations; Keras's kernel and
    recurrent_kernel), LSTM's W_hr h_t with proj_size; every layer and direction of a stack,
    and both of a Bidirectional, run over every step."""
    matrices = sum(w.size for w in layer.weights if "bias" not in w.name.rsplit("/", 1)[-1])
    return times(matrices, positions(layer.input_shapes[0], -1))


def attention_products(query_tokens: int, kv_tokens: int, pairs: int, width: int) -> int:
    """Multi-head attention of width E = heads x head_dim with packed projections:
    q, k, v and out projections (E x E each) and QK^T and AV (E per query-key pair)."""
    return width * width * (2 * query_tokens + 2 * kv_tokens) + 2 * pairs * width


def torch_multihead_attention(layer: Layer) -> int | None:
    """F.multi_head_attention_forward: linear q, k, v projections (kdim, vdim wide inputs),
    bmm for QK^T and AV over every head (the averaged weights have N x L x S entries, and
    heads x head_dim = embed_dim), linear out_proj."""
    shapes = layer.input_shapes * 3 if len(layer.input_shapes) == 1 else layer.input_shapes
    width = int(layer.arguments["embed_dim"])  # type: ignore[call-overload]
    query, key, value = (elements(s) for s in shapes)
    pairs = elements(layer.outputs[1])
    return times(width, total(query, key, value, elements(layer.outputs[0]), times(2, pairs)))


def keras_multi_head_attention(layer: Layer) -> int | None:
    """EinsumDense projections (query, key, value, the optional gate, attention_output), each
    kernel once per position of the input it reads, and the two einsums over the scores:
    QK^T (key_dim per score) and AV (value_dim per score)."""
    shapes = layer.input_shapes * 2 if len(layer.input_shapes) == 1 else layer.input_shapes
    query, value = shapes[0], shapes[1]
    key = shapes[2] if len(shapes) == 3 else value
    reads = {"query": query, "key": key, "value": value, "gate": query, "attention_output": query}
    kernels = {w.name.split("/")[0]: w for w in layer.weights if w.name.endswith("/kernel")}
    counts = [times(w.size, positions(reads[name], -1)) for name, w in kernels.items()]
    per_score = kernels["key"].shape[-1] + kernels["value"].shape[-1]
    return total(*counts, times(elements(layer.outputs[1]), per_score))


def sequence_length(shape: Shape, batch_first: bool) -> int | None:
    """L of a (L, N, E) or batch_first (N, L, E) sequence, or of an unbatched (L, E) one."""
    return shape[1] if len(shape) == 3 and batch_first else shape[0]


def tokens(shape: Shape) -> int | None:
    return positions(shape, -1)


def encoder_layer(args: Mapping[str, object], src: Shape) -> int | None:
    """TransformerEncoderLayer: self-attention, linear1 and linear2 (d_model x dim_feedforward
    per token each), norm1 and norm2 (LayerNorm: 5 per element)."""
    width, feedforward = int(args["d_model"]), int(args["dim_feedforward"])  # type: ignore[call-overload]
    n, length = tokens(src), sequence_length(src, bool(args.get("batch_first")))
    if n is None or length is None:
        return None
    return attention_products(n, n, n * length, width) + 2 * n * width * feedforward + 2 * 5 * n * width


def decoder_layer(args: Mapping[str, object], tgt: Shape, memory: Shape) -> int | None:
    """TransformerDecoderLayer: self-attention on tgt, attention from tgt to memory, the
    feed-forward pair, norm1 to norm3."""
    width, feedforward = int(args["d_model"]), int(args["dim_feedforward"])  # type: ignore[call-overload]
    batch_first = bool(args.get("batch_first"))
    n, m = tokens(tgt), tokens(memory)
    length, memory_length = sequence_length(tgt, batch_first), sequence_length(memory, batch_first)
    if None in (n, m, length, memory_length):
        return None
    assert n is not None and m is not None and length is not None and memory_length is not None
    self_attention = attention_products(n, n, n * length, width)
    cross_attention = attention_products(n, m, n * memory_length, width)
    return self_attention + cross_attention + 2 * n * width * feedforward + 3 * 5 * n * width


def wrapped(layer: Layer, argument: str, shapes: tuple[Shape, ...]) -> Layer:
    """The layer given as `argument` (TimeDistributed's layer, a TransformerEncoder's
    encoder_layer or norm), bound and built on `shapes` by the vocabulary's own arithmetic."""
    from convcalc.frameworks import vocabulary
    from convcalc.frameworks.base import inner_layer

    layer_type, args = inner_layer(layer.arguments[argument], vocabulary(layer.framework), argument)
    built = layer_type.build(args, shapes if layer_type.merges else shapes[0])
    return Layer(layer.framework, layer_type.reported, args.values, shapes, built.outputs, built.weights)


def transformer_encoder(layer: Layer) -> int | None:
    """num_layers copies of encoder_layer, then the optional norm."""
    inner = wrapped(layer, "encoder_layer", layer.input_shapes)
    count = int(layer.arguments["num_layers"])  # type: ignore[call-overload]
    norm_macs = 0 if layer.arguments.get("norm") is None else macs(wrapped(layer, "norm", inner.outputs[:1]))
    return total(times(count, macs(inner)), norm_macs)


def transformer_decoder(layer: Layer) -> int | None:
    inner = wrapped(layer, "decoder_layer", layer.input_shapes)
    count = int(layer.arguments["num_layers"])  # type: ignore[call-overload]
    norm_macs = 0 if layer.arguments.get("norm") is None else macs(wrapped(layer, "norm", inner.outputs[:1]))
    return total(times(count, macs(inner)), norm_macs)


def transformer(layer: Layer) -> int | None:
    """Transformer: an encoder on src (num_encoder_layers, then LayerNorm), a decoder on tgt
    reading the encoder's output (num_decoder_layers, then LayerNorm), or the custom ones."""
    args = layer.arguments
    src, tgt = layer.input_shapes
    if args.get("custom_encoder") is not None:
        encoder = wrapped(layer, "custom_encoder", (src,))
        memory = encoder.outputs[0]
        encoder_macs = macs(encoder)
    else:
        memory = src
        count = int(args["num_encoder_layers"])  # type: ignore[call-overload]
        encoder_macs = total(times(count, encoder_layer(args, src)), times(5, elements(src)))
    if args.get("custom_decoder") is not None:
        decoder_macs = macs(wrapped(layer, "custom_decoder", (tgt, memory)))
    else:
        count = int(args["num_decoder_layers"])  # type: ignore[call-overload]
        decoder_macs = total(times(count, decoder_layer(args, tgt, memory)), times(5, elements(tgt)))
    return total(encoder_macs, decoder_macs)


def time_distributed(layer: Layer) -> int | None:
    """The wrapped layer on (batch, *step shape), once per time step."""
    shape = layer.input_shapes[0]
    inner = wrapped(layer, "layer", ((shape[0], *shape[2:]),))
    return times(macs(inner), shape[1])


def dot(layer: Layer) -> int | None:
    """Keras's Dot, a batched matmul (bmm/matmul in torch): each output element sums one
    product per position of the contracted axis."""
    first = layer.input_shapes[0]
    axes = layer.arguments["axes"]
    axis = axes if isinstance(axes, int) else axes[0]  # type: ignore[index]
    return times(elements(layer.outputs[0]), first[axis % len(first)])  # type: ignore[operator]


def ranks(*names: str, dims: tuple[int, ...] = (1, 2, 3)) -> tuple[str, ...]:
    """Names with {n} filled for each rank: ranks("Conv{n}d") is Conv1d, Conv2d, Conv3d."""
    return tuple(name.format(n=n) for name in names for n in dims)


@dataclass(frozen=True)
class Family:
    """Layer types that share one MACs rule, and where the rule comes from."""

    name: str
    rule: Rule
    types: tuple[str, ...]
    source: str


FAMILIES = (
    Family(
        "convolution",
        convolution,
        ranks("Conv{n}d", "Conv{n}D") + ranks("DepthwiseConv{n}D", "SeparableConv{n}D", dims=(1, 2)),
        "fvcore conv_flop_jit (aten::_convolution)",
    ),
    Family(
        "transposed convolution", transposed_convolution, ranks("ConvTranspose{n}d", "Conv{n}DTranspose"), "fvcore conv_flop_jit"
    ),
    Family("dense", dense, ("Linear", "Dense"), "fvcore linear_flop_jit (aten::linear)"),
    Family(
        "batch norm", batch_norm, (*ranks("BatchNorm{n}d"), "SyncBatchNorm", "BatchNormalization"), "fvcore batchnorm_flop_jit"
    ),
    Family(
        "layer, group, instance norm",
        norm,
        ("LayerNorm", "GroupNorm", *ranks("InstanceNorm{n}d"), "LayerNormalization", "GroupNormalization"),
        "fvcore norm_flop_counter",
    ),
    Family(
        "up-sampling",
        upsampling,
        ("Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d", "UpSampling2D"),
        "fvcore upsample_nearest2d, upsample_bilinear2d (elementwise_flop_counter)",
    ),
    Family(
        "adaptive average pooling",
        adaptive_average_pool,
        (*ranks("AdaptiveAvgPool{n}d"), *ranks("GlobalAveragePooling{n}D")),
        "fvcore adaptive_avg_pool2d (elementwise_flop_counter(1, 0))",
    ),
    Family("batched dot", dot, ("Dot",), "fvcore bmm_flop_jit / matmul_flop_jit"),
    Family(
        "recurrent",
        recurrent,
        ("RNN", "LSTM", "GRU", "SimpleRNN", "Bidirectional"),
        "convcalc: no fvcore handler for aten::lstm/gru/rnn; weight matrices per step",
    ),
    Family("attention", torch_multihead_attention, ("MultiheadAttention",), "fvcore linear_flop_jit + bmm_flop_jit"),
    Family("attention", keras_multi_head_attention, ("MultiHeadAttention",), "fvcore einsum_flop_jit, as the einsums run"),
    Family(
        "transformer",
        lambda layer: encoder_layer(layer.arguments, layer.input_shapes[0]),
        ("TransformerEncoderLayer",),
        "fvcore linear + layer_norm; attention products as bmm (SDPA has no fvcore handler)",
    ),
    Family(
        "transformer",
        lambda layer: decoder_layer(layer.arguments, *layer.input_shapes),
        ("TransformerDecoderLayer",),
        "as TransformerEncoderLayer",
    ),
    Family("transformer", transformer_encoder, ("TransformerEncoder",), "its layers and norm"),
    Family("transformer", transformer_decoder, ("TransformerDecoder",), "its layers and norm"),
    Family("transformer", transformer, ("Transformer",), "its encoder and decoder"),
    Family("wrapper", time_distributed, ("TimeDistributed",), "the wrapped layer, once per step"),
)

RULES: dict[str, Rule] = {name: family.rule for family in FAMILIES for name in family.types}


def macs(layer: Layer) -> int | None:
    """Multiply-accumulates of one forward pass through `layer` (0 for types fvcore skips).

    >>> from convcalc import summarize
    >>> spec = "framework: keras\\ninput: [28, 28, 1]\\nlayers: ['Conv2D(32, 3)']"
    >>> macs(Layer.of(summarize(spec).rows[0], "keras"))  # 26 x 26 positions x 3 x 3 x 1 x 32
    194688
    """
    rule = RULES.get(layer.type)
    return 0 if rule is None else rule(layer)


# --- Results


@dataclass(frozen=True)
class LayerCost:
    """One row's compute and memory; shares are fractions of the model's totals (None when the
    total is 0 or unknown)."""

    name: str
    macs: int | None
    output_elements: int | None  # every output (an LSTM's states, attention weights) included
    output_bytes: int | None
    params_share: float | None
    macs_share: float | None

    @property
    def flops(self) -> int | None:
        return None if self.macs is None else 2 * self.macs


@dataclass(frozen=True)
class Costs:
    """A report's compute and memory for one dtype. With an unknown batch (None) the MACs and
    activations are per sample; parameters never scale with the batch."""

    dtype: str
    batch: int | None
    layers: tuple[LayerCost, ...]
    macs: int | None
    input_elements: int | None
    activation_elements: int | None  # every layer's outputs, nothing freed: one forward pass
    params: int
    trainable_params: int

    @property
    def bytes_per_element(self) -> int:
        return DTYPES[self.dtype]

    @property
    def per_sample(self) -> bool:
        return self.batch is None

    @property
    def flops(self) -> int | None:
        return None if self.macs is None else 2 * self.macs

    @property
    def input_bytes(self) -> int | None:
        return times(self.input_elements, self.bytes_per_element)

    @property
    def activation_bytes(self) -> int | None:
        return times(self.activation_elements, self.bytes_per_element)

    @property
    def param_bytes(self) -> int:
        return self.params * self.bytes_per_element

    @property
    def training_bytes(self) -> int | None:
        """Training with Adam: the inputs and every activation kept for the backward pass, the
        parameters, and for each trainable one its gradient and Adam's two moments, all in
        this dtype (mixed precision keeps fp32 master weights and moments: more)."""
        kept = total(self.input_elements, self.activation_elements)
        return times(total(kept, self.params + 3 * self.trainable_params), self.bytes_per_element)


def share(part: int | None, whole: int | None) -> float | None:
    """part / whole, or None when either is unknown or the whole is 0.

    >>> share(1, 4), share(1, 0), share(None, 4)
    (0.25, None, None)
    """
    return None if part is None or not whole else part / whole


def costs(report: Report, dtype: str = "float32") -> Costs:
    """Compute and memory of every row of `report`, and the totals."""
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, found {dtype!r}")
    size = DTYPES[dtype]
    counted = [macs(Layer.of(row, report.framework)) for row in report.rows]
    outputs = [total(*(elements(s) for s in row.outputs)) for row in report.rows]
    totals = report.totals
    all_macs = total(*counted)
    layers = tuple(
        LayerCost(row.name, m, n, times(n, size), share(row.params, totals.params), share(m, all_macs))
        for row, m, n in zip(report.rows, counted, outputs)
    )
    batch = report.inputs[0].shape[0] if report.inputs else None
    inputs = total(*(elements(i.shape) for i in report.inputs))
    return Costs(dtype, batch, layers, all_macs, inputs, total(*outputs), totals.params, totals.trainable_params)


# --- Output: JSON keys and the summary table's columns


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def cost_data(cost: LayerCost) -> dict[str, object]:
    """A layer's keys in the JSON document (convcalc-1.schema.json)."""
    return {
        "macs": cost.macs,
        "flops": cost.flops,
        "output_elements": cost.output_elements,
        "output_bytes": cost.output_bytes,
        "params_share": rounded(cost.params_share),
        "macs_share": rounded(cost.macs_share),
    }


def totals_data(result: Costs) -> dict[str, object]:
    """The keys added to the JSON document's totals."""
    return {
        "macs": result.macs,
        "flops": result.flops,
        "memory": {
            "dtype": result.dtype,
            "bytes_per_element": result.bytes_per_element,
            "per_sample": result.per_sample,
            "input_elements": result.input_elements,
            "input_bytes": result.input_bytes,
            "activation_elements": result.activation_elements,
            "activation_bytes": result.activation_bytes,
            "param_bytes": result.param_bytes,
            "training_bytes": result.training_bytes,
        },
    }


SI = ("", "K", "M", "G", "T", "P")


def compact(count: int | None) -> str:
    """A count in SI units with two decimals, for table cells.

    >>> compact(194688), compact(4111512576), compact(320), compact(None)
    ('194.69K', '4.11G', '320', '?')
    """
    if count is None:
        return "?"
    value, unit = float(count), 0
    while value >= 1000 and unit < len(SI) - 1:
        value /= 1000
        unit += 1
    return str(count) if unit == 0 else f"{value:.2f}{SI[unit]}"


def percent(value: float | None) -> str:
    """A share as a percentage, one decimal; - when there is none.

    >>> percent(0.4567), percent(None)
    ('45.7%', '-')
    """
    return "-" if value is None else f"{100 * value:.1f}%"


BAR_WIDTH = 20
EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(fraction: float | None, width: int = BAR_WIDTH) -> str:
    """An inline bar of `fraction` of `width` characters, in eighths of a character.

    >>> bar(1.0, 4), bar(0.5, 4), bar(0.3, 4), bar(0.0, 4)  # 0.3 x 4 = 1 and 2/8
    ('████', '██', '█▎', '')
    """
    if not fraction:
        return ""
    eighths = round(fraction * width * 8)
    return ("█" * (eighths // 8) + EIGHTHS[eighths % 8]).rstrip()


def scope(result: Costs) -> str:
    return "per sample" if result.per_sample else f"batch of {result.batch}"


def columns(
    report: Report,
    result: Costs,
    depth: int | None = None,
    macs_column: bool = False,
    shares: bool = False,
    bars: bool = False,
    memory: bool = False,
    exact: bool = False,
) -> Columns:
    """`summary --macs` (MACs and their share), `--shares` (share of the parameters), `--bars`
    (each row's MACs as a bar, the heaviest row full) and `--memory` (output size in the dtype,
    memory totals). A block folded by `--depth` shows the sums of its layers. `exact` writes
    whole numbers (MACs, bytes) for spreadsheets."""
    from convcalc.render import Columns, readable_size

    def count_text(count: int | None) -> str:
        return ("?" if count is None else str(count)) if exact else compact(count)

    def size_text(size: int | None) -> str:
        return ("?" if size is None else str(size)) if exact else "?" if size is None else readable_size(size)

    headers: list[str] = []
    if macs_column:
        headers += ["MACs", "MACs %"]
    if shares:
        headers.append("Params %")
    if memory:
        headers.append(f"Output ({result.dtype})")
    if bars:
        headers.append("MACs bar")

    # each row's figures, and each block instance's sums under its path
    figures: dict[str, list[int | None]] = {}
    for row, cost in zip(report.rows, result.layers):
        values = [cost.macs, row.params, cost.output_bytes]
        for name in (row.name, *(path for path, _ in row.blocks)):
            sums = figures.setdefault(name, [0, 0, 0])
            figures[name] = [total(a, b) for a, b in zip(sums, values)]
    shown = {row.name for row in report.rows} if depth is None else {row.name for row in _fold(report, depth).rows}
    heaviest = max((figures[name][0] or 0 for name in shown), default=0)
    cells: dict[str, tuple[str, ...]] = {}
    for name, (macs_count, params, output) in figures.items():
        line: list[str] = []
        if macs_column:
            line += [count_text(macs_count), percent(share(macs_count, result.macs))]
        if shares:
            line.append(percent(share(params, result.params)))
        if memory:
            line.append(size_text(output))
        if bars:
            line.append(bar(share(macs_count, heaviest)))
        cells[name] = tuple(line)

    totals: list[str] = []
    notes: list[str] = []
    if macs_column or bars:
        count = "unknown" if result.macs is None else f"{result.macs:,} ({compact(result.macs)}, {scope(result)})"
        flops = "unknown" if result.flops is None else f"{result.flops:,} ({compact(result.flops)}) = 2 x MACs"
        totals += [f"Total MACs: {count}", f"Total FLOPs: {flops}"]
        notes.append("MACs: multiply-accumulates as fvcore counts them (bias, activations and element-wise ops not counted).")
    if bars:
        notes.append("MACs bar: each row's MACs, the heaviest row full.")
    if memory:
        size = result.bytes_per_element
        totals += [
            f"Input size ({result.dtype}): {_bytes(result.input_bytes)} ({scope(result)})",
            f"Activations ({result.dtype}, one forward pass): {_bytes(result.activation_bytes)} ({scope(result)})",
            f"Params size ({result.dtype}): {readable_size(result.param_bytes)}",
            f"Training estimate ({result.dtype}, Adam): {_bytes(result.training_bytes)}",
        ]
        notes.append(
            f"Training estimate: inputs and activations kept for the backward pass, the parameters, and for each "
            f"trainable one its gradient and Adam's two moments, at {size} byte{'s' if size > 1 else ''} each."
        )
    return Columns(tuple(headers), cells, tuple(notes), tuple(totals), left=("MACs bar",))


def _bytes(size: int | None) -> str:
    from convcalc.render import readable_size

    return "unknown" if size is None else readable_size(size)


def _fold(report: Report, depth: int) -> Report:
    from convcalc.render import fold

    return fold(report, depth)
