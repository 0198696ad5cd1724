"""pre-commit, run for real in a throwaway git repository that holds what a real one does: a
GitHub workflow, a docker-compose file, its own .pre-commit-config.yaml, a YAML file of some
other tool, and convcalc specs. The hook must check the specs and only them, without any
`files:` override:

- the hook convcalc declares (.pre-commit-hooks.yaml), by `pre-commit try-repo`;
- the configuration the README documents (`repo: local`, `language: system`), by
  `pre-commit run --all-files`, with this checkout's convcalc on the PATH.

Each passes with good specs, and fails on a bad one with the `path:line:col: CODE message`
line. `try-repo` installs the hook repository at a commit: its HEAD plus staged and modified
tracked files (pre_commit/commands/try_repo.py, `git add -u` into a shadow clone), never
untracked files. A checkout under development has new modules that are not tracked yet, so the
test commits a snapshot of the checkout's files (tracked and untracked, minus .gitignore'd) into
a temporary hook repository and tries that: the hook under test is exactly the working tree.
Each try-repo builds a fresh virtualenv and pip-installs convcalc into it (about 12 s with a
warm pip cache); the runs go in parallel.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
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


# What a real repository holds besides specs: none of it is a convcalc spec.
WORKFLOW = """name: ci
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pytest
"""
COMPOSE = """services:
  web:
    image: nginx:1.27
    ports: ["8080:80"]
"""
OTHER = "players: 2\nlevels: [1, 2, 3]\n"  # some other tool's YAML, close to `layers` by one letter
TYPO = "input: [28, 28, 1]\nlayer:\n  - Conv2D(32, 3)\n"  # a spec with a typo: checked, and reported


def repository(path: Path, config: str, specs: dict[str, str]) -> Path:
    """A git repository as a user has one, every file staged."""
    files = {
        ".github/workflows/ci.yml": WORKFLOW,
        "docker-compose.yml": COMPOSE,
        "config/game.yaml": OTHER,
        ".pre-commit-config.yaml": config,
        "notes.txt": "not: [a spec",
        **specs,
    }
    path.mkdir()
    git("init", "-q", cwd=path)
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    git("add", *files, cwd=path)
    return path


def problems(output: str) -> list[str]:
    return [line for line in output.splitlines() if re.match(r"\S+:\d+:\d+: CC\d{3} ", line)]


def documented_config() -> str:
    """The .pre-commit-config.yaml the README shows."""
    section = (ROOT / "README.md").read_text().split("## `convcalc check` and pre-commit", 1)[1]
    return section.split("```yaml\n", 1)[1].split("```", 1)[0]


def run_all(processes: dict[str, subprocess.Popen[str]]) -> dict[str, tuple[str, int]]:
    results = {name: (process.communicate(timeout=600)[0], process.returncode) for name, process in processes.items()}
    for output, _ in results.values():
        if OFFLINE.search(output):
            pytest.skip("pre-commit could not install the hook: no package index reachable")
    return results


def test_the_declared_hook_checks_the_specs_and_nothing_else(tmp_path: Path) -> None:
    command = pre_commit()
    hooks = snapshot(tmp_path / "hooks")
    repos = {
        "good": repository(tmp_path / "good", documented_config(), {"models/net.yaml": GOOD, "nets/lenet.convcalc.yaml": GOOD}),
        "bad": repository(
            tmp_path / "bad", documented_config(), {"models/net.yaml": GOOD, "models/bad.yaml": BAD, "typo.yaml": TYPO}
        ),
    }
    processes = {
        name: subprocess.Popen(
            [*command, "try-repo", str(hooks), "convcalc-check", "--all-files"],
            cwd=repo,
            env=clean_env() | {"NO_COLOR": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name, repo in repos.items()
    }
    results = run_all(processes)

    output, code = results["good"]
    assert code == 0, output
    assert re.search(r"^convcalc check\.+Passed$", output, re.MULTILINE), output

    output, code = results["bad"]
    assert code == 1, output
    assert re.search(r"^convcalc check\.+Failed$", output, re.MULTILINE), output
    found = sorted(problems(output))  # in the order pre-commit passes the files
    assert [line.split(" ", 2)[:2] for line in found] == [["models/bad.yaml:6:3:", "CC302"], ["typo.yaml:2:1:", "CC003"]], output
    assert "321" in found[0] and "320" in found[0], output
    assert "unknown key 'layer' in the spec (did you mean 'layers'?)" in found[1], output


def test_the_documented_local_config_works_as_written(tmp_path: Path) -> None:
    """The README's `repo: local` configuration, with convcalc (this checkout) on the PATH as
    `pip install` would put it: `pre-commit run --all-files` in the same repositories."""
    from examples import install_shim

    command = pre_commit()
    bin_dir = install_shim(tmp_path / "bin")
    env = clean_env() | {"NO_COLOR": "1", "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    env.pop("PYTHONPATH", None)
    good = repository(tmp_path / "good", documented_config(), {"models/net.yaml": GOOD})
    bad = repository(tmp_path / "bad", documented_config(), {"models/net.yaml": BAD})
    for repo, wanted in ((good, 0), (bad, 1)):
        result = subprocess.run([*command, "run", "--all-files"], cwd=repo, env=env, capture_output=True, text=True, timeout=600)
        output = result.stdout + result.stderr
        assert result.returncode == wanted, output
        assert re.search(r"^convcalc check\.+" + ("Passed" if wanted == 0 else "Failed") + "$", output, re.MULTILINE), output
        if wanted:
            assert [line.split(" ", 2)[:2] for line in problems(output)] == [["models/net.yaml:6:3:", "CC302"]], output


def test_check_specs_only_skips_what_is_not_a_spec(tmp_path: Path) -> None:
    """The same choice without pre-commit: the files are given, the specs among them checked."""
    from helpers import invoke

    repo = repository(tmp_path / "repo", documented_config(), {"models/net.yaml": GOOD})
    names = [str(p) for p in repo.rglob("*") if p.suffix in (".yaml", ".yml")]
    assert len(names) == 5
    result = invoke("check", "--specs-only", *names)
    assert (result.exit_code, result.output) == (0, "")
    result = invoke("check", *names)  # without it, every file is taken for a spec
    assert result.exit_code == 2 and "CC003 unknown key" in result.output


def test_check_help_shows_the_documented_config() -> None:
    import yaml
    from helpers import invoke

    text = invoke("check", "--help").stdout
    shown = text.split(".pre-commit-config.yaml):\n", 1)[1].split("\n\n", 1)[0]
    assert yaml.safe_load(textwrap.dedent(shown)) == yaml.safe_load(documented_config())
