"""The spec schema (`convcalc schema`, convcalc/schema/convcalc-spec-1.schema.json): generated
from the vocabularies, shipped, accepted by every bundled spec, rejecting the structurally
wrong ones, and offering an editor every layer type and argument, as `convcalc init` sets up."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from convcalc.cli.app import main
from convcalc.frameworks import vocabulary
from convcalc.render.spec_schema import SCHEMA_FILE, schema_text
from convcalc.spec.containers import CONTAINERS
from convcalc.spec.model import GRAPH_KEYS

jsonschema = pytest.importorskip("jsonschema")

HERE = Path(__file__).parent
ROOT = HERE.parent
SHIPPED = ROOT / "convcalc" / "schema" / SCHEMA_FILE
# docs/examples/ultralytics/ holds Ultralytics' own model YAML, which `convcalc import` reads: not specs.
VALID = sorted(
    [
        *(ROOT / "specs").glob("*.yaml"),
        *(HERE / "specs" / "valid").glob("*.yaml"),
        *(p for p in (ROOT / "docs").rglob("*.yaml") if "ultralytics" not in p.parts),
    ]
)
# Invalid goldens the schema rejects (their structure is wrong) and those it cannot see (the
# arithmetic, a call's arguments, a type name that might be a block's): `convcalc check` does.
REJECTED = {
    "empty": "None is not of type 'object'",
    "expect-wrong-type": "'lots' is not of type 'integer'",
    "flow-list-commas": "'Conv2D(32' does not match",
    "string-for-number": "'32' is not of type 'integer'",
    "unknown-framework": "'tensorflow' does not match",
    "unknown-top-key": "Additional properties are not allowed ('layer' was unexpected)",
}
BEYOND_A_SCHEMA = {
    "groups-do-not-divide": "arithmetic",
    "in-channels-mismatch": "arithmetic",
    "kernel-too-big": "arithmetic",
    "misspelled-argument": "an argument inside a call string",
    "no-input": "input_shape= on the first layer may give the input",
    "not-a-literal": "text inside a call string",
    "too-many-positional": "a call string's arguments",
    "unknown-layer": "a type name may name a block",
}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return json.loads(SHIPPED.read_text())


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> Any:
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def errors(validator: Any, data: object) -> list[str]:
    """The messages of the innermost errors: inside anyOf, each branch's own reasons."""

    def leaves(error: Any) -> list[str]:
        return [m for inner in error.context for m in leaves(inner)] if error.context else [error.message]

    return [message for error in validator.iter_errors(data) for message in leaves(error)]


def test_the_shipped_schema_is_what_the_vocabularies_generate() -> None:
    assert SHIPPED.read_text() == schema_text(), "the vocabularies changed: run `convcalc schema -o " + str(SHIPPED) + "`"


def test_convcalc_schema_prints_it_and_knows_where_it_is() -> None:
    printed = CliRunner().invoke(main, ["schema"])
    assert printed.exit_code == 0 and printed.stdout == SHIPPED.read_text()
    where = CliRunner().invoke(main, ["schema", "--path"])
    assert Path(where.stdout.strip()).read_text() == SHIPPED.read_text()


@pytest.mark.parametrize("spec", VALID, ids=[p.stem for p in VALID])
def test_every_bundled_and_valid_spec_validates(spec: Path, validator: Any) -> None:
    assert errors(validator, yaml.safe_load(spec.read_text())) == []


@pytest.mark.parametrize("name", sorted({**REJECTED, **BEYOND_A_SCHEMA}))
def test_invalid_goldens_the_schema_can_see_are_rejected(name: str, validator: Any) -> None:
    found = errors(validator, yaml.safe_load((HERE / "specs" / "invalid" / f"{name}.yaml").read_text()))
    if name in REJECTED:
        assert [message for message in found if message.startswith(REJECTED[name])], found
    else:
        assert found == [], f"{name}: the schema cannot judge {BEYOND_A_SCHEMA[name]}"


def test_mapping_arguments_are_checked_and_block_arithmetic_is_allowed(validator: Any) -> None:
    spec = {"input": [8, 8, 3], "layers": [{"type": "Conv2D", "filter": 64, "kernel_size": 3}]}
    assert "Additional properties are not allowed ('filter' was unexpected)" in errors(validator, spec)
    block = {"params": {"filters": 8}, "layers": [{"type": "Conv2D", "filters": "filters * 4", "kernel_size": 3}]}
    assert errors(validator, {"input": [8, 8, 3], "blocks": {"b": block}, "layers": ["b(4)"]}) == []
    block["layers"] = [{"type": "Conv2D", "filterz": 3}]
    assert errors(validator, {"input": [8, 8, 3], "blocks": {"b": block}, "layers": ["b(4)"]}) != []
    torch = {"framework": "PyTorch", "input": [3, 8, 8], "layers": [{"type": "Conv2d", "in_channels": 3, "out_channels": 4}]}
    assert "'kernel_size' is a required property" in errors(validator, torch)


def offered(schema: dict[str, Any], document: dict[str, Any], path: list[str | int]) -> tuple[set[object], set[str]]:
    """What an editor offers at `path` in `document`, worked out as yaml-language-server does:
    follow $ref, properties and items, take every anyOf/allOf branch, and a then/else by the
    `if` evaluated against the node. Returns (values from enum/const, property names)."""
    root = schema

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = root
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node = target
        return node

    def walk(node: dict[str, Any], instance: Any, rest: list[str | int]) -> tuple[set[object], set[str]]:
        node = resolve(node)
        values: set[object] = set()
        names: set[str] = set()
        branches = [*node.get("anyOf", []), *node.get("allOf", [])]
        if "if" in node:
            matched = jsonschema.Draft7Validator(node["if"]).is_valid(instance)
            branches.append(node.get("then" if matched else "else", {}))
        for branch in branches:
            more_values, more_names = walk(branch, instance, rest)
            values |= more_values
            names |= more_names
        if not rest:
            values |= set(node.get("enum", [])) | ({node["const"]} if "const" in node else set())
            names |= set(node.get("properties", {}))
            return values, names
        key, tail = rest[0], rest[1:]
        child = instance[key] if isinstance(instance, dict | list) and (isinstance(key, int) or key in instance) else None
        if isinstance(key, str) and key in node.get("properties", {}):
            more = walk(node["properties"][key], child, tail)
        elif isinstance(key, int) and "items" in node:
            more = walk(node["items"], child, tail)
        else:
            return values, names
        return values | more[0], names | more[1]

    return walk(root, document, path)


@pytest.mark.parametrize("framework", ["keras", "pytorch"])
def test_an_editor_is_offered_every_layer_type_of_the_framework(framework: str, schema: dict[str, Any]) -> None:
    vocab = vocabulary(framework)
    every = set(vocab.types) | set(vocab.aliases) | set(CONTAINERS[framework])
    document = {"framework": framework, "input": [8], "layers": [{"type": ""}]}
    values, _ = offered(schema, document, ["layers", 0, "type"])
    assert values == every
    values, _ = offered(schema, {**document, "layers": [""]}, ["layers", 0])  # the call form
    assert values == every
    other = vocabulary("pytorch" if framework == "keras" else "keras")
    assert set(other.types) - every <= set(other.types) - values  # the other framework's own names are not offered
    assert set(CONTAINERS["pytorch"]) - every <= set(CONTAINERS["pytorch"]) - values


def test_an_editor_is_offered_the_arguments_of_the_chosen_type(schema: dict[str, Any]) -> None:
    document = {"framework": "keras", "input": [8, 8, 3], "layers": [{"type": "Conv2D"}]}
    _, names = offered(schema, document, ["layers", 0])
    signature = vocabulary("keras").types["Conv2D"].signature
    assert {"filters", "kernel_size", "strides", "padding", "dilation_rate", "groups", "use_bias"} <= names
    assert names >= {n for n, _ in signature.positional} | set(GRAPH_KEYS)
    conv = schema["definitions"]["keras_typed"]["Conv2D"]["properties"]
    assert conv["padding"] == {
        "type": "string",
        "description": '(string) either "valid" or "same" (case-insensitive).',
        "default": "valid",
    }
    assert conv["filters"]["type"] == "integer" and conv["filters"]["description"].startswith("Required.")


@pytest.mark.parametrize("framework", ["keras", "pytorch"])
def test_init_writes_a_starter_with_the_modeline_that_validates(framework: str, tmp_path: Path, validator: Any) -> None:
    target = tmp_path / "net.yaml"
    result = CliRunner().invoke(main, ["init", "--framework", framework, str(target)])
    assert result.exit_code == 0
    text = target.read_text()
    assert text.splitlines()[0] == (
        "# yaml-language-server: $schema="
        "https://raw.githubusercontent.com/convcalc/convcalc/v0.1.0/convcalc/schema/convcalc-spec-1.schema.json"
    )
    assert errors(validator, yaml.safe_load(text)) == []
    assert CliRunner().invoke(main, ["check", str(target)]).exit_code == 0
    again = CliRunner().invoke(main, ["init", str(target)])
    assert again.exit_code == 2 and "exists; give --force" in again.stderr
    local = CliRunner().invoke(main, ["init", str(target), "--force", "--schema", str(SHIPPED)])
    assert local.exit_code == 0 and target.read_text().startswith(f"# yaml-language-server: $schema={SHIPPED}\n")
