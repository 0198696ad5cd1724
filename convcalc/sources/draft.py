"""What an importer builds before it is written out: the network as convcalc will spell it.

A Draft is a spec in plain records (layer calls with literal arguments, blocks, inputs,
outputs, `expect:` figures), plus what the source itself records about its shapes, so that
the import can be checked against the source (sources/check.py) and the written spec can show
them. Importers build Drafts; writer.py alone turns one into text; nothing else reads them.
"""

from __future__ import annotations

from convcalc.ops.tensor import Shape
from convcalc.record import Record


class Arithmetic(Record):
    """Block arithmetic written as it stands, `input_shape[1]` or `filters * 4` (the spec's
    reader checks it as it checks any block; importers write only their own)."""

    __slots__ = ("text",)

    text: str

    def __init__(self, text: str) -> None:
        self.text = text


class Call(Record):
    """A layer inside another layer's arguments, written as a call: `Bidirectional(LSTM(64))`."""

    __slots__ = ("type", "args", "kwargs")

    type: str
    args: tuple[object, ...]
    kwargs: dict[str, object]

    def __init__(self, type: str, args: tuple[object, ...] = (), kwargs: dict[str, object] | None = None) -> None:
        self.type = type
        self.args = args
        self.kwargs = {} if kwargs is None else kwargs


class Layer(Record):
    """One layer (or block instance) as the spec will write it.

    `inputs` are the names of the outputs it takes (`conv1`, `lstm[1]`, a block's `input`),
    or None for the layer written just before it; `comment` goes at the end of its line.
    A container (`ModuleList`, `Sequential`) with `children` is written in the mapping form,
    its layers one a line beneath it.
    """

    __slots__ = ("type", "args", "kwargs", "name", "inputs", "shares", "comment", "children")

    type: str
    args: tuple[object, ...]
    kwargs: dict[str, object]
    name: str | None
    inputs: tuple[str | int, ...] | None
    shares: str | None
    comment: str
    children: tuple[Layer, ...] | None

    def __init__(
        self,
        type: str,
        args: tuple[object, ...] = (),
        kwargs: dict[str, object] | None = None,
        name: str | None = None,
        inputs: tuple[str | int, ...] | None = None,
        shares: str | None = None,
        comment: str = "",
        children: tuple[Layer, ...] | None = None,
    ) -> None:
        self.type = type
        self.args = args
        self.kwargs = {} if kwargs is None else kwargs
        self.name = name
        self.inputs = inputs
        self.shares = shares
        self.comment = comment
        self.children = children


class Block(Record):
    """A named sub-network: its parameters (name -> default, or REQUIRED) and its layers."""

    __slots__ = ("name", "params", "layers", "comment")

    name: str
    params: dict[str, object]
    layers: tuple[Layer, ...]
    comment: str

    def __init__(self, name: str, params: dict[str, object], layers: tuple[Layer, ...], comment: str = "") -> None:
        self.name = name
        self.params = params
        self.layers = layers
        self.comment = comment


class Draft(Record):
    """A whole imported network.

    `recorded` maps a layer's full name (as the report names its rows: `conv_0.leaky`) to the
    output shapes the source itself states for it, each None where it states none;
    `header` are the comment lines at the top of the spec (where it came from, what was read).
    """

    __slots__ = ("framework", "inputs", "layers", "name", "batch", "blocks", "outputs", "expect", "recorded", "header", "mode")

    framework: str
    inputs: tuple[tuple[str, Shape], ...]  # name and shape without the batch dimension
    layers: tuple[Layer, ...]
    name: str | None
    batch: int | None
    blocks: tuple[Block, ...]
    outputs: tuple[str, ...]  # empty: the last layer
    expect: dict[str, object]
    recorded: dict[str, tuple[Shape | None, ...]]
    header: tuple[str, ...]
    mode: str  # "eval" for a model traced or exported for inference (a spec's `mode:`), "train" as a spec's default

    def __init__(
        self,
        framework: str,
        inputs: tuple[tuple[str, Shape], ...],
        layers: tuple[Layer, ...],
        name: str | None = None,
        batch: int | None = None,
        blocks: tuple[Block, ...] = (),
        outputs: tuple[str, ...] = (),
        expect: dict[str, object] | None = None,
        recorded: dict[str, tuple[Shape | None, ...]] | None = None,
        header: tuple[str, ...] = (),
        mode: str = "train",
    ) -> None:
        self.framework = framework
        self.inputs = inputs
        self.layers = layers
        self.name = name
        self.batch = batch
        self.blocks = blocks
        self.outputs = outputs
        self.expect = {} if expect is None else expect
        self.recorded = {} if recorded is None else recorded
        self.header = header
        self.mode = mode
