"""Listing a registry: its repositories (`GET /v2/_catalog`) and a repository's tags
(`GET /v2/<name>/tags/list`), page by page as the distribution spec's `Link` header
(RFC 8288, `rel="next"`) leads, with the same client (scheme, auth, retries) that pulls.

A next page must stay on the registry and under `/v2/`; a registry that sends the same
page again, or more pages than any real one has, is cut short with an error rather
than followed forever.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator

import httpx

from dockwise.errors import SourceError
from dockwise.options import RegistryAccess
from dockwise.source.registry.client import RegistryClient
from dockwise.source.registry.image import (
    MANIFEST_TYPES,
    fetch_manifest,
    read_capped,
    status_error,
)
from dockwise.source.registry.reference import Reference

PAGE = 1000  # entries asked for per page (`n`); a registry may send fewer
MAX_PAGES = 10_000
CATALOG_SCOPE = "registry:catalog:*"
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


def repositories(host: str, access: RegistryAccess, prefix: str = "") -> Iterator[str]:
    """Every repository of the registry at `host`, or only those under `prefix/`."""
    client = RegistryClient(host, "", access, scope=CATALOG_SCOPE)
    try:
        for name in _pages(client, f"_catalog?n={PAGE}", "repositories", "catalog"):
            if not prefix or name.startswith(f"{prefix.rstrip('/')}/"):
                yield name
    finally:
        client.close()


def tags(host: str, repository: str, access: RegistryAccess) -> list[str]:
    """Every tag of `repository`."""
    client = RegistryClient(host, repository, access)
    try:
        path = f"{repository}/tags/list?n={PAGE}"
        return list(_pages(client, path, "tags", f"tags of {repository}"))
    finally:
        client.close()


def current_digest(ref: Reference, access: RegistryAccess) -> str:
    """The digest `ref` names now (a manifest's or an index's)."""
    client = RegistryClient(ref.host, ref.repository, access)
    try:
        return _current(client, ref.target)
    finally:
        client.close()


def tag_digests(
    host: str, repository: str, tag_names: list[str], access: RegistryAccess
) -> Iterator[tuple[str, str | SourceError]]:
    """Each tag's current digest, or why it could not be had, through one client (one
    ping and one token for the repository, not one per tag)."""
    client = RegistryClient(host, repository, access)
    try:
        for tag in tag_names:
            try:
                yield tag, _current(client, tag)
            except SourceError as exc:  # a tag deleted since it was listed, say
                yield tag, exc
    finally:
        client.close()


def _current(client: RegistryClient, target: str) -> str:
    """A HEAD, whose `Docker-Content-Digest` answers without a pull (Docker Hub counts
    GETs of manifests against its rate limit, not HEADs); a registry that does not say
    is asked by GET and the body hashed."""
    path = f"{client.repository}/manifests/{target}"
    response = client.get_v2(path, accept=MANIFEST_TYPES, method="HEAD")
    response.close()
    digest = response.headers.get("docker-content-digest", "")
    if response.status_code == 200 and DIGEST.match(digest):
        return digest
    if response.status_code == 404:
        raise SourceError(f"manifest {target}: manifest unknown (404 from "
                          f"{client.host}/{client.repository})")  # fmt: skip
    body, _ = fetch_manifest(client, target)
    return "sha256:" + hashlib.sha256(body).hexdigest()


def _pages(client: RegistryClient, path: str, key: str, what: str) -> Iterator[str]:
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        seen.add(path)
        names, path = _page(client, path, key, what)
        yield from names
        if path is None:
            return
        if path in seen:
            raise SourceError(f"{client.host}: {what}: the next page is one already read")
    raise SourceError(f"{client.host}: {what}: more than {MAX_PAGES} pages")


def _page(client: RegistryClient, path: str, key: str, what: str) -> tuple[list[str], str | None]:
    """One page's names, and the path of the next page (None on the last)."""
    response = client.get_v2(path, accept=("application/json",), stream=True)
    try:
        if response.status_code != 200:
            raise SourceError(status_error(client, what, response))
        body = read_capped(response, what)
        following = response.links.get("next", {}).get("url")
    finally:
        response.close()
    try:
        names = json.loads(body).get(key) or []
    except (ValueError, AttributeError):
        raise SourceError(f"{client.host}: {what}: not a JSON object") from None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise SourceError(f"{client.host}: {what}: `{key}` is not a list of names")
    return names, _next_path(client, following) if following else None


def _next_path(client: RegistryClient, link: str) -> str:
    """The `Link` target as a path under `/v2/`; relative (as distribution sends it) or
    absolute on the same registry."""
    url = httpx.URL(link)
    if url.is_absolute_url and url.netloc.decode() != client.host:
        raise SourceError(f"{client.host}: a next page on another host ({url.host})")
    target = url.raw_path.decode()
    if not target.startswith("/v2/"):
        raise SourceError(f"{client.host}: a next page outside /v2/ ({target[:80]})")
    return target.removeprefix("/v2/")
