"""darknet `.cfg` files, read by darknet's own rules and written in PyTorch's vocabulary (darknet
is channels-first, as PyTorch is).

The rules are those of darknet's parser (AlexeyAB/darknet src/parser.c, which keeps
pjreddie/darknet's): defaults, `pad=1` meaning a padding of size/2, a maxpool padded by
size - 1 in all (its output (w + padding - size) / stride + 1, so a 2/1 maxpool keeps its
size), a route concatenating channels (and taking one of `groups` channel groups), a shortcut
adding its inputs. The importer follows every shape with darknet's arithmetic as it reads;
those shapes are the spec's comments and `expect:`, and are checked against the PyTorch layers'
at import: two independent computations of one network.

Each darknet layer is one row of the spec (a block where PyTorch needs several modules:
convolution, batch norm, activation), named by its kind and darknet's own index (`conv_0`,
`route_17`) so that `convcalc summary --depth 0` lists darknet's layers as darknet prints them.
"""

from __future__ import annotations

import re

from convcalc.errors import Location, SpecError
from convcalc.ops.tensor import Shape
from convcalc.record import Record
from convcalc.signature import REQUIRED
from convcalc.sources.draft import Arithmetic, Block, Draft, Layer
from convcalc.sources.reading import read_bytes, text

# darknet's activations (src/activations.c get_activation) and the PyTorch modules computing
# them; leaky is max(x, 0.1 x) (leaky_activate: `(x>0) ? x : .1*x`).
ACTIVATIONS: dict[str, tuple[str, tuple[object, ...]] | None] = {
    "linear": None,
    "leaky": ("LeakyReLU", (0.1,)),
    "relu": ("ReLU", ()),
    "relu6": ("ReLU6", ()),
    "logistic": ("Sigmoid", ()),
    "tanh": ("Tanh", ()),
    "elu": ("ELU", ()),
    "selu": ("SELU", ()),
    "mish": ("Mish", ()),
    "swish": ("SiLU", ()),
    "gelu": ("GELU", ()),
}

# The options darknet's parser reads in each section (src/parser.c parse_*): anything else is
# ignored by darknet, and so here, but named in the spec's header (a misspelt option is a
# silent change to the network in darknet).
READ = {
    "convolutional": (
        "filters groups size stride stride_x stride_y dilation antialiasing pad padding activation assisted_excitation "
        "share_index batch_normalize cbn binary xnor bin_output sway rotate stretch stretch_sway flipped dot angle "
        "grad_centr reverse coordconv stream wait_stream"
    ),
    "maxpool": "stride stride_x stride_y size padding maxpool_depth out_channels antialiasing maxpool_zero_nonmax",
    "avgpool": "",
    "route": "layers groups group_id stream wait_stream",
    "shortcut": "activation weights_type weights_normalization from",
    "upsample": "stride scale",
    "connected": "output activation batch_normalize",
    "dropout": "probability dropblock dropblock_size_rel dropblock_size_abs",
}
ALIASES = {"conv": "convolutional", "max": "maxpool", "avg": "avgpool", "conn": "connected", "network": "net"}
NAMES = {
    "convolutional": "conv",
    "maxpool": "maxpool",
    "avgpool": "avgpool",
    "route": "route",
    "shortcut": "shortcut",
    "upsample": "upsample",
    "yolo": "yolo",
    "connected": "connected",
    "dropout": "dropout",
}
"""A spec name per section: `conv_0`, `maxpool_1`... (darknet prints conv, max, route...)."""
UNSUPPORTED = {
    "convolutional": {
        "antialiasing": "adds a blur layer",
        "share_index": "shares another layer's weights",
        "sway": "a deformable convolution",
        "rotate": "a deformable convolution",
        "stretch": "a deformable convolution",
        "stretch_sway": "a deformable convolution",
        "coordconv": "adds coordinate channels",
    },
    "maxpool": {"maxpool_depth": "pools across channels", "antialiasing": "adds a blur layer"},
}
"""Options that change what a layer computes in ways convcalc does not map: an error when set."""

Chw = tuple[int, int, int]  # darknet's (c, h, w) of a layer's output; (c, 0, 0) after [connected]


class Section(Record):
    """One `[kind]` of the cfg: its line and its options (the first of a repeated key, as
    darknet's option_find takes it), each with its line."""

    __slots__ = ("kind", "line", "options")

    kind: str
    line: int
    options: dict[str, tuple[str, int]]

    def __init__(self, kind: str, line: int, options: dict[str, tuple[str, int]]) -> None:
        self.kind = kind
        self.line = line
        self.options = options


def sections(source: str, path: str) -> list[Section]:
    """The cfg's sections, as darknet's read_cfg reads them: whitespace anywhere removed, `#`
    and `;` lines skipped, `key=value` options."""
    found: list[Section] = []
    for number, raw in enumerate(source.splitlines(), 1):
        line = "".join(raw.split())
        if not line or line[0] in "#;":
            continue
        if line[0] == "[":
            if not line.endswith("]") or len(line) < 3:
                raise SpecError.at(Location(path, number, 1), "CC002", f"malformed section header {raw.strip()[:60]!r}")
            kind = line[1:-1].lower()
            found.append(Section(ALIASES.get(kind, kind), number, {}))
            continue
        key, equals, value = line.partition("=")
        if not equals or not key:
            raise SpecError.at(Location(path, number, 1), "CC002", f"expected key=value, found {raw.strip()[:60]!r}")
        if not found:
            raise SpecError.at(Location(path, number, 1), "CC002", "an option before the first [section]")
        found[-1].options.setdefault(key, (value, number))
    return found


class _Reader:
    """One section's options, read as darknet reads them, each error at the option's line."""

    def __init__(self, section: Section, path: str) -> None:
        self.section = section
        self.path = path

    def where(self, key: str | None = None) -> Location:
        line = self.section.options[key][1] if key in self.section.options else self.section.line
        return Location(self.path, line, 1)

    def fail(self, message: str, key: str | None = None, code: str = "CC105", layer: str = "") -> SpecError:
        return SpecError.at(self.where(key), code, message, layer=layer)

    def integer(self, key: str, default: int) -> int:
        if key not in self.section.options:
            return default
        value = self.section.options[key][0]
        if not re.fullmatch(r"[+-]?\d{1,12}", value):
            raise self.fail(f"{key} must be an integer, found {value[:40]!r}", key)
        return int(value)

    def indices(self, key: str) -> list[int]:
        value = self.section.options.get(key, ("", 0))[0]
        parts = value.split(",")
        if not value or not all(re.fullmatch(r"[+-]?\d{1,12}", p) for p in parts):
            raise self.fail(f"{key} must be a list of layer indices such as -1,61, found {value[:40]!r}", key)
        return [int(p) for p in parts]

    def text(self, key: str, default: str) -> str:
        return self.section.options.get(key, (default, 0))[0]

    def number(self, key: str, default: float) -> float:
        if key not in self.section.options:
            return default
        value = self.section.options[key][0]
        try:
            return float(value)
        except ValueError:
            raise self.fail(f"{key} must be a number, found {value[:40]!r}", key) from None


class _Network:
    """The network as it is read: each darknet layer's spec name, output and darknet shape."""

    def __init__(self, path: str, channels: int, height: int, width: int) -> None:
        self.path = path
        self.names: list[str] = []  # each layer's spec name (what later layers refer to)
        self.rows: list[str] = []  # each layer's last row in the report (a block's last layer)
        self.shapes: list[Chw] = []
        self.input: Chw = (channels, height, width)
        self.layers: list[Layer] = []
        self.blocks: dict[str, Block] = {}
        self.outputs: list[int] = []
        self.unread: list[str] = []

    def shape(self, index: int) -> Chw:
        return self.shapes[index] if index >= 0 else self.input

    def name(self, index: int) -> str:
        return self.names[index] if index >= 0 else "input"

    def add(self, layer: Layer, shape: Chw, row: str, comment: str = "") -> None:
        index = len(self.names)
        self.names.append(str(layer.name))
        self.rows.append(row)
        self.shapes.append(shape)
        previous = self.name(index - 1)
        if layer.inputs == (previous,):
            layer = layer.replace(inputs=None)
        self.layers.append(layer.replace(comment=comment or _darknet_shape(shape)))

    def block(self, block: Block) -> str:
        self.blocks.setdefault(block.name, block)
        return block.name


def draft(path: str) -> Draft:
    """The Draft of the darknet cfg in `path`."""
    found = sections(text(read_bytes(path), path), path)
    if not found or found[0].kind != "net":
        where = Location(path, found[0].line if found else 1, 1)
        raise SpecError.at(where, "CC002", "a darknet cfg starts with a [net] section")
    net = _Reader(found[0], path)
    channels, height, width = net.integer("channels", 0), net.integer("height", 0), net.integer("width", 0)
    if min(channels, height, width) < 1:
        raise net.fail("[net] must give channels, height and width (positive integers)")
    network = _Network(path, channels, height, width)
    if len(found) == 1:
        raise net.fail("the cfg has no layers after [net]", code="CC003")
    for section in found[1:]:
        _layer(section, network)
    outputs = network.outputs or [len(network.names) - 1]
    names = tuple(network.names[i] for i in outputs)
    first = network.shapes[outputs[0]]
    unread = [f"line {u}" for u in network.unread]
    header = (
        f"Imported by `convcalc import` from {path}: a darknet cfg, input {width} x {height} x {channels}, "
        f"{len(network.names)} layers (0-{len(network.names) - 1}).",
        "Each darknet layer is one row (a block where PyTorch needs several modules), named by its kind and darknet's index;",
        "`convcalc summary --depth 0` lists them as darknet prints them. Comments: each layer's output, w x h x c, by",
        "darknet's own rules, checked against PyTorch's at import.",
        *(["Options darknet does not read (ignored, as darknet ignores them): " + "; ".join(unread)] if unread else []),
    )
    return Draft(
        "pytorch",
        (("input", (channels, height, width)),),
        tuple(network.layers),
        _stem(path),
        None,
        tuple(network.blocks.values()),
        names if names != (network.names[-1],) else (),
        {"output_shape": _torch_shape(first)},
        {network.rows[i]: (_torch_shape(shape),) for i, shape in enumerate(network.shapes)},
        header,
    )


def _layer(section: Section, network: _Network) -> None:
    """One section as one darknet layer."""
    index = len(network.names)
    reader = _Reader(section, network.path)
    kind = section.kind
    read = {"convolutional": _convolutional, "maxpool": _maxpool, "avgpool": _avgpool, "route": _route}
    read |= {"shortcut": _shortcut, "upsample": _upsample, "yolo": _yolo, "connected": _connected, "dropout": _dropout}
    if kind not in read:
        raise reader.fail(
            f"darknet section [{kind[:40]}] is not one convcalc maps",
            code="CC101",
            layer=f"{index}",
        )
    known = set(READ.get(kind, "").split())
    if kind in READ:
        network.unread += [f"{line} [{kind}] {key}" for key, (_, line) in section.options.items() if key not in known]
    for key, why in UNSUPPORTED.get(kind, {}).items():
        if key in section.options and (key == "share_index" or reader.integer(key, 0) != 0):
            raise reader.fail(f"{key} ({why}) is not mapped by convcalc", key, layer=f"{NAMES[kind]}_{index}")
    if index and network.shapes[-1][1] == 0 and kind not in ("connected", "dropout"):
        raise reader.fail(f"[{kind}] after [connected] needs an image; convcalc maps [connected] to a flat output")
    read[kind](reader, network, f"{NAMES[kind]}_{index}", index)


def _activation(reader: _Reader, default: str, layer: str) -> str:
    name = reader.text("activation", default)
    if name not in ACTIVATIONS:
        raise reader.fail(
            f"darknet activation {name[:40]!r} is not one convcalc maps ({', '.join(ACTIVATIONS)})",
            "activation",
            layer=layer,
        )
    return name


def _activation_layer(name: str) -> Layer | None:
    found = ACTIVATIONS[name]
    return None if found is None else Layer(found[0], found[1], name=name)


def _convolutional(reader: _Reader, network: _Network, name: str, index: int) -> None:
    """[convolutional]: out = (in + 2 * padding - size) / stride + 1, padding = size / 2 when
    pad=1 (parse_convolutional; convolutional_out_height). With batch_normalize the convolution
    has no bias (darknet's biases are the norm's beta)."""
    c, h, w = network.shape(index - 1)
    filters = reader.integer("filters", 1)
    size = reader.integer("size", 1)
    stride = reader.integer("stride", 1)
    stride_x, stride_y = reader.integer("stride_x", -1), reader.integer("stride_y", -1)
    if stride_x < 1 or stride_y < 1:
        stride_x, stride_y = (stride_x if stride_x >= 1 else stride), (stride_y if stride_y >= 1 else stride)
    groups = reader.integer("groups", 1)
    padding = size // 2 if reader.integer("pad", 0) else reader.integer("padding", 0)
    if size > 1 and reader.integer("dilation", 1) != 1:
        raise reader.fail("dilation (darknet keeps an undilated kernel's output size) is not mapped by convcalc", "dilation")
    bn = reader.integer("batch_normalize", 0) != 0 or reader.integer("cbn", 0) != 0
    activation = _activation(reader, "logistic", name)
    for key, value in (("filters", filters), ("size", size), ("stride", min(stride_x, stride_y)), ("groups", groups)):
        if value < 1:
            raise reader.fail(f"{key} must be at least 1, found {value}", key, layer=name)
    if c % groups or filters % groups:
        raise reader.fail(f"groups={groups} must divide the input channels ({c}) and filters ({filters})", "groups", layer=name)
    out_h, out_w = _windows(h, 2 * padding, size, stride_y), _windows(w, 2 * padding, size, stride_x)
    if out_h < 1 or out_w < 1:
        raise reader.fail(f"a {size} x {size} kernel does not fit the {w} x {h} input", "size", layer=name)
    strides: object = stride_x if stride_x == stride_y else (stride_y, stride_x)
    kwargs: dict[str, object] = {}
    if strides != 1:
        kwargs["stride"] = strides
    if padding != size // 2:
        kwargs["padding"] = padding
    if groups != 1:
        kwargs["groups"] = groups
    act = _activation_layer(activation)
    shape = (filters, out_h, out_w)
    inputs = (network.name(index - 1),)
    if not bn and act is None:  # one Conv2d: its own defaults (padding 0)
        plain = {"stride": strides} if strides != 1 else {}
        plain |= ({"padding": padding} if padding else {}) | ({"groups": groups} if groups != 1 else {})
        network.add(Layer("Conv2d", (c, filters, size), plain, name, inputs), shape, name)
        return
    block = _conv_block(bn, activation, act)
    network.add(Layer(network.block(block), (filters, size), kwargs, name, inputs), shape, f"{name}.{block.layers[-1].name}")


def _conv_block(bn: bool, activation: str, act: Layer | None) -> Block:
    """conv_bn_leaky and its kin: one darknet [convolutional] as PyTorch modules."""
    name = "conv" + ("_bn" if bn else "") + ("" if act is None else f"_{activation}")
    conv = Layer(
        "Conv2d",
        (Arithmetic("input_shape[1]"), Arithmetic("filters"), Arithmetic("size"), Arithmetic("stride"), Arithmetic("padding")),
        {"groups": Arithmetic("groups")} | ({"bias": False} if bn else {}),
        "conv",
    )
    layers = [conv] + ([Layer("BatchNorm2d", (Arithmetic("filters"),), name="bn")] if bn else []) + ([act] if act else [])
    params: dict[str, object] = {"filters": REQUIRED, "size": REQUIRED, "stride": 1, "padding": "size // 2", "groups": 1}
    what = "batch_normalize=1 " if bn else ""
    return Block(name, params, tuple(layers), f"[convolutional] {what}activation={activation}")


def _maxpool(reader: _Reader, network: _Network, name: str, index: int) -> None:
    """[maxpool]: padding size - 1 by default, out = (in + padding - size) / stride + 1, the
    windows starting padding / 2 before the input (parse_maxpool; make_maxpool_layer;
    forward_maxpool_layer's `-l.pad / 2` offset). Where the padding splits evenly it is
    MaxPool2d's own (whose padding the max ignores, as darknet's does); otherwise the padding
    after the input is explicit, -inf so that the max ignores it too."""
    c, h, w = network.shape(index - 1)
    stride = reader.integer("stride", 1)
    stride_x, stride_y = reader.integer("stride_x", stride), reader.integer("stride_y", stride)
    size = reader.integer("size", stride)
    padding = reader.integer("padding", size - 1)
    if min(stride_x, stride_y, size) < 1 or padding < 0:
        raise reader.fail("size and stride must be at least 1, padding at least 0", layer=name)
    out_h, out_w = _windows(h, padding, size, stride_y), _windows(w, padding, size, stride_x)
    if out_h < 1 or out_w < 1:
        raise reader.fail(f"a {size} x {size} window does not fit the {w} x {h} input", "size", layer=name)
    before = padding // 2
    strides: object = stride_x if stride_x == stride_y else (stride_y, stride_x)
    shape = (c, out_h, out_w)
    inputs = (network.name(index - 1),)
    even = (_windows(h, 2 * before, size, stride_y), _windows(w, 2 * before, size, stride_x)) == (out_h, out_w)
    if even and before <= size // 2:  # MaxPool2d takes at most half its kernel as padding
        kwargs: dict[str, object] = {"padding": before} if before else {}
        network.add(Layer("MaxPool2d", (size, strides), kwargs, name, inputs), shape, name)
        return
    after_h = max(0, (out_h - 1) * stride_y + size - h - before)  # what the last window needs
    after_w = max(0, (out_w - 1) * stride_x + size - w - before)
    block = network.block(
        Block(
            "maxpool_padded",
            {"size": REQUIRED, "stride": REQUIRED, "padding": REQUIRED},
            (
                Layer("ConstantPad2d", (Arithmetic("padding"), float("-inf")), name="pad"),
                Layer("MaxPool2d", (Arithmetic("size"), Arithmetic("stride")), name="pool"),
            ),
            "[maxpool] whose padding falls after the input: -inf padding, which the max ignores",
        )
    )
    layer = Layer(block, (size, strides, (before, after_w, before, after_h)), {}, name, inputs)
    network.add(layer, shape, f"{name}.pool")


def _avgpool(reader: _Reader, network: _Network, name: str, index: int) -> None:
    """[avgpool]: the average of each channel, 1 x 1 x c (make_avgpool_layer)."""
    c, _, _ = network.shape(index - 1)
    network.add(Layer("AdaptiveAvgPool2d", (1,), {}, name, (network.name(index - 1),)), (c, 1, 1), name)


def _route(reader: _Reader, network: _Network, name: str, index: int) -> None:
    """[route]: the outputs of `layers` (negative: counted back from this one), concatenated
    along channels; with groups, each input's group_id-th of `groups` channel groups
    (parse_route, make_route_layer, forward_route_layer)."""
    sources = [i + index if i < 0 else i for i in reader.indices("layers")]
    for source in sources:
        if not 0 <= source < index:
            raise reader.fail(f"layer {source} is not a layer before this one ({index})", "layers", layer=name)
    shapes = [network.shape(i) for i in sources]
    if any(s[1:] != shapes[0][1:] for s in shapes):
        sizes = ", ".join(f"{s[2]} x {s[1]}" for s in shapes)
        raise reader.fail(f"darknet routes layers of one width and height, found {sizes}", "layers", layer=name)
    groups, group_id = reader.integer("groups", 1), reader.integer("group_id", 0)
    channels = sum(s[0] for s in shapes)
    refs = tuple(network.name(i) for i in sources)
    if groups != 1:
        if groups < 1 or not 0 <= group_id < groups:
            raise reader.fail(f"group_id {group_id} must be one of the {groups} groups", "group_id", layer=name)
        if len(sources) != 1 or channels % groups:
            raise reader.fail("convcalc maps groups on one input whose channels the groups divide", "groups", layer=name)
        block = network.block(
            Block(
                "route_group",
                {"groups": REQUIRED, "group_id": REQUIRED},
                (
                    Layer("Unflatten", (1, (Arithmetic("groups"), Arithmetic("input_shape[1] // groups"))), name="split"),
                    Layer("Select", (1, Arithmetic("group_id")), name="take"),
                ),
                "[route] groups: the group_id-th of `groups` channel groups (x.chunk(groups, 1)[group_id])",
            )
        )
        layer = Layer(block, (groups, group_id), {}, name, refs)
        network.add(layer, (channels // groups, *shapes[0][1:]), f"{name}.take")
        return
    layer = Layer("Identity" if len(refs) == 1 else "Concat", (), {}, name, refs)
    network.add(layer, (channels, *shapes[0][1:]), name)


def _shortcut(reader: _Reader, network: _Network, name: str, index: int) -> None:
    """[shortcut]: the previous layer's output plus those of `from`, of one shape here (darknet
    adds mismatched shapes partly; parse_shortcut), then its activation (linear by default)."""
    if reader.text("weights_type", "none") != "none":
        raise reader.fail("a weighted shortcut (weights_type) is not mapped by convcalc", "weights_type", layer=name)
    sources = [i + index if i < 0 else i for i in reader.indices("from")]
    shape = network.shape(index - 1)
    for source in sources:
        if not 0 <= source < index:
            raise reader.fail(f"layer {source} is not a layer before this one ({index})", "from", layer=name)
        if network.shape(source) != shape:
            found = _darknet_shape(network.shape(source))
            raise reader.fail(f"adds {found} to {_darknet_shape(shape)}: convcalc maps equal shapes", "from", layer=name)
    activation = _activation(reader, "linear", name)
    refs = (network.name(index - 1), *(network.name(i) for i in sources))
    act = _activation_layer(activation)
    if act is None:
        network.add(Layer("Add", (), {}, name, refs), shape, name)
        return
    if len(sources) != 1:
        raise reader.fail("convcalc maps an activated shortcut from one layer", "from", layer=name)
    block = network.block(
        Block(
            f"shortcut_{activation}",
            {"other": REQUIRED},
            (Layer("Add", (), {}, "add", ("input", "other")), act),
            f"[shortcut] activation={activation}",
        )
    )
    network.add(Layer(block, (refs[1],), {}, name, refs[:1]), shape, f"{name}.{act.name}")


def _upsample(reader: _Reader, network: _Network, name: str, index: int) -> None:
    """[upsample]: each position repeated stride x stride times (nearest; make_upsample_layer).
    A negative stride (darknet's reverse, a downsampling) is not mapped."""
    c, h, w = network.shape(index - 1)
    stride = reader.integer("stride", 2)
    if stride < 1:
        raise reader.fail("a negative stride (darknet's reverse upsample) is not mapped by convcalc", "stride", layer=name)
    layer = Layer("Upsample", (), {"scale_factor": stride}, name, (network.name(index - 1),))
    network.add(layer, (c, h * stride, w * stride), name)


def _yolo(reader: _Reader, network: _Network, name: str, index: int) -> None:
    """[yolo]: the detection head's output, the input unchanged (w x h x n (classes + 5) values;
    make_yolo_layer); darknet refuses a layer before it whose filters disagree (parse_yolo)."""
    c, h, w = network.shape(index - 1)
    classes, total = reader.integer("classes", 20), reader.integer("num", 1)
    masks = reader.text("mask", "")
    anchors = len(masks.split(",")) if masks else total
    if c != anchors * (classes + 5):
        raise reader.fail(
            f"the layer before gives {c} channels, and {anchors} anchors x ({classes} classes + 5) are "
            f"{anchors * (classes + 5)}: filters= does not correspond to classes= or mask= (darknet refuses it too)",
            layer=name,
        )
    network.add(Layer("Identity", (), {}, name, (network.name(index - 1),)), (c, h, w), name, f"output: {w} x {h} x {c}")
    network.outputs.append(index)


def _connected(reader: _Reader, network: _Network, name: str, index: int) -> None:
    """[connected]: every input value to `output` values (make_connected_layer), its input
    flattened channel by channel as darknet holds it (and as Flatten does channels-first)."""
    c, h, w = network.shape(index - 1)
    features = c * max(h, 1) * max(w, 1)
    output = reader.integer("output", 1)
    if output < 1:
        raise reader.fail(f"output must be at least 1, found {output}", "output", layer=name)
    bn = reader.integer("batch_normalize", 0) != 0
    activation = _activation(reader, "logistic", name)
    act = _activation_layer(activation)
    block_name = "connected" + ("_bn" if bn else "") + ("" if act is None else f"_{activation}")
    layers = [
        Layer("Flatten", (), {}, "flatten"),
        Layer("Linear", (Arithmetic("in_features"), Arithmetic("out_features")), {"bias": False} if bn else {}, "fc"),
    ]
    layers += [Layer("BatchNorm1d", (Arithmetic("out_features"),), name="bn")] if bn else []
    layers += [act] if act else []
    block = network.block(
        Block(block_name, {"in_features": REQUIRED, "out_features": REQUIRED}, tuple(layers), "[connected], flattened first")
    )
    layer = Layer(block, (features, output), {}, name, (network.name(index - 1),))
    network.add(layer, (output, 0, 0), f"{name}.{layers[-1].name}")


def _dropout(reader: _Reader, network: _Network, name: str, index: int) -> None:
    """[dropout]: the input unchanged in shape (parse_dropout)."""
    probability = reader.number("probability", 0.2)
    if not 0 <= probability <= 1:
        raise reader.fail(f"probability must be from 0 to 1, found {probability}", "probability", layer=name)
    layer = Layer("Dropout", (probability,), {}, name, (network.name(index - 1),))
    network.add(layer, network.shape(index - 1), name)


def _stem(path: str) -> str:
    """The file's name without its folder and suffix: the spec's name."""
    import os

    return os.path.splitext(os.path.basename(path))[0] or "darknet"


def _windows(length: int, padding: int, size: int, stride: int) -> int:
    """darknet's output length, C's integer division (truncation) included: (in + padding -
    size) / stride + 1."""
    span = length + padding - size
    return (span // stride if span >= 0 else -(-span // stride)) + 1


def _darknet_shape(shape: Chw) -> str:
    c, h, w = shape
    return f"{c}" if h == 0 else f"{w} x {h} x {c}"


def _torch_shape(shape: Chw) -> Shape:
    c, h, w = shape
    return (None, c) if h == 0 else (None, c, h, w)
