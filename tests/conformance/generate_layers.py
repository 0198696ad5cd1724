"""Seeded random stacks for the layer classes of issue 9, one family per group of layers;
generate.py adds them to its FAMILIES, so they run, are checked and rebuilt like the others
(`generate("pytorch", "unpool", 7)`). Every fifth stack is meant to be impossible.

Layers that take several inputs are wired by name: `g.add_on(("l0", "l0[1]"), "MaxUnpool2d", 2)`
takes the max pool's output and its indices (oracle.Stack writes such a stack with names l0,
l1...). Keras's augmentation layers are compared in their symbolic (compute_output_shape)
shapes, which are the same in training and inference; the PyTorch ones run in training mode.

This module imports nothing from generate.py (which imports it): `g` is generate.Gen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from oracle import Cls

Gen = Any  # generate.Gen, which imports this module


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def image(g: Gen, sizes: tuple[int, int] = (6, 24), channels: tuple[int, ...] = (1, 3, 3, 4)) -> tuple[int, int, int]:
    """(height, width, channels) channels_last, or channels first for a PyTorch stack."""
    h, w, c = g.int(*sizes), g.int(*sizes), g.pick(channels)
    return (c, h, w) if g.channels_first else (h, w, c)


# --- PyTorch


def torch_cells(g: Gen) -> None:
    """RNNCell, LSTMCell, GRUCell; a second cell may take the first one's state."""
    features = g.int(1, 8)
    g.start((features,))
    bad = g.bad_choice(["input_size", "hidden", "nonlinearity", "rank"])
    if bad == "rank":
        g.start((g.int(2, 4), features))
    kind = g.pick(["RNNCell", "LSTMCell", "GRUCell"])
    hidden = g.int(1, 8)
    kwargs: dict[str, Any] = {"bias": False} if g.chance(0.3) else {}
    if kind == "RNNCell" and (g.chance(0.3) or bad == "nonlinearity"):
        kwargs["nonlinearity"] = "gelu" if bad == "nonlinearity" else "relu"
    elif bad == "nonlinearity":
        kind, kwargs["nonlinearity"] = "RNNCell", "Tanh"
    declared = features + 1 if bad == "input_size" else features
    g.add(kind, declared, hidden, **kwargs)
    if not g.chance(0.7) and bad != "hidden":
        return
    second = g.pick(["RNNCell", "LSTMCell", "GRUCell"])
    size = hidden + 1 if bad == "hidden" else hidden
    state = ("l0", "l0[1]" if kind == "LSTMCell" else "l0") if second == "LSTMCell" else ("l0",)
    source = g.pick(["input", "l0"])
    width = features if source == "input" else hidden
    g.add_on((source, *state), second, width, size)


def torch_bilinear(g: Gen) -> None:
    """Bilinear of the input and a Linear of it, (N, [T,] in1) and (N, [T,] in2)."""
    features = g.int(1, 6)
    g.start((g.int(1, 5), features) if g.chance(0.4) else (features,))
    width = g.int(1, 6)
    g.add("Linear", features, width)
    bad = g.bad_choice(["in1", "in2", "swap", "rank"])
    first, second = ("input", "l0")
    in1, in2 = features, width
    if bad == "in1":
        in1 += 1
    elif bad == "in2":
        in2 += 1
    elif bad == "swap" and features != width:
        first, second = second, first
    elif bad == "rank":
        g.add("Flatten", 0)
        second = "l1"
    kwargs = {"bias": False} if g.chance(0.3) else {}
    g.add_on((first, second), "Bilinear", in1, in2, g.int(1, 6), **kwargs)


def torch_embedding_bag(g: Gen) -> None:
    """EmbeddingBag on fixed-length bags of indices (zeros, torch.long), maybe a Linear after."""
    g.start((g.int(1, 8),), integer=True)
    bad = g.bad_choice(["mode", "padding_idx", "max_scale", "rows"])
    rows, dim = g.int(1, 20), g.int(1, 8)
    kwargs: dict[str, Any] = {}
    if g.chance(0.5) or bad == "mode":
        kwargs["mode"] = "median" if bad == "mode" else g.pick(["sum", "mean", "max"])
    if g.chance(0.3) or bad == "padding_idx":
        kwargs["padding_idx"] = rows if bad == "padding_idx" else g.int(-rows, rows - 1)
    if bad == "max_scale":
        kwargs.update(mode="max", scale_grad_by_freq=True)
    elif g.chance(0.2):
        kwargs["include_last_offset"] = True  # ignored for fixed-length bags
    if bad == "rows":
        rows = 0
    g.add("EmbeddingBag", rows, dim, **kwargs)
    if g.chance(0.4):
        g.add("Linear", dim, g.int(1, 6))


def block_arguments(g: Gen, sizes: tuple[int, int], too_big: bool) -> tuple[Any, dict[str, Any]]:
    """kernel_size and the keywords of an Unfold or Fold on `sizes`."""
    kernel = [g.int(1, max(1, min(4, n))) for n in sizes]
    dilation = [g.pick([1, 1, 2]) if (n - 1) // max(1, k - 1 if k > 1 else 1) >= 2 else 1 for n, k in zip(sizes, kernel)]
    padding = [g.int(0, 1) for _ in sizes]
    stride = [g.int(1, 3) for _ in sizes]
    if too_big:
        kernel[0] = sizes[0] + 2 * padding[0] + 1
    kwargs: dict[str, Any] = {}
    if max(dilation) > 1:
        kwargs["dilation"] = g.per_axis(dilation)
    if max(padding) > 0:
        kwargs["padding"] = g.per_axis(padding)
    if max(stride) > 1:
        kwargs["stride"] = g.per_axis(stride)
    return g.per_axis(kernel), kwargs


def torch_fold(g: Gen) -> None:
    """Unfold a map into its blocks, and maybe Fold them back."""
    g.channels_first = True
    c, h, w = image(g, (3, 12), (1, 2, 3))
    g.start((c, h, w))
    bad = g.bad_choice(["kernel", "output_size", "divisible"])
    kernel, kwargs = block_arguments(g, (h, w), bad == "kernel")
    g.add("Unfold", kernel, **kwargs)
    if bad == "kernel" or (not bad and g.chance(0.3)):
        return
    out = (h + 1, w) if bad == "output_size" else (h, w)
    if bad == "divisible":
        g.add("Flatten", 0, 1)  # (N x C x kh x kw, L): one unbatched 2-D block matrix
        g.add("Unflatten", 0, (1, -1))
        g.add("Flatten", 0, 1)
        kernel = (kernel if isinstance(kernel, int) else kernel[0]) + 1
    g.add("Fold", out, kernel, **kwargs)


def torch_unpool(g: Gen) -> None:
    """MaxPool with return_indices=True, then MaxUnpool of its output and indices, maybe with the
    input as a third input (forward's output_size). The sizes are drawn so that the unpooled map
    is the pool's input again: torch checks each index against the output at run time ("Found an
    invalid max index"), a check on values that shapes cannot make."""
    g.channels_first = True
    rank = g.pick([1, 2, 3])
    kernel = [g.int(1, 3) for _ in range(rank)]
    stride = [g.int(1, 3) for _ in range(rank)]
    padding = [g.int(0, k // 2) for k in kernel]
    limit = {1: 8, 2: 5, 3: 3}[rank]
    sizes = []
    for k, s, p in zip(kernel, stride, padding):
        windows = g.int(1, limit)
        while (windows - 1) * s + k - 2 * p < max(1, k - 2 * p):
            windows += 1
        sizes.append((windows - 1) * s + k - 2 * p)
    g.start((g.int(1, 3), *sizes))
    kwargs: dict[str, Any] = {"stride": g.per_axis(stride)}
    if max(padding):
        kwargs["padding"] = g.per_axis(padding)
    g.add(f"MaxPool{rank}d", g.per_axis(kernel), return_indices=True, **kwargs)
    bad = g.bad_choice(["indices", "size", "padding"])
    refs: tuple[str, ...] = ("l0", "l0[1]")
    if bad == "indices":
        g.add(f"MaxPool{rank}d", 1, return_indices=True)
        g.add(f"ConstantPad{rank}d", 1, 0.0)
        refs = ("l2", "l1[1]")
    elif bad == "size" or g.chance(0.4):
        refs = (*refs, "input")
        if bad == "size":
            kwargs["stride"] = g.per_axis([s + 3 for s in stride])
    if bad == "padding":
        kwargs["padding"] = max(kernel)
    g.add_on(refs, f"MaxUnpool{rank}d", g.per_axis(kernel), **kwargs)


NORMS = [
    Cls("BatchNorm2d"),
    Cls("BatchNorm2d", (), {"eps": 0.001, "momentum": 0.01}),
    Cls("InstanceNorm2d"),
    Cls("LayerNorm2d", (), {"eps": 1e-6}),
]
ACTIVATIONS = [Cls("ReLU"), Cls("ReLU6"), Cls("SiLU"), Cls("Hardswish"), Cls("Hardsigmoid")]


def torch_torchvision(g: Gen) -> None:
    """Conv2dNormActivation (Conv3d... on 3-D maps), SqueezeExcitation, StochasticDepth and
    ConvNeXt's LayerNorm2d."""
    g.channels_first = True
    three = g.chance(0.2)
    c, h, w = image(g, (4, 16), (1, 2, 3, 4, 8))
    g.start((c, g.int(2, 5), h, w) if three else (c, h, w))
    bad = g.bad_choice(["in_channels", "inplace", "groups", "se", "p"])
    for _ in range(g.int(1, 3)):
        if not g.alive:
            return
        c = g.channels
        choice = g.pick(["block", "block", "se", "depth", "norm"])
        if choice == "norm" and not three and not bad:
            g.add("LayerNorm2d", c, eps=1e-6)
            continue
        if bad == "se" or (choice == "se" and not three):
            squeezed = g.int(1, max(1, c))
            declared = c + 1 if bad == "se" else c
            kwargs: dict[str, Any] = {}
            if g.chance(0.5):
                kwargs["activation"] = g.pick(ACTIVATIONS)
            if g.chance(0.5):
                kwargs["scale_activation"] = g.pick([Cls("Sigmoid"), Cls("Hardsigmoid")])
            g.add("SqueezeExcitation", declared, squeezed, **kwargs)
            bad = ""
        elif choice == "depth" or bad == "p":
            g.add("StochasticDepth", 1.5 if bad == "p" else g.pick([0.0, 0.1, 0.5]), g.pick(["row", "batch"]))
            bad = ""
        else:
            out = g.pick([4, 6, 8, 12])
            groups = g.pick([d for d in divisors(c) if out % d == 0])
            if bad == "groups":
                groups = g.pick([d for d in range(2, c + 3) if c % d or out % d])
            kernel = g.pick([1, 3, 3, 5])
            kwargs = {}
            if groups > 1:
                kwargs["groups"] = groups
            if g.chance(0.4):
                kwargs["stride"] = 2
            if g.chance(0.2):
                kwargs["dilation"] = 2
            if g.chance(0.2):
                kwargs["padding"] = 0
            if not three and g.chance(0.4):
                kwargs["norm_layer"] = g.pick([*NORMS, None])
            if g.chance(0.4) or bad == "inplace":
                kwargs["activation_layer"] = Cls("GELU") if bad == "inplace" else g.pick([*ACTIVATIONS, None])
                if bad != "inplace" and g.chance(0.3):
                    kwargs["inplace"] = None
            if g.chance(0.2):
                kwargs["bias"] = True
            declared = c + 1 if bad == "in_channels" else c
            name = "Conv3dNormActivation" if three else "Conv2dNormActivation"
            g.add(name, declared, out, kernel, **kwargs)
            bad = ""


# --- Keras


def keras_conv_lstm(g: Gen) -> None:
    """ConvLSTM1D/2D/3D on a sequence of maps, maybe another one on its sequence."""
    rank = g.pick([1, 2, 3])
    low, high = {1: (4, 16), 2: (3, 10), 3: (2, 6)}[rank]
    sizes = [g.int(low, high) for _ in range(rank)]
    steps = None if g.chance(0.2) else g.int(1, 4)
    g.start((steps, *sizes, g.int(1, 4)))
    bad = g.bad_choice(["kernel", "stride_dilation", "padding", "rank"])
    for i in range(g.int(1, 2)):
        if not g.alive:
            return
        sizes = list(g.spatial[1:]) if len(g.shape) == rank + 3 else list(g.spatial)
        padding = g.pick(["valid", "same"])
        kernel = [g.int(1, min(3, n)) if padding == "valid" else g.int(1, 3) for n in sizes]
        kwargs: dict[str, Any] = {}
        if padding != "valid" or g.chance(0.3):
            kwargs["padding"] = padding
        if bad == "kernel":
            kwargs["padding"] = "valid"
            kernel[0] = sizes[0] + 1
        if g.chance(0.3) or bad == "stride_dilation":
            kwargs["strides"] = 2
        if bad == "stride_dilation" or ("strides" not in kwargs and g.chance(0.2)):
            kwargs["dilation_rate"] = 2
            if padding == "valid" and bad != "stride_dilation":
                kernel = [min(k, max(1, (n + 1) // 2)) for k, n in zip(kernel, sizes)]
        if bad == "padding":
            kwargs["padding"] = "causal"
        last = i == 1 or g.chance(0.5)
        if not last or g.chance(0.3):
            kwargs["return_sequences"] = True
        if g.chance(0.2):
            kwargs["return_state"] = True
        if g.chance(0.2):
            kwargs["use_bias"] = False
        name = f"ConvLSTM{rank + 1 if bad == 'rank' and rank < 3 else rank}D"
        g.add(name, g.pick([1, 2, 4]), g.per_axis(kernel), **kwargs)
        bad = ""
        if "return_sequences" not in kwargs:
            return


def keras_attention(g: Gen) -> None:
    """Attention and AdditiveAttention of a query, a value and a key (Dense layers of it)."""
    width = g.int(1, 6)
    g.start((g.int(1, 6), width))
    bad = g.bad_choice(["key", "mode", "one"])
    kind = g.pick(["Attention", "AdditiveAttention"])
    g.add("Dense", width + 1 if bad == "key" else width)  # l0: key
    g.add_on(("input",), "Dense", g.int(1, 5))  # l1: value
    kwargs: dict[str, Any] = {}
    if g.chance(0.4):
        kwargs["use_scale"] = g.chance(0.5)
    if kind == "Attention" and (g.chance(0.4) or bad == "mode"):
        kwargs["score_mode"] = "add" if bad == "mode" else g.pick(["dot", "concat"])
    if g.chance(0.2):
        kwargs["dropout"] = 0.1
    refs = ("input",) if bad == "one" else ("input", "l1", "l0")
    if not bad and g.chance(0.3):
        g.add_on(("input",), "Dense", width)  # l2: value of the query's width, also the key
        refs = ("input", "l2")
    g.add_on(refs, kind, **kwargs)


EQUATIONS = [
    # (input rank without batch, equation, output_shape letters after the batch: sizes from input or new)
    (1, "ab,bc->ac", "c"),
    (2, "abc,cd->abd", "bd"),
    (2, "abc,cde->abde", "bde"),
    (3, "abcd,de->abce", "bce"),
    (2, "abc,bcd->ad", "d"),
    (1, "...b,bc->...c", "c"),
    (2, "...b,bc->...c", "c"),
    (2, "ab...,bc->ac...", "c"),
    (3, "ab...,bc->ac...", "c"),
]


def keras_einsum(g: Gen) -> None:
    rank, equation, outputs = g.pick(EQUATIONS)
    g.start(tuple(g.int(1, 6) for _ in range(rank)))
    inputs = equation.split(",")[0].replace("...", "")
    bad = g.bad_choice(["letter", "bias", "shared", "short"])
    sizes = dict(
        zip(
            inputs[1:] if not equation.startswith("...") else inputs[-1:],
            g.shape[1:] if not equation.startswith("...") else g.shape[-1:],
        )
    )
    output: list[Any] = []
    for letter in outputs:
        if letter in sizes:
            output.append(None if g.chance(0.5) else sizes[letter])
        else:
            output.append(g.int(1, 6))
    shared = [i for i, letter in enumerate(outputs) if letter in sizes]
    if bad == "shared" and shared:
        output[shared[0]] = sizes[outputs[shared[0]]] + 1
    if bad == "short" and len(output) > 1:
        output = output[:-1]
    kwargs: dict[str, Any] = {}
    new = [letter for letter, size in zip(outputs, output) if size is not None]
    if g.chance(0.5) or bad == "bias":
        kwargs["bias_axes"] = "z" if bad == "bias" else "".join(sorted(g.rng.sample(new, g.int(1, len(new)))) or new[-1:])
    if g.chance(0.2):
        kwargs["activation"] = "relu"
    if g.chance(0.15):
        kwargs["lora_rank"] = 2
    if bad == "letter":
        equation = equation.replace("->", "x->", 1) if "..." not in equation else equation.replace(",", ",z", 1)
    g.add("EinsumDense", equation, output[0] if len(output) == 1 and g.chance(0.5) else tuple(output), **kwargs)


def keras_category(g: Gen) -> None:
    g.start((g.pick([1, 1, g.int(2, 6)]),))
    bad = g.bad_choice(["tokens", "mode"])
    mode = g.pick(["multi_hot", "one_hot", "count", "binary"])
    if bad == "mode":
        mode = "tf_idf"
    tokens = 0 if bad == "tokens" else g.int(1, 12)
    g.add("CategoryEncoding", tokens, **({"output_mode": mode} if mode != "multi_hot" or g.chance(0.3) else {}))
    if g.chance(0.3):
        g.add("Dense", g.int(1, 4))


def factor(g: Gen, low: float, high: float) -> Any:
    value = round(g.rng.uniform(low, high), 2)
    return value if g.chance(0.6) else tuple(sorted((value, round(g.rng.uniform(low, high), 2))))


# Each augmentation: (arguments that work, arguments that do not)
AUGMENTATIONS: dict[
    str, Callable[[Gen], tuple[tuple[tuple[Any, ...], dict[str, Any]], tuple[tuple[Any, ...], dict[str, Any]]]]
] = {
    "RandomFlip": lambda g: (((g.pick(["horizontal", "vertical", "horizontal_and_vertical"]),), {}), ((), {"seed": "x"})),
    "RandomRotation": lambda g: (((factor(g, -0.5, 0.5),), {"fill_mode": g.pick(["reflect", "constant"])}), ((1.5,), {})),
    "RandomZoom": lambda g: (((factor(g, -0.5, 0.5),), {"width_factor": factor(g, -0.3, 0.3)}), ((-1.0,), {})),
    "RandomTranslation": lambda g: (((factor(g, -0.3, 0.3), factor(g, -0.3, 0.3)), {}), ((0.1, 2.0), {})),
    "RandomContrast": lambda g: (((factor(g, 0, 1),), {}), ((-0.5,), {})),
    "RandomBrightness": lambda g: (((factor(g, -0.5, 0.5),), {"value_range": (0, 1)}), ((0.2,), {"value_range": (0, 1, 2)})),
    "RandomGrayscale": lambda g: (((round(g.rng.random(), 2),), {}), ((1.5,), {})),
    "RandomHue": lambda g: (((factor(g, 0, 1),), {}), ((-0.5,), {})),
    "RandomSaturation": lambda g: (((factor(g, 0, 1),), {}), ((0.5,), {"value_range": 255})),
    "RandomSharpness": lambda g: (((factor(g, 0, 1),), {}), ((2.0,), {})),
    "RandomShear": lambda g: (((factor(g, 0, 0.5), factor(g, 0, 0.5)), {}), ((-0.2,), {})),
    "RandomInvert": lambda g: (((), {"factor": factor(g, 0, 1)}), ((), {"factor": 2})),
    "RandomPosterization": lambda g: (((g.int(1, 8),), {}), ((9,), {})),
    "RandomErasing": lambda g: (((), {"scale": (0.02, 0.3)}), ((), {"scale": 2.0})),
    "RandomGaussianBlur": lambda g: (((), {"kernel_size": g.pick([3, 5, (3, 5)])}), ((), {"kernel_size": 4})),
    "RandomPerspective": lambda g: (((), {"scale": round(g.rng.random(), 2)}), ((), {"scale": 1.5})),
    "RandomElasticTransform": lambda g: (((), {"fill_mode": g.pick(["reflect", "mirror"])}), ((), {"interpolation": "cubic"})),
    "RandomColorJitter": lambda g: (((), {"brightness_factor": 0.2, "hue_factor": 0.1}), ((), {"contrast_factor": 1.5})),
    "Solarization": lambda g: (((factor(g, 0, 1), factor(g, 0, 1)), {}), ((1.5,), {})),
    "AutoContrast": lambda g: (((), {}), ((), {"value_range": (0,)})),
    "Equalization": lambda g: (((), {"bins": 128}), ((), {"value_range": 1})),
    "MixUp": lambda g: (((), {"alpha": 0.3}), ((), {"seed": 1.5})),
    "CutMix": lambda g: (((), {"factor": factor(g, 0, 1)}), ((), {"factor": 2})),
    "RandAugment": lambda g: (((), {"num_ops": 1}), ((), {"interpolation": "cubic"})),
    "AugMix": lambda g: (((), {"num_chains": 2}), ((), {"factor": 1.5})),
}


COLOURS = {
    **{n: (3,) for n in ("RandomHue", "RandomSaturation", "RandomColorJitter")},
    **{n: (1, 3) for n in ("RandomGrayscale", "RandAugment", "AugMix")},
}


def keras_image(g: Gen) -> None:
    """Preprocessing and augmentation of images: Resizing, CenterCrop, RandomCrop and the
    Random* layers, one to three of them."""
    g.channels_first = g.chance(0.15)
    g.start(image(g))
    bad_at = g.int(0, 2) if g.bad else -1
    for i in range(g.int(1, 3)):
        if not g.alive:
            return
        bad = i == bad_at
        kwargs: dict[str, Any] = {"data_format": "channels_first"} if g.channels_first else {}
        kind = g.pick(["Resizing", "CenterCrop", "RandomCrop", "augment", "augment", "augment"])
        if kind in ("Resizing", "CenterCrop", "RandomCrop"):
            h, w = g.int(1, 30), g.int(1, 30)
            if kind == "Resizing":
                if g.chance(0.3):
                    kwargs["interpolation"] = g.pick(["nearest", "bicubic"])
                if g.chance(0.2):
                    kwargs[g.pick(["crop_to_aspect_ratio", "pad_to_aspect_ratio"])] = True
                if bad:
                    kwargs["interpolation"] = "cubic"
            if bad and kind != "Resizing":
                w = 0
            g.add(kind, h, w, **kwargs)
            continue
        channels = g.shape[1] if g.channels_first else g.shape[-1]
        # the colour conversions of these need RGB (or grayscale) while training, and fail at random
        # on other images (whether the conversion runs is random): leave them to RGB stacks
        names = [n for n in AUGMENTATIONS if n not in COLOURS or channels in COLOURS[n]]
        name = g.pick(names)
        (good_args, good_kwargs), (bad_args, bad_kwargs) = AUGMENTATIONS[name](g)
        args, extra = (bad_args, bad_kwargs) if bad else (good_args, good_kwargs)
        if name in ("RandomContrast", "RandomBrightness", "Solarization", "AutoContrast", "RandomColorJitter"):
            kwargs = {}  # these take no data_format of their own, or ignore it
        g.add(name, *args, **kwargs, **extra)


def keras_applications(g: Gen) -> None:
    """keras.applications' LayerScale, StochasticDepth and CustomScaleLayer."""
    width = g.int(1, 6)
    g.start((g.int(1, 5), g.int(1, 5), width) if g.chance(0.5) else (g.int(1, 5), width))
    bad = g.bad_choice(["scale", "merge"])
    g.add("Dense", g.pick([width, 1]) if bad != "merge" else width + 1)  # l0
    g.add("LayerScale", 1e-6, width + 1 if bad == "scale" else width)  # l1
    if g.chance(0.5):
        g.add("StochasticDepth", g.pick([0.0, 0.1]))
    g.add_on(("input", g.last), "CustomScaleLayer", g.pick([0.17, 1.0]))
    if bad == "merge":
        g.add_on(("input", "l0"), "CustomScaleLayer", 0.1)


NEEDS = {("pytorch", "torchvision"): "torchvision"}
"""Families whose real classes live in a package the conformance suite may lack: they run only
where it is installed (test_generated.py then has no such ids)."""


def available(framework: str, family: str) -> bool:
    import importlib.util

    package = NEEDS.get((framework, family))
    return package is None or importlib.util.find_spec(package) is not None


FAMILIES: dict[str, dict[str, tuple[Callable[[Gen], None], int]]] = {
    "keras": {
        "conv_lstm": (keras_conv_lstm, 35),
        "attention": (keras_attention, 30),
        "einsum": (keras_einsum, 40),
        "category": (keras_category, 20),
        "image": (keras_image, 60),
        "applications": (keras_applications, 25),
    },
    "pytorch": {
        "cells": (torch_cells, 35),
        "bilinear": (torch_bilinear, 25),
        "embedding_bag": (torch_embedding_bag, 25),
        "fold": (torch_fold, 35),
        "unpool": (torch_unpool, 40),
        "torchvision": (torch_torchvision, 50),
    },
}
