"""Image sources: turn a SOURCE argument into an opened Image.

Add a source: write `source/<kind>.py` with an `open_<kind>()` and add its scheme to
`OPENERS` below. Schemes are spelled as Syft spells them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from dockwise.errors import SourceError
from dockwise.model import ImageInfo
from dockwise.options import RegistryAccess
from dockwise.source.base import Image
from dockwise.source.blobstore import DirStore, TarStore
from dockwise.source.docker_archive import open_docker_archive
from dockwise.source.oci import Platform, open_layout
from dockwise.source.registry.reference import looks_like_reference

# (what follows "scheme:", the SOURCE as given, --platform, registry access) -> Image
Opener = Callable[[str, str, Platform | None, RegistryAccess], Image]
PathOpener = Callable[[Path, str, Platform | None], Image]


def _local(opener: PathOpener) -> Opener:
    """An opener of a file or directory, which must exist."""

    def open_path(rest: str, source: str, platform: Platform | None, _: RegistryAccess) -> Image:
        path = Path(rest)
        if not path.exists():
            raise SourceError(f"{rest}: no such file or directory")
        return opener(path, source, platform)

    return open_path


def _oci_archive(path: Path, source: str, platform: Platform | None) -> Image:
    return open_layout(TarStore(path), source, "oci-archive", platform)


def _oci_dir(path: Path, source: str, platform: Platform | None) -> Image:
    if not (path / "oci-layout").is_file():
        raise SourceError(f"{path}: not an OCI layout directory (no oci-layout file)")
    return open_layout(DirStore(path), source, "oci-dir", platform)


def _dir(path: Path, source: str, platform: Platform | None) -> Image:
    from dockwise.source.rootfs import open_dir  # the layer reader: only when used

    return open_dir(path, source)


def _sbom(path: Path, source: str, platform: Platform | None) -> Image:
    from dockwise.source.sbom import open_sbom  # packageurl and the SBOM parsers

    return open_sbom(path, source, platform)


def _registry(rest: str, source: str, platform: Platform | None, access: RegistryAccess) -> Image:
    if access.offline:
        raise SourceError(f"--offline forbids reading registry:{rest}")
    from dockwise.source.registry.image import open_registry  # httpx only when a registry is read

    return open_registry(rest, source, platform, access)


def _daemon(kind: str) -> Opener:
    def open_from(rest: str, source: str, platform: Platform | None, _: RegistryAccess) -> Image:
        from dockwise.source.daemon import open_daemon

        return open_daemon(kind, rest, source, platform)

    return open_from


OPENERS: dict[str, Opener] = {
    "docker-archive": _local(open_docker_archive),
    "oci-archive": _local(_oci_archive),
    "oci-dir": _local(_oci_dir),
    "dir": _local(_dir),
    "registry": _registry,
    "docker": _daemon("docker"),
    "podman": _daemon("podman"),
    "sbom": _local(_sbom),
}
PLANNED: tuple[str, ...] = ()


PLATFORMLESS = {
    "dir": "a directory has no platform",
    "sbom": "an SBOM has no platforms to choose from",
}


def open_source(
    source: str, platform: str | None = None, access: RegistryAccess | None = None
) -> Image:
    """Open SOURCE: `scheme:rest`, a bare path whose kind is detected, or a bare
    image reference (`python:3.12-slim`), which is read from its registry."""
    wanted = Platform.parse(platform) if platform else None
    image = _open(source, wanted, access or RegistryAccess())
    if wanted is not None:
        check_platform(image.info, wanted)
    return image


def check_platform(info: ImageInfo, wanted: Platform) -> None:
    """`--platform` is a promise about what was read: an index was narrowed to it already,
    but a lone image (docker save, a single manifest) is only known by its config."""
    if info.scheme in PLATFORMLESS:
        raise SourceError(f"{info.source}: {PLATFORMLESS[info.scheme]}; drop --platform")
    if not info.architecture:
        raise SourceError(f"{info.source}: the image config names no platform to match {wanted}")
    got = Platform(info.os, info.architecture, info.variant)
    if not wanted.admits(got):
        raise SourceError(f"{info.source}: image is for {got}, not the requested platform {wanted}")


def _open(source: str, wanted: Platform | None, access: RegistryAccess) -> Image:
    scheme, _, rest = source.partition(":")
    if scheme in OPENERS:
        return OPENERS[scheme](rest, source, wanted, access)
    if scheme in PLANNED:
        raise SourceError(f"{scheme}: sources are not supported by this version yet")
    path = Path(source)
    if path.exists():
        return OPENERS[detect(path)](source, source, wanted, access)
    if not looks_like_reference(source):
        raise SourceError(f"{source}: no such file or directory, nor an image reference")
    try:
        return _registry(source, source, wanted, access)
    except SourceError as exc:
        raise SourceError(f"{exc} (no such file {source!r} either)") from None


def detect(path: Path) -> str:
    """The scheme of a bare path, from its contents rather than its name."""
    if path.is_dir():
        return "oci-dir" if (path / "oci-layout").is_file() else "dir"
    with open(path, "rb") as f:
        head = f.read(64)
    magic = head[:4]
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":  # JSON: an SBOM (tar starts with a name)
        return "sbom"
    if magic[:2] == b"\x1f\x8b" or magic == b"\x28\xb5\x2f\xfd":
        raise SourceError(f"{path}: a compressed archive; decompress it first (e.g. gunzip)")
    store = TarStore(path)
    if store.exists("manifest.json"):
        return "docker-archive"
    if store.exists("oci-layout"):
        return "oci-archive"
    raise SourceError(f"{path}: neither a docker-archive nor an OCI archive")


__all__ = ["Image", "open_source", "detect", "OPENERS"]
