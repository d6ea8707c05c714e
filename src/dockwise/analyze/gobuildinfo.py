"""The Go build info blob: Go version, main module, dependencies and build settings.

Format (facts from Go's src/debug/buildinfo/buildinfo.go and runtime/debug/mod.go):
a 32-byte header `\\xff Go buildinf:` + pointer size (1 byte) + flags (1 byte) + padding.
Go 1.18+ sets flag 0x2 and writes the version and the module info inline after the
header as uvarint-length-prefixed strings. Older binaries (1.13-1.17) store two
pointers after the flags, each to a (data pointer, length) string header in memory.
The module info is framed by 16 sentinel bytes on each side.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable

MAGIC = b"\xff Go buildinf:"
HEADER_SIZE = 32
FLAG_BIG_ENDIAN = 0x1
FLAG_INLINE = 0x2
MAX_STRING = 1 << 20  # a mod info string larger than this is not a real one
SEARCH_LIMIT = 64 * 1024  # the blob is 16-byte aligned near the start of its segment

ReadAt = Callable[[int, int], bytes]  # virtual address, size -> bytes ("" if unmapped)


class BuildInfoError(ValueError):
    """The blob is not a readable Go build info."""


def find(data: bytes) -> int:
    """Offset of the blob in raw bytes (Mach-O, PE or section-less ELF), or -1."""
    pos = data.find(MAGIC)
    while pos >= 0 and pos % 16:
        pos = data.find(MAGIC, pos + 1)
    return pos


def parse(blob: bytes, read_at: ReadAt | None = None) -> dict:
    """Facts from a blob that starts with the magic; pointers need `read_at`."""
    if len(blob) < HEADER_SIZE or not blob.startswith(MAGIC):
        raise BuildInfoError("no Go build info magic")
    ptr_size, flags = blob[14], blob[15]
    if flags & FLAG_INLINE:
        version, pos = _varint_string(blob, HEADER_SIZE)
        mod, _ = _varint_string(blob, pos)
    else:
        version, mod = _pointer_strings(blob, ptr_size, flags, read_at)
    facts = parse_modinfo(_unframe(mod))
    facts["version"] = version
    return facts


def _varint_string(data: bytes, pos: int) -> tuple[str, int]:
    length, shift = 0, 0
    while True:
        if pos >= len(data) or shift > 63:
            raise BuildInfoError("truncated length")
        byte = data[pos]
        pos += 1
        length |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            break
    if length > MAX_STRING or pos + length > len(data):
        raise BuildInfoError("string runs past the data")
    return data[pos : pos + length].decode("utf-8", "replace"), pos + length


def _pointer_strings(
    blob: bytes, ptr_size: int, flags: int, read_at: ReadAt | None
) -> tuple[str, str]:
    """Pre-1.18: two pointers to Go string headers (pointer, length)."""
    if read_at is None:
        raise BuildInfoError("pointer-format build info needs the address map")
    if ptr_size not in (4, 8):
        raise BuildInfoError(f"pointer size {ptr_size}")
    order = ">" if flags & FLAG_BIG_ENDIAN else "<"
    ptr = struct.Struct(order + ("Q" if ptr_size == 8 else "I"))
    pair = struct.Struct(order + ("QQ" if ptr_size == 8 else "II"))

    def string_at(address: int) -> str:
        header = read_at(address, pair.size)
        if len(header) < pair.size:
            raise BuildInfoError("string header outside the file")
        data_ptr, length = pair.unpack(header)
        if length > MAX_STRING:
            raise BuildInfoError("string too long")
        data = read_at(data_ptr, length)
        if len(data) < length:
            raise BuildInfoError("string data outside the file")
        return data.decode("utf-8", "replace")

    version_ptr = ptr.unpack_from(blob, 16)[0]
    mod_ptr = ptr.unpack_from(blob, 16 + ptr_size)[0]
    return string_at(version_ptr), string_at(mod_ptr)


def _unframe(mod: str) -> str:
    """Strip the 16-byte sentinels; a mod string without them is treated as empty."""
    if len(mod) >= 33 and mod[-17] == "\n":
        return mod[16:-16]
    return ""


def parse_modinfo(text: str) -> dict:
    """`path`, `mod`, `dep`, `=>` (replaces the line above) and `build` lines."""
    facts: dict = {"path": "", "main": {}, "deps": [], "settings": []}
    last: dict | None = None
    for line in text.splitlines():
        key, _, rest = line.partition("\t")
        fields = rest.split("\t")
        if key == "path":
            facts["path"] = rest
        elif key in ("mod", "dep"):
            last = _module(fields)
            if key == "mod":
                facts["main"] = last
            else:
                facts["deps"].append(last)
        elif key == "=>" and last is not None:
            last["replace"] = _module(fields)
        elif key == "build":
            facts["settings"].append(list(_setting(rest)))
    return facts


def _module(fields: list[str]) -> dict:
    names = ("path", "version", "sum")
    return {k: v for k, v in zip(names, fields, strict=False) if v}


def _setting(text: str) -> tuple[str, str]:
    """`key=value`, where a key with `=`, spaces or quotes is itself quoted."""
    if text.startswith('"'):
        match = re.match(r'"((?:[^"\\]|\\.)*)"=(.*)', text)
        if match:
            return match.group(1), _unquote(match.group(2))
    key, _, value = text.partition("=")
    return key, _unquote(value)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return value
