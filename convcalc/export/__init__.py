"""`convcalc export`: a spec as a Python file that builds its network with the real framework.

A PyTorch spec becomes an `nn.Module` (pytorch.py), a Keras spec a functional model (keras.py);
both read the report and the expanded graph (structure.py), and lay their code out as
`ruff format` would (layout.py). Loaded only by `convcalc export`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from convcalc.errors import Diagnostic, Location, SpecError
from convcalc.record import Record
from convcalc.spec.model import Spec

if TYPE_CHECKING:
    from convcalc.export.keras import KerasWriter
    from convcalc.export.pytorch import TorchWriter


class Exported(Record):
    """The file's text; the class (PyTorch) or function (Keras) that builds the model; and each
    layer's name in that model: its module path in PyTorch (none for a stand-in for a torch
    function), its layer's name in Keras."""

    __slots__ = ("text", "entry", "names")

    text: str
    entry: str
    names: dict[str, str]

    def __init__(self, text: str, entry: str, names: dict[str, str]) -> None:
        self.text = text
        self.entry = entry
        self.names = names


def export(spec: Spec, framework: str | None = None) -> Exported:
    """The spec's network as code for `framework` (its own; the other is a SpecError)."""
    from convcalc.engine import computed
    from convcalc.export import source, structure
    from convcalc.export.source import Unwritable

    target = framework or spec.framework
    if target != spec.framework:
        raise SpecError(
            Diagnostic(
                Location(spec.path),
                "CC004",
                f"a {spec.framework} spec exports to {spec.framework}, not {target}",
                hint="a spec in one framework's vocabulary exports to that framework",
            )
        )
    report, graph = computed(spec)
    model = structure.build(report, graph, frozenset(name for name, block in spec.blocks.items() if not block.scoped))
    writer: TorchWriter | KerasWriter
    if target == "pytorch":
        from convcalc.export.pytorch import TorchWriter

        writer = TorchWriter(spec, report, graph, model)
    else:
        from convcalc.export.keras import KerasWriter

        writer = KerasWriter(spec, report, graph, model)
    try:
        statements = writer.write()
    except Unwritable as exc:
        raise SpecError(Diagnostic(exc.where or Location(spec.path), "CC004", f"cannot export: {exc}")) from None
    return Exported(source.render(statements), writer.entry, writer.names)
