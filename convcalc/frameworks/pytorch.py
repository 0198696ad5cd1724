"""PyTorch layers: channels_first, weights as torch.nn holds them; buffers are not parameters.

Each builder follows the "Shape" section of the torch.nn class's documentation and the checks
its `__init__` and `forward` make; declared sizes (in_channels, in_features, num_features) are
compared with the incoming shape, the mistake PyTorch only reports at run time.
"""

from __future__ import annotations

from math import prod

from convcalc.errors import LayerError
from convcalc.frameworks.base import Build, LayerType, Vocabulary, signature_from_table
from convcalc.frameworks.signatures import PYTORCH as SIGNATURES
from convcalc.ops.conv import conv_output_length, transposed_output_length
from convcalc.ops.layout import CHANNELS_FIRST, format_shape
from convcalc.ops.merge import broadcast, concatenate
from convcalc.report import Built, Shape, Weight
from convcalc.signature import Args, Signature

PYTORCH = Vocabulary("pytorch")


def define(name: str, build: Build, *aliases: str) -> None:
    PYTORCH.add(LayerType(name, signature_from_table(SIGNATURES[name], frozenset()), build), *aliases)


def declared(args: Args, name: str, found: int | None) -> int:
    """A size the layer declares (in_channels...) must match the incoming one."""
    value = args.int(name, 1)
    if found is not None and value != found:
        raise LayerError(
            f"{name}={value} but the incoming shape has {found}",
            hint=f"set {name}={found}, or change the layer before it",
            argument=name,
            code="CC201",
        )
    return value


def bias(args: Args, size: int, flag: str = "bias") -> tuple[Weight, ...]:
    return (Weight("bias", (size,)),) if args.bool(flag) else ()


# --- Convolutions: torch/nn/modules/conv.py


def conv(rank: int, transposed: bool) -> Build:
    def build(args: Args, shape: Shape) -> Built:
        batch, spatial, channels = CHANNELS_FIRST.split(shape, rank, args.type_name)
        cin = declared(args, "in_channels", channels)
        cout = args.int("out_channels", 1)
        groups = args.int("groups", 1)
        if cin % groups or cout % groups:
            raise LayerError(
                f"groups={groups} must divide in_channels ({cin}) and out_channels ({cout})", argument="groups", code="CC200"
            )
        kernel = args.ints("kernel_size", rank)
        stride = args.ints("stride", rank)
        dilation = args.ints("dilation", rank)
        padding_value = args.get("padding")
        if isinstance(padding_value, str) and not transposed:
            padding_mode = args.choice("padding", ("valid", "same"))
            if padding_mode == "same" and max(stride) > 1:
                raise LayerError("padding='same' is not supported for strided convolutions", argument="padding", code="CC105")
            paddings: tuple[int | str, ...] = (padding_mode,) * rank
        else:
            paddings = args.ints("padding", rank, minimum=0)
        if transposed:
            output_padding = args.ints("output_padding", rank, minimum=0)
            for op, s, d in zip(output_padding, stride, dilation):
                if op >= s and op >= d:
                    raise LayerError(
                        f"output_padding {output_padding} must be smaller than either stride {stride} or dilation {dilation}",
                        argument="output_padding",
                        code="CC105",
                    )
            out = tuple(
                transposed_output_length(n, k, s, int(p), op, d)
                for n, k, s, p, op, d in zip(spatial, kernel, stride, paddings, output_padding, dilation)
            )
            weight = Weight("weight", (cin, cout // groups) + kernel)
        else:
            out = tuple(conv_output_length(n, k, s, p, d) for n, k, s, p, d in zip(spatial, kernel, stride, paddings, dilation))
            weight = Weight("weight", (cout, cin // groups) + kernel)
        if any(n is not None and n <= 0 for n in out):
            raise LayerError(f"the output would be {format_shape(out)}", code="CC200")
        return Built(CHANNELS_FIRST.join(batch, out, cout), (weight,) + bias(args, cout))

    return build


for _rank in (1, 2, 3):
    define(f"Conv{_rank}d", conv(_rank, transposed=False))
    define(f"ConvTranspose{_rank}d", conv(_rank, transposed=True))


# --- Linear and Flatten: torch/nn/modules/linear.py, flatten.py


def linear(args: Args, shape: Shape) -> Built:
    """Linear acts on the last dimension of an input of any rank: (*, H_in) -> (*, H_out)."""
    if len(shape) < 1:
        raise LayerError("Linear needs an input with at least one dimension", code="CC200")
    features = declared(args, "in_features", shape[-1])
    out = args.int("out_features", 0)
    return Built(shape[:-1] + (out,), (Weight("weight", (out, features)),) + bias(args, out))


def flatten(args: Args, shape: Shape) -> Built:
    """Flatten(start_dim=1, end_dim=-1) merges dimensions start_dim..end_dim, batch included."""
    rank = len(shape)
    start, end = args.int("start_dim"), args.int("end_dim")
    for name, dim in (("start_dim", start), ("end_dim", end)):
        if not -rank <= dim < rank:
            raise LayerError(
                f"{name}={dim} is out of range for the {rank}-D shape {format_shape(shape)}", argument=name, code="CC200"
            )
    start, end = start % rank, end % rank
    if start > end:
        raise LayerError(f"start_dim ({start}) comes after end_dim ({end})", argument="start_dim", code="CC200")
    merged = shape[start : end + 1]
    size = None if None in merged else prod(merged)  # type: ignore[arg-type]
    return Built(shape[:start] + (size,) + shape[end + 1 :])


define("Linear", linear)
define("Flatten", flatten)


# --- Merges. PyTorch merges with functions (torch.add, torch.mul, torch.cat), not modules, so a
# graph spec names convcalc's own: Add(), Multiply() broadcast their inputs; Concat(dim=1) joins them.


def pytorch_elementwise(args: Args, shapes: tuple[Shape, ...]) -> Built:
    merged = shapes[0]
    for shape in shapes[1:]:
        merged = broadcast(merged, shape)
    return Built(merged)


def pytorch_concat(args: Args, shapes: tuple[Shape, ...]) -> Built:
    return Built(concatenate(shapes, args.int("dim")))


PYTORCH.add(LayerType("Add", Signature(()), pytorch_elementwise, merges=True))
PYTORCH.add(LayerType("Multiply", Signature(()), pytorch_elementwise, merges=True))
PYTORCH.add(LayerType("Concat", Signature((("dim", 1),)), pytorch_concat, merges=True), "Cat")

from convcalc.frameworks import pytorch_sequence  # noqa: E402, F401  registers Embedding, LSTM, MultiheadAttention, Transformer...
