"""Push an OCI image layout (an image and the artifacts that refer to it) to a registry.

The distribution spec (https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md):
a blob the registry already holds (`HEAD /blobs/<digest>`) is skipped; a small blob goes
in one `POST` then `PUT ?digest=`, a large one in `PATCH` chunks with `Content-Range`, so
no more than one chunk is ever in memory. Manifests are `PUT` by digest (artifacts) or by
tag (the image), byte for byte as the layout holds them, so the digests stay the layout's.
A registry that takes `subject` answers the artifact's PUT with `OCI-Subject` and lists
it through its referrers API; one that does not (distribution 2.8, Debian's
docker-registry) gets the spec's fallback: an index tagged `sha256-<hex>` of the subject.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from dockwise.errors import SourceError
from dockwise.options import RegistryAccess
from dockwise.source.registry.client import RegistryClient
from dockwise.source.registry.reference import Reference

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
CHUNK = 16 * 1024 * 1024  # bytes per PATCH; a blob up to this size goes in one PUT
MAX_INDEX = 4 * 1024 * 1024  # a fallback referrers index larger than this is refused


@dataclass(frozen=True, slots=True)
class Pushed:
    """What a push left in the registry."""

    reference: str  # HOST/REPO:TAG
    digest: str  # the image manifest's digest, the layout's
    artifacts: tuple[str, ...]  # the referring artifacts' manifest digests
    blobs_sent: int
    blobs_skipped: int
    referrers: str  # "api" (the registry lists them) or "tag sha256-<hex>" (the fallback)

    @property
    def fallback(self) -> bool:
        return self.referrers != "api"


def push_layout(layout: Path, target: str, access: RegistryAccess) -> Pushed:
    """Push the image of the OCI layout `layout` (one image, plus artifacts whose
    `subject` is it) to `target`, a reference with a tag."""
    ref = Reference.parse(target)
    if access.offline:
        raise SourceError(f"--offline forbids pushing to {target}")
    if ref.digest:
        raise SourceError(f"{target}: push to a tag, not a digest")
    index = _read_json(layout / "index.json")
    image, artifacts = _split(index.get("manifests", []), layout)
    client = RegistryClient(ref.host, ref.repository, access, push=True)
    try:
        pusher = _Pusher(client, layout)
        for entry in [image, *artifacts]:
            pusher.check(entry)  # a damaged layout is refused before anything is sent
        pusher.manifest(image, ref.tag)
        pushed = [pusher.manifest(entry, entry["digest"]) for entry in artifacts]
        referrers = "api" if all(pushed) else _fallback(client, image, artifacts)
        referrers = referrers if artifacts else "none"
    finally:
        client.close()
    return Pushed(f"{ref.name}:{ref.tag}", image["digest"],
                  tuple(a["digest"] for a in artifacts), pusher.sent, pusher.skipped,
                  referrers)  # fmt: skip


def _split(entries: list[Any], layout: Path) -> tuple[dict, list[dict]]:
    """The one image of the index, and the artifacts that refer to it."""
    entries = [e for e in entries if isinstance(e, dict) and isinstance(e.get("digest"), str)]
    images = [e for e in entries if "artifactType" not in e]
    if len(images) != 1:
        raise SourceError(f"{layout}: expected one image in index.json, found {len(images)}")
    image = images[0]
    artifacts = [e for e in entries if "artifactType" in e]
    return image, artifacts


class _Pusher:
    """Blobs and manifests of one layout into one repository; counts what it sent."""

    def __init__(self, client: RegistryClient, layout: Path) -> None:
        self.client = client
        self.blobs = layout / "blobs" / "sha256"
        self.sent = 0
        self.skipped = 0

    def manifest(self, entry: dict[str, Any], target: str) -> bool:
        """Push the manifest `entry` names, its blobs first; True when the registry
        said it recorded the manifest's `subject` (the OCI-Subject header)."""
        manifest, digests = self.check(entry)
        for digest in digests:
            self.blob(digest)
        media_type = entry.get("mediaType") or manifest.get("mediaType") or OCI_MANIFEST
        body = self._blob(entry["digest"]).read_bytes()
        response = self.client.send("PUT", f"manifests/{target}", content=body,
                                    headers={"Content-Type": str(media_type)})  # fmt: skip
        _expect(response, 201, f"manifest {target}")
        return "oci-subject" in response.headers

    def check(self, entry: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """The manifest `entry` names and its blobs' digests, each one in the layout."""
        manifest = _read_json(self._blob(entry["digest"]))
        layers = manifest.get("layers") if isinstance(manifest.get("layers"), list) else []
        blobs = [manifest.get("config"), *layers]
        digests = [b.get("digest") for b in blobs if isinstance(b, dict)]
        for digest in digests:
            self._blob(digest)
        return manifest, [str(d) for d in digests]

    def blob(self, digest: str) -> None:
        """Upload the blob `digest` unless the repository already has it."""
        path = self._blob(digest)
        if self.client.send("HEAD", f"blobs/{digest}").status_code == 200:
            self.skipped += 1
            return
        start = self.client.send("POST", "blobs/uploads/")
        _expect(start, 202, f"blob {digest}: upload")
        location, last = _location(start, digest), b""
        with path.open("rb") as source:
            if path.stat().st_size <= CHUNK:
                last = source.read()  # monolithic: the whole blob with the closing PUT
            else:
                for offset, chunk in _chunks(source):
                    location = self._patch(location, offset, chunk, digest)
        done = self.client.send("PUT", _with_digest(location, digest), content=last,
                                headers={"Content-Type": "application/octet-stream"})  # fmt: skip
        _expect(done, 201, f"blob {digest}: upload")
        self.sent += 1

    def _patch(self, location: str, offset: int, chunk: bytes, digest: str) -> str:
        response = self.client.send("PATCH", location, content=chunk, headers={
            "Content-Type": "application/octet-stream",
            "Content-Range": f"{offset}-{offset + len(chunk) - 1}",
        })  # fmt: skip
        _expect(response, 202, f"blob {digest}: chunk at {offset}")
        return _location(response, digest)

    def _blob(self, digest: object) -> Path:
        algorithm, _, hexdigest = str(digest).partition(":")
        path = self.blobs / hexdigest
        if algorithm != "sha256" or not hexdigest.isalnum() or not path.is_file():
            raise SourceError(f"{self.blobs.parent.parent}: blob {digest} missing from layout")
        return path


def _chunks(source) -> Iterator[tuple[int, bytes]]:
    offset = 0
    while chunk := source.read(CHUNK):
        yield offset, chunk
        offset += len(chunk)


def _fallback(client: RegistryClient, image: dict, artifacts: list[dict]) -> str:
    """The referrers tag schema: the subject's `sha256-<hex>` tag names an index of the
    artifacts; artifacts already listed there by others are kept."""
    tag = image["digest"].replace(":", "-")
    current = client.send("GET", f"manifests/{tag}", headers={"Accept": OCI_INDEX})
    if current.status_code not in (200, 404):
        _expect(current, 200, f"referrers tag {tag}")
    kept = _manifests(current) if current.status_code == 200 else []
    ours = {a["digest"] for a in artifacts}
    entries = [m for m in kept if m.get("digest") not in ours] + artifacts
    body = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries},
                      sort_keys=True, separators=(",", ":")).encode()  # fmt: skip
    response = client.send("PUT", f"manifests/{tag}", content=body,
                           headers={"Content-Type": OCI_INDEX})  # fmt: skip
    _expect(response, 201, f"referrers tag {tag}")
    return f"tag {tag}"


def _manifests(response: httpx.Response) -> list[dict]:
    if len(response.content) > MAX_INDEX:
        raise SourceError(f"{response.url.path}: referrers index larger than {MAX_INDEX} bytes")
    try:
        found = json.loads(response.content).get("manifests", [])
    except (ValueError, AttributeError):
        raise SourceError(f"{response.url.path}: the registry sent no JSON index") from None
    return [m for m in found if isinstance(m, dict)] if isinstance(found, list) else []


def _location(response: httpx.Response, digest: str) -> str:
    location = response.headers.get("location")
    if not location:
        raise SourceError(f"blob {digest}: the registry gave no upload location")
    return str(response.url.join(location))


def _with_digest(location: str, digest: str) -> str:
    return str(httpx.URL(location).copy_merge_params({"digest": digest}))


def _expect(response: httpx.Response, status: int, what: str) -> None:
    if response.status_code != status:
        raise SourceError(f"{response.url.host}: {what} answered {response.status_code}"
                          f"{_error_code(response)}")  # fmt: skip


def _error_code(response: httpx.Response) -> str:
    """The registry's first error code (distribution spec's error body), if it sent one."""
    try:
        errors = json.loads(response.content).get("errors") or []
        return f" ({errors[0]['code']}: {str(errors[0].get('message', ''))[:200]})"
    except (ValueError, AttributeError, LookupError, TypeError):
        return ""


def _read_json(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise SourceError(f"{path}: unreadable ({exc})") from None
    if not isinstance(doc, dict):
        raise SourceError(f"{path}: not a JSON object")
    return doc
