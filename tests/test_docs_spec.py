"""docs/spec.md's YAML examples are valid under the spec schema. (test_docs.py runs the page:
each YAML block is saved under the name its first line gives, `# file: NAME.yaml`, and every
console line's output compared.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from examples import blocks

from convcalc.render.spec_schema import SCHEMA_PATH

ROOT = Path(__file__).parent.parent
PAGE = ROOT / "docs" / "spec.md"


def test_every_example_is_valid_under_the_spec_schema() -> None:
    """The schema an editor reads knows `functions:`, `container:`, the containers' mapping
    forms and Parameter: it accepts every example (bad-helper.yaml's fault is beyond a schema)."""
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft7Validator(json.loads(SCHEMA_PATH.read_text()))
    examples = [text for language, text in blocks(PAGE) if language == "yaml"]
    examples += [path.read_text() for path in (ROOT / "docs" / "examples").glob("*.yaml")]
    for text in examples:
        assert [error.message for error in validator.iter_errors(yaml.safe_load(text))] == [], text.splitlines()[0]
