"""A torch.fx graph written as convcalc layers: each module call as its class, each function or
method call as convcalc's stand-in of the same name and arguments (docs/operations.md), sizes
read from tensors (`x.size(0)`, `x.shape[1]`) followed as values, the batch's as -1.
"""

from __future__ import annotations

import inspect
import operator
from typing import Any

from convcalc.errors import Location, SpecError
from convcalc.ops.layout import format_shape
from convcalc.ops.tensor import Shape
from convcalc.signature import REQUIRED, Signature
from convcalc.sources.draft import Draft, Layer

SIMPLIFIED = frozenset({"kernel_size", "stride", "padding", "dilation", "output_padding", "output_size", "scale_factor"})
"""Arguments PyTorch stores as a tuple and takes as one int where every axis has it."""
SKIPPED = frozenset({"device", "dtype", "_weight", "_freeze"})


FUNCTIONS = {
    "add": "Add",
    "iadd": "Add",
    "sub": "Subtract",
    "isub": "Subtract",
    "mul": "Multiply",
    "imul": "Multiply",
    "truediv": "Divide",
    "div": "Divide",
    "matmul": "Matmul",
    "cat": "Concat",
    "concat": "Concat",
    "flatten": "Flatten",
    "relu": "ReLU",
    "relu_": "ReLU",
    "relu6": "ReLU6",
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
    "silu": "SiLU",
    "gelu": "GELU",
    "hardswish": "Hardswish",
    "hardsigmoid": "Hardsigmoid",
    "softmax": "Softmax",
    "log_softmax": "LogSoftmax",
    "dropout": "Dropout",
    "adaptive_avg_pool1d": "AdaptiveAvgPool1d",
    "adaptive_avg_pool2d": "AdaptiveAvgPool2d",
    "adaptive_avg_pool3d": "AdaptiveAvgPool3d",
    "adaptive_max_pool2d": "AdaptiveMaxPool2d",
    "max_pool2d": "MaxPool2d",
    "avg_pool2d": "AvgPool2d",
    "view": "View",
    "reshape": "Reshape",
    "permute": "Permute",
    "transpose": "Transpose",
    "unsqueeze": "Unsqueeze",
    "squeeze": "Squeeze",
    "mean": "Mean",
    "sum": "Sum",
    "amax": "Amax",
    "amin": "Amin",
    "chunk": "Chunk",
    "split": "Split",
    "expand": "Expand",
    "interpolate": "Interpolate",
    "pad": "Pad",
    "scaled_dot_product_attention": "ScaledDotProductAttention",
    "channel_shuffle": "ChannelShuffle",
}
"""Function and method names (torch.*, torch.nn.functional.*, Tensor.*, operator.*) and the
convcalc layer that stands for each."""
PASSED = frozenset({"contiguous", "clone", "float", "detach", "to", "type_as"})
"""Methods that change no shape: the tensor they are called on."""
BOUND = frozenset({"max_pool2d", "avg_pool2d", "dropout", "softmax", "log_softmax", "interpolate", "pad"})
"""Functions whose positional order is not their module's: their arguments are passed by name."""
DROPPED = {"_stacklevel": 3, "dtype": None, "training": False, "inplace": False, "return_indices": False}
"""Function arguments the stand-ins do not take, left out at these (the usual) values."""


class Converter:
    def __init__(self, path: str, model: Any, graph: Any, input_shape: tuple[int, ...]) -> None:
        self.path = path
        self.model = model
        self.graph = graph
        self.input_shape = input_shape
        self.modules = dict(model.named_modules())
        from convcalc.frameworks import vocabulary

        self.vocabulary = vocabulary("pytorch")
        self.refs: dict[Any, str] = {}
        self.values: dict[Any, Any] = {}
        self.layers: list[Layer] = []
        self.paths: list[tuple[tuple[str, str], ...]] = []  # each layer's module stack: (path, class)
        self.names: set[str] = {"input"}
        self.recorded: dict[str, tuple[Shape | None, ...]] = {}
        self.outputs: tuple[str, ...] = ()
        self.parameters: dict[str, str] = {}

    def fail(self, node: Any, message: str, hint: str = "") -> SpecError:
        return SpecError.at(Location(self.path), "CC003", f"node {node.name!r} ({node.op} {_target(node)}): {message}", hint)

    def draft(self) -> Draft:
        placeholders = 0
        for node in self.graph.graph.nodes:
            if node.op == "placeholder":
                placeholders += 1
                if placeholders > 1:
                    raise self.fail(node, "a second input: the importer traces modules of one input")
                self.refs[node] = "input"
            elif node.op == "output":
                self.outputs = tuple(self.ref(node, value) for value in _flat(node.args[0]))
            else:
                self.convert(node)
        if not self.layers:
            raise SpecError.at(Location(self.path), "CC003", "the module computes nothing convcalc writes as a layer")
        from convcalc.sources.torch_blocks import grouped

        layers, blocks, recorded = grouped(self.layers, self.paths, self.recorded, self.vocabulary)
        annotated = tuple(layer.replace(comment=_comment(recorded, layer, blocks)) for layer in layers)
        last = layers[-1].name
        name = type(self.model).__name__
        outputs = self.outputs if self.outputs != (self.layers[-1].name,) else ()
        if outputs and blocks:
            outputs = tuple(_outer(ref, layers) for ref in outputs)
            if outputs == (last,):
                outputs = ()
        header = (
            f"Imported by `convcalc import` from {self.path}: the PyTorch module {name}, traced with torch.fx on the meta device "
            f"(input {format_shape((None, *self.input_shape))}).",
            "Names: module paths, '.' written '_' (a spec name has no '.'); a function call is named as torch.fx names it.",
            "Comments: each layer's output shape as torch computes it, checked against convcalc's at import.",
        )
        return Draft(
            "pytorch",
            (("input", tuple(self.input_shape)),),
            tuple(annotated),
            name=name,
            blocks=tuple(blocks),
            outputs=outputs,
            recorded=recorded,
            header=header,
        )

    # --- nodes

    def convert(self, node: Any) -> None:
        if node.op == "get_attr":
            self.parameter(node)
            return
        if self.value(node):
            return
        if node.op == "call_module":
            layer = self.module_call(node)
        elif node.op in ("call_function", "call_method"):
            name = _name(node)
            if name in PASSED:
                self.refs[node] = self.ref(node, node.args[0])
                return
            if name == "getitem" and not isinstance(node.args[1], tuple):
                self.refs[node] = self.item(node)
                return
            if name == "_assert":
                self.check(node)
                return
            layer = self.selected(node) if name == "getitem" else self.function_call(node, name)
        else:
            raise self.fail(node, "a node convcalc does not read")
        stack = tuple((path, cls.__name__) for path, cls in (node.meta.get("nn_module_stack") or {}).values())
        if node.op == "call_module":
            stack = stack[:-1]  # the module called: the layer itself
        own = self.unique(str(node.target) if node.op == "call_module" else node.name)
        self.add(layer.replace(name=own), stack)
        self.refs[node] = own
        shape = shape_of(node)
        if shape is not None:
            self.recorded[own] = (shape,)
        elif isinstance(node.meta.get("tensor_meta"), tuple | list):  # several outputs (a chunk, an LSTM)
            self.recorded[own] = tuple(_shape(meta) for meta in node.meta["tensor_meta"])

    def add(self, layer: Layer, stack: tuple[tuple[str, str], ...]) -> None:
        self.layers.append(layer)
        self.paths.append(stack)

    def module_call(self, node: Any) -> Layer:
        module = self.modules[str(node.target)]
        kind = type(module).__name__
        layer_type = self.vocabulary.types.get(kind)
        if layer_type is None:
            raise self.fail(node, f"the module class {type(module).__module__}.{kind} is not in convcalc's PyTorch vocabulary")
        try:
            args, kwargs = module_arguments(module, layer_type.signature)
        except ValueError as exc:
            raise self.fail(node, f"its arguments cannot be read: {exc}") from None
        tensors = [self.ref(node, arg) for arg in node.args if _is_tensor(arg)]
        return Layer(kind, args, kwargs, inputs=tuple(tensors))

    def function_call(self, node: Any, name: str) -> Layer:
        kind = FUNCTIONS.get(name)
        if kind is None:
            raise self.fail(
                node, f"{name!r} is a call convcalc does not map to a layer", hint="docs/import.md lists the calls it reads"
            )
        args = list(node.args)
        kwargs = dict(node.kwargs)
        if name in BOUND and node.op == "call_function":
            args, kwargs = _by_name(node.target, args, kwargs)
        if kind == "Concat":
            joined = [self.ref(node, t) for t in _flat(args[0] if args else kwargs.pop("tensors"))]
            dim = args[1] if len(args) > 1 else kwargs.pop("dim", 0)
            return Layer(kind, (self.literal(node, dim),), {}, inputs=tuple(joined))
        tensors: list[str] = []
        rest: list[object] = []
        for arg in args:
            if _is_tensor(arg):
                tensors.append(self.ref(node, arg))
            else:
                rest.append(self.literal(node, arg))
        extra: dict[str, object] = {}
        for key, value in kwargs.items():
            if _is_tensor(value):
                tensors.append(self.ref(node, value))
            elif key in DROPPED and value == DROPPED[key]:
                continue
            else:
                extra[key] = self.literal(node, value)
        if kind == "Flatten" and node.op in ("call_function", "call_method"):
            start = rest[0] if rest else extra.pop("start_dim", 0)  # torch.flatten starts at 0, nn.Flatten at 1
            end = rest[1] if len(rest) > 1 else extra.pop("end_dim", -1)
            rest = [start] if end == -1 else [start, end]
        if kind in ("View", "Reshape", "Permute", "Expand") and len(rest) == 1 and isinstance(rest[0], tuple):
            rest = list(rest[0])
        if kind in ("View", "Reshape"):  # the sizes torch worked out, the batch's unknown
            traced = shape_of(node)
            rest = [-1 if size is None else size for size in (traced if traced is not None else rest)]
        if kind in ("Add", "Subtract", "Multiply", "Divide") and len(tensors) == 1 and not rest:
            raise self.fail(node, "an operand that is neither a tensor nor a number")
        return Layer(kind, tuple(rest), extra, inputs=tuple(tensors))

    # --- values: sizes read from tensors

    def value(self, node: Any) -> bool:
        """Follow `x.size(0)`, `x.shape[2]`, `x.dim()`, and arithmetic on them, as values (an
        unknown batch None)."""
        name = _name(node) if node.op in ("call_function", "call_method") else ""
        args = node.args
        if name == "size" or (name == "getattr" and len(args) > 1 and args[1] == "shape"):
            shape = shape_of(args[0])
            if shape is None:
                return False
            index = args[1] if name == "size" and len(args) > 1 else node.kwargs.get("dim")
            self.values[node] = shape if index is None else shape[index]
            return True
        if name == "dim" and shape_of(args[0]) is not None:
            self.values[node] = len(shape_of(args[0]) or ())
            return True
        if (
            name in ("getitem", "mul", "floordiv", "add", "sub", "eq", "ne")
            and args
            and any(a in self.values for a in args if hasattr(a, "op"))
        ):
            operands = [self.values.get(a, a) if hasattr(a, "op") else a for a in args]
            if any(hasattr(o, "op") for o in operands):
                return False
            if name == "getitem":
                self.values[node] = operands[0][operands[1]]
            elif None in operands:
                self.values[node] = None
            else:
                self.values[node] = getattr(operator, name)(*operands)
            return True
        return False

    def literal(self, node: Any, value: Any) -> object:
        if hasattr(value, "op"):
            if value in self.values:
                return self.values[value]
            raise self.fail(node, f"an argument computed by {value.name!r}, which the importer cannot follow")
        if isinstance(value, tuple | list):
            return tuple(self.literal(node, v) for v in value)
        if isinstance(value, bool | int | float | str) or value is None:
            return value
        raise self.fail(node, f"an argument of type {type(value).__name__}")

    def check(self, node: Any) -> None:
        """`torch._assert(h == self.image_size, ...)` on sizes the trace knows: true, or the model
        refuses the input."""
        condition = node.args[0] if node.args else node.kwargs.get("condition")
        value = self.values.get(condition, condition) if hasattr(condition, "op") else condition
        if value is None or hasattr(value, "op"):
            raise self.fail(node, "an assertion on values the importer cannot follow")
        if not value:
            message = node.args[1] if len(node.args) > 1 else ""
            raise self.fail(node, f"the module refuses this input: {message}", hint="--input gives the shape it takes")

    def selected(self, node: Any) -> Layer:
        """`x[:, 0]`: whole dims, then one index, is Select(dim, index)."""
        source, index = node.args[0], node.args[1]
        whole = 0
        while whole < len(index) and index[whole] == slice(None):
            whole += 1
        if whole != len(index) - 1 or not isinstance(index[whole], int) or not _is_tensor(source):
            raise self.fail(node, f"indexing a tensor with {index!r}", hint="convcalc reads x[:, 0] (Select), or Split")
        return Layer("Select", (whole, index[whole]), {}, inputs=(self.ref(node, source),))

    def item(self, node: Any) -> str:
        """`pieces[1]` of a call with several outputs (chunk, split, an LSTM)."""
        source, index = node.args[0], node.args[1]
        if not isinstance(index, int):
            raise self.fail(
                node, "indexing a tensor (x[:, 0], x[..., :2])", hint="write it as Select, or take it apart with Split"
            )
        base = self.ref(node, source)
        if not any(layer.name == base for layer in self.layers):
            raise self.fail(node, "indexing a tensor (x[0])")
        return base if index == 0 else f"{base}[{index}]"

    def parameter(self, node: Any) -> None:
        target = str(node.target)
        shape = shape_of(node)
        meta = node.meta.get("tensor_meta")
        dims = tuple(int(d) for d in meta.shape) if meta is not None else None
        if dims is None or shape is None:
            raise self.fail(node, "an attribute that is not a tensor")
        own = self.unique(target)
        self.add(Layer("Parameter", (dims,), {}, own), ())
        self.refs[node] = own

    def ref(self, node: Any, value: Any) -> str:
        if value in self.refs:
            return self.refs[value]
        raise self.fail(node, f"takes {getattr(value, 'name', value)!r}, which is not a tensor the importer followed")

    def unique(self, raw: str) -> str:
        base = raw.replace(".", "_")
        found, count = base, 0
        while found in self.names:
            count += 1
            found = f"{base}_{count}"
        self.names.add(found)
        return found


def _target(node: Any) -> str:
    target = node.target
    return (
        target
        if isinstance(target, str)
        else f"{getattr(target, '__module__', '') or ''}.{getattr(target, '__name__', target)}".lstrip(".")
    )


def _name(node: Any) -> str:
    target = node.target
    name = target if isinstance(target, str) else getattr(target, "__name__", "")
    return str(name).strip("_") if str(name).startswith("__") else str(name)


def _is_tensor(value: Any) -> bool:
    return hasattr(value, "op") and hasattr(value.meta.get("tensor_meta"), "shape")


def _flat(value: Any) -> list[Any]:
    return [v for item in value for v in _flat(item)] if isinstance(value, tuple | list) else [value]


def _by_name(function: Any, args: list[Any], kwargs: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    """The function's arguments after the first by their names (their modules order them otherwise)."""
    try:
        names = list(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return args, kwargs
    bound = dict(zip(names[1:], args[1:], strict=False))
    return args[:1], {**bound, **kwargs}


def _shape(meta: Any) -> Shape | None:
    if not hasattr(meta, "shape"):
        return None
    dims = tuple(int(d) for d in meta.shape)
    return (None, *dims[1:]) if dims else dims


def _comment(recorded: dict[str, tuple[Shape | None, ...]], layer: Layer, blocks: list[Any]) -> str:
    shapes = recorded.get(str(layer.name), ())
    return ", ".join(format_shape(s) for s in shapes if s is not None)


def _outer(ref: str, layers: list[Layer]) -> str:
    return ref


def module_arguments(module: Any, signature: Signature) -> tuple[tuple[object, ...], dict[str, object]]:
    """A module's constructor arguments, read back from its attributes: the required ones
    positional, the others where they differ from the class's defaults."""
    args: list[object] = []
    kwargs: dict[str, object] = {}
    for name, default in (*signature.positional, *signature.keyword_only):
        if name in SKIPPED:
            continue
        if name == "bias" and hasattr(module, "bias"):  # a parameter (or None) on most modules, a flag on a few
            bias = module.bias
            value: object = bias if isinstance(bias, bool) else bias is not None
        elif hasattr(module, name):
            value = plain(getattr(module, name))
        else:
            if default is REQUIRED:
                raise ValueError(f"the module has no attribute {name!r} to read its argument from")
            continue
        if name in SIMPLIFIED:
            value = simplified(value)
        if default is REQUIRED:
            args.append(value)
        elif value != default and not (isinstance(value, tuple) and simplified(value) == default):
            kwargs[name] = value
    return tuple(args), kwargs


def plain(value: Any) -> object:
    """An attribute as a literal: torch.Size and lists as tuples."""
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    if isinstance(value, tuple | list):
        return tuple(plain(v) for v in value)
    raise ValueError(f"an attribute of type {type(value).__name__}")


def simplified(value: object) -> object:
    if isinstance(value, tuple) and value and all(v == value[0] for v in value) and not isinstance(value[0], tuple):
        return value[0]
    return value


def shape_of(node: Any) -> Shape | None:
    """A node's output shape with the batch (traced as 1) unknown."""
    meta = node.meta.get("tensor_meta")
    if meta is None or not hasattr(meta, "shape"):
        return None
    dims = tuple(int(d) for d in meta.shape)
    return (None, *dims[1:]) if dims else dims
