"""ONNX operators written as PyTorch layers: one function per operator (or family), each
reading the node's attributes, the dims of its initializers and the shapes of its inputs, and
returning the layers that compute what the node computes. docs/import.md's table is this
module's: tests/test_import_onnx.py checks that it lists every operator in OPS.

Attribute defaults are ONNX's (onnx.ai/onnx/operators), which are not always PyTorch's: a
MaxPool's stride is 1 unless written, an AveragePool leaves its padding out of the average,
BatchNormalization's momentum is PyTorch's 1 - momentum. Where the node needs what PyTorch's
module cannot say (padding only on one side of a convolution), a padding layer comes first.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Protocol

from convcalc.sources.draft import Arithmetic, Layer

INF = float("inf")


class Node(Protocol):
    """What a mapping reads of one node (onnx_file.py's _Node)."""

    op: str
    name: str
    attrs: dict[str, Any]
    opset: int  # the version of the default domain the model imports
    outputs: list[str]

    def count(self) -> int: ...  # inputs given (an omitted optional one is "")
    def given(self, index: int) -> bool: ...
    def ref(self, index: int) -> str: ...  # an activation input as the spec names it
    def refs(self) -> list[str]: ...  # every input, initializers as Parameter layers
    def shape(self, index: int) -> tuple[int | None, ...] | None: ...
    def rank(self, index: int) -> int: ...  # the input's rank, or fail
    def output_shape(self, index: int = 0) -> tuple[int | None, ...] | None: ...
    def weight(self, index: int) -> tuple[int, ...] | None: ...  # an initializer's dims, None for an activation
    def value(self, index: int) -> list[Any] | None: ...  # a constant's values (flat), None when unknown
    def integers(self, index: int, what: str) -> list[int]: ...  # a constant list of integers, or fail
    def fail(self, message: str, hint: str = "") -> Exception: ...
    def note(self, text: str) -> None: ...  # said in the spec's header
    def sizes(self, index: int) -> list[Any] | None: ...  # value(), the dynamic batch's size itself marked (is_batch)
    def is_batch(self, value: object) -> bool: ...
    def settled(self) -> tuple[int | None, ...] | None: ...  # the output's sizes inferred alike at two fixed batches
    def batch(self) -> Arithmetic | None: ...  # a dynamic batch's size as the spec reads it, None for a fixed one


Mapping = Callable[[Node], list[Layer]]
OPS: dict[str, Mapping] = {}
"""Every ONNX operator the importer reads, and how."""


def op(*names: str) -> Callable[[Mapping], Mapping]:
    def register(function: Mapping) -> Mapping:
        for name in names:
            OPS[name] = function
        return function

    return register


def layer(type_name: str, *args: object, **kwargs: object) -> Layer:
    """A layer taking what the node takes first (or the layer before it, in a node's list)."""
    return Layer(type_name, args, kwargs)


def fed(type_name: str, args: tuple[object, ...], inputs: list[str], **kwargs: object) -> Layer:
    """A layer taking the tensors `inputs` names."""
    return Layer(type_name, args, kwargs, inputs=tuple(inputs))


def same(values: list[int] | tuple[int, ...]) -> int | tuple[int, ...]:
    """One int where every axis has it, as PyTorch writes `kernel_size=3`."""
    return values[0] if values and all(v == values[0] for v in values) else tuple(values)


def attr_ints(node: Node, key: str, default: list[int]) -> list[int]:
    value = node.attrs.get(key)
    return [int(v) for v in value] if value is not None else default


# --- windows: convolutions and pools


def padding(node: Node, spatial: int, kernel: list[int], strides: list[int], dilations: list[int]) -> tuple[list[int], list[int]]:
    """The pads before and after each spatial axis: `pads`, or what `auto_pad` makes of the
    input's sizes (SAME_UPPER puts the odd one after, SAME_LOWER before)."""
    auto = node.attrs.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else str(auto)
    if auto in ("NOTSET", ""):
        pads = attr_ints(node, "pads", [0] * (2 * spatial))
        if len(pads) != 2 * spatial:
            raise node.fail(f"pads has {len(pads)} values for {spatial} spatial axes")
        return pads[:spatial], pads[spatial:]
    if auto == "VALID":
        return [0] * spatial, [0] * spatial
    shape = node.shape(0)
    if shape is None or any(d is None for d in shape[2:]):
        raise node.fail(f"auto_pad={auto} needs the input's spatial sizes, which the file does not give")
    before, after = [], []
    for size, k, s, d in zip(shape[2:], kernel, strides, dilations, strict=True):
        assert size is not None
        total = max((math.ceil(size / s) - 1) * s + (k - 1) * d + 1 - size, 0)
        small, large = total // 2, total - total // 2
        before.append(small if auto == "SAME_UPPER" else large)
        after.append(large if auto == "SAME_UPPER" else small)
    return before, after


def torch_pad(before: list[int], after: list[int]) -> tuple[int, ...]:
    """Pads in PyTorch's order: the last axis first, (before, after) for each."""
    found: list[int] = []
    for b, a in zip(reversed(before), reversed(after), strict=True):
        found += [b, a]
    return tuple(found)


def pad_layer(spatial: int, before: list[int], after: list[int], value: float = 0.0) -> Layer:
    """A padding module for the part of a window's padding PyTorch's own cannot hold."""
    if value == 0.0:
        return layer(f"ZeroPad{spatial}d", torch_pad(before, after))
    return layer(f"ConstantPad{spatial}d", torch_pad(before, after), value)


def window(node: Node, spatial: int, kernel: list[int]) -> tuple[list[int], list[int], list[int], list[int], list[Layer]]:
    """Strides, dilations, and the padding a PyTorch window takes (the same on both sides of
    each axis), with the layer that pads the rest first where the sides differ."""
    strides = attr_ints(node, "strides", [1] * spatial)
    dilations = attr_ints(node, "dilations", [1] * spatial)
    before, after = padding(node, spatial, kernel, strides, dilations)
    if before == after:
        return strides, dilations, before, after, []
    node.note("a window padded more on one side than the other: a padding layer first, then the window unpadded")
    value = -INF if node.op == "MaxPool" else 0.0
    if node.op == "AveragePool":
        raise node.fail("an AveragePool padded more on one side than the other: PyTorch's AvgPool pads both sides alike")
    return strides, dilations, [0] * spatial, [0] * spatial, [pad_layer(spatial, before, after, value)]


@op("Conv")
def conv(node: Node) -> list[Layer]:
    dims = node.weight(1)
    if dims is None or len(dims) < 3:
        raise node.fail(
            "the convolution's weights are not an initializer the importer can read", hint="weights computed in the graph"
        )
    spatial = len(dims) - 2
    if spatial > 3:
        raise node.fail(f"a {spatial}-D convolution: PyTorch's go up to 3-D")
    groups = int(node.attrs.get("group", 1))
    kernel = attr_ints(node, "kernel_shape", list(dims[2:]))
    strides, dilations, pad, _, first = window(node, spatial, kernel)
    kwargs: dict[str, object] = {}
    if any(s != 1 for s in strides):
        kwargs["stride"] = same(strides)
    if any(pad):
        kwargs["padding"] = same(pad)
    if any(d != 1 for d in dilations):
        kwargs["dilation"] = same(dilations)
    if groups != 1:
        kwargs["groups"] = groups
    if not node.given(2):
        kwargs["bias"] = False
    return [*first, layer(f"Conv{spatial}d", dims[1] * groups, dims[0], same(kernel), **kwargs)]


@op("ConvTranspose")
def conv_transpose(node: Node) -> list[Layer]:
    dims = node.weight(1)
    if dims is None or len(dims) < 3:
        raise node.fail("the convolution's weights are not an initializer the importer can read")
    spatial = len(dims) - 2
    groups = int(node.attrs.get("group", 1))
    kernel = attr_ints(node, "kernel_shape", list(dims[2:]))
    if "output_shape" in node.attrs:
        raise node.fail("output_shape is not read: export with output_padding")
    strides = attr_ints(node, "strides", [1] * spatial)
    dilations = attr_ints(node, "dilations", [1] * spatial)
    before, after = padding(node, spatial, kernel, strides, dilations)
    if before != after:
        raise node.fail("a transposed convolution cropped more on one side than the other")
    extra = attr_ints(node, "output_padding", [0] * spatial)
    kwargs: dict[str, object] = {}
    if any(s != 1 for s in strides):
        kwargs["stride"] = same(strides)
    if any(before):
        kwargs["padding"] = same(before)
    if any(extra):
        kwargs["output_padding"] = same(extra)
    if groups != 1:
        kwargs["groups"] = groups
    if not node.given(2):
        kwargs["bias"] = False
    if any(d != 1 for d in dilations):
        kwargs["dilation"] = same(dilations)
    return [layer(f"ConvTranspose{spatial}d", dims[0], dims[1] * groups, same(kernel), **kwargs)]


@op("MaxPool", "AveragePool")
def pool(node: Node) -> list[Layer]:
    if "kernel_shape" not in node.attrs:
        raise node.fail("the pool has no kernel_shape")
    kernel = attr_ints(node, "kernel_shape", [])
    spatial = len(kernel)
    strides, dilations, pad, _, first = window(node, spatial, kernel)
    kwargs: dict[str, object] = {}
    if strides != kernel:
        kwargs["stride"] = same(strides)
    if any(pad):
        kwargs["padding"] = same(pad)
    if any(d != 1 for d in dilations):
        if node.op == "AveragePool":
            raise node.fail("a dilated AveragePool: PyTorch's AvgPool has no dilation")
        kwargs["dilation"] = same(dilations)
    if node.attrs.get("ceil_mode", 0):
        kwargs["ceil_mode"] = True
    kind = "Max" if node.op == "MaxPool" else "Avg"
    if kind == "Avg" and any(pad) and not node.attrs.get("count_include_pad", 0):
        kwargs["count_include_pad"] = False
    if spatial > 3:
        raise node.fail(f"a {spatial}-D pool: PyTorch's go up to 3-D")
    return [*first, layer(f"{kind}Pool{spatial}d", same(kernel), **kwargs)]


@op("GlobalAveragePool", "GlobalMaxPool")
def global_pool(node: Node) -> list[Layer]:
    spatial = node.rank(0) - 2
    if not 1 <= spatial <= 3:
        raise node.fail(f"a global pool over {spatial} axes: PyTorch's adaptive pools take 1 to 3")
    kind = "Avg" if node.op == "GlobalAveragePool" else "Max"
    return [layer(f"Adaptive{kind}Pool{spatial}d", 1)]


# --- normalizations


@op("BatchNormalization")
def batch_norm(node: Node) -> list[Layer]:
    dims = node.weight(1)
    if dims is None or len(dims) != 1:
        raise node.fail("the batch norm's scale is not an initializer of one dimension")
    rank = node.rank(0)
    if not 2 <= rank <= 5:
        raise node.fail(f"a batch norm of a rank-{rank} input")
    kwargs: dict[str, object] = {}
    eps = float(node.attrs.get("epsilon", 1e-5))
    if not math.isclose(eps, 1e-5, rel_tol=1e-6):
        kwargs["eps"] = float(f"{eps:.6g}")
    momentum = round(1 - float(node.attrs.get("momentum", 0.9)), 6)  # ONNX keeps the old statistics' share
    if not math.isclose(momentum, 0.1):
        kwargs["momentum"] = momentum
    return [layer(f"BatchNorm{max(rank - 2, 1)}d", dims[0], **kwargs)]


@op("InstanceNormalization")
def instance_norm(node: Node) -> list[Layer]:
    dims = node.weight(1)
    if dims is None or len(dims) != 1:
        raise node.fail("the instance norm's scale is not an initializer of one dimension")
    rank = node.rank(0)
    kwargs: dict[str, object] = {"affine": True}
    eps = float(node.attrs.get("epsilon", 1e-5))
    if not math.isclose(eps, 1e-5, rel_tol=1e-6):
        kwargs["eps"] = float(f"{eps:.6g}")
    return [layer(f"InstanceNorm{max(rank - 2, 1)}d", dims[0], **kwargs)]


@op("LayerNormalization")
def layer_norm(node: Node) -> list[Layer]:
    dims = node.weight(1)
    if dims is None:
        raise node.fail("the layer norm's scale is not an initializer")
    rank = node.rank(0)
    axis = int(node.attrs.get("axis", -1))
    if (axis if axis < 0 else axis - rank) != -len(dims):
        raise node.fail(f"axis {axis} normalizes {rank - axis % rank} axes and the scale has {len(dims)}")
    kwargs: dict[str, object] = {}
    eps = float(node.attrs.get("epsilon", 1e-5))
    if not math.isclose(eps, 1e-5, rel_tol=1e-6):
        kwargs["eps"] = float(f"{eps:.6g}")
    if not node.given(2):
        kwargs["bias"] = False
    shape: object = dims[0] if len(dims) == 1 else tuple(dims)
    return [layer("LayerNorm", shape, **kwargs)]


@op("GroupNormalization")
def group_norm(node: Node) -> list[Layer]:
    shape = node.shape(0)
    if shape is None or len(shape) < 2 or shape[1] is None:
        raise node.fail("a group norm needs the input's channels, which the file does not give")
    kwargs: dict[str, object] = {}
    eps = float(node.attrs.get("epsilon", 1e-5))
    if not math.isclose(eps, 1e-5, rel_tol=1e-6):
        kwargs["eps"] = float(f"{eps:.6g}")
    return [layer("GroupNorm", int(node.attrs.get("num_groups", 1)), shape[1], **kwargs)]


@op("LRN")
def local_response_norm(node: Node) -> list[Layer]:
    kwargs = {
        key: float(node.attrs[name]) for key, name in (("alpha", "alpha"), ("beta", "beta"), ("k", "bias")) if name in node.attrs
    }
    return [layer("LocalResponseNorm", int(node.attrs.get("size", 1)), **kwargs)]


# --- dense layers


@op("Gemm")
def gemm(node: Node) -> list[Layer]:
    dims = node.weight(1)
    if node.attrs.get("transA", 0) or dims is None or len(dims) != 2:
        if dims is None and node.weight(0) is None:
            raise node.fail("a Gemm of two computed tensors", hint="convcalc maps a Gemm with initializer weights to Linear")
        raise node.fail("a Gemm with transA=1 or weights that are not a matrix", hint="a Linear layer's Gemm has transB=1")
    if node.attrs.get("transB", 0):
        out_features, in_features = dims
    else:
        in_features, out_features = dims
        node.note("Gemm with transB=0: its weights are stored (in, out), the transpose of Linear's (out, in); the same count")
    if node.given(2) and node.weight(2) is None:
        raise node.fail("the Gemm's C is computed in the graph, not a bias")
    kwargs: dict[str, object] = {} if node.given(2) else {"bias": False}
    return [layer("Linear", in_features, out_features, **kwargs)]


@op("MatMul")
def matmul(node: Node) -> list[Layer]:
    dims = node.weight(1)
    if dims is not None and len(dims) == 2 and node.weight(0) is None:
        return [layer("Linear", dims[0], dims[1], bias=False)]  # the Add after it, when it is the bias, is folded in
    return [fed("Matmul", (), node.refs())]


@op("Einsum")
def einsum(node: Node) -> list[Layer]:
    """ONNX's Einsum is numpy's, as torch.einsum is (an ellipsis broadcast, without `->` the
    letters named once in ASCII order): torch.onnx writes torch.einsum's equation unchanged."""
    equation = node.attrs.get("equation", b"")
    equation = equation.decode() if isinstance(equation, bytes) else str(equation)
    if not equation:
        raise node.fail("an Einsum without an equation")
    return [fed("Einsum", (equation,), node.refs())]


@op("Gather")
def gather(node: Node) -> list[Layer]:
    axis = int(node.attrs.get("axis", 0))
    table = node.weight(0)
    index = node.value(1)
    one = index is not None and len(index) == 1 and node.shape(1) in ((), None) and isinstance(index[0], int)
    stored = node.weight(1) is not None or (index is not None and not one)  # an initializer, or a Constant followed
    if stored and (table is not None or not one):  # Swin's table[relative_position_index]
        rank = len(node.shape(0) or ())
        if axis < 0:
            axis += rank
        if not 0 <= axis < max(rank, 1):
            raise node.fail(f"a Gather along axis {axis} of a rank-{rank} input", hint="x[index] gathers along axis 0")
        node.note("a Gather by indices the file stores: Index, the indices a Buffer (a table initializer a Parameter)")
        # along a later axis, LeViT's attention_biases[:, attention_bias_idxs]: Index(dim=axis)
        return [fed("Index", (), [node.ref(0), node.ref(1)], **({"dim": axis} if axis else {}))]
    if table is not None and len(table) == 2 and axis == 0:
        return [fed("Embedding", (table[0], table[1]), [node.ref(1)])]
    if one:
        assert index is not None
        return [fed("Select", (axis, index[0]), [node.ref(0)])]
    raise node.fail("a Gather of computed indices", hint="convcalc reads an embedding table, or one index (x[:, 0])")


# --- element-wise


ACTIVATIONS = {
    "Relu": "ReLU",
    "Sigmoid": "Sigmoid",
    "Tanh": "Tanh",
    "Softplus": "Softplus",
    "Softsign": "Softsign",
    "Mish": "Mish",
    "HardSwish": "Hardswish",
    "Selu": "SELU",
}


@op(*ACTIVATIONS)
def activation(node: Node) -> list[Layer]:
    return [layer(ACTIVATIONS[node.op])]


@op("LeakyRelu")
def leaky_relu(node: Node) -> list[Layer]:
    alpha = float(node.attrs.get("alpha", 0.01))
    return [layer("LeakyReLU", float(f"{alpha:.6g}")) if not math.isclose(alpha, 0.01, rel_tol=1e-6) else layer("LeakyReLU")]


@op("Elu", "Celu")
def elu(node: Node) -> list[Layer]:
    alpha = float(node.attrs.get("alpha", 1.0))
    name = "ELU" if node.op == "Elu" else "CELU"
    return [layer(name, float(f"{alpha:.6g}")) if alpha != 1.0 else layer(name)]


@op("Gelu")
def gelu(node: Node) -> list[Layer]:
    approximate = node.attrs.get("approximate", b"none")
    approximate = approximate.decode() if isinstance(approximate, bytes) else str(approximate)
    return [layer("GELU", approximate=approximate) if approximate != "none" else layer("GELU")]


@op("HardSigmoid")
def hard_sigmoid(node: Node) -> list[Layer]:
    alpha, beta = float(node.attrs.get("alpha", 0.2)), float(node.attrs.get("beta", 0.5))
    if not (math.isclose(alpha, 1 / 6, rel_tol=1e-5) and math.isclose(beta, 0.5)):
        raise node.fail(f"HardSigmoid with alpha={alpha:g}, beta={beta:g}: PyTorch's Hardsigmoid is alpha=1/6, beta=0.5")
    return [layer("Hardsigmoid")]


@op("PRelu")
def prelu(node: Node) -> list[Layer]:
    dims = node.weight(1)
    if dims is None:
        raise node.fail("the PRelu's slope is not an initializer")
    count = math.prod(dims)
    return [layer("PReLU", count) if count != 1 else layer("PReLU")]


@op("Clip")
def clip(node: Node) -> list[Layer]:
    low: Any = node.attrs.get("min")
    high: Any = node.attrs.get("max")
    for index in (1, 2):
        if node.given(index):
            found = node.value(index)
            if found is None or len(found) != 1:
                raise node.fail("a Clip whose bounds are computed in the graph")
            if index == 1:
                low = found[0]
            else:
                high = found[0]
    if low is not None and float(low) == 0 and high is not None and float(high) == 6:
        return [layer("ReLU6")]
    if low is not None and float(low) == 0 and high is None:
        return [layer("ReLU")]
    if low is None or high is None:
        raise node.fail("a Clip bounded on one side only (other than at 0)")
    return [layer("Hardtanh", float(low), float(high))]


@op("Softmax", "LogSoftmax")
def softmax(node: Node) -> list[Layer]:
    axis = int(node.attrs.get("axis", -1 if node.opset >= 13 else 1))
    if node.opset < 13 and axis % node.rank(0) != node.rank(0) - 1:
        raise node.fail(f"before opset 13 {node.op} flattens the axes from `axis` on; convcalc reads it over the last axis only")
    return [layer(node.op, axis)]


@op("Dropout")
def dropout(node: Node) -> list[Layer]:
    ratio: Any = node.attrs.get("ratio", 0.5)
    if node.given(1):
        found = node.value(1)
        ratio = found[0] if found else 0.5
    return [layer("Dropout", float(f"{float(ratio):.6g}")) if float(ratio) != 0.5 else layer("Dropout")]


BINARY = {"Add": "Add", "Sub": "Subtract", "Mul": "Multiply", "Div": "Divide"}


@op(*BINARY)
def binary(node: Node) -> list[Layer]:
    name = BINARY[node.op]
    for index in (1, 0):
        found = node.value(index)
        if found is not None and len(found) == 1:  # a number: x + 3, x / 8.0
            number = found[0]
            if index == 0 and node.op in ("Sub", "Div"):
                raise node.fail(
                    f"a number {'minus' if node.op == 'Sub' else 'divided by'} a tensor",
                    hint="convcalc's Subtract and Divide take the tensor first",
                )
            other = 1 - index
            return [fed(name, (_number(number),), [node.ref(other)])]
    return [fed(name, (), node.refs())]


def _number(value: Any) -> int | float:
    """A constant operand as the spec writes it: an int, or a float to a float32's precision."""
    if isinstance(value, bool | int):
        return int(value)
    return float(f"{float(value):.7g}")


# --- shapes


@op("Flatten")
def flatten(node: Node) -> list[Layer]:
    axis = int(node.attrs.get("axis", 1))
    if axis == 1:
        return [layer("Flatten")]
    rank = node.rank(0)
    axis %= rank if rank else 1
    if axis == 1:
        return [layer("Flatten")]
    shape = node.shape(0)
    assert shape is not None
    front = math.prod(d for d in shape[:axis] if d is not None) if all(d is not None for d in shape[:axis]) else -1
    back = math.prod(d for d in shape[axis:] if d is not None) if all(d is not None for d in shape[axis:]) else -1
    if front == -1 and back == -1:
        raise node.fail("a Flatten whose both sides have unknown sizes")
    return [layer("Reshape", front, back)]


@op("Reshape")
def reshape(node: Node) -> list[Layer]:
    target = node.value(1)
    if target is None:
        raise node.fail("a Reshape to a shape computed from values the importer cannot follow")
    shape = node.shape(0)
    allow_zero = int(node.attrs.get("allowzero", 0))
    sizes: list[Any] = []
    for position, size in enumerate(target):
        if size == 0 and not allow_zero:
            sizes.append(shape[position] if shape is not None and position < len(shape) else None)
        else:
            sizes.append(size)
    if shape is not None:
        start = flatten_start(shape, sizes)
        if start is not None:
            return [layer("Flatten", start) if start != 1 else layer("Flatten")]
    if sum(s is None or s == -1 for s in sizes) > 1:
        sizes = read_sizes(node, target, sizes)
    if sum(s is None or s == -1 for s in sizes) > 1:
        settled = node.settled()  # MobileViT's (B * P, N, -1): N and the -1 as inferred at two fixed batches
        if settled is not None and len(settled) == len(sizes):
            sizes = [known if (size is None or size == -1) and known is not None else size for size, known in zip(sizes, settled)]
    if sum(s is None or s == -1 for s in sizes) > 1:
        written = ", ".join(s.text if isinstance(s, Arithmetic) else str(s) for s in sizes)
        raise node.fail(f"a Reshape to ({written}): more than one size unknown")
    return [layer("Reshape", *(-1 if s is None else s for s in sizes))]


def read_sizes(node: Node, target: list[Any], sizes: list[Any]) -> list[Any]:
    """A Reshape's unknown sizes the spec can read from tensors: ONNX's 0 (the input's own size
    there: `shape(x)[0]`) and the dynamic batch's size (`x.reshape(B, 1, -1)`, B = x.shape[0]:
    timm's GroupNorm1, CoAtNet's attention)."""
    marked, batch = node.sizes(1) or target, node.batch()
    found: list[Any] = []
    for position, (size, given, mark) in enumerate(zip(sizes, target, marked, strict=True)):
        if size is None and given == 0 and not node.attrs.get("allowzero", 0):
            found.append(Arithmetic(f"shape({node.ref(0)})[{position}]"))
        elif size is None and batch is not None and node.is_batch(mark):
            found.append(batch)
        else:
            found.append(size)
    return found


def flatten_start(shape: tuple[int | None, ...], sizes: list[int | None]) -> int | None:
    """The dim `Flatten(start)` starts from when reshaping `shape` to `sizes` is flattening its
    last dims (the batch and the leading dims kept), or None."""
    start = len(sizes) - 1
    if start < 1 or start >= len(shape) - 0 or list(shape[:start]) != sizes[:start]:
        return None
    rest = shape[start:]
    if len(rest) < 2:
        return None
    last = sizes[-1]
    if last == -1 or (all(d is not None for d in rest) and last == math.prod(d for d in rest if d is not None)):
        return start
    return None


@op("Transpose")
def transpose(node: Node) -> list[Layer]:
    perm = node.attrs.get("perm")
    if perm is None:
        perm = list(reversed(range(node.rank(0))))
    return [layer("Permute", *(int(p) for p in perm))]


@op("Squeeze", "Unsqueeze")
def squeeze(node: Node) -> list[Layer]:
    axes = node.integers(1, "axes") if node.given(1) else attr_ints(node, "axes", [])
    if node.op == "Squeeze":
        if not axes:
            return [layer("Squeeze")]
        return [layer("Squeeze", axes[0] if len(axes) == 1 else tuple(axes))]
    if not axes:
        raise node.fail("an Unsqueeze with no axes")
    rank = node.rank(0) + len(axes)
    return [layer("Unsqueeze", axis) for axis in sorted(a % rank for a in axes)]


@op("Concat")
def concat(node: Node) -> list[Layer]:
    return [fed("Concat", (int(node.attrs.get("axis", 0)),), node.refs())]


@op("Split")
def split(node: Node) -> list[Layer]:
    axis = int(node.attrs.get("axis", 0))
    if node.given(1):
        sizes = node.integers(1, "split")
    elif "split" in node.attrs:
        sizes = attr_ints(node, "split", [])
    else:
        shape = node.shape(0)
        parts = int(node.attrs.get("num_outputs", 0)) or len(node.outputs)
        if shape is None or shape[axis] is None:
            raise node.fail("an even Split of an axis of unknown size")
        size = shape[axis]
        assert size is not None
        return [layer("Chunk", parts, axis)] if size % parts == 0 else [layer("Split", -(-size // parts), axis)]
    if len(set(sizes)) == 1:
        return [layer("Split", sizes[0], axis)]
    return [layer("Split", list(sizes), axis)]


def slice_bounds(node: Node) -> tuple[list[int], list[int], list[int], list[int]]:
    """A Slice's starts, ends, axes and steps: its inputs (opset 10 on) or its attributes."""
    if node.given(1):
        starts, ends = node.integers(1, "starts"), node.integers(2, "ends")
        axes = node.integers(3, "axes") if node.given(3) else list(range(len(starts)))
        steps = node.integers(4, "steps") if node.given(4) else [1] * len(starts)
    else:
        starts, ends = attr_ints(node, "starts", []), attr_ints(node, "ends", [])
        axes, steps = attr_ints(node, "axes", list(range(len(starts)))), [1] * len(starts)
    if not len(starts) == len(ends) == len(axes) == len(steps):
        raise node.fail(f"a Slice of {len(axes)} axes with {len(starts)} starts, {len(ends)} ends and {len(steps)} steps")
    return starts, ends, axes, steps


@op("Slice")
def slice_rows(node: Node) -> list[Layer]:
    """`x[..., 0::2, 1::2, :]` (Swin's patch merging): a `Slice(dim, start, end, step)` row for
    each axis it cuts. ONNX clamps starts and ends as Python clamps a slice (an end of INT64's
    maximum is "to the end"); a negative step reverses, which no PyTorch slice does."""
    shape = node.shape(0)
    if shape is None:
        raise node.fail("a Slice of a tensor whose shape the file does not give")
    rows: list[Layer] = []
    for start, end, axis, step in zip(*slice_bounds(node), strict=True):
        axis %= len(shape)
        size = shape[axis]
        if step <= 0:
            raise node.fail(f"a Slice with step {step}: PyTorch's slices step forward", hint="torch.flip reverses")
        if size is None:
            raise node.fail(f"a Slice of axis {axis}, whose size the file does not give")
        begin, stop, _ = slice(start, end, step).indices(size)
        if (begin, stop, step) != (0, size, 1):
            end_at = None if stop >= size else stop
            rows.append(layer("Slice", axis, begin, end_at, step) if step != 1 else layer("Slice", axis, begin, end_at))
    return rows


@op("Expand")
def expand(node: Node) -> list[Layer]:
    sizes = node.sizes(1)
    batch = node.batch()
    if sizes is None or not all(isinstance(s, int) or (node.is_batch(s) and batch is not None) for s in sizes):
        raise node.fail("shape is computed from values the importer cannot follow")
    # a size of 1 keeps the input's; the dynamic batch's own size (ViT's class token expanded to
    # the batch: `class_token.expand(n, -1, -1)`, n = x.shape[0]) is read from the input
    return [fed("Expand", tuple(batch if node.is_batch(s) else -1 if s == 1 else s for s in sizes), [node.ref(0)])]


@op("Tile")
def tile(node: Node) -> list[Layer]:
    """`x.repeat(...)`, `torch.tile(x, ...)` as torch.onnx writes them: a repeat per axis, the
    `repeats` input a constant (one computed from values the importer cannot follow is refused)."""
    repeats = node.integers(1, "repeats")
    if len(repeats) != node.rank(0):
        raise node.fail(f"a Tile of a {node.rank(0)}-D input with {len(repeats)} repeats")
    return [fed("Tile", (tuple(repeats),), [node.ref(0)])]


@op("Pad")
def pad(node: Node) -> list[Layer]:
    pads = node.integers(1, "pads") if node.given(1) else attr_ints(node, "pads", [])
    rank = len(pads) // 2
    if node.given(3):
        raise node.fail("a Pad of some axes only (the axes input)")
    torch = list(torch_pad(pads[:rank], pads[rank:]))
    while len(torch) > 2 and torch[-1] == 0 and torch[-2] == 0:
        torch = torch[:-2]
    mode = node.attrs.get("mode", b"constant")
    mode = mode.decode() if isinstance(mode, bytes) else str(mode)
    names = {"constant": "constant", "reflect": "reflect", "edge": "replicate", "wrap": "circular"}
    if mode not in names:
        raise node.fail(f"a Pad of mode {mode!r}")
    kwargs: dict[str, object] = {}
    if names[mode] != "constant":
        kwargs["mode"] = names[mode]
    value = node.value(2) if node.given(2) else [node.attrs.get("value", 0.0)]
    if value and value[0] not in (0, 0.0, None):
        kwargs["value"] = float(value[0])
    return [layer("Pad", tuple(torch), **kwargs)]


@op("Resize", "Upsample")
def resize(node: Node) -> list[Layer]:
    rank = node.rank(0)
    mode = node.attrs.get("mode", b"nearest")
    mode = mode.decode() if isinstance(mode, bytes) else str(mode)
    spatial = rank - 2
    modes = {
        "nearest": "nearest",
        "linear": {1: "linear", 2: "bilinear", 3: "trilinear"}.get(spatial),
        "cubic": "bicubic" if spatial == 2 else None,
    }
    if modes.get(mode) is None:
        raise node.fail(f"a {mode} resize of {spatial} spatial axes")
    kwargs: dict[str, object] = {}
    if modes[mode] != "nearest":
        kwargs["mode"] = modes[mode]
        transform = node.attrs.get("coordinate_transformation_mode", b"half_pixel")
        transform = transform.decode() if isinstance(transform, bytes) else str(transform)
        kwargs["align_corners"] = transform == "align_corners"
    scales_at, sizes_at = (1, None) if node.op == "Upsample" else (2, 3)
    scales = node.value(scales_at) if node.given(scales_at) else None
    sizes = node.value(sizes_at) if sizes_at is not None and node.given(sizes_at) else None
    if scales:
        if [float(s) for s in scales[:2]] != [1.0, 1.0]:
            raise node.fail("a resize of the batch or the channels")
        factors = [float(s) for s in scales[2:]]
        numbers = [int(f) if f.is_integer() else f for f in factors]
        factor: object = numbers[0] if all(f == factors[0] for f in factors) else tuple(numbers)
        return [layer("Upsample", scale_factor=factor, **kwargs)]
    if sizes:
        size = [int(s) for s in sizes[2:]]
        return [layer("Upsample", same(size), **kwargs)]
    raise node.fail("a resize whose scales and sizes are computed in the graph")


@op("DepthToSpace")
def depth_to_space(node: Node) -> list[Layer]:
    mode = node.attrs.get("mode", b"DCR")
    if (mode.decode() if isinstance(mode, bytes) else str(mode)) != "CRD":
        raise node.fail("DepthToSpace in DCR order: PixelShuffle is CRD")
    return [layer("PixelShuffle", int(node.attrs.get("blocksize", 1)))]


REDUCTIONS = {"ReduceMean": "Mean", "ReduceSum": "Sum", "ReduceMax": "Amax", "ReduceMin": "Amin"}


@op(*REDUCTIONS)
def reduce(node: Node) -> list[Layer]:
    axes = node.integers(1, "axes") if node.given(1) else attr_ints(node, "axes", [])
    keep = bool(node.attrs.get("keepdims", 1))
    if not axes and node.attrs.get("noop_with_empty_axes", 0):
        return []
    dims: object = (axes[0] if len(axes) == 1 else tuple(axes)) if axes else None
    name = REDUCTIONS[node.op]
    if name in ("Amax", "Amin") and dims is None:
        dims = tuple(range(node.rank(0)))
    kwargs: dict[str, object] = {"keepdim": True} if keep else {}
    return [layer(name, dims, **kwargs)]
