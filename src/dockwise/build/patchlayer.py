"""The one layer `dockwise patch` adds: the upgraded packages' files as dpkg would unpack
them, whiteouts for the files their old versions had and the new ones dropped (OCI
image-spec layer.md), and the dpkg records of the image's own layout rewritten."""

from __future__ import annotations

import io
import posixpath
import subprocess
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from dockwise.build.bootstrap import DebPackage
from dockwise.build.dpkgdb import (
    INFO,
    STATUS,
    STATUS_D,
    DpkgDatabase,
    Record,
    info_name,
    installed_stanza,
)
from dockwise.build.layer import Entry, normalized
from dockwise.build.patch import PatchError
from dockwise.build.rootfs import (
    file_entry,
    listed_present,
    md5_of,
    minimal_keeps,
    status_stanza,
)


def patch_entries(db: DpkgDatabase, debs: list[tuple[DebPackage, Path]], work: Path,
                  epoch: int) -> list[Entry]:  # fmt: skip
    """Every entry of the layer, unordered (`layer.ordered` sorts them)."""
    entries: dict[str, Entry] = {}
    stanzas: dict[str, str] = {}
    for deb, path in debs:
        unpacked = _unpacked(deb, path, work, epoch)
        if db.status_d:  # a minimal image (distroless, dockwise build) stays minimal
            unpacked = [e for e in unpacked if minimal_keeps(e.name)]
        files = {e.name: e for e in unpacked}
        entries.update(files)
        old = db.find(deb.name)
        if old is not None:
            entries.update({e.name: e for e in _whiteouts(old, files, entries, epoch)})
        md5 = md5_of(files)
        conffiles = [(c, md5(c)) for c in deb.conffiles]
        stanza = status_stanza(deb.control, conffiles).decode("utf-8", "replace").rstrip("\n")
        stanzas[deb.name] = stanza
        entries.update({e.name: e for e in _records(db, deb, stanza, files, epoch)})
    if not db.status_d:
        entries[STATUS] = file_entry(STATUS, _statusfile_entry(db, stanzas), epoch)
    return list(entries.values())


def _unpacked(deb: DebPackage, path: Path, work: Path, epoch: int) -> list[Entry]:
    """The package's data tar, as `dpkg-deb --fsys-tarfile` (the format's tool) gives it."""
    tar_path = work / f"{deb.name}.tar"
    with tar_path.open("wb") as out:
        done = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(path)], stdout=out,
                              stderr=subprocess.PIPE)  # fmt: skip
    if done.returncode != 0:
        raise PatchError(f"{path.name}: not a readable .deb ({done.stderr.decode()[:200]})")
    with tarfile.open(tar_path) as data:
        members = [m for m in data.getmembers() if m.name.removeprefix("./").strip("/")]
    return [Entry(normalized(m, epoch), _reader(tar_path, m) if m.isreg() else None)
            for m in members]  # fmt: skip


def _reader(tar_path: Path, member: tarfile.TarInfo) -> Callable[[], BinaryIO]:
    """The member's bytes, read where the tar holds them (the data tar is uncompressed):
    one seek, instead of reading the headers again for every file."""
    offset, size = member.offset_data, member.size

    def read() -> BinaryIO:
        with tar_path.open("rb") as data:
            data.seek(offset)
            return io.BytesIO(data.read(size))

    return read


def _whiteouts(old: Record, files: dict[str, Entry], entries: dict[str, Entry],
               epoch: int) -> Iterator[Entry]:  # fmt: skip
    """A whiteout for each file of the old version that the new one does not ship."""
    for gone in old.files:
        if gone in files or gone in entries:
            continue
        parent, base = posixpath.split(gone)
        yield file_entry(posixpath.join(parent, f".wh.{base}"), b"", epoch)


def _records(db: DpkgDatabase, deb: DebPackage, stanza: str, files: dict[str, Entry],
             epoch: int) -> Iterator[Entry]:  # fmt: skip
    """status.d's stanza and md5sums, or dpkg's info files (the status file is whole)."""
    if db.status_d:
        yield file_entry(f"{STATUS_D}/{deb.name}", f"{stanza}\n".encode(), epoch)
        if deb.md5sums:
            yield file_entry(f"{STATUS_D}/{deb.name}.md5sums",
                             listed_present(deb.md5sums, set(files)), epoch)  # fmt: skip
        return
    base = f"{INFO}/{info_name(stanza, deb.name, deb.architecture)}"
    listed = ["/.", *sorted(f"/{name}" for name in files)]
    yield file_entry(f"{base}.list", "".join(f"{p}\n" for p in listed).encode(), epoch)
    if deb.md5sums:
        yield file_entry(f"{base}.md5sums", deb.md5sums, epoch)
    if deb.conffiles:
        yield file_entry(f"{base}.conffiles", "".join(f"{c}\n" for c in deb.conffiles).encode(),
                    epoch)  # fmt: skip


def _statusfile_entry(db: DpkgDatabase, stanzas: dict[str, str]) -> bytes:
    """dpkg's status file with the upgraded stanzas in place and new ones at the end."""
    known = {r.name for r in db.records}
    kept = [installed_stanza(stanzas.get(r.name, r.stanza)) for r in db.records]
    added = [installed_stanza(stanza) for name, stanza in stanzas.items() if name not in known]
    return "".join(f"{s}\n\n" for s in kept + added).encode()
