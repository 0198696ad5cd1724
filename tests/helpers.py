"""What the test modules share: running a command as a user does, and comparing with golden files.

Imported as `from helpers import ...` (pytest puts tests/ on sys.path, as for conformance/oracle.py).
"""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner, Result

from convcalc.cli import main


def invoke(*args: str, input: str | bytes | None = None, env: dict[str, str] | None = None) -> Result:
    """`convcalc ARGS...` run in-process by click's CliRunner: exit code, stdout and stderr apart."""
    return CliRunner().invoke(main, list(args), input=input, env=env)


def compare(actual: str, golden: Path) -> None:
    """`actual` must be the golden file's text; UPDATE_GOLDEN=1 rewrites the file instead (review the diff)."""
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(actual)
    assert golden.exists(), f"no golden file {golden}; run with UPDATE_GOLDEN=1 and review it"
    assert actual == golden.read_text()
