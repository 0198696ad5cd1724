"""What the engine computes and every renderer reads: rows of shapes and weights, with totals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from convcalc.errors import Location
from convcalc.frameworks.base import LayerType
from convcalc.ops.tensor import Shape, Weight
from convcalc.record import Record
from convcalc.spec.model import LayerSpec, Spec

if TYPE_CHECKING:
    from convcalc.symbolic.session import Symbolic

BYTES_PER_PARAM = 4  # float32, as Keras's summary assumes


class Row(Record):
    """One computed layer: what every renderer shows on a line."""

    __slots__ = (
        "name",
        "type",
        "output_shape",
        "weights",
        "source",
        "inputs",
        "blocks",
        "shared_with",
        "extra_outputs",
        "folded",
        "arguments",
        "input_shapes",
        "layer_type",
        "spec",
        "_counts",
    )

    name: str
    type: str
    output_shape: Shape
    weights: tuple[Weight, ...]
    source: Location
    inputs: tuple[str, ...]
    blocks: tuple[tuple[str, str], ...]  # (instance path, block name), outermost first
    shared_with: str | None
    extra_outputs: tuple[Shape, ...]
    folded: int  # a block instance shown as one row (`--depth`): how many layers it holds
    arguments: dict[str, object]  # bound, defaults filled in
    input_shapes: tuple[Shape, ...]
    layer_type: LayerType | None  # None only for a folded block
    spec: LayerSpec | None  # the layer as written (a block's template inside one)

    def __init__(
        self,
        name: str,
        type: str,
        output_shape: Shape,
        weights: tuple[Weight, ...],
        source: Location,
        inputs: tuple[str, ...] = (),
        blocks: tuple[tuple[str, str], ...] = (),
        shared_with: str | None = None,
        extra_outputs: tuple[Shape, ...] = (),
        folded: int = 0,
        arguments: dict[str, object] | None = None,
        input_shapes: tuple[Shape, ...] = (),
        layer_type: LayerType | None = None,
        spec: LayerSpec | None = None,
    ) -> None:
        self.name = name
        self.type = type
        self.output_shape = output_shape
        self.weights = weights
        self.source = source
        self.inputs = inputs
        self.blocks = blocks
        self.shared_with = shared_with
        self.extra_outputs = extra_outputs
        self.folded = folded
        self._counts: tuple[int, int] | None = None  # params, trainable params: summed on first use
        self.arguments = {} if arguments is None else arguments
        self.input_shapes = input_shapes
        self.layer_type = layer_type
        self.spec = spec

    @property
    def outputs(self) -> tuple[Shape, ...]:
        return (self.output_shape, *self.extra_outputs)

    @property
    def params(self) -> int:
        return self.counts[0]

    @property
    def trainable_params(self) -> int:
        return self.counts[1]

    @property
    def counts(self) -> tuple[int, int]:
        """Parameters and trainable parameters, each shared weight counted where it is held."""
        if self._counts is None:
            counted = [w for w in self.weights if not w.shared]
            self._counts = (sum(w.size for w in counted), sum(w.size for w in counted if w.trainable))
        return self._counts

    @property
    def non_trainable_params(self) -> int:
        return self.params - self.trainable_params


class Endpoint(Record):
    """A graph input or output: its name and shape."""

    __slots__ = ("name", "shape")

    name: str
    shape: Shape

    def __init__(self, name: str, shape: Shape) -> None:
        self.name = name
        self.shape = shape


class Totals(Record):
    """Parameter counts over all rows, each shared weight counted once."""

    __slots__ = ("params", "trainable_params", "non_trainable_params")

    params: int
    trainable_params: int
    non_trainable_params: int

    def __init__(self, params: int, trainable_params: int, non_trainable_params: int) -> None:
        self.params = params
        self.trainable_params = trainable_params
        self.non_trainable_params = non_trainable_params

    @property
    def param_bytes(self) -> int:
        return self.params * BYTES_PER_PARAM


class Report(Record):
    """Everything computed for one spec."""

    __slots__ = ("name", "framework", "inputs", "rows", "outputs", "branched", "symbolic", "spec", "_totals")

    name: str | None
    framework: str
    inputs: tuple[Endpoint, ...]
    rows: tuple[Row, ...]
    outputs: tuple[Endpoint, ...]
    branched: bool  # some layer takes other than the one before it: show `Connected to`
    symbolic: Symbolic | None  # sizes written as symbols (input: [H, W, 3]): their hints, guards, accepted sizes
    spec: Spec | None  # what it was computed from: per-sample costs run it again at batch 1 (analysis/costs.py)

    def __init__(
        self,
        name: str | None,
        framework: str,
        inputs: tuple[Endpoint, ...],
        rows: tuple[Row, ...],
        outputs: tuple[Endpoint, ...] = (),
        branched: bool = False,
        symbolic: Symbolic | None = None,
        spec: Spec | None = None,
    ) -> None:
        self.name = name
        self.framework = framework
        self.inputs = inputs
        self.rows = rows
        self.outputs = outputs
        self.branched = branched
        self.symbolic = symbolic
        self.spec = spec
        self._totals: Totals | None = None

    @property
    def output_shape(self) -> Shape:
        """The first output's shape: what `expect.output_shape` is compared with."""
        if self.outputs:
            return self.outputs[0].shape
        return self.rows[-1].output_shape if self.rows else self.inputs[0].shape

    @property
    def totals(self) -> Totals:
        """Summed once, on first use (every renderer and analysis reads them)."""
        if self._totals is None:
            trainable = sum(r.trainable_params for r in self.rows)
            total = sum(r.params for r in self.rows)
            self._totals = Totals(total, trainable, total - trainable)
        return self._totals
