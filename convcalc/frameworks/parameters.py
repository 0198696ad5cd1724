"""Parameter tensors: a learned tensor that is not a layer class, used directly as a tensor in the
forward (ViT's class token and position embedding, ConvNeXt's and CaiT's layer scale, Swin's
relative position bias table); and their constant kin, buffers.

PyTorch writes one as `self.class_token = nn.Parameter(torch.zeros(1, 1, 768))`; a Keras layer
creates one with `self.add_weight(shape=(1, 1, 768))`. A spec writes convcalc's own
`Parameter((1, 1, 768), name="class_token")` in either framework: a layer that takes no input and
whose output is the tensor itself, with exactly its shape (no batch dimension is added: the
framework adds none). Its one weight is counted once, where it is written, however many layers
read it; `shares:` makes a second one the same tensor. It merges as the tensor does: Add and
Multiply broadcast it over the batch (`x + self.pos_embedding`, `self.layer_scale * x`), while
concatenation does not (`torch.cat` needs `class_token.expand(n, -1, -1)` first).

A buffer is a constant tensor: PyTorch's `self.register_buffer("relative_position_index", t)` or
`nn.Buffer(t, persistent=False)`, and any tensor the forward makes from sizes alone (Swin's
shifted-window mask). A spec writes `Buffer((2401,), name="relative_position_index")`: like a
parameter tensor it takes no input and is exactly its shape, but it holds no parameters (torch
counts none: `parameters()` does not yield it) and so adds nothing to any count.
"""

from __future__ import annotations

from convcalc.errors import LayerError
from convcalc.frameworks.base import Build, Code, Family, LayerType
from convcalc.ops.tensor import Built, Shape, Weight, integral
from convcalc.signature import REQUIRED, Args, Signature

DTYPES = ("float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool")
"""The dtypes a buffer may hold (torch's names): indices are int64, masks bool, the rest float."""

WEIGHT = "parameter"
"""The weight's name until the engine gives it the layer's own (`class_token`), as Keras's
`add_weight(name=...)` names it and as torch's `named_parameters()` lists the tensor."""


def parameter_shape(args: Args) -> tuple[int, ...]:
    """The tensor's shape as written: sizes as `torch.zeros(*sizes)` takes them, or one int.

    >>> parameter_shape(Args("Parameter", {"shape": (1, 1, 768)})), parameter_shape(Args("Parameter", {"shape": 5}))
    ((1, 1, 768), (5,))
    """
    value = args["shape"]
    sizes = (value,) if integral(value) else value  # a size may be a formula (Swin's mask: num_windows from shape(x))
    if not isinstance(sizes, tuple | list) or not all(integral(n) for n in sizes):
        raise args.error("shape", "a tuple of sizes such as (1, 1, 768)", hint="the shape of the tensor, batch excluded")
    if any(n < 1 for n in sizes):
        raise LayerError(
            f"the shape {tuple(sizes)} has a size below 1",
            hint=f"{args.type_name} holds at least one value along each dimension",
            argument="shape",
            code="CC105",
        )
    return tuple(sizes)


def build(trainable_flag: str, description: str) -> Build:
    """The builder of a parameter tensor; `description` is its docstring (the spec schema's
    one-line description of the stand-in)."""

    def built(args: Args, shapes: tuple[Shape, ...]) -> Built:
        shape = parameter_shape(args)
        trainable = args.bool(trainable_flag)
        return Built(shape, (Weight(WEIGHT, shape, trainable),))

    built.__doc__ = description
    return built


PYTORCH = LayerType(
    "Parameter",
    Signature((("shape", REQUIRED), ("requires_grad", True))),  # nn.Parameter(data, requires_grad=True)
    build("requires_grad", "nn.Parameter(torch.zeros(*shape), requires_grad): a learned tensor used as a tensor."),
    Family.PARAMETER,
    own=True,
    source=True,
    code=Code("{self}", holds="nn.Parameter(torch.zeros({shape}){+requires_grad})"),
)
"""`nn.Parameter(torch.zeros(*shape), requires_grad)`: `requires_grad=False` keeps it out of the
trainable count, as torchinfo counts it (it is still a parameter)."""

KERAS = LayerType(
    "Parameter",
    Signature(
        (("shape", REQUIRED),),
        (
            ("initializer", None),
            ("dtype", None),
            ("trainable", True),
            ("autocast", True),
            ("regularizer", None),
            ("constraint", None),
            ("aggregation", "none"),
            ("overwrite_with_gradient", False),
        ),
    ),  # Layer.add_weight(shape=None, initializer=None, ..., name=None); `name` is the layer's
    build("trainable", "A weight made by a layer's add_weight(shape=...) and used as a tensor."),
    Family.PARAMETER,
    own=True,
    source=True,
    code=Code(
        "{self}",
        holds="Weight({shape}{+initializer}{+dtype}{+trainable}{+autocast}{+regularizer}{+constraint}{+aggregation}"
        "{+overwrite_with_gradient})",
    ),
)
"""A weight made by a layer's `add_weight(shape=...)` and used as a tensor."""


def buffer(args: Args, shapes: tuple[Shape, ...]) -> Built:
    """self.register_buffer(name, torch.zeros(*shape, dtype=dtype), persistent): a constant tensor, no parameters.

    Args:
        shape (tuple of int): the sizes of the tensor, all of them (no batch is added).
        persistent (bool): whether the buffer is part of the module's state_dict.
        dtype (str): the tensor's dtype by torch's name: 'float32', 'int64' (indices), 'bool' (masks)...
    """
    args.bool("persistent")
    args.choice("dtype", DTYPES)
    return Built(parameter_shape(args))


BUFFER = LayerType(
    "Buffer",
    Signature((("shape", REQUIRED),), (("persistent", True), ("dtype", "float32"))),  # nn.Buffer(data, *, persistent=True)
    buffer,
    Family.BUFFER,
    own=True,
    source=True,
    code=Code("{self}", holds="nn.Buffer(torch.zeros({shape}, dtype=torch.{=dtype}), persistent={persistent})"),
)
"""A PyTorch buffer, or any constant tensor the forward makes from sizes alone."""

KERAS_TYPES = (KERAS,)
"""What this module adds to each framework's vocabulary (its `__init__.py` names the attribute)."""
PYTORCH_TYPES = (PYTORCH, BUFFER)
