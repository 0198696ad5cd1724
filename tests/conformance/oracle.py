"""The real frameworks as an oracle: build a layer stack in Keras 3 (torch backend) or PyTorch,
read what the framework itself reports for every layer, and read convcalc's answer for the same
stack, both as plain `Facts` that compare with `==` and print as a small table.

Keras is built functionally (keras.Input, each layer applied in turn) and every layer's
output shape is the symbolic one `model.summary()` prints: that is Keras's answer. The stack is
then also run eagerly on zeros; a failure there, or a shape that differs, is recorded
(`runtime_error`, `notes`) but not taken as Keras's answer, because it can be a fault of the
torch backend alone: LayerNormalization(axis=1) on a (None, 37, 3) input builds, but on the
torch backend keras/src/ops/nn.py `_layer_normalization` hands contiguous axes to torch's
F.layer_norm, which only normalizes trailing axes (the other backends compute the moments).
When convcalc rejects such a stack, the verdict lets it pass.

PyTorch modules run on a zero tensor of batch 2 (the spec says `batch: 2`); parameters are
`named_parameters(recurse=False)`, buffers excluded.

convcalc's own stand-ins for framework functions (`Permute(0, 2, 1)`, `Mean(axis=1)`) run the real
call (stand_ins.py): a PyTorch one is reported under convcalc's name (torch has no class for
it), a Keras one under its operation's class, as `model.summary()` shows it. A layer may take
other inputs than the one before it (`inputs`: -1 for that one, or the name of an extra graph
input of the stack), and report several outputs (a split's pieces), all compared.

An exception from the framework, at construction or at call, is a rejection at that layer;
so is an output with a zero-size dimension, which PyTorch returns without complaint (an empty
tensor) but which convcalc rejects by design (issue 2: "a zero or negative size ... is an
error at that layer, never a table with nonsense in it").

Nothing here imports keras or torch until a framework is actually used, so pytest's doctest
collection of this file works without them.
"""

from __future__ import annotations

import importlib
import json
import sys
import types
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from math import prod
from typing import Any

from stand_ins import keras_calls, keras_operation, torch_calls

Shape = tuple[int | None, ...]
TORCH_BATCH = 2
UNKNOWN_RUN = 16  # the size an unknown (None) input dimension takes when a Keras stack is run
NEEDS = "the conformance suite needs torch and keras 3 (pip install torch keras)"  # the skip reason


# torchvision's C extension (its wheel is built against another torch) fails to register its
# operators when these modules run at import; the model and ops classes are plain Python.
TORCHVISION_STUBS = ("torchvision._meta_registrations", "torchvision._autograd_registrations")


def import_module(name: str) -> types.ModuleType:
    """The module `name` (keras.src.applications.convnext, torchvision.ops, transformers...),
    imported with torchvision's operator registrations stubbed out (transformers imports
    torchvision where it is installed); ImportError when it is not installed."""
    if name.split(".")[0] in ("torchvision", "transformers"):
        for stub in TORCHVISION_STUBS:
            sys.modules.setdefault(stub, types.ModuleType(stub))
    return importlib.import_module(name)


def real_class(framework: str, name: str) -> Any:
    """The real class behind a vocabulary name: keras.layers or torch.nn, or the module
    signatures.HOMES names for the classes that live elsewhere (torchvision.ops...)."""
    from convcalc.frameworks.signatures import HOMES

    home = HOMES[framework].get(name) or ("keras.layers" if framework == "keras" else "torch.nn")
    return getattr(import_module(home), name)


@dataclass(frozen=True)
class Cls:
    """A class given as an argument (torchvision's norm_layer=...): convcalc writes it as a call
    of the class, Python passes functools.partial(the class, *args, **kwargs).

    >>> repr(Cls("BatchNorm2d", (), {"eps": 0.001}))
    'BatchNorm2d(eps=0.001)'
    """

    name: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return Layer(self.name, self.args, self.kwargs).call()

    def real(self, framework: str) -> Any:
        import functools

        return functools.partial(real_class(framework, self.name), *self.args, **self.kwargs)


@dataclass(frozen=True)
class Layer:
    """One layer call: the class name with its positional and keyword arguments (literals only),
    and the outputs it takes when not the previous layer's: "input", "l2" (layer 2), "l2[1]"."""

    type: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    inputs: tuple[int | str, ...] = ()  # () or -1: the layer before; "input", an extra input's name, "l2", "l2[1]"

    def call(self, name: str = "") -> str:
        """The call as a convcalc spec writes it (and as Python would); `name` adds the spec's
        own name= and the inputs.

        >>> Layer("Conv2D", (32, (3, 3)), {"padding": "same"}).call()
        "Conv2D(32, (3, 3), padding='same')"
        >>> Layer("Matmul", inputs=(-1, "y")).call()
        "Matmul(inputs=[-1, 'y'])"
        >>> Layer("Add", (), {}, ("input", "l0")).call("l1")
        "Add(name='l1', inputs=['input', 'l0'])"
        """
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        if name:
            parts.append(f"name={name!r}")
        if self.inputs:
            parts.append(f"inputs={list(self.inputs)!r}")
        return f"{self.type}({', '.join(parts)})"

    def real_arguments(self, framework: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """The arguments Python passes: Cls values become the classes (partials) they stand for."""

        def real(value: Any) -> Any:
            return value.real(framework) if isinstance(value, Cls) else value

        return tuple(real(a) for a in self.args), {k: real(v) for k, v in self.kwargs.items()}


def L(type_name: str, *args: Any, **kwargs: Any) -> Layer:
    """`L("Conv2D", 32, 3, padding="same")` stands for `Conv2D(32, 3, padding="same")`."""
    return Layer(type_name, args, kwargs)


@dataclass(frozen=True)
class Stack:
    """A sequential network: framework, input shape (batch excluded), layers in order."""

    framework: str
    input_shape: tuple[int | None, ...]  # None: unknown (Keras only)
    layers: tuple[Layer, ...]
    extras: tuple[tuple[str, tuple[int, ...]], ...] = ()  # more graph inputs, by name; the first is "x"
    integer: bool = False  # the input holds indices (EmbeddingBag): torch.long zeros

    @property
    def graph(self) -> bool:
        """Some layer takes another layer's output by name: every layer is named l0, l1..."""
        return any(isinstance(ref, str) and ref.startswith("l") for layer in self.layers for ref in layer.inputs)

    @property
    def batch(self) -> int | None:
        return TORCH_BATCH if self.framework == "pytorch" else None

    def header(self) -> list[str]:
        """The spec's first lines: one input, or named ones when there are extras.

        >>> Stack("pytorch", (3, 4), (), (("y", (4, 5)),)).header()
        ['framework: pytorch', 'inputs:', '  x: [3, 4]', '  y: [4, 5]', 'batch: 2', 'layers:']
        """
        lines = [f"framework: {self.framework}"]
        if self.extras:
            named = (("x", self.input_shape), *self.extras)
            lines += ["inputs:", *(f"  {name}: {json.dumps(list(shape))}" for name, shape in named)]
        else:
            lines.append(f"input: {json.dumps(list(self.input_shape))}")
        if self.batch is not None:
            lines.append(f"batch: {self.batch}")
        return [*lines, "layers:"]

    def yaml(self) -> str:
        """The convcalc spec, one layer a line (JSON strings are YAML double-quoted scalars).

        >>> print(Stack("keras", (28, 28, 1), (L("Conv2D", 32, 3),)).yaml(), end="")
        framework: keras
        input: [28, 28, 1]
        layers:
        - "Conv2D(32, 3)"
        """
        named = self.graph
        calls = [layer.call(f"l{i}" if named else "") for i, layer in enumerate(self.layers)]
        return "\n".join(self.header() + [f"- {json.dumps(call)}" for call in calls]) + "\n"

    def layer_at_line(self, line: int) -> int | None:
        """The index of the layer written on `line` (1-based) of `yaml()`."""
        index = line - len(self.header()) - 1
        return index if 0 <= index < len(self.layers) else None


@dataclass(frozen=True)
class WeightFact:
    name: str
    shape: tuple[int, ...]
    trainable: bool

    def __str__(self) -> str:
        return f"{self.name}{self.shape}{'' if self.trainable else ' (non-trainable)'}"


@dataclass(frozen=True)
class LayerFacts:
    type: str
    output_shape: Shape
    weights: tuple[WeightFact, ...]
    params: int
    trainable_params: int
    non_trainable_params: int
    extra_outputs: tuple[Shape, ...] = ()  # a split's other pieces

    def __str__(self) -> str:
        weights = ", ".join(str(w) for w in self.weights) or "-"
        counts = f"{self.params} = {self.trainable_params} trainable + {self.non_trainable_params} non-trainable"
        extra = f" + {', '.join(map(str, self.extra_outputs))}" if self.extra_outputs else ""
        return f"{self.type:<24} {self.output_shape!s:<26}{extra} {weights}; {counts}"


@dataclass(frozen=True)
class Facts:
    """Who said what about a stack: the layers built, then where and why it was rejected."""

    source: str
    layers: tuple[LayerFacts, ...]
    rejected_at: int | None = None
    error: str = ""
    code: str = ""  # convcalc's problem code (CC101 ...) when convcalc rejected
    runtime_error: str = ""  # Keras: the layers build but this one fails when run on the torch backend
    runtime_failed_at: int | None = None
    notes: tuple[str, ...] = ()  # framework warnings, runtime disagreements

    @property
    def accepted(self) -> bool:
        return self.rejected_at is None

    def __str__(self) -> str:
        lines = [f"{self.source}:"]
        lines += [f"  [{i}] {layer}" for i, layer in enumerate(self.layers)]
        if not self.accepted:
            lines.append(f"  [{self.rejected_at}] REJECTED {self.code + ' ' if self.code else ''}{self.error}")
        if self.runtime_error:
            lines.append(f"  [{self.runtime_failed_at}] builds, but fails when run: {self.runtime_error}")
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)


class EmptyOutput(Exception):
    """The framework returned a tensor with a zero-size dimension."""

    def __init__(self, shape: Shape) -> None:
        super().__init__(f"the output {shape} has a zero-size dimension (an empty tensor)")


def _check_not_empty(shape: Shape) -> None:
    if 0 in shape:
        raise EmptyOutput(shape)


def _error_text(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:300]}"


def _layer_facts(type_name: str, output_shape: Shape, weights: list[WeightFact], extra: tuple[Shape, ...] = ()) -> LayerFacts:
    sizes = [(prod(w.shape), w.trainable) for w in weights]
    trainable = sum(size for size, t in sizes if t)
    total = sum(size for size, _ in sizes)
    return LayerFacts(type_name, output_shape, tuple(weights), total, trainable, total - trainable, extra)


# --- Graph stacks: which tensors a layer takes, and how it takes them


def pick(
    first: Any, outputs: list[tuple[Any, ...]], refs: tuple[int | str, ...], previous: Any, named: dict[str, Any]
) -> list[Any]:
    """The tensors `refs` name (-1 the previous output, "input" or "x" as a spec with extra inputs
    names it (Stack.header), an extra input's name, "l2", "l2[1]"), or the previous layer's output
    when there are none."""
    if not refs:
        return [previous]
    found = []
    for ref in refs:
        if ref == -1:
            found.append(previous)
        elif ref in ("input", "x"):
            found.append(first)
        elif ref in named:
            found.append(named[ref])
        else:
            node, _, rest = str(ref).partition("[")
            found.append(outputs[int(node[1:])][int(rest[:-1]) if rest else 0])
    return found


def call_layer(instance: Any, tensors: list[Any]) -> tuple[Any, ...]:
    """A Keras layer called as its class is: merges and attention on the list, others one by one.
    Attention also returns its scores, which convcalc gives as the layer's second output."""
    import keras

    attention = isinstance(instance, keras.layers.Attention)
    listed = attention or type(instance).__name__ in LIST_LAYERS
    options = {"return_attention_scores": True} if attention else {}
    out = instance(tensors, **options) if listed and len(tensors) > 1 else instance(*tensors, **options)
    return tuple(out) if isinstance(out, list | tuple) else (out,)


LIST_LAYERS = {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot", "CustomScaleLayer"}


def call_module(module: Any, tensors: list[Any]) -> tuple[Any, ...]:
    """A torch module's forward as it takes these inputs: LSTMCell's state as one (h, c) tuple,
    MaxUnpool's third input as output_size=its size(), EmbeddingBag's indices as torch.long."""
    name = type(module).__name__
    if name == "LSTMCell" and len(tensors) == 3:
        out = module(tensors[0], (tensors[1], tensors[2]))
    elif name.startswith("MaxUnpool") and len(tensors) == 3:
        out = module(tensors[0], tensors[1], output_size=tensors[2].size())
    elif name == "EmbeddingBag":
        out = module(*(t.long() if i < 2 else t for i, t in enumerate(tensors)))
    else:
        out = module(*tensors)
    return tuple(out) if isinstance(out, tuple) else (out,)


HOME_RECURSE = {"Conv2dNormActivation", "Conv3dNormActivation", "SqueezeExcitation", "LayerNorm2d"}


def weight_path(path: str) -> str:
    """A Keras weight's path inside its layer, without Keras's `_1` name counters
    (`conv_lstm2d_3/conv_lstm_cell/kernel` -> `conv_lstm_cell/kernel`).

    >>> weight_path("conv2d_3/kernel"), weight_path("conv_lstm2d_1/conv_lstm_cell_1/bias")
    ('kernel', 'conv_lstm_cell/bias')
    """
    import re

    return re.sub(r"_\d+(?=/|$)", "", path.split("/", 1)[1])


# --- Keras


class KerasSession:
    """Builds a Keras stack one layer at a time, as the generator needs the shape so far."""

    def __init__(self, input_shape: tuple[int | None, ...], extras: tuple[tuple[str, tuple[int, ...]], ...] = ()) -> None:
        import keras

        self.keras = keras
        self.input_shape = input_shape
        self.extras = extras
        self.symbolic = keras.Input(input_shape)
        self.named = {name: keras.Input(shape) for name, shape in extras}
        self.input = self.symbolic
        self.outputs: list[tuple[Any, ...]] = []  # each layer's outputs, for "l2[1]"
        self.built: list[tuple[Callable[[list[Any]], tuple[Any, ...]], Layer]] = []  # each layer's call, replayed eagerly
        self.layers: list[LayerFacts] = []
        self.rejected_at: int | None = None
        self.error = ""
        self.runtime_error = ""
        self.runtime_failed_at: int | None = None
        self.notes: list[str] = []

    @property
    def shape(self) -> Shape | None:
        """The current output shape (batch first), None once the stack was rejected."""
        return None if self.rejected_at is not None else tuple(self.symbolic.shape)

    def callable(self, layer: Layer) -> tuple[Callable[[list[Any]], tuple[Any, ...]], Any]:
        """The layer's call on a list of input tensors, giving its outputs, and the layer
        instance (None for a keras.ops call, which has no weights)."""
        if keras_operation(layer.type, layer.args, layer.kwargs):
            function = keras_calls()[layer.type](*layer.args, **layer.kwargs)

            def operation(tensors: list[Any]) -> tuple[Any, ...]:
                out = function(*tensors)
                return tuple(out) if isinstance(out, list | tuple) else (out,)

            return operation, None
        args, kwargs = layer.real_arguments("keras")
        instance = real_class("keras", layer.type)(*args, **kwargs)
        return (lambda tensors: call_layer(instance, tensors)), instance

    def add(self, layer: Layer) -> Shape | None:
        if self.rejected_at is not None:
            raise RuntimeError("the stack was already rejected")
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                call, instance = self.callable(layer)
                found = call(pick(self.input, self.outputs, layer.inputs, self.symbolic, self.named))
                output = found[0]
                for tensor in found:
                    _check_not_empty(tuple(tensor.shape))
        except Exception as exc:
            self.rejected_at, self.error = len(self.layers), _error_text(exc)
            return None
        self.notes += [f"[{len(self.layers)}] warning: {w.message}" for w in caught]
        self.outputs.append(found)
        variables = instance.weights if instance is not None else []
        weights = [WeightFact(weight_path(w.path), tuple(w.shape), bool(w.trainable)) for w in variables]
        trainable_ids = {id(w) for w in instance.trainable_weights} if instance is not None else set()
        reported = type(output._keras_history.operation).__name__
        extra = tuple(tuple(t.shape) for t in found[1:])
        facts = _layer_facts(reported, tuple(output.shape), weights, extra)
        summary_trainable = sum(prod(w.shape) for w in variables if id(w) in trainable_ids)
        if summary_trainable != facts.trainable_params:
            self.notes.append(
                f"[{len(self.layers)}] trainable_weights count {summary_trainable} differs from the weights' flags; using it"
            )
            total = instance.count_params()
            facts = LayerFacts(
                facts.type, facts.output_shape, facts.weights, total, summary_trainable, total - summary_trainable, extra
            )
        self.built.append((call, layer))
        self.layers.append(facts)
        self.symbolic = output
        return self.shape

    def run_eagerly(self) -> None:
        """Run the layers that built on zeros (batch 2), recording a failure or a shape that
        differs from the symbolic one."""
        if self.runtime_failed_at is not None:
            return

        def zeros(shape: tuple[int | None, ...]) -> Any:
            return self.keras.ops.zeros((TORCH_BATCH, *(UNKNOWN_RUN if n is None else n for n in shape)))

        first = zeros(self.input_shape)
        named = {name: zeros(shape) for name, shape in self.extras}
        x, outputs = first, []
        for i, ((call, layer), facts) in enumerate(zip(self.built, self.layers)):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    found = call(pick(first, outputs, layer.inputs, x, named))
                    x = found[0]
                    outputs.append(found)
                    _check_not_empty(tuple(x.shape))
            except Exception as exc:
                self.runtime_failed_at, self.runtime_error = i, _error_text(exc)
                return
            real = tuple(x.shape)
            expected = facts.output_shape
            if len(real) != len(expected) or any(n is not None and n != r for r, n in zip(real[1:], expected[1:])):
                self.notes.append(f"[{i}] runs to shape {real} although summary() says {facts.output_shape}")

    def facts(self) -> Facts:
        self.run_eagerly()
        return Facts(
            "keras",
            tuple(self.layers),
            self.rejected_at,
            self.error,
            notes=tuple(self.notes),
            runtime_error=self.runtime_error,
            runtime_failed_at=self.runtime_failed_at,
        )


# --- PyTorch


class TorchSession:
    """Builds a PyTorch stack one module at a time, running each on the previous output."""

    def __init__(
        self, input_shape: tuple[int, ...], extras: tuple[tuple[str, tuple[int, ...]], ...] = (), integer: bool = False
    ) -> None:
        import torch

        self.torch = torch
        self.x = torch.zeros((TORCH_BATCH, *input_shape), dtype=torch.long if integer else torch.float32)
        self.named = {name: torch.zeros((TORCH_BATCH, *shape)) for name, shape in extras}
        self.input = self.x
        self.outputs: list[tuple[Any, ...]] = []
        self.layers: list[LayerFacts] = []
        self.rejected_at: int | None = None
        self.error = ""
        self.notes: list[str] = []

    @property
    def shape(self) -> Shape | None:
        return None if self.rejected_at is not None else tuple(self.x.shape)

    def add(self, layer: Layer) -> Shape | None:
        if self.rejected_at is not None:
            raise RuntimeError("the stack was already rejected")
        stand_in = torch_calls().get(layer.type)
        try:
            with warnings.catch_warnings(record=True) as caught, self.torch.no_grad():
                warnings.simplefilter("always")
                if stand_in is not None:
                    module = stand_in(*layer.args, **layer.kwargs)
                    y = module(*pick(self.input, self.outputs, layer.inputs, self.x, self.named))
                    found = tuple(y) if isinstance(y, tuple | list) else (y,)
                else:
                    args, kwargs = layer.real_arguments("pytorch")
                    module = real_class("pytorch", layer.type)(*args, **kwargs)
                    found = call_module(module, pick(self.input, self.outputs, layer.inputs, self.x, self.named))
            if not all(isinstance(y, self.torch.Tensor) for y in found):
                raise TypeError(f"the module returned {[type(y).__name__ for y in found]}, not tensors")
            for y in found:
                _check_not_empty(tuple(y.shape))
        except Exception as exc:
            self.rejected_at, self.error = len(self.layers), _error_text(exc)
            return None
        self.notes += [f"[{len(self.layers)}] warning: {w.message}" for w in caught]
        # a torchvision block's own modules are its parameters too (`0.weight`): recurse there
        recurse = layer.type in HOME_RECURSE
        parameters = module.named_parameters(recurse=recurse) if stand_in is None else ()
        weights = [WeightFact(n, tuple(p.shape), bool(p.requires_grad)) for n, p in parameters]
        reported = layer.type if stand_in is not None else type(module).__name__
        extra = tuple(tuple(y.shape) for y in found[1:])
        self.layers.append(_layer_facts(reported, tuple(found[0].shape), weights, extra))
        self.outputs.append(found)
        self.x = found[0]
        return self.shape

    def facts(self) -> Facts:
        return Facts("pytorch", tuple(self.layers), self.rejected_at, self.error, notes=tuple(self.notes))


def session(
    framework: str,
    input_shape: tuple[int | None, ...],
    extras: tuple[tuple[str, tuple[int, ...]], ...] = (),
    integer: bool = False,
) -> KerasSession | TorchSession:
    if framework == "keras":
        return KerasSession(input_shape, extras)
    return TorchSession(input_shape, extras, integer)  # type: ignore[arg-type]


def framework_facts(stack: Stack) -> Facts:
    """What the real framework reports for every layer of `stack`, or where it rejects it."""
    builder = session(stack.framework, stack.input_shape, stack.extras, stack.integer)
    for layer in stack.layers:
        if builder.add(layer) is None:
            break
    return builder.facts()


# --- convcalc


def convcalc_facts(stack: Stack) -> Facts:
    """convcalc's answer for `stack`, read from its JSON document (convcalc/1)."""
    import convcalc
    from convcalc import document
    from convcalc.errors import SpecError

    try:
        data: Any = document(convcalc.summarize(stack.yaml(), "<stack>"))
    except SpecError as exc:
        problem = exc.diagnostic
        where = stack.layer_at_line(problem.location.line)
        message = problem.message + (f" ({problem.hint})" if problem.hint else "")
        return Facts("convcalc", (), -1 if where is None else where, message, problem.code)
    except Exception as exc:  # a traceback is a bug whatever the stack: report it with the stack
        return Facts("convcalc", (), -1, _error_text(exc), "CRASH")
    layers = []
    for row in data["layers"]:
        weights = [WeightFact(w["name"], tuple(w["shape"]), w["trainable"]) for w in row["weights"]]
        layers.append(
            LayerFacts(
                row["type"],
                tuple(row["output_shape"]),
                tuple(weights),
                row["params"],
                row["trainable_params"],
                row["non_trainable_params"],
                tuple(tuple(shape) for shape in row["outputs"][1:]),
            )
        )
    return Facts("convcalc", tuple(layers))


# --- comparing


def verdict(stack: Stack, real: Facts, ours: Facts) -> str:
    """An empty string when convcalc agrees with the framework, else the kind of disagreement:
    "not implemented: ..." when convcalc does not know a layer type the stack uses, "wrong: ..."
    otherwise."""
    if ours.code == "CRASH":
        return f"wrong: convcalc crashed instead of answering or raising a SpecError ({ours.error})"
    if ours.code == "CC101" and ours.rejected_at is not None and ours.rejected_at >= 0:
        return f"not implemented: {stack.layers[ours.rejected_at].type} is unknown to convcalc"
    if real.runtime_failed_at is not None and ours.rejected_at is not None and 0 <= ours.rejected_at <= real.runtime_failed_at:
        return ""  # Keras builds a layer it cannot run (on the torch backend): rejecting it is defensible
    if real.accepted != ours.accepted:
        if real.accepted:
            return f"wrong: convcalc rejects (at layer {ours.rejected_at}, {ours.code}) a stack {real.source} accepts"
        return f"wrong: convcalc accepts a stack {real.source} rejects (at layer {real.rejected_at})"
    if not real.accepted:
        if real.rejected_at != ours.rejected_at:
            return f"wrong: rejected at layer {ours.rejected_at} by convcalc, at layer {real.rejected_at} by {real.source}"
        return ""
    for i, (theirs, mine) in enumerate(zip(real.layers, ours.layers)):
        if theirs != mine:
            what = [
                f
                for f in (
                    "type",
                    "output_shape",
                    "extra_outputs",
                    "weights",
                    "params",
                    "trainable_params",
                    "non_trainable_params",
                )
                if getattr(theirs, f) != getattr(mine, f)
            ]
            return f"wrong: layer {i} ({stack.layers[i].call()}) differs in {', '.join(what)}"
    if len(real.layers) != len(ours.layers):
        return f"wrong: {len(ours.layers)} layers from convcalc, {len(real.layers)} from {real.source}"
    return ""


def explain(stack: Stack, real: Facts, ours: Facts, problem: str) -> str:
    """The assertion message: the problem, the stack as a spec, and both sides' facts."""
    return f"{problem}\n\n--- spec\n{stack.yaml()}\n--- {real}\n\n--- {ours}\n"
