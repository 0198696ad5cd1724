"""`convcalc check`: specs and their expect: blocks, as a pre-commit hook runs it."""

from __future__ import annotations

import os
import sys

import click

from convcalc.cli import color_option, complete_spec


@click.command()
@click.argument("specs", nargs=-1, required=True, type=click.Path(), shell_complete=complete_spec)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "text", "json", "github"]),
    default="auto",
    show_default=True,
    help="auto is github (workflow annotations) inside GitHub Actions, text elsewhere.",
)
@color_option
def check(specs: tuple[str, ...], fmt: str, color: str) -> None:
    """Check specs (files, or directories of .yaml files) and their expect: blocks.

    Prints nothing when every spec passes. Each problem is `path:line:col: CODE message`.
    Exit status: 0 all pass, 1 an expectation failed, 2 a spec cannot be read or computed.

    \b
    Examples:
      convcalc check models/*.yaml
      convcalc check --format json lenet5 | jq -c '.files[].problems'    # prints []
    As a pre-commit hook (.pre-commit-config.yaml):
      - repo: https://github.com/convcalc/convcalc
        rev: v0.1.0
        hooks: [{id: convcalc-check, files: ^models/}]
    """
    from convcalc.analysis.check import check_path
    from convcalc.render.check import CheckResult

    if fmt == "auto":
        fmt = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    status = 0
    results: list[CheckResult] = []
    for path in spec_files(specs):
        problems, code = check_path(path)
        status = max(status, code)
        results.append((path, problems, code))
    if fmt == "json":
        from convcalc.render.check import check_document
        from convcalc.render.json import dumps

        click.echo(dumps(check_document(results)), nl=False)
    for _, problems, _ in results if fmt != "json" else ():
        for problem in problems:
            if fmt == "github":
                from convcalc.render.check import github_annotation

                click.echo(github_annotation(problem))
            else:
                click.echo(problem.text())
    sys.exit(status)


def spec_files(paths: tuple[str, ...]) -> list[str]:
    """The paths given, with each directory replaced by the YAML files below it, sorted."""
    from pathlib import Path

    files: list[str] = []
    for path in paths:
        if Path(path).is_dir():
            found = sorted(str(p) for p in Path(path).rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
            files.extend(found or [path])  # an empty directory stays, to be reported
        else:
            files.append(path)
    return files
