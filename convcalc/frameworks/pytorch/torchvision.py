"""torchvision.ops' layer classes that torchvision's classification models are built of
(torchvision/ops/misc.py, stochastic_depth.py): Conv2dNormActivation and Conv3dNormActivation,
SqueezeExcitation and StochasticDepth; and ConvNeXt's LayerNorm2d (torchvision/models/convnext.py),
nn.LayerNorm over the channels of a (N, C, H, W) map, which its stem and downsampling layers use
(`norm_layer=LayerNorm2d(eps=1e-6)`).

Conv2dNormActivation is an nn.Sequential: the convolution `0`, then `norm_layer(out_channels)`
and `activation_layer(inplace=inplace)` (each left out when None), so its parameters are named
`0.weight`, `1.weight`, `1.bias`... as in torchvision's state_dict. Its padding defaults to
(kernel_size - 1) // 2 x dilation and its bias to `norm_layer is None`. SqueezeExcitation holds
avgpool (AdaptiveAvgPool2d(1)), fc1 and fc2 (1x1 Conv2d), activation and scale_activation, and
multiplies its input by the scale: its output has the input's shape.

The classes these take as arguments (norm_layer, activation_layer, activation, scale_activation)
are written as a call of a vocabulary class whose arguments are bound first, as
functools.partial binds them: `norm_layer=BatchNorm2d(eps=0.001)` is torchvision's
`partial(nn.BatchNorm2d, eps=0.001)`, `GroupNorm(8)` is `partial(nn.GroupNorm, 8)`, and
`Hardswish()` the class itself; None leaves the layer out.

MACs are their parts' (fvcore counts each module inside): the convolution and the norm of a
Conv2dNormActivation; SqueezeExcitation's average pool and its two 1x1 convolutions.
StochasticDepth counts 0 and keeps the shape in both modes (it zeroes whole rows or the whole
batch while training, passes the input through in eval mode). Receptive fields: a
Conv2dNormActivation slides its convolution's window; SqueezeExcitation keeps every position (its
scale is one number per channel, as a merge with a squeeze-and-excitation vector is read).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial

from convcalc.errors import LayerError
from convcalc.frameworks.base import Code, Family, LayerType, Vocabulary, about, inner_layer
from convcalc.frameworks.pytorch.layers import CONV_TERMS, conv_window, exact_choice, layer_norm, rank_error, torch_type
from convcalc.ops import macs
from convcalc.ops.merge import broadcast
from convcalc.ops.tensor import Built, Shape, Weight
from convcalc.ops.window import Window
from convcalc.record import Record
from convcalc.signature import Args
from convcalc.spec.calls import Call

TYPES: list[LayerType] = []
CLASS = re.compile(r"<class (\w+)>")  # a class default, as scripts/gen_signatures.py writes it


class Part(Record):
    """One module inside a torchvision block: its attribute name, type, bound arguments, input."""

    __slots__ = ("name", "layer_type", "args", "input_shape", "built")

    name: str
    layer_type: LayerType
    args: Args
    input_shape: Shape
    built: Built

    def __init__(self, name: str, layer_type: LayerType, args: Args, input_shape: Shape, built: Built) -> None:
        self.name = name
        self.layer_type = layer_type
        self.args = args
        self.input_shape = input_shape
        self.built = built

    def macs(self) -> int | None:
        layer = macs.Layer("pytorch", self.args, (self.input_shape,), self.built.outputs, self.built.weights)
        return self.layer_type.counts(layer)


def module_class(args: Args, name: str) -> Call | None:
    """A class argument: None, a call of the class (its arguments bound first), or its name."""
    value = args[name]
    if value is None:
        return None
    if isinstance(value, str):
        found = CLASS.fullmatch(value)
        return Call(found.group(1) if found else value)
    if isinstance(value, Call):
        return value
    raise args.error(name, "None or a layer class, e.g. BatchNorm2d(eps=0.001), Hardswish() or 'ReLU'")


def instance(vocabulary: Vocabulary, cls: Call, argument: str, *positional: object, **keywords: object) -> tuple[LayerType, Args]:
    """`cls` called as a functools.partial is: its own positional arguments, then these; its
    keywords, updated by these."""
    called = Call(cls.name, (*cls.args, *positional), {**cls.kwargs, **keywords})
    layer_type, args = inner_layer(called, vocabulary, argument)
    if layer_type.merges:
        raise LayerError(
            f"{argument}: {layer_type.name} takes several inputs and cannot be a {argument}", argument=argument, code="CC105"
        )
    return layer_type, args


def run(parts: list[Part], name: str, layer_type: LayerType, args: Args, shape: Shape, argument: str = "") -> Shape:
    """Build one part on `shape`; errors inside a class argument name that argument."""
    if argument:
        with about(argument):
            built = layer_type.build(args, shape)
    else:
        built = layer_type.build(args, shape)
    parts.append(Part(name, layer_type, args, shape, built))
    return built.output_shape


def weights(parts: list[Part], order: tuple[str, ...] = ()) -> tuple[Weight, ...]:
    """The parts' parameters as named_parameters() names them, in registration order."""
    ordered = sorted(parts, key=lambda p: order.index(p.name)) if order else parts
    return tuple(w.replace(name=f"{p.name}.{w.name}") for p in ordered for w in p.built.weights)


def parts_macs(build_parts: Callable[[Args, Shape], list[Part]], layer: macs.Layer) -> int | None:
    return macs.summed(*(part.macs() for part in build_parts(layer.args, layer.input_shapes[0])))


# --- Conv2dNormActivation, Conv3dNormActivation (ConvNormActivation.__init__)


def conv_arguments(vocabulary: Vocabulary, rank: int, args: Args) -> tuple[LayerType, Args, Call | None]:
    """The convolution torchvision builds: padding and bias resolved as ConvNormActivation does."""
    kernel = args.ints("kernel_size", rank)
    dilation = args.ints("dilation", rank)
    padding = args["padding"]
    if padding is None:
        if isinstance(args["kernel_size"], int) and isinstance(args["dilation"], int):
            padding = (kernel[0] - 1) // 2 * dilation[0]
        else:
            padding = tuple((k - 1) // 2 * d for k, d in zip(kernel, dilation))
    norm = module_class(args, "norm_layer")
    bias = args["bias"]
    bias = norm is None if bias is None else args.bool("bias")
    conv_type = vocabulary.lookup(f"Conv{rank}d")
    positional = (args["in_channels"], args["out_channels"], args["kernel_size"], args["stride"], padding)
    keywords = {"dilation": args["dilation"], "groups": args["groups"], "bias": bias}
    return conv_type, conv_type.signature.bind(conv_type.name, positional, keywords), norm


def conv_block_parts(vocabulary: Vocabulary, rank: int, args: Args, shape: Shape) -> list[Part]:
    conv_type, conv_args, norm = conv_arguments(vocabulary, rank, args)
    inplace = args["inplace"]
    if inplace is not None:
        args.bool("inplace")
    parts: list[Part] = []
    shape = run(parts, "0", conv_type, conv_args, shape)
    if norm is not None:
        norm_type, norm_args = instance(vocabulary, norm, "norm_layer", conv_args["out_channels"])
        shape = run(parts, str(len(parts)), norm_type, norm_args, shape, "norm_layer")
    activation = module_class(args, "activation_layer")
    if activation is not None:
        keywords = {} if inplace is None else {"inplace": inplace}
        activation_type, activation_args = instance(vocabulary, activation, "activation_layer", **keywords)
        run(parts, str(len(parts)), activation_type, activation_args, shape, "activation_layer")
    return parts


def conv_block(vocabulary: Vocabulary, rank: int, args: Args, shape: Shape) -> Built:
    parts = conv_block_parts(vocabulary, rank, args, shape)
    return Built(parts[-1].built.output_shape, weights(parts))


def conv_block_window(vocabulary: Vocabulary, rank: int, args: Args, shape: Shape) -> Window:
    """The convolution's window, with the padding torchvision gives it."""
    _, conv_args, _ = conv_arguments(vocabulary, rank, args)
    return conv_window(rank)(conv_args, shape)


# --- SqueezeExcitation


SE_ORDER = ("avgpool", "fc1", "fc2", "activation", "scale_activation")  # registration order


def squeeze_excitation_parts(vocabulary: Vocabulary, args: Args, shape: Shape) -> list[Part]:
    channels, squeezed = args.int("input_channels", 1), args.int("squeeze_channels", 1)
    parts: list[Part] = []
    pool = vocabulary.lookup("AdaptiveAvgPool2d")
    conv = vocabulary.lookup("Conv2d")
    scale = run(parts, "avgpool", pool, pool.signature.bind(pool.name, (1,), {}), shape)
    scale = run(parts, "fc1", conv, conv.signature.bind(conv.name, (channels, squeezed, 1), {}), scale)
    for name in ("activation", "scale_activation"):
        cls = module_class(args, name)
        if cls is None:
            raise args.error(name, "a layer class, e.g. ReLU() or Hardsigmoid()", hint=f"SqueezeExcitation calls {name}()")
        layer_type, layer_args = instance(vocabulary, cls, name)
        scale = run(parts, name, layer_type, layer_args, scale, name)
        if name == "activation":
            scale = run(parts, "fc2", conv, conv.signature.bind(conv.name, (squeezed, channels, 1), {}), scale)
    return parts


def squeeze_excitation(vocabulary: Vocabulary, args: Args, shape: Shape) -> Built:
    """scale * input: the (N, C, 1, 1) scale broadcasts over the input's positions."""
    parts = squeeze_excitation_parts(vocabulary, args, shape)
    return Built(broadcast(parts[-1].built.output_shape, shape), weights(parts, SE_ORDER))


# --- StochasticDepth (torchvision/ops/stochastic_depth.py)


def stochastic_depth(args: Args, shape: Shape) -> Built:
    """stochastic_depth() checks its arguments in either mode: "drop probability has to be
    between 0 and 1", "mode has to be either 'batch' or 'row'"."""
    if not 0 <= args.number("p") <= 1:
        raise args.error("p", "a drop probability between 0 and 1")
    exact_choice(args, "mode", ("batch", "row"))
    return Built(shape)


TYPES.append(torch_type("StochasticDepth", stochastic_depth, Family.DROPOUT))


# --- LayerNorm2d (torchvision/models/convnext.py): nn.LayerNorm over the channels of (N, C, H, W)


def layer_norm_2d(args: Args, shape: Shape) -> Built:
    """LayerNorm2d permutes (N, C, H, W) to (N, H, W, C), normalizes as nn.LayerNorm does (its
    normalized_shape the channels, or trailing axes of that order) and permutes back."""
    if len(shape) != 4:
        raise rank_error(args, shape, "a 4-D input (batch, channels, height, width)")
    batch, channels, height, width = shape
    normed = layer_norm(with_bias=True)(args, (batch, height, width, channels))
    return Built(shape, normed.weights)


TYPES.append(torch_type("LayerNorm2d", layer_norm_2d, Family.NORMALIZATION, macs=macs.norm))


def register(vocabulary: Vocabulary) -> None:
    """The blocks, which build the vocabulary's own Conv2d, BatchNorm2d, ReLU... inside them."""
    for rank in (2, 3):
        build_parts = partial(conv_block_parts, vocabulary, rank)
        vocabulary.add(
            torch_type(
                f"Conv{rank}dNormActivation",
                partial(conv_block, vocabulary, rank),
                Family.CONVOLUTION,
                rank=rank,
                variant="block",
                window=partial(conv_block_window, vocabulary, rank),
                terms=CONV_TERMS,
                macs=partial(parts_macs, build_parts),
                code=Code(classes=("norm_layer", "activation_layer")),
            )
        )
    se_parts = partial(squeeze_excitation_parts, vocabulary)
    vocabulary.add(
        torch_type(
            "SqueezeExcitation",
            partial(squeeze_excitation, vocabulary),
            Family.ELEMENTWISE,
            variant="squeeze_excitation",
            macs=partial(parts_macs, se_parts),
            code=Code(classes=("activation", "scale_activation")),
        )
    )
