"""Real registries: Debian's `docker-registry` (CNCF distribution 2.8) on 127.0.0.1,
and `skopeo` to push test images into them."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import bcrypt
import httpx
import pytest

STARTUP_SECONDS = 15
USER, PASSWORD = "alice", "wonderland"  # pushes, and the credentials tests use


@dataclass(frozen=True)
class Registry:
    host: str  # "127.0.0.1:PORT"
    scheme: str  # "http" or "https"
    ca: Path | None = None  # the CA that signed its certificate, for TLS registries


def available() -> bool:
    return bool(shutil.which("docker-registry") and shutil.which("skopeo"))


# Tests that drive a real registry fail (never skip) when its tools are missing:
# .ci/run installs them.
needs_registry = pytest.mark.usefixtures("registry_tools")


@contextmanager
def run_registry(
    root: Path, *, tls: tuple[Path, Path] | None = None, ca: Path | None = None,
    auth: dict | None = None, access_log: bool = False,
) -> Iterator[Registry]:  # fmt: skip
    """`docker-registry serve` with a config written under ROOT; stopped afterwards.
    access_log: every request is a line of ROOT/registry.log (what was pulled)."""
    port = free_port()
    http: dict = {"addr": f"127.0.0.1:{port}", "headers": {"X-Content-Type-Options": ["nosniff"]}}
    if tls:
        http["tls"] = {"certificate": str(tls[0]), "key": str(tls[1])}
    config = {
        "version": 0.1,
        "log": {"level": "error", "accesslog": {"disabled": not access_log}},
        "storage": {"filesystem": {"rootdirectory": str(root / "data")}},
        "http": http,
        **({"auth": auth} if auth else {}),
    }
    path = root / "config.yml"
    path.write_text(json.dumps(config))  # JSON is YAML
    log = open(root / "registry.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(["docker-registry", "serve", str(path)], stdout=log, stderr=log)
    registry = Registry(f"127.0.0.1:{port}", "https" if tls else "http", ca)
    try:
        _wait(registry, process, root / "registry.log")
        yield registry
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def htpasswd(path: Path, users: dict[str, str]) -> Path:
    """A bcrypt htpasswd file, the only kind distribution accepts."""
    lines = [
        f"{u}:{bcrypt.hashpw(p.encode(), bcrypt.gensalt(4)).decode()}" for u, p in users.items()
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def push(archive: Path, registry: Registry, repo: str, *, creds: str | None = None,
         all_images: bool = False, fmt: str | None = None) -> None:  # fmt: skip
    """`skopeo copy oci-archive:ARCHIVE docker://HOST/REPO` (a test-side tool only)."""
    argv = ["skopeo", "--insecure-policy", "copy", "--quiet", "--dest-tls-verify=false"]
    argv += ["--dest-creds", creds] if creds else []
    argv += ["--all"] if all_images else []
    argv += ["--format", fmt] if fmt else []
    argv += [f"oci-archive:{archive}", f"docker://{registry.host}/{repo}"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"skopeo copy failed: {done.stderr.strip()}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(registry: Registry, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    url = f"{registry.scheme}://{registry.host}/v2/"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"docker-registry exited: {log.read_text()[-2000:]}")
        try:
            httpx.get(url, verify=False, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"docker-registry did not start: {log.read_text()[-2000:]}")
