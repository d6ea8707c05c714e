"""`fleet notify`: delivering the outbox, one roll-up per database release.

Each roll-up (written by `match` in the same transaction as its findings) becomes one
JSON document with a section per image: its new findings at or above a threshold and its
KEV additions. It goes to a webhook, HMAC-SHA256-signed with a shared secret (the
`X-Dockwise-Signature-256: sha256=<hex>` header, GitHub's convention, over the exact
body bytes), with an `Idempotency-Key` header that stays the same for every attempt and
every later run; or it is printed. Delivery is at least once: a roll-up is marked
delivered only after a 2xx (or after printing), so a crash in between sends it again,
under the same key, for the receiver to drop.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import httpx
import sqlalchemy as sa
from sqlalchemy import Connection

from dockwise import __version__
from dockwise.fleet import FleetError, api
from dockwise.fleet.ingest import now
from dockwise.fleet.schema import db_releases, images, notifications, references
from dockwise.fleet.store import Fleet

SIGNATURE_HEADER = "X-Dockwise-Signature-256"
KEY_HEADER = "Idempotency-Key"
TIMESTAMP_HEADER = "X-Dockwise-Timestamp"
EVENT = "dockwise.fleet.rollup"
SECRET_ENV = "DOCKWISE_WEBHOOK_SECRET"
URL_ENV = "DOCKWISE_WEBHOOK_URL"

Send = Callable[[str, bytes], None]  # (idempotency key, body): returns once delivered


@dataclass(frozen=True, slots=True)
class Rollup:
    """One outbox row, ready to send: its key and the exact bytes."""

    outbox_id: int
    key: str
    images: int
    body: bytes


@dataclass(frozen=True, slots=True)
class Delivered:
    """What one `fleet notify` run did."""

    sent: int  # roll-ups delivered
    empty: int  # roll-ups with nothing at or above the threshold: marked, not sent


def deliver(fleet: Fleet, send: Send, threshold: api.Severity) -> Delivered:
    """Send every undelivered roll-up, oldest first, marking each delivered as soon as
    it is; the first that cannot be delivered stops the run (order kept) as a
    FleetError, the rest staying in the outbox for the next run."""
    sent = empty = 0
    for rollup in pending(fleet, threshold):
        if rollup.images:
            send(rollup.key, rollup.body)
            sent += 1
        else:
            empty += 1
        _mark(fleet, rollup.outbox_id)
    return Delivered(sent, empty)


def pending(fleet: Fleet, threshold: api.Severity) -> Iterator[Rollup]:
    """The undelivered roll-ups as documents, oldest first."""
    n, r = notifications.c, db_releases.c
    query = (
        sa.select(n.id, n.created, n.body, r.digest, r.built)
        .join(db_releases, r.id == n.release_id).where(n.delivered.is_(None)).order_by(n.id)
    )  # fmt: skip
    with fleet.engine.connect() as connection:
        rows = connection.execute(query).all()
        names = _names(connection)
    for row in rows:
        yield _rollup(row, names, threshold)


def _rollup(row: sa.Row, names: dict[str, list[str]], threshold: api.Severity) -> Rollup:
    stored = json.loads(row.body)
    key = hashlib.sha256(f"{row.digest}\n{row.body}".encode()).hexdigest()[:32]
    sections = []
    for section in stored["images"]:
        kept = [f for f in section["findings"] if _at_least(f, threshold)]
        if kept:
            digest = section["image"]
            sections.append({"digest": digest, "names": names.get(digest, []), "findings": kept})
    document = {
        "type": EVENT, "idempotency_key": key, "created": row.created,
        "release": {"digest": row.digest, "built": row.built},
        "threshold": str(threshold), "images": sections,
    }  # fmt: skip
    return Rollup(row.id, key, len(sections), _encode(document))


def _encode(document: dict) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def stamped(body: bytes, when: int) -> bytes:
    """The roll-up with the time it is sent, inside what the signature covers."""
    return _encode({**json.loads(body), "timestamp": when})


def _at_least(finding: dict, threshold: api.Severity) -> bool:
    """KEV additions always; new findings at or above the threshold."""
    return finding["kev"] or api.Severity.parse(finding["severity"]) >= threshold


def _names(connection: Connection) -> dict[str, list[str]]:
    """Each image's references, most recently seen first."""
    r = references.c
    query = (
        sa.select(images.c.digest, r.registry, r.repository, r.tag)
        .join(images, images.c.id == r.image_id).order_by(r.last_seen.desc(), r.id.desc())
    )  # fmt: skip
    found: dict[str, list[str]] = {}
    for digest, registry, repository, tag in connection.execute(query):
        found.setdefault(digest, []).append(f"{registry}/{repository}:{tag}")
    return found


def _mark(fleet: Fleet, outbox_id: int) -> None:
    with fleet.engine.begin() as connection:
        connection.execute(notifications.update().where(notifications.c.id == outbox_id)
                           .values(delivered=now()))  # fmt: skip


def sign(secret: bytes, body: bytes) -> str:
    """The signature header's value: what a receiver recomputes over the raw body and
    compares in constant time (hmac.compare_digest)."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Webhook:
    """POSTs a roll-up until a 2xx: 429, 5xx and dropped connections are retried with
    doubling waits (a server's Retry-After, capped, wins); any other answer is final."""

    url: str
    secret: bytes = field(repr=False)  # never printed, logged or put in an error
    attempts: int = 5
    backoff: float = 1.0  # seconds before the second attempt, doubled for each next one
    max_wait: float = 30.0
    timeout: float = 30.0

    def __call__(self, key: str, body: bytes) -> None:
        reason = ""
        with httpx.Client(timeout=self.timeout) as client:
            for attempt in range(1, self.attempts + 1):
                when = int(time.time())
                sent = stamped(body, when)  # each attempt: a retry is not a stale replay
                headers = {"Content-Type": "application/json", KEY_HEADER: key,
                           SIGNATURE_HEADER: sign(self.secret, sent),
                           TIMESTAMP_HEADER: str(when),
                           "User-Agent": f"dockwise/{__version__}"}  # fmt: skip
                done, wait, reason = self._attempt(client, sent, headers)
                if done:
                    return
                if attempt < self.attempts:
                    backoff = self.backoff * 2 ** (attempt - 1)
                    time.sleep(min(backoff if wait is None else wait, self.max_wait))
        raise FleetError(f"{shown(self.url)}: roll-up not delivered ({reason} after "
                         f"{self.attempts} attempts); it stays in the outbox")  # fmt: skip

    def _attempt(self, client: httpx.Client, body: bytes, headers: dict) -> tuple:
        """(delivered, the server's Retry-After in seconds or None, why not)."""
        try:
            response = client.post(self.url, content=body, headers=headers)
        except httpx.TransportError as exc:
            return False, None, type(exc).__name__
        code = response.status_code
        if 200 <= code < 300:
            return True, None, ""
        if code == 429 or code >= 500:
            return False, api.retry_after(response.headers.get("retry-after", "")), f"HTTP {code}"
        raise FleetError(f"{shown(self.url)}: roll-up refused (HTTP {code}); it stays "
                         "in the outbox")  # fmt: skip


def shown(url: str) -> str:
    """The URL without user, password or query (a token often rides there)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))


def webhook(attempts: int, url: str = "", secret: bytes = b"") -> Webhook:
    """The webhook given, else $DOCKWISE_WEBHOOK_URL and $DOCKWISE_WEBHOOK_SECRET (a
    worker's: neither goes into a job row, a URL may carry a token)."""
    url = url or os.environ.get(URL_ENV, "")
    if not url:
        raise FleetError(f"fleet notify: --webhook URL, ${URL_ENV} or --print")
    secret = secret or os.environ.get(SECRET_ENV, "").encode()
    if not secret:
        raise FleetError(f"fleet notify: a webhook needs a shared secret (--secret-file "
                         f"or ${SECRET_ENV})")  # fmt: skip
    return Webhook(url, secret, attempts=max(1, attempts))
