"""Golden files: every spec in tests/specs/valid has its expected output in each format beside it,
every spec in tests/specs/invalid its expected error. Reviewed by eye; regenerate with
`UPDATE_GOLDEN=1 pytest tests/test_golden.py` and read the diff before committing."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import compare

from convcalc.cli.app import main

HERE = Path(__file__).parent
ROOT = HERE.parent
VALID = sorted((HERE / "specs" / "valid").glob("*.yaml"))
INVALID = sorted((HERE / "specs" / "invalid").glob("*.yaml"))
SUFFIXES = {"table": ".txt", "json": ".json", "csv": ".csv", "markdown": ".md"}


@pytest.mark.parametrize("fmt", SUFFIXES)
@pytest.mark.parametrize("spec", VALID, ids=[p.stem for p in VALID])
def test_summary_matches_golden(spec: Path, fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, ["summary", str(spec.relative_to(ROOT)), "--format", fmt, "--color", "never"])
    assert result.exit_code == 0, result.output
    compare(result.stdout, spec.with_suffix(SUFFIXES[fmt]))


@pytest.mark.parametrize("spec", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_spec_matches_golden_error(spec: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, ["summary", str(spec.relative_to(ROOT))])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    compare(result.stderr, spec.with_suffix(".err"))
