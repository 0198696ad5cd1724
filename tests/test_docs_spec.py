"""Every example in docs/spec.md, executed: each YAML block (whose first line names its file,
`# file: NAME.yaml`) is written to a scratch directory that also holds the repository's docs/,
each `$ convcalc ...` line of a console block is run there, and what it prints (standard output
and standard error) must be what the page shows; every YAML block is run by some console line,
or passes `convcalc check`."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from convcalc.cli import main
from convcalc.render.spec_schema import SCHEMA_PATH

ROOT = Path(__file__).parent.parent
PAGE = ROOT / "docs" / "spec.md"
FENCE = re.compile(r"^( *)```(\w*)\n(.*?)^\1```", re.S | re.M)


def blocks() -> list[tuple[str, str]]:
    found = []
    for match in FENCE.finditer(PAGE.read_text()):
        indent = len(match.group(1))
        text = "\n".join(line[indent:] for line in match.group(3).splitlines()) + "\n"
        found.append((match.group(2), text))
    return found


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "docs").symlink_to(ROOT / "docs")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(line: str) -> str:
    args = shlex.split(line)
    assert args[0] == "convcalc"
    result = CliRunner().invoke(main, args[1:])
    assert result.exit_code in (0, 1, 2), result.output
    return result.stdout + result.stderr


def test_every_example_prints_what_the_page_shows(scratch: Path) -> None:
    written: list[str] = []
    used: set[str] = set()
    ran = 0
    for language, text in blocks():
        if language == "yaml":
            first = text.splitlines()[0]
            assert first.startswith("# file: "), f"a YAML example names its file on its first line: {first!r}"
            name = first.removeprefix("# file: ").strip()
            (scratch / name).write_text(text)
            written.append(name)
        if language != "console":
            continue
        lines = text.splitlines(keepends=True)
        commands = [i for i, line in enumerate(lines) if line.startswith("$ ")]
        for start, end in zip(commands, [*commands[1:], len(lines)]):
            command = lines[start][2:].strip()
            used.update(word for word in shlex.split(command) if word in written)
            assert run(command) == "".join(lines[start + 1 : end]), f"the output of {command!r}"
            ran += 1
    for name in set(written) - used:
        assert run(f"convcalc check {name}") == "", f"{name} is run by no console block and does not pass check"
    assert ran >= 6 and len(written) >= 4


def test_every_example_is_valid_under_the_spec_schema() -> None:
    """The schema an editor reads knows `functions:`, `container:`, the containers' mapping
    forms and Parameter: it accepts every example (bad-helper.yaml's fault is beyond a schema)."""
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft7Validator(json.loads(SCHEMA_PATH.read_text()))
    examples = [text for language, text in blocks() if language == "yaml"]
    examples += [path.read_text() for path in (ROOT / "docs" / "examples").glob("*.yaml")]
    for text in examples:
        assert [error.message for error in validator.iter_errors(yaml.safe_load(text))] == [], text.splitlines()[0]
