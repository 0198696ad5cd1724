"""The base of the records that travel through the pipeline.

A record is a slotted class whose fields are its `__slots__` (those not starting with `_`, which
hold what is worked out from the fields), set once in a written-out `__init__` and never changed
after (by convention: nothing in convcalc assigns to one). It compares and hashes by its fields
and shows itself as `Name(field=value, ...)`, as a frozen dataclass would, but costs nothing at
import: a frozen @dataclass generates its methods with
exec() when its module loads (~0.4 ms a class, about 10 ms over the records a `summary` needs),
which is most of what a calculator's start-up should not pay (bench/run.py measures it).
"""

from __future__ import annotations

from typing import Any, TypeVar

R = TypeVar("R", bound="Record")


class Record:
    """Equality, hashing, repr and `replace` from `__slots__`."""

    __slots__: tuple[str, ...] = ()

    def fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__ if name[0] != "_")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Record)
        return self.fields() == other.fields()

    def __hash__(self) -> int:
        return hash((type(self).__name__, *self.fields()))

    def __repr__(self) -> str:
        values = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__ if name[0] != "_")
        return f"{type(self).__name__}({values})"

    def replace(self: R, **changes: Any) -> R:
        """A copy with some fields changed (dataclasses.replace for records).

        >>> from convcalc.errors import Location
        >>> Location("net.yaml", 3, 5).replace(column=9)
        Location(path='net.yaml', line=3, column=9)
        """
        values = {name: getattr(self, name) for name in self.__slots__ if name[0] != "_"}
        values.update(changes)
        return type(self)(**values)
