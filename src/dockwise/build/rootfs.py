"""What goes into the layers: mmdebstrap's root filesystem made minimal, with the dpkg
records written distroless-style, and the spec's files.

Minimal: the bootstrap's own apt state and device nodes go, and documentation goes except
each package's `copyright` (the licence record). The dpkg records stay, one
`var/lib/dpkg/status.d/<package>` stanza plus its `.md5sums` per package (what distroless
writes and dockwise's dpkg cataloger reads), so every scanner sees every package.
"""

from __future__ import annotations

import fnmatch
import hashlib
import io
import os
import stat
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from dockwise.build.bootstrap import DebPackage
from dockwise.build.layer import Entry, normalized
from dockwise.build.spec import FileCopy, SpecError

STATUS_D = "var/lib/dpkg/status.d"
CA_SOURCE, CA_BUNDLE = "usr/share/ca-certificates/", "etc/ssl/certs/ca-certificates.crt"
# Left by the bootstrap itself (device nodes, apt's state, dpkg's bookkeeping), or
# documentation a runtime image does not need.
PRUNED = (
    "dev/*",
    "var/cache/apt/*",
    "var/lib/apt/lists/*",
    "etc/apt/sources.list.d/0000*",
    "var/lib/dpkg/*",
    "usr/share/doc/*",
    "usr/share/man/*",
    "usr/share/info/*",
    "usr/share/lintian/*",
    "usr/share/doc-base/*",
)
KEPT = ("usr/share/doc/*/copyright",)
# base-passwd's maintainer script writes these, and none runs in a distroless build;
# the same three accounts as distroless (65532 is its `nonroot`).
PASSWD = (
    b"root:x:0:0:root:/root:/sbin/nologin\n"
    b"nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"
    b"nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
)
GROUP = b"root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n"


@dataclass(frozen=True, slots=True)
class PackageLayer:
    """The first layer's entries and the paths it holds (the files layer adds parents
    only where this one has none)."""

    entries: tuple[Entry, ...]
    paths: frozenset[str]


def package_layer(rootfs: tarfile.TarFile, packages: tuple[DebPackage, ...],
                  epoch: int) -> PackageLayer:  # fmt: skip
    """Entries of the root filesystem tar, pruned, plus the dpkg records and accounts."""
    kept = [
        Entry(normalized(info, epoch), _reader(rootfs, info) if info.isreg() else None)
        for info in rootfs.getmembers()
        if minimal_keeps(info.name.removeprefix("./").rstrip("/"))
    ]
    kept = [e for e in kept if e.name != "."]
    paths = {e.name for e in kept}
    md5 = md5_of({e.name: e for e in kept})
    generated = [*_status_d(packages, paths, md5, epoch), *_accounts(paths, epoch),
                 *_ca_bundle(kept, epoch)]  # fmt: skip
    entries = tuple(kept + generated)
    return PackageLayer(entries, frozenset(e.name for e in entries))


def minimal_keeps(path: str) -> bool:
    """Whether a minimal image keeps `path` (root-relative): not pruned, or a licence."""
    if _matches(path, KEPT) or (path.startswith("usr/share/doc/") and path.count("/") == 3):
        return True  # a package's doc directory and its copyright file
    return not _matches(path, PRUNED)


def _matches(path: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in patterns)


def _reader(rootfs: tarfile.TarFile, info: tarfile.TarInfo) -> Callable[[], BinaryIO]:
    def read() -> BinaryIO:
        handle = rootfs.extractfile(info)
        return handle if handle is not None else io.BytesIO()

    return read


def md5_of(entries: dict[str, Entry]) -> Callable[[str], str]:
    """The md5 of a regular file of the layer, as dpkg records conffiles ("" if absent)."""

    def md5(path: str) -> str:
        entry = entries.get(path.lstrip("/"))
        if entry is None or entry.open is None:
            return ""
        with entry.open() as content:
            return hashlib.file_digest(content, "md5").hexdigest()

    return md5


def _status_d(packages: tuple[DebPackage, ...], paths: set[str], md5: Callable[[str], str],
              epoch: int) -> Iterator[Entry]:  # fmt: skip
    """The distroless dpkg records: the control stanza (with dpkg's `Conffiles` field),
    and the md5sums of the files that are still in the image."""
    yield _directory(STATUS_D, epoch)
    for package in packages:
        stanza = status_stanza(package.control, [(c, md5(c)) for c in package.conffiles])
        yield file_entry(f"{STATUS_D}/{package.name}", stanza, epoch)
        if package.md5sums:
            yield file_entry(f"{STATUS_D}/{package.name}.md5sums",
                        listed_present(package.md5sums, paths), epoch)  # fmt: skip


def status_stanza(control: bytes, conffiles: list[tuple[str, str]]) -> bytes:
    """The control stanza plus `Conffiles` as dpkg's status file writes it (a conffile
    missing from the image gets dpkg's `newconffile` marker)."""
    lines = [f" {path} {digest or 'newconffile'}\n" for path, digest in conffiles]
    field = ("Conffiles:\n" + "".join(lines)).encode() if lines else b""
    return control.rstrip(b"\n") + b"\n" + field


def listed_present(md5sums: bytes, paths: set[str]) -> bytes:
    lines = [line for line in md5sums.splitlines() if line.split(b"  ", 1)[-1].decode(
        "utf-8", "replace").lstrip("/") in paths]  # fmt: skip
    return b"".join(line + b"\n" for line in lines)


def _accounts(paths: set[str], epoch: int) -> Iterator[Entry]:
    for name, content in (("etc/passwd", PASSWD), ("etc/group", GROUP)):
        if name not in paths:
            yield file_entry(name, content, epoch)


def _ca_bundle(entries: list[Entry], epoch: int) -> Iterator[Entry]:
    """`/etc/ssl/certs/ca-certificates.crt` as `update-ca-certificates` (ca-certificates'
    maintainer script, which does not run here) writes it with the default configuration
    (every certificate the package ships enabled): each one, sorted, newline-terminated."""
    certificates = sorted((e for e in entries if e.open is not None
                           and e.name.startswith(CA_SOURCE) and e.name.endswith(".crt")),
                          key=lambda e: e.name)  # fmt: skip
    if not certificates or any(e.name == CA_BUNDLE for e in entries):
        return
    parts = []
    for entry in certificates:
        with entry.open() as content:
            pem = content.read()
        parts.append(pem if pem.endswith(b"\n") else pem + b"\n")
    yield file_entry(CA_BUNDLE, b"".join(parts), epoch)


def files_layer(copies: tuple[FileCopy, ...], lower: frozenset[str], epoch: int) -> list[Entry]:
    """The spec's files: each tree under its destination, with the owner and mode asked;
    parent directories the package layer lacks are added (root-owned, 0755)."""
    entries: dict[str, Entry] = {}
    for copy in copies:
        for entry in _copied(copy, epoch):
            entries[entry.name] = entry
    for name in list(entries):
        for parent in PurePosixPath(name).parents:
            text = str(parent)
            if text != "." and text not in lower and text not in entries:
                entries[text] = _directory(text, epoch)
    return list(entries.values())


def _copied(copy: FileCopy, epoch: int) -> Iterator[Entry]:
    root = copy.source
    if not root.exists():
        raise SpecError(f"{root}: files source does not exist")
    destination = copy.destination.lstrip("/")
    if root.is_file():
        yield _host_entry(root, destination, copy, epoch)
        return
    yield _host_entry(root, destination, copy, epoch)
    for directory, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(dirs + files):
            path = Path(directory) / name
            yield _host_entry(path, f"{destination}/{path.relative_to(root).as_posix()}",
                              copy, epoch)  # fmt: skip


def _host_entry(path: Path, name: str, copy: FileCopy, epoch: int) -> Entry:
    """A host file as an image entry: owner and mode from the spec, never the host's."""
    status = path.lstat()
    info = tarfile.TarInfo(name)
    info.uid, info.gid = copy.owner
    info.mtime = min(int(status.st_mtime), epoch)
    if stat.S_ISLNK(status.st_mode):
        info.type, info.linkname, info.mode = tarfile.SYMTYPE, os.readlink(path), 0o777
        return Entry(info)
    if stat.S_ISDIR(status.st_mode):
        info.type, info.mode = tarfile.DIRTYPE, 0o755
        return Entry(info)
    if not stat.S_ISREG(status.st_mode):
        raise SpecError(f"{path}: only files, directories and symlinks can be copied")
    info.size = status.st_size
    info.mode = copy.mode if copy.mode is not None else stat.S_IMODE(status.st_mode)
    return Entry(info, lambda: path.open("rb"))


def _directory(name: str, epoch: int) -> Entry:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, epoch
    return Entry(info)


def file_entry(name: str, content: bytes, epoch: int) -> Entry:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(content), 0o644, epoch
    return Entry(info, lambda: io.BytesIO(content))
