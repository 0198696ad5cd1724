"""Receptive fields: which input positions each layer's output positions see, per spatial axis.

A. Araujo, W. Norris, J. Sim, "Computing Receptive Fields of Convolutional Neural Networks",
Distill 2019 (https://distill.pub/2019/computing-receptive-fields/). From the input (r = 1,
j = 1, P = 0), each layer with a window of k positions (dilated: k' = d(k - 1) + 1), stride s
and p positions of padding before the axis gives

    r_out = r_in + (k' - 1) * j_in      receptive field size
    j_out = j_in * s                    effective stride
    P_out = P_in + p * j_in             effective padding

so that output position f sees the input positions f * j - P ... f * j - P + r - 1.

Layers are read from the Report after the engine; each layer type says how it moves positions
(frameworks/base.py Positions) and, for a sliding window, gives its Window, read with the
vocabulary's own argument readers and ops/conv.py's padding rule. What convcalc does where the paper is silent:
- Element-wise layers (activations, dropout, noise, rescaling) and normalizations pass the
  field through; so does Dense/Linear when the axis it mixes is not spatial (Keras's Dense on a
  channels_last map is a 1x1 convolution). Normalizations and softmax count as element-wise, as
  the paper's library counts batch normalization: their statistics scale values, they do not
  move the window.
- Padding layers move P (cropping is negative padding); "same" pads as Keras/TensorFlow do,
  the odd position after (ops/conv.py padding_sides); with stride > 1 that depends on the
  input length, and an unknown length leaves P unknown (None). PyTorch's reflect, replicate
  and circular padding count as positions before the axis, as zeros do.
- A layer that maps axes (a permutation, a reduction, a split...) carries each spatial axis
  where it moves it (frameworks' `axes` readers); a layer that mixes values along a spatial axis
  ends the field, and the pieces of a split along another axis (`name[1]`...) carry it each.
- Merges (Add, Concatenate along the channels...) take, per axis, the largest of their paths.
  Paths are aligned when they share the effective stride and the centre offset (r - 1)/2 - P;
  otherwise the merge is reported with each path's figures and every layer after it is marked.
  A path that has no field (a squeeze-and-excitation vector broadcast over the map) is left out.
- No field (None), with the reason: global pooling, Flatten, Reshape and other rearrangements
  (every output value sees the whole input, or positions no longer line up with the input's),
  recurrent, attention and embedding layers, and everything after them. Transposed
  convolutions, up-sampling and PixelShuffle also end the field: the paper leaves them out, and
  each output position's window no longer starts at a multiple of one stride (output position
  f sees input positions that depend on f modulo the up-sampling factor).
"""

from __future__ import annotations

from collections.abc import Iterable

from convcalc.frameworks.base import NoWindow, Positions
from convcalc.ops.tensor import Shape, all_known, at_hint, is_number
from convcalc.ops.window import Axes, Window
from convcalc.record import Record
from convcalc.report import Report, Row
from convcalc.signature import Args

MEMO = True
"""Parallel branches that apply the same window to the same field share the Field made, and a
merge compares a field it takes twice once; False makes every field afresh (tests/test_memo.py)."""


class Field(Record):
    """The receptive field of a layer's output with respect to the graph input `input`, one value
    per spatial axis of the output (`axes`, indices into its shape, batch = 0)."""

    __slots__ = ("input", "axes", "size", "stride", "padding", "misaligned")

    input: str
    axes: tuple[int, ...]
    size: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int | None, ...]
    misaligned: tuple[str, ...]  # merges, here or upstream, whose paths do not line up

    def __init__(
        self,
        input: str,
        axes: tuple[int, ...],
        size: tuple[int, ...],
        stride: tuple[int, ...],
        padding: tuple[int | None, ...],
        misaligned: tuple[str, ...] = (),
    ) -> None:
        self.input = input
        self.axes = axes
        self.size = size
        self.stride = stride
        self.padding = padding
        self.misaligned = misaligned

    @property
    def trivial(self) -> bool:
        """One input position per output position: nothing has moved the window yet."""
        return set(self.size) <= {1} and set(self.stride) <= {1} and set(self.padding) <= {0}


class LayerField(Record):
    """One row's receptive field, or None and the reason; at a misaligned merge, its paths."""

    __slots__ = ("name", "field", "reason", "paths")

    name: str
    field: Field | None
    reason: str
    paths: tuple[tuple[str, Field], ...]

    def __init__(self, name: str, field: Field | None, reason: str = "", paths: tuple[tuple[str, Field], ...] = ()) -> None:
        self.name = name
        self.field = field
        self.reason = reason
        self.paths = paths


class Stop(Exception):
    """The layer has no receptive field; the message says why."""


def step(field: Field, window: Window) -> Field:
    """One layer of the paper's recurrence, per axis; a window that only pads or crops
    (kernel and stride 1) may leave axes out, or name axes that carry no field (a channel pad),
    and so may one that only picks positions (kernel 1, any stride: a slice of the channels).

    >>> f = Field("x", (1,), (1,), (1,), (0,))
    >>> f = step(f, Window((1,), (3,), (2,), (1,), (1,), (1,)))   # 3-wide window, stride 2, padding 1
    >>> f = step(f, Window((1,), (3,), (1,), (1,), (1,), (1,)))   # then 3 wide, stride 1, padding 1
    >>> f.size, f.stride, f.padding                   # 3 + (3 - 1) * 2 = 7; 2 * 1; 1 + 1 * 2
    ((7,), (2,), (3,))
    """
    windows: Iterable[tuple[int, int, int | None]]
    if window.axes == field.axes:  # most layers: the window slides along the field's own axes
        windows = zip(window.span, window.stride, window.before)
    else:
        shifts_only = set(window.span) <= {1} and set(window.stride) <= {1}
        if not shifts_only:
            if field.trivial:
                n = len(window.axes)
                field = Field(field.input, window.axes, (1,) * n, (1,) * n, (0,) * n, field.misaligned)
            elif not set(window.span) <= {1}:
                raise Stop(f"its spatial axes {window.axes} are not the ones the field was measured on {field.axes}")
        per_axis = dict(zip(window.axes, zip(window.span, window.stride, window.before)))
        windows = [per_axis.get(axis, (1, 1, 0)) for axis in field.axes]
    size, stride, padding = [], [], []
    for r, j, p_in, (k, s, p) in zip(field.size, field.stride, field.padding, windows):
        size.append(r + (k - 1) * j)
        stride.append(j * s)
        padding.append(None if p_in is None or p is None else p_in + p * j)
    return Field(field.input, field.axes, tuple(size), tuple(stride), tuple(padding), field.misaligned)


def start(name: str, shape: Shape, framework: str) -> Field | None:
    """A graph input's field: every spatial axis sees itself. Keras's inputs are channels_last,
    PyTorch's channels_first; an input without spatial axes (features only) has none."""
    rank = len(shape) - 2
    if rank < 1:
        return None
    axes = tuple(range(1, rank + 1)) if framework == "keras" else tuple(range(2, rank + 2))
    return Field(name, axes, (1,) * rank, (1,) * rank, (0,) * rank)


def receptive_fields(report: Report) -> tuple[LayerField, ...]:
    """Every row's receptive field with respect to the graph input its paths start from."""
    known: dict[str, Field | None] = {i.name: start(i.name, i.shape, report.framework) for i in report.inputs}
    why: dict[str, str] = {i.name: f"the input {i.name} has no spatial axes" for i in report.inputs}
    made: dict[str, LayerField] = {}  # each row's, by name: why it has no field is worded when a layer after it asks
    windows: dict[tuple[int, Shape], Window | NoWindow] = {}  # identical layers share their arguments
    # Branches that apply the same window to the same field (a block's parallel convolutions)
    # share the Field made, so a merge of them compares it once.
    stepped: dict[tuple[int, int], Field] = {}
    results = []
    for row in report.rows:
        incoming: list[tuple[str, Field]] = []
        missing = ""
        for index, ref in enumerate(row.inputs):
            node, first = ref, True  # a name, or a name[output]: the first output is the name's
            if "[" in ref:
                node, _, rest = ref.partition("[")
                first = rest == "0]"
            field = known.get(node if first else ref)
            if field is not None:
                incoming.append((ref, field))
            elif not (len(row.inputs) > 1 and broadcast_over(row.input_shapes[index], row.output_shape)):
                missing = missing or (_why(node, why, made) if first else f"{ref} is not a spatial map")
        result = _layer(row, incoming, missing, windows, stepped)
        known[row.name] = result.field
        if result.field is not None and row.layer_type is not None and row.layer_type.moves is Positions.AXES:
            for k in range(1, len(row.outputs)):  # the pieces of a split: each a map like the first
                known[f"{row.name}[{k}]"] = result.field
        made[row.name] = result
        results.append(result)
    return tuple(results)


def _why(name: str, why: dict[str, str], made: dict[str, LayerField]) -> str:
    """Why the graph input or layer `name` has no field, as a layer after it says it."""
    if name in why:
        return why[name]
    reason = made[name].reason
    return reason if reason.startswith("after ") else f"after {name}: {reason}"


def broadcast_over(shape: Shape, output: Shape) -> bool:
    """An input that a merge broadcasts over the map (a squeeze-and-excitation vector): of a
    lower rank, or of size 1 wherever the output is larger.

    >>> broadcast_over((None, 1, 1, 64), (None, 28, 28, 64)), broadcast_over((None, 28, 28, 64), (None, 28, 28, 64))
    (True, False)
    """
    if len(shape) < len(output):
        return True
    return any(_one(s) and not _one(o) for s, o in zip(shape[1:], output[1:]))


def _one(size: object) -> bool:
    """A size of 1 (a formula of the input's symbols is a map's size, not a broadcast 1: a merge
    that broadcast it recorded the guard that keeps it apart)."""
    return is_number(size) and size == 1


STOPS = {
    Positions.GLOBAL: "global pooling: each output value sees the whole input",
    Positions.REARRANGE: "it rearranges positions, so the output is no longer a map of the input's",
    Positions.SPREAD: "it spreads each input position over several output positions (the paper leaves such layers out)",
    Positions.NONE: "it is not a spatial layer",
}
"""Why a layer of each kind ends the field."""


def _layer(
    row: Row,
    incoming: list[tuple[str, Field]],
    missing: str,
    windows: dict[tuple[int, Shape], Window | NoWindow],
    stepped: dict[tuple[int, int], Field],
) -> LayerField:
    layer_type = row.layer_type
    assert layer_type is not None, "a folded block has no receptive field of its own"
    moves = layer_type.moves
    if moves is Positions.MERGE:
        return _merge(row, incoming, missing)
    if not incoming:
        return LayerField(row.name, None, missing or "it has no spatial input")
    if moves is not Positions.WINDOW and moves in STOPS:  # (hashing a Positions is a call of Python)
        return LayerField(row.name, None, f"{row.type}: {STOPS[moves]}")
    field = incoming[0][1]
    try:
        if moves is Positions.WINDOW:
            assert layer_type.window is not None
            key = (id(row.arguments), row.input_shapes[0])
            window = windows.get(key)
            if window is None:
                try:
                    window = windows[key] = layer_type.window(Args(row.type, row.arguments), row.input_shapes[0])
                except NoWindow as reason:
                    window = windows[key] = reason
            if isinstance(window, NoWindow):
                raise window
            if not MEMO:
                return LayerField(row.name, step(field, window))
            made = (id(field), id(window))  # both live as long as the walk: `known` and `windows` hold them
            after = stepped.get(made)
            if after is None:
                after = stepped[made] = step(field, window)
            return LayerField(row.name, after)
        if moves is Positions.AXES:
            assert layer_type.axes is not None
            return LayerField(row.name, moved(field, layer_type.axes(Args(row.type, row.arguments), row.input_shapes[0])))
        return LayerField(row.name, field)  # Positions.KEEP
    except (Stop, NoWindow) as stop:
        return LayerField(row.name, None, f"{row.type}: {stop}")


def moved(field: Field, axes: Axes) -> Field:
    """The field after a layer that maps axes (`Axes`): it ends where values are mixed along a
    spatial axis; otherwise each spatial axis goes where the layer carries it.

    >>> moved(Field("x", (1, 2), (3, 3), (1, 1), (1, 1)), Axes((0, 1, 2, 3), mixed=(3,))).axes
    (1, 2)
    >>> swapped = moved(Field("x", (2, 3), (3, 5), (1, 2), (1, 2)), Axes((0, 1, 3, 2)))  # x.transpose(2, 3)
    >>> swapped.axes, swapped.size, swapped.stride
    ((2, 3), (5, 3), (2, 1))
    """
    for axis in axes.mixed:
        if axis in field.axes:
            raise Stop(f"it works along axis {axis}, which is spatial here")
    targets = {source: target for target, source in enumerate(axes.source) if source is not None}
    if any(axis not in targets for axis in field.axes):
        raise Stop("it drops a spatial axis")
    axes_now = tuple(targets[axis] for axis in field.axes)
    if axes_now == field.axes:
        return field
    order = sorted(range(len(axes_now)), key=axes_now.__getitem__)  # the output's order of its axes
    size, stride = tuple(field.size[i] for i in order), tuple(field.stride[i] for i in order)
    padding = tuple(field.padding[i] for i in order)
    return Field(field.input, tuple(axes_now[i] for i in order), size, stride, padding, field.misaligned)


# --- Merges


def _merge(row: Row, incoming: list[tuple[str, Field]], missing: str) -> LayerField:
    """Per axis the largest path; the paths are aligned when they share the effective stride and
    the centre offset (r - 1)/2 - P (the paper's condition, compared as r - 1 - 2P)."""
    if missing or not incoming:
        return LayerField(row.name, None, missing or "none of its inputs is a spatial map")
    rank = len(row.output_shape)
    shifted = []
    for ref, field in incoming:
        # Inputs of a lower rank broadcast from the right: their axes move along.
        shift = rank - len(row.input_shapes[row.inputs.index(ref)])
        if shift:
            moved_axes = tuple(a + shift for a in field.axes)
            field = Field(field.input, moved_axes, field.size, field.stride, field.padding, field.misaligned)
        shifted.append((ref, field))
    axes = shifted[0][1].axes
    if any(f.axes != axes for _, f in shifted):
        return LayerField(row.name, None, "its inputs have different spatial axes")
    layer_type = row.layer_type
    if layer_type is not None and layer_type.axes is not None:
        mixed = layer_type.axes(Args(row.type, row.arguments), row.output_shape).mixed
        if any(axis in axes for axis in mixed):
            return LayerField(row.name, None, "it concatenates along a spatial axis, so positions no longer line up")
    fields = [f for _, f in shifted]
    if MEMO:  # a field taken twice (parallel branches) counts once
        fields = list({id(f): f for f in fields}.values())
    size, stride, padding = [], [], []
    aligned = len({f.input for f in fields}) == 1
    for i in range(len(axes)):
        best = max(fields, key=lambda f: at_hint(f.size[i]) or 0)
        size.append(best.size[i])
        stride.append(best.stride[i])
        paddings = tuple(f.padding[i] for f in fields)
        padding.append(best.padding[i])
        if len({_form(f.stride[i]) for f in fields}) > 1:
            aligned = False
        if all_known(paddings) and len({_form(f.size[i] - 1 - 2 * p) for f, p in zip(fields, paddings)}) > 1:
            aligned = False
    upstream = tuple(dict.fromkeys(name for f in fields for name in f.misaligned))
    marks = upstream if aligned else (*upstream, row.name)
    field = Field(fields[0].input, axes, tuple(size), tuple(stride), tuple(padding), marks)
    return LayerField(row.name, field, paths=() if aligned else tuple(shifted))


def _form(value: object) -> object:
    """A value to compare paths by: a formula of the input's symbols (its padding after Keras's
    'same' with a stride) by its canonical form, as equal formulas are equal for every size.
    Paths whose formulas differ are reported as not lining up, though at some sizes they may."""
    return getattr(value, "expr", value)
