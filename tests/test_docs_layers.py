"""docs/layers.md lists every layer class the vocabularies know, as they know it (family, aliases,
convcalc's own stand-ins, the module a class lives in), and its example specs hold what their
`expect:` blocks say. Its console examples run in test_docs_draw.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from convcalc.cli.app import main
from convcalc.frameworks import vocabulary
from convcalc.frameworks.base import Family
from convcalc.frameworks.signatures import HOMES

ROOT = Path(__file__).parent.parent
PAGE = ROOT / "docs" / "layers.md"


def table(framework: str) -> str:
    """The family table the page shows for `framework`, from the vocabulary."""
    known = vocabulary(framework)
    aliases: dict[str, list[str]] = {}
    for alias, name in known.aliases.items():
        aliases.setdefault(name, []).append(alias)
    lines = ["| Family | Classes |", "| --- | --- |"]
    for family in Family:
        cells = []
        for layer_type in known.types.values():
            if layer_type.family is not family:
                continue
            cell = f"`{layer_type.name}`"
            if aliases.get(layer_type.name):
                cell += " (" + ", ".join(f"`{a}`" for a in aliases[layer_type.name]) + ")"
            if layer_type.own:
                cell += " *"
            if layer_type.name in HOMES[framework]:
                cell += f" [{HOMES[framework][layer_type.name]}]"
            cells.append(cell)
        if cells:
            lines.append(f"| {family.label} | " + ", ".join(cells) + " |")
    return "\n".join(lines)


@pytest.mark.parametrize(("framework", "heading"), [("pytorch", "## PyTorch"), ("keras", "## Keras")])
def test_the_page_lists_every_class_of_the_vocabulary(framework: str, heading: str) -> None:
    text = PAGE.read_text()
    section = text[text.index(heading) :]
    shown = re.search(r"^\| Family \| Classes \|\n(?:\|.*\n)+", section, re.M)
    assert shown is not None
    expected = table(framework)
    assert shown.group(0).strip() == expected, f"docs/layers.md's {framework} table is out of date; it should read:\n{expected}"


def test_the_example_specs_hold_their_expectations() -> None:
    specs = sorted(str(p) for p in (ROOT / "docs" / "examples").glob("*.yaml"))
    assert len(specs) >= 3
    result = CliRunner().invoke(main, ["check", *specs])
    assert result.exit_code == 0, result.output
