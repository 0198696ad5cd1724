"""What a framework vocabulary is: layer types under their names, each the one home of what
convcalc knows about a layer class.

A `LayerType` holds the real class's signature and shape arithmetic, and the facts every analysis
reads instead of keeping a table of class names of its own: its family (how `explain` words it),
its spatial rank, how it moves spatial positions and, for a sliding window, the window itself
(receptive fields) and the arguments that set it (`solve`), and its MACs rule (fvcore's count).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from convcalc.errors import LayerError, did_you_mean
from convcalc.ops import macs
from convcalc.ops.macs import MacsRule
from convcalc.ops.tensor import Built, Shape
from convcalc.ops.window import Axes, Window
from convcalc.record import Record
from convcalc.signature import REQUIRED, Args, Signature
from convcalc.spec.calls import Call, parse_call

Build = Callable[[Args, Any], Built]  # Any: a Shape, or a tuple of them for merges
WindowReader = Callable[[Args, Shape], Window]
"""A sliding-window layer's Window on its input shape, read with its own argument readers; raises
NoWindow when its windows do not line up with its input (an adaptive pool of uneven windows)."""
AxesReader = Callable[[Args, Shape], Axes]
"""How a Positions.AXES layer (or a concatenation) maps its input's axes, and which it mixes."""


class NoWindow(Exception):
    """The layer has no window on this input; the message says why."""


class Constants(type):
    """The metaclass of a closed set of named constants (Positions, Family), as enum.Enum makes
    them but at a fraction of the cost: built as Enums, these 49 members took half a millisecond
    of every start-up (issue 12). Each attribute written `NAME: ClassVar[C] = constant(...)` in
    the body of a class C becomes the instance `C(...)` named NAME; the members compare and hash
    by identity, and the class iterates over them in the order written.

    >>> Family.POOLING.name, Family.POOLING.label, Family.POOLING.positions, list(Positions)[:2]
    ('POOLING', 'pooling', <Positions.WINDOW>, [<Positions.KEEP>, <Positions.WINDOW>])
    """

    members: tuple[Any, ...]

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> Constants:
        cls = super().__new__(mcs, name, bases, namespace)
        members = []
        for key, value in namespace.items():
            if isinstance(value, Fields):
                member = cls(*value)
                member.name = key
                setattr(cls, key, member)
                members.append(member)
        cls.members = tuple(members)
        return cls

    def __iter__(cls) -> Iterator[Any]:
        return iter(cls.members)


class Fields(tuple[Any, ...]):
    """The fields of a member of a Constants class, as its body writes them."""


def constant(*fields: Any) -> Any:
    """A member of the Constants class whose body this is in, made from `fields` with the class."""
    return Fields(fields)


class Positions(metaclass=Constants):
    """How a layer moves the spatial positions of its input (receptive fields read this)."""

    __slots__ = ("name", "value")

    name: str
    value: str  # what it does, in words

    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"<Positions.{self.name}>"

    KEEP: ClassVar[Positions] = constant("keeps every position where it is")
    WINDOW: ClassVar[Positions] = constant("slides a window along its spatial axes")
    MERGE: ClassVar[Positions] = constant("merges its inputs position by position")
    AXES: ClassVar[Positions] = constant("mixes values along some axes, keeping positions on the others")
    GLOBAL: ClassVar[Positions] = constant("reduces every spatial axis")
    REARRANGE: ClassVar[Positions] = constant("rearranges positions")
    SPREAD: ClassVar[Positions] = constant("spreads each input position over several output positions")
    NONE: ClassVar[Positions] = constant("has no spatial positions")


class Family(metaclass=Constants):
    """What kind of layer a type is: how `explain` words it, how it usually moves spatial
    positions, and its usual MACs rule (None where its members differ: each type gives its own)."""

    __slots__ = ("name", "label", "positions", "counts")

    name: str
    label: str
    positions: Positions
    counts: MacsRule | None

    def __init__(self, label: str, positions: Positions, counts: MacsRule | None) -> None:
        self.label = label
        self.positions = positions
        self.counts = counts

    def __repr__(self) -> str:
        return f"<Family.{self.name}>"

    CONVOLUTION: ClassVar[Family] = constant("convolution", Positions.WINDOW, macs.convolution)
    DEPTHWISE_CONVOLUTION: ClassVar[Family] = constant("depthwise convolution", Positions.WINDOW, macs.convolution)
    SEPARABLE_CONVOLUTION: ClassVar[Family] = constant("separable convolution", Positions.WINDOW, macs.convolution)
    TRANSPOSED_CONVOLUTION: ClassVar[Family] = constant("transposed convolution", Positions.SPREAD, macs.transposed_convolution)
    POOLING: ClassVar[Family] = constant("pooling", Positions.WINDOW, macs.zero)
    ADAPTIVE_POOLING: ClassVar[Family] = constant("adaptive pooling", Positions.WINDOW, None)
    GLOBAL_POOLING: ClassVar[Family] = constant("global pooling", Positions.GLOBAL, None)
    PADDING: ClassVar[Family] = constant("padding or cropping", Positions.WINDOW, macs.zero)
    UPSAMPLING: ClassVar[Family] = constant("up-sampling", Positions.SPREAD, None)
    DENSE: ClassVar[Family] = constant("dense", Positions.AXES, macs.dense)
    FLATTEN: ClassVar[Family] = constant("flatten", Positions.REARRANGE, macs.zero)
    RESHAPE: ClassVar[Family] = constant("reshape", Positions.REARRANGE, macs.zero)
    BATCH_NORM: ClassVar[Family] = constant("batch normalization", Positions.KEEP, macs.batch_norm)
    NORMALIZATION: ClassVar[Family] = constant("normalization", Positions.KEEP, None)
    ELEMENTWISE: ClassVar[Family] = constant("element-wise", Positions.KEEP, macs.zero)
    DROPOUT: ClassVar[Family] = constant("dropout or noise", Positions.KEEP, macs.zero)
    MERGE: ClassVar[Family] = constant("element-wise merge", Positions.MERGE, macs.zero)
    CONCATENATE: ClassVar[Family] = constant("concatenation", Positions.MERGE, macs.zero)
    DOT: ClassVar[Family] = constant("batched dot product", Positions.REARRANGE, macs.dot)
    SELECT: ClassVar[Family] = constant("selection", Positions.AXES, macs.zero)
    EMBEDDING: ClassVar[Family] = constant("embedding", Positions.NONE, macs.zero)
    RECURRENT: ClassVar[Family] = constant("recurrent", Positions.NONE, macs.recurrent)
    WRAPPER: ClassVar[Family] = constant("wrapper", Positions.NONE, None)
    ATTENTION: ClassVar[Family] = constant("attention", Positions.NONE, None)
    TRANSFORMER: ClassVar[Family] = constant("transformer", Positions.NONE, None)
    # Tensor operations that real code calls as functions or methods (frameworks/pytorch/functions.py,
    # frameworks/keras/ops.py); fvcore counts none of them but matmul (its own rule)
    PERMUTATION: ClassVar[Family] = constant("permutation", Positions.AXES, macs.zero)
    VIEW: ClassVar[Family] = constant("view", Positions.REARRANGE, macs.zero)
    UNIT_AXES: ClassVar[Family] = constant("size-1 axes", Positions.AXES, macs.zero)
    REDUCTION: ClassVar[Family] = constant("reduction", Positions.AXES, macs.zero)
    SPLIT: ClassVar[Family] = constant("split", Positions.AXES, macs.zero)
    MATMUL: ClassVar[Family] = constant("matrix product", Positions.REARRANGE, macs.matmul)
    SCALED_DOT_PRODUCT: ClassVar[Family] = constant(
        "scaled dot-product attention", Positions.NONE, macs.scaled_dot_product_attention
    )
    PARAMETER: ClassVar[Family] = constant("parameter tensor", Positions.NONE, macs.zero)
    BUFFER: ClassVar[Family] = constant("constant tensor", Positions.NONE, macs.zero)  # a buffer: no input, no parameters
    # torch.roll: positions move along an axis, wrapping around
    ROLL: ClassVar[Family] = constant("roll", Positions.AXES, macs.zero)
    # Tensor.repeat, torch.tile, torch.repeat_interleave: copies of the input laid side by side
    REPETITION: ClassVar[Family] = constant("repetition", Positions.AXES, macs.zero)
    # torch.einsum: products of its operands summed over the indices dropped
    EINSUM: ClassVar[Family] = constant("einsum", Positions.NONE, None)
    # issue 9: the layer classes users met and found missing
    RECURRENT_CELL: ClassVar[Family] = constant("recurrent cell", Positions.NONE, macs.recurrent)
    CONVOLUTIONAL_RECURRENT: ClassVar[Family] = constant("convolutional recurrent", Positions.NONE, None)
    AUGMENTATION: ClassVar[Family] = constant("random augmentation", Positions.KEEP, macs.zero)
    # torch.nn.functional's layers on weights the forward computes (F.conv2d, F.batch_norm): the
    # weights are inputs, the layer counts none; each type gives its MACs rule
    GIVEN_WEIGHTS: ClassVar[Family] = constant("layer of weights given as inputs", Positions.KEEP, None)


class Terms(Record):
    """A sliding-window layer's own argument names for its window (None: it has no such
    argument), so `solve` can write a new setting in the layer's terms."""

    __slots__ = ("kernel", "stride", "padding", "dilation", "output_padding", "ceil_mode")

    kernel: str
    stride: str
    padding: str
    dilation: str | None
    output_padding: str | None
    ceil_mode: str | None

    def __init__(
        self,
        kernel: str,
        stride: str,
        padding: str,
        dilation: str | None = None,
        output_padding: str | None = None,
        ceil_mode: str | None = None,
    ) -> None:
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.output_padding = output_padding
        self.ceil_mode = ceil_mode


class Code(Record):
    """How `convcalc export` writes a layer as Python where its framework's default does not fit.

    The default writes the real class from the arguments as the spec wrote them
    (`nn.Conv2d(1, 32, 3)`, `layers.Conv2D(32, 3, name="conv2d")`) and calls it on its inputs:
    a PyTorch module as `module(a, b)`, a Keras layer on one input as `layer(x)` and on several
    as `layer([a, b])`. A template says otherwise; in it `{self}` is the layer, `{0}`, `{1}`...
    its inputs, `{*}` all of them joined by ", " (`{* + }` joined by " + "), `{more}` the keyword
    `more` (or nothing) and `{name}` the bound argument `name` as a Python literal. A
    convcalc-own stand-in for a framework function is its template alone: `Concat` is
    `torch.cat([{*}], dim={dim})`; one that holds weights (a parameter tensor) also says what
    `__init__` keeps under its name (`holds`), which `{self}` then reads in `forward`. A
    stand-in whose arguments change the code gives another template `when` one of them is not
    its default (`Add(other=3)` is `torch.add(x, 3, alpha=1)`); a layer whose call changes with
    its inputs (an LSTMCell given its state) says so in `choose`.
    """

    __slots__ = ("call", "outputs", "more", "layers", "alone", "holds", "when", "classes", "choose", "strided", "contiguous")

    call: str  # the call as a template; "" for the framework's default
    outputs: tuple[str, ...]  # output k read from what the call returns ("{}[1][0]"); (): `{}[k]`
    more: str  # a call keyword without which the call returns its first output alone
    layers: tuple[str, ...]  # the arguments that hold layers, written as nested constructor calls
    alone: int  # a single input is passed this many times (attention on itself)
    holds: str  # a stand-in's weights as `__init__` makes them, a template: "nn.Parameter(torch.zeros({shape}))"
    when: tuple[tuple[str, str], ...]  # (argument, template): the first whose argument is not its default
    classes: tuple[str, ...]  # the arguments that hold a class (`norm_layer=BatchNorm2d(eps=0.001)`): the class or a partial
    choose: Callable[[tuple[Shape, ...]], str] | None  # the call template for these input shapes, "" for `call`
    strided: bool  # its output is a strided view (a permute): a `view` of it needs `.contiguous()` first
    contiguous: bool  # it needs a contiguous input (`x.view(...)`)

    def __init__(
        self,
        call: str = "",
        outputs: tuple[str, ...] = (),
        more: str = "",
        layers: tuple[str, ...] = (),
        alone: int = 1,
        holds: str = "",
        when: tuple[tuple[str, str], ...] = (),
        classes: tuple[str, ...] = (),
        choose: Callable[[tuple[Shape, ...]], str] | None = None,
        strided: bool = False,
        contiguous: bool = False,
    ) -> None:
        self.call = call
        self.outputs = outputs
        self.more = more
        self.layers = layers
        self.alone = alone
        self.holds = holds
        self.when = when
        self.classes = classes
        self.choose = choose
        self.strided = strided
        self.contiguous = contiguous


class Table:
    """A signature as a framework's signatures.py holds it, made a Signature the first time its
    layer type is bound: a vocabulary module defines dozens of types and a network binds a few
    (building them all was ~0.5 ms of a Keras start-up, more of a PyTorch one; issue 12)."""

    __slots__ = ("entry", "base_kwargs", "extra")

    def __init__(self, entry: tuple, base_kwargs: frozenset[str], extra: Iterable[str] = ()) -> None:
        self.entry = entry  # (positional, keyword-only, takes **kwargs), as generated
        self.base_kwargs = base_kwargs  # the framework's base-class keywords, which **kwargs takes
        self.extra = extra  # keywords the class pops from its **kwargs itself

    def signature(self) -> Signature:
        positional, keyword_only, var_kwargs = self.entry

        def params(pairs: tuple) -> tuple[tuple[str, object], ...]:
            return tuple((name, REQUIRED if default == "REQUIRED" else default) for name, default in pairs)

        accepted = (self.base_kwargs if var_kwargs else frozenset()) | frozenset(self.extra)
        return Signature(params(positional), params(keyword_only), accepted)


class LayerType(Record):
    """A real layer class (or one of convcalc's own stand-ins for a framework function): its
    name and `__init__` signature, its shape arithmetic, and what the analyses need to know.

    Made once when its vocabulary is imported and never changed after; one object per class,
    so it compares and hashes by identity.
    """

    __slots__ = (
        "name",
        "_signature",
        "build",
        "family",
        "aliases",
        "merges",
        "shown_as",
        "own",
        "rank",
        "variant",
        "positions",
        "window",
        "axes",
        "terms",
        "macs",
        "source",
        "code",
    )

    name: str
    _signature: Signature | Table  # a Table until the type is first bound (`signature`)
    build: Build
    family: Family
    aliases: tuple[str, ...]
    merges: bool  # takes several inputs: `build` gets a tuple of shapes
    shown_as: str  # the class the framework reports, when not `name` (a Lazy module's plain class)
    own: bool  # convcalc's own stand-in for a framework function (torch.cat), not a class
    rank: int | None  # spatial axes it works on (1, 2 or 3), where the class fixes them
    variant: str  # its kind within the family: "max", "lstm", ...
    positions: Positions | None  # None: its family's
    window: WindowReader | None  # Positions.WINDOW
    axes: AxesReader | None  # Positions.AXES
    terms: Terms | None  # the arguments that set its window, for `solve`
    macs: MacsRule | None  # None: its family's
    source: bool  # takes no input at all (a learned tensor): `build` gets an empty tuple of shapes
    code: Code | None  # how export writes it, where the framework's default does not fit

    def __init__(
        self,
        name: str,
        signature: Signature | Table,
        build: Build,
        family: Family,
        aliases: tuple[str, ...] = (),
        merges: bool = False,
        shown_as: str = "",
        own: bool = False,
        rank: int | None = None,
        variant: str = "",
        positions: Positions | None = None,
        window: WindowReader | None = None,
        axes: AxesReader | None = None,
        terms: Terms | None = None,
        macs: MacsRule | None = None,
        source: bool = False,
        code: Code | None = None,
    ) -> None:
        self.name = name
        self._signature = signature
        self.build = build
        self.family = family
        self.aliases = aliases
        self.merges = merges
        self.shown_as = shown_as
        self.own = own
        self.rank = rank
        self.variant = variant
        self.positions = positions
        self.window = window
        self.axes = axes
        self.terms = terms
        self.macs = macs
        self.source = source
        self.code = code

    __eq__ = object.__eq__
    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"<LayerType {self.name}>"

    def replace(self, **changes: Any) -> LayerType:
        """A copy with some fields changed; its signature is this one's, read or not yet
        (Record.replace passes only the public slots).

        >>> from convcalc.frameworks import vocabulary
        >>> conv = vocabulary("keras").find("Conv2D")
        >>> conv.replace(name="MyConv").signature == conv.signature
        True
        """
        return super().replace(**{"signature": self._signature, **changes})

    @property
    def signature(self) -> Signature:
        """The real class's `__init__` signature (read from its Table the first time)."""
        signature = self._signature
        if isinstance(signature, Table):
            signature = self._signature = signature.signature()
        return signature

    @property
    def reported(self) -> str:
        return self.shown_as or self.name

    @property
    def counts(self) -> MacsRule:
        """Its MACs rule: its own, or its family's (the coverage test sees that one exists)."""
        rule = self.macs or self.family.counts
        if rule is None:
            raise TypeError(f"{self.name} has no MACs rule, and its family {self.family.label} has none for all")
        return rule

    @property
    def moves(self) -> Positions:
        """How it moves spatial positions: its own Positions, or its family's."""
        return self.positions or self.family.positions


class Vocabulary:
    """A framework's layer types by class name, and the aliases that lead to them.

    The types are defined by several modules, its parts, and a part is imported the first time
    one of its names is looked up: a network of convolutions never loads the recurrent layers, the
    augmentation layers or the tensor functions (a third of a `summary`'s start-up before). So each
    part comes with the names it defines, its classes and their aliases, written out (the
    framework's `__init__.py`; tests/test_vocabulary.py proves they are exactly what the part
    defines). A part's module holds its types in `TYPES` (or the attribute named after a colon:
    `"convcalc.frameworks.parameters:KERAS_TYPES"`), may add more with `register(vocabulary)`
    (types that look others up in the whole vocabulary) and may give `solve`'s window arguments
    by family in `SOLVABLE`.

    `types`, `aliases` and `solvable` are the whole vocabulary: reading one loads every part.
    """

    def __init__(self, framework: str, parts: dict[str, str]) -> None:
        self.framework = framework
        self.parts = parts  # module[:attribute] -> the names it defines, separated by white space
        self.index = {name: module for module, names in parts.items() for name in names.split()}
        self._types: dict[str, LayerType] = {}
        self._aliases: dict[str, str] = {}
        self._solvable: dict[Family, Terms] = {}
        self._loaded: dict[str, tuple[list[LayerType], list[LayerType]]] = {}  # part -> (its TYPES, what it registered)
        self._whole = False

    def find(self, name: str) -> LayerType | None:
        """The layer type called `name` or an alias of it, loading its part; None when unknown.

        >>> from convcalc.frameworks import vocabulary
        >>> vocabulary("keras").find("Convolution2D")
        <LayerType Conv2D>
        """
        found = self._types.get(self._aliases.get(name, name))
        if found is None:
            part = self.index.get(name)
            if part is not None and part not in self._loaded:
                self.load(part)
                found = self._types.get(self._aliases.get(name, name))
        return found

    def knows(self, name: str) -> bool:
        """Whether `name` is a class or an alias of this vocabulary, without loading anything."""
        return name in self.index or name in self._types or name in self._aliases

    def lookup(self, name: str, other: Vocabulary | None = None) -> LayerType:
        """The layer type called `name` (or an alias of it), or a LayerError with a suggestion."""
        found = self.find(name)
        if found is not None:
            return found
        hint = did_you_mean(name, list(self.types) + list(self.aliases))
        if other is not None and other.knows(name):
            hint = f"{name} is a {other.framework} layer; this spec's framework is {self.framework}" + (
                f"; {hint}" if hint else ""
            )
        raise LayerError(f"unknown {self.framework} layer type {name!r}", hint=hint, code="CC101")

    def add(self, layer_type: LayerType) -> None:
        self._types[layer_type.name] = layer_type
        for alias in layer_type.aliases:
            self._aliases[alias] = layer_type.name

    def load(self, part: str) -> None:
        """Import a part's module and add the types it defines (once)."""
        if part in self._loaded:
            return
        module_name, _, attribute = part.partition(":")
        module = importlib.import_module(module_name)
        defined = list(getattr(module, attribute or "TYPES"))
        registered: list[LayerType] = []
        self._loaded[part] = (defined, registered)
        for layer_type in defined:
            self.add(layer_type)
        if attribute:  # one attribute of a module shared by the frameworks: nothing else is ours
            return
        self._solvable.update(getattr(module, "SOLVABLE", {}))
        register = getattr(module, "register", None)
        if register is not None:
            before = set(self._types)
            register(self)
            registered.extend(t for name, t in self._types.items() if name not in before)

    def _everything(self) -> None:
        """Every part loaded, and the types listed in the order of the parts (each part's
        `TYPES`, then what the parts registered), however they were loaded."""
        if self._whole:
            return
        for part in self.parts:
            self.load(part)
        ordered = [t for part in self.parts for t in self._loaded[part][0]]
        ordered += [t for part in self.parts for t in self._loaded[part][1]]
        self._types = {t.name: t for t in ordered}
        self._aliases = {alias: t.name for t in ordered for alias in t.aliases}
        self._whole = True

    @property
    def types(self) -> dict[str, LayerType]:
        """Every layer type by class name (loads every part)."""
        self._everything()
        return self._types

    @property
    def aliases(self) -> dict[str, str]:
        """Every alias and the class name it stands for (loads every part)."""
        self._everything()
        return self._aliases

    @property
    def solvable(self) -> dict[Family, Terms]:
        """For `solve --input --output`: each family's window arguments (loads every part)."""
        self._everything()
        return self._solvable


def signature_from_table(entry: tuple, base_kwargs: frozenset[str]) -> Signature:
    """A Signature from a generated entry of a framework's signatures.py; classes that take
    `**kwargs` accept the framework's base-class keywords (`base_kwargs`)."""
    return Table(entry, base_kwargs).signature()


def snake_case(name: str) -> str:
    """Keras's automatic layer names (keras.src.utils.naming.to_snake_case): non-word characters
    dropped, then `_` put before a capital that starts a lower-case word and between a lower-case
    letter and a capital, then lower case. Keras does it with three regular expressions, here
    written out by hand: compiling them was a start-up cost of every Keras spec (issue 12), and
    tests/test_vocabulary.py checks the two against each other.

    >>> snake_case("Conv2D"), snake_case("MaxPooling2D"), snake_case("ReLU"), snake_case("PReLU")
    ('conv2d', 'max_pooling2d', 're_lu', 'p_re_lu')
    """
    text = "".join(c for c in name if c.isalnum() or c == "_")  # re.sub(r"\W+", "", name)
    words = []  # re.sub("(.)([A-Z][a-z]+)", r"\1_\2", text)
    i = 0
    while i < len(text):
        if i + 2 < len(text) and "A" <= text[i + 1] <= "Z" and "a" <= text[i + 2] <= "z":
            end = i + 3
            while end < len(text) and "a" <= text[end] <= "z":
                end += 1
            words.append(f"{text[i]}_{text[i + 1 : end]}")
            i = end
        else:
            words.append(text[i])
            i += 1
    text = "".join(words)
    words = []  # re.sub("([a-z])([A-Z])", r"\1_\2", text)
    i = 0
    while i < len(text):
        if i + 1 < len(text) and "a" <= text[i] <= "z" and "A" <= text[i + 1] <= "Z":
            words.append(f"{text[i]}_{text[i + 1]}")
            i += 2
        else:
            words.append(text[i])
            i += 1
    return "".join(words).lower()


def inner_layer(value: object, vocabulary: Vocabulary, argument: str) -> tuple[LayerType, Args]:
    """The layer a wrapper takes as an argument (`Bidirectional(LSTM(64))`), bound like any layer.

    The argument may be a parsed call (the call form), the text of one (`layer: "LSTM(64)"`) or a
    mapping (`layer: {type: LSTM, units: 64}`); errors name the wrapper's argument.
    """
    with about(argument):
        if isinstance(value, str):
            value = parse_call(value)
        if isinstance(value, dict):
            kwargs = dict(value)
            type_name = kwargs.pop("type", None)
            if not isinstance(type_name, str):
                raise LayerError("a layer given as a mapping needs `type:`", hint="e.g. {type: LSTM, units: 64}", code="CC105")
            value = Call(type_name, (), kwargs)
        if not isinstance(value, Call):
            raise LayerError(
                f"expected a layer, found {value!r}", hint='e.g. LSTM(64), "LSTM(64)" or {type: LSTM, units: 64}', code="CC105"
            )
        layer_type = vocabulary.lookup(value.name)
        return layer_type, layer_type.signature.bind(value.name, value.args, value.kwargs)


@contextmanager
def about(argument: str) -> Iterator[None]:
    """Errors raised inside a wrapped layer point at the wrapper's `argument` and say so."""
    try:
        yield
    except LayerError as exc:
        if exc.argument == argument and exc.message.startswith(f"{argument}: "):
            raise
        raise LayerError(f"{argument}: {exc.message}", exc.hint, argument, exc.code) from None


def wrapped_macs(layer: macs.Layer, vocabulary: Vocabulary, argument: str, shapes: tuple[Shape, ...]) -> int | None:
    """The MACs of the layer a wrapper takes as `argument` (TimeDistributed's layer, a
    TransformerEncoder's encoder_layer), bound and built on `shapes` by its own arithmetic."""
    layer_type, args = inner_layer(layer.args[argument], vocabulary, argument)
    built = layer_type.build(args, shapes if layer_type.merges else shapes[0])
    return layer_type.counts(macs.Layer(layer.framework, args, shapes, built.outputs, built.weights))
