"""Files worth an operator's look: binaries no package owns, and risky permissions.

"Owned" means listed by a package's `files` (dpkg/apk/rpm databases, Python RECORD
files). Package lists name paths as the package installed them, so each listed
directory is resolved through the image's symlinks first: with Debian's merged /usr,
dpkg may list `bin/bash` while the file lives at `usr/bin/bash`.

One pass over the tree's metadata; content analyzers' facts (ELF, script) are looked
at only for the few paths that end up reported.
"""

from __future__ import annotations

import stat
from collections.abc import Iterator, Mapping, Sequence

from dockwise.model import FileRecord, Package
from dockwise.source.filetree import Entry, FileTree

# A package manager's own records (maintainer scripts, hooks) belong to its packages.
PACKAGE_DB_DIRS = ("var/lib/dpkg/", "lib/apk/", "var/lib/rpm/", "usr/lib/sysimage/rpm/",
                   "usr/lib/opkg/", "var/lib/opkg/")  # fmt: skip
# Written by the container runtime at each start (and left in images by `docker build`)
RUNTIME_FILES = frozenset({"etc/hostname", "etc/hosts", "etc/resolv.conf"})
_SPECIAL = stat.S_ISUID | stat.S_ISGID | stat.S_IWOTH
_ELF_KEYS = ("arch", "type", "linkage", "interpreter", "soname", "language", "stripped")


def notable_files(tree: FileTree, packages: Sequence[Package]) -> tuple[FileRecord, ...]:
    """Unowned executables and libraries, setuid/setgid, world-writable, device files."""
    owners = _owners(tree, packages)
    records = []
    for path, entry in tree.entries():
        mode = entry.mode
        if stat.S_ISLNK(mode) or _never_notable(path, mode):
            continue
        owner = owners.get(path, "")
        kinds = list(_permission_kinds(entry))
        if not owner and stat.S_ISREG(mode) and entry.size and not _bookkeeping(path):
            kinds += _binary_kinds(tree, path, entry)
        if kinds:
            records.append(_record(tree, path, entry, kinds, owner))
    return tuple(sorted(records, key=lambda r: r.path))


def _owners(tree: FileTree, packages: Sequence[Package]) -> dict[str, str]:
    """Real path -> key of the first package that lists it (directories resolved).

    Resolution is per directory, cached: a Debian image lists ~20k files in ~2k dirs.
    """
    resolved: dict[str, str] = {"": ""}
    owners: dict[str, str] = {}
    for package in packages:
        if package.owned_by:
            continue  # a language package inside an OS package: the OS one is the owner
        key = package.key
        for listed in package.files:
            path = listed.strip("/")
            directory, _, base = path.rpartition("/")
            real_dir = resolved.get(directory)
            if real_dir is None:
                real_dir = _real_dir(tree, directory, resolved)
            owners.setdefault(path, key)
            if real_dir != directory:
                owners.setdefault(f"{real_dir}/{base}" if real_dir else base, key)
    return owners


def _real_dir(tree: FileTree, directory: str, resolved: dict[str, str]) -> str:
    """A directory's real path, from its parent's (cached) when its own name is a plain
    directory: one lookup instead of walking every component again. Symlinks, `.` and
    `..` go through `FileTree.resolve`, as do names it could not resolve."""
    real = resolved.get(directory)
    if real is not None:
        return real
    parent, _, base = directory.rpartition("/")
    real_parent = _real_dir(tree, parent, resolved) if parent else ""
    candidate = f"{real_parent}/{base}" if real_parent else base
    entry = tree.entry(candidate)
    if base in ("", ".", "..") or real_parent != parent or (entry and entry.is_symlink):
        # the trailing "." lets directories implied by deeper paths resolve too
        real = tree.resolve(directory + "/.") or directory
    else:
        real = candidate
    resolved[directory] = real
    return real


def _never_notable(path: str, mode: int) -> bool:
    """No kind can apply: a directory or a non-executable file that is no `.so`, with no
    setuid, setgid or world-write bit. Most paths of an image; decided without a lookup."""
    if mode & _SPECIAL:
        return False
    if stat.S_ISDIR(mode):
        return True
    return stat.S_ISREG(mode) and not mode & 0o111 and ".so" not in path.rpartition("/")[2]


def _permission_kinds(entry: Entry) -> Iterator[str]:
    mode = entry.mode
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        yield "device"
    if mode & stat.S_ISUID:
        yield "setuid"
    if mode & stat.S_ISGID and not entry.is_dir:
        yield "setgid"
    if mode & stat.S_IWOTH and not (entry.is_dir and mode & stat.S_ISVTX):
        yield "world-writable-dir" if entry.is_dir else "world-writable"


def _bookkeeping(path: str) -> bool:
    return path in RUNTIME_FILES or path.startswith(PACKAGE_DB_DIRS)


def _binary_kinds(tree: FileTree, path: str, entry: Entry) -> list[str]:
    """An ELF shared object is a library; any other executable (ELF, script or not)
    an executable. Facts are looked up only here, for the few unowned files."""
    if not entry.mode & 0o111 and ".so" not in path.rpartition("/")[2]:
        return []
    file = tree.file(path)
    elf = file.facts.get("elf") if file else None
    if isinstance(elf, dict):
        return ["unowned-library" if elf.get("type") == "dyn" else "unowned-executable"]
    return ["unowned-executable"] if entry.mode & 0o111 else []


def _record(tree: FileTree, path: str, entry: Entry, kinds: list[str], owner: str) -> FileRecord:
    file = tree.file(path)
    facts = file.facts if file else {}
    metadata, digest = _facts(facts)
    return FileRecord(
        path=path,
        layer=file.layer if file else None,
        kinds=tuple(kinds),
        size=entry.size,
        mode=entry.mode,
        sha256=digest,
        owner=owner,
        metadata=metadata,
    )


def _facts(facts: object) -> tuple[tuple[tuple[str, str], ...], str]:
    """Flat metadata from the ELF or script facts, and the file's sha256 if known."""
    if not isinstance(facts, dict):
        return (), ""
    elf, script = facts.get("elf"), facts.get("script")
    meta: dict[str, str] = {}
    if isinstance(elf, dict):
        meta["format"] = "elf"
        meta.update({k: str(elf[k]).lower() for k in _ELF_KEYS if k in elf})
        if elf.get("needed"):
            meta["needed"] = ",".join(elf["needed"])
        if isinstance(elf.get("go"), dict):
            meta["go_version"] = elf["go"].get("version", "")
    elif isinstance(script, dict):
        meta = {"format": "script", "interpreter": script.get("interpreter", "")}
    return tuple(sorted(meta.items())), known_sha256(facts)


def known_sha256(facts: Mapping[str, object]) -> str:
    """The sha256 the ELF or script analyzer took during the layer pass ("" if neither
    did): lets ownership compare contents without reading any file again."""
    for name in ("elf", "script"):
        found = facts.get(name)
        if isinstance(found, dict) and found.get("sha256"):
            return str(found["sha256"])
    return ""
