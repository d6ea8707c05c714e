"""The demo image, vulnerability databases built from variants of the demo's advisories,
and a fresh fleet store per test on each backend."""

from __future__ import annotations

import gzip
import hashlib
import hmac
import itertools
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TypeVar

import pytest
from corpus import REPO

from demo.build_mirror import write_mirror
from dockwise.cli import main

DEMO_ADVISORIES = json.loads((REPO / "demo" / "advisories.json").read_text())
# A Debian advisory for the demo image's gzip (one binary package of source gzip 1.12-1),
# fixed in the next upload: what a new DSA looks like to an image built before it.
GZIP_CVE = "CVE-2099-0001"
GZIP = "gzip@1.12-1"
GZIP_ADVISORY = {
    "id": "DEBIAN-CVE-2099-0001",
    "aliases": [GZIP_CVE],
    "modified": "2026-12-01T00:00:00Z",
    "published": "2026-12-01T00:00:00Z",
    "summary": "gzip: a test advisory",
    "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
    "affected": [{
        "package": {"ecosystem": "Debian:12", "name": "gzip"},
        "ranges": [{"type": "ECOSYSTEM",
                    "events": [{"introduced": "0"}, {"fixed": "1.12-1+deb12u1"}]}],
    }],
}  # fmt: skip
_databases = itertools.count()
S = TypeVar("S", bound=ThreadingHTTPServer)


@contextmanager
def serving(server: S) -> Iterator[S]:
    """A test HTTP server on loopback, answering in a thread until the block ends."""
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def demo_image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "image.tar"
    subprocess.run([sys.executable, str(REPO / "demo" / "build_demo.py"), str(out)],
                   check=True, capture_output=True)  # fmt: skip
    return out


def build_db(directory: Path, db: Path, *extra: dict, epss: dict[str, float] = {}) -> Path:  # noqa: B006 - read only
    """The database `db update` builds from the demo advisories plus `extra` records
    (replacing the database at `db`, as an update does), with `epss` scores by CVE."""
    mirror = directory / f"mirror-{next(_databases)}"
    data = {**DEMO_ADVISORIES, "osv": [*DEMO_ADVISORIES["osv"], *extra]}
    write_mirror(mirror, data)
    if epss:
        [scores] = mirror.rglob("epss_scores-current.csv.gz")
        rows = "".join(f"{cve},{score},0.5\n" for cve, score in epss.items())
        scores.write_bytes(gzip.compress(gzip.decompress(scores.read_bytes()) + rows.encode()))
    assert main(["db", "update", "-q", "--mirror", mirror.as_uri(), "--db", str(db)]) == 0
    return db


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch) -> Iterator[str]:
    """A fresh, empty store; $DOCKWISE_STORE names it, so commands need no --store."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("DOCKWISE_STORE_RESULTS", str(tmp_path / "results"))
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fleet.db'}"
        monkeypatch.setenv("DOCKWISE_STORE", url)
        yield url
        return
    cluster = request.getfixturevalue("postgres")
    name = f"fleet_{tmp_path.name.lower().replace('-', '_')}"[:60]
    cluster.admin(f'CREATE DATABASE "{name}"')
    url = cluster.url(name)
    monkeypatch.setenv("DOCKWISE_STORE", url)
    yield url
    cluster.admin(f'DROP DATABASE "{name}" WITH (FORCE)')


SECRET = "s3cret-do-not-print"


class Receiver(ThreadingHTTPServer):
    """Answers each POST with the next status of `plan` (then 200), and keeps what came."""

    def __init__(self, plan: list[int]) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.plan, self.received = list(plan), []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((dict(self.headers), body))
        status = self.server.plan.pop(0) if self.server.plan else 200
        self.send_response(status)
        if status >= 500:
            self.send_header("Retry-After", "0")  # the test's backoff: none
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def verified(headers: dict, body: bytes) -> bool:
    """What a receiver does: recompute the HMAC over the raw body, compare in constant time."""
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers["X-Dockwise-Signature-256"], expected)
