"""What a spec is once read: plain records that remember where each piece was written, the keys
a spec may use, and the bounds on what it may hold."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from convcalc.errors import Location, SpecError, short

FRAMEWORKS = ("keras", "pytorch")
TOP_LEVEL_KEYS = ("name", "description", "framework", "input", "inputs", "batch", "blocks", "layers", "outputs", "expect")
BLOCK_KEYS = ("params", "layers", "description")
GRAPH_KEYS = ("name", "inputs", "shares", "when", "repeat")  # what any layer may carry, whatever its class takes
EXPECT_KEYS = ("output_shape", "params", "trainable_params", "non_trainable_params", "max_params")
# Bounds on what a spec may hold, so hostile input fails fast instead of running for minutes.
MAX_NODES = 1_000_000  # a spec larger than this is an alias bomb or a mistake, not a network
MAX_DEPTH = 64  # a spec nests a few levels (spec > layers > layer > argument > tuple); 64 is generous
MAX_BYTES = 64 * 1024 * 1024  # a 100,000-layer spec is about 4 MB; /dev/zero or a stray dump is not a spec
MAX_DIM = 2**40  # elements along one dimension (input, output or weight): beyond it, a typo rather than a network
MAX_RANK = 64  # dimensions of one tensor (PyTorch stops at 64 too); beyond it every layer would copy huge shapes


@dataclass(frozen=True)
class LayerSpec:
    """One layer as written: type name, arguments, and where each piece stands in the source."""

    type: str
    args: tuple[object, ...]
    kwargs: dict[str, object]
    location: Location
    arg_locations: dict[int | str, Location] = field(default_factory=dict)
    arg_offsets: dict[int | str, int] = field(default_factory=dict)  # call form: columns after `location`
    name: object = None  # str, or an Expr inside a block
    inputs: tuple[object, ...] | None = None  # names, relative indices (-1), None: the layer before
    shares: str | None = None  # the layer whose weights this one uses: counted once
    when: object = None  # inside a block: a condition (an Expr) for including the layer at all
    repeat: object = None  # chain this many copies (an int, or an Expr inside a block)

    def locate(self, argument: int | str | None) -> Location:
        if argument is None or argument == "":
            return self.location
        if argument in self.arg_offsets:  # made on demand: most layers never need one
            return self.location.shifted(self.arg_offsets[argument])
        return self.arg_locations.get(argument, self.location)


@dataclass(frozen=True)
class Expect:
    """The `expect:` block: figures `convcalc check` compares with the computed ones."""

    values: dict[str, Any]
    locations: dict[str, Location]


@dataclass(frozen=True)
class InputSpec:
    """One graph input as written: its name and shape without the batch dimension."""

    name: str
    shape: tuple[int | None, ...]
    location: Location


@dataclass(frozen=True)
class BlockSpec:
    """A named sub-network: parameters with defaults (signature.REQUIRED where none) and layer templates."""

    name: str
    params: dict[str, object]
    layers: tuple[LayerSpec, ...]
    location: Location


IMPLICIT_NAMES = frozenset({"input_shape", "copy"})  # inside a block: its input's shape, the repeat copy (1, 2...)


@dataclass(frozen=True)
class Spec:
    """A spec file as read: inputs, layer templates, blocks and expectations."""

    path: str
    framework: str
    inputs: tuple[InputSpec, ...]
    layers: tuple[LayerSpec, ...]
    name: str | None = None
    batch: int | None = None
    expect: Expect | None = None
    outputs: tuple[tuple[str, Location], ...] = ()
    blocks: dict[str, BlockSpec] = field(default_factory=dict)


def parse_dims(items: list[Any], where: Location) -> tuple[int | None, ...]:
    """An input shape as written (numbers, or None/null/? for an unknown size), checked against the bounds."""
    dims: list[int | None] = []
    for item in items:
        if isinstance(item, str) and item.lower() in ("none", "null", "?"):
            item = None
        elif isinstance(item, str) and item.isascii() and item.lstrip("-").isdigit() and len(item) < 100:
            item = int(item)
        if item is not None and (isinstance(item, bool) or not isinstance(item, int) or item < 1):
            raise SpecError.at(where, "CC003", f"an input dimension must be a positive integer or null, found {short(item)}")
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
