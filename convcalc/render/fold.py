"""`--depth N`: block instances nested deeper than N folded into one row each, as torchinfo's
depth does."""

from __future__ import annotations

from convcalc.report import Report, Row


def fold(report: Report, depth: int) -> Report:
    """Each block instance nested deeper than `depth` shown as one row, as torchinfo's depth:
    its output is its last layer's, its inputs what it takes from outside, by their shown names."""

    def shown(row: Row) -> str:
        return row.blocks[depth][0] if len(row.blocks) > depth else row.name

    alias = {row.name: shown(row) for row in report.rows}
    groups: list[list[Row]] = []
    for row in report.rows:
        if groups and len(row.blocks) > depth and shown(groups[-1][-1]) == shown(row):
            groups[-1].append(row)
        else:
            groups.append([row])
    rows = []
    for group in groups:
        last = group[-1]
        if len(last.blocks) <= depth:
            rows.append(last.replace(inputs=tuple(alias.get(i, i) for i in last.inputs)))
            continue
        path, block = last.blocks[depth]
        inputs = dict.fromkeys(alias.get(i, i) for r in group for i in r.inputs if alias.get(i, i) != path)
        weights = tuple(w for r in group for w in r.weights)
        rows.append(
            last.replace(
                name=path, type=block, weights=weights, inputs=tuple(inputs), blocks=last.blocks[:depth], folded=len(group)
            )
        )
    return report.replace(rows=tuple(rows))
