"""Importers: models other tools wrote down, turned into convcalc spec text a person can read and
edit. Nothing downstream knows where a spec came from: an importer's whole product is text.

Each source is a module here with one function, `draft(path) -> Draft` (draft.py), imported
only when its source is used, so a heavy optional dependency (onnx, torch) costs nothing to the
others. A source is chosen by an explicit prefix (`keras:model.json`), then by the file's suffix,
then by its first bytes. To add one (ONNX, a torch module, an Ultralytics YAML): write its
module and add a `Source` to SOURCES; the command, the writer and the check against the source's
own shapes serve it as they are.
"""

from __future__ import annotations

from convcalc.errors import Diagnostic, Location, SpecError
from convcalc.record import Record
from convcalc.sources.draft import Draft


class Source(Record):
    """One kind of model file: its name, the module that reads it, how to recognise it, and the
    line `convcalc import --help` shows for it."""

    __slots__ = ("name", "module", "suffixes", "magic", "describe", "pattern", "options")

    name: str
    module: str
    suffixes: tuple[str, ...]
    magic: tuple[bytes, ...]  # what the file starts with (after whitespace)
    describe: str
    pattern: str  # a regular expression the whole argument matches (a source that is not a file)
    options: tuple[str, ...]  # the command's options this importer's draft() takes, by keyword

    def __init__(
        self,
        name: str,
        module: str,
        suffixes: tuple[str, ...],
        magic: tuple[bytes, ...],
        describe: str,
        pattern: str = "",
        options: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        self.module = module
        self.suffixes = suffixes
        self.magic = magic
        self.describe = describe
        self.pattern = pattern
        self.options = options


SOURCES = (
    Source(
        "keras",
        "keras_file",
        (".keras", ".json"),
        (b"PK\x03\x04", b"PK\x05\x06", b"{"),
        "a .keras file (a zip with config.json), the JSON of model.to_json(), or Keras 2 JSON",
    ),
    Source("darknet", "darknet", (".cfg",), (b"[net]", b"[network]"), "a darknet .cfg (YOLOv3, YOLOv4 and their tiny versions)"),
    Source(
        "onnx",
        "onnx_file",
        (".onnx",),
        tuple(bytes([0x08, version]) for version in range(3, 16)),  # field 1, ir_version, first
        "an ONNX model (needs the onnx package: pip install 'convcalc[onnx]')",
    ),
    Source(
        "torch",
        "torch_module",
        (),
        (),
        "a PyTorch module, torch:package.module:factory or file.py:factory, with --input (needs torch; runs that code)",
        r".+\.py:[A-Za-z_]\w*",
        ("input_shape",),
    ),
    Source(
        "ultralytics",
        "ultralytics",
        (".yaml", ".yml"),
        (),
        "an Ultralytics model YAML (yolov8.yaml, yolo11.yaml, yolov5.yaml...), at --scale",
        options=("scale",),
    ),
)


class Imported(Record):
    """What an import gives: the spec's text, and the places where convcalc's shapes differ
    from the ones the source states (none when the import is faithful), or, when the spec
    cannot be computed at all, why (`computed` False)."""

    __slots__ = ("text", "draft", "problems", "computed")

    text: str
    draft: Draft
    problems: tuple[Diagnostic, ...]
    computed: bool

    def __init__(self, text: str, draft: Draft, problems: tuple[Diagnostic, ...] = (), computed: bool = True) -> None:
        self.text = text
        self.draft = draft
        self.problems = problems
        self.computed = computed


def source_for(argument: str, chosen: str | None = None) -> tuple[Source, str]:
    """The source an argument names and the path it reads: `--from`, a `name:` prefix, the
    suffix, then the first bytes."""
    by_name = {source.name: source for source in SOURCES}
    path = argument
    prefix, colon, rest = argument.partition(":")
    if chosen is None and colon and prefix in by_name and len(prefix) > 1:  # c:\\model.cfg is a path
        chosen, path = prefix, rest
    if chosen is not None:
        if chosen not in by_name:
            raise SpecError.at(Location(argument), "CC001", f"unknown source {chosen!r}", hint=f"one of {', '.join(by_name)}")
        return by_name[chosen], path
    import re

    lowered = path.lower()
    for source in SOURCES:
        if (source.suffixes and lowered.endswith(source.suffixes)) or (source.pattern and re.fullmatch(source.pattern, path)):
            return source, path
    from convcalc.sources.reading import head

    start = head(path).lstrip()
    for source in SOURCES:
        if source.magic and start.startswith(source.magic):
            return source, path
    if not start:
        from convcalc.sources.reading import read_bytes

        read_bytes(path, 0)  # a missing file or a directory says so
    raise SpecError.at(
        Location(path),
        "CC001",
        "cannot tell what kind of model file this is",
        hint="name it .keras, .json, .cfg, .onnx or .yaml, or prefix it: keras:FILE, darknet:FILE, onnx:FILE, ultralytics:FILE",
    )


FLAGS = {"input_shape": "--input", "scale": "--scale"}  # an importer's option, as the command spells it


def draft(argument: str, chosen: str | None = None, options: dict[str, object] | None = None) -> Draft:
    """The Draft of the model an argument names; `options` are the importers' own (a PyTorch
    module's `input_shape`, an Ultralytics file's `scale`), given to the one that takes them and
    refused by the others."""
    import importlib

    source, path = source_for(argument, chosen)
    module = importlib.import_module(f"convcalc.sources.{source.module}")
    given = {key: value for key, value in (options or {}).items() if value is not None}
    for key in given:
        if key not in source.options:
            owner = next(other for other in SOURCES if key in other.options)
            what = "Ultralytics files" if owner.name == "ultralytics" else "a PyTorch module"
            raise SpecError.at(Location(path), "CC001", f"{FLAGS[key]} applies to {what}, not to {source.name}")
    try:
        result: Draft = module.draft(path, **given)
    except RecursionError:  # lists in lists in a model's arguments, past what reading them recursively allows
        raise SpecError.at(Location(path), "CC002", "the model file nests too deeply") from None
    return result


def convert(
    argument: str, chosen: str | None = None, output: str = "<stdout>", options: dict[str, object] | None = None
) -> Imported:
    """The spec text of the model an argument names, checked against the source's own shapes.
    `output` names the text in messages about it (where it is written)."""
    from convcalc.sources.check import disagreements
    from convcalc.sources.writer import spec_text

    found = draft(argument, chosen, options)
    try:
        text = spec_text(found)
    except ValueError as exc:  # a value with no literal (NaN) in a damaged file
        raise SpecError.at(Location(argument), "CC003", f"the model holds a value a spec cannot write: {exc}") from None
    try:
        return Imported(text, found, tuple(disagreements(found, text, output)))
    except SpecError as exc:
        return Imported(text, found, (exc.diagnostic,), computed=False)
