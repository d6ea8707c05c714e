"""API tokens: a file of `NAME SCOPE sha256:HEX` lines, one per token, never the token.

The tokens are 256 random bits (`secrets.token_urlsafe`), so a plain SHA-256 of one is as
hard to reverse as the token is to guess: a slow password hash (bcrypt, argon2) protects
low-entropy secrets and would only cost every request a few milliseconds here.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from dockwise.server import ServerError

log = logging.getLogger("dockwise.server")
SCOPES = ("read", "write")  # write: POST /api/v1/scan; read: everything else
LINE = re.compile(r"^(?P<name>[\w.@-]{1,64}) (?P<scope>read|write) sha256:(?P<hex>[0-9a-f]{64})$")


@dataclass(frozen=True, slots=True)
class Token:
    name: str
    scope: str
    digest: str  # hex sha256 of the token

    def allows(self, scope: str) -> bool:
        return self.scope == "write" or scope == "read"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def load_tokens(path: Path) -> tuple[Token, ...]:
    """The file's tokens; a malformed line is a one-line error naming it (not its text,
    which might be a pasted token)."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ServerError(f"{path}: cannot read the token file ({exc})") from None
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        match = LINE.match(line.strip())
        if match is None:
            raise ServerError(f"{path}:{number}: not a `NAME read|write sha256:HEX` line")
        found.append(Token(match["name"], match["scope"], match["hex"]))
    return tuple(found)


class TokenFile:
    """The token file, read again when it changes (its mtime, size or inode), so adding
    or revoking a token needs no restart. A file that became unreadable or malformed
    lets no token in (a warning says why) until it is fixed: keeping the old tokens
    would keep a revoked one valid."""

    def __init__(self, path: Path):
        self.path, self._lock = path, threading.Lock()
        self._stamp, self._tokens = self._stat(), load_tokens(path)  # at start: an error

    def current(self) -> tuple[Token, ...]:
        """The tokens now: one stat() per request, a read only after a change."""
        stamp = self._stat()
        with self._lock:
            if stamp != self._stamp:
                self._stamp, self._tokens = stamp, self._reload()
            return self._tokens

    def _stat(self) -> tuple[int, ...]:
        try:
            found = self.path.stat()
        except OSError:
            return ()
        return (found.st_mtime_ns, found.st_size, found.st_ino)

    def _reload(self) -> tuple[Token, ...]:
        try:
            tokens = load_tokens(self.path)
        except ServerError as exc:
            log.warning("no token is accepted until the token file is fixed: %s", exc)
            return ()
        log.info("%s: read again, %d tokens", self.path, len(tokens))
        return tokens


def find_token(tokens: tuple[Token, ...], presented: str) -> Token | None:
    """The token whose hash is the presented one's, compared in constant time."""
    digest = hash_token(presented)
    for token in tokens:
        if hmac.compare_digest(token.digest, digest):
            return token
    return None


def new_token(path: Path, name: str, scope: str) -> str:
    """Make a token, append its hashed line to `path`, and return it (shown once)."""
    if not re.fullmatch(r"[\w.@-]{1,64}", name):
        raise ServerError(f"{name!r}: a token name is 1-64 letters, digits, . @ _ or -")
    token = secrets.token_urlsafe(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(f"{name} {scope} sha256:{hash_token(token)}\n")
    path.chmod(0o600)
    return token
