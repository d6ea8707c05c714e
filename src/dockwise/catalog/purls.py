"""Package URLs for OS packages, per the purl spec (github.com/package-url/purl-spec)."""

from __future__ import annotations

import re

from packageurl import PackageURL

from dockwise.model import Distro


def distro_qualifier(distro: Distro | None) -> str:
    """`debian-12`, `alpine-3.19.1`, `rhel-9.3`: the spec's `distro` qualifier value."""
    if distro is None:
        return ""
    return f"{distro.id}-{distro.version_id}" if distro.version_id else distro.id


_RELEASE = re.compile(r"^(?P<id>\S+?)-(?P<version>\d\S*)$")


def distro_from_purl(purl: PackageURL | None) -> Distro | None:
    """The release a purl's `distro` qualifier names: `debian-12` (dockwise, Syft) or a
    bare version with the namespace as the distro (Trivy: `pkg:apk/alpine/...?distro=3.19.1`);
    None without one, or for a codename alone, which names no version to match against."""
    qualifiers = purl.qualifiers if purl is not None else None
    value = qualifiers.get("distro", "") if isinstance(qualifiers, dict) else ""
    if not isinstance(value, str) or not value:
        return None
    match = _RELEASE.match(value)
    if match:
        return Distro(match["id"], match["version"])
    return Distro(purl.namespace, value) if value[0].isdigit() and purl.namespace else None


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
