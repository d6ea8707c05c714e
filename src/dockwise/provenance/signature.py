"""Image signatures: key-based verification of what the registry source found
(`source/registry/cosign.py` holds cosign's storage format and what a lookup found).

Verification here is the `cosign verify --key` case: the signature over the payload
bytes checks out with the given public key (ECDSA P-256 or RSA, SHA-256), and the
payload names this image's manifest digest. Keyless signatures (a Fulcio certificate
and a Rekor transparency-log entry) are reported as signed but unverified.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from dockwise.model import ImageInfo
from dockwise.source.registry.cosign import SignatureLookup
from dockwise.untrusted import load_json

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import rsa

PAYLOAD_TYPE = "cosign container image signature"


class SignatureState(StrEnum):
    UNSIGNED = "unsigned"
    SIGNED_UNVERIFIED = "signed-unverified"
    VERIFIED = "verified"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    reason: str


@dataclass(frozen=True, slots=True)
class SignatureStatus:
    """The answer for the report: a state and why."""

    state: SignatureState
    detail: str
    evidence: tuple[tuple[str, str], ...] = ()


def signature_status(
    image: ImageInfo, lookup: SignatureLookup | None, public_key_pem: bytes | None = None
) -> SignatureStatus:
    """Unsigned, signed but unverified, verified, or unknown (with the reason)."""
    if lookup is None:
        if image.scheme != "registry":
            return SignatureStatus(SignatureState.UNKNOWN, "unknown: not from a registry")
        return SignatureStatus(SignatureState.UNKNOWN, "unknown: signatures were not looked up")
    if not lookup.searched:
        return SignatureStatus(SignatureState.UNKNOWN, f"unknown: {lookup.reason}")
    if not lookup.artifacts:
        return SignatureStatus(SignatureState.UNSIGNED, "unsigned: no cosign signature found")
    if public_key_pem is None:
        if any(a.certificate or a.bundle for a in lookup.artifacts):
            return _unverified(lookup, "signed (keyless, not verified): Fulcio/Rekor "
                               "verification is not supported; no --key given")  # fmt: skip
        return _unverified(lookup, "no --key given (keyless verification is not supported)")
    results = [
        (a, verify_simple_signing(a.payload, a.signature, public_key_pem,
                                  a.subject or image.manifest_digest))
        for a in lookup.artifacts
    ]  # fmt: skip
    good = [a for a, result in results if result.ok]
    if good:
        detail = f"verified: {good[0].kind} {good[0].location} with the given key"
        return SignatureStatus(SignatureState.VERIFIED, detail, (("signature", good[0].location),))
    return _unverified(lookup, "; ".join(sorted({r.reason for _, r in results})))


def verify_simple_signing(
    payload: bytes, signature_b64: str, public_key_pem: bytes, manifest_digest: str
) -> Verification:
    """Check a cosign simple-signing payload: the signature, then what it signs.

    Pure: no network, no clock. The digest check matters as much as the signature: a
    valid signature of another image proves nothing about this one.
    """
    # cryptography is imported here, when a signature is checked: `scan` of an archive
    # has none, and the import is 10 ms
    from cryptography.hazmat.primitives import serialization

    try:
        signature = base64.b64decode(signature_b64, validate=True)
        key = serialization.load_pem_public_key(public_key_pem)
    except (binascii.Error, ValueError) as exc:
        return Verification(False, f"unreadable signature or key ({exc})")
    if not _signature_ok(key, signature, payload):
        return Verification(False, "signature does not match the key")
    return _payload_names(payload, manifest_digest)


def _signature_ok(key: object, signature: bytes, payload: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, payload, ec.ECDSA(hashes.SHA256()))
            return True
        if isinstance(key, rsa.RSAPublicKey):
            return _rsa_ok(key, signature, payload)
    except InvalidSignature:
        return False
    return False  # ed25519 and others: cosign's --key default is ECDSA P-256


def _rsa_ok(key: rsa.RSAPublicKey, signature: bytes, payload: bytes) -> bool:
    """PKCS#1 v1.5 (sigstore's default for RSA keys), else PSS."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO)
    for scheme in (padding.PKCS1v15(), pss):
        try:
            key.verify(signature, payload, scheme, hashes.SHA256())
            return True
        except InvalidSignature:
            continue
    return False


def _payload_names(payload: bytes, manifest_digest: str) -> Verification:
    try:
        critical = load_json(payload)["critical"]
        signed = critical["image"]["docker-manifest-digest"]
        kind = critical.get("type", "")
    except (ValueError, KeyError, TypeError):
        return Verification(False, "payload is not a cosign simple-signing document")
    if kind != PAYLOAD_TYPE:
        return Verification(False, f"payload type {kind!r} is not {PAYLOAD_TYPE!r}")
    if not manifest_digest or signed != manifest_digest:
        return Verification(False, f"signature is for {signed}, not {manifest_digest or '?'}")
    return Verification(True, "signature and digest match")


def _unverified(lookup: SignatureLookup, why: str) -> SignatureStatus:
    where = tuple(("signature", a.location) for a in lookup.artifacts)
    count = len(lookup.artifacts)
    detail = f"signed-unverified: {count} signature{'s' if count > 1 else ''} found; {why}"
    return SignatureStatus(SignatureState.SIGNED_UNVERIFIED, detail, where)
