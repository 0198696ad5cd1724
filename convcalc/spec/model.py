"""What a spec is once read: plain records that remember where each piece was written, the keys
a spec may use, and the bounds on what it may hold."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from convcalc.errors import Location, SpecError, short
from convcalc.record import Record

if TYPE_CHECKING:
    from convcalc.spec.expr import Function

FRAMEWORKS = ("keras", "pytorch")
MODES = ("train", "eval")  # `mode:`, as torch's model.train() / model.eval() set it (frameworks/mode.py)
TOP_LEVEL_KEYS = (
    "name", "description", "framework", "input", "inputs", "batch", "mode", "assume", "functions", "blocks", "layers",
    "outputs", "expect",
)  # fmt: skip
BLOCK_KEYS = ("params", "layers", "description", "container", "scoped")
GRAPH_KEYS = ("name", "inputs", "shares", "when", "repeat")  # what any layer may carry, whatever its class takes
EXPECT_KEYS = ("output_shape", "params", "trainable_params", "non_trainable_params", "max_params", "domain")
# Bounds on what a spec may hold, so hostile input fails fast instead of running for minutes.
MAX_NODES = 1_000_000  # a spec larger than this is an alias bomb or a mistake, not a network
MAX_DEPTH = 64  # a spec nests a few levels (spec > layers > layer > argument > tuple); 64 is generous
MAX_BYTES = 64 * 1024 * 1024  # a 100,000-layer spec is about 4 MB; /dev/zero or a stray dump is not a spec
MAX_DIM = 2**40  # elements along one dimension (input, output or weight): beyond it, a typo rather than a network
MAX_RANK = 64  # dimensions of one tensor (PyTorch stops at 64 too); beyond it every layer would copy huge shapes


class LayerSpec(Record):
    """One layer as written: type name, arguments, and where each piece stands in the source."""

    __slots__ = (
        "type",
        "args",
        "kwargs",
        "location",
        "arg_locations",
        "arg_offsets",
        "name",
        "inputs",
        "shares",
        "when",
        "repeat",
        "children",
        "_plain",
    )

    type: str
    args: tuple[object, ...]
    kwargs: dict[str, object]
    location: Location
    arg_locations: dict[int | str, Location]
    arg_offsets: dict[int | str, int]  # call form: columns after `location`
    name: object  # str, or an Expr inside a block
    inputs: tuple[object, ...] | None  # names, relative indices (-1), None: the layer before
    shares: str | None  # the layer whose weights this one uses: counted once
    when: object  # inside a block: a condition (an Expr) for including the layer at all
    repeat: object  # chain this many copies (an int, or an Expr inside a block)
    children: tuple[LayerSpec, ...] | None  # a container's layers (Sequential...); None: not a container

    def __init__(
        self,
        type: str,
        args: tuple[object, ...],
        kwargs: dict[str, object],
        location: Location,
        arg_locations: dict[int | str, Location] | None = None,
        arg_offsets: dict[int | str, int] | None = None,
        name: object = None,
        inputs: tuple[object, ...] | None = None,
        shares: str | None = None,
        when: object = None,
        repeat: object = None,
        plain: bool = False,
        children: tuple[LayerSpec, ...] | None = None,
    ) -> None:
        self.type = type
        self.args = args
        self.kwargs = kwargs
        self.location = location
        self.arg_locations = {} if arg_locations is None else arg_locations
        self.arg_offsets = {} if arg_offsets is None else arg_offsets
        self.name = name
        self.inputs = inputs
        self.shares = shares
        self.when = when
        self.repeat = repeat
        self.children = children
        self._plain = plain  # known at reading to hold no arithmetic anywhere (False: look)

    @property
    def plain(self) -> bool:
        return self._plain

    def locate(self, argument: int | str | None) -> Location:
        if argument is None or argument == "":
            return self.location
        if argument in self.arg_offsets:  # made on demand: most layers never need one
            return self.location.shifted(self.arg_offsets[argument])
        return self.arg_locations.get(argument, self.location)


class Expect(Record):
    """The `expect:` block: figures `convcalc check` compares with the computed ones."""

    __slots__ = ("values", "locations")

    values: dict[str, Any]
    locations: dict[str, Location]

    def __init__(self, values: dict[str, Any], locations: dict[str, Location]) -> None:
        self.values = values
        self.locations = locations


Dim = int | str | None
"""An input size as written: a number, a symbol's name (`H`: any size, the formulas follow it), or None (unknown)."""


class InputSpec(Record):
    """One graph input as written: its name and shape without the batch dimension."""

    __slots__ = ("name", "shape", "location")

    name: str
    shape: tuple[Dim, ...]
    location: Location

    def __init__(self, name: str, shape: tuple[Dim, ...], location: Location) -> None:
        self.name = name
        self.shape = shape
        self.location = location


class Assumption(Record):
    """One entry of `assume:` as written (`H % 32 == 0`), with the conditions it states
    (convcalc.symbolic.size.Condition, read by convcalc.symbolic.parse)."""

    __slots__ = ("text", "conditions", "location")

    text: str
    conditions: tuple[Any, ...]
    location: Location

    def __init__(self, text: str, conditions: tuple[Any, ...], location: Location) -> None:
        self.text = text
        self.conditions = conditions
        self.location = location


class BlockSpec(Record):
    """A named sub-network: parameters with defaults (signature.REQUIRED where none) and layer
    templates; `container` names the container class it subclasses (`Sequential`: its layers are
    named 0, 1, 2... as torchvision's Conv2dNormActivation's are), "" for a plain module.
    `scoped` False: a builder function rather than a module (Keras Applications' `conv_block(x,
    growth_rate, name)`): its layers are not named under the instance's path but as written
    (`name + "_0_bn"`, `name` being the instance's name) or by the model's own numbering."""

    __slots__ = ("name", "params", "layers", "location", "container", "scoped")

    name: str
    params: dict[str, object]
    layers: tuple[LayerSpec, ...]
    location: Location
    container: str
    scoped: bool

    def __init__(
        self,
        name: str,
        params: dict[str, object],
        layers: tuple[LayerSpec, ...],
        location: Location,
        container: str = "",
        scoped: bool = True,
    ) -> None:
        self.name = name
        self.params = params
        self.layers = layers
        self.location = location
        self.container = container
        self.scoped = scoped


IMPLICIT_NAMES = frozenset({"input_shape", "copy"})  # inside a block: its input's shape, the repeat copy (1, 2...)
UNSCOPED_NAME = "name"  # inside a block with `scoped: false`: the instance's name (None when it has none)


class Spec(Record):
    """A spec file as read: inputs, layer templates, blocks and expectations."""

    __slots__ = (
        "path", "framework", "inputs", "layers", "name", "batch", "expect", "outputs", "blocks", "functions", "assume",
        "mode",
    )  # fmt: skip

    path: str
    framework: str
    inputs: tuple[InputSpec, ...]
    layers: tuple[LayerSpec, ...]
    name: str | None
    batch: int | None
    expect: Expect | None
    outputs: tuple[tuple[str, Location], ...]
    blocks: dict[str, BlockSpec]
    functions: dict[str, Function]  # the helper formulas of `functions:`
    assume: tuple[Assumption, ...]  # what the symbols of the inputs satisfy
    mode: str  # "train" (modules as built) or "eval" (after model.eval()): frameworks/mode.py

    def __init__(
        self,
        path: str,
        framework: str,
        inputs: tuple[InputSpec, ...],
        layers: tuple[LayerSpec, ...],
        name: str | None = None,
        batch: int | None = None,
        expect: Expect | None = None,
        outputs: tuple[tuple[str, Location], ...] = (),
        blocks: dict[str, BlockSpec] | None = None,
        functions: dict[str, Function] | None = None,
        assume: tuple[Assumption, ...] = (),
        mode: str = "train",
    ) -> None:
        self.path = path
        self.framework = framework
        self.inputs = inputs
        self.layers = layers
        self.name = name
        self.batch = batch
        self.expect = expect
        self.outputs = outputs
        self.blocks = {} if blocks is None else blocks
        self.functions = {} if functions is None else functions
        self.assume = assume
        self.mode = mode

    @property
    def symbols(self) -> tuple[str, ...]:
        """The names written for input sizes (`input: [H, W, 3]`), in order: their sizes are formulas."""
        found: dict[str, None] = {}
        for item in self.inputs:
            for dim in item.shape:
                if isinstance(dim, str):
                    found[dim] = None
        return tuple(found)


def dims_text(text: str) -> list[str]:
    """A shape written as text, as its items: `28,28,1`, `28 28 1`, or a shape as convcalc and
    Python print it, `(None, 28, 28, 1)` or `[28, 28, 1]`.

    >>> dims_text("(26, 26, 32)"), dims_text("28,28,1"), dims_text("[None, 10]")
    (['26', '26', '32'], ['28', '28', '1'], ['None', '10'])
    """
    text = text.strip()
    if text[:1] in ("(", "[") and text[-1:] in (")", "]"):
        text = text[1:-1]
    return text.replace(",", " ").split()


RESERVED = frozenset(("ceil", "floor", "and", "or", "not", "in", "is", "if", "else", "True", "False"))


def symbol_name(item: object) -> bool:
    """Whether an input size is written as a symbol's name: a letter, then letters, digits or _.

    >>> symbol_name("H"), symbol_name("seq_len"), symbol_name("3"), symbol_name("floor")
    (True, True, False, False)
    """
    return isinstance(item, str) and item.isidentifier() and item.isascii() and len(item) <= 64 and item not in RESERVED


def parse_dims(items: list[Any], where: Location) -> tuple[Dim, ...]:
    """An input shape as written (numbers, a symbol's name such as H, or None/null/? for an
    unknown size), checked against the bounds."""
    dims: list[Dim] = []
    for item in items:
        if isinstance(item, str) and item.lower() in ("none", "null", "?"):
            item = None
        elif isinstance(item, str) and item.isascii() and item.removeprefix("-").isdigit() and len(item) < 100:
            item = int(item)
        elif symbol_name(item):
            dims.append(item)
            continue
        if item is not None and (isinstance(item, bool) or not isinstance(item, int) or item < 1):
            raise SpecError.at(
                where,
                "CC003",
                f"an input dimension must be a positive integer, a symbol's name (H) or null, found {short(item)}",
            )
        if item is not None and item > MAX_DIM:
            raise SpecError.at(
                where, "CC003", f"the input dimension {item:,} is over convcalc's bound of 2**40 elements per dimension"
            )
        dims.append(item)
    if not dims:
        raise SpecError.at(where, "CC003", "the input shape is empty", hint="e.g. [28, 28, 1]")
    if len(dims) > MAX_RANK:
        raise SpecError.at(where, "CC003", f"the input has {len(dims):,} dimensions, more than convcalc's bound of {MAX_RANK}")
    return tuple(dims)
