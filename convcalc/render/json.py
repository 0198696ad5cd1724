"""The `convcalc/1` JSON document, described by convcalc/schema/convcalc-1.schema.json, and the
indented-but-compact layout every convcalc JSON document is written in."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from convcalc.ops.tensor import Shape, Weight
from convcalc.report import Report, Row

if TYPE_CHECKING:
    from convcalc.analysis.costs import Costs, LayerCost
    from convcalc.analysis.receptive import Field, LayerField

SCHEMA = "convcalc/1"

MEMO = True
"""The layer writer lays out each distinct part once (a definition's type, shapes and weights; a
shared receptive field; a shared share); False writes every layer's afresh (tests/test_memo.py)."""


def shape_list(shape: Shape) -> list[int | None]:
    return list(shape)


def weight_data(weight: Weight) -> dict[str, object]:
    return {"name": weight.name, "shape": list(weight.shape), "trainable": weight.trainable, "shared": weight.shared}


def row_data(row: Row) -> dict[str, object]:
    return {
        "name": row.name,
        "type": row.type,
        "output_shape": shape_list(row.output_shape),
        "weights": [weight_data(w) for w in row.weights],
        "params": row.params,
        "trainable_params": row.trainable_params,
        "non_trainable_params": row.non_trainable_params,
        "source": {"line": row.source.line, "column": row.source.column},
        "inputs": list(row.inputs),
        "block": [path for path, _ in row.blocks],
        "shared_with": row.shared_with,
        "outputs": [shape_list(s) for s in row.outputs],
    }


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def cost_data(cost: LayerCost) -> dict[str, object]:
    """A layer's keys in the JSON document (convcalc-1.schema.json)."""
    return {
        "macs": cost.macs,
        "flops": cost.flops,
        "output_elements": cost.output_elements,
        "output_bytes": cost.output_bytes,
        "params_share": rounded(cost.params_share),
        "macs_share": rounded(cost.macs_share),
    }


def totals_data(result: Costs) -> dict[str, object]:
    """The keys added to the JSON document's totals."""
    return {
        "macs": result.macs,
        "flops": result.flops,
        "memory": {
            "dtype": result.dtype,
            "bytes_per_element": result.bytes_per_element,
            "per_sample": result.per_sample,
            "input_elements": result.input_elements,
            "input_bytes": result.input_bytes,
            "activation_elements": result.activation_elements,
            "activation_bytes": result.activation_bytes,
            "param_bytes": result.param_bytes,
            "training_bytes": result.training_bytes,
        },
    }


def field_data(result: LayerField) -> dict[str, object] | None:
    """A row's `receptive_field` in the JSON document (convcalc-1.schema.json), or None."""
    field = result.field
    if field is None:
        return None
    return {
        "size": list(field.size),
        "stride": list(field.stride),
        "padding": list(field.padding),
        "axes": list(field.axes),
        "input": field.input,
        "misaligned": list(field.misaligned),
        "paths": [
            {"input": ref, "size": list(f.size), "stride": list(f.stride), "padding": list(f.padding)} for ref, f in result.paths
        ],
    }


def report_data_head(report: Report) -> dict[str, object]:
    """The keys before the layers (`symbols` only where the input sizes are symbols)."""
    head: dict[str, object] = {
        "schema": SCHEMA,
        "name": report.name,
        "framework": report.framework,
        "inputs": [{"name": i.name, "shape": shape_list(i.shape)} for i in report.inputs],
        "outputs": [{"name": o.name, "shape": shape_list(o.shape)} for o in report.outputs],
    }
    if report.symbolic is not None:
        head["symbols"] = symbols_data(report)
    return head


def totals_dict(report: Report, cost: Costs) -> dict[str, object]:
    totals = report.totals
    return {
        "params": totals.params,
        "trainable_params": totals.trainable_params,
        "non_trainable_params": totals.non_trainable_params,
        "param_bytes": totals.param_bytes,
    } | totals_data(cost)


def report_data(report: Report, cost: Costs, fields: tuple[LayerField, ...]) -> dict[str, object]:
    """The whole document as data: the report with each layer's costs and receptive field."""
    layers = [
        row_data(row) | cost_data(c) | {"receptive_field": field_data(f)} for row, f, c in zip(report.rows, fields, cost.layers)
    ]
    return report_data_head(report) | {"layers": layers, "totals": totals_dict(report, cost)}


WIDTH = 100


def dumps(data: object) -> str:
    """Indented JSON in which containers that fit on one line stay on one, so shapes read as
    shapes. Each value is rendered once, bottom-up: linear in the document's size."""
    return _render(data, 0)[0] + "\n"


def quoted(text: str) -> str:
    """A JSON string as json.dumps(text, ensure_ascii=False) writes it. Names are plain text,
    written as they are; anything else goes to the standard library's encoder.

    >>> print(quoted("conv2d"), quoted('say "hi"'))
    "conv2d" "say \\"hi\\""
    """
    if text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    from json.encoder import encode_basestring

    return encode_basestring(text)


def _scalar(value: object) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return quoted(value)
    if isinstance(value, float):
        return repr(value) if value == value and value not in (float("inf"), float("-inf")) else _non_finite(value)
    expr = getattr(value, "expr", None)
    if expr is not None:  # a size that is a formula of the input's symbols
        return compact(formula_data(value))
    raise TypeError(f"{type(value).__name__} is not JSON")


def formula_data(value: object) -> dict[str, object]:
    """A formula of the input's symbols in the JSON document: its text as the table shows it
    (`H/16` where every accepted H is a multiple of 16), the same as a Python expression of the
    symbols (floor as //), and its exact tree (Expr.tree)."""
    expr = getattr(value, "expr")  # noqa: B009 - a Size, which this module does not import
    return {"text": str(value), "python": expr.python(), "formula": expr.tree()}


def symbols_data(report: Report) -> dict[str, object]:
    """The `symbols` key of a report whose input sizes are symbols (convcalc-1.schema.json)."""
    symbolic = report.symbolic
    assert symbolic is not None
    domain = symbolic.domain
    rejected = None
    if symbolic.rejected is not None:
        values, problem = symbolic.rejected
        rejected = {"sizes": values, "layer": problem.node if problem else None, "message": problem.message if problem else None}
    return {
        "names": list(symbolic.symbols),
        "hints": dict(symbolic.hints),
        "assume": [a.text for a in symbolic.assumed],
        "accepted": {
            "text": domain.text,
            "parts": list(domain.parts),
            "proven": domain.proven,
            "smallest": domain.smallest,
            "multiple_of": dict(domain.facts),
            "rejected": rejected,
        },
        "holds_for": domain.region,
        "guards": [{"condition": g.condition.text(), "layer": g.layer} for g in symbolic.guards],
    }


def _non_finite(value: float) -> str:
    return "NaN" if value != value else "Infinity" if value > 0 else "-Infinity"


def compact(value: object) -> str:
    """One line, as json.dumps(value, ensure_ascii=False, separators=(", ", ": ")) writes it
    (tests/test_render_json.py compares the two); written here so that a summary never imports
    the json package (~1 ms of a start-up that should cost nothing).

    >>> compact({"shape": (None, 28, 28, 1), "trainable": True})
    '{"shape": [null, 28, 28, 1], "trainable": true}'
    """
    if isinstance(value, dict):
        return "{" + ", ".join(f"{quoted(str(k))}: {compact(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):  # a tuple of types: `list | tuple` makes a union at every call
        return "[" + ", ".join([compact(v) for v in value]) + "]"
    return _scalar(value)


_MOST = WIDTH // 4  # a container with more items than this cannot fit on one line


def _render(value: object, indent: int) -> tuple[str, bool]:
    """The text of `value` at `indent`, and whether it is a single line."""
    if isinstance(value, dict):
        items = list(value.values())
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        return _scalar(value), True
    if not items:
        return ("{}" if isinstance(value, dict) else "[]"), True
    if len(items) <= _MOST and not any(isinstance(v, (dict, list, tuple)) and len(v) > _MOST for v in items):
        line = compact(value)
        if indent + len(line) <= WIDTH:
            return line, True
    pad = ",\n" + " " * (indent + 2)
    if isinstance(value, dict):
        body = pad.join(quoted(str(k)) + ": " + _render(v, indent + 2)[0] for k, v in value.items())
        brackets = "{}"
    else:
        body = pad.join(_render(v, indent + 2)[0] for v in items)
        brackets = "[]"
    return f"{brackets[0]}\n{' ' * (indent + 2)}{body}\n{' ' * indent}{brackets[1]}", False


def render_json(report: Report, cost: Costs, fields: tuple[LayerField, ...]) -> str:
    """The whole document as one string."""
    return "".join(json_chunks(report, cost, fields))


CHUNK = 1000
"""Layers per chunk: a 100,000-layer document is ~85 MB of text, written as it is made."""


def json_chunks(report: Report, cost: Costs, fields: tuple[LayerField, ...]) -> Iterator[str]:
    """The document as `dumps(report_data(...))` writes it, byte for byte, in pieces of CHUNK
    layers, written straight from the rows: each layer object is known to span several lines (its
    keys alone are wider than a line), so only its values are laid out, and the parts that depend
    only on what a layer computes (its type, shapes, weights and costs) are written once per
    distinct layer. tests/test_render_json.py compares it with the generic layout on every spec.
    A report on symbols takes the generic layout (its sizes are formulas, not keys to share)."""
    if report.symbolic is not None:
        yield dumps(report_data(report, cost, fields))
        return
    data = report_data_head(report)
    yield "{\n" + "".join(f"  {quoted(key)}: {_render(value, 2)[0]},\n" for key, value in data.items()) + '  "layers": [\n    '
    writer = _LayerWriter()
    layers = list(zip(report.rows, cost.layers, fields))
    for start in range(0, len(layers), CHUNK):
        text = ",\n    ".join(writer.layer(row, c, f) for row, c, f in layers[start : start + CHUNK])
        yield text if start == 0 else ",\n    " + text
    yield f'\n  ],\n  "totals": {_render(totals_dict(report, cost), 2)[0]}\n}}\n'


class _Unremembered(dict):
    """A memo that keeps nothing (MEMO = False): every part is laid out afresh."""

    def __setitem__(self, key: object, value: object) -> None:
        pass


class _LayerWriter:
    """Each layer's object at indent 4, its values at indent 6, as _render lays them out."""

    def __init__(self) -> None:
        made = dict if MEMO else _Unremembered
        self.computed: dict[tuple[object, ...], str] = made()
        self.costed: dict[tuple[object, ...], str] = made()
        self.values: dict[object, str] = made()
        # By identity (each object lives as long as the document is written): a receptive
        # field shared by parallel branches, a share that identical layers hold.
        self.fields: dict[int, str] = made()
        self.shares: dict[int, str] = made()
        self.blocks: dict[int, str] = made()  # the rows of one block instance share its path tuple
        self.sizes: dict[tuple[int | None, ...], str] = made()  # a field's figures: (2, 2), (7, 7)... repeat

    def value(self, value: tuple[object, ...]) -> str:
        """A tuple (shape, names) at indent 6; tuples repeat, so each is laid out once."""
        text = self.values.get(value)
        if text is None:
            text = self.values[value] = _render(value, 6)[0]
        return text

    def names(self, names: tuple[str, ...]) -> str:
        """A layer's inputs at indent 6, as _render lays them out: most fit one line and are
        written directly (in a graph each layer's are its own: remembering them would not pay)."""
        if 0 < len(names) <= _MOST:
            text = "".join(names)  # every name checked at once, as quoted() checks one
            if text.isprintable() and '"' not in text and "\\" not in text:
                line = '["' + '", "'.join(names) + '"]'
                if 6 + len(line) <= WIDTH:
                    return line
        return self.value(names)

    def layer(self, row: Row, cost: LayerCost, field: LayerField) -> str:
        definition = (row.type, row.output_shape, id(row.weights))
        computed = self.computed.get(definition)
        if computed is None:
            computed = self.computed[definition] = (
                f',\n      "type": {quoted(row.type)}'
                f',\n      "output_shape": {self.value(row.output_shape)}'
                f',\n      "weights": {_weights(row.weights)}'
                f',\n      "params": {row.params}'
                f',\n      "trainable_params": {row.trainable_params}'
                f',\n      "non_trainable_params": {row.non_trainable_params}'
            )
        figures = (row.outputs, cost.macs, cost.output_elements, cost.output_bytes)
        costed = self.costed.get(figures)
        if costed is None:
            costed = self.costed[figures] = (
                f',\n      "outputs": {self.value(row.outputs)}'
                f',\n      "macs": {_scalar(cost.macs)}'
                f',\n      "flops": {_scalar(cost.flops)}'
                f',\n      "output_elements": {_scalar(cost.output_elements)}'
                f',\n      "output_bytes": {_scalar(cost.output_bytes)}'
            )
        source = row.source
        return (
            f'{{\n      "name": {quoted(row.name)}{computed}'
            f',\n      "source": {{"line": {source.line}, "column": {source.column}}}'
            f',\n      "inputs": {self.names(row.inputs)}'
            f',\n      "block": {self.block(row.blocks)}'
            f',\n      "shared_with": {_scalar(row.shared_with)}{costed}'
            f',\n      "params_share": {self.share(cost.params_share)}'
            f',\n      "macs_share": {self.share(cost.macs_share)}'
            f',\n      "receptive_field": {self.field(field)}'
            "\n    }"
        )

    def block(self, blocks: tuple[tuple[str, str], ...]) -> str:
        """A row's block paths at indent 6, by identity: the rows of an instance hold one tuple."""
        text = self.blocks.get(id(blocks))
        if text is None:
            text = self.blocks[id(blocks)] = self.value(tuple([path for path, _ in blocks])) if blocks else "[]"
        return text

    def share(self, value: float | None) -> str:
        """A share as json writes it; identical layers hold the same one (analysis/costs.py)."""
        text = self.shares.get(id(value))
        if text is None:
            text = self.shares[id(value)] = _share(value)
        return text

    def field(self, result: LayerField) -> str:
        """A receptive field at indent 6: one line when it fits, else one line per key; one with
        misaligned paths takes the general layout."""
        field = result.field
        if field is None:
            return "null"
        if field.misaligned or result.paths:
            return _render(field_data(result), 6)[0]
        text = self.fields.get(id(field))
        if text is None:
            text = self.fields[id(field)] = self.aligned(field)
        return text

    def ints(self, values: tuple[int | None, ...]) -> str:
        """_ints(values), each tuple once."""
        text = self.sizes.get(values)
        if text is None:
            text = self.sizes[values] = _ints(values)
        return text

    def aligned(self, field: Field) -> str:
        """A field whose paths line up: its figures, on one line when they fit."""
        size, stride, padding, axes = [self.ints(values) for values in (field.size, field.stride, field.padding, field.axes)]
        source = quoted(field.input)
        line = (
            f'{{"size": {size}, "stride": {stride}, "padding": {padding}, "axes": {axes}, "input": {source}, '
            '"misaligned": [], "paths": []}'
        )
        if 6 + len(line) <= WIDTH:
            return line
        return (
            f'{{\n        "size": {size},\n        "stride": {stride},\n        "padding": {padding},\n        "axes": {axes}'
            f',\n        "input": {source},\n        "misaligned": [],\n        "paths": []\n      }}'
        )


def _weights(weights: tuple[Weight, ...]) -> str:
    """A layer's weights at indent 6, as _render lays their objects out: each written directly,
    as compact() would write it, and the generic layout where one does not fit its line (a name
    of some eighty characters; a shape of more sizes than a line holds is always one of those)."""
    if not weights:
        return "[]"
    items = [
        f'{{"name": {quoted(w.name)}, "shape": {_ints(w.shape)}, "trainable": {_scalar(w.trainable)}, '
        f'"shared": {_scalar(w.shared)}}}'
        for w in weights
    ]
    if len(items) <= _MOST:
        line = "[" + ", ".join(items) + "]"
        if 6 + len(line) <= WIDTH:
            return line
    if any(8 + len(item) > WIDTH for item in items):
        return _render([weight_data(w) for w in weights], 6)[0]
    return "[\n        " + ",\n        ".join(items) + "\n      ]"


def _ints(values: tuple[int | None, ...]) -> str:
    """A tuple of sizes as compact() writes it (None as null)."""
    if None in values:
        return "[" + ", ".join("null" if v is None else str(v) for v in values) + "]"
    return "[" + ", ".join(map(str, values)) + "]"


def _share(value: float | None) -> str:
    """json writes a finite float as its repr."""
    return "null" if value is None else repr(round(value, 6))
