"""What every request passes before it reaches a route: its token and scope, its
token's rate limit, and the size of its body. One ASGI middleware, so a refused
request costs no routing and no body parsing."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dockwise.server.tokens import TokenFile, find_token

HARBOR_ERROR = "application/vnd.scanner.adapter.error+json; version=1.0"
OPEN_PATHS = ("/healthz",)


@dataclass(frozen=True, slots=True)
class Limits:
    tokens: TokenFile | None  # None: no token file (loopback only, see serve)
    rate: str = "50/second"  # per token, `limits` notation: "600/minute", "20/second"
    max_body: int = 64 * 1024  # a Harbor scan request is well under 1 KiB


class Gate:
    """Authenticate, rate-limit and bound the body of each HTTP request."""

    def __init__(self, app: ASGIApp, limits: Limits):
        self.app, self.limits = app, limits
        self.rate: RateLimitItem = parse(limits.rate)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        who, refusal = self._who(scope)
        if refusal:
            await _refuse(scope, send, *refusal)
            return
        if not self.limiter.hit(self.rate, who):
            await _refuse(scope, send, 429, "rate limit exceeded", {"retry-after": "1"})
            return
        body = await _bounded_body(receive, self.limits.max_body)
        if body is None:
            await _refuse(scope, send, 413, f"the body is over {self.limits.max_body} bytes")
            return
        await self.app(scope, _replay(body), send)

    def _who(self, scope: Scope) -> tuple[str, tuple | None]:
        """The rate-limit key, or why the request is refused."""
        if self.limits.tokens is None:
            client = scope.get("client") or ("local", 0)
            return f"client:{client[0]}", None
        token = find_token(self.limits.tokens.current(), _presented(scope))
        if token is None:
            challenge = {"www-authenticate": 'Basic realm="dockwise", charset="UTF-8"'}
            return "", (401, "a valid API token is required", challenge)
        needed = "write" if scope["method"] not in ("GET", "HEAD") else "read"
        if not token.allows(needed):
            return "", (403, f"token {token.name} has no {needed} scope", {})
        return f"token:{token.name}", None


def _presented(scope: Scope) -> str:
    """`Authorization: Bearer TOKEN`; Basic with the token as the password (what a
    browser's login prompt sends for the dashboard); or Harbor's "APIKey" choice,
    `X-ScannerAdapter-API-Key: TOKEN`."""
    headers = dict(scope["headers"])
    if b"x-scanneradapter-api-key" in headers:
        return headers[b"x-scanneradapter-api-key"].decode("latin-1").strip()
    header = headers.get(b"authorization", b"").decode("latin-1")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(value, validate=True).decode().partition(":")[2]
        except (binascii.Error, UnicodeDecodeError):
            return ""
    return ""


async def _bounded_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None as soon as it passes `limit` bytes."""
    chunks, total = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        total += len(chunk)
        if total > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _refuse(scope: Scope, send: Send, status: int, message: str,
                  headers: dict | None = None) -> None:  # fmt: skip
    """Errors on the Harbor API in its error media type, elsewhere plain JSON."""
    harbor = scope["path"].startswith("/api/v1/")
    media = HARBOR_ERROR if harbor else "application/json"
    body = json.dumps({"error": {"message": message}}).encode()
    extra = [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", media.encode()),
                            (b"content-length", str(len(body)).encode()), *extra]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})
