"""Cosign signatures on images in a real `docker-registry`: signed here with keys made
here, pushed through the distribution API, then found, verified or refused."""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
from dataclasses import dataclass

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from registry import distribution
from registry.distribution import free_port, needs_registry

from dockwise.commands.flags import add_source_arguments, source_keywords
from dockwise.errors import DockwiseError
from dockwise.model import ImageInfo
from dockwise.provenance.signature import SignatureState, signature_status
from dockwise.source import open_source
from dockwise.source.registry.cosign import (
    CERTIFICATE_ANNOTATION,
    SIGNATURE_ANNOTATION,
    SIMPLE_SIGNING,
    cosign_tag,
)
from dockwise.source.registry.image import RESOLVED
from dockwise.source.registry.signatures import COSIGN_ARTIFACT, find_signatures, read_public_key

pytest_plugins = ("registry.fixtures",)

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
EMPTY_CONFIG = "application/vnd.oci.empty.v1+json"
FAKE_CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


@dataclass(frozen=True)
class Signed:
    host: str
    key: ec.EllipticCurvePrivateKey
    infos: dict[str, ImageInfo]  # repository -> the image as the registry source read it


def public_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def simple_signing(reference: str, digest: str) -> bytes:
    """The payload `cosign sign` writes (cosign's payload.SimpleContainerImage)."""
    doc = {"critical": {"identity": {"docker-reference": reference},
                        "image": {"docker-manifest-digest": digest},
                        "type": "cosign container image signature"},
           "optional": {}}  # fmt: skip
    return json.dumps(doc).encode()


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Pusher:
    """Blobs and manifests PUT through the distribution API, as cosign uploads them."""

    def __init__(self, host: str, repository: str) -> None:
        self.base = f"http://{host}/v2/{repository}"

    def blob(self, data: bytes, media_type: str) -> dict:
        started = httpx.post(f"{self.base}/blobs/uploads/")
        assert started.status_code == 202, started.text
        location = started.url.join(started.headers["location"])  # keeps its _state query
        url = location.copy_merge_params({"digest": digest_of(data)})
        done = httpx.put(url, content=data, headers={"Content-Type": "application/octet-stream"})
        assert done.status_code == 201, done.text
        return {"mediaType": media_type, "digest": digest_of(data), "size": len(data)}

    def manifest(self, tag: str, doc: dict) -> dict:
        body = json.dumps(doc).encode()
        put = httpx.put(f"{self.base}/manifests/{tag}", content=body,
                        headers={"Content-Type": doc["mediaType"]})  # fmt: skip
        assert put.status_code == 201, put.text
        return {"mediaType": doc["mediaType"], "digest": digest_of(body), "size": len(body)}

    def signature_manifest(self, payload: bytes, signature: str, notes: dict | None = None,
                           **extra) -> dict:  # fmt: skip
        """An image manifest with one simple-signing layer, as cosign builds it."""
        layer = self.blob(payload, SIMPLE_SIGNING)
        layer["annotations"] = {SIGNATURE_ANNOTATION: signature, **(notes or {})}
        config = self.blob(b"{}", EMPTY_CONFIG)
        return {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config,
                "layers": [layer], **extra}  # fmt: skip


def sign(key: ec.EllipticCurvePrivateKey, payload: bytes) -> str:
    return base64.b64encode(key.sign(payload, ec.ECDSA(hashes.SHA256()))).decode()


def resolved_digest(info: ImageInfo) -> str:
    return dict(info.annotations)[RESOLVED].split("@", 1)[1]


def sign_with_tag(host: str, repo: str, info: ImageInfo, key, *, digest: str = "",
                  signed_digest: str = "", notes: dict | None = None) -> None:  # fmt: skip
    """`cosign sign --key`: the `.sig` tag of DIGEST; the payload names SIGNED_DIGEST."""
    digest = digest or info.manifest_digest
    payload = simple_signing(f"{host}/{repo}", signed_digest or digest)
    pusher = Pusher(host, repo)
    pusher.manifest(cosign_tag(digest), pusher.signature_manifest(payload, sign(key, payload),
                                                                  notes))  # fmt: skip


def sign_as_referrer(host: str, repo: str, info: ImageInfo, key) -> None:
    """cosign's OCI 1.1 mode on a registry without the referrers API: the manifest names
    its subject, and the `sha256-<hex>` tag holds the referrers index."""
    pusher = Pusher(host, repo)
    payload = simple_signing(f"{host}/{repo}", info.manifest_digest)
    subject = {"mediaType": OCI_MANIFEST, "digest": info.manifest_digest,
               "size": info_size(host, repo, info.manifest_digest)}  # fmt: skip
    doc = pusher.signature_manifest(payload, sign(key, payload), artifactType=COSIGN_ARTIFACT,
                                    subject=subject)  # fmt: skip
    descriptor = pusher.manifest(digest_of(json.dumps(doc).encode()), doc)
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX,
             "manifests": [{**descriptor, "artifactType": COSIGN_ARTIFACT}]}  # fmt: skip
    pusher.manifest(info.manifest_digest.replace(":", "-"), index)


def info_size(host: str, repo: str, digest: str) -> int:
    response = httpx.get(f"http://{host}/v2/{repo}/manifests/{digest}",
                         headers={"Accept": OCI_MANIFEST})  # fmt: skip
    return len(response.content)


@pytest.fixture(scope="module")
def signed(tmp_path_factory, images):
    """One repository per case, pushed by skopeo and signed here."""
    key = ec.generate_private_key(ec.SECP256R1())
    with distribution.run_registry(tmp_path_factory.mktemp("signatures")) as registry:
        host = registry.host
        repos = ("app", "plain", "tampered", "keyless", "referrer")
        for repo in repos:
            distribution.push(images.oci, registry, f"sig/{repo}:1")
        distribution.push(images.multi, registry, "sig/multi:1", all_images=True)
        infos = {repo: open_source(f"registry:{host}/sig/{repo}:1").info
                 for repo in (*repos, "multi")}  # fmt: skip
        sign_with_tag(host, "sig/app", infos["app"], key)
        sign_with_tag(host, "sig/tampered", infos["tampered"], key,
                      signed_digest=images.arm_digest)  # fmt: skip
        sign_with_tag(host, "sig/keyless", infos["keyless"], key,
                      notes={CERTIFICATE_ANNOTATION: FAKE_CERT})  # fmt: skip
        index = resolved_digest(infos["multi"])
        sign_with_tag(host, "sig/multi", infos["multi"], key, digest=index)
        sign_as_referrer(host, "sig/referrer", infos["referrer"], key)
        yield Signed(host, key, infos)


def status(signed: Signed, repo: str, key: bytes | None):
    info = signed.infos[repo]
    return signature_status(info, find_signatures(info), key)


@needs_registry
@pytest.mark.parametrize(
    ("repo", "key", "state", "detail"),
    [
        ("app", "right", SignatureState.VERIFIED, "verified: cosign-tag {host}/sig/app:sha256-"),
        ("app", "wrong", SignatureState.SIGNED_UNVERIFIED, "signature does not match the key"),
        ("app", None, SignatureState.SIGNED_UNVERIFIED, "1 signature found; no --key given"),
        ("plain", "right", SignatureState.UNSIGNED, "unsigned: no cosign signature found"),
        ("multi", "right", SignatureState.VERIFIED, "verified: cosign-tag {host}/sig/multi:"),
        ("referrer", "right", SignatureState.VERIFIED, "verified: oci-referrer {host}/sig/refer"),
        ("keyless", None, SignatureState.SIGNED_UNVERIFIED, "signed (keyless, not verified)"),
    ],
    ids=["verified", "wrong_key", "no_key", "unsigned", "index_signed", "referrer", "keyless"],
)
def test_signature_states(signed, repo, key, state, detail):
    pem = {"right": public_pem(signed.key),
           "wrong": public_pem(ec.generate_private_key(ec.SECP256R1()))}.get(key)  # fmt: skip
    result = status(signed, repo, pem)
    assert result.state == state
    assert detail.format(host=signed.host) in result.detail


@needs_registry
def test_a_signature_of_another_image_fails_with_both_digests(signed, images):
    result = status(signed, "tampered", public_pem(signed.key))
    manifest = signed.infos["tampered"].manifest_digest
    assert result.state == SignatureState.SIGNED_UNVERIFIED
    assert f"signature is for {images.arm_digest}, not {manifest}" in result.detail


@needs_registry
def test_lookup_records_where_and_what_was_signed(signed):
    info = signed.infos["multi"]
    lookup = find_signatures(info)
    assert lookup is not None and lookup.searched
    (artifact,) = lookup.artifacts
    index = resolved_digest(info)
    assert index != info.manifest_digest  # a multi-arch tag: cosign signed the index
    assert artifact.subject == index
    assert artifact.location == f"{signed.host}/sig/multi:{cosign_tag(index)}"
    assert json.loads(artifact.payload)["critical"]["image"]["docker-manifest-digest"] == index


def test_images_not_from_a_registry_are_not_looked_up():
    assert find_signatures(ImageInfo("app.tar", "docker-archive")) is None


def test_an_unreachable_registry_is_unknown_not_unsigned():
    digest = "sha256:" + "ab" * 32
    where = f"127.0.0.1:{free_port()}/sig/app@{digest}"
    info = ImageInfo("registry:x", "registry", manifest_digest=digest,
                     annotations=((RESOLVED, where),))  # fmt: skip
    lookup = find_signatures(info)
    assert lookup is not None and not lookup.searched
    assert "signature lookup failed" in lookup.reason and "unreachable" in lookup.reason
    assert signature_status(info, lookup).state == SignatureState.UNKNOWN


def test_key_flag_reaches_options_and_is_checked(tmp_path):
    parser = argparse.ArgumentParser()
    add_source_arguments(parser)
    key = tmp_path / "cosign.pub"
    key.write_bytes(public_pem(ec.generate_private_key(ec.SECP256R1())))
    keywords = source_keywords(parser.parse_args(["registry:x/y:1", "--key", str(key)]))
    assert keywords["key"] == str(key)
    assert read_public_key(keywords["key"]) == key.read_bytes()
    assert read_public_key(None) is None
    (tmp_path / "bad.pub").write_text("not a key")
    with pytest.raises(DockwiseError, match="bad.pub: not a PEM public key"):
        read_public_key(str(tmp_path / "bad.pub"))
    with pytest.raises(DockwiseError, match="missing.pub: cannot read the public key"):
        read_public_key(str(tmp_path / "missing.pub"))


@needs_registry
def test_scan_reports_a_verified_signature(signed, tmp_path, capsys):
    """End to end: `dockwise scan registry:... --key` answers "verified" in question 1."""
    import json
    import subprocess
    import sys

    from corpus import REPO

    from dockwise import cli

    mirror, db = tmp_path / "mirror", tmp_path / "vulns.db"
    subprocess.run([sys.executable, str(REPO / "demo" / "build_mirror.py"), str(mirror)],
                   check=True, capture_output=True, timeout=60)  # fmt: skip
    assert cli.main(["db", "update", "-q", "--mirror", mirror.as_uri(), "--db", str(db)]) == 0
    key = tmp_path / "cosign.pub"
    key.write_bytes(public_pem(signed.key))
    source = f"registry:{signed.host}/sig/app:1"
    capsys.readouterr()
    assert cli.main(["scan", "-q", "--db", str(db), "--key", str(key), "-f", "json", source]) == 0
    facts = json.loads(capsys.readouterr().out)["answers"]["sections"]["provenance"]["facts"]
    assert {f["key"]: f["value"] for f in facts}["signature"] == "verified"
