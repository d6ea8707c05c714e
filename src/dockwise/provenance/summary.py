"""The provenance answer: origin, base image and signature in one place, with a one-line
verdict an operator can read aloud. The history findings are the history checker's
(`checks`): worked out once, with the other findings, so suppression applies to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dockwise.model import Distro, ImageInfo
from dockwise.provenance.base import HIGH_ANNOTATION, BaseImage, infer_base
from dockwise.provenance.catalogue import BaseCatalogue, KnownBase
from dockwise.provenance.origin import Origin, human_age, origin
from dockwise.provenance.signature import (
    SignatureState,
    SignatureStatus,
    signature_status,
)
from dockwise.source.registry.cosign import SignatureLookup

DISTRO_TITLES = {
    "debian": "Debian", "ubuntu": "Ubuntu", "alpine": "Alpine", "rhel": "RHEL/UBI",
    "centos": "CentOS", "fedora": "Fedora", "rocky": "Rocky Linux", "almalinux": "AlmaLinux",
    "ol": "Oracle Linux", "amzn": "Amazon Linux", "sles": "SLES",
    "opensuse-leap": "openSUSE Leap", "photon": "Photon OS",
}  # fmt: skip
_SIGNATURE_WORDS = {
    SignatureState.UNSIGNED: "unsigned",
    SignatureState.SIGNED_UNVERIFIED: "signed (unverified)",
    SignatureState.VERIFIED: "signature verified",
}


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where the image came from, as one value."""

    origin: Origin
    base: BaseImage
    signature: SignatureStatus
    verdict: str


def provenance(
    image: ImageInfo,
    distro: Distro | None,
    today: date,
    catalogue: BaseCatalogue | None = None,
    signatures: SignatureLookup | None = None,
    public_key_pem: bytes | None = None,
) -> Provenance:
    """Pure: reads the catalogue but never writes it (see `lessons` for that)."""
    found = origin(image, today)
    base = infer_base(image, distro, catalogue)
    signature = signature_status(image, signatures, public_key_pem)
    return Provenance(found, base, signature, verdict(found, base, signature, distro))


def verdict(
    origin: Origin, base: BaseImage, signature: SignatureStatus, distro: Distro | None
) -> str:
    """One line: "Debian 12 base, built 3 years ago from github.com/org/app@abc123, unsigned"."""
    return ", ".join((_base_words(base, distro), _built_words(origin), _signature_words(signature)))


def lessons(image: ImageInfo, prov: Provenance, today: date) -> tuple[KnownBase, ...]:
    """What the base catalogue can learn from this image: itself under its name, and a
    base an annotation named (with the layers the history says it has). Both are names
    the image gave, so they are learned untrusted (never a high-confidence base)."""
    chain = tuple(layer.diff_id for layer in image.layers if layer.diff_id)
    name = prov.origin.reference
    learned = []
    if name and chain:
        learned.append(KnownBase(name, chain, prov.origin.manifest_digest, f"image {name}",
                                 today.isoformat()))  # fmt: skip
    if prov.base.confidence == HIGH_ANNOTATION and prov.base.name and prov.base.layers:
        base_chain = tuple(layer.diff_id for layer in prov.base.layers)
        learned.append(KnownBase(prov.base.name, base_chain, prov.base.digest,
                                 f"the base annotation of image {name or '(unnamed)'}",
                                 today.isoformat()))  # fmt: skip
    return tuple(learned)


def _base_words(base: BaseImage, distro: Distro | None) -> str:
    if not base.name:
        return "base unknown"
    if base.confidence.startswith("high") or distro is None:
        return f"{base.name} base"
    title = DISTRO_TITLES.get(distro.id, distro.name or distro.id)
    version = distro.version_id or distro.codename
    return f"{title} {version} base".replace("  ", " ")


def _built_words(origin: Origin) -> str:
    age = origin.age_days
    built = f"built {human_age(age)}" if age is not None else "build time unknown"
    url = origin.get("source")
    if not url:
        return f"{built}, source not labelled"
    revision = origin.get("revision")[:12]
    where = _short_source(url) + (f"@{revision}" if revision else "")
    return f"{built} from {where}"


def _short_source(url: str) -> str:
    text = url.strip().removesuffix(".git")
    for prefix in ("https://", "http://", "git+", "git@"):
        text = text.removeprefix(prefix)
    return text.replace(":", "/", 1) if url.startswith("git@") else text


def _signature_words(signature: SignatureStatus) -> str:
    if signature.state in _SIGNATURE_WORDS:
        return _SIGNATURE_WORDS[signature.state]
    return "signature " + signature.detail.replace("unknown: ", "unknown (", 1) + ")"
