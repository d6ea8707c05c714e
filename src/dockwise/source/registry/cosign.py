"""Cosign's storage format, and what a lookup of an image's signatures found.

Cosign stores a signature as an OCI image in the same repository, tagged
`sha256-<manifest hex>.sig`; each of its layers is a "simple signing" payload whose
signature is the base64 annotation `dev.cosignproject.cosign/signature`
(https://github.com/sigstore/cosign/blob/main/specs/SIGNATURE_SPEC.md). The source finds
them (`signatures.py`); provenance verifies them (`provenance/signature.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature"
CERTIFICATE_ANNOTATION = "dev.sigstore.cosign/certificate"
BUNDLE_ANNOTATION = "dev.sigstore.cosign/bundle"


@dataclass(frozen=True, slots=True)
class SignatureArtifact:
    """One signature the registry source found for the image."""

    kind: str  # "cosign-tag" or "oci-referrer"
    location: str  # "ghcr.io/org/app:sha256-<hex>.sig", or the referrer's manifest digest
    payload: bytes  # the simple-signing JSON blob, exactly as stored
    signature: str  # base64, from the SIGNATURE_ANNOTATION of the payload's layer
    certificate: str = ""  # PEM (keyless signing): not verified yet
    bundle: str = ""  # Rekor bundle JSON: not verified yet
    # the digest it was found for (the manifest, or the index a multi-arch tag resolved
    # to, since cosign signs what the tag names); "" means the image's manifest digest
    subject: str = ""


@dataclass(frozen=True, slots=True)
class SignatureLookup:
    """What a source found when it looked; `searched=False` says it could not look."""

    searched: bool
    artifacts: tuple[SignatureArtifact, ...] = ()
    reason: str = ""


def cosign_tag(manifest_digest: str) -> str:
    """The tag cosign signs under: `sha256:abc...` -> `sha256-abc....sig`."""
    return manifest_digest.replace(":", "-", 1) + ".sig"
