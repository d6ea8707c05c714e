"""Deterministic layer blobs (dockwise.build.layer): order, hard links, clamping, gzip."""

from __future__ import annotations

import gzip
import io
import tarfile

from dockwise.build.layer import Entry, normalized, ordered, write_layer


def _entry(name: str, kind: bytes = tarfile.REGTYPE, data: bytes = b"", link: str = "",
           mtime: int = 2_000_000_000) -> Entry:  # fmt: skip
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mtime = kind, link, mtime
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    info.uname, info.gname = "someone", "staff"
    info.pax_headers = {"atime": "1.5", "SCHILY.xattr.security.capability": "caps"}
    return Entry(info, (lambda: io.BytesIO(data)) if kind == tarfile.REGTYPE else None)


def _members(blob: bytes) -> list[tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(blob))) as tar:
        return tar.getmembers()


def test_a_hard_link_sorted_before_its_target_takes_the_content():
    # GNU tar's --sort=name walks per directory: usr/bin/tool comes before usr/bin-x/,
    # but a plain string sort puts usr/bin-x/ first ('-' < '/')
    entries = [_entry("usr/bin/tool", data=b"binary"),
               _entry("usr/bin-x/tool", tarfile.LNKTYPE, link="usr/bin/tool"),
               _entry("usr/bin-y/tool", tarfile.LNKTYPE, link="usr/bin/tool")]  # fmt: skip
    result = ordered(entries)
    assert [e.name for e in result] == ["usr/bin-x/tool", "usr/bin-y/tool", "usr/bin/tool"]
    first, second, third = (e.info for e in result)
    assert first.isreg() and first.size == 6 and result[0].open().read() == b"binary"
    assert second.islnk() and second.linkname == "usr/bin-x/tool"
    assert third.islnk() and third.linkname == "usr/bin-x/tool"


def test_normalized_drops_host_data_and_clamps_mtimes():
    info = normalized(_entry("./etc/x", data=b"x").info, epoch=1_700_000_000)
    assert info.name == "etc/x" and info.mtime == 1_700_000_000
    assert info.uname == info.gname == ""
    assert info.pax_headers == {"SCHILY.xattr.security.capability": "caps"}
    old = normalized(_entry("etc/y", mtime=5).info, epoch=1_700_000_000)
    assert old.mtime == 5


def test_the_same_entries_give_the_same_blob(tmp_path):
    def entries() -> list[Entry]:
        return ordered([Entry(normalized(e.info, 1_700_000_000), e.open) for e in (
            _entry("b", data=b"2"), _entry("a", tarfile.DIRTYPE), _entry("a/c", data=b"3"))])

    one = write_layer(entries(), tmp_path / "one")
    two = write_layer(entries(), tmp_path / "two")
    blob = (tmp_path / "one").read_bytes()
    assert (one.digest, one.diff_id) == (two.digest, two.diff_id)
    assert blob == (tmp_path / "two").read_bytes() and one.size == len(blob)
    assert blob[4:8] == b"\0\0\0\0"  # gzip MTIME field: no timestamp
    assert blob[3] & 0x08 == 0  # FNAME flag: no file name
    assert [m.name for m in _members(blob)] == ["a", "a/c", "b"]
