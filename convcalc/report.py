"""What the engine computes and every renderer reads: rows of shapes and weights, with totals."""

from __future__ import annotations

from dataclasses import dataclass, field

from convcalc.errors import Location
from convcalc.frameworks.base import LayerType
from convcalc.ops.tensor import Shape, Weight
from convcalc.spec.model import LayerSpec

BYTES_PER_PARAM = 4  # float32, as Keras's summary assumes


@dataclass(frozen=True)
class Row:
    """One computed layer: what every renderer shows on a line."""

    name: str
    type: str
    output_shape: Shape
    weights: tuple[Weight, ...]
    source: Location
    inputs: tuple[str, ...] = ()
    blocks: tuple[tuple[str, str], ...] = ()  # (instance path, block name), outermost first
    shared_with: str | None = None
    extra_outputs: tuple[Shape, ...] = ()
    folded: int = 0  # a block instance shown as one row (`--depth`): how many layers it holds
    arguments: dict[str, object] = field(default_factory=dict, compare=False)  # bound, defaults filled in
    input_shapes: tuple[Shape, ...] = ()
    layer_type: LayerType | None = field(default=None, compare=False)  # None only for a folded block
    spec: LayerSpec | None = field(default=None, compare=False)  # the layer as written (a block's template inside one)

    @property
    def outputs(self) -> tuple[Shape, ...]:
        return (self.output_shape, *self.extra_outputs)

    @property
    def params(self) -> int:
        return sum(w.size for w in self.weights if not w.shared)

    @property
    def trainable_params(self) -> int:
        return sum(w.size for w in self.weights if w.trainable and not w.shared)

    @property
    def non_trainable_params(self) -> int:
        return self.params - self.trainable_params


@dataclass(frozen=True)
class Endpoint:
    """A graph input or output: its name and shape."""

    name: str
    shape: Shape


@dataclass(frozen=True)
class Totals:
    """Parameter counts over all rows, each shared weight counted once."""

    params: int
    trainable_params: int
    non_trainable_params: int

    @property
    def param_bytes(self) -> int:
        return self.params * BYTES_PER_PARAM


@dataclass(frozen=True)
class Report:
    """Everything computed for one spec."""

    name: str | None
    framework: str
    inputs: tuple[Endpoint, ...]
    rows: tuple[Row, ...]
    outputs: tuple[Endpoint, ...] = ()
    branched: bool = False  # some layer takes other than the one before it: show `Connected to`

    @property
    def output_shape(self) -> Shape:
        """The first output's shape: what `expect.output_shape` is compared with."""
        if self.outputs:
            return self.outputs[0].shape
        return self.rows[-1].output_shape if self.rows else self.inputs[0].shape

    @property
    def totals(self) -> Totals:
        trainable = sum(r.trainable_params for r in self.rows)
        total = sum(r.params for r in self.rows)
        return Totals(total, trainable, total - trainable)
