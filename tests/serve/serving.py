"""`dockwise serve` for real, for the tests and bench/serve_bench.py: the command in a
subprocess (uvicorn on 127.0.0.1), and Debian's docker-registry with TLS and htpasswd
holding the demo image and variants of it (pushed by skopeo)."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from registry import distribution, pki
from registry.distribution import PASSWORD, USER

from demo.build_demo import demo_spec
from dockwise.server.tokens import new_token
from tools.imagepack import build_image, write_oci_archive

STARTUP_SECONDS = 30
VARIANTS = 20


@dataclass(frozen=True)
class Images:
    registry: distribution.Registry
    demo: str  # manifest digest of test/demo:1
    variants: tuple[str, ...]  # manifest digests of test/variant-N:1


@dataclass(frozen=True)
class Server:
    url: str
    log: Path
    home: Path  # its XDG_CACHE_HOME, XDG_DATA_HOME and store live under here
    store: Path  # the SQLite fleet store
    write: str  # a token with write scope
    read: str  # a token with read scope

    def client(self, token: str | None = None, **kwargs) -> httpx.Client:
        headers = {"authorization": f"Bearer {token or self.write}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60, **kwargs)


def _minute(n: int) -> str:
    """A distinct build time per variant (so a distinct config and manifest digest)."""
    return f"2026-01-01T{n // 60:02d}:{n % 60:02d}:00Z"


@contextmanager
def registry_with_images(root: Path, variants: int = VARIANTS) -> Iterator[Images]:
    """A TLS registry that takes only alice's password, as a Harbor project would, with
    test/demo:1 and test/variant-N:1 (the demo image, each with its own build time)."""
    assert distribution.available(), "needs docker-registry and skopeo (.ci/run installs them)"
    ca = pki.make_ca()
    ca_path, _ = ca.write(root, "ca")
    tls = pki.server_cert(ca).write(root, "server")
    users = distribution.htpasswd(root / "htpasswd", {USER: PASSWORD})
    auth = {"htpasswd": {"realm": "dockwise-test", "path": str(users)}}
    specs = {"demo": demo_spec()} | {
        f"variant-{n}": dataclasses.replace(demo_spec(), created=_minute(n))
        for n in range(variants)
    }  # fmt: skip
    with distribution.run_registry(root, tls=tls, ca=ca_path, auth=auth) as registry:
        for name, spec in specs.items():
            write_oci_archive(spec, root / f"{name}.tar")
            distribution.push(root / f"{name}.tar", registry, f"test/{name}:1",
                              creds=f"{USER}:{PASSWORD}")  # fmt: skip
        digests = {name: build_image(spec).manifest_digest for name, spec in specs.items()}
        yield Images(registry, digests["demo"],
                     tuple(digests[f"variant-{n}"] for n in range(variants)))  # fmt: skip


@contextmanager
def run_server(home: Path, db: Path, images: Images, *extra: str) -> Iterator[Server]:
    """`dockwise serve` with its own cache, data and store under HOME, tokens made anew
    for each start (the token file grows), until the block ends."""
    tokens = home / "tokens"
    write, read = new_token(tokens, "harbor", "write"), new_token(tokens, "viewer", "read")
    port, store = distribution.free_port(), home / "fleet.db"
    scheme = "https" if "--tls-cert" in extra else "http"
    argv = [sys.executable, "-m", "dockwise", "serve", "--port", str(port), "--db", str(db),
            "--store", f"sqlite:///{store}", "--token-file", str(tokens),
            "--allow-registry", images.registry.host, "--allow-address", "127.0.0.1/32",
            "--ca-cert", str(images.registry.ca), *extra]  # fmt: skip
    env = {**os.environ, "XDG_CACHE_HOME": str(home / "cache"),
           "XDG_DATA_HOME": str(home / "data")}  # fmt: skip
    env.pop("DOCKWISE_STORE", None)
    log = home / "server.log"
    with log.open("ab") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env)
    server = Server(f"{scheme}://127.0.0.1:{port}", log, home, store, write, read)
    try:
        _wait(server, process)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait(server: Server, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dockwise serve exited: {server.log.read_text()[-2000:]}")
        try:
            httpx.get(f"{server.url}/healthz", timeout=1, verify=False)  # up, not trusted
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"dockwise serve did not start: {server.log.read_text()[-2000:]}")
