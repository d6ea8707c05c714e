"""A local feed mirror on 127.0.0.1: the shared corpus and our fixtures, laid out as
docs/database.md defines `--mirror`, served by the stdlib in a thread."""

from __future__ import annotations

import bz2
import gzip
import io
import tarfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

import pytest
import zstandard
from corpus import CORPUS, REPO

from dockwise.vulndb.fetch import FetchPolicy
from dockwise.vulndb.update import update

ASSETS = REPO / "tests" / "assets" / "vulndb"
VEX = "/redhat/csaf/v2/vex"
VEX_ARCHIVE = "csaf_vex_2099-02-01.tar.zst"
UPDATEINFO = "2222-updateinfo.xml.gz"  # the name the fixtures' repomd.xml files give
FAST = FetchPolicy(timeout=5.0, attempts=3, backoff=0.01, max_wait=0.05)


def mirror_files() -> dict[str, Path | bytes]:
    """URL path -> file (or body), for every feed file the corpus and our fixtures have."""
    epss = gzip.compress((ASSETS / "epss_scores-current.csv").read_bytes(), mtime=0)
    files: dict[str, Path | bytes] = {
        "/epss/epss_scores-current.csv.gz": epss,
        "/debian/json": ASSETS / "debian-tracker.json",
        "/debian/DSA/list": CORPUS / "distro-trackers" / "debian" / "DSA.list",
        "/debian/DLA/list": CORPUS / "distro-trackers" / "debian" / "DLA.list",
    }
    for zipped in (CORPUS / "osv").glob("*/all.zip"):
        files[f"/osv/{zipped.parent.name}/all.zip"] = zipped
    for secdb in (CORPUS / "distro-trackers" / "alpine-secdb").glob("*/*.json"):
        files[f"/alpine/{secdb.parent.name}/{secdb.name}"] = secdb
    for kev in (CORPUS / "kev").iterdir():
        files[f"/kev/{kev.name}"] = kev
    for year in (CORPUS / "nvd").glob("nvdcve-2.0-*.json.gz"):  # 2018 to 2024, no -modified
        files[f"/nvd/{year.name}"] = year
    files.update(vendor_files())
    for lifecycle in ("endoflife", "distro-info"):  # our fixtures, in the upstream formats
        for data in (ASSETS / lifecycle).iterdir():
            files[f"/{lifecycle}/{data.name}"] = data
    return files | vex_files()


def vex_files(documents: dict[str, bytes] | None = None) -> dict[str, Path | bytes]:
    """Red Hat's VEX directory: the day's archive of our CSAF fixtures (or `documents`,
    archive path -> body), the file naming it, and the per-file index beside them."""
    if documents is None:
        root = ASSETS / "redhat-vex"
        documents = {str(f.relative_to(root)): f.read_bytes() for f in root.rglob("*.json")}
    return {
        f"{VEX}/archive_latest.txt": f"{VEX_ARCHIVE}\n".encode(),
        f"{VEX}/{VEX_ARCHIVE}": tar_zst(documents),
        f"{VEX}/index.txt": "".join(f"{name}\n" for name in sorted(documents)).encode(),
    }


def tar_zst(members: dict[str, bytes]) -> bytes:
    """A `.tar.zst` of `members` (path -> body), as Red Hat packs its VEX archive."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for name, body in sorted(members.items()):
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return zstandard.ZstdCompressor().compress(raw.getvalue())


def vendor_files() -> dict[str, Path | bytes]:
    """The vendor feeds' fixtures in their upstream trees, kept as text for review and
    served compressed where upstream compresses (Amazon's updateinfo.xml under the name
    its repomd.xml gives, Oracle's OVAL as .bz2)."""
    files: dict[str, Path | bytes] = {}
    for path in (ASSETS / "vendors").rglob("*"):
        if not path.is_file() or path.name == "README.md":
            continue
        url = "/" + path.relative_to(ASSETS / "vendors").as_posix()
        if path.name == "updateinfo.xml":
            files[url.replace("updateinfo.xml", UPDATEINFO)] = gzip.compress(
                path.read_bytes(), mtime=0
            )
        elif path.parent.name == "oracle":  # Oracle publishes its OVAL bzip2-compressed
            files[f"{url}.bz2"] = bz2.compress(path.read_bytes())
        else:
            files[url] = path
    return files


def write_mirror(files: dict[str, Path | bytes], directory: Path) -> str:
    """The same files as a `file://` mirror directory (an air-gapped copy); its URL."""
    for path, found in files.items():
        target = directory / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(found.read_bytes() if isinstance(found, Path) else found)
    return directory.as_uri()


@dataclass
class Mirror:
    """The running server; tests change `files`, `failures` and `overrides` freely."""

    url: str
    files: dict[str, Path | bytes]
    overrides: dict[str, bytes] = field(default_factory=dict)  # path -> body
    failures: dict[str, list[int]] = field(default_factory=dict)  # path -> statuses first
    hits: dict[str, int] = field(default_factory=dict)

    def body(self, path: str) -> bytes | None:
        found = self.overrides.get(path, self.files.get(path))
        return found.read_bytes() if isinstance(found, Path) else found


def _handler(mirror: Mirror) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            path = unquote(self.path)
            mirror.hits[path] = mirror.hits.get(path, 0) + 1
            pending = mirror.failures.get(path)
            if pending:
                self._send(pending.pop(0), b"try later")
                return
            body = mirror.body(path)
            self._send(404, b"not found") if body is None else self._send(200, body)

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@contextmanager
def serve(state: Mirror) -> Iterator[Mirror]:
    """Run the mirror in a thread for the duration of the block."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def mirror() -> Iterator[Mirror]:
    with serve(Mirror(url="", files=mirror_files())) as state:
        yield state


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One full build from the whole mirror, shared by the read-only tests."""
    path = tmp_path_factory.mktemp("db") / "dockwise.db"
    with serve(Mirror(url="", files=mirror_files())) as state:
        result = update(path, mirror=state.url, policy=FAST)
    assert not result.partial, result.warnings
    return path
