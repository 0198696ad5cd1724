"""The JSON Schema (draft-07, what yaml-language-server reads) of the spec language, generated
from the vocabularies, so an editor completes layer types and their arguments.

Every layer type of the spec's framework (`framework:` selects the vocabulary, Keras when
absent) is offered for the call form and for `type:` of the mapping form; a mapping's keys are
the class's own arguments, with the type the framework states, the default, and the first
sentence of its docstring (frameworks/descriptions.py, generated from the real classes), plus
the keys convcalc adds to every layer (name, inputs, shares, when, repeat).

The schema is a reviewer, not the judge: it accepts every spec convcalc accepts and catches the
structural mistakes (an unknown key, a misspelled argument of a mapping, a string where a
number belongs). Inside `blocks:` arguments may be arithmetic of the block's parameters
(`filters * 4`), so there they are listed without types; and a `type:` that names no layer may
name a block. `convcalc check` has the last word.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from convcalc.frameworks import vocabulary
from convcalc.signature import REQUIRED
from convcalc.spec.containers import CONTAINERS, Container
from convcalc.spec.model import MODES

SCHEMA_FILE = "convcalc-spec-1.schema.json"
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema" / SCHEMA_FILE
"""The shipped copy, package data of convcalc (convcalc/schema/)."""
SCHEMA_ID = "https://github.com/convcalc/convcalc/schema/" + SCHEMA_FILE
FRAMEWORKS = ("keras", "pytorch")
IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_]*$"
CALL = r"^\s*[A-Za-z_][A-Za-z0-9_]*\s*(\([\s\S]*\))?\s*$"
SIGNATURE = r"^\s*[A-Za-z_][A-Za-z0-9_]*\s*\([^()]*\)\s*$"
"""A helper formula's key: name(param, param=default)."""

# The framework's words for a type, as JSON Schema types. Words naming things a YAML file cannot
# hold (a tensor, a module, a callable) leave the argument without a type: anything goes.
TYPE_WORDS = (
    (r"\b(int|ints|integer|integers)\b", "integer"),
    (r"\b(float|floats|number)\b", "number"),
    (r"\b(bool|boolean)\b", "boolean"),
    (r"\b(str|string|strings|literal)\b", "string"),
    (r"\b(tuple|tuples|list|lists|sequence)\b", "array"),
    (r"\b(dict|mapping)\b", "object"),
    (r"\b(none|nonetype|optional)\b", "null"),
)
UNTYPED = re.compile(r"\b(any|tensor|module|callable|dtype|device|object|function|layer|initializer|regularizer)\b", re.I)

GRAPH_PROPERTIES: dict[str, dict[str, Any]] = {
    "name": {"type": "string", "description": "convcalc: this layer's name (default: the framework's automatic name)."},
    "inputs": {
        "description": "convcalc: the layers (or inputs) this one takes: a name, a list of names, or -1, -2... "
        "for the layers before it; `name[1]` is a layer's second output.",
        "anyOf": [
            {"type": ["string", "integer"]},
            {"type": "array", "items": {"type": ["string", "integer"]}, "minItems": 1},
        ],
    },
    "shares": {"type": "string", "description": "convcalc: the layer whose weights this one uses (counted once)."},
    "when": {"description": "convcalc, inside a block: include the layer only when this condition holds."},
    "repeat": {"type": "integer", "minimum": 0, "description": "convcalc: this many chained copies (0 leaves it out)."},
}


def json_types(words: str, default: object) -> list[str] | None:
    """JSON Schema types for an argument from the framework's words for its type and from its
    default; None (no constraint) when the words are missing or name what YAML cannot hold.

    >>> json_types("Union[str, int, tuple[int, int]]", 0)
    ['integer', 'string', 'array']
    >>> json_types("bool", True), json_types("", None), json_types("Optional[Tensor]", None)
    (['boolean'], None, None)
    """
    if not words or UNTYPED.search(words):
        return ["boolean"] if isinstance(default, bool) and not words else None
    found = [kind for pattern, kind in TYPE_WORDS if re.search(pattern, words, re.I)]
    default_kind = {bool: "boolean", int: "integer", float: "number", str: "string", tuple: "array", type(None): "null"}
    if default is not REQUIRED and type(default) in default_kind:
        found.append(default_kind[type(default)])
    if not [kind for kind in found if kind != "null"]:
        return None
    if "number" in found and "integer" in found:
        found.remove("integer")
    return list(dict.fromkeys(found))


def argument_schema(words: str, text: str, default: object) -> dict[str, Any]:
    schema: dict[str, Any] = {}
    kinds = json_types(words, default)
    if kinds is not None:
        schema["type"] = kinds[0] if len(kinds) == 1 else kinds
    described = " ".join(part for part in (f"({words})" if words else "", text) if part)
    if default is REQUIRED:
        described = f"Required. {described}".strip()
    if described:
        schema["description"] = described
    if default is not REQUIRED and (default is None or isinstance(default, bool | int | float | str | tuple)):
        schema["default"] = list(default) if isinstance(default, tuple) else default
    return schema


def layer_types(framework: str) -> dict[str, Any]:
    """Per layer type: the mapping form with typed arguments, and the same inside a block
    (argument names only: there values may be arithmetic)."""
    from convcalc.frameworks import descriptions

    vocab = vocabulary(framework)
    documented: dict[str, Any] = getattr(descriptions, framework.upper())
    typed: dict[str, Any] = {}
    loose: dict[str, Any] = {}
    for name, layer_type in sorted(vocab.types.items()):
        summary, arguments = documented.get(layer_type.name, ("", {}))
        signature = layer_type.signature
        properties: dict[str, Any] = {"type": {}}  # the class (or an alias of it): checked by `layer_item`
        for argument, default in signature.positional + signature.keyword_only:
            words, text = arguments.get(argument, ("", ""))
            properties[argument] = argument_schema(words, text, default)
        for argument in sorted(signature.accepted - set(properties)):
            properties[argument] = {"description": "Accepted by the class's base (**kwargs); no effect on shapes."}
        properties.update({key: value for key, value in GRAPH_PROPERTIES.items() if key not in properties})
        required = [argument for argument, default in signature.positional + signature.keyword_only if default is REQUIRED]
        own = summary or f"{framework} {name}"
        if layer_type.own:
            own = f"convcalc's own {name} for {framework}: {summary}".rstrip(": ")
        typed[name] = {"description": own, "properties": properties, "additionalProperties": False}
        loose[name] = {"properties": {key: {} for key in properties}, "additionalProperties": False}
        if required:
            typed[name]["required"] = required
    return {"typed": typed, "loose": loose}


def container_schema(framework: str, container: Container, variant: str) -> dict[str, Any]:
    """A container in the mapping form: its layers under `layers:` (torch's ModuleList and
    ModuleDict: `modules:`), a list or a mapping of names to layers as the class takes them."""
    item = {"$ref": f"#/definitions/{framework}_{'layer' if variant == 'typed' else 'block_layer'}"}
    forms: list[dict[str, Any]] = []
    if container.keyed is not True:
        forms.append({"type": "array", "items": item, "description": "Its layers, in order (torch numbers them 0, 1...)."})
    if container.keyed is not False:
        forms.append({"type": "object", "additionalProperties": item, "description": "Its layers, named by key."})
    properties: dict[str, Any] = {"type": {}, container.keyword: {"anyOf": forms} if len(forms) > 1 else forms[0]}
    for keyword in container.keywords:
        properties[keyword] = {"type": "boolean", "description": "False: none of its layers' weights is trainable."}
    properties.update({key: value for key, value in GRAPH_PROPERTIES.items() if key != "shares"})
    return {
        "description": f"convcalc: a {framework} {container.name} holding layers (row names are its path).",
        "properties": properties,
        "required": [container.keyword],
        "additionalProperties": False,
    }


def layer_item(framework: str, types: list[str], variant: str) -> dict[str, Any]:
    """A layer in the list: the call form (a string), or a mapping whose `type:` picks its keys."""
    mapping: dict[str, Any] = {
        "type": "object",
        "required": ["type"],
        "properties": {
            "type": {
                "description": f"The {framework} layer class (or a block's name).",
                "anyOf": [{"enum": types}, {"type": "string", "pattern": IDENTIFIER}],
            }
        },
        "allOf": [
            {
                "if": {"properties": {"type": {"const": name}}, "required": ["type"]},
                "then": {"$ref": f"#/definitions/{framework}_{variant}/{name}"},
            }
            for name in types
        ],
    }
    call = {
        "description": f'A {framework} layer call such as "{types[0]}(...)", or a block instance.',
        "anyOf": [{"enum": types}, {"type": "string", "pattern": CALL}],
    }
    return {"anyOf": [call, mapping]}


UNKNOWN = {"anyOf": [{"type": "null"}, {"enum": ["None", "?"]}]}
"""A size written as unknown (or, in `expect:`, as any): null, None or ?."""
SYMBOL = {
    "type": "string",
    "pattern": r"^[A-Za-z_][A-Za-z0-9_]*$",
    "not": {"enum": ["None", "null", "ceil", "floor", "and", "or", "not", "in", "is", "if", "else", "True", "False"]},
    "description": "A size written as a name (H, T): shapes and costs follow it as formulas (docs/symbolic.md).",
}
"""An input size written as a symbol's name."""
FORMULA = {
    "type": "string",
    "pattern": r"[-+*/%()0-9]",
    "description": "A formula of the input's symbols, e.g. 40*floor(H/2)*floor(W/2) + 86.",
}
SHAPE_TEXT = r"^\s*[\[(]\s*(?:(?:[0-9]+|None|null|\?)\s*,?\s*)+[\])]\s*$"
"""A shape as text, as Python and the table print it: (None, 28, 28, 1)."""


def spec_schema() -> dict[str, Any]:
    """The whole schema, as a JSON-ready dict."""
    definitions: dict[str, Any] = {
        "dims": {
            "description": "A shape without the batch dimension, e.g. [28, 28, 1] (or as Python writes it, "
            '"(28, 28, 1)"); null for an unknown size, a name (H) for a size given later (--set H=224).',
            "anyOf": [
                {"type": "array", "minItems": 1, "items": {"anyOf": [UNKNOWN, {"type": "integer", "minimum": 1}, SYMBOL]}},
                {"type": "string", "pattern": SHAPE_TEXT},
            ],
        }
    }
    branches = {}
    for framework in FRAMEWORKS:
        vocab = vocabulary(framework)
        forms = layer_types(framework)
        containers = CONTAINERS[framework]
        names = sorted(vocab.types) + sorted(alias for alias in vocab.aliases if alias not in vocab.types)
        names += sorted(set(containers) - set(names))
        typed = dict(forms["typed"])
        loose = dict(forms["loose"])
        for name, container in containers.items():
            typed[name] = container_schema(framework, container, "typed")
            loose[name] = container_schema(framework, container, "loose")
        for alias, target in vocab.aliases.items():
            if alias not in typed:
                typed[alias] = {"$ref": f"#/definitions/{framework}_typed/{target}"}
                loose[alias] = {"$ref": f"#/definitions/{framework}_loose/{target}"}
        definitions[f"{framework}_typed"] = typed
        definitions[f"{framework}_loose"] = loose
        definitions[f"{framework}_layer"] = layer_item(framework, names, "typed")
        definitions[f"{framework}_block_layer"] = layer_item(framework, names, "loose")
        branches[framework] = {
            "properties": {
                "layers": {"items": {"$ref": f"#/definitions/{framework}_layer"}},
                "blocks": {
                    "additionalProperties": {
                        "properties": {"layers": {"items": {"$ref": f"#/definitions/{framework}_block_layer"}}}
                    }
                },
            }
        }
    block = {
        "type": "object",
        "required": ["layers"],
        "additionalProperties": False,
        "properties": {
            "description": {"type": "string"},
            "container": {
                "description": "The container class the block subclasses (torchvision's Conv2dNormActivation is a "
                "Sequential): its layers are named and run as that container's.",
                "enum": sorted({name for containers in CONTAINERS.values() for name in containers}),
            },
            "scoped": {
                "description": "false: a builder function rather than a module (Keras Applications' conv_block(x, "
                'growth_rate, name)): its layers are named as written, name + "_0_bn" with `name` the instance\'s '
                "name, or by the model's own numbering, not under the instance's path.",
                "type": "boolean",
            },
            "params": {
                "description": "Parameters: {name: default}, [required names], or a list mixing both.",
                "anyOf": [
                    {"type": "object"},
                    {"type": "array", "items": {"anyOf": [{"type": "string", "pattern": IDENTIFIER}, {"type": "object"}]}},
                ],
            },
            "layers": {"type": "array", "minItems": 1},
        },
    }
    count = {"anyOf": [{"type": "integer", "minimum": 0}, FORMULA]}
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_ID,
        "title": "convcalc spec",
        "description": "A network for convcalc: `convcalc summary SPEC`. Generated by `convcalc schema` from the Keras "
        "and PyTorch vocabularies; `framework:` picks which one completes the layers.",
        "type": "object",
        "required": ["layers"],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "description": "The network's name, shown in the summary's title."},
            "description": {"type": "string"},
            "framework": {
                "description": "Whose layers, names and conventions: keras (channels last, the default) or pytorch.",
                "default": "keras",
                "anyOf": [
                    {"enum": list(FRAMEWORKS)},
                    {"type": "string", "pattern": "^([Kk][Ee][Rr][Aa][Ss]|[Pp][Yy][Tt][Oo][Rr][Cc][Hh])$"},
                ],
            },
            "input": {"$ref": "#/definitions/dims"},
            "inputs": {
                "type": "object",
                "minProperties": 1,
                "additionalProperties": {"$ref": "#/definitions/dims"},
                "description": "Named inputs: {image: [224, 224, 3]}.",
            },
            "batch": {"type": ["integer", "null"], "minimum": 1, "description": "Batch size (absent: unknown)."},
            "mode": {
                "enum": list(MODES),
                "default": "train",
                "description": "The mode the layers run in, as model.train() / model.eval() set it: train (modules as "
                "built) or eval (an imported model, traced after model.eval()).",
            },
            "assume": {
                "description": "What the input's symbols satisfy: a condition or a list of them, e.g. "
                "[H % 32 == 0, 32 <= H <= 1024].",
                "anyOf": [{"type": "string"}, {"type": "array", "minItems": 1, "items": {"type": "string"}}],
            },
            "functions": {
                "type": "object",
                "propertyNames": {"pattern": SIGNATURE},
                "additionalProperties": {
                    "anyOf": [
                        {"type": ["string", "number"]},
                        {"type": "array", "minItems": 1, "items": {"type": ["string", "number"]}},
                    ]
                },
                "description": "Helper formulas for arithmetic: `name(param, param=default): expression`, or a list "
                "of steps `name = expression` ending with the result.",
            },
            "blocks": {
                "type": "object",
                "propertyNames": {"pattern": IDENTIFIER},
                "additionalProperties": {"$ref": "#/definitions/block"},
                "description": "Named sub-networks with parameters, used like layers.",
            },
            "layers": {"type": "array", "minItems": 1, "description": "The layers, in order."},
            "outputs": {
                "description": "The layers whose outputs are the network's (default: the last layer).",
                "anyOf": [{"type": "string"}, {"type": "array", "minItems": 1, "items": {"type": "string"}}],
            },
            "expect": {
                "type": "object",
                "additionalProperties": False,
                "description": "Figures `convcalc check` compares with the computed ones.",
                "properties": {
                    "output_shape": {
                        "description": "With the batch ([null, 24, 24, 64]) or without it ([24, 24, 64]), or as the "
                        'table prints it ("(None, 24, 24, 64)"); null for any size.',
                        "anyOf": [
                            {
                                "type": "array",
                                "minItems": 1,
                                "items": {"anyOf": [UNKNOWN, {"type": "integer", "minimum": 0}, SYMBOL, FORMULA]},
                            },
                            {"type": "string", "pattern": SHAPE_TEXT},
                        ],
                    },
                    "params": count,
                    "trainable_params": count,
                    "non_trainable_params": count,
                    "max_params": {"type": "integer", "minimum": 0},
                    "domain": {
                        "type": "string",
                        "description": "The input sizes the network accepts, as conditions on its symbols: "
                        "H % 16 == 0 and W % 16 == 0.",
                    },
                },
            },
        },
        "not": {"required": ["input", "inputs"]},
        "if": {
            "properties": {"framework": {"pattern": "^[Pp][Yy][Tt][Oo][Rr][Cc][Hh]$"}},
            "required": ["framework"],
        },
        "then": branches["pytorch"],
        "else": branches["keras"],
        "definitions": {**definitions, "block": block},
    }


def schema_text() -> str:
    """The schema as the shipped file holds it (keys in the order written, indented by one)."""
    return json.dumps(spec_schema(), indent=1, ensure_ascii=False) + "\n"
