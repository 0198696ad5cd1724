"""Protocol Buffers' wire format, walked without decoding it: each field's number and where its
bytes lie. An ONNX model holds its weights inline (hundreds of megabytes for VGG16) beside a
graph of a few hundred kilobytes; walking the fields lets the importer hand the graph, and only
the graph, to the onnx package's parser, skip every weight's bytes without reading them, and
find a truncated or inflated file at the offset where it goes wrong, before anything allocates.

Only what an importer needs: varints, and the four wire types; a group (types 3 and 4, long
deprecated) is malformed here.

>>> buffer = bytes([0x08, 0x96, 0x01, 0x12, 0x02, 0x68, 0x69])  # field 1 = 150, field 2 = b"hi"
>>> [(f.number, f.value, buffer[f.start : f.end]) for f in fields(buffer)]
[(1, 150, b''), (2, None, b'hi')]
"""

from __future__ import annotations

from collections.abc import Iterator

from convcalc.record import Record

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5


class WireError(Exception):
    """The bytes are not a well-formed message: `offset` is where reading failed."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


class Field(Record):
    """One field: its number and wire type, its value (a varint's; None otherwise), and the
    bytes it spans, `tag` (where its tag starts) to `end`, its payload from `start`."""

    __slots__ = ("number", "wire", "value", "tag", "start", "end")

    number: int
    wire: int
    value: int | None
    tag: int
    start: int
    end: int

    def __init__(self, number: int, wire: int, value: int | None, tag: int, start: int, end: int) -> None:
        self.number = number
        self.wire = wire
        self.value = value
        self.tag = tag
        self.start = start
        self.end = end


def varint(buffer: bytes | memoryview, offset: int, end: int) -> tuple[int, int]:
    """The varint at `offset` and the offset after it.

    >>> varint(bytes([0xAC, 0x02]), 0, 2)
    (300, 2)
    """
    result = shift = 0
    while True:
        if offset >= end:
            raise WireError("the file ends inside a number", offset)
        byte = buffer[offset]
        offset += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, offset
        shift += 7
        if shift >= 70:
            raise WireError("a number longer than ten bytes", offset)


def fields(buffer: bytes | memoryview, start: int = 0, end: int | None = None) -> Iterator[Field]:
    """The fields of the message in `buffer[start:end]`, in order; WireError where one is
    malformed or runs past `end` (a truncated file)."""
    end = len(buffer) if end is None else end
    offset = start
    while offset < end:
        tag_at = offset
        key, offset = varint(buffer, offset, end)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise WireError("a field numbered 0", tag_at)
        value: int | None = None
        if wire == VARINT:
            value, offset = varint(buffer, offset, end)
            payload = offset
        elif wire == LENGTH:
            length, payload = varint(buffer, offset, end)
            offset = payload + length
        elif wire == FIXED64:
            payload, offset = offset, offset + 8
        elif wire == FIXED32:
            payload, offset = offset, offset + 4
        else:
            raise WireError(f"wire type {wire}, which no message of this kind holds", tag_at)
        if offset > end:
            raise WireError(
                f"field {number} runs {offset - end:,} bytes past the end of what holds it (a truncated file?)", tag_at
            )
        yield Field(number, wire, value, tag_at, payload, offset)
