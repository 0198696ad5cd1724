"""A Draft written as spec text a person can read and edit: one call per layer, the source's
names, `inputs` only where the graph branches, the source's shapes as comments.

Every value is written as a Python literal the spec's call reader reads back as the same value
(tests/test_import_writer.py reads back generated drafts); a line that YAML would misread is
quoted.
"""

from __future__ import annotations

import json
import re
from math import isfinite, isnan

from convcalc.ops.tensor import Shape
from convcalc.signature import REQUIRED
from convcalc.sources.draft import Arithmetic, Block, Call, Draft, Layer

COMMENT_COLUMN = 72
"""Comments start here, or two spaces after a longer call."""


def literal(value: object) -> str:
    """`value` as the literal the spec's call reader reads back as `value`.

    >>> literal((3, 3)), literal((1,)), literal("same"), literal([None, True]), literal(1e-05)
    ('(3, 3)', '(1,)', '"same"', '[None, True]', '1e-05')
    >>> literal(float("-inf")), literal(Call("LSTM", (64,), {"return_sequences": True}))
    ('-1e999', 'LSTM(64, return_sequences=True)')
    """
    if value is None or isinstance(value, bool | int):
        return repr(value)
    if isinstance(value, float):
        if isnan(value):
            raise ValueError("NaN has no literal")
        return repr(value) if isfinite(value) else ("1e999" if value > 0 else "-1e999")  # ast reads 1e999 as inf
    if isinstance(value, str):
        return string(value)
    if isinstance(value, tuple):
        return "(" + ", ".join(map(literal, value)) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, list):
        return "[" + ", ".join(map(literal, value)) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Call):
        return call(value.type, value.args, value.kwargs)
    if isinstance(value, Arithmetic):
        return value.text
    raise ValueError(f"{type(value).__name__} has no literal")


def string(text: str) -> str:
    """A Python string literal in ASCII: double quotes, and escapes for anything else.

    >>> print(string('a "b" \\ é 𐀀'))
    "a \\"b\\" \\\\ \\xe9 \\U00010000"
    """
    parts = []
    for character in text:
        code = ord(character)
        if character in '"\\':
            parts.append("\\" + character)
        elif 32 <= code < 127:
            parts.append(character)
        elif code < 256:
            parts.append(f"\\x{code:02x}")
        elif code < 65536:
            parts.append(f"\\u{code:04x}")
        else:
            parts.append(f"\\U{code:08x}")
    return '"' + "".join(parts) + '"'


def call(type_name: str, args: tuple[object, ...], kwargs: dict[str, object]) -> str:
    """`Type(arg, ..., key=value, ...)`."""
    parts = [literal(a) for a in args] + [f"{key}={literal(value)}" for key, value in kwargs.items()]
    return f"{type_name}({', '.join(parts)})"


def layer_call(layer: Layer) -> str:
    """A layer's call, its graph keywords after its arguments."""
    kwargs = dict(layer.kwargs)
    if layer.name is not None:
        kwargs["name"] = layer.name
    if layer.inputs is not None:
        kwargs["inputs"] = list(layer.inputs)
    if layer.shares is not None:
        kwargs["shares"] = layer.shares
    return call(layer.type, layer.args, kwargs)


def scalar(text: str) -> str:
    """`text` as a YAML scalar that reads back as `text`: plain when YAML takes it as is, quoted
    otherwise.

    >>> scalar('Dense(10, name="a")'), scalar('Dense(10, name="a: b")')
    ('Dense(10, name="a")', '"Dense(10, name=\\\\"a: b\\\\")"')
    """
    plain = (
        text
        and text.isascii()
        and text.isprintable()
        and text[0].isalpha()
        and text == text.strip()
        and ": " not in text
        and " #" not in text
        and not text.endswith(":")
    )
    return text if plain else json.dumps(text)


YAML_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "y", "n", "null"})
"""Words YAML 1.1 reads as booleans or null, not as text."""


def word(text: str) -> str:
    """A name as a YAML value: plain when YAML reads it back as that text, quoted otherwise.

    >>> word("yolov3-tiny"), word("true"), word("my model")
    ('yolov3-tiny', '"true"', '"my model"')
    """
    plain = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", text) is not None and text.lower() not in YAML_WORDS
    return text if plain else json.dumps(text)


def key(text: str) -> str:
    """A mapping key: plain when it is a word, quoted otherwise."""
    return word(text)


def dims(shape: Shape) -> str:
    """An input shape or an expected output shape: `[null, 224, 224, 3]`."""
    return "[" + ", ".join("null" if d is None else str(d) for d in shape) + "]"


def comment_text(text: str) -> str:
    return " ".join(text.split())


def with_comment(line: str, comment: str) -> str:
    if not comment:
        return line
    return f"{line.ljust(COMMENT_COLUMN - 2)}  # {comment_text(comment)}"


def layer_lines(layers: tuple[Layer, ...], indent: str) -> list[str]:
    lines = []
    for layer in layers:
        if layer.children is None:
            lines.append(with_comment(f"{indent}- {scalar(layer_call(layer))}", layer.comment))
        else:
            lines += container_lines(layer, indent)
    return lines


CHILDREN_KEY = {"ModuleList": "modules", "ModuleDict": "modules"}
"""The mapping form's key for a container's layers (`layers:` for a Sequential)."""


def container_lines(layer: Layer, indent: str) -> list[str]:
    """A container in the mapping form: `type:`, `name:`, `inputs:`, then its layers."""
    assert layer.children is not None
    lines = [with_comment(f"{indent}- type: {layer.type}", layer.comment)]
    if layer.name is not None:
        lines.append(f"{indent}  name: {word(layer.name)}")
    if layer.inputs is not None:
        lines.append(f"{indent}  inputs: [" + ", ".join(json.dumps(name) for name in layer.inputs) + "]")
    lines.append(f"{indent}  {CHILDREN_KEY.get(layer.type, 'layers')}:")
    return lines + layer_lines(layer.children, indent + "    ")


def params_text(params: dict[str, object]) -> str:
    """`[filters, size, {stride: 1}]`: the required names, then the defaults."""
    required = [name for name, default in params.items() if default is REQUIRED]
    defaults = {name: default for name, default in params.items() if default is not REQUIRED}
    parts = required + (["{" + ", ".join(f"{k}: {yaml_value(v)}" for k, v in defaults.items()) + "}"] if defaults else [])
    return "[" + ", ".join(parts) + "]"


def yaml_value(value: object) -> str:
    """A literal as YAML writes it (lists for tuples, null for None): JSON, which YAML reads."""
    return json.dumps(value)


def block_lines(block: Block) -> list[str]:
    lines = [with_comment(f"  {block.name}:", block.comment)]
    if block.params:
        lines.append(f"    params: {params_text(block.params)}")
    lines.append("    layers:")
    return lines + layer_lines(block.layers, "      ")


def spec_text(draft: Draft) -> str:
    """The spec, as text."""
    lines = [f"# {comment_text(line)}" if line else "#" for line in draft.header]
    if draft.name is not None:
        lines.append(f"name: {word(draft.name)}")
    lines.append(f"framework: {draft.framework}")
    if len(draft.inputs) == 1 and draft.inputs[0][0] == "input":
        lines.append(f"input: {dims(draft.inputs[0][1])}")
    else:
        lines.append("inputs:")
        lines += [f"  {key(name)}: {dims(shape)}" for name, shape in draft.inputs]
    if draft.batch is not None:
        lines.append(f"batch: {draft.batch}")
    if draft.mode != "train":
        lines.append(f"mode: {draft.mode}")
    if draft.blocks:
        lines.append("")
        lines.append("blocks:")
        for block in draft.blocks:
            lines += block_lines(block)
        lines.append("")
    lines.append("layers:")
    lines += layer_lines(draft.layers, "  ")
    if draft.outputs:
        lines.append("outputs: [" + ", ".join(json.dumps(name) for name in draft.outputs) + "]")
    if draft.expect:
        lines.append("expect:")
        for name, value in draft.expect.items():
            shown = dims(value) if name == "output_shape" and isinstance(value, tuple) else yaml_value(value)
            lines.append(f"  {name}: {shown}")
    return "\n".join(lines) + "\n"
