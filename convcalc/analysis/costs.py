"""Compute and memory of a report: MACs per layer (each layer type's rule, ops/macs.py, as fvcore
counts them), output sizes, and memory totals for a dtype. Data only: render/ shows it."""

from __future__ import annotations

import contextlib

from convcalc.frameworks.base import Family, LayerType
from convcalc.ops.macs import Layer, elements, multiply, summed
from convcalc.ops.tensor import Shape, at_hint
from convcalc.record import Record
from convcalc.report import Report, Row
from convcalc.signature import Args
from convcalc.spec.model import Spec

MEMO = True
"""Each share of an integer, and each shared tuple of output shapes, worked out once; False works
out every row's afresh (tests/test_memo.py)."""

DTYPES = {"float32": 4, "float16": 2, "bfloat16": 2, "int8": 1}
"""Bytes per element for `--dtype`."""


def layer_macs(row: Row, framework: str) -> int | None:
    """A row's MACs by its layer type's rule (0 for types fvcore skips).

    >>> from convcalc import summarize
    >>> spec = "framework: keras\\ninput: [28, 28, 1]\\nlayers: ['Conv2D(32, 3)']"
    >>> layer_macs(summarize(spec).rows[0], "keras")  # 26 x 26 positions x 3 x 3 x 1 x 32
    194688
    """
    if row.layer_type is None:
        raise ValueError(f"{row.name} is a folded block: count its layers")
    layer = Layer(framework, Args(row.type, row.arguments), row.input_shapes, row.outputs, row.weights)
    return row.layer_type.counts(layer)


class LayerCost(Record):
    """One row's compute and memory; shares are fractions of the model's totals (None when the
    total is 0 or unknown)."""

    __slots__ = ("name", "macs", "output_elements", "output_bytes", "params_share", "macs_share")

    name: str
    macs: int | None
    output_elements: int | None  # every output (an LSTM's states, attention weights) included
    output_bytes: int | None
    params_share: float | None
    macs_share: float | None

    def __init__(
        self,
        name: str,
        macs: int | None,
        output_elements: int | None,
        output_bytes: int | None,
        params_share: float | None,
        macs_share: float | None,
    ) -> None:
        self.name = name
        self.macs = macs
        self.output_elements = output_elements
        self.output_bytes = output_bytes
        self.params_share = params_share
        self.macs_share = macs_share

    @property
    def flops(self) -> int | None:
        return None if self.macs is None else 2 * self.macs


class Costs(Record):
    """A report's compute and memory for one dtype. With an unknown batch (None) the MACs and
    activations are per sample; parameters never scale with the batch."""

    __slots__ = ("dtype", "batch", "layers", "macs", "input_elements", "activation_elements", "params", "trainable_params")

    dtype: str
    batch: int | None
    layers: tuple[LayerCost, ...]
    macs: int | None
    input_elements: int | None
    activation_elements: int | None  # every layer's outputs, nothing freed: one forward pass
    params: int
    trainable_params: int

    def __init__(
        self,
        dtype: str,
        batch: int | None,
        layers: tuple[LayerCost, ...],
        macs: int | None,
        input_elements: int | None,
        activation_elements: int | None,
        params: int,
        trainable_params: int,
    ) -> None:
        self.dtype = dtype
        self.batch = batch
        self.layers = layers
        self.macs = macs
        self.input_elements = input_elements
        self.activation_elements = activation_elements
        self.params = params
        self.trainable_params = trainable_params

    @property
    def bytes_per_element(self) -> int:
        return DTYPES[self.dtype]

    @property
    def per_sample(self) -> bool:
        return self.batch is None

    @property
    def flops(self) -> int | None:
        return None if self.macs is None else 2 * self.macs

    @property
    def input_bytes(self) -> int | None:
        return multiply(self.input_elements, self.bytes_per_element)

    @property
    def activation_bytes(self) -> int | None:
        return multiply(self.activation_elements, self.bytes_per_element)

    @property
    def param_bytes(self) -> int:
        return self.params * self.bytes_per_element

    @property
    def training_bytes(self) -> int | None:
        """Training with Adam: the inputs and every activation kept for the backward pass, the
        parameters, and for each trainable one its gradient and Adam's two moments, all in
        this dtype (mixed precision keeps fp32 master weights and moments: more)."""
        kept = summed(self.input_elements, self.activation_elements)
        return multiply(summed(kept, self.params + 3 * self.trainable_params), self.bytes_per_element)


REARRANGES = frozenset({Family.FLATTEN, Family.VIEW, Family.PERMUTATION})
"""The families whose layers keep every element: torch's View/Reshape/Flatten/Permute may move
the batch (Keras's never do; its Reshape, RepeatVector and torch's Unfold are Family.RESHAPE)."""


def folds_batch(report: Report) -> bool:
    """Whether an unknown batch (None) stands for more than one sample somewhere: a reshape that
    folds it into another size (Swin's windows: `Reshape(-1, 49, C)` of (None, 8, 7, 8, 7, C) is
    (None, 49, C), its None the batch times 64), a permute that moves it off dim 0, or a
    concatenation along it (`torch.cat([x, x], 0)`: (None, C), its None twice the batch). Each
    keeps every element, so a sample's elements differ before and after only where the None
    changed its meaning. A repetition (`x.repeat(2, 1)`, torch.tile, repeat_interleave) keeps no
    count to compare: any on an unknown batch is taken to fold it (the counts at batch 1 are
    exact either way). Counting such a None as one sample counts one window; the per-sample
    costs are then those at batch 1.

    >>> from convcalc import summarize
    >>> spec = "framework: pytorch\\ninput: [4, 6]\\nlayers: ['{}']"
    >>> layers = ("Reshape(-1, 6)", "Reshape(-1, 4, 6)", "Concat(0, inputs=[input, input])", "Repeat(2, 1, 1)")
    >>> [folds_batch(summarize(spec.format(layer))) for layer in layers]
    [True, False, True, True]
    """
    kinds: dict[LayerType | None, str] = {}  # by type: hashing a Family is a call of Python, each row's would add up
    for row in report.rows:
        layer_type = row.layer_type
        kind = kinds.get(layer_type)
        if kind is None:
            family = layer_type.family if layer_type is not None else None
            keeps = family in REARRANGES or family is Family.CONCATENATE
            kind = kinds[layer_type] = "keeps" if keeps else "repeats" if family is Family.REPETITION else ""
        if kind == "repeats" and any(shape and shape[0] is None for shape in row.input_shapes):
            return True
        if kind != "keeps":
            continue
        before, after = _summed_elements(row.input_shapes), elements(row.output_shape)
        if getattr(before, "expr", before) != getattr(after, "expr", after):  # symbols: their formulas
            return True
    return False


def _summed_elements(shapes: tuple[Shape, ...]) -> int | None:
    """The elements of a sample of a layer's inputs, one or several (None where one is unknown; a
    formula of the input's symbols where sizes are: the sum starts from the first count, not 0)."""
    known = [count for count in (elements(shape) for shape in shapes) if count is not None]
    return sum(known[1:], known[0]) if known and len(known) == len(shapes) else None


def _per_sample(spec: Spec) -> tuple[tuple[Row, ...], int] | None:
    """The spec's rows at a batch of its own, and that batch, where the report's None is not one
    sample: batch 1, or batch 2 where a layer refuses a batch of 1 (a BatchNorm1d on (1, C));
    None where neither runs (an Expand to None meeting the batch)."""
    from convcalc.engine import run
    from convcalc.errors import SpecError

    for batch in (1, 2):
        with contextlib.suppress(SpecError):
            return run(spec.replace(batch=batch)).rows, batch
    return None


def _divided(count: int | None, batch: int | None, scales: bool) -> int | None:
    """A row's count at `batch` for one sample: counts scale with the batch where the row's
    shapes hold it (None at an unknown batch), a row of constants (Swin-V2's cpb_mlp over its
    table) runs once whatever the batch. With no batch the spec runs at (None), a count that
    scales is unknown, not one window's."""
    if count is None or batch == 1 or not scales:
        return count
    if batch is None:
        return None
    return count // batch if count % batch == 0 else None


def share(part: int | float | None, whole: int | float | None) -> float | None:
    """part / whole, or None when either is unknown or the whole is 0; for formulas of the
    input's symbols, their share at the sizes the report was computed at (its hint).

    >>> share(1, 4), share(1, 0), share(None, 4)
    (0.25, None, None)
    """
    numerator, denominator = at_hint(part), at_hint(whole)
    return None if numerator is None or not denominator else numerator / denominator


def _share(part: int | float | None, whole: int | float | None, known: dict[object, float | None]) -> float | None:
    """share(part, whole), each integer part's worked out once (`known`, for one `whole`)."""
    if type(part) is not int or not MEMO:
        return share(part, whole)
    if part not in known:
        known[part] = share(part, whole)
    return known[part]


def _formulas(shapes: tuple[Shape, ...]) -> tuple[tuple[object, ...], ...]:
    """Shapes compared by their formulas (two sizes equal at the hint may differ elsewhere)."""
    return tuple(tuple(getattr(d, "expr", d) for d in shape) for shape in shapes)


def costs(report: Report, dtype: str = "float32") -> Costs:
    """Compute and memory of every row of `report`, and the totals."""
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, found {dtype!r}")
    size = DTYPES[dtype]
    # A row's MACs depend on its arguments, input shapes and weights, which identical layers share
    # (the engine builds each distinct layer once): each distinct one is counted once.
    known: dict[tuple[int, object, int], int | None] = {}
    counted = []
    symbolic = report.symbolic is not None
    batch = report.inputs[0].shape[0] if report.inputs else None
    counted_rows: tuple[Row, ...] = report.rows
    at: int | None = 1  # the batch counted_rows hold; None where the spec runs at no batch
    folded = batch is None and report.spec is not None and folds_batch(report)
    if folded and report.spec is not None:
        found = _per_sample(report.spec)
        counted_rows, at = found if found is not None else (report.rows, None)
    for row in counted_rows:
        shapes: object = row.input_shapes if not symbolic else _formulas(row.input_shapes)
        key = (id(row.arguments), shapes, id(row.weights))
        if key not in known:
            known[key] = layer_macs(row, report.framework)
        counted.append(known[key])
    # Identical layers share their output shapes (the engine's memo): each tuple of them, known by
    # identity while the report lives, is counted once; so is each share of a number.
    sized: dict[tuple[int, int], int | None] = {}
    outputs = []
    for row in counted_rows:
        made = (id(row.output_shape), id(row.extra_outputs))
        if made not in sized or not MEMO:
            sized[made] = summed(*(elements(s) for s in row.outputs))
        outputs.append(sized[made])
    if folded:  # one sample's counts; none where the spec runs at no batch (not one window's)
        scales = [any(None in shape for shape in (*row.input_shapes, *row.outputs)) for row in report.rows]
        counted = [_divided(m, at, s) for m, s in zip(counted, scales, strict=True)]
        outputs = [_divided(n, at, s) for n, s in zip(outputs, scales, strict=True)]
    totals = report.totals
    all_macs = summed(*counted)
    params_shares: dict[object, float | None] = {}
    macs_shares: dict[object, float | None] = {}
    layers = tuple(
        LayerCost(
            row.name,
            m,
            n,
            multiply(n, size),
            _share(row.params, totals.params, params_shares),
            _share(m, all_macs, macs_shares),
        )
        for row, m, n in zip(report.rows, counted, outputs)
    )
    inputs = summed(*(elements(i.shape) for i in report.inputs))
    return Costs(dtype, batch, layers, all_macs, inputs, summed(*outputs), totals.params, totals.trainable_params)
