"""Ultralytics model YAML files (`yolov8.yaml`, `yolo11.yaml`, `yolov5.yaml`...), read by the rules
of Ultralytics' own `parse_model` (ultralytics/nn/tasks.py) and written in PyTorch's vocabulary.

The file is read by PyYAML's safe loader (YAML 1.1, as Ultralytics reads it), its aliases
checked before anything expands. Its `backbone:` and `head:` rows, `[from, repeats, module,
args]`, become the modules of `model`, numbered as DetectionModel numbers them, each an
instance of a block that writes the Ultralytics module out (ultralytics_modules.py). The rules:

- a scale: `--scale`, else the letter in the file's name (`yolov8n.yaml`), else the first of
  `scales:`, each `[depth, width, max_channels]`; a file without `scales:` uses
  `depth_multiple` and `width_multiple` (YOLOv5's own files), 1.0 when absent;
- a string argument is a parse_model variable (`nc`) or a Python literal (`"None"`);
- repeats `max(round(n * depth), 1)` when n > 1: a C2f-like module takes them as its own `n`,
  any other module is repeated inside an nn.Sequential (`model.4.0`, `model.4.1`);
- the output channels of a convolutional module `make_divisible(min(c2, max_channels) * width,
  8)`, its input channels those of the layer it takes; Concat's the sum of its inputs'; Detect
  gets `reg_max` and its inputs' channels; an `nn.` module its input's channels.
"""

from __future__ import annotations

import ast
import math
import os
import re
from typing import Any

from convcalc.errors import Location, SpecError
from convcalc.sources.draft import Call, Draft, Layer
from convcalc.sources.reading import read_bytes, text
from convcalc.sources.ultralytics_modules import ACTIVATION, Blocks

MAX_BYTES = 1024 * 1024
"""An Ultralytics model file is a few kilobytes."""
IMAGE = 640
"""Ultralytics' default image size (imgsz), at which its printed GFLOPs are counted."""
CHANNELS = 3

SCALED = frozenset(
    {"Conv", "DWConv", "GhostConv", "Bottleneck", "GhostBottleneck", "SPP", "SPPF", "C2PSA", "C2", "C2f", "C3k2"}
    | {"C3", "C3Ghost", "SCDown", "nn.ConvTranspose2d"}
)
"""Modules whose first argument is an output width that parse_model scales (of its base_modules,
those convcalc maps)."""
REPEATED = frozenset({"C2", "C2f", "C3k2", "C3", "C3Ghost", "C2PSA"})
"""Modules that take the repeat count as their own third argument (parse_model's repeat_modules)."""
OWN = frozenset({"C3k2"})
"""Modules that turn parse_model's `legacy` off: the Detect after them has YOLO11's class branch."""
HEADS = frozenset({"Detect"})
TORCH = frozenset({"Upsample", "MaxPool2d", "ZeroPad2d", "Identity", "ConvTranspose2d", "BatchNorm2d"})
"""The torch.nn classes a standard file names (`nn.Upsample`), written as the class itself."""
KNOWN = SCALED | {"Concat", "Detect"} | {f"nn.{name}" for name in TORCH}
VARIABLES = ("nc", "reg_max", "end2end", "depth", "width", "max_channels", "kpt_shape", "scale")
"""parse_model's variables a string argument may name (`[nc]`)."""


def fail(path: str, line: int, message: str, code: str = "CC105", hint: str = "", layer: str = "") -> SpecError:
    return SpecError.at(Location(path, line, 1), code, message, hint, layer)


def load(path: str) -> tuple[dict[str, Any], dict[int, int], list[str]]:
    """The file's mapping, the line of each row of backbone + head (by index), and its lines."""
    import yaml

    from convcalc.spec.loading import _check_aliases, has_alias

    source = text(read_bytes(path, MAX_BYTES), path)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        root = yaml.compose(source, Loader=loader)
        if root is not None and has_alias(source):
            _check_aliases(root, path)  # an alias bomb ends here, before anything expands
        data = yaml.load(source, Loader=loader) if root is not None else None  # nothing expands past the check
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(path, mark.line + 1, mark.column + 1) if mark else Location(path)
        raise SpecError.at(where, "CC002", f"malformed YAML: {exc.problem or exc.context}") from None
    except (yaml.YAMLError, RecursionError, MemoryError) as exc:
        raise SpecError.at(Location(path), "CC002", "malformed YAML: " + " ".join(str(exc).split())[:120]) from None
    if not isinstance(data, dict) or not isinstance(data.get("backbone"), list):
        raise fail(path, 1, "an Ultralytics model file is a mapping with `backbone:` and `head:` lists", "CC002")
    rows: dict[str, list[int]] = {"backbone": [], "head": []}
    assert root is not None
    for key, value in root.value:  # parse_model numbers backbone + head, whichever the file writes first
        if key.value in rows and isinstance(value.value, list):
            rows[key.value] = [row.start_mark.line + 1 for row in value.value]
    lines = dict(enumerate(rows["backbone"] + rows["head"]))
    return data, lines, source.splitlines()


def guess_scale(path: str) -> str:
    """The scale letter in a file's name, as Ultralytics' guess_model_scale reads it
    (`yolov8n.yaml` -> n, `yolo11s-p2.yaml` -> s).

    >>> guess_scale("cfg/yolov8n.yaml"), guess_scale("yolo11x-seg.yaml"), guess_scale("yolov8.yaml")
    ('n', 'x', '')
    """
    found = re.search(r"yolo(e-)?[v]?\d+([nslmx])", os.path.splitext(os.path.basename(path))[0])
    return found.group(2) if found else ""


def make_divisible(x: float, divisor: int) -> int:
    """The smallest multiple of divisor at least x (ultralytics/utils/ops.py).

    >>> make_divisible(64 * 0.25, 8), make_divisible(1024 * 0.75, 8), make_divisible(12.5, 8)
    (16, 768, 16)
    """
    return math.ceil(x / divisor) * divisor


class _Rows:
    """parse_model's walk over the rows: the channels of each layer so far, and the layers."""

    def __init__(self, path: str, lines: dict[int, int], raw: list[str]) -> None:
        self.path = path
        self.lines = lines
        self.raw = raw
        self.channels: list[int] = []
        self.layers: list[Layer] = []

    def line(self, index: int) -> int:
        return self.lines.get(index, 1)

    def fail(self, index: int, message: str, code: str = "CC105", hint: str = "") -> SpecError:
        return fail(self.path, self.line(index), message, code, hint, layer=f"model.{index}")

    def channel(self, index: int, source: int) -> int:
        """ch[f]: the output channels of the layer `source` names (-1 the one before; the input
        channels before the first)."""
        position = source if source >= 0 else index + source
        if not self.channels and index == 0 and source == -1:
            return CHANNELS
        if not 0 <= position < index:
            raise self.fail(index, f"from {source} names no layer before this one ({index})", "CC003")
        return self.channels[position]

    def comment(self, index: int) -> str:
        line = self.raw[self.line(index) - 1].strip() if self.line(index) <= len(self.raw) else ""
        return f"{index}: {line[1:].strip() if line.startswith('-') else line}"


def draft(path: str, scale: str | None = None) -> Draft:
    """The Draft of the Ultralytics model file in `path`, at `scale` (n, s, m, l, x...)."""
    data, lines, raw = load(path)
    chosen, depth, width, max_channels, said = _scale(data, path, scale)
    nc = data.get("nc")
    variables: dict[str, object] = {
        "nc": nc,
        "reg_max": data.get("reg_max", 16),
        "end2end": data.get("end2end"),
        "depth": depth,
        "width": width,
        "max_channels": max_channels,
        "kpt_shape": data.get("kpt_shape", 1.0),
        "scale": chosen,
    }
    activation = _activation(data, path)
    blocks = Blocks(activation or ACTIVATION)
    rows = _Rows(path, lines, raw)
    head = data.get("head") or []
    if not isinstance(head, list):
        raise fail(path, 1, "head: must be a list of [from, repeats, module, args] rows", "CC002")
    legacy = True
    for index, row in enumerate(list(data["backbone"]) + list(head)):
        legacy = _row(index, row, rows, blocks, variables, legacy)
    if not rows.layers:
        raise fail(path, 1, "the model has no rows under backbone: and head:", "CC003")
    model = Layer("ModuleList", name="model", children=tuple(rows.layers))
    summary = _summary(raw, chosen)
    header = (
        f"Imported by `convcalc import` from {path}: an Ultralytics model YAML, {said}, nc {nc}, "
        f"input {CHANNELS} x {IMAGE} x {IMAGE} (Ultralytics' default imgsz).",
        "Each row of backbone: and head: is a module of `model`, numbered as DetectionModel numbers them (a ModuleList:",
        "DetectionModel runs it by each row's `from`), with the arguments parse_model gives it (widths",
        "make_divisible(min(c2, max_channels) * width, 8), repeats max(round(n * depth), 1)); each module is a block",
        "below, its submodules under Ultralytics' names. Comments: the row as the file writes it.",
        *([f"The file's own figures for this scale: {summary}"] if summary else []),
        *(["Conv.default_act is the file's activation: " + activation] if activation else []),
    )
    expect: dict[str, object] = {}
    params = re.search(r"([\d,]+) parameters", summary or "")
    if params:
        expect["params"] = int(params.group(1).replace(",", ""))
    return Draft(
        "pytorch",
        (("input", (CHANNELS, IMAGE, IMAGE)),),
        (model,),
        _name(path, chosen),
        None,
        blocks.blocks(),
        (),
        expect,
        {},
        header,
    )


def _scale(data: dict[str, Any], path: str, scale: str | None) -> tuple[str, float, float, float, str]:
    """The scale chosen, its depth, width and max_channels, and how the header says it."""
    scales = data.get("scales")
    if not scales:
        if scale:
            raise fail(path, 1, f"--scale {scale}: the file has no scales:", hint="its depth_multiple and width_multiple apply")
        depth, width = data.get("depth_multiple", 1.0), data.get("width_multiple", 1.0)
        for key, value in (("depth_multiple", depth), ("width_multiple", width)):
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise fail(path, 1, f"{key} must be a positive number, found {value!r}")
        return "", float(depth), float(width), math.inf, f"depth_multiple {depth}, width_multiple {width}"
    if not isinstance(scales, dict):
        raise fail(path, 1, "scales: must map each scale to [depth, width, max_channels]")
    guessed = guess_scale(path)
    chosen = scale or guessed or str(next(iter(scales)))
    how = "--scale" if scale else "the file's name" if guessed else "the first of scales: (Ultralytics takes it, with a warning)"
    if chosen not in scales:
        raise fail(path, 1, f"scale {chosen!r} ({how}) is not one of the file's scales", hint=", ".join(map(str, scales)))
    values = scales[chosen]
    if (
        not isinstance(values, list)
        or len(values) != 3
        or any(isinstance(v, bool) or not isinstance(v, int | float) or v <= 0 for v in values)
    ):
        raise fail(path, 1, f"scales: {chosen} must be [depth, width, max_channels], positive numbers, found {values!r}")
    depth, width, max_channels = values
    said = f"scale {chosen!r} from {how} (depth {depth}, width {width}, max_channels {max_channels})"
    return chosen, float(depth), float(width), float(max_channels), said


def _activation(data: dict[str, Any], path: str) -> str:
    """The file's `activation:` (`nn.ReLU()`, `torch.nn.LeakyReLU(0.1)`) as a convcalc call,
    or "" for Conv's own SiLU."""
    written = data.get("activation")
    if not written:
        return ""
    try:
        node = ast.parse(str(written), mode="eval").body
        if not isinstance(node, ast.Call) or node.keywords:
            raise ValueError
        name = ast.unparse(node.func)
        if not re.fullmatch(r"(torch\.)?nn\.[A-Z]\w*", name):
            raise ValueError
        args = [ast.literal_eval(a) for a in node.args]
    except (SyntaxError, ValueError):
        raise fail(path, 1, f"activation: {str(written)[:60]!r} is not a torch.nn activation such as nn.ReLU()") from None
    return f"{name.rsplit('.', 1)[1]}({', '.join(map(repr, args))})"


def _summary(raw: list[str], scale: str) -> str:
    """The comment on the chosen scale's line: the figures Ultralytics printed for it."""
    for line in raw:
        found = re.match(rf"\s+{re.escape(scale)}:\s*\[[^\]]*\]\s*#\s*(.*summary.*)$", line) if scale else None
        if found:
            return found.group(1).strip()
    return ""


def _name(path: str, scale: str) -> str:
    """`yolov8` at scale n is `yolov8n`, as Ultralytics names the model."""
    stem = os.path.splitext(os.path.basename(path))[0] or "yolo"
    if not scale or guess_scale(path):
        return stem
    named = re.sub(r"(\d+)", rf"\g<1>{scale}", stem, count=1)
    return named if named != stem else f"{stem}-{scale}"


def _argument(value: object, variables: dict[str, object]) -> object:
    """A row's argument as parse_model reads it: a string is one of its variables or a literal."""
    if isinstance(value, str):
        if value in variables:
            return variables[value]
        try:
            return ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return value
    return value


def _row(index: int, row: object, rows: _Rows, blocks: Blocks, variables: dict[str, object], legacy: bool) -> bool:
    """One [from, repeats, module, args] row as the layer `model.index`; whether parse_model's
    `legacy` is still on after it."""
    if not isinstance(row, list) or len(row) != 4:
        raise rows.fail(index, "a row is [from, repeats, module, args]", "CC002")
    source, n, module, args = row
    if not isinstance(module, str) or not isinstance(args, list):
        raise rows.fail(index, "a row is [from, repeats, module, args]: module a name, args a list", "CC002")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise rows.fail(index, f"repeats must be a positive integer, found {n!r}")
    sources = source if isinstance(source, list) else [source]
    if not sources or any(isinstance(s, bool) or not isinstance(s, int) for s in sources):
        raise rows.fail(index, f"from must be a layer index or a list of them, found {source!r}", "CC003")
    if module not in KNOWN:
        known = ", ".join(sorted(KNOWN))
        raise rows.fail(index, f"Ultralytics module {module[:40]!r} is not one convcalc maps", "CC101", f"it maps {known}")
    args = [_argument(a, variables) for a in args]
    depth, width, max_channels = (float(variables[key]) for key in ("depth", "width", "max_channels"))  # type: ignore[arg-type]
    repeats = max(round(n * depth), 1) if n > 1 else n
    kind = module[3:] if module.startswith("nn.") else module
    inputs: tuple[str | int, ...] | None = None
    if module in SCALED or module == "nn.BatchNorm2d" or (module.startswith("nn.") and module != "nn.ConvTranspose2d"):
        if isinstance(source, list):
            raise rows.fail(index, f"{module} takes one input; from {source!r} names several", "CC003")
        c1 = rows.channel(index, source)
        if source not in (-1, index - 1):
            inputs = (source,) if source < 0 else (str(source),)
    if module in SCALED:
        if not args or isinstance(args[0], bool) or not isinstance(args[0], int):
            raise rows.fail(index, f"{module}'s first argument is its output channels, found {args[:1]!r}")
        c2 = make_divisible(min(args[0], max_channels) * width, 8)
        args = [c1, c2, *args[1:]]
        if module in REPEATED:
            args.insert(2, repeats)
            repeats = 1
            blocks.repeat(module, int(args[2]))
        if module == "C3k2":
            legacy = False
            if variables["scale"] in ("m", "l", "x"):
                args[3:4] = [True]  # parse_model: C3k blocks for the M, L and X sizes
        if module == "SPPF" and len(args) > 3:
            raise rows.fail(index, "SPPF with n or shortcut (YOLO26's) is not mapped by convcalc: rows of k alone are")
        if module == "C3k2" and len(args) > 5 and args[5]:
            blocks.use("PSABlock")
    elif module == "nn.BatchNorm2d":
        args, c2 = [c1], c1
    elif module.startswith("nn."):
        c2 = c1
    elif module == "Concat":
        c2 = sum(rows.channel(index, s) for s in sources)
        inputs = tuple(s if s < 0 else str(s) for s in sources)
    else:  # Detect
        if variables["end2end"]:
            raise rows.fail(index, "an end2end Detect (one-to-one heads) is not mapped by convcalc")
        for s in sources:
            rows.channel(index, s)  # each names a layer before this one
        if blocks.detect is not None:
            raise rows.fail(index, "a second Detect is not mapped by convcalc", "CC003")
        blocks.detect = (len(sources), legacy)
        nc = args[0] if args else None
        if isinstance(nc, bool) or not isinstance(nc, int) or nc < 1:
            raise rows.fail(index, f"Detect's first argument is the number of classes, found {nc!r}", "CC105")
        first, *others = (s if s >= 0 else index + s for s in sources)
        args = [nc, variables["reg_max"], *(f"model.{s}" for s in others)]
        inputs = (str(first),) if first != index - 1 else None
        c2 = 4 + nc  # (batch, 4 + nc, positions): nothing takes it in a detection file
    type_name = kind if module.startswith("nn.") else module
    if not module.startswith("nn.") and module != "Concat":
        blocks.use(module)
    layer = Layer(type_name, tuple(args), {}, None, inputs, comment=rows.comment(index))
    if repeats > 1:
        wrapped = Call(type_name, tuple(args), {"repeat": repeats})
        layer = Layer("Sequential", (wrapped,), {}, None, inputs, comment=layer.comment)
    rows.layers.append(layer)
    rows.channels.append(c2)
    return legacy
