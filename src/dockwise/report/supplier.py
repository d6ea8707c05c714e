"""Who supplies the image and its distro, for the SBOM formats' supplier fields (NTIA
minimum elements): only what the image says, never a guess."""

from __future__ import annotations

import re

from dockwise.model import Distro, ImageInfo
from dockwise.provenance.origin import metadata

_NAME_EMAIL = re.compile(r"^\s*([^<>()]+?)\s*(?:<([^<>()\s]+)>)?\s*$")
# the image's own words for who made it, strongest first (OCI annotations, then labels)
_IMAGE_FIELDS = ("vendor", "authors", "maintainer")


def image_supplier(image: ImageInfo) -> str:
    """The vendor, authors or maintainer label or annotation, else the config's author."""
    found = {m.field: m.value for m in metadata(image)}
    return next((found[f] for f in _IMAGE_FIELDS if found.get(f)), image.author)


def distro_supplier(distro: Distro) -> str:
    """os-release's NAME (`Debian GNU/Linux`): the distribution supplies its own release."""
    return distro.name


def name_email(supplier: str) -> tuple[str, str] | None:
    """`Name <email>` -> (name, email or ""); None for text no SBOM actor can carry
    (brackets or parentheses left in the name, control characters, nothing at all)."""
    match = _NAME_EMAIL.match(supplier) if supplier.isprintable() else None
    return (match.group(1), match.group(2) or "") if match else None
