"""Damaged and hostile rpm databases: warnings and what can be read, never an exception,
never a loop. Every variant is derived here from the corpus files."""

import random
import struct

import pytest
from corpus import CORPUS

from dockwise.catalog.base import Environment, File
from dockwise.catalog.rpm import RpmCataloger
from dockwise.catalog.rpmdb.header import HeaderError, read_header
from dockwise.model import Package, ScanWarning
from dockwise.source.filetree import FileTree

RPM = CORPUS / "pkgdb" / "rpm"
BDB = (RPM / "scalibr__os-rpm__Packages_epoch/input/Packages_epoch").read_bytes()
NDB = (RPM / "go-rpmdb__sle15-bci__Packages.db/input/Packages.db").read_bytes()
SQLITE = (RPM / "go-rpmdb__cbl-mariner-2.0__rpmdb.sqlite/input/rpmdb.sqlite").read_bytes()
DATABASES = {"bdb": (BDB, 1), "ndb": (NDB, 35), "sqlite": (SQLITE, 129)}


def parse(content: bytes) -> tuple[list[Package], list[ScanWarning]]:
    file = File("var/lib/rpm/Packages", None, len(content), content=content)
    items = list(RpmCataloger().parse(file, Environment(FileTree(), None)))
    packages = [i for i in items if isinstance(i, Package)]
    return packages, [i for i in items if isinstance(i, ScanWarning)]


def truncations(content: bytes) -> list[bytes]:
    return [content[:n] for n in (0, 7, 16, 100, 4096, len(content) // 2, len(content) - 1)]


def zeroed(content: bytes, start: int, length: int) -> bytes:
    return content[:start] + bytes(length) + content[start + length :]


def bdb_pages(content: bytes) -> list[tuple[int, int]]:
    """(page number, page type) of each page of the little-endian corpus BDB."""
    size = struct.unpack_from("<I", content, 20)[0]
    return [(n, content[n * size + 25]) for n in range(len(content) // size)]


def bdb_patch(content: bytes, offset: int, fmt: str, value: int) -> bytes:
    data = bytearray(content)
    struct.pack_into(fmt, data, offset, value)
    return bytes(data)


def bdb_variants() -> dict[str, bytes]:
    size = struct.unpack_from("<I", BDB, 20)[0]
    overflow = [n for n, kind in bdb_pages(BDB) if kind == 7]
    first = overflow[0] * size
    short = bdb_patch(BDB, first + 22, "<H", 16)
    return {
        "last_pgno_huge": bdb_patch(BDB, 32, "<I", 0xFFFFFFF0),
        "page_size_odd": bdb_patch(BDB, 20, "<I", 1000),
        # a page that holds only 16 bytes, so the chain must go on: into itself, or away
        "overflow_self_cycle": bdb_patch(short, first + 16, "<I", overflow[0]),
        "overflow_next_beyond_end": bdb_patch(short, first + 16, "<I", 0x7FFFFFFF),
        "overflow_empty": bdb_patch(BDB, first + 22, "<H", 0),
        "entries_huge": b"".join(
            bdb_patch(BDB, n * size + 20, "<H", 0xFFFF)[n * size : (n + 1) * size]
            if kind == 13
            else BDB[n * size : (n + 1) * size]
            for n, kind in bdb_pages(BDB)
        ),  # fmt: skip
    }


def ndb_variants() -> dict[str, bytes]:
    return {
        "slot_pages_huge": bdb_patch(NDB, 12, "<I", 0xFFFFFF),
        "blob_offset_beyond_end": bdb_patch(NDB, 32 + 8, "<I", 0x7FFFFFF),
        "blob_count_huge": bdb_patch(NDB, 32 + 12, "<I", 0xFFFFFFF),
        "slot_magic_broken": bdb_patch(NDB, 48, "<I", 0),
    }


def random_bytes(prefix: bytes, seed: int) -> bytes:
    """A valid magic followed by noise: reaches the deep parsing code."""
    rng = random.Random(seed)
    return prefix + bytes(rng.getrandbits(8) for _ in range(64 * 1024))


def noisy() -> dict[str, bytes]:
    scrambled = bytes(random.Random(5).sample(BDB[4096:], k=len(BDB) - 4096))
    return {
        "bdb_noise": random_bytes(BDB[:4096], 1),
        "ndb_noise": random_bytes(NDB[:4096], 2),
        "sqlite_noise": random_bytes(SQLITE[:4096], 3),
        "plain_noise": random_bytes(b"", 4),
        "bdb_pages_scrambled": BDB[:4096] + scrambled,
    }


@pytest.mark.parametrize("kind", sorted(DATABASES))
def test_truncated(kind):
    content, total = DATABASES[kind]
    for cut in truncations(content):
        packages, warnings = parse(cut)
        assert len(packages) <= total
        assert warnings, f"{len(cut)} bytes of {kind}: no warning"


@pytest.mark.parametrize("kind", sorted(DATABASES))
def test_zeroed_header_region(kind):
    content, total = DATABASES[kind]
    packages, warnings = parse(zeroed(content, 0, 4096))
    assert warnings and len(packages) <= total


def test_zeroed_ndb_blob_keeps_the_others():
    start = struct.unpack_from("<I", NDB, 32 + 8)[0] * 16  # the first package's blob
    packages, warnings = parse(zeroed(NDB, start, 64))
    assert len(packages) == 34
    assert len(warnings) == 1 and "package 1" in warnings[0].message


@pytest.mark.parametrize("name", sorted(bdb_variants()))
def test_bdb_pages_out_of_range_and_cycles(name):
    packages, warnings = parse(bdb_variants()[name])
    assert warnings
    assert len(packages) <= 1


@pytest.mark.parametrize("name", sorted(ndb_variants()))
def test_ndb_slots_out_of_range(name):
    packages, warnings = parse(ndb_variants()[name])
    assert warnings
    assert len(packages) <= 35


@pytest.mark.parametrize("name", sorted(noisy()))
def test_random_bytes(name):
    _, warnings = parse(noisy()[name])
    assert warnings
    assert len(warnings) <= 21  # capped: 20 and a summary


@pytest.mark.parametrize(
    "blob",
    [
        struct.pack(">II", 0xFFFFFFFF, 0),
        struct.pack(">II", 1, 0x7FFFFFFF),
        struct.pack(">II", 2, 16) + bytes(48),
        struct.pack(">II", 1, 16) + struct.pack(">IIiI", 63, 7, 0, 16) + bytes(16),  # bad trailer
        struct.pack(">II", 1, 4) + struct.pack(">IIiI", 1000, 8, 0, 0x7FFFFFFF) + b"abcd",
    ],
    ids=["entries_huge", "data_huge", "short", "region_trailer", "string_count_huge"],
)
def test_bad_header_blobs(blob):
    try:
        tags = read_header(blob)
    except HeaderError:
        return
    assert tags == {}  # an entry that points outside the data is dropped


def big_endian(content: bytes) -> bytes:
    """The little-endian corpus BDB rewritten as a big-endian host would have written it."""
    data = bytearray(content)
    size = struct.unpack_from("<I", content, 20)[0]

    def swap(offset: int, fmt: str) -> None:
        struct.pack_into(">" + fmt, data, offset, *struct.unpack_from("<" + fmt, content, offset))

    for offset in (12, 16, 20, 28, 32):  # magic, version, pagesize, free, last_pgno
        swap(offset, "I")
    for n, kind in bdb_pages(content)[1:]:
        base = n * size
        swap(base + 8, "III")  # pgno, prev, next
        swap(base + 20, "HH")  # entries, hf_offset
        if kind == 13:
            entries = struct.unpack_from("<H", content, base + 20)[0]
            swap(base + 26, f"{entries}H")
            for i in range(1, entries, 2):
                item = base + struct.unpack_from("<H", content, base + 26 + 2 * i)[0]
                if content[item] == 3:  # H_OFFPAGE: pgno, tlen
                    swap(item + 4, "II")
    return bytes(data)


def test_big_endian_bdb_reads_the_same():
    little, _ = parse(BDB)
    big, warnings = parse(big_endian(BDB))
    assert warnings == []
    assert big == little and len(big) == 1
