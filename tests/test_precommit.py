"""The pre-commit hook (.pre-commit-hooks.yaml), run by the real `pre-commit try-repo` in a
throwaway git repository: it passes on a good spec, ignores files that are not YAML, and fails
on a bad spec with the `path:line:col: CODE message` line.

`try-repo` installs the hook repository at a commit: its HEAD plus staged and modified tracked
files (pre_commit/commands/try_repo.py, `git add -u` into a shadow clone), never untracked files.
A checkout under development has new modules that are not tracked yet, so the test commits a
snapshot of the checkout's files (tracked and untracked, minus .gitignore'd) into a temporary
hook repository and tries that: the hook under test is exactly the working tree.

Each try-repo builds a fresh virtualenv and pip-installs convcalc into it (about 12 s with a
warm pip cache); the two runs go in parallel.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent  # the checkout under test

# The first seed example (https://datascience.stackexchange.com/questions/41486):
# input (28, 28, 1), Conv2D(32, (3, 3)) has 320 params.
GOOD = """input: [28, 28, 1]
layers:
  - Conv2D(32, (3, 3), activation='relu')
expect:
  output_shape: [null, 26, 26, 32]
  params: 320
"""
BAD = GOOD.replace("params: 320", "params: 321")  # line 6, column 3: the `params` key
# pip cannot reach a package index: an environment problem, not convcalc's.
OFFLINE = re.compile(r"Failed to establish a new connection|Temporary failure in name resolution|No matching distribution found")


def pre_commit() -> list[str]:
    """The pre-commit command beside this Python (the test venv's), else on PATH; skip if none."""
    beside = Path(sys.executable).with_name("pre-commit")
    found = str(beside) if beside.exists() else shutil.which("pre-commit")
    if found is None:
        pytest.skip("pre-commit is not installed (pip install pre-commit)")
    return [found]


def clean_env() -> dict[str, str]:
    """The environment without GIT_* variables (set when pytest itself runs inside a git hook)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    who = {"NAME": "convcalc tests", "EMAIL": "tests@example.com"}  # for the snapshot commit
    return env | {f"GIT_{role}_{key}": value for role in ("AUTHOR", "COMMITTER") for key, value in who.items()}


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=clean_env(), check=True, capture_output=True, text=True).stdout


def snapshot(destination: Path) -> Path:
    """A git repository holding the checkout's files as they are on disk, committed."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    try:
        listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT)
    except subprocess.CalledProcessError:
        pytest.skip(f"{ROOT} is not a git checkout")
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # a tracked file deleted in the working tree is left out
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    git("init", "-q", cwd=destination)
    git("add", "-A", cwd=destination)
    git("commit", "-q", "-m", "snapshot of the checkout under test", cwd=destination)
    return destination


def user_repo(path: Path, files: dict[str, str]) -> Path:
    path.mkdir()
    git("init", "-q", cwd=path)
    for name, text in files.items():
        (path / name).write_text(text)
    git("add", *files, cwd=path)
    return path


def test_hook_passes_a_good_spec_and_reports_a_bad_one(tmp_path: Path) -> None:
    command = pre_commit()
    hooks = snapshot(tmp_path / "hooks")
    user = user_repo(tmp_path / "user", {"good.yaml": GOOD, "bad.yaml": BAD, "notes.txt": "not: [a spec"})
    runs = {
        # notes.txt is not YAML: `types: [yaml]` keeps it from the hook, or it would fail.
        "good": ["good.yaml", "notes.txt"],
        "bad": ["bad.yaml"],
    }
    processes = {
        name: subprocess.Popen(
            [*command, "try-repo", str(hooks), "convcalc-check", "--files", *files],
            cwd=user,
            env=clean_env() | {"NO_COLOR": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name, files in runs.items()
    }
    results = {name: (process.communicate(timeout=600)[0], process.returncode) for name, process in processes.items()}
    for output, _ in results.values():
        if OFFLINE.search(output):
            pytest.skip("pre-commit could not install the hook: no package index reachable")

    output, code = results["good"]
    assert code == 0, output
    assert re.search(r"^convcalc check\.+Passed$", output, re.MULTILINE), output

    output, code = results["bad"]
    assert code == 1, output
    assert re.search(r"^convcalc check\.+Failed$", output, re.MULTILINE), output
    problems = [line for line in output.splitlines() if re.match(r"\S+:\d+:\d+: CC\d{3} ", line)]
    assert len(problems) == 1, output
    assert problems[0].startswith("bad.yaml:6:3: CC302 "), output
    assert "321" in problems[0] and "320" in problems[0], output
