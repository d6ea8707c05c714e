"""rpm header blobs, as the package database stores them (no lead, no header magic).

Ref. rpm's lib/header.c (headerImport, hdrblobVerifyInfo, hdrblobVerifyRegion) and
https://github.com/rpm-software-management/rpm/blob/master/docs/manual/format_header.md

A blob is `be32 il, be32 dl`, then `il` index entries of `be32 tag, type, offset,
count`, then `dl` bytes of data. The first entry is usually a region tag whose data
is a trailer entry pointing back over the index: it marks the signed, immutable part.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

# rpm's hdrblobVerifyInfo limits (lib/header.c: HEADER_TAGS_MAX, HEADER_DATA_MAX)
MAX_ENTRIES = 0xFFFF
MAX_DATA = 0x0FFFFFFF
ENTRY = struct.Struct(">IIiI")  # tag, type, offset (signed: the trailer's is negative), count

# Types (lib/rpmtag.h: rpmTagType)
CHAR, INT8, INT16, INT32, INT64, STRING, BIN, STRING_ARRAY, I18NSTRING = range(1, 10)
_INT_FORMATS = {INT16: "H", INT32: "I", INT64: "Q"}
REGION_TAGS = (61, 62, 63)  # HEADERIMAGE, HEADERSIGNATURES, HEADERIMMUTABLE

# Tags (lib/rpmtag.h)
NAME, VERSION, RELEASE, EPOCH = 1000, 1001, 1002, 1003
VENDOR, LICENSE, PACKAGER, ARCH, SOURCERPM = 1011, 1014, 1015, 1022, 1044
OLDFILENAMES, DIRINDEXES, BASENAMES, DIRNAMES = 1027, 1116, 1117, 1118
SHA1HEADER, SHA256HEADER, MODULARITYLABEL = 269, 273, 5096
WANTED = frozenset(
    {
        NAME,
        VERSION,
        RELEASE,
        EPOCH,
        VENDOR,
        LICENSE,
        PACKAGER,
        ARCH,
        SOURCERPM,
        OLDFILENAMES,
        DIRINDEXES,
        BASENAMES,
        DIRNAMES,
        SHA1HEADER,
        SHA256HEADER,
        MODULARITYLABEL,
    }
)

Value = str | bytes | tuple[str, ...] | tuple[int, ...]


class HeaderError(ValueError):
    """The blob is not a header rpm itself would load."""


@dataclass(frozen=True, slots=True)
class RpmEntry:
    """One installed package as the rpm database (or a manifest) records it."""

    name: str
    version: str
    release: str
    epoch: int | None = None
    arch: str = ""
    source_rpm: str = ""
    vendor: str = ""
    packager: str = ""
    license: str = ""
    modularity_label: str = ""
    files: tuple[str, ...] = ()
    header_digest: tuple[str, str] | None = None  # ("sha256", hex) of the immutable header


def read_header(blob: bytes) -> dict[int, Value]:
    """The wanted tags of one header blob; later (dribble) entries override earlier ones."""
    if len(blob) < 8:
        raise HeaderError(f"{len(blob)} bytes is too short for a header")
    il, dl = struct.unpack_from(">II", blob)
    if not 0 < il <= MAX_ENTRIES or dl > MAX_DATA:
        raise HeaderError(f"implausible header sizes: {il} entries, {dl} data bytes")
    start = 8 + il * ENTRY.size
    if start + dl > len(blob):
        raise HeaderError(f"header needs {start + dl} bytes, blob has {len(blob)}")
    entries = list(ENTRY.iter_unpack(blob[8:start]))
    data = blob[start : start + dl]
    _check_region(entries, data)
    tags: dict[int, Value] = {}
    for tag, kind, offset, count in entries:
        if tag in WANTED:
            value = _decode(kind, offset, count, data)
            if value is not None:
                tags[tag] = value
    return tags


def _check_region(entries: list[tuple[int, int, int, int]], data: bytes) -> None:
    """Verify the region trailer the way hdrblobVerifyRegion does; legacy headers have none."""
    tag, kind, offset, count = entries[0]
    if tag not in REGION_TAGS:
        return
    if kind != BIN or count != ENTRY.size or not 0 <= offset <= len(data) - ENTRY.size:
        raise HeaderError(f"region tag {tag}: bad entry (type {kind}, offset {offset})")
    t_tag, t_kind, t_offset, t_count = ENTRY.unpack_from(data, offset)
    # rpm's legacy fixup: an image region's trailer carries the immutable tag
    tag_ok = t_tag == tag or (tag == REGION_TAGS[0] and t_tag == REGION_TAGS[2])
    ril, rest = divmod(-t_offset, ENTRY.size)
    if not tag_ok or t_kind != BIN or t_count != ENTRY.size or rest or not 0 < ril <= len(entries):
        raise HeaderError(f"region tag {tag}: bad trailer (tag {t_tag}, offset {t_offset})")


def _decode(kind: int, offset: int, count: int, data: bytes) -> Value | None:
    """One entry's value, or None when it points outside the data or has an odd type."""
    if offset < 0 or offset >= len(data) or count == 0:
        return None
    if kind in (STRING, STRING_ARRAY, I18NSTRING):
        strings = _strings(data, offset, 1 if kind == STRING else count)
        if strings is None:
            return None
        # An I18N string's first value is the untranslated ("C" locale) text.
        return strings[0] if kind in (STRING, I18NSTRING) else strings
    if kind in _INT_FORMATS:
        fmt = f">{count}{_INT_FORMATS[kind]}"
        if offset + struct.calcsize(fmt) > len(data):
            return None
        return struct.unpack_from(fmt, data, offset)
    if kind in (CHAR, INT8, BIN) and offset + count <= len(data):
        return data[offset : offset + count]
    return None


def _strings(data: bytes, offset: int, count: int) -> tuple[str, ...] | None:
    """`count` NUL-terminated strings; a count over the bytes left cannot be honest."""
    if count > len(data) - offset:
        return None
    parts = data[offset:].split(b"\0", count)
    if len(parts) <= count:
        return None  # fewer terminators than strings
    return tuple(p.decode("utf-8", "replace") for p in parts[:count])


def entry_from_header(blob: bytes) -> RpmEntry:
    """The package facts of one header blob."""
    tags = read_header(blob)
    name, version = _text(tags, NAME), _text(tags, VERSION)
    if not name or not version:
        raise HeaderError("header has no name or version")
    epoch = tags.get(EPOCH)
    return RpmEntry(
        name=name,
        version=version,
        release=_text(tags, RELEASE),
        epoch=epoch[0] if isinstance(epoch, tuple) and epoch else None,
        arch=_text(tags, ARCH),
        source_rpm=_text(tags, SOURCERPM),
        vendor=_text(tags, VENDOR),
        packager=_text(tags, PACKAGER),
        license=_text(tags, LICENSE),
        modularity_label=_text(tags, MODULARITYLABEL),
        files=_files(tags),
        header_digest=_digest(tags),
    )


def _text(tags: dict[int, Value], tag: int) -> str:
    value = tags.get(tag)
    return value if isinstance(value, str) else ""


def _files(tags: dict[int, Value]) -> tuple[str, ...]:
    """Owned paths, root-relative: dirnames[dirindexes[i]] + basenames[i] (or old names)."""
    basenames, dirnames, indexes = tags.get(BASENAMES), tags.get(DIRNAMES), tags.get(DIRINDEXES)
    if not isinstance(basenames, tuple):
        old = tags.get(OLDFILENAMES)
        return tuple(p.lstrip("/") for p in old) if isinstance(old, tuple) else ()
    if not isinstance(dirnames, tuple) or not isinstance(indexes, tuple):
        return ()
    return tuple(
        (dirnames[i] + str(base)).lstrip("/")
        for base, i in zip(basenames, indexes, strict=False)
        if isinstance(i, int) and i < len(dirnames)
    )


def _digest(tags: dict[int, Value]) -> tuple[str, str] | None:
    for tag, algorithm in ((SHA256HEADER, "sha256"), (SHA1HEADER, "sha1")):
        value = _text(tags, tag)
        if value:
            return algorithm, value
    return None
