"""`registry:REF`: an image pulled straight from an OCI registry, no daemon needed.

The registry is presented to oci.py as a BlobStore: `index.json` is a one-entry index
naming the manifest the reference resolved to, `blobs/sha256/<hex>` is served from
`/manifests/<digest>` for documents an index named and from `/blobs/<digest>` for the
rest. `open_layout` then chooses the platform and checks every digest exactly as it does
for a local OCI layout; layer blobs stream from the network into the one-pass layer
reader, which verifies digest and diff_id as the bytes go by. The layers are
RegistryLayers, so that the pipeline fetches the next ones ahead and keeps them in the
blob cache (registry/fetch.py).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import weakref
from typing import Any, BinaryIO

import httpx

from dockwise.errors import SourceError
from dockwise.options import RegistryAccess
from dockwise.source.base import Image
from dockwise.source.blobstore import MAX_JSON
from dockwise.source.oci import INDEX_TYPES, Platform, open_layout
from dockwise.source.registry.client import RegistryClient
from dockwise.source.registry.fetch import RegistryLayer
from dockwise.source.registry.reference import SCHEME, Reference
from dockwise.untrusted import load_json

RESOLVED = "io.dockwise.registry.resolved"  # annotation: what the reference pointed at
MANIFEST_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)
_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1"
_BLOB_PREFIX = "blobs/sha256/"


def open_registry(
    reference: str, source: str, platform: Platform | None, access: RegistryAccess | None = None
) -> Image:
    """Resolve REF to one image manifest in its registry and describe that image."""
    ref = Reference.parse(reference)
    client = RegistryClient(ref.host, ref.repository, access or RegistryAccess())
    try:
        top, media_type = fetch_manifest(client, ref.target)
        store = RegistryStore(client, top, media_type)
        image = open_layout(store, source, SCHEME, platform)
    except BaseException:
        client.close()
        raise
    weakref.finalize(store, client.close)  # the layers keep the store alive while read
    layers = [RegistryLayer(layer.ref, layer.blob) for layer in image.layers]  # type: ignore[attr-defined]
    return Image(_with_provenance(image.info, ref, store.top_digest), layers, config=image.config)


def fetch_manifest(client: RegistryClient, target: str) -> tuple[bytes, str]:
    """A manifest or index by tag or digest; a digest pins the bytes we accept."""
    response = client.get(f"manifests/{target}", accept=MANIFEST_TYPES, stream=True)
    try:
        if response.status_code != 200:
            raise SourceError(status_error(client, f"manifest {target}", response))
        body = read_capped(response, f"manifest {target}")
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
    finally:
        response.close()
    media_type = _media_type(body, media_type, target)
    if target.startswith("sha256:") and _digest(body) != target:
        raise SourceError(f"manifest {target}: digest mismatch (got {_digest(body)})")
    return body, media_type


class RegistryStore:
    """The BlobStore view of one repository (see the module docstring)."""

    def __init__(self, client: RegistryClient, top: bytes, media_type: str) -> None:
        self._client = client
        self.top_digest = _digest(top)
        self._documents: dict[str, bytes] = {self.top_digest: top}
        self._manifests: set[str] = set()  # digests an index named: served by /manifests/
        self._sizes: dict[str, int] = {}
        entry = {"mediaType": media_type, "digest": self.top_digest, "size": len(top)}
        self._index = json.dumps({"schemaVersion": 2, "manifests": [entry]}).encode()
        self._learn(top)

    def exists(self, name: str) -> bool:
        return name == "index.json" or _digest_of(name) is not None

    def size(self, name: str) -> int:
        digest = _digest_of(name)
        if digest is None:
            return len(self._index)
        if digest in self._documents:
            return len(self._documents[digest])
        if digest in self._sizes:
            return self._sizes[digest]
        return self._probe_size(digest)

    def open(self, name: str) -> BinaryIO:
        digest = _digest_of(name)
        if digest is None:
            return io.BytesIO(self._index)
        if digest in self._manifests and digest not in self._documents:
            body, _ = fetch_manifest(self._client, digest)
            self._documents[digest] = body
            self._learn(body)
        if digest in self._documents:
            return io.BytesIO(self._documents[digest])
        return self._blob(digest)

    def _blob(self, digest: str) -> BinaryIO:
        response = self._client.get(f"blobs/{digest}", stream=True)
        if response.status_code != 200:
            response.close()
            raise SourceError(status_error(self._client, f"blob {digest}", response))
        return io.BufferedReader(_ResponseStream(response, digest), 1 << 20)

    def _probe_size(self, digest: str) -> int:
        """A blob's size when no descriptor gave it (only for odd, unnamed blobs)."""
        response = self._client.get(f"blobs/{digest}", stream=True)
        response.close()
        if response.status_code != 200:
            raise SourceError(status_error(self._client, f"blob {digest}", response))
        return int(response.headers.get("content-length", -1))

    def _learn(self, document: bytes) -> None:
        """Note which digests are manifests and the sizes descriptors promise."""
        try:
            doc = load_json(document)
        except ValueError:
            return  # oci.py reports the malformed document with its name
        if not isinstance(doc, dict):
            return
        for key in ("manifests", "layers"):
            for descriptor in doc.get(key) or ():
                self._remember(descriptor, manifest=key == "manifests")
        self._remember(doc.get("config"), manifest=False)

    def _remember(self, descriptor: Any, manifest: bool) -> None:
        if not isinstance(descriptor, dict) or not isinstance(descriptor.get("digest"), str):
            return
        digest, size = descriptor["digest"], descriptor.get("size")
        if manifest:
            self._manifests.add(digest)
        if isinstance(size, int) and size >= 0:
            self._sizes[digest] = size


class _ResponseStream(io.RawIOBase):
    """A streamed response body as a raw reader; a dropped connection is a SourceError."""

    def __init__(self, response: httpx.Response, digest: str) -> None:
        self._response = response
        # decoded as Go's client decodes: a transport Content-Encoding is not the blob's
        self._chunks = response.iter_bytes(1 << 20)
        self._pending = b""
        self._digest = digest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # noqa: ANN001 - the io protocol's buffer
        if not self._pending:
            try:
                self._pending = next(self._chunks, b"")
            except httpx.HTTPError as exc:
                raise SourceError(f"blob {self._digest}: download failed ({exc})") from None
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def close(self) -> None:
        self._response.close()
        super().close()


def _with_provenance(info, ref: Reference, top_digest: str):  # noqa: ANN001, ANN202 - ImageInfo
    """Name the image as the registry knows it, and record what the reference resolved to."""
    tags = (f"{ref.name}:{ref.tag}",) if ref.tag else ()
    resolved = ((RESOLVED, f"{ref.name}@{top_digest}"),)
    return dataclasses.replace(info, repo_tags=tags, annotations=info.annotations + resolved)


def _media_type(body: bytes, header: str, target: str) -> str:
    """The document's own mediaType wins over the Content-Type header."""
    try:
        doc = load_json(body)
    except ValueError as exc:
        raise SourceError(f"manifest {target}: {exc}") from None
    declared = doc.get("mediaType") if isinstance(doc, dict) else None
    media_type = declared if isinstance(declared, str) and declared else header
    if media_type.startswith(_SCHEMA1) or (isinstance(doc, dict) and doc.get("schemaVersion") == 1):
        raise SourceError(f"manifest {target}: Docker schema 1 manifests are not supported")
    if not media_type and isinstance(doc, dict) and "manifests" in doc:
        return next(iter(INDEX_TYPES))
    return media_type


def read_capped(response: httpx.Response, what: str) -> bytes:
    """A small JSON document's body; a registry cannot make us buffer a huge one."""
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > MAX_JSON:
            raise SourceError(f"{what}: over {MAX_JSON} bytes is too large for a manifest")
    return bytes(body)


def status_error(client: RegistryClient, what: str, response: httpx.Response) -> str:
    """`manifest latest: manifest unknown (404 from host/repo)` from the error body."""
    code = ""
    try:
        response.read()
        errors = response.json().get("errors") or []
        code = str(errors[0].get("code", "")).lower().replace("_", " ")
    except (ValueError, AttributeError, IndexError, TypeError, httpx.HTTPError):
        pass
    where = f"{client.host}/{client.repository}"
    return f"{what}: {code or 'failed'} ({response.status_code} from {where})"


def _digest_of(name: str) -> str | None:
    if not name.startswith(_BLOB_PREFIX):
        return None
    hexdigest = name[len(_BLOB_PREFIX) :]
    if len(hexdigest) != 64 or any(c not in "0123456789abcdef" for c in hexdigest):
        return None
    return "sha256:" + hexdigest


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()
