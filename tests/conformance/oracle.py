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

import json
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


@dataclass(frozen=True)
class Layer:
    """One layer call: the class name with its positional and keyword arguments (literals only)."""

    type: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    inputs: tuple[int | str, ...] = ()  # -1 (the layer before) or extra inputs' names; () the layer before

    def call(self) -> str:
        """The call as a convcalc spec writes it (and as Python would).

        >>> Layer("Conv2D", (32, (3, 3)), {"padding": "same"}).call()
        "Conv2D(32, (3, 3), padding='same')"
        >>> Layer("Matmul", inputs=(-1, "y")).call()
        "Matmul(inputs=[-1, 'y'])"
        """
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        if self.inputs:
            parts.append(f"inputs={list(self.inputs)!r}")
        return f"{self.type}({', '.join(parts)})"


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
        return "\n".join(self.header() + [f"- {json.dumps(layer.call())}" for layer in self.layers]) + "\n"

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


def _inputs(layer: Layer, current: Any, named: dict[str, Any]) -> list[Any]:
    """The tensors a layer takes: the one before it, or those its `inputs` name."""
    return [current if ref == -1 else named[ref] for ref in layer.inputs] if layer.inputs else [current]


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
        self.built: list[tuple[Callable[[list[Any]], Any], Layer]] = []  # each layer's call, replayed eagerly
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

    def callable(self, layer: Layer) -> tuple[Callable[[list[Any]], Any], Any]:
        """The layer's call on a list of input tensors, and the layer instance (None for a
        keras.ops call, which has no weights)."""
        if keras_operation(layer.type, layer.args, layer.kwargs):
            function = keras_calls()[layer.type](*layer.args, **layer.kwargs)
            return (lambda tensors: function(*tensors)), None
        instance = getattr(self.keras.layers, layer.type)(*layer.args, **layer.kwargs)
        return (lambda tensors: instance(tensors if len(tensors) > 1 else tensors[0])), instance

    def add(self, layer: Layer) -> Shape | None:
        if self.rejected_at is not None:
            raise RuntimeError("the stack was already rejected")
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                call, instance = self.callable(layer)
                output = call(_inputs(layer, self.symbolic, self.named))
                _check_not_empty(tuple(output.shape))
        except Exception as exc:
            self.rejected_at, self.error = len(self.layers), _error_text(exc)
            return None
        self.notes += [f"[{len(self.layers)}] warning: {w.message}" for w in caught]
        variables = instance.weights if instance is not None else []
        weights = [WeightFact(w.name, tuple(w.shape), bool(w.trainable)) for w in variables]
        trainable_ids = {id(w) for w in instance.trainable_weights} if instance is not None else set()
        reported = type(output._keras_history.operation).__name__
        facts = _layer_facts(reported, tuple(output.shape), weights)
        summary_trainable = sum(prod(w.shape) for w in variables if id(w) in trainable_ids)
        if summary_trainable != facts.trainable_params:
            self.notes.append(
                f"[{len(self.layers)}] trainable_weights count {summary_trainable} differs from the weights' flags; using it"
            )
            total = instance.count_params()
            facts = LayerFacts(facts.type, facts.output_shape, facts.weights, total, summary_trainable, total - summary_trainable)
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

        x = zeros(self.input_shape)
        named = {name: zeros(shape) for name, shape in self.extras}
        for i, ((call, layer), facts) in enumerate(zip(self.built, self.layers)):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    x = call(_inputs(layer, x, named))
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

    def __init__(self, input_shape: tuple[int, ...], extras: tuple[tuple[str, tuple[int, ...]], ...] = ()) -> None:
        import torch

        self.torch = torch
        self.x = torch.zeros((TORCH_BATCH, *input_shape))
        self.named = {name: torch.zeros((TORCH_BATCH, *shape)) for name, shape in extras}
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
                else:
                    module = getattr(self.torch.nn, layer.type)(*layer.args, **layer.kwargs)
                y = module(*_inputs(layer, self.x, self.named))
            outputs = tuple(y) if isinstance(y, tuple | list) and stand_in is not None else (y,)
            if not all(isinstance(o, self.torch.Tensor) for o in outputs):
                raise TypeError(f"the module returned {type(y).__name__}, not a tensor")
            for output in outputs:
                _check_not_empty(tuple(output.shape))
        except Exception as exc:
            self.rejected_at, self.error = len(self.layers), _error_text(exc)
            return None
        self.notes += [f"[{len(self.layers)}] warning: {w.message}" for w in caught]
        parameters = module.named_parameters(recurse=False) if stand_in is None else ()
        weights = [WeightFact(n, tuple(p.shape), bool(p.requires_grad)) for n, p in parameters]
        reported = layer.type if stand_in is not None else type(module).__name__
        shapes = [tuple(o.shape) for o in outputs]
        self.layers.append(_layer_facts(reported, shapes[0], weights, tuple(shapes[1:])))
        self.x = outputs[0]
        return self.shape

    def facts(self) -> Facts:
        return Facts("pytorch", tuple(self.layers), self.rejected_at, self.error, notes=tuple(self.notes))


def session(
    framework: str, input_shape: tuple[int | None, ...], extras: tuple[tuple[str, tuple[int, ...]], ...] = ()
) -> KerasSession | TorchSession:
    return KerasSession(input_shape, extras) if framework == "keras" else TorchSession(input_shape, extras)  # type: ignore[arg-type]


def framework_facts(stack: Stack) -> Facts:
    """What the real framework reports for every layer of `stack`, or where it rejects it."""
    builder = session(stack.framework, stack.input_shape, stack.extras)
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
