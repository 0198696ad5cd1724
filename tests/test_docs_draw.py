"""What docs/draw.md and docs/editors.md leave behind beyond their console blocks (which
tests/test_docs.py runs for every page): the files the draw examples write, the editor settings
parse, and the check-jsonschema line runs where check-jsonschema is installed."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from examples import blocks

from convcalc.cli.app import main

ROOT = Path(__file__).parent.parent
DOCS = [ROOT / "docs" / "draw.md", ROOT / "docs" / "editors.md"]


def convcalc(line: str) -> tuple[str, str]:
    """Run one `convcalc ...` line (with `$(convcalc ...)` substituted first): stdout, stderr."""
    line = re.sub(r'"\$\((convcalc [^)]*)\)"', lambda m: shlex.quote(convcalc(m.group(1))[0].strip()), line)
    args = shlex.split(line)
    assert args[0] == "convcalc"
    result = CliRunner().invoke(main, args[1:])
    assert result.exit_code == 0, f"{line}: {result.output}"
    return result.stdout, result.stderr


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("specs", "docs"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_files_the_examples_write(scratch: Path) -> None:
    for language, text in blocks(DOCS[0]):
        if language == "console":
            for line in text.splitlines():
                if line.startswith("$ convcalc draw") and " -o " in line:
                    convcalc(line[2:])
    assert (scratch / "inception.svg").read_text().startswith("<?xml")
    assert (scratch / "resnet50.html").read_text().startswith("<!DOCTYPE html>")
    assert (scratch / "block.dot").read_text().startswith("// resnet-block")
    assert (scratch / "resnet18.mmd").read_text().count("subgraph") == 0  # --depth 0: every block folded
    if shutil.which("dot"):
        png = subprocess.run(["dot", "-Tpng", "block.dot", "-o", "block.png"], capture_output=True, text=True)
        assert png.returncode == 0 and png.stderr == "" and (scratch / "block.png").stat().st_size > 1000


def test_editor_settings_parse_and_name_the_schema() -> None:
    languages = [(language, text) for language, text in blocks(DOCS[1]) if language in ("json", "lua")]
    settings = json.loads(languages[0][1])
    assert list(settings["yaml.schemas"]) == [
        "https://raw.githubusercontent.com/convcalc/convcalc/v0.1.0/convcalc/schema/convcalc-spec-1.schema.json"
    ]
    assert languages[1][1].strip() == 'vim.lsp.enable("yamlls")'


@pytest.mark.skipif(
    shutil.which("check-jsonschema") is None, reason="check-jsonschema is not installed (pip install check-jsonschema)"
)
def test_check_jsonschema_line_validates_the_specs(scratch: Path) -> None:
    (command,) = [text.strip() for language, text in blocks(DOCS[1]) if language == "sh"]
    path = convcalc("convcalc schema --path")[0].strip()
    args = shlex.split(command.replace('"$(convcalc schema --path)"', shlex.quote(path)))
    args = args[:-1] + sorted(str(p) for p in (scratch / "specs").glob("*.yaml"))
    result = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
