"""An ONNX file read without its weights: the graph (nodes, attributes, inputs, outputs, the
shapes it records) and every initializer's name, type and dims, handed to the onnx package's
parser as a model whose large tensors carry no values.

The file is mapped, not read: protobuf.py walks the model's and the graph's fields and copies
the ones an importer reads, so a 550 MB VGG16 costs the few hundred kilobytes of its graph, and
a truncated or hostile file (a field that claims more bytes than the file has, a graph of
millions of nodes) is refused at the offset where it goes wrong, before anything allocates.
Small integer tensors keep their values (a Reshape's target, a Split's sizes, a Slice's
bounds), as do float tensors of a few elements (a Resize's scales, a Clip's bounds); no weight's
values are ever read.
"""

from __future__ import annotations

import mmap
from typing import Any

from convcalc.errors import Location, SpecError
from convcalc.sources.protobuf import LENGTH, WireError, fields, varint
from convcalc.sources.reading import cannot_read

MAX_GRAPH_BYTES = 64 * 1024 * 1024
"""The graph without its weights' values: GPT-2's is about 1 MB."""
MAX_ENTRIES = 500_000
"""Nodes, initializers and shape records of one graph: a large language model has some 50,000."""
KEEP_INTEGERS = 4096
"""Integer tensors up to this many elements keep their values: shapes, axes, sizes, indices."""
KEEP_FLOATS = 8
"""Float tensors up to this many elements keep theirs: scales, bounds, scalar operands."""

MODEL_GRAPH = 7  # ModelProto.graph
GRAPH_INITIALIZER = 5  # GraphProto.initializer (TensorProto)
GRAPH_ENTRIES = (1, 5, 11, 12, 13, 15)  # node, initializer, input, output, value_info, sparse_initializer
TENSOR_DIMS, TENSOR_TYPE = 1, 2
TENSOR_VALUES = (4, 5, 6, 7, 9, 10, 11, 13, 14)  # float/int32/string/int64/raw/double/uint64 data, external data, location
INTEGER_TYPES = frozenset({2, 3, 4, 5, 6, 7, 9, 12, 13})  # uint8 int8 uint16 int16 int32 int64 bool uint32 uint64
MAX_TENSOR_FIELDS = 100_000
"""A tensor's fields: its name, type, dims and data (packed, as every exporter writes it)."""
FLOAT_TYPES = frozenset({1, 10, 11, 16})  # float float16 double bfloat16
INTEGER_DTYPES = {2: "uint8", 3: "int8", 5: "int16", 6: "int32", 7: "int64", 9: "bool"}
"""TensorProto's integer types as torch names them (a buffer's dtype); uint16/32/64 have no torch tensor."""


class Light:
    """What reading the file found besides the model: how many initializers lost their values."""

    def __init__(self) -> None:
        self.dropped = 0
        self.entries = 0


def load(path: str) -> tuple[Any, Light]:
    """The onnx ModelProto of `path` with its large tensors' values left out."""
    try:
        import onnx
    except ImportError:
        raise SpecError.at(
            Location(path),
            "CC001",
            "reading an ONNX file needs the onnx package",
            hint="pip install 'convcalc[onnx]'",
        ) from None
    light = Light()
    try:
        with open(path, "rb") as handle:
            try:
                mapped: mmap.mmap | bytes = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            except ValueError:  # an empty file cannot be mapped
                mapped = b""
            view = memoryview(mapped)
            try:
                data = _model(view, path, light)
            finally:
                view.release()
                if isinstance(mapped, mmap.mmap):
                    mapped.close()
    except FileNotFoundError:
        raise cannot_read(path, "no such file") from None
    except IsADirectoryError:
        raise cannot_read(path, "is a directory, not a model file") from None
    except OSError as exc:
        raise cannot_read(path, f"cannot read the file: {exc.strerror or exc}") from None
    except WireError as exc:
        raise SpecError.at(
            Location(path), "CC002", f"not a well-formed ONNX model: {exc.message} (at byte {exc.offset:,})"
        ) from None
    try:
        model = onnx.ModelProto.FromString(data)
    except Exception as exc:  # protobuf's DecodeError, or its recursion limit on nested graphs
        reason = " ".join(str(exc).split())[:120] or type(exc).__name__
        raise SpecError.at(Location(path), "CC002", f"not a well-formed ONNX model: {reason}") from None
    return model, light


def _model(buffer: memoryview, path: str, light: Light) -> bytes:
    """The model's bytes with the graph's large tensors stripped of their values."""
    if not buffer:
        raise SpecError.at(Location(path), "CC001", "the file is empty")
    parts: list[bytes] = []
    graphs = 0
    for field in fields(buffer):
        if field.number == MODEL_GRAPH and field.wire == LENGTH:
            graphs += 1
            graph = _graph(buffer, field.start, field.end, light)
            parts.append(_length_delimited(MODEL_GRAPH, graph))
        else:
            parts.append(bytes(buffer[field.tag : field.end]))
        if sum(map(len, parts)) > MAX_GRAPH_BYTES:
            raise SpecError.at(
                Location(path),
                "CC002",
                f"the model without its weights is larger than {MAX_GRAPH_BYTES // 2**20} MiB, too large for a graph",
            )
    if not graphs:
        raise SpecError.at(Location(path), "CC002", "not an ONNX model: it holds no graph", hint="an ONNX file is a ModelProto")
    return b"".join(parts)


def _graph(buffer: memoryview, start: int, end: int, light: Light) -> bytes:
    parts: list[bytes] = []
    size = 0
    for field in fields(buffer, start, end):
        if field.number in GRAPH_ENTRIES:
            light.entries += 1
            if light.entries > MAX_ENTRIES:
                raise WireError(f"the graph holds more than {MAX_ENTRIES:,} nodes and tensors, more than a model has", field.tag)
        if field.number == GRAPH_INITIALIZER and field.wire == LENGTH:
            part = _length_delimited(GRAPH_INITIALIZER, _tensor(buffer, field.start, field.end, light))
        else:
            part = bytes(buffer[field.tag : field.end])
        size += len(part)
        if size > MAX_GRAPH_BYTES:
            raise WireError(f"the graph without its weights is larger than {MAX_GRAPH_BYTES // 2**20} MiB", field.tag)
        parts.append(part)
    return b"".join(parts)


def _tensor(buffer: memoryview, start: int, end: int, light: Light) -> bytes:
    """A TensorProto: its name, type and dims; its values too when it is a small constant."""
    kept: list[bytes] = []
    values: list[bytes] = []
    dims: list[int] = []
    kind = 0
    for count, field in enumerate(fields(buffer, start, end)):
        if count > MAX_TENSOR_FIELDS:
            raise WireError(f"a tensor written as more than {MAX_TENSOR_FIELDS:,} separate fields", field.tag)
        if field.number == TENSOR_DIMS:
            dims += _integers(buffer, field)
        elif field.number == TENSOR_TYPE and field.value is not None:
            kind = field.value
        if field.number in TENSOR_VALUES:
            if len(values) < 64:  # a tensor's data is one field, or one per element: a small one has few
                values.append(bytes(buffer[field.tag : field.end]) if field.end - field.tag <= 65_536 else b"")
            else:
                values.append(b"")
        else:
            kept.append(bytes(buffer[field.tag : field.end]))
    count = 1
    for dim in dims:
        count *= max(dim, 0)
    small = (kind in INTEGER_TYPES and count <= KEEP_INTEGERS) or (kind in FLOAT_TYPES and count <= KEEP_FLOATS)
    if small and all(values):
        return b"".join(kept + values)
    if values:
        light.dropped += 1
    return b"".join(kept)


def _integers(buffer: memoryview, field: Any) -> list[int]:
    """A repeated int64 field's values: one varint, or a packed run of them."""
    if field.value is not None:
        return [field.value - (1 << 64) if field.value >= 1 << 63 else field.value]
    found: list[int] = []
    offset = field.start
    while offset < field.end and len(found) < 64:
        value, offset = varint(buffer, offset, field.end)
        found.append(value - (1 << 64) if value >= 1 << 63 else value)
    return found


def _length_delimited(number: int, payload: bytes) -> bytes:
    return _varint_bytes(number << 3 | LENGTH) + _varint_bytes(len(payload)) + payload


def _varint_bytes(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)
