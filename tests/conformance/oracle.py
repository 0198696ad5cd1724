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
from dataclasses import dataclass, field
from math import prod
from typing import Any

Shape = tuple[int | None, ...]
TORCH_BATCH = 2
UNKNOWN_RUN = 16  # the size an unknown (None) input dimension takes when a Keras stack is run
NEEDS = "the conformance suite needs torch and keras 3 (pip install torch keras)"  # the skip reason


# torchvision's C extension (its wheel is built against another torch) fails to register its
# operators when these modules run at import; the model and ops classes are plain Python.
TORCHVISION_STUBS = ("torchvision._meta_registrations", "torchvision._autograd_registrations")


def import_module(name: str) -> types.ModuleType:
    """The module `name` (keras.src.applications.convnext, torchvision.ops...), imported with
    torchvision's operator registrations stubbed out; ImportError when it is not installed."""
    if name.split(".")[0] == "torchvision":
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
class Layer:
    """One layer call: the class name with its positional and keyword arguments (literals only)."""

    type: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    def call(self) -> str:
        """The call as a convcalc spec writes it (and as Python would).

        >>> Layer("Conv2D", (32, (3, 3)), {"padding": "same"}).call()
        "Conv2D(32, (3, 3), padding='same')"
        """
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
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

    @property
    def batch(self) -> int | None:
        return TORCH_BATCH if self.framework == "pytorch" else None

    def header(self) -> list[str]:
        lines = [f"framework: {self.framework}", f"input: {json.dumps(list(self.input_shape))}"]
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

    def __str__(self) -> str:
        weights = ", ".join(str(w) for w in self.weights) or "-"
        counts = f"{self.params} = {self.trainable_params} trainable + {self.non_trainable_params} non-trainable"
        return f"{self.type:<24} {self.output_shape!s:<26} {weights}; {counts}"


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


def _layer_facts(type_name: str, output_shape: Shape, weights: list[WeightFact]) -> LayerFacts:
    sizes = [(prod(w.shape), w.trainable) for w in weights]
    trainable = sum(size for size, t in sizes if t)
    total = sum(size for size, _ in sizes)
    return LayerFacts(type_name, output_shape, tuple(weights), total, trainable, total - trainable)


# --- Keras


class KerasSession:
    """Builds a Keras stack one layer at a time, as the generator needs the shape so far."""

    def __init__(self, input_shape: tuple[int | None, ...]) -> None:
        import keras

        self.keras = keras
        self.input_shape = input_shape
        self.symbolic = keras.Input(input_shape)
        self.built: list[Any] = []
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

    def add(self, layer: Layer) -> Shape | None:
        if self.rejected_at is not None:
            raise RuntimeError("the stack was already rejected")
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                instance = getattr(self.keras.layers, layer.type)(*layer.args, **layer.kwargs)
                output = instance(self.symbolic)
                _check_not_empty(tuple(output.shape))
        except Exception as exc:
            self.rejected_at, self.error = len(self.layers), _error_text(exc)
            return None
        self.notes += [f"[{len(self.layers)}] warning: {w.message}" for w in caught]
        weights = [WeightFact(w.name, tuple(w.shape), bool(w.trainable)) for w in instance.weights]
        trainable_ids = {id(w) for w in instance.trainable_weights}
        facts = _layer_facts(type(instance).__name__, tuple(output.shape), weights)
        summary_trainable = sum(prod(w.shape) for w in instance.weights if id(w) in trainable_ids)
        if summary_trainable != facts.trainable_params:
            self.notes.append(
                f"[{len(self.layers)}] trainable_weights count {summary_trainable} differs from the weights' flags; using it"
            )
            total = instance.count_params()
            facts = LayerFacts(facts.type, facts.output_shape, facts.weights, total, summary_trainable, total - summary_trainable)
        self.built.append(instance)
        self.layers.append(facts)
        self.symbolic = output
        return self.shape

    def run_eagerly(self) -> None:
        """Run the layers that built on zeros (batch 2), recording a failure or a shape that
        differs from the symbolic one."""
        if self.runtime_failed_at is not None:
            return
        x = self.keras.ops.zeros((TORCH_BATCH, *(UNKNOWN_RUN if n is None else n for n in self.input_shape)))
        for i, (instance, facts) in enumerate(zip(self.built, self.layers)):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    x = instance(x)
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

    def __init__(self, input_shape: tuple[int, ...]) -> None:
        import torch

        self.torch = torch
        self.x = torch.zeros((TORCH_BATCH, *input_shape))
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
        try:
            with warnings.catch_warnings(record=True) as caught, self.torch.no_grad():
                warnings.simplefilter("always")
                module = getattr(self.torch.nn, layer.type)(*layer.args, **layer.kwargs)
                y = module(self.x)
            if not isinstance(y, self.torch.Tensor):
                raise TypeError(f"the module returned {type(y).__name__}, not a tensor")
            _check_not_empty(tuple(y.shape))
        except Exception as exc:
            self.rejected_at, self.error = len(self.layers), _error_text(exc)
            return None
        self.notes += [f"[{len(self.layers)}] warning: {w.message}" for w in caught]
        weights = [WeightFact(n, tuple(p.shape), bool(p.requires_grad)) for n, p in module.named_parameters(recurse=False)]
        self.layers.append(_layer_facts(type(module).__name__, tuple(y.shape), weights))
        self.x = y
        return self.shape

    def facts(self) -> Facts:
        return Facts("pytorch", tuple(self.layers), self.rejected_at, self.error, notes=tuple(self.notes))


def session(framework: str, input_shape: tuple[int | None, ...]) -> KerasSession | TorchSession:
    return KerasSession(input_shape) if framework == "keras" else TorchSession(input_shape)


def framework_facts(stack: Stack) -> Facts:
    """What the real framework reports for every layer of `stack`, or where it rejects it."""
    builder = session(stack.framework, stack.input_shape)
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
                for f in ("type", "output_shape", "weights", "params", "trainable_params", "non_trainable_params")
                if getattr(theirs, f) != getattr(mine, f)
            ]
            return f"wrong: layer {i} ({stack.layers[i].call()}) differs in {', '.join(what)}"
    if len(real.layers) != len(ours.layers):
        return f"wrong: {len(ours.layers)} layers from convcalc, {len(real.layers)} from {real.source}"
    return ""


def explain(stack: Stack, real: Facts, ours: Facts, problem: str) -> str:
    """The assertion message: the problem, the stack as a spec, and both sides' facts."""
    return f"{problem}\n\n--- spec\n{stack.yaml()}\n--- {real}\n\n--- {ours}\n"
