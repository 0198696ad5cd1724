"""ONNX models (`pip install 'convcalc[onnx]'`), written in PyTorch's vocabulary: ONNX counts
dims as PyTorch does, batch first, channels next.

The graph is read from the node list: each node's op type and attributes, the dims of the
initializers it takes (onnx_model.py never reads a weight's values), and the shapes ONNX gives
its tensors (the file's own `value_info`, completed by onnx's shape inference), which the
mapping needs (a batch norm's rank) and the import checks. onnx_ops.py maps each operator.

What exporters leave in a graph is read as what it stands for, and said in the spec's header:
- `Identity` nodes handing an initializer on under another name (torch.onnx deduplicates equal
  initializers: every fresh BatchNorm's weight is ones) are that initializer;
- shape arithmetic (Shape, Gather, Unsqueeze, Concat... feeding a Reshape) is followed as
  constants, a dim it cannot know (an unknown batch) being -1 in the Reshape;
- a convolution whose weights the exporter computed (constant folding folds the BatchNorm after
  it into its weights and bias) is the convolution the file holds, and is named as folded;
- a MatMul by an initializer and the Add of a bias after it are one Linear; a Gemm is a Linear,
  whichever way its weights are stored;
- a tensor computed from constants alone (Swin's shifted-window mask) is one Buffer of its shape
  where a layer takes it, stored indices a Buffer of their dtype, and a tensor the exporter
  computed from parameters (Swin's relative position bias, folded) a Parameter, said so;
- torch.roll (two Slices of a tensor concatenated the other way round) is a Roll.
Names are the module paths exporters record (`/layer1/layer1.0/conv1/Conv` and torch.export's
name scopes are `layer1_0_conv1`), or the parameters' names (`layer1.0.conv1.weight`).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any

from convcalc.errors import Location, SpecError
from convcalc.ops.layout import format_shape
from convcalc.ops.tensor import Shape
from convcalc.sources.draft import Arithmetic, Draft, Layer
from convcalc.sources.onnx_model import INTEGER_DTYPES, KEEP_INTEGERS, load
from convcalc.sources.onnx_ops import OPS, slice_bounds

Dims = tuple[int | None, ...]
Value = tuple[Dims, list[Any]]  # a constant's dims and its values, flat; None for an unknown size


class _Batch:
    """A value that is the dynamic batch's size itself (dim 0 of a tensor ONNX gives the input's
    batch dim_param), as Shape, Gather, Concat... carry it: an Expand to it is an expand to the
    batch (`shape(input)[0]`). Any arithmetic on it is an unknown size (None)."""

    def __repr__(self) -> str:
        return "BATCH"


BATCH = _Batch()

SHAPE_OPS = frozenset(
    {"Constant", "Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Slice", "Cast", "Identity", "Add", "Sub", "Mul", "Div"}
    | {"Reshape", "ConstantOfShape", "Size", "Equal", "Where", "Mod", "Sqrt", "Transpose", "Pow", "Ceil", "Floor", "Clip"}
)
"""Operators followed as arithmetic on constants when every input they take is known. A file
decides the values: a constant is followed only while it has at most KEEP_INTEGERS elements and
its integers fit in int64, as ONNX's own would, so a crafted graph (a Gather or Concat growing a
constant, a Pow of a huge exponent) ends the following, never the memory or the time."""
INT64 = range(-(2**63), 2**63)
DTYPES = {1: "float32", 10: "float16", 11: "float64", 16: "bfloat16"} | INTEGER_DTYPES
"""TensorProto's element types as a Buffer's dtype names them."""
DEDUPLICATED = (
    "Identity nodes handing an initializer on under another name (the exporter's deduplication of equal "
    "initializers): read as the initializer"
)
SPLIT = "a Slice of a tensor: the piece of a Split that cuts off what lies before and after it"
TRANSPOSED = (
    "a Transpose of an initializer (a Linear's weight, exported unfolded): read as an initializer of the transposed shape"
)
NAN_GUARD = "Where(IsNaN(x), 0, x) after a softmax (a row masked whole is zeros, not NaN): read as x"
WEIGHTED = frozenset({"Conv", "ConvTranspose", "Gemm", "MatMul"})
"""Operators whose second input, an initializer, is the weights of the layer they become."""
SHARED_WEIGHTS = (
    "an initializer that is the weights of two layers or more (tied in the model, or equal values the exporter merged, "
    "which ONNX cannot tell apart): counted at each layer, as torch counts untied weights"
)
PARAMETER_SUFFIXES = (".weight", ".bias", ".scale", ".gamma", ".beta")
ANONYMOUS = re.compile(r"^(onnx::|val_|_v_|const|initializer|_val)|^\d+$")
"""Initializer names an exporter made up (torch.onnx's `onnx::Conv_193`, torch.export's `val_226`)."""


def draft(path: str) -> Draft:
    """The Draft of the ONNX model in `path`."""
    model, light = load(path)
    return _Importer(path, model, light.dropped).draft()


class _Node:
    """One ONNX node as onnx_ops' mappings read it (the Node protocol)."""

    def __init__(self, importer: _Importer, node: Any) -> None:
        from onnx import helper

        self.importer = importer
        self.node = node
        self.op = str(node.op_type)
        self.name = str(node.name)
        self.opset = importer.opset
        self.raw_inputs = [str(name) for name in node.input]  # the names the node gives them (a parameter's own)
        self.inputs = [importer.resolve(name) for name in node.input]
        self.outputs = [str(name) for name in node.output]
        self.attrs: dict[str, Any] = {}
        for attribute in node.attribute:
            try:
                self.attrs[attribute.name] = helper.get_attribute_value(attribute)
            except Exception:  # an attribute of a type onnx does not know
                raise self.fail(f"attribute {attribute.name!r} cannot be read") from None

    def where(self) -> str:
        return f"{self.op} node {self.name!r}" if self.name else f"{self.op} node #{self.importer.index}"

    def fail(self, message: str, hint: str = "") -> SpecError:
        return SpecError.at(Location(self.importer.path), "CC003", f"{self.where()}: {message}", hint)

    def note(self, text: str) -> None:
        self.importer.notes[text] += 1

    def count(self) -> int:
        return len(self.inputs)

    def batch(self) -> Arithmetic | None:
        first = self.importer.first_input
        return Arithmetic(f"shape({first})[0]") if first is not None else None

    def is_batch(self, value: object) -> bool:
        return value is BATCH

    def settled(self) -> Dims | None:
        """The output's shape as inferred with the dynamic batch fixed (_Importer.settled)."""
        return self.importer.settled(self.outputs[0]) if self.outputs else None

    def given(self, index: int) -> bool:
        return index < len(self.inputs) and self.inputs[index] != ""

    def ref(self, index: int) -> str:
        if not self.given(index):
            raise self.fail(f"input {index} is missing")
        return self.importer.ref(self.raw_inputs[index], self)

    def refs(self) -> list[str]:
        return [self.importer.ref(name, self) for name in self.raw_inputs if name]

    def shape(self, index: int) -> Dims | None:
        return self.importer.shape(self.inputs[index]) if self.given(index) else None

    def rank(self, index: int) -> int:
        shape = self.shape(index)
        if shape is None:
            raise self.fail(f"input {index}'s rank is needed and the file does not give it")
        return len(shape)

    def output_shape(self, index: int = 0) -> Dims | None:
        return self.importer.shapes.get(self.outputs[index]) if index < len(self.outputs) else None

    def weight(self, index: int) -> tuple[int, ...] | None:
        return self.importer.initializers.get(self.inputs[index]) if self.given(index) else None

    def value(self, index: int) -> list[Any] | None:
        found = self.sizes(index)
        return None if found is None else [None if v is BATCH else v for v in found]

    def sizes(self, index: int) -> list[Any] | None:
        """value(), with the batch's size itself BATCH (an Expand's target: `shape(input)[0]`)."""
        found = self.importer.values.get(self.inputs[index]) if self.given(index) else None
        return None if found is None else found[1]

    def integers(self, index: int, what: str) -> list[int]:
        found = self.value(index)
        if found is None or not all(isinstance(v, int) for v in found):
            raise self.fail(f"{what} is computed from values the importer cannot follow")
        return [int(v) for v in found]


class _Importer:
    def __init__(self, path: str, model: Any, dropped: int) -> None:
        self.path = path
        self.model = model
        self.graph = model.graph
        self.dropped = dropped
        self.opset = next((int(o.version) for o in model.opset_import if o.domain in ("", "ai.onnx")), 1)
        self.index = 0
        self.initializers: dict[str, tuple[int, ...]] = {}
        self.values: dict[str, Value] = {}
        self.shapes: dict[str, Dims] = {}
        self.aliases: dict[str, str] = {}
        self.weighed: set[str] = set()  # the initializers a Conv, Gemm or MatMul took as its weights, by the names given
        self.consumed: set[str] = set()  # outputs of nodes a pattern read whole (group_norm): no rows of their own
        self.makers: dict[str, Any] = {}  # a tensor -> the node that makes it (maker(), built when first asked)
        self.refs: dict[str, str] = {}  # a tensor -> the spec's ref for it
        self.layers: list[Layer] = []
        self.names: set[str] = {"input"}
        self.parameters: dict[str, str] = {}  # an initializer used as an operand -> its Parameter layer
        self.recorded: dict[str, tuple[Shape | None, ...]] = {}
        self.notes: Counter[str] = Counter()
        self.folded: list[str] = []
        self.exported: list[str] = []  # the Parameters of tensors the exporter computed (onnx::Add_N)
        self.transposed: list[str] = []  # the Linear layers whose weights constant folding transposed
        self.followed: Counter[str] = Counter()
        self.constants: Counter[str] = Counter()  # nodes computing constants whose values are not followed
        self.renamed = False
        self.first_input: str | None = None  # with a dynamic batch: the input whose dim 0 is its size
        self.batch_param = ""  # the dynamic batch's dim_param, "" for none
        self.fixed: dict[str, Dims] | None = None  # settled(): the shapes inferred at two fixed batches, once asked
        self.derived: set[str] = set()  # shapes ONNX's inference left unknown, worked out from constants
        self.splits: dict[tuple[str, int, tuple[int, ...]], str] = {}  # (tensor, axis, sections) -> its Split
        self.integral: dict[str, str] = {}  # an initializer of integers (indices, a buffer) -> its dtype, torch's name
        self.origins: dict[str, str] = {}  # a transposed initializer -> the initializer it transposes
        self.elements: dict[str, int] = {}  # a tensor's element type (TensorProto's), where ONNX gives it
        self.named: dict[str, tuple[str, ...]] = {}  # a tensor's dim_params ("" for a size or none), where it has one
        self.computed: dict[str, Dims | None] = {}
        self.declared = _declared(self.graph)  # a tensor made from constants alone, values not followed -> its shape

    # --- reading the graph

    def draft(self) -> Draft:
        self.read_initializers()
        self.read_shapes()
        inputs, batch = self.graph_inputs()
        nodes = list(self.graph.node)
        self.consumers: Counter[str] = Counter(self.resolve(name) for node in nodes for name in node.input if name)
        self.consumers.update(output.name for output in self.graph.output)
        self.containers = self.module_containers(nodes)
        for self.index, node in enumerate(nodes):
            self.convert(node)
        outputs = tuple(self.ref(output.name, None) for output in self.graph.output)
        if not self.layers:
            raise SpecError.at(Location(self.path), "CC003", "the graph has no node convcalc writes as a layer")
        last = self.layers[-1].name
        expect: dict[str, object] = {}
        shape = self.shapes.get(self.resolve(self.graph.output[0].name)) if self.graph.output else None
        if shape is not None and all(d is not None for d in shape[1:]):
            expect["output_shape"] = shape
        return Draft(
            "pytorch",
            inputs,
            tuple(self.layers),
            name=self.model_name(),
            batch=batch,
            outputs=() if outputs == (last,) else outputs,
            expect=expect,
            recorded=self.recorded,
            header=self.header(len(nodes)),
            mode="train" if any(_trains(node) for node in nodes) else "eval",
        )

    def model_name(self) -> str | None:
        name = str(self.graph.name)
        if name and name not in ("main_graph", "torch_jit", "torch-jit-export", "main"):
            return name
        stem = self.path.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
        return stem or None

    def read_initializers(self) -> None:
        from onnx import numpy_helper

        for tensor in self.graph.initializer:
            dims = tuple(int(d) for d in tensor.dims)
            self.initializers[tensor.name] = dims
            self.elements[tensor.name] = int(tensor.data_type)
            if tensor.data_type in INTEGER_DTYPES:
                self.integral[tensor.name] = INTEGER_DTYPES[tensor.data_type]
            if tensor.raw_data or tensor.int64_data or tensor.int32_data or tensor.float_data or tensor.double_data:
                try:
                    array = numpy_helper.to_array(tensor)
                except Exception:
                    continue
                self.values[tensor.name] = (dims, array.reshape(-1).tolist())

    def read_shapes(self) -> None:
        """Every tensor's shape ONNX knows: the file's value_info, inputs and outputs, and what
        onnx's shape inference adds (its failure costs only the check)."""
        import onnx

        graphs = [self.graph]
        try:
            inferred = onnx.shape_inference.infer_shapes(self.model, check_type=False, strict_mode=False, data_prop=True)
            graphs.append(inferred.graph)
        except Exception:
            self.notes["onnx's shape inference failed on this graph: only the shapes the file records are checked"] += 1
        for graph in graphs:
            for info in (*graph.input, *graph.value_info, *graph.output):
                if info.name in self.shapes or not info.type.HasField("tensor_type"):
                    continue
                tensor = info.type.tensor_type
                self.elements.setdefault(info.name, int(tensor.elem_type))
                if tensor.HasField("shape"):
                    self.shapes[info.name] = tuple(
                        int(d.dim_value) if d.HasField("dim_value") and d.dim_value > 0 else None for d in tensor.shape.dim
                    )
                    params = tuple(str(d.dim_param) if d.HasField("dim_param") else "" for d in tensor.shape.dim)
                    if any(params):
                        self.named[info.name] = params
        for name, dims in self.initializers.items():
            self.shapes.setdefault(name, dims)

    def graph_inputs(self) -> tuple[tuple[tuple[str, Shape], ...], int | None]:
        found = [info for info in self.graph.input if info.name not in self.initializers]
        if not found:
            raise SpecError.at(Location(self.path), "CC003", "the graph has no input besides its initializers")
        inputs = []
        batches = set()
        for info in found:
            shape = self.shapes.get(info.name)
            if shape is None or not shape:
                raise SpecError.at(Location(self.path), "CC003", f"the graph input {info.name[:60]!r} has no shape")
            name = "input" if len(found) == 1 else self.unique(info.name)
            self.refs[info.name] = name
            batches.add(shape[0])
            inputs.append((name, shape[1:]))
        if len(batches) > 1:
            raise SpecError.at(Location(self.path), "CC003", f"the inputs have different batch sizes {sorted(map(str, batches))}")
        batch = batches.pop()
        if batch is None:  # dynamic: its size is read from the first input, and ONNX names it (dim_param "batch")
            self.first_input = inputs[0][0]
            self.batch_param = self.named.get(found[0].name, ("",))[0]
        return tuple(inputs), batch

    def settled(self, tensor: str) -> Dims | None:
        """A tensor's shape as onnx's inference (with data propagation) gives it once the dynamic
        batch is fixed at 2 and once at 3: each size equal under both, None where they differ (the
        batch's share, `B * patch_area`) or stay unknown. The dynamic-batch inference loses the
        sizes a Reshape computes from the batch (MobileViT's `reshape(B * P, N, -1)`, LeViT's
        `view(B, N, heads, -1)` after a BatchNorm over the flattened tokens); fixed, it follows
        them. Worked out for the whole graph the first time it is asked."""
        if self.fixed is None:
            self.fixed = self.fixed_batches()
        return self.fixed.get(tensor)

    def fixed_batches(self) -> dict[str, Dims]:
        import copy

        import onnx

        found: list[dict[str, Dims]] = []
        for batch in (2, 3) if self.batch_param else ():
            model = copy.deepcopy(self.model)  # the large tensors' values are not in it (onnx_model.load)
            for info in (*model.graph.input, *model.graph.output):
                for dim in info.type.tensor_type.shape.dim:
                    if dim.HasField("dim_param") and dim.dim_param == self.batch_param:
                        dim.dim_value = batch  # (dim_value and dim_param are one field: the name goes)
            del model.graph.value_info[:]  # stated with the batch's name
            try:
                inferred = onnx.shape_inference.infer_shapes(model, check_type=False, strict_mode=False, data_prop=True)
            except Exception:
                return {}
            found.append({info.name: _dims(info) for info in (*inferred.graph.value_info, *inferred.graph.output)})
        if len(found) != 2:
            return {}
        first, second = found
        return {
            name: tuple(a if a == b else None for a, b in zip(dims, second[name], strict=True))
            for name, dims in first.items()
            if name in second and len(second[name]) == len(dims)
        }

    def made_up(self, tensor: str) -> bool:
        """An initializer the exporter computed rather than a parameter of the model: torch.onnx
        names those `onnx::MatMul_N`; torch.export's exporter records the model's parameters and
        buffers in the graph's signature, and anything else (`val_68`, `unsqueeze_1`) is its own."""
        if tensor.startswith("onnx::"):
            return True
        return self.declared is not None and tensor in self.initializers and tensor not in self.declared

    def shape(self, tensor: str) -> Dims | None:
        """A tensor's shape: ONNX's, or the one worked out for a tensor computed from constants."""
        found = self.shapes.get(tensor)
        if found is None and tensor in self.computed:
            found = self.computed[tensor]
        return found

    def resolve(self, name: str) -> str:
        """A tensor's name, past the Identity nodes that only pass it on."""
        seen = 0
        while name in self.aliases and seen < 10_000:
            name = self.aliases[name]
            seen += 1
        return name

    def ref(self, tensor: str, node: _Node | None) -> str:
        """The spec's name for a tensor: a layer's output, a graph input, or a Parameter layer
        written for an initializer taken as an operand."""
        own = tensor
        tensor = self.resolve(tensor)
        if tensor in self.refs:
            return self.refs[tensor]
        if tensor in self.initializers:
            if own != tensor and own in self.aliases:  # a deduplicated copy: the model's own tensor
                tensor = own
                self.initializers.setdefault(own, self.initializers[self.resolve(own)])
                if self.resolve(own) in self.integral:
                    self.integral.setdefault(own, self.integral[self.resolve(own)])
            if tensor not in self.parameters:
                dims = self.initializers[tensor]
                dtype = self.integral.get(tensor)
                if dtype is not None:  # indices: torch's parameters are floats, so a buffer
                    name = self.unique(tensor if not ANONYMOUS.search(tensor) else "buffer")
                    self.layers.append(Layer("Buffer", (dims,), {"dtype": dtype}, name))
                    self.notes["an initializer of integers taken as an operand (indices): a Buffer of its shape"] += 1
                else:
                    name = self.unique(tensor.removesuffix(".weight") if not ANONYMOUS.search(tensor) else "parameter")
                    comment = f"{tensor}: computed by the exporter" if self.made_up(tensor) else ""
                    self.layers.append(Layer("Parameter", (dims,), {}, name, comment=comment))
                    if comment:
                        self.exported.append(name)
                    self.notes["an initializer taken as an operand (not as a layer's weights): a Parameter of its shape"] += 1
                self.parameters[tensor] = name
            return self.parameters[tensor]
        if tensor in self.computed or tensor in self.values:
            return self.buffer(tensor, node)
        where = f"{node.where()}: " if node else ""
        raise SpecError.at(Location(self.path), "CC003", f"{where}the tensor {tensor[:60]!r} is made by no node before it")

    def buffer(self, tensor: str, node: _Node | None) -> str:
        """A tensor the graph computes from constants alone (Swin's shifted-window mask, built
        from the sizes by ScatterND, Reshape, Equal and Where), taken by a layer: one Buffer of
        its shape, which holds no parameters."""
        shape = self.computed[tensor] if tensor in self.computed else self.values[tensor][0]
        where = f"{node.where()}: " if node else ""
        if shape is None or None in shape:
            raise SpecError.at(
                Location(self.path), "CC003", f"{where}takes a tensor computed from constants whose shape ONNX does not give"
            )
        values = self.values[tensor][1] if tensor in self.values else None
        if values is not None and all(isinstance(v, bool) for v in values):
            dtype = "bool"
        elif values is not None and all(isinstance(v, int) for v in values):
            dtype = "int64"
        else:
            dtype = DTYPES.get(self.elements.get(tensor, 1), "float32")
        kwargs: dict[str, object] = {"persistent": False} | ({"dtype": dtype} if dtype != "float32" else {})
        module = _module_path(node.node)[0] if node else ""
        name = self.unique(f"{module}.constant" if module else "constant")
        self.layers.append(Layer("Buffer", (shape,), kwargs, name))
        self.notes["a tensor computed from constants alone and taken by a layer (a mask): a Buffer of its shape"] += 1
        self.refs[tensor] = name
        return name

    # --- one node

    def convert(self, proto: Any) -> None:
        if proto.output and (proto.output[0] in self.aliases or proto.output[0] in self.consumed):
            return  # the bias of a Linear, a GroupNorm's parts: already written
        node = _Node(self, proto)
        passed = node.op == "Identity" or (node.op == "Cast" and node.given(0) and node.inputs[0] not in self.values)
        if passed and node.given(0):
            self.aliases[node.outputs[0]] = node.inputs[0]
            if node.inputs[0] in self.initializers:
                self.notes[DEDUPLICATED] += 1
            elif node.op == "Cast":
                self.notes["Cast nodes (a change of dtype, not of shape): left out"] += 1
            return
        if proto.domain not in ("", "ai.onnx"):
            raise node.fail(f"an operator of domain {proto.domain!r}", hint="convcalc reads the standard ONNX operators")
        if node.op in SHAPE_OPS and self.evaluate(node):
            self.followed[node.op] += 1
            return
        if node.op == "Transpose" and node.given(0) and node.inputs[0] in self.initializers:
            dims = self.initializers[node.inputs[0]]
            perm = [int(p) for p in node.attrs.get("perm", reversed(range(len(dims))))]
            self.initializers[node.outputs[0]] = tuple(dims[p] for p in perm)
            self.shapes.setdefault(node.outputs[0], self.initializers[node.outputs[0]])
            self.origins[node.outputs[0]] = node.raw_inputs[0]
            self.notes[TRANSPOSED] += 1
            return
        if self.from_constants(node):
            return
        if node.op == "Reshape" and self.group_norm(node):
            return
        if node.op == "IsNaN" and self.nan_guard(node):
            return
        if node.op == "Concat" and self.roll(node):
            return
        if node.op == "Slice" and node.given(0) and node.inputs[0] not in self.values and self.slice(node):
            return
        if node.op == "Constant" and "value" in node.attrs:  # too large to follow: a tensor like an initializer
            value = node.attrs["value"]
            self.initializers[node.outputs[0]] = tuple(int(d) for d in value.dims)
            self.shapes.setdefault(node.outputs[0], self.initializers[node.outputs[0]])
            if value.data_type in INTEGER_DTYPES:  # CoAtNet's relative position index: a Buffer, as an initializer's
                self.integral[node.outputs[0]] = INTEGER_DTYPES[value.data_type]
            return
        mapping = OPS.get(node.op)
        if mapping is None:
            raise node.fail("an operator convcalc does not map to a layer", hint="docs/import.md lists the operators it reads")
        try:
            layers = mapping(node)
        except (TypeError, ValueError, KeyError, IndexError, AttributeError, ZeroDivisionError, OverflowError) as exc:
            # attributes of the wrong type or value: the file's, never the mapping's
            raise node.fail(f"an attribute or input the operator does not take ({type(exc).__name__}: {str(exc)[:80]})") from None
        if not layers:
            self.aliases[node.outputs[0]] = node.inputs[0]
            return
        if node.op in WEIGHTED and node.given(1) and node.inputs[1] in self.initializers:
            if node.raw_inputs[1] in self.weighed:  # one tensor under one name (a copy would be an Identity's)
                self.notes[SHARED_WEIGHTS] += 1
            self.weighed.add(node.raw_inputs[1])
        name = self.unique(self.path_of(node))
        layers = self.fused(node, layers)
        previous = None
        for position, layer in enumerate(layers):
            last = position == len(layers) - 1
            own = name if last else self.unique(f"{name}_{layer.type.lower()}")
            inputs = layer.inputs
            if inputs is None:
                inputs = (previous,) if previous is not None else (node.ref(0),)
            if last:
                shapes = [self.known(output) for output in node.outputs if output]
                shown = [shape_text(shape) for shape in shapes if shape is not None]
                layer = layer.replace(comment="; ".join(filter(None, (", ".join(shown), layer.comment))))
            self.add(layer.replace(name=own, inputs=inputs))
            previous = own
        assert previous is not None
        self.complete(node)
        for index, output in enumerate(node.outputs):
            if output:
                self.refs[output] = previous if index == 0 else f"{previous}[{index}]"
                shape = self.known(output)
                if shape is not None:
                    recorded = list(self.recorded.get(previous, ()))
                    recorded += [None] * (index + 1 - len(recorded))
                    recorded[index] = shape
                    self.recorded[previous] = tuple(recorded)

    def group_norm(self, node: _Node) -> bool:
        """torch.onnx's GroupNorm(G, C) (symbolic_opset9.group_norm): Reshape(x, [0, G, -1]),
        InstanceNormalization by G constant ones and zeros, Reshape back to Shape(x), then Mul
        by the weight and Add of the bias, each unsqueezed to (C, 1, ...) (constants of one value
        when affine=False): one GroupNorm row, named by its module, its weights counted there."""
        target, shape = node.value(1), node.shape(0)
        if target is None or len(target) != 3 or target[0] != 0 or target[2] != -1 or shape is None or len(shape) < 3:
            return False
        groups, channels = target[1], shape[1]
        chain = self.chain(node.outputs[0], ("InstanceNormalization", "Reshape", "Mul", "Add"))
        if not isinstance(groups, int) or channels is None or chain is None:
            return False
        norm, back, scale, shift = chain
        if any(self.constant_dims(name) != (groups,) for name in norm.input[1:3]):
            return False  # InstanceNormalization's scale and bias: G constants, made by the exporter
        found = [self.affine_weight(proto, previous) for proto, previous in ((scale, back), (shift, scale))]
        weights = [weight for weight in found if weight is not None]
        sizes = {size for size, _ in weights}
        if len(weights) != 2 or sizes not in ({channels}, {1}):
            return False
        affine = sizes == {channels} != {1}
        kwargs: dict[str, object] = {}
        eps = float(next((a.f for a in norm.attribute if a.name == "epsilon"), 1e-5))
        if not math.isclose(eps, 1e-5, rel_tol=1e-6):
            kwargs["eps"] = float(f"{eps:.6g}")
        if not affine:
            kwargs["affine"] = False
        own = self.unique(self.path_of(node))
        self.add(Layer("GroupNorm", (groups, channels), kwargs, own, (node.ref(0),), comment=shape_text(shape)))
        self.consumed |= {norm.output[0], back.output[0], scale.output[0], shift.output[0]}
        self.consumed |= {unsqueezed for _, unsqueezed in weights if unsqueezed}
        self.refs[shift.output[0]] = own
        self.shapes[shift.output[0]] = shape
        self.recorded[own] = (shape,)
        self.notes["torch.onnx's GroupNorm (a Reshape, InstanceNormalization, a Reshape back, Mul and Add): one GroupNorm"] += 1
        return True

    def nan_guard(self, node: _Node) -> bool:
        """`Where(IsNaN(x), 0, x)`, which torch.export writes after the softmax of
        scaled_dot_product_attention (a row masked whole is zeros, not NaN): x itself, the same
        shape, no row."""
        found = self.chain(node.outputs[0], ("Where",))
        if found is None or len(found[0].input) != 3:
            return False
        where = _Node(self, found[0])
        fill = where.inputs[1]
        dims = self.initializers[fill] if fill in self.initializers else self.constant_dims(fill)
        if where.inputs[2] != node.inputs[0] or not self.constant(fill) or dims not in ((), (1,)):
            return False
        self.aliases[where.outputs[0]] = node.inputs[0]
        self.notes[NAN_GUARD] += 1
        return True

    def chain(self, output: str, ops: tuple[str, ...]) -> list[Any] | None:
        """The nodes that take `output` one after another, each the only taker of the one before
        and of the operators `ops` in order, or None."""
        found: list[Any] = []
        for op in ops:
            users = [n for n in self.graph.node[self.index + 1 :] if output in n.input]
            if len(users) != 1 or self.consumers[output] != 1 or users[0].op_type != op:
                return None
            found.append(users[0])
            output = users[0].output[0]
        return found

    def affine_weight(self, proto: Any, previous: Any) -> tuple[int, str] | None:
        """The size of what a Mul or Add of a decomposed norm applies besides the tensor before
        it (`previous`'s output), and the Unsqueeze node's output that shaped an initializer for
        it ("" when it is an initializer or a constant itself); None when it is neither."""
        others = [name for name in proto.input if name != previous.output[0]]
        if len(others) != 1:
            return None
        other = self.resolve(others[0])
        if other in self.initializers:
            return math.prod(self.initializers[other]), ""
        dims = self.constant_dims(other)
        if dims is not None and None not in dims:
            return math.prod(d or 0 for d in dims), ""
        maker = self.maker(other)
        if maker is None or maker.op_type != "Unsqueeze":
            return None
        if self.resolve(maker.input[0]) in self.initializers:
            return math.prod(self.initializers[self.resolve(maker.input[0])]), other
        dims = self.constant_dims(maker.input[0])  # affine=False's 1 and 0, unfolded
        return (math.prod(d or 0 for d in dims), other) if dims is not None and None not in dims else None

    def constant_dims(self, name: str) -> Dims | None:
        """The dims of a constant the graph states (a Constant node, before or after the node
        being read), or None."""
        name = self.resolve(name)
        if name in self.values:
            return self.values[name][0]
        maker = self.maker(name)
        found = _constant(_Node(self, maker)) if maker is not None and maker.op_type == "Constant" else None
        return None if found is None else found[0]

    def maker(self, name: str) -> Any:
        """The node whose output `name` is, or None (an input or initializer)."""
        if not self.makers:
            self.makers = {output: proto for proto in self.graph.node for output in proto.output}
        return self.makers.get(name)

    def slice(self, node: _Node) -> bool:
        """`x[:, a:b]` (torch's chunk and narrow, as torch.onnx exports them) is one piece of
        Split: the pieces before and after it are cut off. The Slices of one tensor that cut
        it the same way share one Split (ShuffleNet's chunk is two Slices of one Split).
        False for a Slice of several axes or with a step: onnx_ops writes its Slice rows."""
        shape = node.shape(0)
        starts, ends, axes, steps = slice_bounds(node)
        if len(starts) != 1 or len(ends) != 1 or len(axes) != 1 or steps != [1]:
            return False
        if shape is None:
            raise node.fail("a Slice of a tensor whose shape the file does not give")
        axis = axes[0] % len(shape)
        size = shape[axis]
        if size is None:
            raise node.fail(f"a Slice of axis {axis}, whose size the file does not give")
        start, end = (max(0, min(v + size if v < 0 else v, size)) for v in (starts[0], ends[0]))
        if end <= start:
            raise node.fail(f"a Slice [{starts[0]}:{ends[0]}] of {size}: empty")
        sections = tuple(n for n in (start, end - start, size - end) if n)
        if sections == (size,):  # x[:, :H] of H rows (Swin's crop after padding by nothing): the tensor itself
            self.aliases[node.outputs[0]] = node.inputs[0]
            self.notes["a Slice that keeps all of its axis: the tensor it slices"] += 1
            return True
        piece = 1 if start else 0
        key = (node.inputs[0], axis, sections)
        if key not in self.splits:
            source = node.ref(0)
            args: tuple[object, ...] = (sections[0] if len(set(sections)) == 1 else list(sections), axis)
            name = self.unique(self.path_of(node))
            self.add(Layer("Split", args, {}, name, (source,)))
            self.splits[key] = name
            self.notes[SPLIT] += 1
        name = self.splits[key]
        self.refs[node.outputs[0]] = name if piece == 0 else f"{name}[{piece}]"
        self.complete(node)
        found = self.known(node.outputs[0])
        if found is not None:
            recorded = list(self.recorded.get(name, ()))
            recorded += [None] * (piece + 1 - len(recorded))
            recorded[piece] = found
            self.recorded[name] = tuple(recorded)
        return True

    def roll(self, node: _Node) -> bool:
        """`torch.roll(x, -k, dim)` as torch.onnx writes it, `x[k:]` and `x[:k]` concatenated
        along the dim: the Split the two Slices made, read by nothing else, becomes a Roll row
        where it stands, and the Concat is that row (Swin's cyclic shift, one Roll per dim)."""
        if len(node.inputs) != 2 or not all(node.inputs):
            return False
        first, second = (self.refs.get(tensor) for tensor in node.inputs)
        if second is None or first != f"{second}[1]" or second not in self.splits.values():  # a Split node stays one
            return False
        at = next((i for i, layer in enumerate(self.layers) if layer.name == second), None)
        if at is None or self.layers[at].type != "Split":
            return False
        sections, axis = self.layers[at].args
        rank = len(self.shape(node.inputs[0]) or ())
        if not isinstance(sections, list) or len(sections) != 2 or rank == 0 or int(node.attrs.get("axis", 0)) % rank != axis:
            return False
        readers = [tensor for tensor, ref in self.refs.items() if ref in (second, f"{second}[1]")]
        if sorted(readers) != sorted(node.inputs) or any(self.consumers[tensor] != 1 for tensor in node.inputs):
            return False
        size = sum(sections)
        shift = -sections[0] if 2 * sections[0] <= size else size - sections[0]
        self.layers[at] = self.layers[at].replace(type="Roll", args=(shift, axis), comment="")
        self.splits = {key: name for key, name in self.splits.items() if name != second}
        self.recorded.pop(second, None)
        self.refs[node.outputs[0]] = second
        self.complete(node)
        found = self.known(node.outputs[0])
        if found is not None:
            self.recorded[second] = (found,)
            self.layers[at] = self.layers[at].replace(comment=shape_text(found))
        self.notes["two Slices of a tensor concatenated the other way round (torch.roll): a Roll"] += 1
        self.notes[SPLIT] -= 1
        if self.notes[SPLIT] <= 0:
            del self.notes[SPLIT]
        return True

    def known(self, tensor: str) -> Dims | None:
        """A tensor's shape where ONNX knows every size but the batch's (what the import checks)."""
        shape = self.shapes.get(tensor) if tensor not in self.derived else None
        return shape if shape is not None and None not in shape[1:] else None

    def add(self, layer: Layer) -> None:
        previous = self.layers[-1].name if self.layers else "input"
        if layer.inputs == (previous,):
            layer = layer.replace(inputs=None)
        self.layers.append(layer)

    def fused(self, node: _Node, layers: list[Layer]) -> list[Layer]:
        """A MatMul's Linear with the bias the Add after it adds; a folded convolution named."""
        if node.op == "MatMul" and layers[-1].type == "Linear" and self.made_up(node.inputs[1]):
            self.transposed.append(self.path_of(node))
            comment = f"weights {node.inputs[1]}: the Linear's, transposed by the exporter"
            layers = [*layers[:-1], layers[-1].replace(comment=comment)]
        if node.op == "MatMul" and layers[-1].type == "Linear":
            (out_features,) = layers[-1].args[1:2]
            output = node.outputs[0]
            users = [n for n in self.graph.node[self.index + 1 :] if output in n.input]
            if len(users) == 1 and self.consumers[output] == 1 and users[0].op_type == "Add":
                bias = [self.resolve(n) for n in users[0].input if self.resolve(n) != output]
                if len(bias) == 1 and self.initializers.get(bias[0]) in ((out_features,), (1, out_features)):
                    self.aliases[users[0].output[0]] = output
                    self.notes["a MatMul by an initializer and the Add of its bias: one Linear"] += 1
                    kwargs = dict(layers[-1].kwargs)
                    kwargs.pop("bias", None)
                    return [*layers[:-1], layers[-1].replace(kwargs=kwargs)]
            self.notes["a MatMul by an initializer: a Linear without bias"] += 1
        if node.op == "Conv":
            folded = self.folded_into(node)
            if folded:
                self.folded.append(self.path_of(node))
                return [*layers[:-1], layers[-1].replace(comment=folded)]
        return layers

    def folded_into(self, node: _Node) -> str:
        """What the exporter folded into a convolution, as its comment: torch.export's rewriter
        records the BatchNorm by name; torch.onnx names the weights it computed `onnx::Conv_N`."""
        meta = {entry.key: entry.value for entry in node.node.metadata_props}
        if "FuseBatchNormIntoConv" in meta.get("pkg.onnxscript.rewriter.rule_name", ""):
            scopes = _scopes(meta)
            return f"{scopes[-2]} folded in" if len(scopes) >= 2 else "a batch norm folded in"
        weight = node.inputs[1] if node.given(1) else ""
        if weight.startswith("onnx::"):
            return f"folded: weights {weight}"
        return ""

    # --- names

    def module_containers(self, nodes: list[Any]) -> set[str]:
        """The module paths that hold other modules' nodes: a node there is a function call of
        its forward (`out += identity`), named by its op, not by the module."""
        paths = {_module_path(node)[0] for node in nodes}
        containers = {""}
        for path in paths:
            parts = path.split(".")
            containers.update(".".join(parts[:k]) for k in range(1, len(parts)))
        return containers

    def path_of(self, node: _Node) -> str:
        """A node's name: the module path of the parameters it takes, the one the exporter
        recorded, or the node's own name."""
        for index in (1, 0):
            weight = node.raw_inputs[index] if node.given(index) else ""
            weight = self.origins.get(weight, weight)  # F.linear(x, self.qkv.weight): the Linear's own name
            if (
                weight
                and node.inputs[index] in self.initializers
                and weight.endswith(PARAMETER_SUFFIXES)
                and not ANONYMOUS.search(weight)
            ):
                return weight.rsplit(".", 1)[0]
        module, op = _module_path(node.node)
        if module or op:
            if module and module not in self.containers:
                return module
            return f"{module}.{op}" if module else op
        return node.name or node.op.lower()

    def unique(self, raw: str) -> str:
        base = raw.replace(".", "_").replace("[", "_").replace("]", "_").strip() or "layer"
        if base != raw:
            self.renamed = True
        found, count = base, 0
        while found in self.names:
            count += 1
            found = f"{base}_{count}"
        self.names.add(found)
        return found

    # --- constants

    def evaluate(self, node: _Node) -> bool:
        """Follow a node of shape arithmetic: its outputs become constants. False when it
        takes a tensor whose values are unknown (it is then a layer)."""
        try:
            result = _evaluate(node, self)
        except (ValueError, IndexError, TypeError, ZeroDivisionError, OverflowError):
            return False
        if result is None or len(result[1]) > KEEP_INTEGERS:
            return False
        self.values[node.outputs[0]] = result
        return True

    def complete(self, node: _Node) -> None:
        """The output's shape where ONNX did not state all of it: what the mappings after it read."""
        stated = self.shapes.get(node.outputs[0]) if node.outputs else ()
        if stated is None or None in stated:  # the batch too: a fixed one ONNX lost through a Reshape to -1
            derived = _derived(node)
            if derived is not None:  # not checked: ONNX did not state it
                self.shapes[node.outputs[0]] = derived
                self.derived.add(node.outputs[0])
            elif stated is None or self.knows_more(node):
                self.infer(node)
        found = self.shapes.get(node.outputs[0]) if node.outputs else ()
        if node.op == "Reshape" and (found is None or sum(d is None for d in found) > 1):
            settled = self.settled(node.outputs[0])  # sizes from the batch: as inferred at two fixed batches
            if settled is not None and (found is None or len(found) == len(settled)):
                self.shapes[node.outputs[0]] = settled if found is None else tuple(a or b for a, b in zip(found, settled))
                self.derived.add(node.outputs[0])

    def knows_more(self, node: _Node) -> bool:
        """Whether the importer knows more of a node's inputs than onnx's inference did: a shape
        it worked out, or a value it followed. Otherwise inferring the node again gives what ONNX
        stated (a dynamic batch's None stays None) and is not done: in a dynamic-batch model that
        was every node."""
        return any(name in self.derived or (name in self.values and name not in self.initializers) for name in node.inputs)

    def infer(self, node: _Node) -> None:
        """The output shapes ONNX's inference left unknown, inferred again for this node alone
        with the values the importer followed: a Pad by pads computed through a Reshape, a
        reversing Slice and a Transpose (Swin's F.pad), which onnx's data propagation does not
        follow, and everything after it. Not checked: ONNX did not state them."""
        import onnx
        from onnx import TensorProto, helper

        types: dict[str, Any] = {}
        data: dict[str, Any] = {}
        for raw, name in zip(node.raw_inputs, node.inputs, strict=True):
            shape = self.shape(name) if name else None
            if not name or shape is None:
                continue
            found = self.values.get(name)
            integral = found is not None and all(isinstance(v, int) and not isinstance(v, bool) for v in found[1])
            element = self.elements.get(name) or (TensorProto.INT64 if integral else TensorProto.FLOAT)
            types[raw] = helper.make_tensor_type_proto(element, list(shape))
            if found is not None and integral and element == TensorProto.INT64 and all(v in INT64 for v in found[1]):
                data[raw] = helper.make_tensor(raw, TensorProto.INT64, [int(d or 0) for d in found[0]], found[1])
        try:
            schema = onnx.defs.get_schema(node.op, self.opset, "")
            inferred = onnx.shape_inference.infer_node_outputs(
                schema, node.node, types, data, opset_imports=list(self.model.opset_import)
            )
        except Exception:  # an operator or input onnx cannot infer alone: the shape stays unknown
            return
        for output, found in inferred.items():
            tensor = found.tensor_type
            if not tensor.HasField("shape"):
                continue
            dims = tuple(int(d.dim_value) if d.HasField("dim_value") and d.dim_value > 0 else None for d in tensor.shape.dim)
            known = self.shapes.get(output)
            if known is None or (len(known) == len(dims) and sum(d is None for d in dims) < sum(d is None for d in known)):
                self.shapes[output] = dims
                self.derived.add(output)
                self.elements.setdefault(output, int(tensor.elem_type))

    def constant(self, tensor: str) -> bool:
        """A tensor the graph does not compute from its input, and no weight: a value the
        importer followed, one computed from such, stored indices, an initializer the exporter
        named as its own constant (`onnx::Add_647`, torch.export's `val_166`), or a scalar it
        made (torch.export's `scalar_tensor_default`). A parameter of a few floats (ViT's class
        token of 8) is a weight whatever its values; so is a large tensor the exporter computed
        from parameters (torch.export's `index_2`, Swin's bias gathered from its table)."""
        if tensor in self.computed:
            return True
        if tensor in self.initializers:
            made = self.made_up(tensor) and tensor in self.values
            return tensor in self.integral or made or bool(ANONYMOUS.search(tensor))
        return tensor in self.values

    def from_constants(self, node: _Node) -> bool:
        """A node whose inputs are all constants and which is not shape arithmetic the importer
        follows (a mask's ScatterND, a large ConstantOfShape): its outputs are constants whose
        values the importer does not compute, only their shapes (ONNX's)."""
        given = [name for name in node.inputs if name]
        if not given or not all(self.constant(name) for name in given):
            return False
        if any(output and None in self.shapes.get(output, (None,)) for output in node.outputs):
            computed = _computed_shape(node)
            if computed is not None and node.outputs[0] not in self.shapes:
                self.shapes[node.outputs[0]] = computed
            self.infer(node)
        for output in node.outputs:
            if output:
                self.computed[output] = self.shapes.get(output)
        self.constants[node.op] += 1
        return True

    # --- the header

    def header(self, nodes: int) -> tuple[str, ...]:
        model = self.model
        producer = " ".join(p for p in (str(model.producer_name), str(model.producer_version)) if p)
        lines = [
            f"Imported by `convcalc import` from {self.path}: an ONNX model"
            f"{f' by {producer}' if producer else ''} (opset {self.opset}), {nodes} nodes.",
            "Comments: each layer's output shape as ONNX gives it (the file's value_info and onnx's shape "
            "inference), checked against convcalc's at import.",
        ]
        if self.renamed:
            lines.append("Names: the module paths the exporter recorded, '.' written '_' (a spec name has no '.').")
        if self.dropped:
            lines.append(f"The values of {self.dropped} initializers (the weights) were not read: only their shapes.")
        if self.followed:
            ops = ", ".join(f"{op} x{count}" for op, count in sorted(self.followed.items()))
            lines.append(
                f"Shape arithmetic followed as constants, not layers ({ops}): "
                "the sizes it computes are written in the layers that take them."
            )
        if self.constants:
            ops = ", ".join(f"{op} x{count}" for op, count in sorted(self.constants.items()))
            lines.append(
                f"Constants computed from constants alone ({ops}): not layers; where a layer takes one, "
                "it is a Buffer of its shape."
            )
        if self.folded:
            lines.append(
                f"Constant folding: {len(self.folded)} convolutions hold weights the exporter computed, "
                "a BatchNorm folded into each (its scale in the weights, its shift in the bias): the spec counts the folded "
                "network, which has a bias where the model had a BatchNorm."
            )
        if self.exported:
            lines.append(
                f"Constant folding: operands the exporter computed from the model's parameters ({len(self.exported)}; "
                "Swin's relative position bias from its table): each a Parameter of its shape, its comment naming it, "
                "counted as the file holds it, in place of what it was computed from."
            )
        if self.transposed:
            lines.append(
                f"Constant folding: {len(self.transposed)} MatMul nodes take a Linear's weights the exporter transposed "
                "(a new initializer, (in, out) for Linear's (out, in)): each is its Linear, the same count."
            )
        for note, count in self.notes.items():
            lines.append(f"{note} ({count}).")
        return tuple(lines)


def _derived(node: _Node) -> Dims | None:
    """The output shape of a node of the shape operators whose sizes are constants, where
    onnx's shape inference gave up (a Reshape to a shape computed through Mod and Slice)."""
    shape = node.shape(0)
    if shape is None:
        return None
    if node.op == "Reshape":
        return _reshaped(shape, node.value(1), bool(node.attrs.get("allowzero", 0)))
    if node.op == "Transpose":
        perm = node.attrs.get("perm", list(reversed(range(len(shape)))))
        return tuple(shape[int(p)] for p in perm)
    if node.op in ("Unsqueeze", "Squeeze"):
        axes = node.value(1) if node.given(1) else node.attrs.get("axes")
        if axes is None:
            return tuple(d for d in shape if d != 1) if node.op == "Squeeze" else None
        if node.op == "Squeeze":
            gone = {int(a) % len(shape) for a in axes}
            return tuple(d for i, d in enumerate(shape) if i not in gone)
        grown: list[int | None] = list(shape)
        rank = len(shape) + len(axes)
        for axis in sorted(int(a) % rank for a in axes):
            grown.insert(axis, 1)
        return tuple(grown)
    if node.op == "Pad" and node.given(1):  # F.pad by pads computed in the graph (Swin's)
        pads = node.value(1)
        if pads is None or len(pads) != 2 * len(shape) or any(not isinstance(v, int) for v in pads):
            return None
        return tuple(None if d is None else d + pads[i] + pads[i + len(shape)] for i, d in enumerate(shape))
    if node.op == "Gather" and node.value(1) is not None and node.shape(1) in ((), None):
        axis = int(node.attrs.get("axis", 0)) % len(shape)
        return shape[:axis] + shape[axis + 1 :]
    return None


def _reshaped(shape: Dims, target: list[Any] | None, allow_zero: bool) -> Dims | None:
    """A Reshape's output, the target's sizes with its one unknown worked out: a -1 from the
    input's known sizes, or, where the input has an unknown size (a dynamic batch), the one size
    of the target that takes it (a -1, or a size the graph computed from that batch: `x.view(B,
    nW, 7, 7, C)`), unknown too: the batch's share of it is not known.

    >>> _reshaped((2, 6, 4), [2, -1, 3], False), _reshaped((None, 6, 4), [None, 2, 3, 4], False)
    ((2, 8, 3), (None, 2, 3, 4))
    >>> _reshaped((None, 8, 7, 7, 96), [-1, 49, 96], False), _reshaped((None, 49, 96), [None, 8, 8, 7, 7, 96], False)
    ((None, 49, 96), (None, 8, 8, 7, 7, 96))
    >>> _reshaped((None, 6), [None, -1], False), _reshaped((6,), [4, -1], False)
    (None, None)
    """
    if target is None or any(v is not None and not isinstance(v, int) for v in target):
        return None
    sizes = [shape[i] if v == 0 and not allow_zero and i < len(shape) else v for i, v in enumerate(target)]
    unknown = [i for i, v in enumerate(sizes) if v is None or v == -1]
    if len(unknown) > 1 or (not unknown and None in shape):
        return None
    if not unknown:
        return tuple(sizes)
    if None in shape:
        sizes[unknown[0]] = None
        return tuple(sizes)
    given = math.prod(int(v) for v in sizes if v is not None and v != -1)
    known = math.prod(d for d in shape if d is not None)
    if given == 0 or known % given:
        return None
    sizes[unknown[0]] = known // given
    return tuple(sizes)


def _declared(graph: Any) -> set[str] | None:
    """The parameters' and buffers' names torch.export's exporter records in the graph's
    signature (`p_fc_weight: PARAMETER target='fc.weight'`), or None where no signature is."""
    for entry in getattr(graph, "metadata_props", ()):
        if entry.key == "pkg.torch.export.ExportedProgram.graph_signature":
            return set(re.findall(r"(?:PARAMETER|BUFFER) target='([^']*)'", entry.value))
    return None


def _scopes(meta: dict[str, str]) -> list[str]:
    text = meta.get("pkg.torch.onnx.name_scopes", "")
    return re.findall(r"'([^']*)'", text)


def _module_path(node: Any) -> tuple[str, str]:
    """(module path, op name) of a node as its exporter recorded them: torch.export's name
    scopes, or torch.onnx's node name `/layer1/layer1.0/conv1/Conv`."""
    meta = {entry.key: entry.value for entry in node.metadata_props}
    scopes = _scopes(meta)
    if len(scopes) >= 2:
        return scopes[-2], scopes[-1]
    name = str(node.name)
    if name.startswith("/") and name.count("/") >= 1:
        segments = [s for s in name.split("/")[1:] if s]
        if not segments:
            return "", ""
        op = segments[-1].lower()
        parts: list[str] = []
        previous = ""
        for segment in segments[:-1]:
            parts.append(segment[len(previous) + 1 :] if previous and segment.startswith(previous + ".") else segment)
            previous = segment
        return ".".join(parts), op
    return "", ""


def _evaluate(node: _Node, importer: _Importer) -> Value | None:
    """The constant a node of shape arithmetic computes, or None when it needs a value the
    importer does not know."""
    op = node.op
    if op == "Constant":
        return _constant(node)
    if op in ("Shape", "Size"):
        shape = node.shape(0)
        if shape is None:
            return None
        if op == "Size":
            return ((), [math.prod(d for d in shape if d is not None) if None not in shape else None])
        start, end = int(node.attrs.get("start", 0)), node.attrs.get("end")
        params = importer.named.get(node.inputs[0], ())
        sizes = [BATCH if d is None and _at_or(params, i) == importer.batch_param != "" else d for i, d in enumerate(shape)]
        kept = sizes[start : None if end is None else int(end)]
        return ((len(kept),), kept)
    values = [importer.values.get(name) if name else None for name in node.inputs]
    if any(name and found is None for name, found in zip(node.inputs, values, strict=True)):
        return None
    data = values[0]
    if data is None or any(found is not None and len(found[1]) > KEEP_INTEGERS for found in values):
        return None
    dims, flat = data
    if op == "Cast":
        return dims, [_cast(v, int(node.attrs.get("to", 0))) for v in flat]
    if op == "Identity":
        return dims, flat
    if op in ("Gather", "Unsqueeze", "Squeeze", "Reshape", "Concat", "Slice", "Transpose"):
        if op == "Transpose" and node.inputs[0] in importer.initializers:
            return None  # a weight's transpose: onnx_file reads it as the transposed initializer
        return _rearranged(node, [found for found in values if found is not None])
    if op == "ConstantOfShape":
        if any(v is None or v is BATCH for v in flat) or math.prod(flat) > KEEP_INTEGERS:
            return None
        fill = node.attrs.get("value")
        from onnx import numpy_helper

        number = numpy_helper.to_array(fill).reshape(-1).tolist()[0] if fill is not None else 0.0
        return tuple(flat), [number] * math.prod(flat)
    if op == "Sqrt":
        return dims, [None if v is None or v is BATCH else math.sqrt(v) for v in flat]
    if op in ("Ceil", "Floor"):  # timm's "same" padding: math.ceil(size / stride), exported as floats
        rounding = math.ceil if op == "Ceil" else math.floor
        return dims, [None if v is None or v is BATCH else float(rounding(v)) for v in flat]
    if op == "Clip":  # max((out - 1) * stride + (k - 1) * dilation + 1 - size, 0): the bounds as inputs from opset 11
        bounds = [found[1] if found is not None else [] for found in values[1:3]] + [[], []]
        low = bounds[0][0] if len(bounds[0]) == 1 else node.attrs.get("min")
        high = bounds[1][0] if len(bounds[1]) == 1 else node.attrs.get("max")
        return dims, [_clipped(v, low, high) for v in flat]
    if op == "Where":
        chosen, other = values[1], values[2]
        assert chosen is not None and other is not None
        size = max(len(flat), len(chosen[1]), len(other[1]))
        if any(len(found) not in (1, size) for found in (flat, chosen[1], other[1])):
            return None
        picked = [_where(_at(flat, i), _at(chosen[1], i), _at(other[1], i)) for i in range(size)]
        return ((size,) if size > 1 else dims), picked
    if op in ("Add", "Sub", "Mul", "Div", "Mod", "Equal", "Pow"):
        other = values[1]
        assert other is not None
        a, b = flat, other[1]
        if len(a) != len(b) and 1 not in (len(a), len(b)):
            return None
        size = max(len(a), len(b))
        out = [_arithmetic(op, a[i if len(a) > 1 else 0], b[i if len(b) > 1 else 0]) for i in range(size)]
        return (dims if len(a) >= len(b) else other[0]), out
    return None


def _rearranged(node: _Node, values: list[Value]) -> Value | None:
    """What the operators that move a constant's elements compute, as numpy computes them on
    the values (Python's ints, None for an unknown size): ONNX's Slice clamps as a Python slice
    does, an end of INT64's maximum or minimum running to the end."""
    import numpy

    arrays = [numpy.array(flat, dtype=object).reshape(dims) for dims, flat in values]
    data, op = arrays[0], node.op
    if op == "Gather" and len(values[1][1]) * (data.size // max(data.shape[_axis(node, data)], 1)) > KEEP_INTEGERS:
        return None
    if op == "Concat" and sum(len(flat) for _, flat in values) > KEEP_INTEGERS:
        return None
    if op == "Gather":
        result = numpy.take(data, numpy.array(values[1][1], dtype=numpy.int64).reshape(values[1][0]), axis=_axis(node, data))
    elif op == "Concat":
        result = numpy.concatenate(arrays, axis=int(node.attrs.get("axis", 0)))
    elif op == "Transpose":
        result = numpy.transpose(data, node.attrs.get("perm"))
    elif op == "Slice":
        cuts = [slice(None)] * data.ndim
        for start, end, axis, step in zip(*slice_bounds(node), strict=True):
            cuts[axis % data.ndim] = slice(start, end, step)
        result = data[tuple(cuts)]
    elif op == "Reshape":
        sizes = [data.shape[i] if v == 0 and not node.attrs.get("allowzero", 0) else int(v) for i, v in enumerate(values[1][1])]
        result = data.reshape(sizes)
    else:  # Unsqueeze, Squeeze: the axes as an input from opset 13, an attribute before
        axes = [int(a) for a in (values[1][1] if len(values) > 1 else node.attrs.get("axes", []))]
        if op == "Unsqueeze":
            result = numpy.expand_dims(data, tuple(a % (data.ndim + len(axes)) for a in axes))
        else:
            result = numpy.squeeze(data, tuple(a % data.ndim for a in axes) if axes else None)
    result = numpy.asarray(result, dtype=object)  # take() of one index gives the element itself
    return tuple(int(d) for d in result.shape), result.reshape(-1).tolist()


def _axis(node: _Node, data: Any) -> int:
    return int(node.attrs.get("axis", 0)) % max(data.ndim, 1)


def _computed_shape(node: _Node) -> Dims | None:
    """The shape of a constant whose values the importer does not compute, where ONNX's
    inference did not give it: a ConstantOfShape's is its input's values."""
    if node.op == "ConstantOfShape":
        sizes = node.value(0)
        return None if sizes is None or any(not isinstance(v, int) for v in sizes) else tuple(sizes)
    return _derived(node)


def _where(condition: Any, chosen: Any, other: Any) -> Any:
    """One element of Where; an unknown condition (from the dynamic batch) is an unknown value
    unless both sides agree.

    >>> _where(True, 1, 5), _where(None, 1, 5), _where(None, 3, 3)
    (1, None, 3)
    """
    if condition is None:
        return chosen if chosen == other else None
    return chosen if condition else other


def _dims(info: Any) -> Dims:
    """A value_info's shape, None for a size it does not give."""
    dims = info.type.tensor_type.shape.dim if info.type.HasField("tensor_type") else ()
    return tuple(int(d.dim_value) if d.HasField("dim_value") and d.dim_value > 0 else None for d in dims)


def _cast(value: Any, to: int) -> Any:
    """One element of Cast: to an integer type truncated toward zero (torch's int(), as exported),
    to a float type a float; the batch and unknown sizes as they are.

    >>> _cast(2.7, 7), _cast(-2.7, 7), _cast(3, 1), _cast(None, 7)
    (2, -2, 3.0, None)
    """
    if value is None or value is BATCH or isinstance(value, bool):
        return value
    if to in INTEGER_DTYPES and to != 9 and isinstance(value, float) and math.isfinite(value):
        return int(value)
    if to in DTYPES and to not in INTEGER_DTYPES and isinstance(value, int):
        return float(value)
    return value


def _clipped(value: Any, low: Any, high: Any) -> Any:
    """One element of Clip, its bounds optional; an unknown size stays unknown.

    >>> _clipped(-3.0, 0.0, None), _clipped(5, None, 4), _clipped(None, 0, None)
    (0.0, 4, None)
    """
    if value is None or value is BATCH:
        return None
    if low is not None:
        value = max(value, low)
    if high is not None:
        value = min(value, high)
    return value


def _at_or(values: tuple[str, ...], index: int) -> str:
    return values[index] if index < len(values) else ""


def _at(flat: list[Any], index: int) -> Any:
    """A broadcast operand's value at `index`: its only one, or its own."""
    return flat[0] if len(flat) == 1 else flat[index]


def _arithmetic(op: str, a: Any, b: Any) -> Any:
    """One element of an arithmetic operator; an unknown size gives an unknown result, but the
    batch (a size of at least 1) is never equal to a number below 1 (ViT's `Equal(shape, -1)`).

    >>> _arithmetic("Equal", BATCH, -1), _arithmetic("Equal", BATCH, 4), _arithmetic("Mul", BATCH, 2)
    (False, None, None)
    """
    if op == "Equal" and (a is BATCH or b is BATCH) and isinstance(b if a is BATCH else a, int) and (b if a is BATCH else a) < 1:
        return False
    if a is None or b is None or a is BATCH or b is BATCH:
        return None
    if op == "Equal":
        return a == b
    if op == "Mod":
        return a % b if isinstance(a, int) and isinstance(b, int) else math.fmod(a, b)  # ONNX's fmod=0 is Python's %
    if op == "Add":
        return _int64(a + b)
    if op == "Sub":
        return _int64(a - b)
    if op == "Mul":
        return _int64(a * b)
    if op == "Pow":
        if isinstance(a, int) and isinstance(b, int) and b >= 0:
            if b > 64 and a not in (-1, 0, 1):  # past 64, only these stay in int64
                raise OverflowError(f"{a} ** {b} is past int64")
            return _int64(a**b)
        return float(a) ** b  # (C // heads) ** -0.5
    if isinstance(a, int) and isinstance(b, int):
        return int(a / b)  # ONNX's integer Div truncates
    return a / b


def _int64(value: Any) -> Any:
    """An integer as ONNX's int64 holds it; past its range the node is not followed (evaluate()
    catches the OverflowError), where None would read as a size left unknown, like the batch.

    >>> _int64(2**62), _int64(1.5)
    (4611686018427387904, 1.5)
    >>> _int64(2**63)
    Traceback (most recent call last):
    OverflowError: 9223372036854775808 is past int64
    """
    if isinstance(value, int) and value not in INT64:
        raise OverflowError(f"{value} is past int64")
    return value


def _constant(node: _Node) -> Value | None:
    from onnx import numpy_helper

    attrs = node.attrs
    if "value" in attrs:
        tensor = attrs["value"]
        dims = tuple(int(d) for d in tensor.dims)
        if math.prod(dims) > KEEP_INTEGERS:
            return None
        return dims, numpy_helper.to_array(tensor).reshape(-1).tolist()
    for key in ("value_int", "value_float"):
        if key in attrs:
            return (), [attrs[key]]
    for key in ("value_ints", "value_floats"):
        if key in attrs:
            return (len(attrs[key]),), list(attrs[key])
    return None


def shape_text(shape: Dims) -> str:
    return format_shape(shape)


def _trains(node: Any) -> bool:
    """A BatchNormalization with `training_mode` 1 (the batch's statistics); ONNX's default, 0,
    uses the running ones, as PyTorch's eval mode does: a graph of those is a spec's `mode: eval`."""
    return node.op_type == "BatchNormalization" and any(a.name == "training_mode" and a.i for a in node.attribute)
