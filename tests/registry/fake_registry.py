"""A scriptable registry for what a real one will not do on demand: redirect blob
downloads to another host, answer 503/429 with Retry-After, or serve corrupt bytes.

It serves one image built by tools/imagepack, behind Basic auth (`alice`/`wonderland`),
so there are credentials that a redirect could leak. Blob GETs may be answered with a
307 to a second server (`BlobHost`) on another address, which records the
Authorization headers it receives.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tools.imagepack import BuiltImage

BASIC = "Basic " + base64.b64encode(b"alice:wonderland").decode()


@dataclass
class Script:
    """What the fake does; tests flip these before a run."""

    image: BuiltImage
    redirect_to: str = ""  # base URL of a BlobHost; "" serves blobs directly
    failures: list[tuple[int, str]] = field(default_factory=list)  # (status, Retry-After)
    corrupt_layer: bool = False
    corrupt_next: int = 0  # corrupt only the next N layer downloads, then serve them right
    seen: list[tuple[str, str]] = field(default_factory=list)  # (path, Authorization)

    def blobs(self) -> dict[str, bytes]:
        found = {self.image.config_digest: self.image.config}
        for layer in self.image.layers:
            found[layer.digest] = layer.blob
        return found


@contextmanager
def serve(handler: type[BaseHTTPRequestHandler], address: str = "127.0.0.1") -> Iterator[str]:
    """Run HANDLER on ADDRESS:<free port>; yields "ADDRESS:PORT"."""
    server = ThreadingHTTPServer((address, 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"{address}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def registry_handler(script: Script) -> type[BaseHTTPRequestHandler]:
    return type("Handler", (_RegistryHandler,), {"script": script})


def blob_host_handler(script: Script, received: list[str]) -> type[BaseHTTPRequestHandler]:
    """Object storage: serves any blob, and notes every Authorization header it gets."""

    class Handler(Quiet):
        def do_GET(self) -> None:  # noqa: N802
            received.append(self.headers.get("Authorization", ""))
            digest = self.path.split("?")[0].rsplit("/", 1)[1]
            data = script.blobs().get(digest)
            self.reply(200, data) if data is not None else self.reply(404, b"")

    return Handler


class Quiet(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive replies, and no request log on stderr."""

    protocol_version = "HTTP/1.1"

    def reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


class _RegistryHandler(Quiet):
    script: Script

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        script = self.script
        script.seen.append((self.path, self.headers.get("Authorization", "")))
        if script.failures:
            status, retry_after = script.failures.pop(0)
            self.reply(status, b"busy", {"Retry-After": retry_after} if retry_after else {})
        elif self.headers.get("Authorization") != BASIC:
            self.reply(401, b"{}", {"WWW-Authenticate": 'Basic realm="fake-registry"'})
        elif self.path == "/v2/":
            self.reply(200, b"{}")
        elif "/manifests/" in self.path:
            media = {"Content-Type": script.image.manifest_media_type}
            self.reply(200, script.image.manifest, media)
        elif "/blobs/" in self.path:
            self.blob(self.path.rsplit("/", 1)[1])
        else:
            self.reply(404, b"{}")

    def blob(self, digest: str) -> None:
        script = self.script
        data = script.blobs().get(digest)
        if data is None:
            self.reply(404, b'{"errors":[{"code":"BLOB_UNKNOWN"}]}')
        elif script.redirect_to:
            location = f"{script.redirect_to}/storage/{digest}?X-Amz-Signature=secret"
            self.reply(307, b"", {"Location": location})
        elif digest != script.image.config_digest and self._corrupt():
            self.reply(200, data[:4] + bytes([data[4] ^ 1]) + data[5:])  # gzip mtime
        else:
            self.reply(200, data)

    def _corrupt(self) -> bool:
        script = self.script
        if script.corrupt_next > 0:
            script.corrupt_next -= 1
            return True
        return script.corrupt_layer
