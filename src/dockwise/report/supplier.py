"""Who supplies the image and its distro, for the SBOM formats' supplier fields (NTIA
minimum elements): only what the image says, never a guess."""

from __future__ import annotations

import re
from collections.abc import Sequence

from dockwise.model import Distro, ImageInfo, Package

_NAME_EMAIL = re.compile(r"^\s*([^<>]+?)\s*(?:<([^<>()\s]+)>)?\s*$")
# the image's own words for who made it, strongest first (OCI annotations, then labels)
_IMAGE_FIELDS = ("vendor", "authors", "maintainer")


def image_supplier(image: ImageInfo) -> str:
    """The vendor, authors or maintainer label or annotation, else the config's author."""
    # imported here: the provenance package brings cryptography (cosign), 20 ms of `sbom`
    from dockwise.provenance.origin import metadata

    found = {m.field: m.value for m in metadata(image)}
    return next((found[f] for f in _IMAGE_FIELDS if found.get(f)), image.author)


def distro_supplier(distro: Distro) -> str:
    """os-release's NAME (`Debian GNU/Linux`): the distribution supplies its own release."""
    return distro.name


def name_email(supplier: str) -> tuple[str, str] | None:
    """`Name <email>` -> (name, email or ""); None for text no SBOM actor can carry
    (angle brackets left in the name, control characters, nothing at all).

    SPDX writes `Person: name (email)` and readers take the last parenthesis as the
    email, so `Laszlo Boszormenyi (GCS) <gcs@debian.org>` survives; without an email
    a parenthesis in the name would be read as one, so that name is refused.
    """
    match = _NAME_EMAIL.match(supplier) if supplier.isprintable() else None
    if match is None or (not match.group(2) and re.search(r"[()]", match.group(1))):
        return None
    return match.group(1), match.group(2) or ""


def package_suppliers(packages: Sequence[Package]) -> list[str]:
    """Each package's supplier as the image says it, in order.

    A package's own maintainer or author first; a package with none that an OS package
    installed (a runtime, a Go binary, a jar or npm package under /usr/share) takes that
    package's maintainer, who supplied these files; a declared package takes the author
    of the same package installed (same purl). Otherwise "": NOASSERTION, not a guess.
    """
    by_key: dict[str, str] = {}
    for pkg in packages:
        if pkg.maintainer:
            by_key.setdefault(pkg.key, pkg.maintainer)
    return [
        pkg.maintainer or by_key.get(pkg.owned_by, "") or by_key.get(pkg.key, "")
        for pkg in packages
    ]
