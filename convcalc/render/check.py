"""`convcalc check`'s output: one `path:line:col: CODE message` line per problem, GitHub workflow
annotations, or the `convcalc-check/1` JSON document."""

from __future__ import annotations

from convcalc.errors import Diagnostic

CheckResult = tuple[str, list[Diagnostic], int]
"""One file checked: its path, its problems, and its status (0 pass, 1 fail, 2 error)."""


def check_document(results: list[CheckResult]) -> dict[str, object]:
    """`convcalc check --format json`: one object per file with its problems."""
    return {
        "schema": "convcalc-check/1",
        "ok": all(code == 0 for _, _, code in results),
        "files": [
            {
                "path": path,
                "status": ("pass", "fail", "error")[code],
                "problems": [
                    {
                        "line": p.location.line,
                        "column": p.location.column,
                        "code": p.code,
                        "layer": p.layer or None,
                        "message": p.message,
                        "hint": p.hint or None,
                    }
                    for p in problems
                ],
            }
            for path, problems, code in results
        ],
    }


def github_annotation(problem: Diagnostic) -> str:
    """A workflow command that GitHub Actions shows on the line of the file."""
    where = problem.location
    return f"::error file={where.path},line={where.line},col={where.column},title={problem.code}::{problem.text()}"
