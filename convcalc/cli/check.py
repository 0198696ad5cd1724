"""`convcalc check`: specs and their expect: blocks, as a pre-commit hook runs it."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

from convcalc.cli import echo
from convcalc.cli.options import COLOR, SET, Argument, Option, Parameter

PARAMETERS: tuple[Parameter, ...] = (
    Argument("specs", many=True, required=True),
    Option(
        "--format",
        "fmt",
        choices=("auto", "text", "json", "github"),
        default="auto",
        help="auto is github (workflow annotations) inside GitHub Actions, text elsewhere.",
    ),
    Option(
        "--specs-only",
        "specs_only",
        switch=True,
        help="Skip YAML files that are not convcalc specs (no top-level layers: key, nor a typo of it; a file named "
        "*.convcalc.yaml is always one): what the pre-commit hook runs.",
    ),
    SET,
    COLOR,
)


def check(specs: tuple[str, ...], fmt: str, specs_only: bool, settings: tuple[str, ...], color: str) -> None:
    """Check specs (files, or directories of .yaml files) and their expect: blocks.

    Prints nothing when every spec passes; else every problem that does not follow from an
    earlier one, in file order, each `path:line:col: CODE message`. Exit status: 0 all pass,
    1 an expectation failed, 2 a spec cannot be read or computed.

    \b
    Examples:
      convcalc check models/*.yaml
      convcalc check --format json lenet5 | jq -c '.files[].problems'    # prints []
      git ls-files '*.yaml' '*.yml' | xargs convcalc check --specs-only
    As a pre-commit hook, from convcalc installed where git runs (.pre-commit-config.yaml):
      repos:
        - repo: local
          hooks:
            - {id: convcalc-check, name: convcalc check, entry: convcalc check --specs-only,
               language: system, types: [yaml]}
    """
    from convcalc.analysis.check import check_path
    from convcalc.render.check import CheckResult

    if fmt == "auto":
        fmt = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    values = None
    if settings:
        from convcalc.cli import abort
        from convcalc.errors import SpecError
        from convcalc.spec.setting import parse_settings

        try:
            values = parse_settings(settings)
        except SpecError as exc:
            abort(exc)
    status = 0
    results: list[CheckResult] = []
    for path in spec_files(specs):
        if specs_only and not recognised(path):
            continue
        problems, code = check_path(path, values)
        status = max(status, code)
        results.append((path, problems, code))
    if fmt == "json":
        from convcalc.render.check import check_document
        from convcalc.render.json import dumps

        echo(dumps(check_document(results)), nl=False)
    for _, problems, _ in results if fmt != "json" else ():
        for problem in problems:
            if fmt == "github":
                from convcalc.render.check import github_annotation

                echo(github_annotation(problem))
            else:
                echo(problem.text())
    sys.exit(status)


def spec_files(paths: tuple[str, ...]) -> list[str]:
    """The paths given, with each directory replaced by the YAML files below it, sorted."""
    files: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            files.extend(sorted(yaml_files_below(path)) or [path])  # an empty directory stays, to be reported
        else:
            files.append(path)
    return files


def yaml_files_below(folder: str) -> Iterator[str]:
    """The .yaml and .yml files below `folder`, named as pathlib's rglob names them (`./specs/`
    gives specs/a.yaml, `.` gives a.yaml), symbolic links to folders not followed. With os.walk,
    not pathlib, which imports urllib.parse and ipaddress: ~1.5 ms of every check."""
    parts = [part for part in folder.split(os.sep) if part not in ("", ".")]
    root = _anchor(folder) + os.sep.join(parts)
    for below, _, names in os.walk(root or os.curdir):
        for name in names:
            path = os.path.join(below, name) if root else os.path.relpath(os.path.join(below, name))
            if os.path.splitext(name)[1] in (".yaml", ".yml") and os.path.isfile(path):
                yield path


def _anchor(folder: str) -> str:
    """The slashes a path starts with as pathlib keeps them: POSIX gives two leading slashes a
    meaning of their own, so `//specs` stays `//specs`; one, or three and more, are `/`."""
    if folder.startswith(os.sep * 2) and not folder.startswith(os.sep * 3):
        return os.sep * 2
    return os.sep if folder.startswith(os.sep) else ""


def recognised(path: str) -> bool:
    """--specs-only: whether the file is a convcalc spec (analysis.check.is_spec); a file that
    cannot be read is, so that check says why."""
    from convcalc.analysis.check import is_spec

    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return is_spec(path, handle.read(1 << 20))
    except OSError:
        return True
