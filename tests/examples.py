"""Examples in Markdown, run as a reader runs them: the fenced blocks of a page, a `convcalc` on
the PATH that runs this checkout (as the console script does), and a console block's commands
run by bash one `$ ` line at a time, each line's output (stdout and stderr, as a terminal shows
them) compared with the lines shown under it.

Imported as `from examples import ...` (pytest puts tests/ on sys.path, as for helpers.py).
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^( *)```(\w*)\n(.*?)^\1```", re.S | re.M)


def blocks(page: Path) -> list[tuple[str, str]]:
    """(language, text) of each fenced block, indentation removed."""
    found = []
    for match in FENCE.finditer(page.read_text()):
        indent = len(match.group(1))
        text = "\n".join(line[indent:] for line in match.group(3).splitlines()) + "\n"
        found.append((match.group(2), text))
    return found


def install_shim(directory: Path) -> Path:
    """A `convcalc` in `directory` that runs this checkout's code as the console script runs it
    (without click where cli/fast.py can); returns the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    shim = directory / "convcalc"
    code = f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom convcalc.__main__ import entry\nentry()\n"
    shim.write_text(f"#!{sys.executable}\n{code}")
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    return directory


def shell(line: str, cwd: Path, bin_dir: Path) -> tuple[int, str]:
    """Run one command line in bash, as a reader types it: exit status, and what it printed."""
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "NO_COLOR": "1"}
    env.pop("PYTHONPATH", None)  # the shim puts the checkout first
    env.pop("FORCE_COLOR", None)
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", line],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
    )
    return result.returncode, result.stdout


def console(text: str) -> list[tuple[str, str]]:
    """A console block as (command, the output shown under it) pairs."""
    pairs: list[tuple[str, str]] = []
    for line in text.splitlines(keepends=True):
        if line.startswith("$ "):
            pairs.append((line[2:].strip(), ""))
        elif pairs:
            pairs[-1] = (pairs[-1][0], pairs[-1][1] + line)
    return pairs


TOOLS = ("jq", "dot", "git", "check-jsonschema")
"""The tools besides convcalc that examples use."""


PYTHON_FILE = re.compile(r"(?:^|[|&;(]\s*)python3?\s+(\S+\.py)\b")
"""A command that runs a Python file (one `convcalc export` wrote): `python resnet18.py`."""
IMPORT = re.compile(r"^(?:import|from)\s+(\w+)", re.M)
IMPORTERS = (
    (re.compile(r"convcalc import\s+(?:onnx:)?\S+\.onnx\b|convcalc import\s+onnx:"), "onnx"),
    (re.compile(r"convcalc import\s+(?:torch:\S+|\S+\.py:\w+)"), "torch"),
)
"""`convcalc import` of an ONNX file or a PyTorch module needs its optional extra's package."""


def missing_tools(line: str, cwd: Path | None = None) -> list[str]:
    """The tools a command line runs that are not installed here, and the modules a Python file
    it runs (in `cwd`, written by an earlier command) imports that this Python cannot (torch,
    keras: the frameworks exported code builds with)."""
    missing = [tool for tool in TOOLS if re.search(rf"(^|[|&;(]\s*){re.escape(tool)}\s", line) and not shutil.which(tool)]
    for name in PYTHON_FILE.findall(line) if cwd is not None else ():
        path = cwd / name
        imported = IMPORT.findall(path.read_text()) if path.is_file() else []
        missing += [f"the Python module {module}" for module in dict.fromkeys(imported) if not _importable(module)]
    needed = [module for pattern, module in IMPORTERS if pattern.search(line)]
    missing += [f"the Python module {module}" for module in needed if not _importable(module)]
    return missing


def _importable(module: str) -> bool:
    """Whether `module` imports here, found without importing it (torch takes seconds)."""
    import importlib.util

    return importlib.util.find_spec(module) is not None
