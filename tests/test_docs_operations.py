"""docs/operations.md, executed: every `$ convcalc ...` line of its console blocks is run and what
it prints (standard output, then standard error) compared, an error line with exit status 2;
its tables name every stand-in of both vocabularies."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from helpers import invoke

from convcalc.frameworks import vocabulary

ROOT = Path(__file__).parent.parent
PAGE = ROOT / "docs" / "operations.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def console_blocks() -> list[str]:
    return [text for language, text in FENCE.findall(PAGE.read_text()) if language == "console"]


@pytest.fixture
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_console_examples_print_what_the_page_shows(at_root: None) -> None:
    ran = 0
    for block in console_blocks():
        commands = re.split(r"^\$ ", block, flags=re.M)[1:]
        for command in commands:
            line, _, shown = command.partition("\n")
            args = shlex.split(line)
            assert args[0] == "convcalc"
            result = invoke(*args[1:])
            assert result.stdout + result.stderr == shown, line
            assert result.exit_code == (2 if result.stderr else 0), line
            ran += 1
    assert ran >= 7


@pytest.mark.parametrize("framework", ["pytorch", "keras"])
def test_the_tables_name_every_stand_in(framework: str) -> None:
    heading = {"pytorch": "## PyTorch", "keras": "## Keras"}[framework]
    section = PAGE.read_text().split(heading, 1)[1].split("\n## ", 1)[0]
    own = sorted(name for name, t in vocabulary(framework).types.items() if t.own and not t.source)  # tensors: spec.md
    assert own and [name for name in own if f"`{name}(" not in section] == []
