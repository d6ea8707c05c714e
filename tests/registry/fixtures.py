"""pytest fixtures: test images, and real registries (plain, TLS + htpasswd, token)
with those images pushed by skopeo. Import the fixtures a test module uses."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from registry import distribution, pki
from registry.distribution import PASSWORD, USER
from registry.sample import spec
from registry.token_server import behind_tokens
from tools.imagepack import build_image, write_docker_archive, write_oci_archive


@dataclass(frozen=True)
class Images:
    oci: Path  # one image, oci-archive
    docker: Path  # the same image, docker-archive
    multi: Path  # amd64 + arm64/v8 behind a nested index
    manifest_digest: str  # of the amd64 image (OCI media types)
    arm_digest: str  # of the arm64/v8 image


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> Images:
    root = tmp_path_factory.mktemp("images")
    write_oci_archive(spec(), root / "oci.tar")
    write_docker_archive(spec(), root / "docker.tar")
    arm = spec("arm64", "v8")
    write_oci_archive([spec(), arm], root / "multi.tar", nested=True)
    return Images(
        root / "oci.tar", root / "docker.tar", root / "multi.tar",
        build_image(spec()).manifest_digest, build_image(arm).manifest_digest,
    )  # fmt: skip


def push_all(images: Images, registry: distribution.Registry, prefix: str,
             creds: str | None = None) -> None:  # fmt: skip
    """PREFIX/app:1 (OCI), PREFIX/app:v2s2 (Docker schema 2), and the multi-arch
    index as PREFIX/multi:1 (OCI index) and PREFIX/multi:v2s2 (manifest list)."""
    distribution.push(images.oci, registry, f"{prefix}/app:1", creds=creds)
    distribution.push(images.oci, registry, f"{prefix}/app:v2s2", creds=creds, fmt="v2s2")
    distribution.push(images.multi, registry, f"{prefix}/multi:1", creds=creds, all_images=True)
    distribution.push(
        images.multi, registry, f"{prefix}/multi:v2s2", creds=creds, all_images=True, fmt="v2s2"
    )


@pytest.fixture(scope="module")
def plain_registry(tmp_path_factory, images):
    with distribution.run_registry(tmp_path_factory.mktemp("plain")) as registry:
        push_all(images, registry, "test")
        yield registry


@pytest.fixture(scope="module")
def tls_registry(tmp_path_factory, images):
    """TLS with a CA made here, and htpasswd basic auth."""
    root = tmp_path_factory.mktemp("tls")
    ca = pki.make_ca()
    ca_path, _ = ca.write(root, "ca")
    tls = pki.server_cert(ca).write(root, "server")
    users = distribution.htpasswd(root / "htpasswd", {USER: PASSWORD})
    auth = {"htpasswd": {"realm": "dockwise-test", "path": str(users)}}
    with distribution.run_registry(root, tls=tls, ca=ca_path, auth=auth) as registry:
        distribution.push(images.oci, registry, "test/app:1", creds=f"{USER}:{PASSWORD}")
        yield registry


@pytest.fixture(scope="module")
def token_registry(tmp_path_factory, images):
    """Bearer tokens from our token server; public/* is pullable anonymously."""
    with behind_tokens(tmp_path_factory.mktemp("token")) as (registry, server):
        for repo in ("public/app:1", "private/app:1"):
            distribution.push(images.oci, registry, repo, creds=f"{USER}:{PASSWORD}")
        server.requests.clear()
        yield registry, server
