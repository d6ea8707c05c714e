"""Which OS release the image is: os-release first, then the older per-family files.

os-release is authoritative when it names an ID (freedesktop.org spec:
https://www.freedesktop.org/software/systemd/man/latest/os-release.html). The
per-family files (`etc/debian_version`, `etc/alpine-release`, `etc/redhat-release`, ...)
only answer when it is missing, or fill a field it leaves out (Debian testing has no
VERSION_ID; Debian 8 has no VERSION_CODENAME).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from dockwise.model import Distro

if TYPE_CHECKING:
    from dockwise.source.filetree import FileTree

OS_RELEASE_PATHS = ("etc/os-release", "usr/lib/os-release")  # the spec's lookup order

_KEY_VALUE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)")
_SHELL_ESCAPE = re.compile(r"\\([\\$\"`])")  # the escapes the spec allows in "..."
_PARENS_WORD = re.compile(r"\((\w+)\)")
_NUMBER = re.compile(r"\d+(?:\.\d+)*")
# "CentOS Linux release 7.9.2009 (Core)", "Amazon Linux AMI release 2018.03"
_RELEASE_LINE = re.compile(r"(?P<name>.+?)\s+release\s+(?P<version>[\d.]+)")

# Name prefixes of `*-release` first lines, and the os-release ID the same release uses.
_RELEASE_IDS = (
    ("red hat enterprise linux", "rhel"),
    ("centos", "centos"),
    ("rocky", "rocky"),
    ("almalinux", "almalinux"),
    ("oracle linux", "ol"),
    ("fedora", "fedora"),
    ("amazon linux", "amzn"),
    ("scientific linux", "scientific"),
    ("cloudlinux", "cloudlinux"),
)

_DEBIAN_CODENAMES = {
    "7": "wheezy",
    "8": "jessie",
    "9": "stretch",
    "10": "buster",
    "11": "bullseye",
    "12": "bookworm",
    "13": "trixie",
    "14": "forky",
}


def detect_distro(tree: FileTree) -> Distro | None:
    """The image's OS release, or None when nothing in the tree says."""
    release = _read_os_release(tree)
    if release is not None and release.id and release.version_id and release.codename:
        return release
    fallback = _from_release_files(tree)
    if release is None:
        return fallback
    if not release.id:
        # The spec's default is ID=linux; a family file is more useful when there is one.
        return fallback or dataclasses.replace(release, id="linux")
    if fallback is not None and fallback.id == release.id:
        return dataclasses.replace(
            release,
            version_id=release.version_id or fallback.version_id,
            codename=release.codename or fallback.codename,
        )
    return release


def parse_os_release(text: str) -> dict[str, str]:
    """KEY=value pairs of an os-release file, with shell quoting and escapes undone.

    Comments and malformed lines are skipped, as the spec asks of readers.
    """
    values: dict[str, str] = {}
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        match = _KEY_VALUE.fullmatch(line)
        if match:
            values[match[1]] = _unquote(match[2].strip())
    return values


def _unquote(raw: str) -> str:
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        inner = raw[1:-1]
        return inner if raw[0] == "'" else _SHELL_ESCAPE.sub(r"\1", inner)
    return _SHELL_ESCAPE.sub(r"\1", raw)


def _read_os_release(tree: FileTree) -> Distro | None:
    for path in OS_RELEASE_PATHS:
        data = tree.read_bytes(path)
        if data:
            values = parse_os_release(data.decode("utf-8", "replace"))
            if values:
                return _from_os_release(values)
    return None


def _from_os_release(values: dict[str, str]) -> Distro:
    distro_id = values.get("ID", "").lower()
    id_like = tuple(values.get("ID_LIKE", "").lower().split())
    codename = values.get("VERSION_CODENAME") or values.get("UBUNTU_CODENAME", "")
    if not codename and "debian" in (distro_id, *id_like):
        # Debian 8 and older say only VERSION="8 (jessie)".
        match = _PARENS_WORD.search(values.get("VERSION", ""))
        codename = match[1].lower() if match else ""
    return Distro(
        id=distro_id,
        version_id=values.get("VERSION_ID", ""),
        codename=codename,
        name=values.get("NAME", ""),
        pretty_name=values.get("PRETTY_NAME", ""),
        id_like=id_like,
    )


# -- the per-family files, most specific first ---------------------------------------


def _from_release_files(tree: FileTree) -> Distro | None:
    for path, reader in _RELEASE_FILES:
        data = tree.read_bytes(path)
        if data:
            distro = reader(data.decode("utf-8", "replace").strip())
            if distro is not None:
                return distro
    return None


def _alpine(text: str) -> Distro | None:
    version = _first_number(text)
    return Distro("alpine", version, name="Alpine Linux") if version else None


def _first_line_product(distro_id: str, parts: int) -> Callable[[str], Distro | None]:
    """`VMware Photon OS 4.0`, `CBL-Mariner 2.0.20240123`: a name then a version.

    `parts` trims the build stamp so the version matches os-release's VERSION_ID.
    """

    def read(text: str) -> Distro | None:
        line = text.splitlines()[0] if text else ""
        match = _NUMBER.search(line)
        if match is None:
            return None
        version = ".".join(match[0].split(".")[:parts])
        return Distro(distro_id, version, name=line[: match.start()].strip(), pretty_name=line)

    return read


def _release_line(text: str) -> Distro | None:
    """The `<name> release <version> (<codename>)` line of Red Hat-like distributions."""
    line = text.splitlines()[0] if text else ""
    match = _RELEASE_LINE.match(line)
    if match is None:
        return None
    name = match["name"]
    distro_id = next((i for prefix, i in _RELEASE_IDS if name.lower().startswith(prefix)), "")
    if not distro_id:
        return None
    version = match["version"]
    if distro_id == "amzn" and version.count(".") >= 2:
        version = version.split(".")[0]  # "2023.3.20240131" is os-release's "2023"
    # The parenthesised word is no codename to match on: "(Core)", "(Final)", "(Amazon Linux)".
    return Distro(distro_id, version, name=name, pretty_name=line)


def _suse(text: str) -> Distro | None:
    """The retired SuSE-release: a title line, then `VERSION = 12`, `PATCHLEVEL = 3`."""
    lines = text.splitlines()
    fields = {k.strip(): v.strip() for k, _, v in (ln.partition("=") for ln in lines[1:])}
    version = fields.get("VERSION", "")
    if not version or not lines:
        return None
    patch = fields.get("PATCHLEVEL", "0")
    if patch not in ("", "0"):
        version = f"{version}.{patch}"
    distro_id = "opensuse" if "opensuse" in lines[0].lower() else "sles"
    title = lines[0].split("(")[0].strip()
    return Distro(distro_id, version, codename=fields.get("CODENAME", "").lower(), name=title)


def _lsb(text: str) -> Distro | None:
    values = parse_os_release(text)
    distro_id = values.get("DISTRIB_ID", "").lower()
    if not distro_id:
        return None
    return Distro(
        distro_id,
        values.get("DISTRIB_RELEASE", ""),
        codename=values.get("DISTRIB_CODENAME", ""),
        name=values.get("DISTRIB_ID", ""),
        pretty_name=values.get("DISTRIB_DESCRIPTION", ""),
    )


def _debian(text: str) -> Distro | None:
    """`12.4` on a release, `bookworm/sid` on testing and unstable.

    VERSION_ID is the major release in Debian's os-release, so the point release is dropped.
    """
    if not text:
        return None
    first = text.split()[0]
    if first[0].isdigit():
        major = first.split(".")[0]
        return Distro("debian", major, codename=_DEBIAN_CODENAMES.get(major, ""), name="Debian")
    return Distro("debian", codename=first.split("/")[0], name="Debian")


def _first_number(text: str) -> str:
    match = _NUMBER.search(text)
    return match[0] if match else ""


_RELEASE_FILES: tuple[tuple[str, Callable[[str], Distro | None]], ...] = (
    ("etc/alpine-release", _alpine),
    ("etc/photon-release", _first_line_product("photon", 2)),
    ("etc/mariner-release", _first_line_product("mariner", 2)),
    ("etc/azurelinux-release", _first_line_product("azurelinux", 2)),
    ("etc/SuSE-release", _suse),
    # Derivatives before etc/redhat-release, which is often a link to one of them.
    ("etc/centos-release", _release_line),
    ("etc/rocky-release", _release_line),
    ("etc/almalinux-release", _release_line),
    ("etc/oracle-release", _release_line),
    ("etc/fedora-release", _release_line),
    ("etc/system-release", _release_line),
    ("etc/redhat-release", _release_line),
    # Ubuntu ships etc/debian_version too ("bookworm/sid"), so lsb-release goes first.
    ("etc/lsb-release", _lsb),
    ("etc/debian_version", _debian),
)

DISTRO_GLOBS: tuple[str, ...] = (*OS_RELEASE_PATHS, *(path for path, _ in _RELEASE_FILES))
