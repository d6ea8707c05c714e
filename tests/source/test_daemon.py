"""`docker:` and `podman:` sources: a real Podman API service when it runs here, and a
fake Engine API socket that replays the same exchange for everything else."""

from __future__ import annotations

import gc
import json
import shutil
import subprocess
import tempfile
import time

import pytest
from registry.fake_daemon import Daemon, fake_daemon
from registry.sample import inventory, spec

from dockwise.cli import main
from dockwise.errors import SourceError
from dockwise.source import open_source
from dockwise.source.daemon import IMAGE_ID, REPO_DIGEST
from tools.imagepack import build_image, write_docker_archive

NAME = "localhost/test/app:1"


def sbom(capsys, *argv: str) -> dict:
    code = main(["sbom", *argv, "-f", "json", "--no-cache"])  # read every layer for real
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    path = tmp_path_factory.mktemp("daemon") / "image.tar"
    write_docker_archive(spec(), path, tags=[NAME])
    return path


@pytest.fixture
def daemon(tmp_path, archive):
    recorded = Daemon(NAME, build_image(spec()).config_digest, archive,
                      repo_digests=["registry.example/test/app@sha256:" + "1" * 64])  # fmt: skip
    with fake_daemon(tmp_path / "docker.sock", recorded) as socket:
        yield recorded, socket


@pytest.mark.parametrize(("kind", "variable"), [("docker", "DOCKER_HOST"),
                                                ("podman", "CONTAINER_HOST")])  # fmt: skip
def test_daemon_gives_the_docker_archive_inventory(capsys, monkeypatch, archive, daemon, kind,
                                                   variable):  # fmt: skip
    recorded, socket = daemon
    monkeypatch.setenv(variable, f"unix://{socket}")
    expected = inventory(json.dumps(sbom(capsys, f"docker-archive:{archive}")))
    doc = sbom(capsys, f"{kind}:{NAME}")
    assert inventory(json.dumps(doc)) == expected
    assert doc["image"]["scheme"] == kind
    assert doc["image"]["repo_tags"] == [NAME]
    assert doc["image"]["annotations"][IMAGE_ID] == recorded.image_id
    assert doc["image"]["annotations"][REPO_DIGEST] == recorded.repo_digests[0]
    # pinned: exported by the ID the name resolved to, not by the (movable) name
    assert recorded.requests[-1] == f"/images/{recorded.image_id}/get"


def test_spooled_export_is_removed_with_the_image(monkeypatch, tmp_path, daemon):
    _, socket = daemon
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    monkeypatch.setenv("DOCKER_HOST", f"unix://{socket}")
    image = open_source(f"docker:{NAME}")
    assert [p.name for p in spool.iterdir()][0].startswith("dockwise-docker-")
    del image
    gc.collect()
    assert list(spool.iterdir()) == []


def test_offline_still_reads_the_local_daemon(capsys, monkeypatch, daemon):
    """--offline forbids the network; a unix socket on this machine is not the network."""
    monkeypatch.setenv("DOCKER_HOST", f"unix://{daemon[1]}")
    assert sbom(capsys, "--offline", f"docker:{NAME}")["image"]["scheme"] == "docker"


def test_missing_image(monkeypatch, daemon):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{daemon[1]}")
    with pytest.raises(SourceError, match=r"^nope:1: no such image in the docker daemon$"):
        open_source("docker:nope:1")


def test_export_of_another_platform_is_refused(monkeypatch, daemon):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{daemon[1]}")
    with pytest.raises(SourceError, match=r"image is for linux/amd64, not the requested platform "
                       r"linux/arm64$"):  # fmt: skip
        open_source(f"docker:{NAME}", "linux/arm64")
    assert open_source(f"docker:{NAME}", "linux/amd64").info.architecture == "amd64"


def test_no_daemon(monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/absent.sock")
    with pytest.raises(SourceError, match=r"absent.sock: cannot reach the docker daemon"):
        open_source(f"docker:{NAME}")


def test_tcp_daemons_are_refused(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "tcp://10.0.0.1:2375")
    with pytest.raises(SourceError, match="only unix:// daemon sockets are supported"):
        open_source(f"docker:{NAME}")


# --- a real Podman ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def podman(tmp_path_factory, archive):
    """`podman system service` on a private store (vfs, no root-wide state touched)."""
    if shutil.which("podman") is None:
        pytest.fail("podman is not installed (.ci/run installs it)")
    root = tmp_path_factory.mktemp("podman")
    base = ["podman", "--root", str(root / "root"), "--runroot", str(root / "run"),
            "--storage-driver", "vfs", "--events-backend", "file"]  # fmt: skip
    loaded = subprocess.run([*base, "load", "-i", str(archive)], capture_output=True, text=True,
                            timeout=120, check=False)  # fmt: skip
    if loaded.returncode != 0:
        pytest.fail(f"podman cannot load images here: {loaded.stderr.strip()}")
    socket = root / "podman.sock"
    service = subprocess.Popen([*base, "system", "service", "--time=0", f"unix://{socket}"],
                               stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.monotonic() + 15
    while not socket.exists() and time.monotonic() < deadline and service.poll() is None:
        time.sleep(0.05)
    if not socket.exists():
        service.kill()
        pytest.fail(f"podman system service did not start: {service.stderr.read().decode()}")
    yield socket
    service.terminate()
    service.wait(timeout=10)


def test_real_podman_gives_the_docker_archive_inventory(capsys, monkeypatch, archive, podman):
    monkeypatch.setenv("CONTAINER_HOST", f"unix://{podman}")
    expected = inventory(json.dumps(sbom(capsys, f"docker-archive:{archive}")))
    doc = sbom(capsys, f"podman:{NAME}")
    assert inventory(json.dumps(doc)) == expected
    assert doc["image"]["repo_tags"] == [NAME]
    assert doc["image"]["config_digest"] == build_image(spec()).config_digest
    assert doc["image"]["annotations"][IMAGE_ID] == build_image(spec()).config_digest


def test_real_podman_missing_image(monkeypatch, podman):
    monkeypatch.setenv("CONTAINER_HOST", f"unix://{podman}")
    with pytest.raises(SourceError, match="nope:1: no such image in the podman daemon"):
        open_source("podman:nope:1")
