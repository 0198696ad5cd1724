"""`convcalc specs`: the networks bundled with convcalc, which every command takes by name."""

from __future__ import annotations

import sys

import click

from convcalc.cli import use_color
from convcalc.cli.app import Command, color_option


@click.command(cls=Command)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@color_option
def specs(fmt: str, color: str) -> None:
    """List the networks bundled with convcalc: name, network, framework and parameters.

    Every command takes a bundled network by its name where no file of that name exists
    (`convcalc summary keras-resnet50`); `--format json` gives each one's path too.

    JSON (schema "convcalc-specs/1"): {directory, specs: [{name, network, framework, params,
    path}]}.

    \b
    Examples:
      convcalc specs
      convcalc summary lenet5
      convcalc specs --format json | jq -r '.specs[] | select(.framework == "pytorch") | .name'
    """
    from convcalc.engine import run
    from convcalc.errors import SpecError
    from convcalc.spec import bundled
    from convcalc.spec.loading import load_path

    found = bundled.directory()
    entries = []
    for name in bundled.names():
        path = bundled.find(name)
        assert path is not None
        try:
            spec = load_path(path)
            params: int | None = run(spec).totals.params
        except SpecError:  # a bundled spec always computes (tests/test_specs_library.py); shown, not fatal
            params = None
        with open(path, encoding="utf-8") as handle:
            network = bundled.network(handle.read())
        entries.append({"name": name, "network": network, "framework": spec.framework, "params": params, "path": path})
    if fmt == "json":
        from convcalc.render.json import dumps

        click.echo(dumps({"schema": "convcalc-specs/1", "directory": str(found) if found else None, "specs": entries}), nl=False)
        return
    headers = ["name", "network", "framework", "params"]
    rows = [
        [str(e["name"]), str(e["network"]), str(e["framework"]), "?" if e["params"] is None else f"{e['params']:,}"]
        for e in entries
    ]
    title = f"{len(entries)} bundled networks (convcalc summary NAME, convcalc check NAME...)"
    if not entries:
        click.echo("no bundled networks found: this installation of convcalc has none", err=True)
        sys.exit(1)
    right = frozenset({"params"})
    if use_color(color, sys.stdout):
        from convcalc.render.grid import rich_table

        click.echo(rich_table(title, headers, rows, (), right), nl=False)
        return
    from convcalc.render.grid import plain_table

    click.echo("\n".join([title, *plain_table(headers, rows, right)]))
