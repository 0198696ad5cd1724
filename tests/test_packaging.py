"""What `pip install` gives: the wheel built from the checkout carries the specs library as
convcalc/specs/ (setup.py copies it in), and the installed package finds it there."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_carries_every_bundled_spec(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    source = tmp_path / "source"  # a copy of the checkout's files: the build writes build/ and *.egg-info
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True
    )
    if listed.returncode != 0:
        pytest.skip(f"{ROOT} is not a git checkout")
    for name in filter(None, listed.stdout.split("\0")):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "dist")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = (tmp_path / "dist").glob("convcalc-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    bundled = sorted(name.removeprefix("convcalc/specs/") for name in names if name.startswith("convcalc/specs/"))
    assert bundled == sorted(p.name for p in (ROOT / "specs").glob("*.yaml"))
    assert not [name for name in names if name.startswith("specs/")]  # nothing outside the package
    # the installed package finds them: bundled.py looks beside itself first
    target = tmp_path / "installed"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    code = "from convcalc.spec import bundled; print(bundled.directory()); print(len(bundled.names()))"
    found = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env={"PYTHONPATH": str(target)}
    )
    assert found.stdout.splitlines() == [str(target / "convcalc" / "specs"), str(len(bundled))], found.stderr
