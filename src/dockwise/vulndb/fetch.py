"""Downloading one feed file: streamed to disk, hashed, size-capped, retried when the
server says "later" (429, 5xx) or the connection drops, with bounded backoff.

Outcomes are data (`Fetched.status` ok / missing / failed), not exceptions: one feed
that cannot be fetched must not stop the others (trivy-db#442, grype#1878).
"""

from __future__ import annotations

import hashlib
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx

CHUNK = 1 << 16
Progress = Callable[[int, "int | None"], None]  # (bytes so far, total if known)


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """How patient to be with a server."""

    timeout: float = 60.0  # seconds without progress (connect, read) before giving up
    attempts: int = 4
    backoff: float = 1.0  # seconds before the second attempt, doubled for each next one
    max_wait: float = 30.0  # cap on one wait, including a server's Retry-After
    max_bytes: int = 4 << 30  # a feed file larger than this is refused


@dataclass(frozen=True, slots=True)
class Fetched:
    """What became of one URL."""

    url: str
    status: str  # "ok", "missing" (404/410), "failed"
    path: Path | None = None
    size: int = 0
    sha256: str = ""
    detail: str = ""  # why it failed, in a few words


class _Retry(Exception):
    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.wait = wait


class _Unreachable(_Retry):
    """No connection at all (refused, no route, no such name): retried like any transient
    failure, and once a file has spent its attempts on it, its host is given up."""


class _Fatal(Exception):
    pass


class _Missing(Exception):
    pass


class UnreachableHosts:
    """Hosts that took no connection through a file's every attempt. The other files on
    such a host fail at once: a feed set of 50 files on a dead mirror would otherwise
    wait out 50 rounds of backoff (3.5 minutes) to say what the first round showed."""

    def __init__(self) -> None:
        self._reasons: dict[str, str] = {}
        self._lock = threading.Lock()

    def reason(self, url: str) -> str:
        with self._lock:
            return self._reasons.get(urlsplit(url).netloc, "")

    def give_up(self, url: str, reason: str) -> None:
        with self._lock:
            self._reasons.setdefault(urlsplit(url).netloc, reason)


def fetch(
    client: httpx.Client,
    url: str,
    dest: Path,
    policy: FetchPolicy,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
    unreachable: UnreachableHosts | None = None,
) -> Fetched:
    """Download `url` to `dest`, retrying transient failures at most `policy.attempts` times."""
    stop = stop or threading.Event()
    unreachable = unreachable or UnreachableHosts()
    reason = ""
    for attempt in range(1, policy.attempts + 1):
        if given_up := unreachable.reason(url):
            return Fetched(url, "failed", detail=f"host unreachable ({given_up})")
        try:
            size, digest = _download(client, url, dest, policy, progress, stop)
            return Fetched(url, "ok", dest, size, digest)
        except _Missing:
            where = "no such file" if is_local(url) else "not found on the server"
            return Fetched(url, "missing", detail=where)
        except _Fatal as exc:
            return Fetched(url, "failed", detail=str(exc))
        except _Retry as exc:
            reason = str(exc)
            if attempt < policy.attempts:
                wait = exc.wait if exc.wait is not None else policy.backoff * 2 ** (attempt - 1)
                stop.wait(min(wait, policy.max_wait))
            elif isinstance(exc, _Unreachable):
                unreachable.give_up(url, reason)
    return Fetched(url, "failed", detail=f"{reason} after {policy.attempts} attempts")


def is_local(url: str) -> bool:
    """A `file://` URL: a directory on this machine, so reading it is no network use."""
    return url.startswith("file:")


def local_path(url: str) -> Path:
    """The path a `file://` URL names."""
    return Path(unquote(urlsplit(url).path))


def _download(client, url, dest, policy, progress, stop) -> tuple[int, str]:
    if is_local(url):
        return _copy_local(url, dest, policy)
    try:
        with client.stream("GET", url, timeout=policy.timeout) as response:
            _check_status(response)
            total = _content_length(response)
            return _save(response.iter_bytes(CHUNK), dest, policy, total, progress, stop)
    except httpx.UnsupportedProtocol as exc:
        raise _Fatal(f"unsupported URL ({exc})") from None
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        raise _Unreachable(_describe(exc)) from None
    except httpx.TransportError as exc:  # timeouts, resets, truncated bodies
        raise _Retry(_describe(exc)) from None


def _describe(exc: httpx.TransportError) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _check_status(response: httpx.Response) -> None:
    code = response.status_code
    if code in (404, 410):
        raise _Missing()
    if code == 429 or code >= 500:
        raise _Retry(f"HTTP {code}", _retry_after(response.headers.get("retry-after", "")))
    if code >= 400:
        raise _Fatal(f"HTTP {code}")


def _retry_after(value: str) -> float | None:
    """Seconds from a Retry-After header, delay or HTTP date (RFC 9110 §10.2.3)."""
    if value.strip().isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError):
        return None


def _content_length(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length", "")
    return int(value) if value.isdigit() and "content-encoding" not in response.headers else None


def _save(chunks, dest: Path, policy, total, progress, stop) -> tuple[int, str]:
    """Stream to `dest`, hashing as it goes; abort past the cap or when told to stop."""
    if total is not None and total > policy.max_bytes:
        raise _Fatal(f"{total} bytes is over the {policy.max_bytes}-byte cap")
    digest, size = hashlib.sha256(), 0
    with dest.open("wb") as out:
        for chunk in chunks:
            if stop.is_set():
                raise _Fatal("interrupted")
            size += len(chunk)
            if size > policy.max_bytes:
                raise _Fatal(f"larger than the {policy.max_bytes}-byte cap")
            digest.update(chunk)
            out.write(chunk)
            if progress:
                progress(size, total)
    return size, digest.hexdigest()


def _copy_local(url: str, dest: Path, policy: FetchPolicy) -> tuple[int, str]:
    """`file://` mirrors: a directory copied into an air-gapped network as is."""
    source = local_path(url)
    if not source.is_file():
        raise _Missing()
    if source.stat().st_size > policy.max_bytes:
        raise _Fatal(f"larger than the {policy.max_bytes}-byte cap")
    try:
        shutil.copyfile(source, dest)
    except OSError as exc:
        raise _Fatal(f"cannot read ({exc.strerror})") from None
    with dest.open("rb") as copied:
        return dest.stat().st_size, hashlib.file_digest(copied, "sha256").hexdigest()
