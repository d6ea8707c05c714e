"""The lean tar reader against tars written by Python's tarfile in every format."""

from __future__ import annotations

import io
import tarfile

import pytest

from dockwise.errors import SourceError
from dockwise.source.selector import Selector
from dockwise.source.tarstream import Buffered, iter_tar

LONG = "very/" * 40 + "long-name.txt"  # 205 characters: beyond ustar's 100 + 155


def make_tar(fmt: int, members: list[tuple[tarfile.TarInfo, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=fmt) as archive:
        for info, data in members:
            info.size = len(data) if info.isfile() else 0
            archive.addfile(info, io.BytesIO(data) if info.isfile() else None)
    return buffer.getvalue()


def entries(data: bytes, wanted=lambda name: 1 << 20):
    return list(iter_tar(io.BytesIO(data).read, Selector(wanted)))


def info(name: str, kind: bytes = tarfile.REGTYPE, link: str = "", mode: int = 0o644):
    member = tarfile.TarInfo(name)
    member.type, member.linkname, member.mode = kind, link, mode
    return member


@pytest.mark.parametrize("fmt", [tarfile.PAX_FORMAT, tarfile.GNU_FORMAT], ids=["pax", "gnu"])
def test_long_names_and_link_targets(fmt):
    data = make_tar(
        fmt,
        [(info(LONG), b"hello"), (info("link", tarfile.SYMTYPE, "/" + LONG, 0o777), b"")],
    )
    first, second = entries(data)
    assert (first.name, first.content, first.size) == (LONG, b"hello", 5)
    assert (second.name, second.linkname, second.mode) == ("link", "/" + LONG, 0o120777)


def test_ustar_prefix_field():
    name = "a" * 120 + "/file"
    (entry,) = entries(make_tar(tarfile.USTAR_FORMAT, [(info(name), b"x")]))
    assert entry.name == name


def test_unwanted_content_is_skipped_but_listed():
    data = make_tar(tarfile.PAX_FORMAT, [(info("big"), b"x" * 3_000_000), (info("small"), b"y")])
    big, small = entries(data, wanted=lambda name: 10 if name == "small" else 0)
    assert big.content is None and big.size == 3_000_000 and not big.over_cap
    assert small.content == b"y"


def test_over_cap_is_flagged():
    (entry,) = entries(make_tar(tarfile.PAX_FORMAT, [(info("db"), b"x" * 100)]), lambda n: 10)
    assert entry.content is None and entry.over_cap


def test_special_files_have_mode_bits():
    members = [
        (info("d", tarfile.DIRTYPE, mode=0o755), b""),
        (info("fifo", tarfile.FIFOTYPE), b""),
        (info("suid", mode=0o4755), b"#!/bin/sh\n"),
        (info("hard", tarfile.LNKTYPE, "suid"), b""),
    ]
    d, fifo, suid, hard = entries(make_tar(tarfile.GNU_FORMAT, members))
    assert d.mode == 0o40755 and fifo.mode & 0o170000 == 0o010000
    assert suid.mode == 0o104755
    assert hard.is_hardlink and hard.linkname == "suid" and hard.size == 0


def test_base256_size():
    member = info("big")
    member.size = 9 << 30
    header = member.tobuf(tarfile.GNU_FORMAT)
    assert header[124] & 0x80
    with pytest.raises(SourceError, match="truncated"):
        entries(header + b"\0" * 512)


def test_garbage_is_not_a_tar():
    with pytest.raises(SourceError, match="not a tar stream"):
        entries(b"\x01" * 2048)


def test_empty_archive_and_trailing_padding():
    data = make_tar(tarfile.PAX_FORMAT, []) + b"\0" * 4096
    assert entries(data) == []


def test_pax_size_overrides_header():
    member = info("x")
    member.pax_headers = {"comment": "ignored"}
    data = make_tar(tarfile.PAX_FORMAT, [(member, b"12345")])
    (entry,) = entries(data)
    assert entry.content == b"12345"


def chunked(data: bytes, size: int):
    """A read(n) that returns at most `size` bytes, whatever n is (as the prefetcher)."""
    stream = io.BytesIO(data)
    return lambda n=-1: stream.read(size)


@pytest.mark.parametrize("chunk", [1, 7, 512, 1000, 4096])
def test_take_keeps_a_prefix_across_chunks(chunk):
    data = bytes(range(256)) * 40
    stream = Buffered(chunked(data, chunk))
    assert stream.take(3) == data[:3]
    assert stream.peek(5) == data[3:8]
    assert stream.take(5000, keep=4000) == data[3:4003]
    assert stream.peek(2) == data[5003:5005]
    assert stream.take(100, keep=0) == b""
    assert stream.take(10) == data[5103:5113]
    stream.skip(3000)
    assert stream.take(len(data) - 8113) == data[8113:]
    assert stream.peek(4) == b""
    with pytest.raises(SourceError, match="truncated"):
        stream.take(1)


def test_large_member_content_is_exact_with_small_chunks():
    big = bytes(range(251)) * 9000  # spans many reads, not a multiple of 512
    data = make_tar(tarfile.PAX_FORMAT, [(info("a/big"), big), (info("b"), b"tail")])
    found = list(iter_tar(chunked(data, 65536), Selector(lambda name: 1 << 30)))
    assert [(e.name, e.content) for e in found] == [("a/big", big), ("b", b"tail")]


def _analysis(data: bytes, selector: Selector, chunk: int, sink: bool):
    """The layer analysis as `layer.analyze_blob` builds it, reading `chunk` bytes at a
    time, with or without the reader recording plain members itself; and the TarEntries."""
    from dockwise.model import LayerRef
    from dockwise.source.filetree import LayerAnalysis
    from dockwise.source.layer import add_entry

    stream, analysis, yielded = io.BytesIO(data), LayerAnalysis(LayerRef(0, "")), []
    for entry in iter_tar(lambda n: stream.read(chunk), selector,
                          analysis.entries if sink else None):  # fmt: skip
        add_entry(analysis, entry, selector)
        yielded.append(entry)
    return analysis, yielded


def _mixed_members() -> list[tuple[tarfile.TarInfo, bytes]]:
    members = [(info("app/", tarfile.DIRTYPE, mode=0o755), b"")]
    for i in range(300):  # plain files and directories, data across chunk boundaries
        members.append((info(f"app/node_modules/p{i}/", tarfile.DIRTYPE, mode=0o755), b""))
        members.append((info(f"app/node_modules/p{i}/index.js"), b"x" * (i * 7)))
    members += [
        (info("app/node_modules/p1/package.json"), b'{"name":"p1","version":"1.0.0"}'),
        (info("app/node_modules/p2/tool", mode=0o755), b"#!/bin/sh\necho hi\n"),
        (info("app/config.js"), b"password = 'hunter2hunter2'\n"),
        (info("app/node_modules/p3/index.js"), b"again"),  # the same path twice
        (info("./dot/x"), b"dot"), (info("app/.wh.gone"), b""), (info("app/.hidden"), b"h"),
        (info("app/sym", tarfile.SYMTYPE, "node_modules"), b""),
        (info("app/hard", tarfile.LNKTYPE, "app/node_modules/p1/package.json"), b""),
        (info("app/" + "d" * 120 + "/long.js"), b"long"),
    ]
    big_uid = info("app/node_modules/p4/big-uid.js")
    big_uid.uid = 1 << 30  # base-256 in GNU, PAX record in PAX, refused by ustar
    members.append((big_uid, b"uid"))
    return members


@pytest.mark.parametrize("fmt", [tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT],
                         ids=["ustar", "gnu", "pax"])  # fmt: skip
@pytest.mark.parametrize("chunk", [700, 1 << 20])
def test_plain_members_recorded_by_the_reader_give_the_same_analysis(fmt, chunk):
    """Directories and files nobody wants go straight into the layer's entries (no
    TarEntry); everything else takes the general path. The analysis is the same."""
    from dockwise.analyze import analyzers
    from dockwise.catalog import CATALOGERS, wanted_globs

    members = _mixed_members()
    if fmt == tarfile.USTAR_FORMAT:
        members = [(m, d) for m, d in members if m.uid < 1 << 21]
    data = make_tar(fmt, members)
    selector = Selector.build(dict(wanted_globs(CATALOGERS)), analyzers())
    general, every = _analysis(data, selector, chunk, sink=False)
    fast, few = _analysis(data, Selector.build(dict(wanted_globs(CATALOGERS)), analyzers()),
                          chunk, sink=True)  # fmt: skip
    assert fast.entries == general.entries and list(fast.entries) == list(general.entries)
    assert (fast.contents, fast.facts, fast.whiteouts) == (
        general.contents, general.facts, general.whiteouts)
    assert fast.warnings == general.warnings
    assert "app/node_modules/p1/package.json" in fast.contents and "app" in fast.entries
    assert len(few) < len(every) - 100  # the plain ones were never TarEntries
