"""A container scope as code holds it: its modules under the keys torch (or Keras) gives them,
how each is reached (`self.features[0]`, `self.heads.head`, `self.blocks["a"]`), and whether
the container can run as its own forward (`self.features(x)`, or `for layer in self.layers`).

A container's forward runs its modules one after the other, each on the one before's single
output. Where the spec wires them otherwise (a module reads a value from elsewhere, a value
inside is read outside, a function such as `x + y` runs between them), the enclosing forward
calls its modules one by one instead: the modules, and so the module paths, stay the same.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable, Iterator

from convcalc.export.names import MODULE_ATTRIBUTES
from convcalc.export.structure import Member, Scope
from convcalc.graph import Ref
from convcalc.spec.containers import Container


class Entries:
    """A container's modules by key, in the order they are registered."""

    def __init__(self, container: Container, pairs: list[tuple[str, Member]]) -> None:
        self.container = container
        self.pairs = pairs
        self.positions = {id(member): (index, key) for index, (key, member) in enumerate(pairs)}

    def items(self) -> list[tuple[str, Member]]:
        return list(self.pairs)

    def keys(self) -> list[str]:
        return [key for key, _ in self.pairs]

    def members(self) -> Iterator[Member]:
        return (member for _, member in self.pairs)

    @property
    def numbered(self) -> bool:
        """Keyed 0, 1, 2... in order, as `nn.Sequential(a, b)` and `nn.ModuleList` key them."""
        return self.keys() == [str(i) for i in range(len(self.pairs))]

    def named(self) -> Iterator[str]:
        return (key for key in self.keys() if not key.isdigit())

    def access(self, container: str, member: Member) -> str:
        """The expression that reaches `member` in the container `container` ("" for a function)."""
        if id(member) not in self.positions:
            return ""
        position, key = self.positions[id(member)]
        if self.container.name == "ModuleDict":
            return f'{container}["{key}"]'
        if key.isidentifier() and not keyword.iskeyword(key) and key not in MODULE_ATTRIBUTES:
            return f"{container}.{key}"
        return f"{container}[{position}]"


def entries(scope: Scope, function: Callable[[Member], bool]) -> Entries:
    """The modules a container (or a block subclassing one) holds: every member but the
    functions the forward calls between them by name; a function the container numbers
    (torchvision's `Permute` in a ConvNeXt block) is held as a module wrapping it."""
    container = scope.container
    assert container is not None
    pairs: list[tuple[str, Member]] = []
    for member in scope.members:
        if function(member) and not numbered_function(scope, member, function):
            continue
        pairs.append((member.local, member))
    return Entries(container, pairs)


def numbered_function(scope: Scope, member: Member, function: Callable[[Member], bool]) -> bool:
    """A function a numbered container counts among its modules: held wrapped in a module."""
    return scope.container is not None and scope.container.numbered and member.local.isdigit() and function(member)


def runs_whole(scope: Scope, function: Callable[[Member], bool], plain: Callable[[Member], bool]) -> bool:
    """Whether the container's own forward runs it as the spec does: every member a module
    (`plain`: one input, one output) taking the one before's output, the last giving the
    container's output, nothing read from outside or from inside by others."""
    if scope.externals or scope.exports:
        return False
    previous = scope.entry
    for member in scope.members:
        if numbered_function(scope, member, function):
            if member.row is not None and member.row.extra_outputs:
                return False  # its module, called by the container, runs it on one tensor
        elif function(member) or not plain(member):
            return False
        if member.reads != [previous]:
            return False
        if member.scope is not None and member.scope.inline and not runs_whole(member.scope, function, plain):
            return False
        gives = member.gives if member.row is None else [Ref(member.row.name)]
        if len(gives) != 1:
            return False
        previous = gives[0]
    return previous == scope.output
