"""Every example in every command's --help, run as a user runs it: by bash, with `convcalc` on
the PATH, from a directory outside the checkout (so a bundled network is reached by its name,
never through the checkout's specs/), and its printed output compared where the example shows
one (`... # prints OUTPUT`).

The files an example calls yours are there: `net.yaml` (a small spec; not for `init`, which
writes it), `broken.yaml` (a spec that fails, for `solve`), `unet.yaml` (a spec whose input
sizes are symbols, docs/examples/symbolic/pytorch-unet.yaml), `models/net.yaml` in a git
repository whose `main` branch holds an older version of it, and for `import` a Keras model
(`model.keras`, and its `model.to_json()` text as `exported.txt`), a darknet `yolov3-tiny.cfg`,
Ultralytics' `yolov8.yaml`, an ONNX `tiny-cnn.onnx` (docs/examples/) and a PyTorch module
`tiny_net.py`, from tests/sources/ (the ONNX and PyTorch examples are skipped where onnx or torch
is missing). An example that needs a tool
other than convcalc (jq, dot, git, check-jsonschema) is skipped where that tool is missing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from importlib.util import find_spec
from pathlib import Path

import click
import pytest
from examples import install_shim, missing_tools
from helpers import invoke

from convcalc.cli.app import main

COMMANDS = main.list_commands(click.Context(main))

ROOT = Path(__file__).resolve().parent.parent
SHOWN = re.compile(r"\s+#\s*prints\s+(.*)$")

NET = """# A small network of your own.
input: [28, 28, 1]
layers:
  - Conv2D(32, 3, activation="relu")
  - MaxPooling2D(2)
  - Flatten()
  - Dense(10)
expect:
  params: 54410
"""
OLDER = NET.replace("Conv2D(32, 3", "Conv2D(16, 3").replace("54410", "27210")


def examples(help_text: str) -> list[str]:
    """The commands under `Examples:`, continuation lines (ending in \\) joined."""
    lines = help_text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == "Examples:"), None)
    if start is None:
        return []
    found: list[str] = []
    indent = None
    pending = ""
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        depth = len(line) - len(line.lstrip())
        indent = depth if indent is None else indent
        if depth < indent:
            break
        text = f"{pending} {line.strip()}".strip() if pending else line.strip()
        pending = ""
        if text.endswith("\\"):
            pending = text[:-1].rstrip()
            continue
        found.append(text)
    return found


def help_examples() -> list[tuple[str, str]]:
    """(command, example) for the group and every command."""
    found = [("convcalc", example) for example in examples(invoke("--help").stdout)]
    for name in COMMANDS:
        found += [(name, example) for example in examples(invoke(name, "--help").stdout)]
    return found


EXAMPLES = help_examples()


def test_every_command_has_examples() -> None:
    assert {command for command, _ in EXAMPLES} == {"convcalc", *COMMANDS}


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A directory outside the checkout, with the files the examples call yours, and a
    `convcalc` on the PATH that runs this checkout's code as the console script does."""
    install_shim(tmp_path / "bin")
    work = tmp_path / "work"
    (work / "models").mkdir(parents=True)
    (work / "broken.yaml").write_text((ROOT / "tests/golden/solve/broken-channels.yaml").read_text())
    (work / "unet.yaml").write_text((ROOT / "docs/examples/symbolic/pytorch-unet.yaml").read_text())
    sources = ROOT / "tests" / "sources"
    shutil.copy(sources / "yolov3-tiny.cfg", work / "yolov3-tiny.cfg")
    shutil.copy(sources / "yolov8.yaml", work / "yolov8.yaml")
    shutil.copy(sources / "keras3-sequential.json", work / "exported.txt")
    shutil.copy(ROOT / "docs" / "examples" / "tiny-cnn.onnx", work / "tiny-cnn.onnx")
    shutil.copy(sources / "tiny_net.py", work / "tiny_net.py")
    with zipfile.ZipFile(work / "model.keras", "w") as archive:  # a .keras file's config, as Keras saves it
        archive.writestr("config.json", (sources / "keras3-sequential.json").read_text())
    if shutil.which("git"):
        env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
        env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
        (work / "models" / "net.yaml").write_text(OLDER)
        for args in (["init", "-q", "-b", "main"], ["add", "models"], ["commit", "-q", "-m", "older"]):
            subprocess.run(["git", *args], cwd=work, env=env, check=True, capture_output=True)
    (work / "models" / "net.yaml").write_text(NET)
    return work


def writers(command: str, example: str) -> list[str]:
    """The earlier examples of `command` that write (`-o FILE`) a file `example` reads, as a
    reader following the examples in order has run them."""
    earlier = [e for c, e in EXAMPLES[: EXAMPLES.index((command, example))] if c == command]
    reads = set(re.findall(r"[\w./-]+", example))
    return [e for e in earlier if any(name in reads for name in re.findall(r"(?:-o|--output)\s+(\S+\.\w+)", e))]


@pytest.mark.parametrize(("command", "example"), EXAMPLES, ids=[f"{c}: {e}" for c, e in EXAMPLES])
def test_help_example_runs_and_prints_what_it_shows(command: str, example: str, scratch: Path) -> None:
    if command != "init":
        (scratch / "net.yaml").write_text(NET)
    env = {**os.environ, "PATH": f"{scratch.parent / 'bin'}{os.pathsep}{os.environ['PATH']}", "NO_COLOR": "1"}
    env.pop("PYTHONPATH", None)  # the shim puts the checkout first; nothing else should
    for earlier in writers(command, example):  # `python resnet18.py` runs what an earlier example wrote
        subprocess.run(["bash", "-c", earlier], cwd=scratch, env=env, check=True, capture_output=True, timeout=300)
    missing = missing_tools(example, scratch)
    missing += [module for module, used in (("onnx", ".onnx"), ("torch", ".py:")) if used in example and not find_spec(module)]
    if missing:
        pytest.skip(f"needs {', '.join(missing)}")
    shown = SHOWN.search(example)
    line = example[: shown.start()] if shown else example
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", line], cwd=scratch, env=env, capture_output=True, text=True, timeout=300
    )
    differ = "convcalc diff" in line and result.returncode == 1  # diff: 1 means the networks differ, as documented
    assert result.returncode == 0 or differ, f"{example}\n{result.stdout}\n{result.stderr}"
    assert not re.search(r"Traceback|Error|CC\d{3}", result.stderr), result.stderr  # init says what it wrote there
    if shown:
        assert result.stdout.strip() == shown.group(1).strip(), example
