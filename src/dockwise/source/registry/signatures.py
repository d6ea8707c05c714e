"""Cosign signatures of a registry image: where cosign puts them, fetched as data.

Two places are searched for each digest the image was resolved through (its manifest,
and the index a multi-arch tag named, since cosign signs whatever the tag resolves to):

- the cosign tag `sha256-<hex>.sig` in the same repository: an image manifest whose
  layers are simple-signing payloads (`application/vnd.dev.cosign.simplesigning.v1+json`)
  carrying the base64 signature in the `dev.cosignproject.cosign/signature` annotation
  (https://github.com/sigstore/cosign/blob/main/specs/SIGNATURE_SPEC.md);
- OCI 1.1 referrers: `GET /v2/<name>/referrers/<digest>`, and when a registry does not
  offer that API (404), the referrers tag schema `sha256-<hex>` holding the same index
  (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#referrers-tag-schema).

Only fetching happens here; `provenance.signature_status` decides unsigned, signed or
verified. Each artifact records the digest it was found for (`subject`), so that a
payload naming another image fails verification with that digest in the reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from dockwise.errors import DockwiseError, SourceError
from dockwise.model import ImageInfo
from dockwise.options import RegistryAccess
from dockwise.source.registry.client import RegistryClient
from dockwise.source.registry.cosign import (
    BUNDLE_ANNOTATION,
    CERTIFICATE_ANNOTATION,
    SIGNATURE_ANNOTATION,
    SIMPLE_SIGNING,
    SignatureArtifact,
    SignatureLookup,
    cosign_tag,
)
from dockwise.source.registry.image import RESOLVED, SCHEME, read_capped, status_error
from dockwise.source.registry.reference import Reference
from dockwise.untrusted import load_json

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
SIGNATURE_MANIFESTS = (
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)
# what cosign's OCI 1.1 mode writes, and sigstore bundles (keyless; not verified here)
COSIGN_ARTIFACT = "application/vnd.dev.cosign.artifact.sig.v1+json"
SIGSTORE_BUNDLE = "application/vnd.dev.sigstore.bundle"
MAX_SIGNATURES = 32  # per place searched: a hostile index cannot make us fetch thousands
NOT_SUPPORTED = frozenset({404, 405})  # the referrers API is absent: use the tag schema
ABSENT = frozenset({404})


def find_signatures(
    image: ImageInfo, access: RegistryAccess | None = None
) -> SignatureLookup | None:
    """Every cosign signature of a registry image; None for images not from a registry.

    A registry that fails while we look gives `searched=False` with the reason: the
    answer is then "unknown", never a silent "unsigned".
    """
    if image.scheme != SCHEME:
        return None
    ref = resolved_reference(image)
    if ref is None:
        return SignatureLookup(False, reason="the registry digest of the image was not recorded")
    client = RegistryClient(ref.host, ref.repository, access or RegistryAccess())
    try:
        found = [a for digest in subjects(image, ref) for a in _signatures_of(client, ref, digest)]
    except SourceError as exc:
        return SignatureLookup(False, reason=f"signature lookup failed: {exc}")
    finally:
        client.close()
    return SignatureLookup(True, tuple(found))


def resolved_reference(image: ImageInfo) -> Reference | None:
    """`name@digest` of what the reference resolved to (registry/image.py records it)."""
    text = dict(image.annotations).get(RESOLVED, "")
    try:
        return Reference.parse(text) if "@sha256:" in text else None
    except SourceError:
        return None


def subjects(image: ImageInfo, ref: Reference) -> tuple[str, ...]:
    """The digests a signature may name: the manifest read, then the index above it."""
    digests = (image.manifest_digest, ref.digest)
    return tuple(dict.fromkeys(d for d in digests if d.startswith("sha256:")))


def _signatures_of(client: RegistryClient, ref: Reference, digest: str) -> Iterator:
    yield from _cosign_tag(client, ref, digest)
    yield from _referrers(client, ref, digest)


def _cosign_tag(client: RegistryClient, ref: Reference, digest: str) -> Iterator:
    tag = cosign_tag(digest)
    manifest = _get_json(client, f"manifests/{tag}", SIGNATURE_MANIFESTS)
    if manifest is not None:
        yield from _simple_signing(client, manifest, "cosign-tag", f"{ref.name}:{tag}", digest)


def _referrers(client: RegistryClient, ref: Reference, digest: str) -> Iterator:
    """Signature manifests that name `digest` as their subject."""
    index = _get_json(client, f"referrers/{digest}", (OCI_INDEX,), missing=NOT_SUPPORTED)
    if index is None:
        index = _get_json(client, f"manifests/{digest.replace(':', '-', 1)}", (OCI_INDEX,))
    for descriptor in _descriptors(index)[:MAX_SIGNATURES]:
        artifact_type = str(descriptor.get("artifactType") or "")
        location = f"{ref.name}@{descriptor['digest']}"
        if artifact_type.startswith(SIGSTORE_BUNDLE):
            yield SignatureArtifact("oci-referrer", location, b"", "", bundle=artifact_type,
                                    subject=digest)  # fmt: skip
        elif artifact_type == COSIGN_ARTIFACT:
            yield from _referrer(client, descriptor["digest"], location, digest)


def _referrer(client: RegistryClient, manifest_digest: str, location: str, subject: str):
    """One referrer's simple-signing layers, if it really names `subject`."""
    manifest = _get_json(client, f"manifests/{manifest_digest}", SIGNATURE_MANIFESTS)
    named = (manifest or {}).get("subject")
    if isinstance(named, dict) and named.get("digest") == subject:
        yield from _simple_signing(client, manifest, "oci-referrer", location, subject)


def _simple_signing(client, manifest: dict, kind: str, location: str, subject: str) -> Iterator:
    """A SignatureArtifact per signed simple-signing layer of a signature manifest."""
    layers = manifest.get("layers")
    for layer in (layers if isinstance(layers, list) else [])[:MAX_SIGNATURES]:
        notes = layer.get("annotations") if isinstance(layer, dict) else None
        if not isinstance(notes, dict) or layer.get("mediaType") != SIMPLE_SIGNING:
            continue
        if not isinstance(notes.get(SIGNATURE_ANNOTATION), str):
            continue
        yield SignatureArtifact(
            kind, location, _blob(client, str(layer.get("digest"))),
            notes[SIGNATURE_ANNOTATION], str(notes.get(CERTIFICATE_ANNOTATION) or ""),
            str(notes.get(BUNDLE_ANNOTATION) or ""), subject,
        )  # fmt: skip


def _descriptors(index: dict | None) -> list[dict]:
    manifests = (index or {}).get("manifests")
    if not isinstance(manifests, list):
        return []
    return [d for d in manifests if isinstance(d, dict) and isinstance(d.get("digest"), str)]


def _get_json(
    client: RegistryClient, path: str, accept: tuple[str, ...], missing: frozenset[int] = ABSENT
) -> dict | None:
    """A JSON document, None when the registry says it is not there."""
    response = client.get(path, accept=accept, stream=True)
    try:
        if response.status_code in missing:
            return None
        if response.status_code != 200:
            raise SourceError(status_error(client, path, response))
        body = read_capped(response, path)
    finally:
        response.close()
    _check_digest(path.rsplit("/", 1)[-1], body, path)
    try:
        doc = load_json(body)
    except ValueError as exc:
        raise SourceError(f"{path}: {exc}") from None
    if not isinstance(doc, dict):
        raise SourceError(f"{path}: not a JSON object")
    return doc


def _blob(client: RegistryClient, digest: str) -> bytes:
    """A simple-signing payload, checked against its digest: the signed bytes exactly."""
    if not digest.startswith("sha256:"):
        raise SourceError(f"signature layer {digest!r}: not a sha256 digest")
    response = client.get(f"blobs/{digest}", stream=True)
    try:
        if response.status_code != 200:
            raise SourceError(status_error(client, f"blob {digest}", response))
        body = read_capped(response, f"blob {digest}")
    finally:
        response.close()
    _check_digest(digest, body, f"blob {digest}")
    return body


def _check_digest(target: str, body: bytes, what: str) -> None:
    if target.startswith("sha256:"):
        got = "sha256:" + hashlib.sha256(body).hexdigest()
        if got != target:
            raise SourceError(f"{what}: digest mismatch (got {got})")


def read_public_key(path: str | None) -> bytes | None:
    """The `--key FILE` PEM, checked once up front so a typo fails before any download."""
    if path is None:
        return None
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        pem = Path(path).read_bytes()
        load_pem_public_key(pem)
    except OSError as exc:
        raise DockwiseError(f"{path}: cannot read the public key ({exc.strerror})") from None
    except (ValueError, TypeError):
        raise DockwiseError(f"{path}: not a PEM public key (ECDSA P-256 or RSA)") from None
    return pem
