"""Seeded random layer stacks, one generator per layer family and framework.

A stack is grown one layer at a time on the real framework (oracle.KerasSession/TorchSession),
so each new layer is drawn for the shape the framework actually produced: a PyTorch layer's
in_channels matches unless the generator means it not to. Every fifth stack is made
impossible on purpose (a kernel larger than its input, groups that do not divide the channels,
a declared size that disagrees, an axis out of range...), so rejections are compared too.

The seed is the stack's id ("keras/conv/17"), so every stack is the same on every run and
`generate("keras", "conv", 17)` rebuilds the one a failing test names.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import generate_ops
from oracle import Facts, Layer, Shape, Stack, session

BAD_EVERY = 5  # every fifth stack of a family is meant to be impossible


class Gen:
    """A stack in the making: the random source, the framework session, the layers so far."""

    def __init__(self, framework: str, key: str, bad: bool) -> None:
        self.framework = framework
        self.rng = random.Random(key)
        self.bad = bad
        self.channels_first = framework == "pytorch"
        self.layers: list[Layer] = []
        self.input_shape: tuple[int, ...] = ()
        self.extras: tuple[tuple[str, tuple[int, ...]], ...] = ()
        self.integer = False  # the input holds indices
        self.session: Any = None

    # random helpers
    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, items: Any) -> Any:
        return self.rng.choice(list(items))

    def int(self, low: int, high: int) -> int:
        return self.rng.randint(low, max(low, high))

    def per_axis(self, values: list[int]) -> int | tuple[int, ...]:
        """A per-axis argument written as one int when every axis agrees (sometimes anyway as a tuple)."""
        if len(set(values)) == 1 and self.chance(0.7):
            return values[0]
        return tuple(values)

    def bad_choice(self, options: list[str]) -> str:
        """Which impossibility to build, or "" for a stack meant to work."""
        return self.pick(options) if self.bad and options else ""

    # the stack
    def start(self, shape: tuple[int, ...], integer: bool = False, **extras: tuple[int, ...]) -> None:
        """The stack's input (batch excluded; `x` when there are extras), whether it holds
        indices, and any more named graph inputs."""
        self.input_shape = shape
        self.integer = integer
        self.extras = tuple(extras.items())
        self.session = session(self.framework, shape, self.extras, integer)

    @property
    def alive(self) -> bool:
        return self.session.rejected_at is None

    @property
    def shape(self) -> Shape:
        return self.session.shape

    @property
    def rank(self) -> int:
        """Spatial rank, treating the shape as (batch, spatial..., channels) or (batch, channels, spatial...)."""
        return len(self.shape) - 2

    @property
    def channels(self) -> int:
        channels = self.shape[1] if self.channels_first else self.shape[-1]
        return UNKNOWN_STANDIN if channels is None else channels

    @property
    def spatial(self) -> list[int]:
        """Spatial sizes; an unknown one (None, Keras only) stands as UNKNOWN_STANDIN for choosing
        kernels and crops, while the framework sees None."""
        sizes = self.shape[2:] if self.channels_first else self.shape[1:-1]
        return [UNKNOWN_STANDIN if n is None else n for n in sizes]

    def add(self, type_name: str, *args: Any, inputs: tuple[int | str, ...] = (), **kwargs: Any) -> bool:
        """Add a layer on the one before it, or on `inputs` (-1 and the names of extra inputs)."""
        return self.add_on(inputs, type_name, *args, **kwargs)

    def add_on(self, inputs: tuple[int | str, ...], type_name: str, *args: Any, **kwargs: Any) -> bool:
        """A layer taking `inputs` (-1, "input", an extra input, "l2", "l2[1]"; none: the
        previous layer's output)."""
        if not self.alive:
            return False
        if self.framework == "keras" and self.channels_first and "data_format" not in kwargs and type_name in CHANNELS_AWARE:
            kwargs["data_format"] = "channels_first"
        layer = Layer(type_name, args, kwargs, inputs)
        self.layers.append(layer)
        return self.session.add(layer) is not None

    def shape_of(self, ref: str) -> Shape:
        """The shape of an earlier output: "input", "l2" or "l2[1]"."""
        if ref == "input":
            return tuple(self.session.input.shape)
        node, _, rest = ref.partition("[")
        return tuple(self.session.outputs[int(node[1:])][int(rest[:-1]) if rest else 0].shape)

    @property
    def last(self) -> str:
        """The newest layer's name in a graph stack."""
        return f"l{len(self.layers) - 1}"

    def stack(self) -> Stack:
        return Stack(self.framework, self.input_shape, tuple(self.layers), self.extras, self.integer)


# Keras layers that take data_format (so a channels_first Keras stack passes it to each).
CHANNELS_AWARE = {
    f"{name}{r}D{suffix}"
    for r in (1, 2, 3)
    for name, suffix in (
        ("Conv", ""),
        ("Conv", "Transpose"),
        ("DepthwiseConv", ""),
        ("SeparableConv", ""),
        ("MaxPooling", ""),
        ("AveragePooling", ""),
        ("MaxPool", ""),
        ("AvgPool", ""),
        ("GlobalMaxPooling", ""),
        ("GlobalAveragePooling", ""),
        ("ZeroPadding", ""),
        ("Cropping", ""),
        ("UpSampling", ""),
    )
} | {"Flatten"}

SIZES = {1: (4, 40), 2: (3, 20), 3: (2, 9)}
UNKNOWN_STANDIN = 9


def feature_map(g: Gen, rank: int, channels: tuple[int, int] = (1, 8)) -> tuple[int, ...]:
    low, high = SIZES[rank]
    sizes = [g.int(low, high)] * rank if g.chance(0.5) else [g.int(low, high) for _ in range(rank)]
    c = g.int(*channels)
    return (c, *sizes) if g.channels_first else (*sizes, c)


def start_map(g: Gen, ranks: tuple[int, ...] = (1, 2, 3)) -> int:
    rank = g.pick(ranks)
    g.start(feature_map(g, rank))
    return rank


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def kernel_for(g: Gen, size: int, dilation: int = 1, pad: int = 0, too_big: bool = False, cap: int = 5) -> int:
    """A kernel that fits `size` (padding and dilation included), or one that does not."""
    room = (size + 2 * pad - 1) // dilation + 1
    if too_big:
        return room + g.int(1, 3)
    return g.int(1, max(1, min(cap, room)))


# --- Keras layer generators: each adds one layer for the current shape, or returns False
# when the shape does not suit it (the mixed family then tries another).


def k_conv(g: Gen, kind: str = "") -> bool:
    if not g.alive:
        return False
    rank = g.rank
    if rank not in (1, 2, 3):
        return False
    kind = kind or g.pick(["conv", "conv", "transpose", "depthwise", "separable"])
    if kind in ("depthwise", "separable") and rank == 3:
        kind = "conv"
    sizes, cin = g.spatial, g.channels
    bad = g.bad_choice(
        {
            "conv": ["kernel", "groups", "groups_filters", "stride_dilation", "causal", "zero_filters", "tuple_padding"],
            "transpose": ["output_padding", "stride_dilation"],
            "depthwise": ["kernel", "stride_dilation", "zero_multiplier"],
            "separable": ["kernel", "stride_dilation"],
        }[kind]
    )
    strides = [g.pick([1, 1, 2, 3]) if g.chance(0.4) else 1 for _ in sizes]
    dilation = [1] * rank
    if g.chance(0.25) or bad == "stride_dilation":
        dilation = [g.pick([2, 3]) for _ in sizes]
        if bad != "stride_dilation":
            strides = [1] * rank
        elif max(strides) == 1:
            strides[0] = 2
    padding = g.pick(["valid", "same"] + (["causal"] if rank == 1 and kind == "conv" else []))
    if bad == "causal":
        padding = "causal"
        if rank == 1:
            kind = g.pick(["transpose", "depthwise", "separable"])
    kernel = [kernel_for(g, n, d, too_big=bad == "kernel" and padding == "valid") for n, d in zip(sizes, dilation)]
    if bad == "kernel" and padding != "valid":
        padding = "valid"
        kernel = [kernel_for(g, n, d, too_big=True) for n, d in zip(sizes, dilation)]
    kwargs: dict[str, Any] = {}
    if strides != [1] * rank or g.chance(0.2):
        kwargs["strides"] = g.per_axis(strides)
    if kind != "transpose" or padding != "valid" or g.chance(0.3):
        kwargs["padding"] = padding
    if dilation != [1] * rank:
        kwargs["dilation_rate"] = g.per_axis(dilation)
    if g.chance(0.3):
        kwargs["use_bias"] = False
    if g.chance(0.3):
        kwargs["activation"] = g.pick(["relu", "tanh", "sigmoid"])
    if g.chance(0.05):
        kwargs["trainable"] = False
    filters = g.pick([1, 2, 4, 6, 8, 16])
    if kind == "conv":
        groups = 1
        if g.chance(0.3) or bad in ("groups", "groups_filters"):
            groups = g.pick([d for d in divisors(cin) if d > 1] or [1])
            filters = groups * g.int(1, 4)
        if bad == "groups":
            groups = g.pick([d for d in range(2, cin + 3) if cin % d])
        if bad == "groups_filters" and groups > 1:
            filters += 1
        if groups != 1:
            kwargs["groups"] = groups
        if bad == "zero_filters":
            filters = 0
        if bad == "tuple_padding":
            kwargs["padding"] = (1,) * rank
        name = g.pick([f"Conv{rank}D", f"Convolution{rank}D"]) if g.chance(0.2) else f"Conv{rank}D"
        return g.add(name, filters, g.per_axis(kernel), **kwargs)
    if kind == "transpose":
        if g.chance(0.4) or bad == "output_padding":
            ops = [g.int(0, max(0, s - 1)) for s in strides]
            if bad == "output_padding":
                ops[0] = strides[0] + g.int(0, 1)
            kwargs["output_padding"] = g.per_axis(ops)
        return g.add(f"Conv{rank}DTranspose", filters, g.per_axis(kernel), **kwargs)
    multiplier = g.pick([1, 1, 2, 3])
    if bad == "zero_multiplier":
        multiplier = 0
    if multiplier != 1 or g.chance(0.3):
        kwargs["depth_multiplier"] = multiplier
    if kind == "depthwise":
        return g.add(f"DepthwiseConv{rank}D", g.per_axis(kernel), **kwargs)
    return g.add(f"SeparableConv{rank}D", filters, g.per_axis(kernel), **kwargs)


def k_pool(g: Gen) -> bool:
    if not g.alive:
        return False
    rank = g.rank
    if rank not in (1, 2, 3):
        return False
    sizes = g.spatial
    if g.chance(0.25):
        kind = g.pick(["Max", "Average"])
        kwargs = {"keepdims": True} if g.chance(0.4) else {}
        return g.add(f"Global{kind}Pooling{rank}D", **kwargs)
    bad = g.bad_choice(["pool", "zero_stride"])
    padding = g.pick(["valid", "valid", "same"])
    if bad == "pool":
        padding = "valid"
    pool = [kernel_for(g, n, too_big=bad == "pool", cap=4) for n in sizes]
    kwargs: dict[str, Any] = {}
    if g.chance(0.4) or bad == "zero_stride":
        kwargs["strides"] = 0 if bad == "zero_stride" else g.per_axis([g.int(1, 3) for _ in sizes])
    if padding != "valid" or g.chance(0.2):
        kwargs["padding"] = padding
    kind = g.pick(["MaxPooling", "AveragePooling", "MaxPool", "AvgPool"])
    return g.add(f"{kind}{rank}D", g.per_axis(pool), **kwargs)


def k_dense(g: Gen) -> bool:
    if not g.alive:
        return False
    if len(g.shape) < 2:
        return False
    kwargs: dict[str, Any] = {}
    if g.chance(0.3):
        kwargs["use_bias"] = False
    if g.chance(0.3):
        kwargs["activation"] = g.pick(["relu", "softmax"])
    units = 0 if g.bad_choice(["zero_units"]) else g.pick([1, 3, 10, 32])
    return g.add("Dense", units, **kwargs)


def factorize(g: Gen, n: int, parts: int) -> list[int]:
    out = []
    for _ in range(parts - 1):
        d = g.pick(divisors(n))
        out.append(d)
        n //= d
    return [*out, n]


def k_reshape(g: Gen) -> bool:
    if not g.alive:
        return False
    dims = list(g.shape[1:])
    if None in dims:  # Reshape needs known sizes (or one -1); Flatten and Permute carry None along
        if g.chance(0.5):
            return g.add("Flatten")
        order = list(range(1, len(dims) + 1))
        g.rng.shuffle(order)
        return g.add("Permute", tuple(order))
    total = 1
    for d in dims:
        total *= d
    choice = g.pick(["Flatten", "Reshape", "Reshape", "Permute"] + (["RepeatVector"] * 2 if len(dims) == 1 else []))
    bad = g.bad_choice(["reshape", "permute"] + (["repeat"] if len(dims) != 1 else []))
    if bad == "repeat" or (choice == "RepeatVector" and not bad):
        return g.add("RepeatVector", g.int(1, 4))
    if choice == "Flatten" and not bad:
        return g.add("Flatten")
    if choice == "Permute" or bad == "permute":
        order = list(range(1, len(dims) + 1))
        g.rng.shuffle(order)
        if bad == "permute":
            order[0] = len(dims) + 1
        return g.add("Permute", tuple(order))
    target = factorize(g, total, g.int(1, 4))
    if bad == "reshape":
        target[0] += 1
    elif g.chance(0.3):
        target[g.int(0, len(target) - 1)] = -1
    return g.add("Reshape", tuple(target))


def k_norm(g: Gen) -> bool:
    if not g.alive:
        return False
    dims = list(g.shape[1:])
    rank = len(dims)
    cin = g.channels
    kind = g.pick(
        ["BatchNormalization", "LayerNormalization", "GroupNormalization", "UnitNormalization", "Normalization", "Rescaling"]
        + ["RMSNormalization"]
    )
    bad = g.bad_choice(["axis", "groups"] if kind in ("GroupNormalization",) else ["axis"])
    kwargs: dict[str, Any] = {}
    if kind == "Rescaling":
        return g.add("Rescaling", g.pick([1 / 255, 2.0]), **({"offset": -1.0} if g.chance(0.5) else {}))
    if kind == "GroupNormalization":
        options = [d for d in divisors(cin) if d > 1] or [1]
        groups = g.pick(options)
        if bad == "groups":
            groups = g.pick([d for d in range(2, cin + 3) if cin % d]) if cin > 1 else 2
        if g.chance(0.3):
            kwargs["center"] = False
        if bad == "axis":
            kwargs["axis"] = rank + 1
        return g.add("GroupNormalization", groups, **kwargs)
    axis: Any = -1
    if g.chance(0.4):
        axis = g.int(1, rank)
    if kind == "LayerNormalization" and g.chance(0.3) and rank >= 2:
        axis = sorted(g.rng.sample(range(1, rank + 1), 2))
    if kind == "Normalization" and g.chance(0.2):
        axis = None
    if bad == "axis":
        axis = rank + 1 if g.chance(0.5) else -(rank + 2)
    if axis != -1:
        kwargs["axis"] = axis
    if kind in ("BatchNormalization", "LayerNormalization"):
        if g.chance(0.3):
            kwargs["center"] = False
        if g.chance(0.3):
            kwargs["scale"] = False
        if kind == "LayerNormalization" and g.chance(0.2):
            kwargs["rms_scaling"] = True
    if kind == "Normalization" and g.chance(0.2):
        kwargs.update(mean=0.0, variance=1.0)
    if kind not in ("UnitNormalization", "RMSNormalization") and g.chance(0.25):
        kwargs["trainable"] = False
    return g.add(kind, **kwargs)


KERAS_ACTIVATIONS = [
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
    "gelu",
    "linear",
    "swish",
    "elu",
    "selu",
    "softplus",
    "relu6",
    "silu",
    "mish",
]


def k_activation(g: Gen) -> bool:
    if not g.alive:
        return False
    rank = len(g.shape) - 2
    kind = g.pick(
        [
            "Activation",
            "ReLU",
            "LeakyReLU",
            "PReLU",
            "ELU",
            "Softmax",
            "Dropout",
            "SpatialDropout",
            "GaussianNoise",
            "GaussianDropout",
            "AlphaDropout",
            "ActivityRegularization",
            "Identity",
            "Masking",
        ]
    )
    if kind in ("Identity", "Masking"):
        return g.add(kind)
    bad = g.bad_choice(["value"])
    if kind == "Activation":
        return g.add("Activation", "no_such_activation" if bad else g.pick(KERAS_ACTIVATIONS))
    if kind == "ReLU":
        kwargs = {"max_value": 6.0} if g.chance(0.4) else {}
        if bad:
            kwargs["negative_slope"] = -0.5
        elif g.chance(0.3):
            kwargs["negative_slope"] = 0.1
        return g.add("ReLU", **kwargs)
    if kind == "LeakyReLU":
        return g.add("LeakyReLU", negative_slope=-0.2 if bad else g.pick([0.1, 0.3]))
    if kind == "PReLU":
        axes = list(range(1, len(g.shape)))
        shared = sorted(g.rng.sample(axes, g.int(0, len(axes) - 1))) if len(axes) > 1 and g.chance(0.6) else None
        if bad:
            shared = [len(g.shape) + 1]
        return g.add("PReLU", **({"shared_axes": shared} if shared is not None else {}))
    if kind == "ELU":
        return g.add("ELU", **({"alpha": 0.5} if g.chance(0.5) else {}))
    if kind == "Softmax":
        axis = g.int(1, len(g.shape) - 1) if g.chance(0.4) else -1
        if bad:
            axis = len(g.shape) + 1
        return g.add("Softmax", **({"axis": axis} if axis != -1 else {}))
    if kind == "SpatialDropout":
        r = rank if rank in (1, 2, 3) else 1
        if bad:
            r = g.pick([x for x in (1, 2, 3) if x != rank])
        return g.add(f"SpatialDropout{r}D", 0.2)
    if kind == "GaussianNoise":
        return g.add("GaussianNoise", 0.1)
    if kind == "ActivityRegularization":
        return g.add("ActivityRegularization", l1=0.01)
    return g.add(kind, 1.5 if bad else g.pick([0.1, 0.5]))


def k_resize(g: Gen) -> bool:
    if not g.alive:
        return False
    rank = g.rank
    if rank not in (1, 2, 3):
        return False
    sizes = g.spatial
    kind = g.pick(["ZeroPadding", "Cropping", "UpSampling"])
    bad = g.bad_choice(["crop"] if kind == "Cropping" else ["negative"])

    def pairs(amounts: list[tuple[int, int]]) -> Any:
        if all(a == b for a, b in amounts) and g.chance(0.6):
            return g.per_axis([a for a, _ in amounts]) if rank > 1 else amounts[0][0]
        return tuple(amounts) if rank > 1 else amounts[0]

    if kind == "ZeroPadding":
        amounts = [(g.int(0, 3), g.int(0, 3)) for _ in sizes]
        if bad:
            amounts[0] = (-1, 1)
        return g.add(f"ZeroPadding{rank}D", pairs(amounts))
    if kind == "Cropping":
        amounts = []
        for n in sizes:
            total = g.int(0, min(n - 1, 4))
            a = g.int(0, total)
            amounts.append((a, total - a))
        if bad:
            amounts[-1] = (sizes[-1] // 2 + 1, sizes[-1] - sizes[-1] // 2)
        return g.add(f"Cropping{rank}D", pairs(amounts))
    factors = [g.int(1, 3) for _ in sizes]
    if bad:
        factors[0] = 0
    kwargs: dict[str, Any] = {}
    if rank == 2 and g.chance(0.3):
        kwargs["interpolation"] = "bilinear"
    return g.add(f"UpSampling{rank}D", factors[0] if rank == 1 else g.per_axis(factors), **kwargs)


# --- Keras families: each builds an input and a short stack around its layer kind.


def keras_conv(g: Gen) -> None:
    start_keras_map(g)
    for _ in range(g.int(1, 3)):
        k_conv(g, "conv")


def keras_transpose(g: Gen) -> None:
    start_map(g)
    for _ in range(g.int(1, 2)):
        k_conv(g, "transpose")


def keras_depthwise(g: Gen) -> None:
    start_map(g, (1, 2))
    for _ in range(g.int(1, 2)):
        k_conv(g, g.pick(["depthwise", "separable"]))


def start_keras_map(g: Gen, ranks: tuple[int, ...] = (1, 2, 3)) -> None:
    """A feature map, channels_first one time in ten (then every layer says so)."""
    rank = g.pick(ranks)
    g.channels_first = rank > 1 and g.chance(0.1)
    g.start(feature_map(g, rank))


def keras_pool(g: Gen) -> None:
    start_keras_map(g)
    if g.chance(0.3):
        k_conv(g, "conv")
    k_pool(g)
    if g.chance(0.3) and g.alive:
        k_pool(g)


def keras_dense(g: Gen) -> None:
    rank = g.int(1, 4)
    g.start(tuple(g.int(1, 12) for _ in range(rank)))
    if g.chance(0.3) and rank > 1:
        g.add("Flatten")
    for _ in range(g.int(1, 2)):
        k_dense(g)


def keras_reshape(g: Gen) -> None:
    rank = g.int(1, 4)
    g.start(tuple(g.int(1, 8) for _ in range(rank)))
    for _ in range(g.int(1, 3)):
        k_reshape(g)


def keras_norm(g: Gen) -> None:
    rank = g.int(1, 4)
    if rank >= 2:
        start_map(g, tuple(r for r in (1, 2, 3) if r <= rank - 1) or (1,))
    else:
        g.start((g.int(1, 16),))
    k_norm(g)
    if g.chance(0.3):
        k_dense(g)


def keras_activation(g: Gen) -> None:
    rank = g.int(1, 4)
    g.start(tuple(g.int(1, 8) for _ in range(rank)))
    for _ in range(g.int(1, 2)):
        k_activation(g)


def keras_unknown(g: Gen) -> None:
    """Inputs with unknown (None) spatial sizes, which Keras carries through as None."""
    rank = g.pick([1, 2, 3])
    shape: list[Any] = list(feature_map(g, rank))
    unknown = [i for i in range(rank) if g.chance(0.6)] or [g.int(0, rank - 1)]
    for i in unknown:
        shape[i] = None
    g.start(tuple(shape))
    generators = [k_conv, k_conv, k_pool, k_resize, k_activation, k_norm, k_dense, k_reshape]
    for _ in range(g.int(1, 3)):
        for generator in g.rng.sample(generators, len(generators)):
            if not g.alive or generator(g):
                break


def keras_resize(g: Gen) -> None:
    start_keras_map(g)
    for _ in range(g.int(1, 2)):
        k_resize(g)


def mixed(generators: list[Callable[[Gen], bool]], start: Callable[[Gen], Any]) -> Callable[[Gen], None]:
    def family(g: Gen) -> None:
        start(g)
        wanted = g.int(3, 6)
        bad_at_end = g.bad
        g.bad = False
        for i in range(wanted):
            if not g.alive:
                return
            g.bad = bad_at_end and i == wanted - 1
            for generator in g.rng.sample(generators, len(generators)):
                if generator(g):
                    break
                if not g.alive:
                    return

    return family


keras_mixed = mixed([k_conv, k_conv, k_pool, k_dense, k_reshape, k_norm, k_activation, k_resize], start_keras_map)


# --- PyTorch layer generators


def t_conv(g: Gen, transposed: bool | None = None) -> bool:
    if not g.alive:
        return False
    rank = g.rank
    if rank not in (1, 2, 3):
        return False
    if transposed is None:
        transposed = g.chance(0.3)
    sizes, cin = g.spatial, g.channels
    bad = g.bad_choice(
        ["kernel", "in_channels", "groups", "output_padding", "negative_output"]
        if transposed
        else ["kernel", "in_channels", "groups", "same_strided", "padding_mode"]
    )
    stride = [g.pick([1, 2, 3]) if g.chance(0.4) else 1 for _ in sizes]
    dilation = [g.pick([2, 3]) if g.chance(0.25) else 1 for _ in sizes]
    padding: Any = [0] * rank
    mode = g.pick(["int", "int", "same", "valid"]) if not transposed else "int"
    if bad == "same_strided":
        mode, stride = "same", [2] + stride[1:]
    if mode == "same" and max(stride) > 1:
        mode = "int"
    if mode == "int" and g.chance(0.5):
        padding = [g.int(0, 2) for _ in sizes]
    pads = padding if mode == "int" else [0] * rank
    kernel = [
        kernel_for(g, n, d, p if not transposed else 0, too_big=bad == "kernel" and not transposed)
        for n, d, p in zip(sizes, dilation, pads)
    ]
    if mode == "same" and bad == "kernel":
        mode = "int"
    groups = 1
    out = g.pick([1, 2, 4, 6, 8, 16])
    if g.chance(0.3) or bad == "groups":
        groups = g.pick([d for d in divisors(cin) if d > 1] or [1])
        out = groups * g.int(1, 4)
        if bad == "groups":
            groups = g.pick([d for d in range(2, cin + 3) if cin % d]) if cin > 1 else 2
    declared = cin + g.pick([-1, 1]) if bad == "in_channels" and cin > 1 else (cin + 1 if bad == "in_channels" else cin)
    kwargs: dict[str, Any] = {}
    if max(stride) > 1 or g.chance(0.2):
        kwargs["stride"] = g.per_axis(stride)
    if mode != "int":
        kwargs["padding"] = mode
    elif max(padding) > 0 or g.chance(0.2):
        kwargs["padding"] = g.per_axis(padding)
    if max(dilation) > 1:
        kwargs["dilation"] = g.per_axis(dilation)
    if groups > 1:
        kwargs["groups"] = groups
    if g.chance(0.3):
        kwargs["bias"] = False
    if transposed:
        if g.chance(0.4) or bad == "output_padding":
            ops = [g.int(0, max(0, max(s, d) - 1)) for s, d in zip(stride, dilation)]
            if bad == "output_padding":
                ops[0] = max(stride[0], dilation[0]) + g.int(0, 1)
            kwargs["output_padding"] = g.per_axis(ops)
        if bad == "negative_output":
            kwargs["padding"] = max(sizes) * max(stride) + max(kernel)
        if not bad and g.chance(0.1):  # the Lazy module infers in_channels
            return g.add(f"LazyConvTranspose{rank}d", out, g.per_axis(kernel), **kwargs)
        return g.add(f"ConvTranspose{rank}d", declared, out, g.per_axis(kernel), **kwargs)
    if bad == "padding_mode":
        kwargs["padding_mode"] = "reflect"
        kwargs["padding"] = max(sizes) + 1
        kernel = [1] * rank
    elif g.chance(0.15):
        kwargs["padding_mode"] = g.pick(["zeros", "reflect", "replicate", "circular"])
    if bad != "in_channels" and g.chance(0.1):
        return g.add(f"LazyConv{rank}d", out, g.per_axis(kernel), **kwargs)
    return g.add(f"Conv{rank}d", declared, out, g.per_axis(kernel), **kwargs)


def t_pool(g: Gen) -> bool:
    if not g.alive:
        return False
    rank = g.rank
    if rank not in (1, 2, 3):
        return False
    sizes = g.spatial
    if g.chance(0.3):
        kind = g.pick(["AdaptiveAvgPool", "AdaptiveMaxPool"])
        outs: list[Any] = [g.int(1, max(1, n + 1)) for n in sizes]
        if rank > 1 and g.chance(0.3):
            outs[g.int(0, rank - 1)] = None
        if g.bad_choice(["zero"]):
            outs[0] = 0
        size = outs[0] if len(set(outs)) == 1 and outs[0] is not None and g.chance(0.6) else tuple(outs)
        return g.add(f"{kind}{rank}d", size)
    if g.chance(0.15):
        kernel = [kernel_for(g, n, too_big=bool(g.bad_choice(["kernel"])), cap=4) for n in sizes]
        kwargs: dict[str, Any] = {"ceil_mode": True} if g.chance(0.4) else {}
        stride = g.per_axis([g.int(1, 3) for _ in sizes]) if g.chance(0.6) else None
        return g.add(f"LPPool{rank}d", g.pick([1, 2, 3.0]), g.per_axis(kernel), stride, **kwargs)
    kind = g.pick(["MaxPool", "AvgPool"])
    bad = g.bad_choice(["kernel", "padding", "zero_stride"])
    dilation = [g.pick([1, 1, 2]) for _ in sizes] if kind == "MaxPool" and g.chance(0.3) else [1] * rank
    kernel = [kernel_for(g, n, d, too_big=bad == "kernel", cap=4) for n, d in zip(sizes, dilation)]
    padding = [g.int(0, k // 2) if g.chance(0.4) else 0 for k in kernel]
    if bad == "kernel":
        padding = [0] * rank
    if bad == "padding":
        padding[0] = kernel[0] // 2 + 1
    kwargs = {}
    if g.chance(0.5) or bad == "zero_stride":
        kwargs["stride"] = 0 if bad == "zero_stride" else g.per_axis([g.int(1, 3) for _ in sizes])
    if max(padding) > 0:
        kwargs["padding"] = g.per_axis(padding)
    if max(dilation) > 1:
        kwargs["dilation"] = g.per_axis(dilation)
    if g.chance(0.4):
        kwargs["ceil_mode"] = True
    if kind == "AvgPool" and g.chance(0.2):
        kwargs["count_include_pad"] = False
    return g.add(f"{kind}{rank}d", g.per_axis(kernel), **kwargs)


def t_linear(g: Gen) -> bool:
    if not g.alive:
        return False
    features = g.shape[-1]
    declared = features + 1 if g.bad_choice(["in_features"]) else features
    kwargs = {"bias": False} if g.chance(0.3) else {}
    if declared == features and g.chance(0.15):
        return g.add("LazyLinear", g.pick([1, 3, 10, 32]), **kwargs)
    return g.add("Linear", declared, g.pick([1, 3, 10, 32]), **kwargs)


def t_reshape(g: Gen) -> bool:
    if not g.alive:
        return False
    shape = list(g.shape)
    rank = len(shape)
    bad = g.bad_choice(["flatten", "unflatten"])
    kind = g.pick(["Flatten", "Flatten", "Unflatten", "Identity"])
    if bad == "flatten" or (kind == "Flatten" and not bad):
        start, end = g.int(-rank, rank - 1), g.int(-rank, rank - 1)
        if (start % rank) > (end % rank):
            start, end = end, start
        if bad == "flatten":
            start, end = (rank, -1) if g.chance(0.5) else (rank - 1, 0)
        if (start, end) == (1, -1) and g.chance(0.5):
            return g.add("Flatten")
        return g.add("Flatten", start, end)
    if kind == "Identity" and not bad:
        return g.add("Identity")
    dim = g.int(1, rank - 1) if rank > 1 else 0
    sizes = factorize(g, shape[dim], g.int(1, 3))
    if bad == "unflatten":
        sizes[0] += 1
    elif g.chance(0.3):
        sizes[g.int(0, len(sizes) - 1)] = -1
    return g.add("Unflatten", dim if g.chance(0.7) else dim - rank, tuple(sizes))


def t_norm(g: Gen) -> bool:
    if not g.alive:
        return False
    shape = list(g.shape)
    rank = len(shape)
    c = shape[1] if rank >= 2 else shape[0]
    kinds = ["BatchNorm", "InstanceNorm", "LayerNorm", "GroupNorm", "LocalResponseNorm", "RMSNorm", "Lazy", "CrossMapLRN2d"]
    kind = g.pick(kinds)
    bad = g.bad_choice(["size", "rank"] if kind in ("BatchNorm", "InstanceNorm") else ["size"])
    if kind == "Lazy":  # infers num_features
        r = {3: 1, 4: 2, 5: 3}.get(rank, 1)
        return g.add(f"Lazy{g.pick(['BatchNorm', 'InstanceNorm'])}{r}d", **({"affine": True} if g.chance(0.3) else {}))
    if kind == "CrossMapLRN2d":
        return g.add("CrossMapLRN2d", g.int(1, 5))
    declared = c + 1 if bad == "size" else c
    if kind in ("BatchNorm", "InstanceNorm"):
        r = {2: 1, 3: 1, 4: 2, 5: 3}.get(rank, 1)
        if bad == "rank":
            r = g.pick([x for x in (1, 2, 3) if x != r])
        kwargs: dict[str, Any] = {}
        if kind == "BatchNorm":
            if g.chance(0.2):
                kwargs["affine"] = False
            if g.chance(0.2):
                kwargs["track_running_stats"] = False
        elif g.chance(0.5):
            kwargs["affine"] = True
        return g.add(f"{kind}{r}d", declared, **kwargs)
    if kind in ("LayerNorm", "RMSNorm"):
        k = g.int(1, min(3, rank - 1)) if rank > 1 else 1
        normalized = shape[rank - k :]
        if bad:
            normalized[-1] += 1
        kwargs = {}
        if g.chance(0.2):
            kwargs["elementwise_affine"] = False
        elif g.chance(0.2):
            kwargs["bias"] = False
        if kind == "RMSNorm":
            kwargs = {"elementwise_affine": False} if g.chance(0.3) else {}
        return g.add(kind, normalized[0] if k == 1 and g.chance(0.5) else tuple(normalized), **kwargs)
    if kind == "GroupNorm":
        groups = g.pick(divisors(c))
        kwargs = {"affine": False} if g.chance(0.2) else {}
        if bad and g.chance(0.5) and c > 1:
            groups = g.pick([d for d in range(2, c + 2) if c % d])
            declared = c
        return g.add("GroupNorm", groups, declared, **kwargs)
    return g.add("LocalResponseNorm", g.int(1, 5))


TORCH_ACTIVATIONS: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("ReLU", (), {}),
    ("ReLU6", (), {}),
    ("LeakyReLU", (0.1,), {}),
    ("ELU", (), {"alpha": 0.5}),
    ("SELU", (), {}),
    ("CELU", (), {}),
    ("GELU", (), {"approximate": "tanh"}),
    ("GELU", (), {}),
    ("SiLU", (), {}),
    ("Mish", (), {}),
    ("Sigmoid", (), {}),
    ("Tanh", (), {}),
    ("Hardtanh", (-2.0, 2.0), {}),
    ("Hardsigmoid", (), {}),
    ("Hardswish", (), {}),
    ("Hardshrink", (), {}),
    ("Softshrink", (0.3,), {}),
    ("Tanhshrink", (), {}),
    ("Softsign", (), {}),
    ("Softplus", (), {"beta": 2.0}),
    ("LogSigmoid", (), {}),
    ("Threshold", (0.1, 20.0), {}),
    ("RReLU", (), {}),
    ("Identity", (), {}),
    ("Dropout", (0.2,), {}),
    ("AlphaDropout", (0.2,), {}),
    ("FeatureAlphaDropout", (0.2,), {}),
]


def t_activation(g: Gen) -> bool:
    if not g.alive:
        return False
    shape = g.shape
    rank = len(shape)
    bad = g.bad_choice(["value"])
    kind = g.pick(["plain", "plain", "plain", "PReLU", "softmax", "GLU", "DropoutNd", "Softmax2d", "ChannelShuffle"])
    if kind == "ChannelShuffle" and rank >= 2:
        c = shape[1]
        options = [d for d in divisors(c) if d > 1] or [1]
        groups = g.pick([d for d in range(2, c + 3) if c % d]) if bad else g.pick(options)
        return g.add("ChannelShuffle", groups)
    if kind == "PReLU":
        n = g.pick([1, shape[1]]) if rank >= 2 else 1
        if bad and rank >= 2:
            n = shape[1] + 1
        return g.add("PReLU", **({"num_parameters": n} if n != 1 or g.chance(0.3) else {}))
    if kind == "softmax":
        dim = g.int(-rank, rank - 1)
        if bad:
            dim = rank
        return g.add(g.pick(["Softmax", "LogSoftmax", "Softmin"]), dim)
    if kind == "GLU":
        dim = g.int(-rank, rank - 1)
        even = [d for d in range(-rank, rank) if shape[d] % 2 == 0]
        if even and not bad:
            dim = g.pick(even)
        elif bad:
            odd = [d for d in range(-rank, rank) if shape[d] % 2]
            dim = g.pick(odd) if odd else rank
        return g.add("GLU", **({"dim": dim} if dim != -1 or g.chance(0.3) else {}))
    if kind == "DropoutNd":
        r = {3: 1, 4: 2, 5: 3}.get(rank, 1)
        if bad:
            r = g.pick([x for x in (1, 2, 3) if x != r])
        return g.add(f"Dropout{r}d", 0.3)
    if kind == "Softmax2d":
        return g.add("Softmax2d")
    name, args, kwargs = g.pick(TORCH_ACTIVATIONS)
    if bad and name in ("Dropout", "AlphaDropout", "FeatureAlphaDropout"):
        args = (1.5,)
    return g.add(name, *args, **kwargs)


def t_resize(g: Gen) -> bool:
    if not g.alive:
        return False
    rank = g.rank
    if rank not in (1, 2, 3):
        return False
    sizes, c = g.spatial, g.channels
    kind = g.pick(["ZeroPad", "ConstantPad", "ReflectionPad", "ReplicationPad", "CircularPad", "Upsample", "Upsample", "Pixel"])
    bad = g.bad_choice(["value"])
    if kind.endswith("Pad"):
        pads = [g.int(0, 3) for _ in range(2 * rank)]
        if kind in ("ZeroPad", "ConstantPad") and g.chance(0.3):
            pads = [g.int(-1, 2) if sizes[-1 - i // 2] > 2 else 0 for i in range(2 * rank)]
        if kind in ("ReflectionPad", "CircularPad"):
            pads = [min(p, sizes[-1 - i // 2] - 1) for i, p in enumerate(pads)]
        if bad:
            pads[0] = sizes[-1] + 1 if kind in ("ReflectionPad", "CircularPad") else -(sizes[-1] + 1)
        padding: Any = pads[0] if len(set(pads)) == 1 and g.chance(0.6) else tuple(pads)
        args: tuple[Any, ...] = (padding, 0.5) if kind == "ConstantPad" else (padding,)
        return g.add(f"{kind}{rank}d", *args)
    if kind == "Pixel":
        if rank != 2:
            return g.add("Identity")
        if g.chance(0.3):
            name = g.pick(["UpsamplingNearest2d", "UpsamplingBilinear2d"])
            if g.chance(0.5):
                return g.add(name, size=tuple(g.int(1, 2 * n) for n in sizes))
            return g.add(name, scale_factor=g.pick([2, 3, 1.5]))
        if g.chance(0.5):
            options = [r for r in (2, 3) if c % (r * r) == 0]
            r = g.pick(options) if options and not bad else g.pick([r for r in (2, 3) if c % (r * r)] or [2])
            return g.add("PixelShuffle", r)
        options = [r for r in (2, 3) if all(n % r == 0 for n in sizes)]
        r = g.pick(options) if options and not bad else g.pick([r for r in (2, 3) if any(n % r for n in sizes)] or [2])
        return g.add("PixelUnshuffle", r)
    modes = {1: ["nearest", "linear"], 2: ["nearest", "bilinear", "bicubic"], 3: ["nearest", "trilinear"]}[rank]
    mode = g.pick(modes)
    kwargs: dict[str, Any] = {}
    if mode != "nearest" or g.chance(0.3):
        kwargs["mode"] = mode
    if bad:
        kwargs["mode"] = g.pick(
            [m for r, ms in {1: ["linear"], 2: ["bilinear"], 3: ["trilinear"]}.items() if r != rank for m in ms]
        )
    if g.chance(0.5):
        size = [g.int(1, 2 * n) for n in sizes]
        return g.add("Upsample", size=size[0] if rank == 1 or (len(set(size)) == 1 and g.chance(0.5)) else tuple(size), **kwargs)
    factor = g.pick([2, 3, 1.5, 0.5, 2.5, 0.3, 0.7, 1.1, 1.3, 2.2])
    if rank > 1 and g.chance(0.3):
        factor = tuple(g.pick([1, 2, 1.5, 0.7, 1.3]) for _ in range(rank))
    return g.add("Upsample", scale_factor=factor, **kwargs)


# --- PyTorch families


def torch_conv(g: Gen) -> None:
    start_map(g)
    for _ in range(g.int(1, 3)):
        t_conv(g, False)


def torch_transpose(g: Gen) -> None:
    start_map(g)
    for _ in range(g.int(1, 2)):
        t_conv(g, True)


def torch_pool(g: Gen) -> None:
    start_map(g)
    if g.chance(0.3):
        t_conv(g, False)
    t_pool(g)
    if g.chance(0.3) and g.alive:
        t_pool(g)


def torch_ceil(g: Gen) -> None:
    """Pooling with ceil_mode=True, strides and padding: where the last window may start in the
    right padding and is then dropped (the rule PyTorch's pooling docs state)."""
    start_map(g)
    sizes = g.spatial
    kind = g.pick(["MaxPool", "AvgPool"])
    kernel = [g.int(1, min(4, n)) for n in sizes]
    stride = [g.int(1, 4) for _ in sizes]
    padding = [g.int(0, k // 2) for k in kernel]
    if g.bad:
        padding[0] = kernel[0] // 2 + 1
    kwargs: dict[str, Any] = {"stride": g.per_axis(stride), "padding": g.per_axis(padding), "ceil_mode": True}
    if kind == "MaxPool" and g.chance(0.3):
        kwargs["dilation"] = g.per_axis([g.int(1, 2) for _ in sizes])
    g.add(f"{kind}{g.rank}d", g.per_axis(kernel), **kwargs)


def torch_upsample(g: Gen) -> None:
    """Upsample by size or by (fractional) scale factors, where the output is floor(n * s)."""
    start_map(g)
    for _ in range(g.int(1, 2)):
        if g.alive:
            rank = g.rank
            mode = g.pick({1: ["nearest", "linear"], 2: ["nearest", "bilinear", "bicubic"], 3: ["nearest", "trilinear"]}[rank])
            factor: Any = g.pick([0.3, 0.7, 1.1, 1.3, 1.7, 2.2, 2.5, 3])
            if rank > 1 and g.chance(0.4):
                factor = tuple(g.pick([0.3, 0.7, 1.3, 2, 2.2]) for _ in range(rank))
            kwargs: dict[str, Any] = {"scale_factor": factor}
            if mode != "nearest":
                kwargs["mode"] = mode
            if g.bad:
                kwargs["size"] = 4
            g.add("Upsample", **kwargs)


def torch_linear(g: Gen) -> None:
    rank = g.int(1, 4)
    g.start(tuple(g.int(1, 12) for _ in range(rank)))
    if g.chance(0.3) and rank > 1:
        g.add("Flatten")
    for _ in range(g.int(1, 2)):
        t_linear(g)


def torch_reshape(g: Gen) -> None:
    rank = g.int(1, 4)
    g.start(tuple(g.int(1, 8) for _ in range(rank)))
    for _ in range(g.int(1, 3)):
        t_reshape(g)


def torch_norm(g: Gen) -> None:
    if g.chance(0.2):
        g.start((g.int(1, 16),))
    else:
        start_map(g)
    t_norm(g)


def torch_activation(g: Gen) -> None:
    rank = g.int(1, 4)
    g.start(tuple(g.int(1, 8) for _ in range(rank)))
    for _ in range(g.int(1, 2)):
        t_activation(g)


def torch_resize(g: Gen) -> None:
    start_map(g)
    for _ in range(g.int(1, 2)):
        t_resize(g)


torch_mixed = mixed([t_conv, t_conv, t_pool, t_linear, t_reshape, t_norm, t_activation, t_resize], start_map)

FAMILIES: dict[str, dict[str, tuple[Callable[[Gen], None], int]]] = {
    "keras": {
        "conv": (keras_conv, 60),
        "transpose": (keras_transpose, 40),
        "depthwise": (keras_depthwise, 35),
        "pool": (keras_pool, 50),
        "dense": (keras_dense, 25),
        "reshape": (keras_reshape, 30),
        "norm": (keras_norm, 40),
        "activation": (keras_activation, 45),
        "resize": (keras_resize, 40),
        "unknown": (keras_unknown, 40),
        "mixed": (keras_mixed, 50),
    },
    "pytorch": {
        "conv": (torch_conv, 70),
        "transpose": (torch_transpose, 50),
        "pool": (torch_pool, 60),
        "ceil": (torch_ceil, 40),
        "upsample": (torch_upsample, 30),
        "linear": (torch_linear, 25),
        "reshape": (torch_reshape, 30),
        "norm": (torch_norm, 40),
        "activation": (torch_activation, 60),
        "resize": (torch_resize, 40),
        "mixed": (torch_mixed, 60),
    },
}


FAMILIES["pytorch"].update(generate_ops.TORCH)
FAMILIES["keras"].update(generate_ops.KERAS)

from generate_layers import FAMILIES as LAYER_FAMILIES  # noqa: E402  issue 9's layer classes
from generate_layers import available  # noqa: E402

for _framework, _families in LAYER_FAMILIES.items():
    FAMILIES[_framework].update({name: family for name, family in _families.items() if available(_framework, name)})


def ids(framework: str) -> list[str]:
    """Test ids such as "pool-017", without running any framework."""
    return [f"{family}-{i:03d}" for family, (_, count) in FAMILIES[framework].items() for i in range(count)]


def generate(framework: str, family: str, index: int) -> tuple[Stack, Facts]:
    """The stack with this id, and the framework's facts about it (gathered while growing it)."""
    make, _ = FAMILIES[framework][family]
    g = Gen(framework, f"{framework}/{family}/{index}", bad=index % BAD_EVERY == BAD_EVERY - 1)
    make(g)
    if not g.layers:  # every family adds at least one layer; keep the stack meaningful anyway
        g.add("Flatten")
    return g.stack(), g.session.facts()
