"""A Docker Engine API on a unix socket that replays what dockerd and Podman answer
(recorded from Podman 4.3's Docker-compatible endpoints): `/_ping`,
`/images/{name}/json`, and `/images/{id}/get` streaming a `docker save` archive."""

from __future__ import annotations

import json
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import unquote

CHUNK = 64 << 10


@dataclass
class Daemon:
    """One image known by `name`, exported from `archive`; requests are recorded."""

    name: str
    image_id: str
    archive: Path
    repo_digests: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


class _UnixHTTPServer(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True


@contextmanager
def fake_daemon(socket: Path, daemon: Daemon) -> Iterator[Path]:
    server = _UnixHTTPServer(str(socket), _handler(daemon))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield socket
    finally:
        server.shutdown()
        server.server_close()


def _handler(daemon: Daemon) -> type[BaseHTTPRequestHandler]:
    return type("Handler", (_DaemonHandler,), {"daemon": daemon})


class _DaemonHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    daemon: Daemon

    def address_string(self) -> str:  # a unix socket peer has no address
        return "unix"

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        daemon = self.daemon
        path = unquote(self.path.split("?")[0])
        daemon.requests.append(path)
        if path == "/_ping":
            self._send(200, b"OK", "text/plain")
        elif path in (f"/images/{daemon.name}/json", f"/images/{daemon.image_id}/json"):
            self._send(200, json.dumps(self._record()).encode(), "application/json")
        elif path == f"/images/{daemon.image_id}/get":
            self._stream()
        else:
            body = {"message": f"No such image: {path.split('/')[2]}"}
            self._send(404, json.dumps(body).encode(), "application/json")

    def _record(self) -> dict:
        daemon = self.daemon
        return {"Id": daemon.image_id, "RepoTags": [daemon.name],
                "RepoDigests": daemon.repo_digests}  # fmt: skip

    def _stream(self) -> None:
        """Chunked, as dockerd sends `docker save`."""
        self.send_response(200)
        self.send_header("Content-Type", "application/x-tar")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        with open(self.daemon.archive, "rb") as f:
            while chunk := f.read(CHUNK):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        self.wfile.write(b"0\r\n\r\n")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass
