"""The build spec: a small TOML file saying what goes into the image (docs/build.md).

Read once into frozen dataclasses; every mistake is one line naming the file and the key.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from dockwise.errors import DockwiseError

_PORT = re.compile(r"[0-9]{1,5}(/(tcp|udp|sctp))?")
_OWNER = re.compile(r"[0-9]+:[0-9]+")
_PACKAGE = re.compile(r"[a-z0-9][a-z0-9+.-]+(=[A-Za-z0-9.+~:-]+)?")
# apt options that accept an unsigned or unverifiable archive (sources.list(5))
_UNVERIFIED = re.compile(r"\b(trusted|allow-insecure|allow-weak|allow-downgrade-to-insecure)"
                         r"\s*=\s*yes", re.IGNORECASE)
_TOP_LEVEL = {"distribution", "packages", "files", "image"}


class SpecError(DockwiseError):
    """The build spec cannot be used as written."""


@dataclass(frozen=True, slots=True)
class Distribution:
    """Where packages come from: a distribution known to `build.distro`, its suite, and
    optionally other archive sources (a local mirror) and the keyring that signs them."""

    name: str
    suite: str
    sources: tuple[str, ...] = ()  # sources.list lines or deb822 files; () = the default
    keyring: str | None = None  # an extra OpenPGP keyring that signs `sources`
    components: tuple[str, ...] = ("main",)


@dataclass(frozen=True, slots=True)
class FileCopy:
    """A host directory (or file) copied into the image at `destination`."""

    source: Path
    destination: str
    owner: tuple[int, int] = (0, 0)
    mode: int | None = None  # None: keep each file's own mode


@dataclass(frozen=True, slots=True)
class ImageConfig:
    """The OCI config fields a spec may set (image-spec config.md)."""

    user: str = ""
    workdir: str = ""
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    ports: tuple[str, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    source: str = ""  # org.opencontainers.image.source
    revision: str = ""  # org.opencontainers.image.revision


@dataclass(frozen=True, slots=True)
class BuildSpec:
    """One image to build; `digest` is the spec file's sha256, recorded in the image."""

    path: Path
    digest: str
    distribution: Distribution
    packages: tuple[str, ...]
    shell: bool
    files: tuple[FileCopy, ...]
    image: ImageConfig


def load_spec(path: Path) -> BuildSpec:
    """Parse and check the spec at `path`; relative `files` sources are under its folder."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SpecError(f"{path}: not a TOML build spec ({exc})") from None
    _reject_unknown(path, "", doc, _TOP_LEVEL)
    section = _Section(path, doc)
    packages = section.table("packages", {"include", "shell"})
    return BuildSpec(
        path=path,
        digest="sha256:" + hashlib.sha256(raw).hexdigest(),
        distribution=_distribution(section),
        packages=tuple(_package(path, p) for p in packages.strings("include", required=True)),
        shell=packages.boolean("shell"),
        files=tuple(_file_tree(section, i, t) for i, t in enumerate(section.tables("files"))),
        image=_image(section.table("image", set(ImageConfig.__slots__) | {"ports"})),
    )


def _distribution(section: _Section) -> Distribution:
    dist = section.table("distribution", {"name", "suite", "sources", "keyring", "components"})
    keyring = dist.string("keyring")
    for line in dist.strings("sources"):
        if _UNVERIFIED.search(line):
            raise SpecError(f"{section.path}: distribution.sources: {line!r} turns off apt's "
                            "signature check; name the archive's key with `keyring` instead")
    return Distribution(
        name=dist.string("name", required=True),
        suite=dist.string("suite", required=True),
        sources=dist.strings("sources"),
        keyring=str(section.path.parent / keyring) if keyring else None,
        components=dist.strings("components") or ("main",),
    )


def _file_tree(section: _Section, index: int, table: _Section) -> FileCopy:
    where = f"files[{index}]"
    owner, mode = table.string("owner") or "0:0", table.string("mode")
    if not _OWNER.fullmatch(owner):
        raise SpecError(f"{section.path}: {where}.owner must be UID:GID (numbers), got {owner!r}")
    if mode and not re.fullmatch(r"0?[0-7]{3,4}", mode):
        raise SpecError(f"{section.path}: {where}.mode must be octal like \"0755\", got {mode!r}")
    destination = PurePosixPath("/", table.string("destination", required=True))
    if ".." in destination.parts:
        raise SpecError(f"{section.path}: {where}.destination may not contain '..'")
    uid, gid = owner.split(":")
    source = section.path.parent / table.string("source", required=True)
    if not source.exists():  # said before the bootstrap downloads anything
        raise SpecError(f"{section.path}: {where}.source {str(source)!r} does not exist")
    return FileCopy(
        source=source,
        destination=str(destination),
        owner=(int(uid), int(gid)),
        mode=int(mode, 8) if mode else None,
    )


def _image(table: _Section) -> ImageConfig:
    ports = table.strings("ports")
    for port in ports:
        if not _PORT.fullmatch(port):
            raise SpecError(f"{table.path}: image.ports: {port!r} is not PORT[/tcp|udp|sctp]")
    return ImageConfig(
        user=table.string("user"),
        workdir=table.string("workdir"),
        entrypoint=table.strings("entrypoint"),
        cmd=table.strings("cmd"),
        env=table.mapping("env"),
        ports=tuple(p if "/" in p else f"{p}/tcp" for p in ports),
        labels=table.mapping("labels"),
        source=table.string("source"),
        revision=table.string("revision"),
    )


def _package(path: Path, name: str) -> str:
    """A package name, optionally pinned (`name=version`); apt's other syntax is refused
    so a spec cannot smuggle options to apt."""
    if not _PACKAGE.fullmatch(name):
        raise SpecError(f"{path}: packages.include: {name!r} is not a Debian package name")
    return name


def _reject_unknown(path: Path, prefix: str, table: dict[str, Any], known: set[str]) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise SpecError(f"{path}: unknown key '{prefix}{unknown[0]}' (known: "
                        f"{', '.join(sorted(known))})")  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Section:
    """A table of the spec with typed getters that fail with the key's name."""

    path: Path
    doc: dict[str, Any]
    name: str = ""

    def table(self, key: str, known: set[str]) -> _Section:
        value = self.doc.get(key, {})
        if not isinstance(value, dict):
            raise SpecError(f"{self.path}: [{key}] must be a table")
        _reject_unknown(self.path, f"{key}.", value, known)
        return _Section(self.path, value, key)

    def tables(self, key: str) -> list[_Section]:
        value = self.doc.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise SpecError(f"{self.path}: [[{key}]] must be an array of tables")
        known = {"source", "destination", "owner", "mode"}
        for item in value:
            _reject_unknown(self.path, f"{key}.", item, known)
        return [_Section(self.path, item, key) for item in value]

    def string(self, key: str, *, required: bool = False) -> str:
        value = self.doc.get(key, "")
        if not isinstance(value, str) or (required and not value):
            raise SpecError(f"{self.path}: {self._key(key)} must be a non-empty string")
        return value

    def strings(self, key: str, *, required: bool = False) -> tuple[str, ...]:
        value = self.doc.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SpecError(f"{self.path}: {self._key(key)} must be a list of strings")
        if required and not value:
            raise SpecError(f"{self.path}: {self._key(key)} must list at least one entry")
        return tuple(value)

    def boolean(self, key: str) -> bool:
        value = self.doc.get(key, False)
        if not isinstance(value, bool):
            raise SpecError(f"{self.path}: {self._key(key)} must be true or false")
        return value

    def mapping(self, key: str) -> tuple[tuple[str, str], ...]:
        value = self.doc.get(key, {})
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise SpecError(f"{self.path}: {self._key(key)} must be a table of strings")
        return tuple(sorted(value.items()))

    def _key(self, key: str) -> str:
        return f"{self.name}.{key}" if self.name else key
