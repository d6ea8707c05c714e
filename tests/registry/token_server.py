"""A bearer-token server for distribution's `auth: token:` mode.

Policy: `alice`/`wonderland` may pull and push anywhere; anonymous clients may pull
repositories under `public/` only. Each request is recorded so tests can check the
scope and service a client asked for, and whether it authenticated.
Spec: https://distribution.github.io/distribution/spec/auth/token/ and .../jwt/.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from registry import pki
from registry.distribution import Registry, run_registry
from registry.pki import KeyPair, sign_jwt

USERS = {"alice": "wonderland"}
REFRESH_TOKENS = {"refresh-alice": "alice"}  # OAuth2 refresh tokens (Docker "identitytoken")
ISSUER = "dockwise-test-issuer"
SERVICE = "dockwise-test-registry"


@dataclass
class TokenServer:
    signer: KeyPair
    url: str = ""
    requests: list[dict] = field(default_factory=list)  # {"user", "scope", "service"}

    def grant(self, user: str | None, scopes: list[str]) -> list[dict]:
        access = []
        for scope in scopes:
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            wanted = actions.split(",")
            allowed = wanted if user else [a for a in wanted if a == "pull"]
            if user or name.startswith("public/"):
                access.append({"type": kind, "name": name, "actions": allowed})
        return access

    def token(self, user: str | None, scopes: list[str], service: str) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER, "sub": user or "", "aud": service, "exp": now + 300,
            "nbf": now - 10, "iat": now, "jti": uuid.uuid4().hex,
            "access": self.grant(user, scopes),
        }  # fmt: skip
        return sign_jwt(self.signer, claims)


@contextmanager
def behind_tokens(root: Path) -> Iterator[tuple[Registry, TokenServer]]:
    """An empty registry that takes bearer tokens from the test token server."""
    signer = pki.make_ca("dockwise token signer")
    bundle, _ = signer.write(root, "signer")
    with token_server(signer) as server:
        auth = {"token": {"realm": server.url, "service": SERVICE, "issuer": ISSUER,
                          "rootcertbundle": str(bundle)}}  # fmt: skip
        with run_registry(root, auth=auth) as registry:
            yield registry, server


@contextmanager
def token_server(signer: KeyPair) -> Iterator[TokenServer]:
    """Serve `/token` on 127.0.0.1 until the block ends."""
    state = TokenServer(signer)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_port}/token"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def _handler(state: TokenServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            query = parse_qs(urlsplit(self.path).query)
            scopes = query.get("scope", [])
            service = query.get("service", [""])[0]
            user = _user(self.headers.get("Authorization", ""))
            state.requests.append({"user": user, "scope": scopes, "service": service})
            if user is False:
                self._reply(401, {"details": "bad credentials"})
                return
            token = state.token(user or None, scopes, service)
            self._reply(200, {"token": token, "access_token": token, "expires_in": 300})

        def do_POST(self) -> None:  # noqa: N802 - the OAuth2 refresh-token grant
            length = int(self.headers.get("Content-Length", 0))
            form = parse_qs(self.rfile.read(length).decode())
            user = REFRESH_TOKENS.get(form.get("refresh_token", [""])[0])
            scopes, service = form.get("scope", []), form.get("service", [""])[0]
            state.requests.append({"user": user, "scope": scopes, "service": service, "post": 1})
            if form.get("grant_type") != ["refresh_token"] or user is None:
                self._reply(401, {"details": "bad refresh token"})
                return
            self._reply(200, {"access_token": state.token(user, scopes, service)})

        def _reply(self, status: int, doc: dict) -> None:
            body = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    return Handler


def _user(header: str) -> str | bool:
    """The user name, "" for anonymous, False for wrong credentials."""
    if not header.startswith("Basic "):
        return ""
    name, _, password = base64.b64decode(header[6:]).decode().partition(":")
    return name if USERS.get(name) == password else False
