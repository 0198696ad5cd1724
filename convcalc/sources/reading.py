"""Reading a model file without trusting it: bounded reads, zip archives read in place (nothing
extracted, no member but the one asked for decompressed, and that one only up to a bound), JSON
with a bound on its containers. Every failure is a SpecError naming the file.

A `.keras` file holds the weights too (hundreds of megabytes for VGG16): only its directory and
`config.json` are read, so its size is not bounded, but the directory's is.
"""

from __future__ import annotations

import struct
from typing import Any

from convcalc.errors import Location, SpecError

MAX_TEXT_BYTES = 64 * 1024 * 1024
"""A model description (config.json, a JSON file, a cfg): as large as the largest spec."""
MAX_MEMBERS = 10_000
"""Entries of a zip's directory: a .keras file has three."""
MAX_DIRECTORY_BYTES = 4 * 1024 * 1024
MAX_JSON_CONTAINERS = 2_000_000
"""Lists and objects in one JSON text: a 1,000-layer Keras model has some 30,000; each costs
Python ~60 bytes, so the bound holds a hostile text of small lists to ~120 MB."""


def cannot_read(path: str, message: str, hint: str = "") -> SpecError:
    return SpecError.at(Location(path), "CC001", message, hint)


def read_bytes(path: str, limit: int = MAX_TEXT_BYTES) -> bytes:
    """The whole file, refused past `limit` bytes (read no further than that)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise cannot_read(path, "no such file") from None
    except IsADirectoryError:
        raise cannot_read(path, "is a directory, not a model file") from None
    except OSError as exc:
        raise cannot_read(path, f"cannot read the file: {exc.strerror or exc}") from None
    except ValueError as exc:  # a path with a NUL byte
        raise cannot_read(repr(path), f"cannot read the file: {exc}") from None
    if len(data) > limit:
        raise cannot_read(path, f"the file is larger than {limit // 2**20} MiB, too large for a model description")
    return data


def head(path: str, size: int = 512) -> bytes:
    """The first bytes of the file, to tell its format; b"" when it cannot be read (the
    importer then says why)."""
    try:
        with open(path, "rb") as handle:
            return handle.read(size)
    except (OSError, ValueError):
        return b""


def text(data: bytes, where: str) -> str:
    """UTF-8 text (a BOM dropped), or CC001 at the first byte that is not."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SpecError.at(
            Location(where, line, 1), "CC001", f"not UTF-8 text (byte {data[exc.start]:#04x} at offset {exc.start})"
        ) from None


def parse_json(source: str, where: str) -> Any:
    """JSON text as Python data, or CC002 at the problem (nesting too deep, a number too long,
    more containers than MAX_JSON_CONTAINERS)."""
    import json

    containers = source.count("[") + source.count("{")  # counted in C; strings may hold some too: an upper bound
    if containers > MAX_JSON_CONTAINERS:
        raise SpecError.at(
            Location(where), "CC002", f"the JSON holds more than {MAX_JSON_CONTAINERS:,} lists and objects, too many for a model"
        )
    try:
        return json.loads(source)
    except json.JSONDecodeError as exc:
        raise SpecError.at(Location(where, exc.lineno, exc.colno), "CC002", f"malformed JSON: {exc.msg}") from None
    except RecursionError:
        raise SpecError.at(Location(where), "CC002", "malformed JSON: it nests too deeply") from None
    except ValueError as exc:  # an integer beyond Python's digit limit
        raise SpecError.at(Location(where), "CC002", f"malformed JSON: {' '.join(str(exc).split())[:120]}") from None


def zip_member(path: str, name: str, limit: int = MAX_TEXT_BYTES, required: bool = True) -> bytes | None:
    """One member of a zip archive, decompressed up to `limit` bytes, without extracting
    anything. The archive is refused (CC002) when it is damaged or truncated, encrypted, holds
    more than MAX_MEMBERS entries, a member path that escapes (absolute, `..`, a drive or a
    backslash) or the same name twice; the member when it is larger than `limit` once
    decompressed, whatever its header claims (a zip bomb)."""
    import zipfile
    import zlib

    damaged = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError, struct.error)
    _check_directory(path)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            _check_members(path, [info.filename for info in infos])
            matches = [info for info in infos if info.filename == name]
            if not matches:
                if not required:
                    return None
                raise SpecError.at(
                    Location(path), "CC002", f"the archive holds no {name}", hint="a .keras file (Keras 3) has config.json"
                )
            info = matches[0]
            if info.flag_bits & 0x1:
                raise SpecError.at(Location(path), "CC002", f"{name} is encrypted")
            with archive.open(info) as member:
                data = member.read(limit + 1)
    except damaged as exc:
        reason = " ".join(str(exc).split())[:120] or type(exc).__name__
        raise SpecError.at(Location(path), "CC002", f"a damaged or truncated zip archive: {reason}") from None
    if len(data) > limit:
        raise SpecError.at(Location(path), "CC002", f"{name} decompresses to more than {limit // 2**20} MiB", hint="a zip bomb?")
    return data


def _check_directory(path: str) -> None:
    """Refuse an archive whose end record announces more entries, or a larger directory, than
    a model file has, before zipfile reads (and allocates) the directory."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(max(0, size - 65_557))  # the end record (22 bytes) and at most a 64 KiB comment
            tail = handle.read()
    except (OSError, ValueError) as exc:
        raise cannot_read(path, f"cannot read the file: {exc}") from None
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        return  # zipfile says what is wrong
    entries, directory = struct.unpack("<HI", tail[at + 10 : at + 16])
    if entries == 0xFFFF or directory == 0xFFFFFFFF:  # Zip64: the real figures are elsewhere
        locator = tail.rfind(b"PK\x06\x07", 0, at)
        if locator >= 0 and len(tail) >= locator + 20:
            (offset,) = struct.unpack("<Q", tail[locator + 8 : locator + 16])
            entries, directory = _zip64_counts(path, offset)
    if entries > MAX_MEMBERS or directory > MAX_DIRECTORY_BYTES:
        raise SpecError.at(
            Location(path),
            "CC002",
            f"the archive announces {entries:,} entries ({directory:,} bytes of directory), more than a model file holds",
        )


def _zip64_counts(path: str, offset: int) -> tuple[int, int]:
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            record = handle.read(56)
    except (OSError, ValueError, OverflowError):
        return 0, 0
    if len(record) < 56 or not record.startswith(b"PK\x06\x06"):
        return 0, 0
    entries, directory = struct.unpack("<QQ", record[32:48])
    return entries, directory


def _check_members(path: str, names: list[str]) -> None:
    if len(names) > MAX_MEMBERS:
        raise SpecError.at(Location(path), "CC002", f"the archive holds {len(names):,} entries, more than a model file holds")
    seen: set[str] = set()
    for name in names:
        parts = name.replace("\\", "/").split("/")
        if name.startswith(("/", "\\")) or "\\" in name or ".." in parts or "\0" in name or (len(name) > 1 and name[1] == ":"):
            raise SpecError.at(
                Location(path), "CC002", f"the archive holds a member path that escapes it: {name[:80]!r}", hint="a hostile file?"
            )
        if name in seen:
            raise SpecError.at(Location(path), "CC002", f"the archive holds {name[:80]!r} twice")
        seen.add(name)
