"""A torch.fx graph written as convcalc layers: each module call as its class, each function or
method call as convcalc's stand-in of the same name and arguments (docs/operations.md), sizes
read from tensors (`x.size(0)`, `x.shape[1]`) followed as values, the batch's as -1.
"""

from __future__ import annotations

import inspect
import itertools
import math
import operator
from collections.abc import Container
from typing import Any

from convcalc.errors import Location, SpecError
from convcalc.ops.layout import format_shape
from convcalc.ops.tensor import Shape
from convcalc.signature import REQUIRED, Signature
from convcalc.sources.draft import Arithmetic, Draft, Layer
from convcalc.sources.torch_tracer import BATCHES, SHAPES

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
    "reshape_as": "Reshape",
    "view_as": "View",
    "permute": "Permute",
    "transpose": "Transpose",
    "swapaxes": "Transpose",
    "swapdims": "Transpose",
    "unsqueeze": "Unsqueeze",
    "squeeze": "Squeeze",
    "mean": "Mean",
    "sum": "Sum",
    "amax": "Amax",
    "amin": "Amin",
    "max": "Max",
    "min": "Min",
    "norm": "Norm",
    "chunk": "Chunk",
    "split": "Split",
    "expand": "Expand",
    "expand_as": "Expand",
    "repeat": "Repeat",
    "tile": "Tile",
    "repeat_interleave": "RepeatInterleave",
    "interpolate": "Interpolate",
    "pad": "Pad",
    "scaled_dot_product_attention": "ScaledDotProductAttention",
    "channel_shuffle": "ChannelShuffle",
    "roll": "Roll",
    "normalize": "Normalize",
    "clamp": "Clamp",
    "exp": "Exp",
    "sqrt": "Sqrt",
    "rsqrt": "Rsqrt",
    "pow": "Pow",
    "square": "Pow",  # torch.square(x) is x ** 2: Pow(2)
    "zeros_like": "FullLike",
    "ones_like": "FullLike",
    "full_like": "FullLike",
    "neg": "Neg",
    "sin": "Sin",
    "cos": "Cos",
    "einsum": "Einsum",
    "ne": "NotEqual",
    "not_equal": "NotEqual",
    "cumsum": "Cumsum",
    "gather": "Gather",
    "fold": "Fold",
    "unfold": "Unfold",
}
"""Function and method names (torch.*, torch.nn.functional.*, Tensor.*, operator.*) and the
convcalc layer that stands for each."""
NORMS = {
    "batch_norm": ("input", "running_mean", "running_var", "weight", "bias", "training", "momentum", "eps"),
    "layer_norm": ("input", "normalized_shape", "weight", "bias", "eps"),
    "group_norm": ("input", "num_groups", "weight", "bias", "eps"),
    "rms_norm": ("input", "normalized_shape", "weight", "eps"),
}
"""torch.nn.functional's norms (their arguments in order) that a norm module's subclass calls
with its own weights: the row is that module's norm."""
GIVEN = frozenset({"Convolution", "BatchNorm"})
"""The stand-ins of F.conv2d and F.batch_norm on weights the forward computes: the weights are
their inputs, counted by their own rows."""
CONVOLUTIONS = frozenset({"conv1d", "conv2d", "conv3d"})
CONVOLUTION_ARGUMENTS = ("input", "weight", "bias", "stride", "padding", "dilation", "groups")
"""F.conv2d and its kin, with a module's own weights (their arguments in order): a convolution."""
WEIGHTED = frozenset({"linear", "addmm", *NORMS, *CONVOLUTIONS})
"""Functions a module calls with its own weights: each call is the layer those weights are."""
NORM_CLASSES = frozenset({"BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LayerNorm", "GroupNorm"})
PASSED = frozenset({"contiguous", "clone", "float", "int", "long", "detach", "to", "type_as"})
"""Methods that change no shape: the tensor they are called on (a cast among them: x.long())."""
BOUND = frozenset({"max_pool2d", "avg_pool2d", "dropout", "softmax", "log_softmax", "interpolate", "pad"})
"""Functions whose positional order is not their module's: their arguments are passed by name."""
LIKE = frozenset({"zeros_like", "ones_like", "full_like", "empty_like"})
"""Calls that make a tensor of another's shape: of a tensor computed from the input, as large as
the input at any batch (a FullLike; empty_like's values are whatever memory held, which no
stand-in says)."""
FILLED = {"zeros_like": 0, "ones_like": 1}
"""The value each fills with (full_like: its argument)."""
CREATED = LIKE | {"new_zeros", "new_ones", "new_full", "new_empty", "zeros", "ones", "full", "empty", "arange", "tensor"}
"""Calls that make a tensor from sizes alone (a `self` they are called on gives only its dtype
and device; torch.tensor of numbers, GPT-2's attention scale from a size): with the sizes known,
constants."""
MADE = frozenset({"dtype", "layout", "device", "pin_memory", "requires_grad", "memory_format"})
"""Keywords of the calls that make tensors that change no shape."""
ARITHMETIC = frozenset({"getitem", "add", "sub", "mul", "floordiv", "truediv", "mod", "pow", "neg", "pos"})
ARITHMETIC |= {"eq", "ne", "lt", "le", "gt", "ge", "ceil", "floor", "sqrt"}
"""Operators on sizes the importer follows as values (an unknown batch stays unknown); math's
functions among them (math.sqrt(N): NesT's grid side) are math's."""
SPLIT_POINTS = ("indices", "sections", "indices_or_sections", "tensor_indices_or_sections")
"""torch.tensor_split's names for where it cuts (its overloads name them differently)."""
DROPPED = {"out": None, "_stacklevel": 3, "dtype": None, "training": False, "inplace": False, "return_indices": False}
"""Function arguments the stand-ins do not take, left out at these (the usual) values."""


INPUT, PARAMETER, CONSTANT, BATCHED = "input", "parameter", "constant", "batched"
"""What a tensor is computed from: the input (its dim 0 the batch), parameters and constants
alone (exactly its shape), constants alone (buffers, tensors made from sizes: one Buffer), or
constants and the batch's size, never the input's values (Hugging Face's causal mask, made from
position ids expanded to the batch: one Buffer of its shape at batch 1, expanded to the batch)."""


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
        self.dropped: tuple[str, ...] = ()  # the module's outputs torch.fx could not record (torch_module._one_input)
        self.parameters: dict[str, str] = {}
        self.kinds: dict[Any, str] = {}  # a tensor node -> INPUT, PARAMETER or CONSTANT: what it is computed from
        self.constants: set[Any] = set()
        self.notes: dict[str, str] = {}  # a row's name -> what its comment says besides its shape
        self.unbound: dict[Any, list[str]] = {}  # an unbind's node -> its pieces' Select rows
        self.subclassed: dict[str, str] = {}  # a module's path -> the subclass of a torch.nn class it is
        self.learned: dict[str, str] = {}  # every name of a parameter -> the first name of the same tensor (tied weights)
        self.sizes: dict[str, tuple[int, ...]] = {}  # a parameter's first name -> its shape
        firsts: dict[int, str] = {}  # a tensor's id -> its first name
        for name, tensor in model.named_parameters(remove_duplicate=False):
            first = self.learned[name] = firsts.setdefault(id(tensor), name)
            self.sizes.setdefault(first, tuple(tensor.shape))
        self.counted: dict[str, str] = {}  # a parameter's first name -> the row that counts it
        self.counts: dict[str, list[str]] = {}  # a row -> the parameters it counts or shares (first names)
        self.transient = {
            f"{path}.{name}".lstrip(".") for path, module in self.modules.items() for name in module._non_persistent_buffers_set
        }

    def fail(self, node: Any, message: str, hint: str = "") -> SpecError:
        return SpecError.at(Location(self.path), "CC003", f"node {node.name!r} ({node.op} {_target(node)}): {message}", hint)

    def draft(self) -> Draft:
        placeholders = 0
        skipped: set[Any] = set()
        for node in self.graph.graph.nodes:
            if node in skipped:
                continue
            if node.op == "placeholder":
                checks = _specialized(node)
                if placeholders and checks is not None:
                    skipped |= checks  # an argument left at its default (torch_module._defaults), and its checks
                    continue
                placeholders += 1
                if placeholders > 1:
                    raise self.fail(node, "a second input: the importer traces modules of one input")
                self.refs[node] = "input"
                self.kinds[node] = INPUT  # (else a function of it and a parameter, first, is a parameter's)
            elif node.op == "output":
                self.outputs = tuple(self.ref(node, value) for value in _flat(node.args[0]))
                self.dropped = node.meta.get("convcalc_dropped", ())
            else:
                self.convert(node)
        if not self.layers:
            raise SpecError.at(Location(self.path), "CC003", "the module computes nothing convcalc writes as a layer")
        from convcalc.sources.torch_blocks import grouped

        layers, blocks, recorded, outputs = grouped(self.layers, self.paths, self.recorded, self.vocabulary, self.outputs)
        annotated = tuple(
            layer.replace(comment=", ".join(filter(None, (_comment(recorded, layer, blocks), self.notes.get(str(layer.name))))))
            for layer in layers
        )
        last = layers[-1].name
        name = type(self.model).__name__
        if outputs == (last,):
            outputs = ()  # the last layer's output: what a spec gives without `outputs:`
        header: tuple[str, ...] = (
            f"Imported by `convcalc import` from {self.path}: the PyTorch module {name}, traced with torch.fx on the meta device "
            f"(input {format_shape((None, *self.input_shape))}).",
            "Names: module paths, '.' written '_' (a spec name has no '.'); a function call is named as torch.fx names it.",
            "Comments: each layer's output shape as torch computes it, checked against convcalc's at import.",
        )
        if self.dropped:
            header += (
                f"Outputs: the module's {', '.join(self.dropped)} left out, as it holds no tensor a spec's outputs name "
                "(a key-value cache: use_cache=False in the model's config returns none).",
            )
        if any(note.startswith("folded: ") for note in self.notes.values()):
            header += (
                "Constants: a Buffer commented 'folded:' is a tensor the forward computes from sizes alone, one row of its "
                "shape (the comment lists the calls folded into it).",
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
            mode="train" if self.model.training else "eval",
        )

    # --- nodes

    def convert(self, node: Any) -> None:
        if self.value(node):
            return
        kind = self.kind(node)
        if kind in (CONSTANT, BATCHED):
            self.constant(node)
            return
        computed = _in_place(node)
        if kind != INPUT and not computed and ((_mutation(node) and not node.users) or _only_mutated(node)):
            return  # a weight changed in place (Swin V2: qkv_bias.clone()[length:2 * length].zero_()): no new shape, no row
        if node.op == "get_attr":
            self.parameter(node)
            return
        if _sliced_sum(node) is not None or _in_sliced_sum(node):
            self.sliced_sum(node)
            return
        if node.op == "call_function" and _name(node) == "stack":
            self.stacked(node)
            return
        if node.op in ("call_function", "call_method") and _name(node) == "addcmul":
            self.addcmul(node)
            return
        if _name(node) == "setitem" and node.op == "call_function":
            self.assigned(node)
            return
        if node.op == "call_module":
            layer = self.module_call(node)
        elif node.op in ("call_function", "call_method"):
            name = computed or _name(node)
            if name in ("cat", "concat") and len(self.joined(node)) == 1:  # torch.cat([torch.tensor([]), x]) is x
                self.refs[node] = self.ref(node, self.joined(node)[0])
                return
            if name in PASSED:
                if node.args[0] not in self.refs and _linear_weights(node):
                    return  # `qkv_bias.clone()` for F.linear: the Linear counts it
                self.refs[node] = self.ref(node, node.args[0])
                return
            if name == "getitem" and not _is_tensor(node.args[0]):
                self.refs[node] = self.item(node)
                return
            if name == "unbind":
                self.unbind(node)
                return
            if name == "_assert":
                self.check(node)
                return
            if name == "getitem" and not _is_tensor(node.args[1]):
                self.indexed(node)
                return
            if name == "linear":
                layer, path = self.linear(node)
            elif name == "addmm":
                layer, path = self.addmm(node)
            elif name in NORMS:
                layer, path = self.norm(node, name)
            elif name in CONVOLUTIONS:
                layer, path = self.convolution(node, name)
            elif name == "tensor_split":
                layer = self.tensor_split(node)
            elif name == "getitem":  # table[index], the index a tensor
                layer = Layer("Index", (), {}, inputs=(self.ref(node, node.args[0]), self.ref(node, node.args[1])))
            else:
                layer = self.function_call(node, name)
        else:
            raise self.fail(node, "a node convcalc does not read")
        stack = self.stack(node)
        if node.op == "call_module":
            path, stack = str(node.target), stack[:-1]  # the module called: the layer itself
        elif name not in WEIGHTED:
            path = node.name
        own = self.unique(path)
        if node.op == "call_module":
            weights = [self.learned[f"{path}.{name}"] for name, _ in self.modules[path].named_parameters(remove_duplicate=False)]
        elif name in WEIGHTED and layer.type not in GIVEN:  # a layer of the weights it is handed
            weights = [self.learned[str(arg.target)] for arg in _attributes(node) if str(arg.target) in self.learned]
        else:  # an operation on a parameter's tensor (x @ self.m): the Parameter row counts it
            weights = []
        shares = self.ledger(node, own, weights)
        self.add(layer.replace(name=own, shares=shares), stack)
        self.refs[node] = own
        if computed:  # `x.add_(y)`: every later read of x reads the sum
            self.refs[node.args[0]] = own
        if node.op != "call_module" and name == "linear" and self.computed_bias(node) is not None:
            self.refs[node] = self.linear_bias(node, own)
        if path in self.subclassed:
            self.notes[own] = self.subclassed.pop(path)
        shape = self.shape(node)
        if shape is not None:
            self.recorded[own] = (shape,)
        elif isinstance(node.meta.get("tensor_meta"), tuple | list):  # several outputs (a chunk, an LSTM)
            exact = self.kinds.get(node, INPUT) != INPUT  # of parameters and constants alone: no batch (RoPE tables)
            self.recorded[own] = tuple(_shape(meta, exact) for meta in node.meta["tensor_meta"])

    def sliced_sum(self, node: Any) -> None:
        """`x[:, :, 1:, 1:] += y` (MViT-V2 adds its relative positions so) is x plus y padded with
        zeros to x's shape: a Pad and an Add, and every later read of x reads the sum. The slice
        and the sum fx records before the assignment are read there, not as rows of their own."""
        found = _sliced_sum(node)
        if found is None:
            return  # the slice or the sum: the assignment writes both
        target, index, view, added = found
        shape = self.shape(target)
        pads = _slice_padding(index, shape) if shape is not None else None
        if pads is None or self.shape(added) != self.shape(view):
            raise self.fail(
                node,
                f"an addition into a slice {index!r} convcalc cannot write as a Pad: a step, a size unknown, "
                "or a value broadcast to the slice",
            )
        padding = self.written(node, Layer("Pad", (pads,), {}, inputs=(self.ref(node, added),)), f"{node.name}_pad", shape)
        self.refs[target] = self.written(node, Layer("Add", (), {}, inputs=(self.ref(node, target), padding)), node.name, shape)

    def assigned(self, node: Any) -> None:
        """`x[slices] = v`, v computed from what it replaces (timm's MViT-V2 adds its relative
        positions through views: `attn[:, :, 1:, 1:] = (attn[:, :, 1:, 1:].view(...) + rel).view(...)`)
        is x plus the change, v - x[slices], padded with zeros to x's shape: a Subtract, a Pad and
        an Add, and every later read of x reads the sum. Of a value that does not read the slice it
        replaces, convcalc would have to invent the slice: refused."""
        target, index, value = node.args
        shape = self.shape(target)
        parts = index if isinstance(index, tuple) else (index,)
        pads = _slice_padding(parts, shape) if shape is not None else None
        read = next((user for user in target.users if _name(user) == "getitem" and user.args == (target, index)), None)
        if read in self.refs and _is_tensor(value) and _covers(parts, shape, self.shape(read)) and self.shape(value) == shape:
            self.refs[target] = self.ref(node, value)  # every position replaced (MViT-V2 without a class token): x is v
            return
        if pads is None or read not in self.refs or not _is_tensor(value) or self.shape(value) != self.shape(read):
            raise self.fail(
                node,
                f"an assignment into a slice {index!r} of a tensor computed from the input, convcalc cannot write as a Pad: "
                "a step, an integer index, a size unknown, a value broadcast to the slice, or one that does not read it",
                hint="convcalc has no layer that writes into part of a tensor; x[s] = f(x[s]) is x plus f(x[s]) - x[s], padded",
            )
        change = Layer("Subtract", (), {}, inputs=(self.ref(node, value), self.refs[read]))
        change_name = self.written(node, change, f"{node.name}_change", self.shape(read))
        padding = self.written(node, Layer("Pad", (pads,), {}, inputs=(change_name,)), f"{node.name}_pad", shape)
        self.refs[target] = self.written(node, Layer("Add", (), {}, inputs=(self.ref(node, target), padding)), node.name, shape)

    def stacked(self, node: Any) -> None:
        """torch.stack(tensors, dim) (SKNet's and CrossViT's branches): each tensor unsqueezed at
        dim, then their Concat along it, which is what stacking is."""
        tensors = list(_flat(node.args[0] if node.args else node.kwargs["tensors"]))
        dim = self.literal(node, node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", 0))
        shapes = [self.shape(tensor) for tensor in tensors]
        if not tensors or not isinstance(dim, int) or any(shape is None for shape in shapes):
            raise self.fail(node, "a torch.stack the importer cannot read", hint="it reads tensors of known rank and an int dim")
        rank = len(shapes[0] or ())
        axis = dim + rank + 1 if dim < 0 else dim
        pieces = tuple(
            self.written(
                node,
                Layer("Unsqueeze", (axis,), {}, inputs=(self.ref(node, tensor),)),
                f"{node.name}_unsqueeze",
                (*(shape or ())[:axis], 1, *(shape or ())[axis:]),
            )
            for tensor, shape in zip(tensors, shapes, strict=True)
        )
        self.refs[node] = self.written(node, Layer("Concat", (axis,), {}, inputs=pieces), node.name, self.shape(node))

    def addcmul(self, node: Any) -> None:
        """torch.addcmul(input, tensor1, tensor2, value=1) (ResMLP's affine, ConvNeXt-V2's global
        response normalization): input + value * tensor1 * tensor2, a Multiply of the two (and of
        the value, where it is not 1) and an Add."""
        given: dict[str, Any] = dict(zip(("input", "tensor1", "tensor2", "value"), node.args, strict=False)) | dict(node.kwargs)
        value = self.literal(node, given.get("value", 1))
        if not all(_is_tensor(given.get(key)) for key in ("input", "tensor1", "tensor2")) or not isinstance(value, int | float):
            raise self.fail(node, "an addcmul the importer cannot read", hint="it reads three tensors and a number value")
        factors = (self.ref(node, given["tensor1"]), self.ref(node, given["tensor2"]))
        product = self.written(node, Layer("Multiply", (), {}, inputs=factors), f"{node.name}_mul")
        if value != 1:
            product = self.written(node, Layer("Multiply", (value,), {}, inputs=(product,)), f"{node.name}_scale")
        added = Layer("Add", (), {}, inputs=(self.ref(node, given["input"]), product))
        self.refs[node] = self.written(node, added, node.name, self.shape(node))

    def written(self, node: Any, layer: Layer, name: str, shape: Shape | None = None) -> str:
        """A row of `layer` that `node` makes, under a unique name from `name`, in the node's
        module stack, its output shape recorded where known: its name, for the rows after it."""
        own = self.unique(name)
        self.add(layer.replace(name=own), self.stack(node))
        if shape is not None:
            self.recorded[own] = (shape,)
        return own

    def stack(self, node: Any) -> tuple[tuple[str, str], ...]:
        """The module calls the node is in, outermost first: (path, class)."""
        return tuple((path, cls.__name__) for path, cls in (node.meta.get("nn_module_stack") or {}).values())

    def add(self, layer: Layer, stack: tuple[tuple[str, str], ...]) -> None:
        self.layers.append(layer)
        self.paths.append(stack)

    def module_call(self, node: Any) -> Layer:
        module = self.modules[str(node.target)]
        kind = type(module).__name__
        if kind not in self.vocabulary.types:
            kind = inherited(type(module), self.vocabulary.types) or kind
            if kind != type(module).__name__:
                self.subclassed[str(node.target)] = f"a {type(module).__name__}, read as the nn.{kind} it subclasses"
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
        if name == "unfold" and node.op == "call_method":  # Tensor.unfold(dimension, size, step), not F.unfold
            kind = "TensorUnfold"
        if kind is None:
            raise self.fail(
                node, f"{name!r} is a call convcalc does not map to a layer", hint="docs/import.md lists the calls it reads"
            )
        args = list(node.args)
        kwargs = dict(node.kwargs)
        if name in LIKE:  # torch.zeros_like(x, dtype=torch.bool): a FullLike of x, its value the call's
            args = args[:1] + ([FILLED[name]] if name in FILLED else args[1:2])
            kwargs = {key: value for key, value in kwargs.items() if key not in MADE}
        if name in ("reshape_as", "view_as", "expand_as"):  # to the other tensor's shape: the sizes torch worked out
            args, kwargs = args[:1], {}
        if name in BOUND and node.op == "call_function":
            args, kwargs = _by_name(node.target, args, kwargs)
        if kind == "Concat":
            dim = args[1] if len(args) > 1 else kwargs.pop("dim", 0)
            joined = tuple(self.ref(node, tensor) for tensor in self.joined(node))
            return Layer(kind, (self.literal(node, dim),), {}, inputs=joined)
        signature = self.vocabulary.types[kind].signature if kind in self.vocabulary.types else None
        defaults = dict((*signature.positional, *signature.keyword_only)) if signature is not None else {}
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
            elif node.op == "call_function" and defaults.get(key, REQUIRED) == value:
                continue  # filled in by the function's Python wrapper (F.pad's mode and value)
            else:
                extra[key] = self.literal(node, value)
        if kind == "Flatten" and node.op in ("call_function", "call_method"):
            start = rest[0] if rest else extra.pop("start_dim", 0)  # torch.flatten starts at 0, nn.Flatten at 1
            end = rest[1] if len(rest) > 1 else extra.pop("end_dim", -1)
            rest = [start] if end == -1 else [start, end]
        if kind in ("View", "Reshape", "Permute", "Expand", "Repeat") and len(rest) == 1 and isinstance(rest[0], tuple):
            rest = list(rest[0])
        if kind in ("View", "Reshape"):  # the sizes torch worked out, the batch's unknown
            traced = self.shape(node)
            rest = [-1 if size is None else size for size in (traced if traced is not None else rest)]
        if kind == "Expand":
            if name == "expand_as":  # MobileViT-V2's context vector, to its input's shape
                rest = list(self.shape(node) or ())
            rest = [_batch_size(node, i, len(rest)) if size is None else size for i, size in enumerate(rest)]
        if kind in ("Repeat", "Tile"):
            rest = self.repeats(node, rest)
        if kind == "RepeatInterleave" and len(tensors) != 1:
            raise self.fail(
                node,
                "repeat_interleave with a tensor of repeats: its output's size depends on their values",
                hint="an int repeats is read; a tensor's values are not",
            )
        if name == "square":
            rest = [2]
        if kind in ("Max", "Min") and len(tensors) != 1:
            raise self.fail(
                node,
                f"torch.{name} of two tensors (the larger or smaller of each pair)",
                hint=f"convcalc's {kind} reduces one tensor: torch.{name}(x) or torch.{name}(x, dim)",
            )
        if kind in ("Add", "Subtract", "Multiply", "Divide", "Pow") and len(tensors) == 1 and not rest and not extra:
            raise self.fail(node, "an operand that is neither a tensor nor a number")
        if kind == "Pow" and not _is_tensor(args[0] if args else kwargs.get("input")):
            raise self.fail(node, "a number raised to a tensor's power (2 ** x)", hint="convcalc's Pow raises a tensor")
        return Layer(kind, tuple(rest), extra, inputs=tuple(tensors))

    def joined(self, node: Any) -> list[Any]:
        """The tensors torch.cat joins: those it is given less the 1-D empty ones, which it skips
        (its documented legacy rule; a key-value cache starts as `torch.tensor([])`)."""
        given = node.args[0] if node.args else node.kwargs["tensors"]
        return [tensor for tensor in _flat(given) if self.shape(tensor) != (0,)]

    def tensor_split(self, node: Any) -> Layer:
        """torch.tensor_split(x, indices=(1,), dim=2) (MViT parts its class token so), or into a
        number of sections: the Split of the sizes those make along an axis the trace knows."""
        given = list(node.args[1:])
        cut = given[0] if given else next((node.kwargs[key] for key in SPLIT_POINTS if key in node.kwargs), None)
        dim = self.literal(node, given[1] if len(given) > 1 else node.kwargs.get("dim", 0))
        cut = self.literal(node, cut) if not _is_tensor(cut) else None
        shape = self.shape(node.args[0])
        size = shape[dim] if shape is not None and isinstance(dim, int) and -len(shape) <= dim < len(shape) else None
        if size is None or not (isinstance(cut, int) or (isinstance(cut, tuple) and all(isinstance(i, int) for i in cut))):
            raise self.fail(
                node, "a tensor_split the importer cannot read", hint="it reads int sections or indices along a known axis"
            )
        try:
            sections = split_points(size, cut)
        except ValueError as exc:
            raise self.fail(node, f"tensor_split: {exc}") from None
        return Layer("Split", (sections, dim) if dim else (sections,), {}, inputs=(self.ref(node, node.args[0]),))

    def repeats(self, node: Any, rest: list[object]) -> list[object]:
        """x.repeat(n, 1, 1), torch.tile(x, (n, 1)) with `n = x.shape[0]` (ViT-style class tokens,
        a mask per sample): a count the traces show is the batch itself, read from the input
        (`shape(input)[0]`), the counts one by one; any other count computed from the batch is
        refused."""
        given = rest[0] if len(rest) == 1 and isinstance(rest[0], tuple) else tuple(rest)
        if None not in given:
            return rest
        shape = self.shape(node.args[0]) if node.args and _is_tensor(node.args[0]) else None
        if shape is None:
            raise self.fail(node, "repeats of a tensor of unknown shape")
        counts = (1,) * (len(shape) - len(given)) + tuple(given)  # torch.tile pads its dims with ones in front
        lead = len(counts) - len(shape)
        found = list(counts)
        for index, count in enumerate(counts):
            if count is not None:
                continue
            size = shape[index - lead] if index >= lead else 1
            found[index] = None if size is None else _batch_size(node, index, len(counts), size)
            if found[index] is None:
                what = "the batch's axis" if size is None else "an axis"
                raise self.fail(
                    node,
                    f"repeats {counts}: {what} repeated a number of times computed from the batch",
                    hint="convcalc reads a number, or the batch itself (x.shape[0]) for an axis of known size",
                )
        return found[len(counts) - len(given) :]  # one by one: `Tile((shape(input)[0], 1))` exports as a tuple in a tuple

    # --- values: sizes read from tensors

    def value(self, node: Any) -> bool:
        """Follow `x.size(0)`, `x.shape[2]`, `x.dim()`, `x.ndim`, and arithmetic on them, as values
        (an unknown batch None)."""
        name = _name(node) if node.op in ("call_function", "call_method") else ""
        args = node.args
        if name == "size" or (name == "getattr" and len(args) > 1 and args[1] == "shape"):
            shape = self.shape(args[0])
            if shape is None:
                return False
            index = args[1] if name == "size" and len(args) > 1 else node.kwargs.get("dim")
            self.values[node] = shape if index is None else shape[index]
            return True
        if name == "getattr" and len(args) > 1 and args[1] in ("device", "dtype"):
            self.values[node] = args[1]  # `x.device` (timm's attention bias cache is keyed by it): no size, no row
            return True
        if name == "numel" and self.shape(args[0]) is not None:
            self.values[node] = _product(self.shape(args[0]) or ())
            return True
        if (name == "dim" or (name == "getattr" and len(args) > 1 and args[1] == "ndim")) and self.shape(args[0]) is not None:
            self.values[node] = len(self.shape(args[0]) or ())  # x.dim(), x.ndim (timm's BatchNormAct2d asserts it)
            return True
        if name in ARITHMETIC and args and any(a in self.values for a in args if hasattr(a, "op")):
            operands = [self.values.get(a, a) if hasattr(a, "op") else a for a in args]
            if any(hasattr(o, "op") for o in operands):
                return False
            if name == "getitem":
                self.values[node] = operands[0][operands[1]]
            elif None in operands or (operands[0] is None and name in ("neg", "pos")):
                self.values[node] = None
            else:  # math.ceil, math.floor: timm's "same" padding, worked out from the sizes
                self.values[node] = getattr(operator if hasattr(operator, name) else math, name)(*operands)
            return True
        return False

    def literal(self, node: Any, value: Any) -> object:
        if hasattr(value, "op"):
            if value in self.values:
                return self.values[value]
            raise self.fail(node, f"an argument computed by {value.name!r}, which the importer cannot follow")
        if isinstance(value, tuple | list):
            return tuple(self.literal(node, v) for v in value)
        if isinstance(value, slice):
            return slice(*(self.literal(node, v) for v in (value.start, value.stop, value.step)))
        if value is Ellipsis:
            return value
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

    def indexed(self, node: Any) -> None:
        """`x[:, 0]`, `x[..., 0::2, 1::2, :]`, `x[:, :H, :W]`: a Select per integer, a Slice per
        slice that is not whole (torch_indexing.py); whole slices alone are the tensor itself."""
        from convcalc.sources.torch_indexing import steps

        source, index = node.args[0], node.args[1]
        if isinstance(index, tuple) and any(_is_tensor(item) for item in index):
            self.gather(node, source, index)
            return
        if self.sliced_by_batch(node) and node.meta.get(SHAPES) != source.meta.get(SHAPES):
            raise self.fail(  # `x[: x.size(0)]` keeps every position at every batch: no bound, as read below
                node,
                "a slice whose bound is the batch's size, of an axis that is not the batch's",
                hint="convcalc reads a slice's bounds as numbers; the batch is unknown until run time",
            )
        literal = self.literal(node, index if isinstance(index, tuple) else (index,))
        try:
            found = steps(literal if isinstance(literal, tuple) else (literal,))
        except ValueError:
            raise self.fail(
                node,
                f"indexing a tensor with {index!r}",
                hint="convcalc reads integers, slices and an Ellipsis: x[:, 0], x[..., ::2]",
            ) from None
        previous = self.ref(node, source)
        for kind, args in found:
            own = self.unique(node.name)
            self.add(Layer(kind, args, {}, own, (previous,)), self.stack(node))
            previous = own
        self.refs[node] = previous
        shape = self.shape(node)
        if found and shape is not None:
            self.recorded[previous] = (shape,)

    def gather(self, node: Any, source: Any, index: tuple[Any, ...]) -> None:
        """`table[:, index]`, one tensor index after whole slices (LeViT's and EfficientFormer's
        `attention_biases[:, attention_bias_idxs]`, a learned table gathered by a constant
        buffer): `Index(dim)` of the table and the index."""
        at = next(i for i, item in enumerate(index) if _is_tensor(item))
        whole = all(not _is_tensor(item) and item == slice(None) for i, item in enumerate(index) if i != at)
        if not whole:
            raise self.fail(
                node,
                "indexing with a tensor beside other indices",
                hint="convcalc reads one tensor index after whole slices: x[:, index]",
            )
        kwargs: dict[str, object] = {"dim": at} if at else {}
        layer = Layer("Index", (), kwargs, inputs=(self.ref(node, source), self.ref(node, index[at])))
        self.refs[node] = self.written(node, layer, node.name, self.shape(node))

    def linear(self, node: Any) -> tuple[Layer, str]:
        """`F.linear(x, self.qkv.weight, self.qkv.bias)`: the Linear those weights are, named by
        the module that holds them (the node's name for weights of no module's)."""
        given: dict[str, Any] = dict(zip(("input", "weight", "bias"), node.args, strict=False)) | dict(node.kwargs)
        weight: Any = _held(given.get("weight"))
        bias: Any = _held(given.get("bias"))
        if self.computed_bias(node) is not None:
            bias = None  # added after the product (linear_bias)
        if getattr(weight, "op", None) != "get_attr" or not (bias is None or getattr(bias, "op", None) == "get_attr"):
            raise self.fail(node, "F.linear with weights computed in the forward", hint="convcalc reads a module's own weights")
        self.learned_weights(node, "F.linear", weight, bias)
        out_features, in_features = (int(d) for d in weight.meta["tensor_meta"].shape)
        owner, _, leaf = str(weight.target).rpartition(".")
        path = owner if leaf == "weight" and (bias is None or str(bias.target) == f"{owner}.bias") else node.name
        return Layer(
            "Linear",
            (in_features, out_features),
            {} if bias is not None else {"bias": False},
            inputs=(self.ref(node, given["input"]),),
        ), path

    def computed_bias(self, node: Any) -> Any:
        """The bias of `F.linear(x, self.qkv.weight, bias)` where the forward computes it from
        parameters and buffers alone (BEiT's, EVA's and Swin-V2's `torch.cat((self.q_bias,
        self.k_bias, self.v_bias))`, k's a zero buffer), else None: x @ W.T + b is the Linear of
        W without a bias and an Add of b (linear_bias), each parameter counted once by its own
        Parameter row and fvcore's count the product's alone, as torch's linear_flop_jit."""
        given: dict[str, Any] = dict(zip(("input", "weight", "bias"), node.args, strict=False)) | dict(node.kwargs)
        bias = _held(given.get("bias"))
        if not _is_tensor(bias) or bias.op == "get_attr" or self.kinds.get(bias) not in (PARAMETER, CONSTANT):
            return None
        return bias

    def linear_bias(self, node: Any, product: str) -> str:
        """The Add of a computed bias (computed_bias) to the Linear row `product`: its name."""
        added = Layer("Add", (), {}, inputs=(product, self.ref(node, self.computed_bias(node))))
        return self.written(node, added, f"{node.name}_bias", self.shape(node))

    def addmm(self, node: Any) -> tuple[Layer, str]:
        """`torch.addmm(self.bias, x, self.weight)`: Hugging Face's Conv1D (GPT-2's projections),
        a Linear whose weight is stored (in, out), transposed: as many parameters, the same MACs."""
        given: dict[str, Any] = dict(zip(("input", "mat1", "mat2"), node.args, strict=False)) | dict(node.kwargs)
        bias, weight = _held(given.get("input")), _held(given.get("mat2"))
        held = [getattr(tensor, "op", None) == "get_attr" for tensor in (bias, weight)]
        if not all(held) or given.get("beta", 1) != 1 or given.get("alpha", 1) != 1 or len(bias.meta["tensor_meta"].shape) != 1:
            raise self.fail(node, "torch.addmm other than a module's bias plus the input times its weight")
        self.learned_weights(node, "torch.addmm", weight, bias)
        in_features, out_features = (int(d) for d in weight.meta["tensor_meta"].shape)
        owner = str(weight.target).rpartition(".")[0]
        path = owner if str(bias.target) == f"{owner}.bias" else node.name
        return Layer("Linear", (in_features, out_features), {}, inputs=(self.ref(node, given["mat1"]),)), path

    def ledger(self, node: Any, own: str, weights: list[str]) -> str | None:
        """The row whose weights the row `own` shares, None if it shares none; records the
        parameters (first names: a tied tensor is one) it counts. torch counts each tensor once,
        whichever modules hold it or calls read it (a module called again, a decoder tied to its
        embedding, `x @ self.fc.weight` beside `self.fc(x)`); a row shares its weights with
        one other row, those of the same shapes (engine._shared): a row that would share with
        two rows, or whose shared weights cannot be told apart by shape, is refused."""
        self.counts[own] = weights
        owners = {self.counted[weight] for weight in weights if weight in self.counted}
        for weight in weights:
            self.counted.setdefault(weight, own)
        if not owners:
            return None
        owner = owners.pop()
        shared = [self.sizes[weight] for weight in weights if weight in self.counts[owner]]
        theirs, mine = [self.sizes[w] for w in self.counts[owner]], [self.sizes[w] for w in weights]
        if owners or any(min(mine.count(size), theirs.count(size)) != shared.count(size) for size in set(mine)):
            raise self.fail(
                node,
                f"weights shared in part with {owner!r}" + (f" and {sorted(owners)[0]!r}" if owners else ""),
                hint="convcalc shares all of a layer's weights of a shape with one other layer (shares=)",
            )
        return owner

    def learned_weights(self, node: Any, call: str, *tensors: Any) -> None:
        """Refuse a functional layer whose weights include a buffer (TResNet's and timm's blur
        pooling convolve with a fixed filter, `F.conv2d(x, self.filt, groups=C)`): the layer
        would count as parameters what torch does not."""
        for tensor in tensors:
            if tensor is not None and str(tensor.target) not in self.learned:
                raise self.fail(
                    node,
                    f"{call} with the buffer {str(tensor.target)!r} as its weights (a fixed filter, not parameters)",
                    hint="convcalc's layers count their weights as parameters; torch does not count a buffer",
                )

    def norm(self, node: Any, name: str) -> tuple[Layer, str]:
        """`F.batch_norm(x, self.running_mean, ..., self.weight, self.bias)` in the forward of a
        subclass of a torch.nn norm (timm's BatchNormAct2d, LayerNorm2d, GroupNorm1): that
        module's norm, its arguments read from its attributes, named by its path."""
        names = NORMS[name]
        given: dict[str, Any] = dict(zip(names, node.args, strict=False)) | dict(node.kwargs)
        weight: Any = _held(given.get("weight"))
        if name == "rms_norm":
            return self.rms_norm(node, given)
        if name == "batch_norm" and not _owns_weights(node):
            return self.given_batch_norm(node, given), node.name
        if name == "layer_norm" and given.get("weight") is None and given.get("bias") is None:
            return self.plain_layer_norm(node, given), node.name
        if getattr(weight, "op", None) != "get_attr":
            raise self.fail(node, f"F.{name} without a module's own weight", hint="convcalc reads a norm module's weights")
        owner = str(weight.target).rpartition(".")[0]
        module = self.modules.get(owner)
        kind = norm_class(type(module), self.vocabulary.types) if module is not None else None
        if kind is None:
            raise self.fail(node, f"F.{name} with the weights of {owner!r}, which is not a torch.nn norm")
        shape = self.shape(given["input"])
        if kind.startswith("BatchNorm") and shape is not None:
            kind = f"BatchNorm{max(len(shape) - 2, 1)}d"  # the rank it runs on, as F.batch_norm takes any
        args, kwargs = module_arguments(module, self.vocabulary.types[kind].signature)
        self.subclassed[owner] = f"F.{name} in the forward of a {type(module).__name__}"
        return Layer(kind, args, kwargs, inputs=(self.ref(node, given["input"]),)), owner

    def rms_norm(self, node: Any, given: dict[str, Any]) -> tuple[Layer, str]:
        """`F.rms_norm(x, self.normalized_shape, self.weight, self.eps)` (timm's RmsNorm, an
        nn.Module of its own): nn.RMSNorm of the call's own arguments, whose weight is the one
        it is handed, named by the module that holds it (the node's name without a weight)."""
        weight: Any = _held(given.get("weight"))
        if weight is not None and getattr(weight, "op", None) != "get_attr":
            raise self.fail(node, "F.rms_norm with a weight computed in the forward", hint="convcalc reads a module's own weight")
        self.learned_weights(node, "F.rms_norm", weight)
        kwargs: dict[str, object] = {}
        eps = self.literal(node, given.get("eps"))
        if eps is not None:
            kwargs["eps"] = eps
        if weight is None:
            kwargs["elementwise_affine"] = False
        shape = _simplified(self.literal(node, given["normalized_shape"]))
        owner = str(weight.target).rpartition(".")[0] if weight is not None else ""
        return Layer("RMSNorm", (shape,), kwargs, inputs=(self.ref(node, given["input"]),)), owner or node.name

    def plain_layer_norm(self, node: Any, given: dict[str, Any]) -> Layer:
        """`F.layer_norm(x, (C,), eps=1e-6)` with neither weight nor bias (timm's Qwen3-VL ViT
        normalizes so before its own scale): nn.LayerNorm of the call's shape and eps with
        elementwise_affine=False, which has no weights either."""
        kwargs: dict[str, object] = {"elementwise_affine": False}
        eps = self.literal(node, given.get("eps", 1e-5))
        if eps != 1e-5:
            kwargs = {"eps": eps} | kwargs
        shape = _simplified(self.literal(node, given["normalized_shape"]))
        return Layer("LayerNorm", (shape,), kwargs, inputs=(self.ref(node, given["input"]),))

    def given_batch_norm(self, node: Any, given: dict[str, Any]) -> Layer:
        """`F.batch_norm(w, None, None, weight=gain, training=True, momentum=0., eps=eps)` on
        tensors the forward computes (timm's weight standardization, each filter normalized):
        the `BatchNorm` stand-in of the batch's statistics, its weight and bias (if any) inputs.
        Running statistics without a norm module's weight are refused, as is a bias without a weight."""
        if any(given.get(key) is not None for key in ("running_mean", "running_var")):
            raise self.fail(
                node,
                "F.batch_norm with running statistics but no norm module's weight",
                hint="convcalc reads a norm module's, or the batch's statistics (running_mean=None, training=True)",
            )
        tensors = [given.get("input"), given.get("weight"), given.get("bias")]
        if tensors[1] is None and tensors[2] is not None:
            raise self.fail(
                node, "F.batch_norm with a bias and no weight", hint="convcalc's BatchNorm takes [input, weight, bias]"
            )
        inputs = tuple(self.ref(node, tensor) for tensor in tensors if tensor is not None)
        kwargs: dict[str, object] = {}
        for key, default in (("training", False), ("momentum", 0.1), ("eps", 1e-5)):
            value = self.literal(node, given.get(key, default))
            if value != default:
                kwargs[key] = value
        return Layer("BatchNorm", (), kwargs, inputs=inputs)

    def convolution(self, node: Any, name: str) -> tuple[Layer, str]:
        """`F.conv2d(x, self.weight, self.bias, self.stride, (0, 0), self.dilation, self.groups)`
        in the forward of a subclass of nn.Conv2d (timm's Conv2dSame pads first, then convolves
        unpadded): the convolution its weights and the call's own arguments make, named by the
        module that holds the weights."""
        given: dict[str, Any] = dict(zip(CONVOLUTION_ARGUMENTS, node.args, strict=False)) | dict(node.kwargs)
        weight: Any = _held(given.get("weight"))
        bias: Any = _held(given.get("bias"))
        if not _owns_weights(node):
            return self.given_convolution(node, given), node.name
        if getattr(weight, "op", None) != "get_attr" or not (bias is None or getattr(bias, "op", None) == "get_attr"):
            raise self.fail(node, f"F.{name} with weights computed in the forward", hint="convcalc reads a module's own weights")
        self.learned_weights(node, f"F.{name}", weight, bias)
        dims = [int(d) for d in weight.meta["tensor_meta"].shape]
        groups = self.literal(node, given.get("groups", 1))
        if not isinstance(groups, int):
            raise self.fail(node, f"F.{name} with groups the importer cannot read")
        kwargs: dict[str, object] = {}
        for key, default in (("stride", 1), ("padding", 0), ("dilation", 1)):
            value = _simplified(self.literal(node, given.get(key, default)))
            if value != default:
                kwargs[key] = value
        if groups != 1:
            kwargs["groups"] = groups
        if bias is None:
            kwargs["bias"] = False
        owner, _, leaf = str(weight.target).rpartition(".")
        path = owner if leaf == "weight" and (bias is None or str(bias.target) == f"{owner}.bias") else node.name
        kernel = _simplified(tuple(dims[2:]))
        layer = Layer(f"Conv{name[-2]}d", (dims[1] * groups, dims[0], kernel), kwargs, inputs=(self.ref(node, given["input"]),))
        return layer, path

    def given_convolution(self, node: Any, given: dict[str, Any]) -> Layer:
        """`F.conv2d(x, weight, self.bias, ...)` with a weight the forward computes from the
        module's parameters (NFNet's ScaledStdConv2d, BiT's StdConv2d standardize theirs): the
        `Convolution` stand-in of the call's arguments, the weight and bias its inputs, the
        parameters counted by their own rows."""
        kwargs: dict[str, object] = {}
        for key, default in (("stride", 1), ("padding", 0), ("dilation", 1), ("groups", 1)):
            value = _simplified(self.literal(node, given.get(key, default)))
            if value != default:
                kwargs[key] = value
        tensors = [given["input"], given["weight"], given.get("bias")]
        return Layer("Convolution", (), kwargs, inputs=tuple(self.ref(node, tensor) for tensor in tensors if tensor is not None))

    def unbind(self, node: Any) -> None:
        """`q, k, v = qkv.unbind(0)` (timm's attention): a `Select(dim, i)` for each piece, which
        `pieces[i]` then names."""
        dim = self.literal(node, node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", 0))
        shape = self.shape(node.args[0])
        if not isinstance(dim, int) or shape is None or shape[dim] is None:
            raise self.fail(node, "an unbind along an axis of unknown size")
        source = self.ref(node, node.args[0])
        piece = tuple(size for axis, size in enumerate(shape) if axis != dim % len(shape))
        self.unbound[node] = [
            self.written(node, Layer("Select", (dim, index), {}, inputs=(source,)), node.name, piece)
            for index in range(shape[dim] or 0)
        ]

    def item(self, node: Any) -> str:
        """`pieces[1]` of a call with several outputs (chunk, split, an LSTM)."""
        source, index = node.args[0], node.args[1]
        if not isinstance(index, int):
            raise self.fail(
                node, "indexing a tensor (x[:, 0], x[..., :2])", hint="write it as Select, or take it apart with Split"
            )
        if source in self.unbound:
            return self.unbound[source][index]
        base = self.ref(node, source)
        if not any(layer.name == base for layer in self.layers):
            raise self.fail(node, "indexing a tensor (x[0])")
        outputs = source.meta.get("tensor_meta")
        if index < 0 and isinstance(outputs, tuple | list):  # Res2Net's spx[-1]: a spec counts from 0
            index += len(outputs)
        return base if index == 0 else f"{base}[{index}]"

    def parameter(self, node: Any) -> None:
        """A parameter read as a tensor: a Parameter row, unless F.linear takes it as its weights
        (the Linear counts them)."""
        target = str(node.target)
        dims = self.shape(node)
        if dims is None:
            raise self.fail(node, "an attribute that is not a tensor")
        if _linear_weights(node):
            return
        own = self.unique(target)
        shares = self.ledger(node, own, [self.learned[target]] if target in self.learned else [])
        self.add(Layer("Parameter", (dims,), {}, own, shares=shares), ())
        self.refs[node] = own

    # --- what a tensor is computed from

    def kind(self, node: Any) -> str:
        """INPUT, PARAMETER, CONSTANT or BATCHED (see there), from the node's tensor arguments; a
        size that depends on the batch makes a tensor of constants BATCHED, any other INPUT."""
        found = self.kinds.get(node)
        if found is not None:
            return found
        name = _name(node) if node.op in ("call_function", "call_method") else ""
        sources = [self.kinds[n] for n in node.all_input_nodes if n in self.kinds]
        batch = any(_unknown(self.values[n]) for n in node.all_input_nodes if n in self.values)
        copied = name in LIKE or name == "tensor"  # of a tensor's shape or values: torch.tensor(x) copies x
        created = name in CREATED and node.op != "call_module" and not (copied and INPUT in sources)
        of_constants = bool(sources) and set(sources) <= {CONSTANT, BATCHED} and node.op != "call_module"
        if node.op == "placeholder":
            found = INPUT
        elif (batch or BATCHED in sources) and (created or of_constants):
            found = BATCHED  # `torch.zeros(x.shape[0], 4)`, position ids `.expand(batch_size, -1)`
            if name == "getitem" and self.sliced_by_batch(node):
                raise self.fail(
                    node,
                    "a slice whose bound is the batch's size, of constants: as long as the batch only up to their size",
                    hint="convcalc writes a tensor of constants and the batch as a Buffer expanded to the batch",
                )
        elif batch:
            found = INPUT
        elif node.op == "get_attr":
            found = PARAMETER if str(node.target) in self.learned else CONSTANT
        elif created:
            found = CONSTANT
        elif INPUT in sources or not sources or BATCHED in sources:
            found = INPUT
        elif PARAMETER in sources or node.op == "call_module":
            found = PARAMETER
        else:
            found = CONSTANT
        self.kinds[node] = found
        return found

    def sliced_by_batch(self, node: Any) -> bool:
        """Whether a getitem's slices have a bound that depends on the batch (`pe[: x.size(0)]`):
        torch clamps the bound to the size sliced, so the result is the batch only so far."""
        index = node.args[1] if len(node.args) > 1 else ()
        bounds = [part.start for part in _flat(index) if isinstance(part, slice)]
        bounds += [part.stop for part in _flat(index) if isinstance(part, slice)]
        return any(bound in self.values and _unknown(self.values[bound]) for bound in bounds if hasattr(bound, "op"))

    def constant(self, node: Any) -> None:
        """A tensor of constants alone (and assignments into one): no row until a tensor that is
        not constant takes it (ref), then one Buffer of its shape."""
        if _is_tensor(node):
            self.constants.add(node)

    def buffer(self, node: Any) -> str:
        """The Buffer row of a constant: a module's buffer by its path, a tensor the forward makes
        from sizes (Swin's shifted-window mask: `x.new_zeros(...)`, filled, reshaped) by the
        node's name, `persistent=False` as torch keeps it out of state_dict."""
        shape = self.shape(node) or ()
        kwargs: dict[str, object] = {}
        held = node.op == "get_attr"
        if not held or str(node.target) in self.transient:
            kwargs["persistent"] = False
        dtype = str(node.meta["tensor_meta"].dtype).removeprefix("torch.")
        if dtype != "float32":
            kwargs["dtype"] = dtype
        batched = self.kinds.get(node) == BATCHED
        if batched and _name(node) == "expand" and self.kinds.get(node.args[0]) == CONSTANT:  # BERT's token types
            kept = self.shape(node.args[0]) or ()
            expanded = Layer("Expand", self.batch_axes(node, kept), {}, inputs=(self.ref(node, node.args[0]),))
            self.refs[node] = self.written(node, expanded, node.name, shape_of(node))
            return self.refs[node]
        if batched:
            shape = tuple(node.meta[SHAPES][0])  # at batch 1: each of the batch's axes 1, expanded below
        own = self.unique(str(node.target) if held else node.name)
        self.add(Layer("Buffer", (shape,), kwargs, own), ())
        if not held:
            self.notes[own] = "folded: " + _folded(node, self.constants)
        self.refs[node] = own
        if batched:
            expanded = Layer("Expand", self.batch_axes(node, shape), {}, inputs=(own,))
            self.refs[node] = self.written(node, expanded, f"{own}_expand")
            self.recorded[self.refs[node]] = (shape_of(node),)
        return self.refs[node]

    def batch_axes(self, node: Any, source: Shape) -> tuple[object, ...]:
        """The Expand of a BATCHED tensor's source (its Buffer, of its shape at batch 1, or the
        constant an expand reads) to the batch: the input's batch on each axis the traces show
        is the batch itself, each other of one size -1 where the source has that size there
        (kept), else the size (a new leading axis, or one of 1 made larger, which -1 would keep);
        refused where an axis is another function of the batch."""
        traced = node.meta.get(SHAPES) or ()
        rank = len(traced[0]) if traced else 0
        sizes: list[object] = []
        for axis in range(rank):
            found = [shape[axis] for shape in traced]
            had = axis - (rank - len(source))  # the source's axis under it, counted from the right as torch aligns them
            if found == list(BATCHES):
                sizes.append(Arithmetic("shape(input)[0]"))
            elif len(set(found)) == 1:
                sizes.append(-1 if had >= 0 and source[had] == found[0] else found[0])
            else:
                raise self.fail(
                    node,
                    f"a tensor made from sizes alone whose axis {axis} is {found} at batches {list(BATCHES)}",
                    hint="convcalc writes such a tensor as a Buffer expanded to the batch: an axis is the batch, or one size",
                )
        return tuple(sizes)

    def shape(self, node: Any) -> Shape | None:
        """A node's output shape: the batch (traced as 1) unknown where it is computed from the
        input, exact where from parameters and constants alone."""
        if self.kinds.get(node, INPUT) in (INPUT, BATCHED):
            return shape_of(node)
        meta = node.meta.get("tensor_meta")
        return tuple(int(d) for d in meta.shape) if hasattr(meta, "shape") else None

    def ref(self, node: Any, value: Any) -> str:
        if value in self.refs:
            return self.refs[value]
        if value in self.constants:
            return self.buffer(value)
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


def _folded(node: Any, constants: set[Any]) -> str:
    """The calls a constant is computed by, in order, with counts (`new_zeros, setitem x9, view`):
    the node, the constants before it, and the changes made to them in place."""
    seen: dict[Any, None] = {}

    def visit(current: Any) -> None:
        if current in seen or current.op in ("placeholder", "get_attr"):
            return
        for source in current.all_input_nodes:
            if source in constants:
                visit(source)
        seen[current] = None
        for user in current.users:
            if _mutation(user) and user.args[:1] == (current,):
                visit(user)

    visit(node)
    counts: dict[str, int] = {}
    for found in seen:
        counts[_name(found)] = counts.get(_name(found), 0) + 1
    return ", ".join(f"{name} x{count}" if count > 1 else name for name, count in counts.items())


def _sliced_sum(node: Any) -> tuple[Any, tuple[Any, ...], Any, Any] | None:
    """(x, the slices, x[slices], y) of `x[slices] += y`, which fx records as `setitem(x, slices, add(x[slices], y))`
    (a traced `+=` is an add), the slice and the sum used nowhere else; else None."""
    if node.op != "call_function" or _name(node) != "setitem" or len(node.args) != 3:
        return None
    target, index, total = node.args
    if not (hasattr(total, "op") and _name(total) in ("add", "iadd") and len(total.args) == 2 and not total.kwargs):
        return None
    if len(total.users) != 1:
        return None
    for view, added in (total.args, total.args[::-1]):
        if (
            hasattr(view, "op")
            and _name(view) == "getitem"
            and view.args == (target, index)
            and len(view.users) == 1
            and _is_tensor(added)
        ):
            return target, index if isinstance(index, tuple) else (index,), view, added
    return None


def _in_sliced_sum(node: Any) -> bool:
    """The slice or the sum of an `x[slices] += y` (_sliced_sum), written at the assignment."""
    users = list(node.users)
    if len(users) != 1:
        return False
    user = users[0]
    if _name(node) == "getitem" and _name(user) in ("add", "iadd") and len(user.users) == 1:
        user = next(iter(user.users))
    found = _sliced_sum(user)
    return found is not None and node in (found[2], user.args[2])


def _slice_padding(index: tuple[Any, ...], shape: Shape) -> tuple[int, ...] | None:
    """The F.pad amounts (last axis first) that take a tensor of the slices' shape back to
    `shape`, the zeros around the slices; None where a slice has a step, bounds that are not
    numbers, or an unknown size to cut.

    >>> _slice_padding((slice(None), slice(None), slice(1, None), slice(1, None)), (None, 2, 5, 7))
    (1, 0, 1, 0)
    >>> _slice_padding((slice(None), slice(2, -1)), (4, 9)), _slice_padding((slice(None), slice(1, None)), (None, 3, 8, 8))
    ((2, 1), (0, 0, 0, 0, 1, 0))
    >>> _slice_padding((slice(None, None, 2),), (4,)), _slice_padding((slice(None),), (None, 4))
    (None, None)
    """
    if len(index) > len(shape):
        return None
    pads: list[int] = []
    for part, size in zip(index, shape, strict=False):
        if not isinstance(part, slice) or not all(b is None or isinstance(b, int) for b in (part.start, part.stop, part.step)):
            return None
        if part.step not in (None, 1):
            return None
        if part.start is None and part.stop is None:
            pads += [0, 0]
            continue
        if size is None:
            return None
        start, stop, _ = part.indices(size)
        pads += [start, size - max(stop, start)]
    pads += [0, 0] * (len(shape) - len(index))
    while pads[:2] == [0, 0]:
        del pads[:2]
    return tuple(amount for axis in range(len(pads) // 2 - 1, -1, -1) for amount in pads[2 * axis : 2 * axis + 2]) or None


def _covers(index: tuple[Any, ...], shape: Shape | None, sliced: Shape | None) -> bool:
    """Whether slices without a step take every position of a tensor: of the shape it had, the
    batch's slice whole (its size is unknown).

    >>> _covers((slice(None), slice(0, None)), (None, 4), (None, 4)), _covers((slice(1, None),), (None, 4), (None, 4))
    (True, False)
    """
    if shape is None or sliced != shape or not all(isinstance(part, slice) and part.step in (None, 1) for part in index):
        return False
    return shape[0] is not None or not index or index[0] == slice(None)


def _mutation(node: Any) -> bool:
    """An in-place change: `x.zero_()`, `x[a:b] = v`."""
    name = _name(node) if node.op in ("call_function", "call_method") else ""
    return name == "setitem" or (node.op == "call_method" and name.endswith("_") and not name.startswith("_"))


def _in_place(node: Any) -> str:
    """The function a tensor method that changes its tensor in place computes, where convcalc
    maps it (`x.add_(y)`: "add"; MViT adds its positional embedding so), else ""."""
    name = _name(node) if node.op == "call_method" else ""
    return name[:-1] if name.endswith("_") and not name.startswith("_") and name[:-1] in FUNCTIONS else ""


def split_points(size: int, cut: int | tuple[int, ...]) -> tuple[int, ...]:
    """The sizes of torch.tensor_split's pieces of an axis of `size`: `cut` sections (the first
    size % cut one longer), or the pieces between the indices (each clamped to the axis, as
    Python's slices are: aten TensorShape.cpp tensor_split). ValueError for an empty piece,
    which convcalc's Split refuses.

    >>> split_points(7, 3), split_points(8, (1,)), split_points(8, (2, 5))
    ((3, 2, 2), (1, 7), (2, 3, 3))
    """
    if isinstance(cut, int):
        if cut <= 0:
            raise ValueError(f"{cut} sections")
        sections = tuple(size // cut + (1 if i < size % cut else 0) for i in range(cut))
    else:
        bounds = [min(max(i if i >= 0 else i + size, 0), size) for i in cut]
        edges = [0, *bounds, size]
        sections = tuple(max(end - start, 0) for start, end in itertools.pairwise(edges))
    if 0 in sections:
        raise ValueError(f"the pieces {sections} of an axis of {size} include an empty one")
    return sections


def _only_mutated(node: Any) -> bool:
    """A view of a tensor used only to change it in place (`qkv_bias[length:2 * length].zero_()`)."""
    return bool(node.users) and all(
        _mutation(user) and not user.users and user.args[:1] == (node,) and not _in_place(user) for user in node.users
    )


def _attributes(node: Any) -> list[Any]:
    """The module attributes (get_attr nodes) a call takes besides its input, through PASSED
    calls: F.linear's and a convolution's weights and bias, a norm's."""
    found = []
    for value in _flat([*node.args[1:], *(v for k, v in node.kwargs.items() if k != "input")]):
        held = _held(value)
        if getattr(held, "op", None) == "get_attr":
            found.append(held)
    return found


def _held(value: Any) -> Any:
    """The tensor a chain of PASSED calls (`qkv_bias.clone()`) starts from."""
    while getattr(value, "op", None) == "call_method" and _name(value) in PASSED:
        value = value.args[0]
    return value


def norm_class(kind: type, known: Container[str]) -> str | None:
    """The torch.nn norm class a module subclasses (its nearest base in convcalc's vocabulary
    among NORM_CLASSES), whatever its forward does around the norm.

    >>> BatchNorm2d = type("BatchNorm2d", (), {"__module__": "torch.nn.modules.batchnorm"})  # torch's, as it is named
    >>> Linear = type("Linear", (), {"__module__": "torch.nn.modules.linear"})
    >>> class BatchNormAct(BatchNorm2d): ...
    >>> norm_class(BatchNormAct, {"BatchNorm2d"}), norm_class(Linear, {"Linear"})
    ('BatchNorm2d', None)
    """
    for base in kind.__mro__:
        if base.__name__ in NORM_CLASSES and base.__name__ in known and str(base.__module__).startswith("torch.nn."):
            return base.__name__
    return None


def _specialized(node: Any) -> set[Any] | None:
    """The checks torch.fx adds for an argument traced at a fixed value (`concrete_args`):
    `_assert_is_none(arg)` for None, `_assert(arg == value)` otherwise; None when the
    placeholder is read otherwise (an input)."""
    found: set[Any] = set()
    for user in node.users:
        if _name(user) == "_assert_is_none":
            found.add(user)
        elif _name(user) == "eq" and user.users and all(_name(check) == "_assert" for check in user.users):
            found |= {user, *user.users}
        else:
            return None
    return found


def _simplified(value: object) -> object:
    """(3, 3) as 3, as PyTorch takes one int where every axis has it."""
    if isinstance(value, tuple | list) and value and all(v == value[0] for v in value):
        return value[0]
    return value


def _linear_weights(node: Any) -> bool:
    """Whether F.linear, a norm or a convolution function alone takes the parameter, as its
    weights (through PASSED calls and changes in place): that layer counts it, no Parameter row."""
    if not node.users:
        return False
    for user in node.users:
        if _name(user) in WEIGHTED and _input(user) is not node and _owns_weights(user):
            continue
        if user.op == "call_method" and _name(user) in PASSED and _linear_weights(user):
            continue
        if _only_mutated(user) or (_mutation(user) and not user.users and user.args[:1] == (node,)) or _reads_size(user):
            continue  # (changed in place itself: `x.mul_(gain)` reads the gain, DM-NFNet's skip-init)
        return False
    return True


def _owns_weights(node: Any) -> bool:
    """Whether F.conv2d (1-3 d) or F.batch_norm reads a module's own weight (through PASSED
    calls), the layer then that module's; False where the forward computes it (a weight
    standardized), or where F.batch_norm takes neither weight nor running statistics of one."""
    name = _name(node)
    arguments = CONVOLUTION_ARGUMENTS if name in CONVOLUTIONS else NORMS.get(name)
    if arguments is None:
        return True
    given: dict[str, Any] = dict(zip(arguments, node.args, strict=False)) | dict(node.kwargs)
    return getattr(_held(given.get("weight")), "op", None) == "get_attr"


def _input(node: Any) -> Any:
    """The tensor a WEIGHTED call computes on: addmm's second argument (its first is the bias),
    the others' first."""
    return node.args[1] if _name(node) == "addmm" else node.args[0]


def _reads_size(node: Any) -> bool:
    """`x.size(0)`, `x.shape`, `x.numel()`, `x.dim()`, and `x.device`, `x.dtype` (XCiT's
    positional encoding asks its projection's weight where to make its grid): no values read."""
    name = _name(node) if node.op in ("call_function", "call_method") else ""
    return name in ("size", "numel", "dim") or (name == "getattr" and node.args[1:2] in (("shape",), ("device",), ("dtype",)))


def _product(shape: Shape) -> int | None:
    found = 1
    for size in shape:
        if size is None:
            return None
        found *= size
    return found


def _unknown(value: Any) -> bool:
    """Whether a size (or a tuple of them) holds the unknown batch."""
    return value is None or (isinstance(value, tuple | list) and any(_unknown(v) for v in value))


def _flat(value: Any) -> list[Any]:
    """The tensors in a nest of tuples, lists and dicts (a segmentation model returns {"out": x}), in order."""
    if isinstance(value, dict):
        value = list(value.values())
    return [v for item in value for v in _flat(item)] if isinstance(value, tuple | list) else [value]


def inherited(kind: type, known: Container[str]) -> str | None:
    """The torch.nn class a module of class `kind` is read as when convcalc's vocabulary does not
    name `kind` itself: its nearest torch.nn base in the vocabulary whose forward it inherits
    unchanged (torchvision's video Conv3DSimple is an nn.Conv3d with another constructor), so
    computing it is computing that base; None when it has none, or overrides forward.

    >>> Conv3d = type("Conv3d", (), {"__module__": "torch.nn.modules.conv", "forward": lambda self, x: x})  # torch's
    >>> class Conv(Conv3d): ...
    >>> class Logged(Conv3d):
    ...     def forward(self, x): return super().forward(x)
    >>> inherited(Conv, {"Conv3d"}), inherited(Logged, {"Conv3d"})
    ('Conv3d', None)
    """
    for base in kind.__mro__[1:]:
        if base.__name__ in known and str(base.__module__).startswith("torch.nn."):
            return base.__name__ if getattr(kind, "forward", None) is getattr(base, "forward", None) else None
    return None


def _by_name(function: Any, args: list[Any], kwargs: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    """The function's arguments after the first by their names (their modules order them otherwise)."""
    try:
        parameters = inspect.signature(_dispatched(function)).parameters.values()
    except (TypeError, ValueError):
        return args, kwargs
    names = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(args) > len(names):  # more than it names (a *args): left as they are
        return args, kwargs
    bound = dict(zip(names[1:], args[1:], strict=False))
    return args[:1], {**bound, **kwargs}


def _dispatched(function: Any) -> Any:
    """The function a torch boolean_dispatch wrapper calls: F.max_pool2d is `(*args, **kwargs)`,
    choosing between _max_pool2d and max_pool2d_with_indices (one signature) by return_indices;
    torch/_jit_internal.py keeps the pair in `boolean_dispatched`. Any other function is itself."""
    import sys

    table = getattr(sys.modules.get("torch._jit_internal"), "boolean_dispatched", None)
    found = table.get(function) if table is not None else None
    return found["if_false"] if isinstance(found, dict) and "if_false" in found else function


def _shape(meta: Any, exact: bool = False) -> Shape | None:
    """One output's shape from its tensor metadata: the batch unknown, unless `exact`."""
    if not hasattr(meta, "shape"):
        return None
    dims = tuple(int(d) for d in meta.shape)
    return (None, *dims[1:]) if dims and not exact else dims


def _comment(recorded: dict[str, tuple[Shape | None, ...]], layer: Layer, blocks: list[Any]) -> str:
    shapes = recorded.get(str(layer.name), ())
    return ", ".join(format_shape(s) for s in shapes if s is not None)


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


def _batch_size(node: Any, index: int, rank: int, factor: int = 1) -> object:
    """An unknown size in an Expand (ViT's `class_token.expand(n, -1, -1)`, n = x.shape[0]), or an
    unknown count in a Repeat of an axis of `factor` (`class_token.repeat(n, 1, 1)`), as the spec
    reads it from the input, where the traces show it is the batch itself, so the spec runs at any
    batch; else None, an unknown size (a multiple of the batch included: a few traces cannot tell
    `2 * n` from every other function of n that agrees at BATCHES)."""
    traced = node.meta.get(SHAPES)  # the output's shape under each batch: one size per dim
    if not traced or any(len(t) != rank for t in traced):
        return None
    if any(t[index] != factor * batch for t, batch in zip(traced, BATCHES, strict=True)):
        return None
    return Arithmetic("shape(input)[0]")


def shape_of(node: Any) -> Shape | None:
    """A node's output shape with the batch unknown: the dims that differ between the traces
    at BATCHES (torch_tracer.py), else dim 0."""
    meta = node.meta.get("tensor_meta")
    if meta is None or not hasattr(meta, "shape"):
        return None
    dims = tuple(int(d) for d in meta.shape)
    traced = node.meta.get(SHAPES)
    if traced is not None and len(traced[0]) == len(dims) and all(len(t) == len(dims) for t in traced):
        return tuple(None if any(t[i] != traced[0][i] for t in traced) else dims[i] for i in range(len(dims)))
    return (None, *dims[1:]) if dims else dims
