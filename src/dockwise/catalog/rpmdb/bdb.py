"""Berkeley DB hash files: rpm's `Packages` (RHEL/CentOS 7-8, Amazon Linux 2, old SUSE).

Ref. Berkeley DB's dbinc/db_page.h (DBMETA, HMETA, PAGE, HOFFPAGE) and the Berkeley
DB reference guide's "Hash access method" internals. Every page begins with a 26-byte
header; the meta page (page 0) says the byte order (through its magic), the page size
and the last page. Each hash page holds alternating key/data items; rpm's values (the
header blobs) are usually too big to sit on the page, so the data item is an
"off-page" reference to a chain of overflow pages.

Values are read by walking every page once rather than the hash buckets, as
go-rpmdb does: the result is the same set, and a damaged bucket chain cannot hide
the rest.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

from dockwise.catalog.rpmdb.errors import DatabaseError

HASH_MAGIC = 0x061561
PAGE_HEADER = 26  # lsn 8, pgno 4, prev 4, next 4, entries 2, hf_offset 2, level 1, type 1
P_INVALID, P_HASH_UNSORTED, P_OVERFLOW, P_HASH = 0, 2, 7, 13
HASH_FILE_PAGES = frozenset({P_INVALID, P_HASH_UNSORTED, P_OVERFLOW, P_HASH})  # free, data
META_SIZE = 72  # the generic DBMETA part of page 0, which holds all we read
H_KEYDATA, H_OFFPAGE = 1, 3
MIN_PAGE, MAX_PAGE = 512, 65536
SMALLEST_HEADER = 8 + 16  # il, dl and one index entry: anything shorter is rpm's counter


@dataclass(frozen=True, slots=True)
class _Db:
    content: bytes
    order: str  # "<" or ">": Berkeley DB writes in the byte order of the host that made it
    page_size: int
    pages: int  # pages actually present in the content

    def page(self, pgno: int) -> bytes:
        return self.content[pgno * self.page_size : (pgno + 1) * self.page_size]


def is_bdb_hash(content: bytes) -> bool:
    """Sniff the hash magic at offset 12 of the meta page, in either byte order."""
    return len(content) >= 16 and HASH_MAGIC in (
        struct.unpack_from("<I", content, 12)[0],
        struct.unpack_from(">I", content, 12)[0],
    )


def blobs(content: bytes) -> Iterator[bytes | DatabaseError]:
    """Every value stored in the hash file; problems are yielded, not raised."""
    try:
        db, last_pgno = _open(content)
    except DatabaseError as exc:
        yield exc
        return
    if last_pgno >= db.pages:
        yield DatabaseError(f"truncated: meta page says {last_pgno + 1} pages, file has {db.pages}")
    foreign = 0
    for pgno in range(1, min(last_pgno + 1, db.pages)):
        page = db.page(pgno)
        if page[25] not in HASH_FILE_PAGES:
            foreign += 1
        elif page[25] in (P_HASH, P_HASH_UNSORTED):
            yield from _page_values(db, page, pgno)
    if foreign:
        yield DatabaseError(f"{foreign} pages of types a hash file does not have (damaged?)")


def _open(content: bytes) -> tuple[_Db, int]:
    """Read the meta page: byte order, page size and last page number."""
    if len(content) < META_SIZE or not is_bdb_hash(content):
        raise DatabaseError("not a Berkeley DB hash file, or its meta page is cut short")
    order = "<" if struct.unpack_from("<I", content, 12)[0] == HASH_MAGIC else ">"
    (page_size,) = struct.unpack_from(order + "I", content, 20)
    (last_pgno,) = struct.unpack_from(order + "I", content, 32)
    if page_size & (page_size - 1) or not MIN_PAGE <= page_size <= MAX_PAGE:
        raise DatabaseError(f"implausible page size {page_size}")
    return _Db(content, order, page_size, len(content) // page_size), last_pgno


def _page_values(db: _Db, page: bytes, pgno: int) -> Iterator[bytes | DatabaseError]:
    """The data items (odd indexes) of one hash page."""
    (entries,) = struct.unpack_from(db.order + "H", page, 20)
    entries = min(entries, (db.page_size - PAGE_HEADER) // 2)
    offsets = struct.unpack_from(f"{db.order}{entries}H", page, PAGE_HEADER)
    for i in range(1, entries, 2):
        offset = offsets[i]
        if not PAGE_HEADER <= offset < db.page_size:
            yield DatabaseError(f"page {pgno}: item {i} at offset {offset} is off the page")
            continue
        try:
            value = _item(db, page, offset, offsets[i - 1])
        except DatabaseError as exc:
            yield DatabaseError(f"page {pgno}: item {i}: {exc}")
            continue
        if value is not None and len(value) >= SMALLEST_HEADER:
            yield value


def _item(db: _Db, page: bytes, offset: int, previous: int) -> bytes | None:
    """An on-page value, or the off-page one it references; other kinds are not rpm's."""
    kind = page[offset]
    if kind == H_OFFPAGE:
        first, length = struct.unpack_from(db.order + "II", page, offset + 4)
        return _overflow(db, first, length)
    if kind == H_KEYDATA:
        # Items grow down from the page end: this one ends where the previous one starts.
        return page[offset + 1 : max(previous, offset + 1)]
    return None


def _overflow(db: _Db, pgno: int, length: int) -> bytes:
    """Follow an overflow chain; every page at most once, never past the file end."""
    if length > len(db.content):
        raise DatabaseError(f"value length {length} exceeds the file size")
    chunks: list[bytes] = []
    got = 0
    seen: set[int] = set()
    while got < length:
        if pgno == 0 or pgno >= db.pages or pgno in seen:
            raise DatabaseError(f"overflow chain broken at page {pgno} ({got}/{length} bytes)")
        seen.add(pgno)
        page = db.page(pgno)
        if page[25] != P_OVERFLOW:
            raise DatabaseError(f"page {pgno} is type {page[25]}, not an overflow page")
        (used,) = struct.unpack_from(db.order + "H", page, 22)  # hf_offset: bytes on this page
        chunk = page[PAGE_HEADER : PAGE_HEADER + used]
        if not chunk:
            raise DatabaseError(f"overflow page {pgno} is empty")
        chunks.append(chunk)
        got += len(chunk)
        (pgno,) = struct.unpack_from(db.order + "I", page, 16)  # next_pgno
    return b"".join(chunks)[:length]
