"""Cosign simple-signing verification with key pairs generated here, and the four states."""

import base64
import json

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from dockwise.model import ImageInfo
from dockwise.provenance.signature import SignatureState, signature_status, verify_simple_signing
from dockwise.source.registry.cosign import SignatureArtifact, SignatureLookup, cosign_tag

DIGEST = "sha256:" + "ab" * 32
IMAGE = ImageInfo("ghcr.io/org/app:1", "registry", manifest_digest=DIGEST)


def payload(digest=DIGEST, kind="cosign container image signature") -> bytes:
    doc = {"critical": {"identity": {"docker-reference": "ghcr.io/org/app"},
                        "image": {"docker-manifest-digest": digest}, "type": kind},
           "optional": None}  # fmt: skip
    return json.dumps(doc).encode()


def pem(private_key) -> bytes:
    return private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.fixture(scope="module")
def ec_key():
    return ec.generate_private_key(ec.SECP256R1())


def ec_sign(key, data: bytes) -> str:
    return base64.b64encode(key.sign(data, ec.ECDSA(hashes.SHA256()))).decode()


def artifact(data: bytes, signature: str) -> SignatureArtifact:
    return SignatureArtifact("cosign-tag", f"ghcr.io/org/app:{cosign_tag(DIGEST)}", data, signature)


def test_cosign_tag():
    assert cosign_tag(DIGEST) == "sha256-" + "ab" * 32 + ".sig"


def test_ecdsa_p256_verifies(ec_key):
    data = payload()
    result = verify_simple_signing(data, ec_sign(ec_key, data), pem(ec_key), DIGEST)
    assert result.ok, result.reason


def test_rsa_pkcs1_and_pss_verify():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    data = payload()
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.MAX_LENGTH)
    for scheme in (padding.PKCS1v15(), pss):
        signature = base64.b64encode(key.sign(data, scheme, hashes.SHA256())).decode()
        assert verify_simple_signing(data, signature, pem(key), DIGEST).ok


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("other_key", "does not match the key"),
        ("tampered", "does not match the key"),
        ("other_image", "signature is for sha256:" + "cd" * 32),
        ("other_type", "is not 'cosign container image signature'"),
        ("not_base64", "unreadable signature"),
    ],
    ids=["other_key", "tampered", "other_image", "other_type", "not_base64"],
)
def test_verification_failures(ec_key, case, reason):
    data = {"other_image": payload("sha256:" + "cd" * 32),
            "other_type": payload(kind="something else")}.get(case, payload())  # fmt: skip
    signature = ec_sign(ec_key, data)
    key = pem(ec.generate_private_key(ec.SECP256R1())) if case == "other_key" else pem(ec_key)
    if case == "tampered":
        data = data.replace(b"ghcr.io/org/app", b"ghcr.io/evil/app")
    if case == "not_base64":
        signature = "%%%"
    result = verify_simple_signing(data, signature, key, DIGEST)
    assert not result.ok and reason in result.reason


def test_states(ec_key):
    data = payload()
    signed = SignatureLookup(True, (artifact(data, ec_sign(ec_key, data)),))
    local = ImageInfo("app.tar", "docker-archive", manifest_digest=DIGEST)
    other = pem(ec.generate_private_key(ec.SECP256R1()))
    states = {
        "archive": signature_status(local, None),
        "not_looked_up": signature_status(IMAGE, None),
        "lookup_failed": signature_status(IMAGE, SignatureLookup(False, reason="registry 500")),
        "unsigned": signature_status(IMAGE, SignatureLookup(True)),
        "no_key": signature_status(IMAGE, signed),
        "wrong_key": signature_status(IMAGE, signed, other),
        "verified": signature_status(IMAGE, signed, pem(ec_key)),
    }
    assert {name: s.state for name, s in states.items()} == {
        "archive": SignatureState.UNKNOWN, "not_looked_up": SignatureState.UNKNOWN,
        "lookup_failed": SignatureState.UNKNOWN, "unsigned": SignatureState.UNSIGNED,
        "no_key": SignatureState.SIGNED_UNVERIFIED, "wrong_key": SignatureState.SIGNED_UNVERIFIED,
        "verified": SignatureState.VERIFIED,
    }  # fmt: skip
    assert states["archive"].detail == "unknown: not from a registry"
    assert "registry 500" in states["lookup_failed"].detail
    assert "no --key" in states["no_key"].detail
    assert "does not match" in states["wrong_key"].detail
