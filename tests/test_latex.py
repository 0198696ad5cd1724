"""`convcalc summary --format latex`: a booktabs table to paste into a paper, golden per valid spec."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from convcalc.cli.app import main

HERE = Path(__file__).parent
ROOT = HERE.parent
VALID = sorted((HERE / "specs" / "valid").glob("*.yaml"))
GOLDEN = HERE / "golden" / "latex"


def compare(actual: str, golden: Path) -> None:
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(actual)
    assert golden.exists(), f"no golden file {golden}; run with UPDATE_GOLDEN=1 and review it"
    assert actual == golden.read_text()


@pytest.mark.parametrize("spec", VALID, ids=[p.stem for p in VALID])
def test_latex_matches_golden(spec: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, ["summary", str(spec.relative_to(ROOT)), "--format", "latex"])
    assert result.exit_code == 0
    compare(result.stdout, GOLDEN / f"{spec.stem}.tex")


def test_latex_with_costs_and_folded_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    args = ["summary", "specs/pytorch-resnet18.yaml", "--format", "latex", "--depth", "1", "--macs", "--bars", "--memory"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0
    compare(result.stdout, GOLDEN / "pytorch-resnet18-depth1-costs.tex")
    assert "MACs bar" not in result.stdout  # bars are a picture; a paper takes the numbers
    assert r"layer1.block1 (basic) & (None, 64, 56, 56) & 7 layers & 73,984" in result.stdout


def test_names_are_escaped_for_latex() -> None:
    spec = 'input: [4]\nlayers:\n  - {type: Dense, units: 2, name: "a_b%c&d$e#f{g}h~i^j\\\\k"}\n'
    result = CliRunner().invoke(main, ["summary", "-", "--format", "latex"], input=spec)
    line = r"a\_b\%c\&d\$e\#f\{g\}h\textasciitilde{}i\textasciicircum{}j\textbackslash{}k (Dense) & (None, 2) &"
    assert line in result.stdout
