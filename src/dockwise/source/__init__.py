"""Image sources: turn a SOURCE argument into an opened Image.

Add a source: write `source/<kind>.py` with an `open_<kind>()` and add its scheme to
`OPENERS` below. Schemes are spelled as Syft spells them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from dockwise.errors import SourceError
from dockwise.source.base import Image
from dockwise.source.blobstore import DirStore, TarStore
from dockwise.source.docker_archive import open_docker_archive
from dockwise.source.oci import Platform, open_layout
from dockwise.source.rootfs import open_dir

Opener = Callable[[Path, str, Platform | None], Image]


def _oci_archive(path: Path, source: str, platform: Platform | None) -> Image:
    return open_layout(TarStore(path), source, "oci-archive", platform)


def _oci_dir(path: Path, source: str, platform: Platform | None) -> Image:
    if not (path / "oci-layout").is_file():
        raise SourceError(f"{path}: not an OCI layout directory (no oci-layout file)")
    return open_layout(DirStore(path), source, "oci-dir", platform)


def _dir(path: Path, source: str, platform: Platform | None) -> Image:
    return open_dir(path, source)


OPENERS: dict[str, Opener] = {
    "docker-archive": open_docker_archive,
    "oci-archive": _oci_archive,
    "oci-dir": _oci_dir,
    "dir": _dir,
}
PLANNED = ("registry", "docker", "podman", "sbom")


def open_source(source: str, platform: str | None = None) -> Image:
    """Open SOURCE (`scheme:path`, or a bare path whose kind is detected)."""
    wanted = Platform.parse(platform) if platform else None
    scheme, _, rest = source.partition(":")
    if scheme in OPENERS:
        path = Path(rest)
        if not path.exists():
            raise SourceError(f"{rest}: no such file or directory")
        return OPENERS[scheme](path, source, wanted)
    if scheme in PLANNED:
        raise SourceError(f"{scheme}: sources are not supported by this version yet")
    path = Path(source)
    if not path.exists():
        raise SourceError(
            f"{source}: no such file or directory (registry references are not supported yet)"
        )
    return OPENERS[detect(path)](path, source, wanted)


def detect(path: Path) -> str:
    """The scheme of a bare path, from its contents rather than its name."""
    if path.is_dir():
        return "oci-dir" if (path / "oci-layout").is_file() else "dir"
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic[:2] == b"\x1f\x8b" or magic == b"\x28\xb5\x2f\xfd":
        raise SourceError(f"{path}: a compressed archive; decompress it first (e.g. gunzip)")
    store = TarStore(path)
    if store.exists("manifest.json"):
        return "docker-archive"
    if store.exists("oci-layout"):
        return "oci-archive"
    raise SourceError(f"{path}: neither a docker-archive nor an OCI archive")


__all__ = ["Image", "open_source", "detect", "OPENERS"]
