"""One function body: which value goes in which variable.

Code written by hand threads one running variable through a chain (`x = self.conv1(x)`) and
names only what is read again later (`identity = x`). A value here is *passing* when its only
reader is the very next statement and nothing returns it: it lives in the running variable.
Every other value gets a variable named after its layer.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable

from convcalc.export.names import Names, identifier
from convcalc.export.source import Stmt
from convcalc.graph import Ref

BUILTINS = frozenset(dir(builtins))


def snake(name: str) -> str:
    """A name in lower case, words apart: `Mixed_6e` -> `mixed_6e`, `AuxLogits` -> `aux_logits`.

    >>> snake("AuxLogits"), snake("block_1_project_BN"), snake("conv1")
    ('aux_logits', 'block_1_project_bn', 'conv1')
    """
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


class Body:
    """The statements of one body, written member by member in order."""

    def __init__(
        self,
        reads: list[list[Ref]],
        incoming: dict[Ref, str],
        returns: list[Ref],
        reserved: set[str],
        entry: Ref | None = None,
        running: str = "x",
    ) -> None:
        self.uses: dict[Ref, list[int]] = {}
        self.last = len(reads) - 1
        for index, refs in enumerate(reads):
            for ref in refs:
                self.uses.setdefault(ref, []).append(index)
        self.returned = set(returns)
        self.exprs = dict(incoming)
        names = set(reserved) | set(incoming.values())
        if entry is not None and incoming.get(entry) == running and self.passing(entry, -1):
            names.discard(running)  # the input itself is the first link of the chain
        self.running = running if running not in names else Names(names).take("out")
        self.names = Names(names | {self.running})
        self.statements: list[Stmt] = []

    def passing(self, ref: Ref, index: int) -> bool:
        """Read once, by the statement after the one at `index`, and not returned; or the one
        value returned, made by the last statement and read by no other."""
        if ref in self.returned:
            return self.returned == {ref} and index == self.last and ref not in self.uses
        return self.uses.get(ref) == [index + 1]

    def used(self, ref: Ref) -> bool:
        return ref in self.returned or ref in self.uses

    def read(self, ref: Ref) -> str:
        return self.exprs[ref]

    def name(self, wanted: str) -> str:
        """A new variable, named after `wanted` (a layer's name) in lower case as PEP 8 names
        variables (`AuxLogits` -> `aux_logits`); `sum_` rather than hide a builtin."""
        name = identifier(snake(wanted), "value")
        return self.names.take(name + "_" if name in BUILTINS else name)

    def give(self, index: int, local: str, call: str, ref: Ref) -> str:
        """`call` makes the value `ref`: into the running variable when it is passing, else into
        a variable of its own; a value nobody reads leaves the statement bare. The variable."""
        if not self.used(ref):
            self.statements.append(Stmt(call))
            return ""
        target = self.running if self.passing(ref, index) else self.name(local)
        self.statements.append(Stmt(f"{target} = {call}"))
        self.exprs[ref] = target
        return target

    def alias(self, ref: Ref, expr: str) -> None:
        """`ref` is read as `expr` where it is used, with no statement of its own (`self.class_token`)."""
        self.exprs[ref] = expr

    def give_outputs(self, index: int, local: str, call: str, outputs: list[Ref], read: Callable[[str, int], str]) -> None:
        """A layer with several outputs: `read(expr, k)` takes output k from what `call` returns.
        One output used is taken at once (`self.attention(x, x, x)[0]`); several keep the whole."""
        used = [k for k, ref in enumerate(outputs) if self.used(ref)]
        if not used:
            self.statements.append(Stmt(call))
        elif len(used) == 1:
            self.give(index, local, read(call, used[0]), outputs[used[0]])
        else:
            target = self.name(local)
            self.statements.append(Stmt(f"{target} = {call}"))
            for k in used:
                self.exprs[outputs[k]] = read(target, k)

    def give_many(self, call: str, locals_: list[str], refs: list[Ref]) -> None:
        """A call returning a tuple (an instance's output and exports): a variable each."""
        targets = [self.name(local) for local in locals_]
        self.statements.append(Stmt(f"{', '.join(targets)} = {call}"))
        for ref, target in zip(refs, targets):
            self.exprs[ref] = target

    def returning(self, refs: list[Ref]) -> None:
        self.statements.append(Stmt("return " + ", ".join(self.exprs[ref] for ref in refs)))
