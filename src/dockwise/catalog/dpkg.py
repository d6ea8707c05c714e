"""The dpkg and opkg status databases: Debian, Ubuntu, distroless, OpenWrt.

Format: deb822 control-file stanzas,
https://www.debian.org/doc/debian-policy/ch-controlfields.html (§5.1 syntax, §5.6 fields),
and the database layout in dpkg(1), FILES: https://man7.org/linux/man-pages/man1/dpkg.1.html.
opkg writes the same stanzas (https://openwrt.org/docs/guide-user/additional-software/opkg).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from dockwise.catalog.base import DEFAULT_MAX_SIZE, Environment, File
from dockwise.catalog.debian_copyright import declared_licenses
from dockwise.catalog.purls import os_purl
from dockwise.model import Distro, Package, ScanWarning

_FIELD = re.compile(r"([A-Za-z0-9][A-Za-z0-9_.-]*):[ \t]*(.*)")
_SOURCE = re.compile(r"(\S+)(?:\s+\((\S+)\))?")
# Characters dpkg accepts in a version (deb-version(7)); anything else is damage.
_VERSION = re.compile(r"[A-Za-z0-9.+~:_-]+")
# The third word of Status; "triggers-*" packages are configured, only their triggers wait.
_INSTALLED = frozenset({"installed", "triggers-awaited", "triggers-pending"})


@dataclass(slots=True)
class Stanza:
    """One paragraph of a deb822 file: fields by lower-cased name, and what did not parse."""

    line: int  # 1-based line where it starts
    fields: dict[str, list[str]] = field(default_factory=dict)
    garbage: int = 0  # lines that were neither a field nor a continuation

    def get(self, name: str) -> str:
        """The field's value, continuation lines joined with newlines."""
        return "\n".join(self.fields.get(name, ()))


def stanzas(text: str) -> Iterator[Stanza]:
    """Split deb822 text into stanzas in one pass; damaged lines are counted, not fatal."""
    current: Stanza | None = None
    last: list[str] | None = None
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.rstrip("\r")
        if not line.strip():
            if current is not None:
                yield current
            current, last = None, None
            continue
        if current is None:
            current = Stanza(number)
        if line[0] in " \t" and last is not None:
            last.append(line[1:])
        elif match := _FIELD.fullmatch(line):
            last = current.fields.setdefault(match[1].lower(), [])
            last.append(match[2].rstrip())
        else:
            current.garbage += 1
            last = None
    if current is not None:
        yield current


class DpkgCataloger:
    """Debian packages from `var/lib/dpkg/status` and distroless `status.d/` files."""

    name = "dpkg-db"
    globs = ("var/lib/dpkg/status", "var/lib/dpkg/status.d/*")
    # each package's declared licenses; one file per package, read only when present
    reads = (
        "var/lib/dpkg/info/*.list", "var/lib/dpkg/info/*.md5sums", "usr/share/doc/*/copyright",
    )  # fmt: skip
    max_size = DEFAULT_MAX_SIZE

    def parse(self, file: File, env: Environment) -> Iterable[Package | ScanWarning]:
        if file.path.endswith(".md5sums"):
            return []  # status.d keeps each package's file list beside its stanza
        return _parse_status(file, env, self._kind(file))

    def keys(self, file: File, env: Environment) -> Iterable[str]:
        if file.path.endswith(".md5sums"):
            return []
        return _keys(file, env, self._kind(file))

    @staticmethod
    def _kind(file: File) -> _Kind:
        in_status_d = posixpath.basename(posixpath.dirname(file.path)) == "status.d"
        return _Kind("deb", "debian", status_d=in_status_d)


class OpkgCataloger:
    """OpenWrt and Yocto packages from the opkg status file (dpkg's format)."""

    name = "opkg-db"
    globs = ("usr/lib/opkg/status", "var/lib/opkg/status")
    reads = ("usr/lib/opkg/info/*.list", "var/lib/opkg/info/*.list")
    max_size = DEFAULT_MAX_SIZE

    def parse(self, file: File, env: Environment) -> Iterable[Package | ScanWarning]:
        return _parse_status(file, env, _OPKG)

    def keys(self, file: File, env: Environment) -> Iterable[str]:
        return _keys(file, env, _OPKG)


@dataclass(frozen=True, slots=True)
class _Kind:
    ptype: str  # Package.type and purl type
    namespace: str  # purl namespace when the distro is unknown
    status_d: bool  # a distroless status.d file: no Status field means installed


_OPKG = _Kind("opkg", "openwrt", status_d=False)


def _keys(file: File, env: Environment, kind: _Kind) -> Iterator[str]:
    return (p.key for p in _parse_status(file, env, kind, light=True) if isinstance(p, Package))


def _parse_status(file: File, env: Environment, kind: _Kind, light: bool = False
                  ) -> Iterator[Package | ScanWarning]:  # fmt: skip
    """Installed packages and warnings; `light`: without the files and licenses (read
    from other files), for keys only."""
    for stanza in stanzas(file.text()):
        if stanza.garbage:
            yield _warning(f"{stanza.garbage} unreadable line(s)", stanza, file)
        if not stanza.fields:
            continue
        if not _is_installed(stanza, kind):
            continue
        problem = _problem(stanza)
        if problem:
            yield _warning(problem, stanza, file)
            continue
        yield _package(stanza, file, env, kind, light)


def _is_installed(stanza: Stanza, kind: _Kind) -> bool:
    """`install ok installed` and the like; a missing Status only counts in status.d."""
    status = stanza.get("status").split()
    if not status:
        return kind.status_d
    return status[-1] in _INSTALLED


def _problem(stanza: Stanza) -> str:
    if not stanza.get("package"):
        return "stanza without a Package field skipped"
    version = stanza.get("version")
    if not version:
        return f"package {stanza.get('package')!r} without a Version skipped"
    if not _VERSION.fullmatch(version):
        return f"package {stanza.get('package')!r} has an invalid version {version!r}"
    return ""


def _package(stanza: Stanza, file: File, env: Environment, kind: _Kind, light: bool) -> Package:
    name, version, arch = stanza.get("package"), stanza.get("version"), stanza.get("architecture")
    source = _SOURCE.match(stanza.get("source"))
    source_name = source[1] if source else name
    source_version = (source[2] if source else None) or version
    metadata = (("installed_size", stanza.get("installed-size")),)
    return Package(
        name=name,
        version=version,
        type=kind.ptype,
        purl=_purl(kind, env.distro, name, version, arch, source_name, source_version),
        arch=arch,
        source_name=source_name,
        source_version=source_version,
        maintainer=stanza.get("maintainer"),
        licenses=_licenses(env, name) if kind.ptype == "deb" and not light else (),
        files=() if light else tuple(
            dict.fromkeys(_owned_files(env, file, name, arch) + _conffiles(stanza))
        ),
        metadata=tuple((k, v) for k, v in metadata if v),
    )


def _purl(
    kind: _Kind, distro: Distro | None, name: str, version: str, arch: str, src: str, src_ver: str
) -> str:
    """Syft's deb purl: `upstream` names the source package when it differs."""
    upstream = ""
    if src_ver != version:
        upstream = f"{src}@{src_ver}"
    elif src != name:
        upstream = src
    namespace = distro.id if distro and distro.id else kind.namespace
    return os_purl(
        kind.ptype, namespace, name, version, arch=arch, distro=distro, upstream=upstream
    )


def _owned_files(env: Environment, file: File, name: str, arch: str) -> tuple[str, ...]:
    """The package's file list: dpkg's `info/<name>[:<arch>].list`, else its md5sums."""
    for path in _file_list_paths(file.path, name, arch):
        data = env.tree.read_bytes(path)
        if data is not None:
            return _list_paths(data, md5sums=path.endswith(".md5sums"))
    return ()


def _licenses(env: Environment, name: str) -> tuple[str, ...]:
    """What the package's DEP-5 copyright file declares; () when it has none or free text."""
    data = env.tree.read_bytes(f"usr/share/doc/{name}/copyright")
    return _copyright_licenses(data) if data else ()


def _copyright_licenses(data: bytes) -> tuple[str, ...]:
    """Remembered for ordinary sizes only: the cache lives as long as the process (a
    worker or server scans many images), and must not keep a hostile image's huge files."""
    return _remembered_licenses(data) if len(data) <= CACHED_COPYRIGHT else _licenses_of(data)


CACHED_COPYRIGHT = 256 * 1024  # bytes; Debian's copyright files are mostly a few KB


@lru_cache(maxsize=256)  # packages of one source share a file; status files repeat
def _remembered_licenses(data: bytes) -> tuple[str, ...]:
    return _licenses_of(data)


def _licenses_of(data: bytes) -> tuple[str, ...]:
    """Only field lines are parsed: continuation lines hold the license texts (most of
    the file), and a License field's synopsis is on its first line."""
    lines = data.decode("utf-8", "replace").split("\n")
    fields = "\n".join(x for x in lines if not x.startswith((" ", "\t")))
    return declared_licenses(stanzas(fields))


def _conffiles(stanza: Stanza) -> tuple[str, ...]:
    """The paths of dpkg's `Conffiles:` lines (` /etc/x <md5>`): md5sums leaves a package's
    configuration files out, so a status.d record lists them only here."""
    lines = stanza.fields.get("conffiles", ())
    return tuple(line.split()[0].lstrip("/") for line in lines if line.strip())


def _file_list_paths(status_path: str, name: str, arch: str) -> list[str]:
    directory = posixpath.dirname(status_path)
    if posixpath.basename(directory) == "status.d":
        return [f"{status_path}.md5sums", f"{directory}/{name}.md5sums"]
    info = f"{directory}/info"
    stems = [f"{name}:{arch}", name] if arch else [name]
    return [f"{info}/{stem}.{ext}" for ext in ("list", "md5sums") for stem in stems]


def _list_paths(data: bytes, *, md5sums: bool) -> tuple[str, ...]:
    """Root-relative paths from a `.list` (`/usr/bin/tar`) or `.md5sums` (`<md5>  usr/...`)."""
    paths = []
    for line in data.decode("utf-8", "replace").splitlines():
        if md5sums:
            line = line.partition(" ")[2].lstrip(" *")
        path = line.split("\t")[0].strip().lstrip("/")
        if path and path != ".":
            paths.append(path)
    return tuple(paths)


def _warning(message: str, stanza: Stanza, file: File) -> ScanWarning:
    return ScanWarning(f"{message} (stanza at line {stanza.line})", file.path, file.layer)
