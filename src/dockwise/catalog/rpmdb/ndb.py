"""rpm's own "ndb" package store, `Packages.db` (SUSE/openSUSE 15 and later).

Ref. rpm's lib/backend/ndb/rpmpkg.c. The file starts with slot pages (4096 bytes
each): a 32-byte header (`RpmP`, version 0, generation, number of slot pages), then
16-byte slots (`Slot`, package index, block offset, block count). A package index of 0
is a free slot. Each slot points at a blob in 16-byte blocks: `BlbS`, package index,
checksum, length, then the header blob. Integers are in host order; rpm only writes
this format little-endian in practice (x86_64, aarch64, ppc64le, s390x is not shipped).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from dockwise.catalog.rpmdb.errors import DatabaseError

HEADER_MAGIC, SLOT_MAGIC, BLOB_MAGIC = b"RpmP", b"Slot", b"BlbS"
SLOT_PAGE = 4096
SLOT = struct.Struct("<4sIII")  # magic, pkgidx, blkoff, blkcnt
BLOB_HEAD = struct.Struct("<4sIII")  # magic, pkgidx, checksum, length
BLOB_TAIL = 12  # checksum, length, magic after the blob
BLOCK = 16


def is_ndb(content: bytes) -> bool:
    """Sniff the `RpmP` magic."""
    return content[:4] == HEADER_MAGIC


def blobs(content: bytes) -> Iterator[bytes | DatabaseError]:
    """Header blobs in slot order; a damaged slot or blob is reported and skipped."""
    if len(content) < 16 or not is_ndb(content):
        yield DatabaseError("not an rpm ndb package store")
        return
    version, _generation, slot_pages = struct.unpack_from("<III", content, 4)
    if version != 0:
        yield DatabaseError(f"unknown ndb version {version}")
        return
    slots_end = slot_pages * SLOT_PAGE
    if slots_end > len(content):
        yield DatabaseError(f"truncated: {slot_pages} slot pages, file has {len(content)} bytes")
        slots_end = len(content) - len(content) % SLOT.size
    # The 32-byte file header takes the place of the first two slots.
    for offset in range(2 * SLOT.size, slots_end, SLOT.size):
        magic, pkgidx, blkoff, blkcnt = SLOT.unpack_from(content, offset)
        if magic != SLOT_MAGIC:
            yield DatabaseError(f"slot at {offset} has bad magic {magic!r}; later slots skipped")
            return
        if pkgidx:
            yield _blob(content, pkgidx, blkoff, blkcnt)


def _blob(content: bytes, pkgidx: int, blkoff: int, blkcnt: int) -> bytes | DatabaseError:
    """The header blob a slot points at, checked against the slot's block range."""
    start, end = blkoff * BLOCK, (blkoff + blkcnt) * BLOCK
    if end > len(content) or blkcnt * BLOCK < BLOB_HEAD.size + BLOB_TAIL:
        return DatabaseError(f"package {pkgidx}: blocks {blkoff}+{blkcnt} are past the file end")
    magic, owner, _checksum, length = BLOB_HEAD.unpack_from(content, start)
    if magic != BLOB_MAGIC or owner != pkgidx:
        return DatabaseError(f"package {pkgidx}: blob at block {blkoff} is not its own")
    if start + BLOB_HEAD.size + length + BLOB_TAIL > end:
        return DatabaseError(f"package {pkgidx}: blob length {length} overruns its blocks")
    return content[start + BLOB_HEAD.size : start + BLOB_HEAD.size + length]
