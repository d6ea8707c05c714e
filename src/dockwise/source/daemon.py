"""`docker:REF` and `podman:REF`: an image exported by the local daemon over its socket.

Docker Engine API (https://docs.docker.com/reference/api/engine/): `GET /_ping`,
`GET /images/{name}/json` to pin the image ID, then `GET /images/{id}/get`, the
`docker save` stream. Podman serves the same Docker-compatible endpoints on its API
socket (`podman system service`).

The export is a tar whose `manifest.json` comes after the layers, so it cannot be
analysed as it arrives: it is spooled, in one sequential write, to a private temporary
file that docker_archive.py then reads like any archive. The file is deleted when the
image's layers are dropped (or at exit). Exporting by ID rather than by name means a tag
moved between the two calls cannot swap the image under us.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
import weakref
from pathlib import Path
from urllib.parse import quote

import httpx

from dockwise.errors import SourceError
from dockwise.source.base import Image
from dockwise.source.docker_archive import open_docker_archive
from dockwise.source.oci import Platform

IMAGE_ID = "io.dockwise.daemon.image-id"  # annotation: the daemon's ID of what was read
REPO_DIGEST = "io.dockwise.daemon.repo-digest"
TIMEOUT = httpx.Timeout(300.0, connect=10.0)  # a big export can pause while the daemon packs
CHUNK = 1 << 20
_DEFAULT_SOCKETS = {
    "docker": ("/var/run/docker.sock",),
    "podman": ("{runtime}/podman/podman.sock", "/run/podman/podman.sock"),
}
_HOST_VARIABLES = {"docker": "DOCKER_HOST", "podman": "CONTAINER_HOST"}


def open_daemon(kind: str, name: str, source: str, platform: Platform | None) -> Image:
    """Export NAME from the `kind` ("docker" or "podman") daemon and read it."""
    socket = daemon_socket(kind)
    transport = httpx.HTTPTransport(uds=socket)
    with httpx.Client(transport=transport, base_url="http://daemon", timeout=TIMEOUT) as client:
        _ping(client, kind, socket)
        inspect = _inspect(client, kind, name)
        spool = Path(tempfile.mkdtemp(prefix=f"dockwise-{kind}-"))
        try:
            archive = _export(client, kind, inspect["Id"], spool / "image.tar")
            image = open_docker_archive(archive, source, platform)
        except BaseException:
            shutil.rmtree(spool, ignore_errors=True)
            raise
    layers = _SpooledLayers(image.layers)
    weakref.finalize(layers, shutil.rmtree, spool, ignore_errors=True)
    return Image(_daemon_info(image.info, kind, inspect), layers, config=image.config)


def daemon_socket(kind: str) -> str:
    """The socket path: $DOCKER_HOST / $CONTAINER_HOST if set, else the usual places."""
    variable = _HOST_VARIABLES[kind]
    value = os.environ.get(variable, "")
    if value:
        if not value.startswith("unix://"):
            raise SourceError(f"{variable}={value}: only unix:// daemon sockets are supported")
        return value.removeprefix("unix://")
    runtime = os.environ.get("XDG_RUNTIME_DIR", f"/run/user/{os.getuid()}")
    candidates = [p.format(runtime=runtime) for p in _DEFAULT_SOCKETS[kind]]
    return next((p for p in candidates if os.path.exists(p)), candidates[-1])


class _SpooledLayers(list):
    """The layers of a spooled export; a list subclass so a finalizer can watch it."""


def _ping(client: httpx.Client, kind: str, socket: str) -> None:
    try:
        response = client.get("/_ping")
    except httpx.TransportError as exc:
        raise SourceError(f"{socket}: cannot reach the {kind} daemon ({exc})") from None
    if response.status_code != 200:
        raise SourceError(f"{socket}: the {kind} daemon answered {response.status_code} to ping")


def _inspect(client: httpx.Client, kind: str, name: str) -> dict:
    response = _get(client, kind, f"/images/{quote(name, safe='')}/json")
    if response.status_code == 404:
        raise SourceError(f"{name}: no such image in the {kind} daemon")
    if response.status_code != 200:
        raise SourceError(f"{name}: the {kind} daemon answered {response.status_code}")
    try:
        doc = response.json()
        image_id = doc["Id"]
    except (ValueError, KeyError, TypeError):
        raise SourceError(f"{name}: the {kind} daemon sent a malformed image record") from None
    if not isinstance(image_id, str) or not image_id:
        raise SourceError(f"{name}: the {kind} daemon sent no image ID")
    return doc


def _export(client: httpx.Client, kind: str, image_id: str, path: Path) -> Path:
    """Stream `docker save` of IMAGE_ID into PATH (created private to this user)."""
    try:
        with client.stream("GET", f"/images/{quote(image_id, safe='')}/get") as response:
            if response.status_code != 200:
                raise SourceError(
                    f"{image_id}: the {kind} daemon refused the export ({response.status_code})"
                )
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                for chunk in response.iter_bytes(CHUNK):
                    out.write(chunk)
    except httpx.TransportError as exc:
        raise SourceError(f"{image_id}: export from the {kind} daemon failed ({exc})") from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot spool the {kind} export ({exc.strerror})") from None
    return path


def _get(client: httpx.Client, kind: str, path: str) -> httpx.Response:
    try:
        return client.get(path)
    except httpx.TransportError as exc:
        raise SourceError(f"{path}: request to the {kind} daemon failed ({exc})") from None


def _daemon_info(info, kind: str, inspect: dict):  # noqa: ANN001, ANN202 - ImageInfo
    """Tags and repo digests as the daemon knows them; the ID of what was exported."""
    tags = tuple(t for t in inspect.get("RepoTags") or () if isinstance(t, str))
    digests = tuple(
        (REPO_DIGEST, d) for d in inspect.get("RepoDigests") or () if isinstance(d, str)
    )
    annotations = info.annotations + ((IMAGE_ID, inspect["Id"]),) + digests
    return dataclasses.replace(
        info, scheme=kind, repo_tags=tags or info.repo_tags, annotations=annotations
    )
