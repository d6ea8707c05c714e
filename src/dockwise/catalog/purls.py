"""Package URLs for OS packages, per the purl spec (github.com/package-url/purl-spec)."""

from __future__ import annotations

from packageurl import PackageURL

from dockwise.model import Distro


def distro_qualifier(distro: Distro | None) -> str:
    """`debian-12`, `alpine-3.19.1`, `rhel-9.3`: the spec's `distro` qualifier value."""
    if distro is None:
        return ""
    return f"{distro.id}-{distro.version_id}" if distro.version_id else distro.id


def os_purl(
    ptype: str,
    namespace: str,
    name: str,
    version: str,
    *,
    arch: str = "",
    distro: Distro | None = None,
    **extra: str,
) -> str:
    """A purl with the `arch` and `distro` qualifiers when known; empty ones are dropped."""
    qualifiers = {"arch": arch, "distro": distro_qualifier(distro), **extra}
    return PackageURL(
        type=ptype,
        namespace=namespace or None,
        name=name,
        version=version or None,
        qualifiers={k: v for k, v in qualifiers.items() if v},
    ).to_string()


def go_purl(path: str, version: str) -> str:
    """`pkg:golang/<module path>@<version>`; the toolchain (`stdlib`, `go1.19.8`) is written
    `stdlib@1.19.8` as Syft and golang/vulndb's OSV data spell it, so consumers match it."""
    namespace, _, name = path.rpartition("/")
    if path == "stdlib":
        version = version.removeprefix("go")
    return os_purl("golang", namespace, name, version)
