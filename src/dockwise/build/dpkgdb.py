"""An image's dpkg database, as `dockwise patch` reads it and writes it again.

Two layouts exist: dpkg's own `var/lib/dpkg/status` with `info/<package>.md5sums` and
`.list` beside it (debian, ubuntu), and distroless's `var/lib/dpkg/status.d/<package>`
with `<package>.md5sums` (gcr.io/distroless, `dockwise build`). A patch writes the records
of the upgraded packages in the layout the image already uses, so every scanner that read
the old records reads the new ones (dpkg's formats: deb-status(5), deb-md5sums(5)).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from dockwise.catalog.dpkg import stanzas
from dockwise.source.filetree import FileTree, normalize

STATUS = "var/lib/dpkg/status"
STATUS_D = "var/lib/dpkg/status.d"
INFO = "var/lib/dpkg/info"
GLOBS = (STATUS, f"{STATUS_D}/*", f"{INFO}/*.md5sums")
INSTALLED = "Status: install ok installed"
_STATUS_FIELD = re.compile(r"^Status:.*$", re.MULTILINE | re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Record:
    """One installed package's stanza, and the paths its md5sums list that the image
    has (root-relative)."""

    name: str
    architecture: str
    stanza: str  # the paragraph as the image holds it, without a trailing blank line
    files: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DpkgDatabase:
    """The installed set, in the image's order, and which layout holds it."""

    status_d: bool  # distroless records; else dpkg's status file
    records: tuple[Record, ...]

    def status(self) -> bytes:
        """The installed set as a dpkg status file (what apt reads as installed)."""
        parts = [installed_stanza(r.stanza) for r in self.records]
        return "".join(f"{part}\n\n" for part in parts).encode()

    def find(self, name: str) -> Record | None:
        return next((r for r in self.records if r.name == name), None)


def read_database(tree: FileTree) -> DpkgDatabase | None:
    """The dpkg database of the squashed image, or None when it has none."""
    status = tree.read_bytes(STATUS)
    if status is not None:
        return DpkgDatabase(False, tuple(_records(status, tree, _info_md5sums)))
    found = sorted(f.path for f in tree.glob(f"{STATUS_D}/*") if not f.path.endswith(".md5sums"))
    if not found:
        return None
    records = [r for path in found for r in _records(tree.read_bytes(path) or b"", tree,
                                                     _status_d_md5sums)]  # fmt: skip
    return DpkgDatabase(True, tuple(records))


def _records(data: bytes, tree: FileTree, md5sums) -> Iterator[Record]:
    text = data.decode("utf-8", "replace")
    for paragraph in re.split(r"\n\s*\n", text):
        stanza = next(stanzas(paragraph), None)
        if stanza is None or not stanza.get("package"):
            continue
        if stanza.get("status") and not stanza.get("status").endswith(" installed"):
            continue  # config-files or half-installed: not in the installed set
        name, arch = stanza.get("package"), stanza.get("architecture")
        present = tuple(p for p in _paths(md5sums(tree, name, arch)) if tree.entry(p))
        yield Record(name, arch, paragraph.strip("\n"), present)


def _info_md5sums(tree: FileTree, name: str, arch: str) -> bytes:
    for base in (f"{name}:{arch}", name):
        found = tree.read_bytes(f"{INFO}/{base}.md5sums")
        if found is not None:
            return found
    return b""


def _status_d_md5sums(tree: FileTree, name: str, _arch: str) -> bytes:
    return tree.read_bytes(f"{STATUS_D}/{name}.md5sums") or b""


def _paths(md5sums: bytes) -> tuple[str, ...]:
    """The listed paths, root-relative; one that climbs out of the root (the image wrote
    this file) is dropped, so no whiteout can name a path outside the image."""
    lines = md5sums.decode("utf-8", "replace").splitlines()
    paths = (normalize(line.split("  ", 1)[1]) for line in lines if "  " in line)
    return tuple(p for p in paths if p)


def installed_stanza(stanza: str) -> str:
    """The stanza with dpkg's installed status (distroless stanzas carry none)."""
    if _STATUS_FIELD.search(stanza):
        return _STATUS_FIELD.sub(INSTALLED, stanza)
    lines = stanza.split("\n")
    return "\n".join([lines[0], INSTALLED, *lines[1:]])


def info_name(control: str, name: str, architecture: str) -> str:
    """dpkg's name for a package's info files: `name:arch` for `Multi-Arch: same`."""
    stanza = next(stanzas(control), None)
    same = stanza is not None and stanza.get("multi-arch") == "same"
    return f"{name}:{architecture}" if same else name
