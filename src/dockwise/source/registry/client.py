"""HTTP to one registry: scheme, auth, retries and redirects decided here, once.

The OCI distribution API (https://github.com/opencontainers/distribution-spec/blob/main/spec.md):
`GET /v2/` answers 200, or 401 with a challenge; a `Bearer` challenge names a token
server (https://distribution.github.io/distribution/spec/auth/token/).

Security rules kept here: TLS is verified (an extra CA may be added); plain HTTP is
used only for loopback hosts and `--insecure-registry` hosts; redirects are followed by
hand so that the Authorization header never leaves the registry's origin (a blob
download redirected to object storage gets no credentials); URLs in error messages lose
their query, where presigned storage URLs keep their signatures.
"""

from __future__ import annotations

import email.utils
import ipaddress
import ssl
import time
from collections.abc import Mapping

import httpx

from dockwise.errors import SourceError
from dockwise.options import RegistryAccess
from dockwise.source.registry.auth import Challenge, Credentials, find_credentials
from dockwise.version import __version__

TIMEOUT = httpx.Timeout(60.0, connect=10.0)
ATTEMPTS = 4  # one try and three retries on 429 and 5xx
BACKOFF = 0.5  # seconds before the first retry; doubled each time
MAX_WAIT = 30.0  # a Retry-After longer than this is cut down to it
MAX_REDIRECTS = 5
RETRY_STATUSES = {429, 500, 502, 503, 504}
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
_UNSET = object()


class RegistryClient:
    """Requests under `/v2/<repository>/` of one registry, authorised for pulling (and
    for pushing when `push`)."""

    def __init__(self, host: str, repository: str, access: RegistryAccess,
                 push: bool = False) -> None:  # fmt: skip
        self.host = host
        self.repository = repository
        self._actions = "pull,push" if push else "pull"
        self._access = access
        self._insecure = host in access.insecure_registries
        self._plain_ok = self._insecure or is_loopback(host)
        verified = httpx.Client(verify=ssl_context(access), **_CLIENT_ARGS)
        self._other = verified  # token servers and redirect targets: always verified
        self._registry = httpx.Client(verify=False, **_CLIENT_ARGS) if self._insecure else verified
        self._base = ""
        self._authorization: str | None = None
        self._credentials: object = _UNSET

    def get(self, path: str, accept: tuple[str, ...] = (), stream: bool = False) -> httpx.Response:
        """GET `/v2/<repository>/<path>`, following redirects; the caller closes it."""
        if not self._base:
            self._connect()
        url = f"{self._base}/v2/{self.repository}/{path}"
        headers = {"Accept": ", ".join(accept)} if accept else {}
        response = self._fetch(url, headers, stream)
        if response.status_code == 401 and "www-authenticate" in response.headers:
            response.close()
            self._authorize(Challenge.parse(response.headers["www-authenticate"]))
            response = self._fetch(url, headers, stream)
        if response.status_code == 401:
            response.close()
            raise SourceError(f"{self.host}/{self.repository}: {self._refusal(response)}")
        return response

    def send(self, method: str, path: str, *, headers: Mapping[str, str] | None = None,
             content: bytes | None = None) -> httpx.Response:  # fmt: skip
        """`method` on `/v2/<repository>/<path>`, or on an upload URL the registry gave;
        read in full, no redirect followed. The Authorization goes only to the registry's
        own origin: an upload location elsewhere gets none."""
        if not self._base:
            self._connect()
        url = str(httpx.URL(f"{self._base}/v2/{self.repository}/").join(path))
        response = self._authorised(method, url, headers or {}, content)
        if response.status_code == 401 and "www-authenticate" in response.headers:
            self._authorize(Challenge.parse(response.headers["www-authenticate"]))
            response = self._authorised(method, url, headers or {}, content)
        if response.status_code == 401:
            raise SourceError(f"{self.host}/{self.repository}: {self._refusal(response)}")
        return response

    def _authorised(self, method: str, url: str, headers: Mapping[str, str],
                    content: bytes | None) -> httpx.Response:  # fmt: skip
        sent = dict(headers)
        if self._authorization and _same_origin(httpx.URL(url), httpx.URL(self._base)):
            sent["Authorization"] = self._authorization
        return self._send(method, url, sent, stream=False, content=content)

    def close(self) -> None:
        self._registry.close()
        self._other.close()

    def _connect(self) -> None:
        """Ping `/v2/`: settles https or http, and whether (and how) to authenticate."""
        schemes = ("https", "http") if self._plain_ok else ("https",)
        for scheme in schemes:
            try:
                response = self._send("GET", f"{scheme}://{self.host}/v2/", {}, stream=False)
            except _Unreachable as exc:
                if exc.tls_verify or scheme == schemes[-1]:
                    raise
                continue
            self._base = f"{scheme}://{self.host}"
            self._check_ping(response)
            return

    def _check_ping(self, response: httpx.Response) -> None:
        if response.status_code == 401 and "www-authenticate" in response.headers:
            self._authorize(Challenge.parse(response.headers["www-authenticate"]))
        elif response.status_code != 200:
            hint = "; not a registry?" if response.status_code == 404 else ""
            raise SourceError(f"{self.host}: GET /v2/ answered {response.status_code}{hint}")

    def _authorize(self, challenge: Challenge) -> None:
        credentials = self._find_credentials()
        if challenge.scheme == "basic":
            if credentials is None:
                raise SourceError(
                    f"{self.host}: authentication required (realm {challenge.realm!r}); "
                    "use --username with --password-stdin, or docker login"
                )
            self._authorization = credentials.basic
        elif challenge.scheme == "bearer":
            self._authorization = "Bearer " + self._token(challenge, credentials)
        else:
            raise SourceError(f"{self.host}: unsupported auth scheme {challenge.scheme!r}")

    def _find_credentials(self) -> Credentials | None:
        if self._credentials is _UNSET:
            self._credentials = find_credentials(self.host, self._access)
        return self._credentials  # type: ignore[return-value]

    def _token(self, challenge: Challenge, credentials: Credentials | None) -> str:
        """A token for our repository's actions from the challenge's realm."""
        realm = challenge.realm
        if not realm.startswith(("https://", "http://")):
            raise SourceError(f"{self.host}: bearer challenge without a usable realm")
        scope = f"repository:{self.repository}:{self._actions}"
        params = {"scope": scope, **_service(challenge)}
        if credentials is not None and credentials.identity_token:
            form = {**params, "grant_type": "refresh_token", "client_id": "dockwise",
                    "refresh_token": credentials.password}  # fmt: skip
            response = self._send("POST", realm, {}, stream=False, data=form)
        else:
            headers = {"Authorization": credentials.basic} if credentials else {}
            response = self._send("GET", realm, headers, stream=False, params=params)
        return _token_from(response, realm, self.host, credentials is not None)

    def _fetch(self, url: str, headers: Mapping[str, str], stream: bool) -> httpx.Response:
        """Send with our Authorization, and follow redirects without it off-origin."""
        origin = httpx.URL(url)
        for _ in range(MAX_REDIRECTS + 1):
            sent = dict(headers)
            if self._authorization and _same_origin(httpx.URL(url), origin):
                sent["Authorization"] = self._authorization
            response = self._send("GET", url, sent, stream=stream)
            location = response.headers.get("location")
            if response.status_code not in REDIRECT_STATUSES or not location:
                return response
            response.close()
            url = str(response.url.join(location))
        raise SourceError(f"{self.host}: more than {MAX_REDIRECTS} redirects for {_safe(origin)}")

    def _send(
        self, method: str, url: str, headers: Mapping[str, str], *, stream: bool, **kwargs
    ) -> httpx.Response:
        """One request with retries on 429/5xx and dropped connections."""
        target = httpx.URL(url)
        self._check_scheme(target)
        client = self._registry if target.host == _hostname(self.host) else self._other
        request = client.build_request(method, target, headers=headers, **kwargs)
        for attempt in range(ATTEMPTS):
            last = attempt == ATTEMPTS - 1
            try:
                response = client.send(request, stream=stream)
            except (httpx.TimeoutException, httpx.ReadError, httpx.RemoteProtocolError) as exc:
                if last:
                    raise _Unreachable(
                        f"{_safe(target)}: no answer after {ATTEMPTS} attempts ({_describe(exc)})"
                    ) from None
                time.sleep(_backoff(attempt))
                continue
            except httpx.TransportError as exc:
                raise _unreachable(target, exc) from None
            if response.status_code not in RETRY_STATUSES or last:
                return response
            response.close()
            time.sleep(_retry_after(response, attempt))
        raise AssertionError("unreachable: the last attempt returns")

    def _check_scheme(self, url: httpx.URL) -> None:
        if url.scheme == "https":
            return
        host = url.host
        if url.scheme == "http" and (is_loopback(host) or self._is_insecure(url)):
            return
        raise SourceError(
            f"{_safe(url)}: refusing plain HTTP to a non-loopback host "
            "(name it with --insecure-registry to allow it)"
        )

    def _is_insecure(self, url: httpx.URL) -> bool:
        netloc = url.netloc.decode("ascii")
        return netloc in self._access.insecure_registries or url.host in {
            _hostname(h) for h in self._access.insecure_registries
        }

    def _refusal(self, response: httpx.Response) -> str:
        header = response.headers.get("www-authenticate", "")
        realm = Challenge.parse(header).realm if header else ""
        named = f" (realm {realm})" if realm else ""
        how = "credentials were rejected" if self._find_credentials() else "authentication needed"
        return f"401 unauthorized: {how}{named}"


class _Unreachable(SourceError):
    """The host did not answer; `tls_verify` when its certificate was not trusted."""

    tls_verify = False


_CLIENT_ARGS = {
    "timeout": TIMEOUT,
    "follow_redirects": False,
    "trust_env": True,  # HTTP(S)_PROXY and NO_PROXY, as every registry client honours
    "headers": {"User-Agent": f"dockwise/{__version__}"},
}


def ssl_context(access: RegistryAccess) -> ssl.SSLContext:
    """The system's trust store, plus `--ca-cert` when given."""
    context = httpx.create_ssl_context()
    if access.ca_cert:
        try:
            context.load_verify_locations(cafile=access.ca_cert)
        except (OSError, ssl.SSLError) as exc:
            raise SourceError(f"{access.ca_cert}: unusable CA bundle ({exc})") from None
    return context


def is_loopback(host: str) -> bool:
    """`localhost`, 127.0.0.0/8 and ::1, with or without a port."""
    name = _hostname(host)
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _hostname(host: str) -> str:
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _service(challenge: Challenge) -> dict[str, str]:
    service = challenge.params.get("service")
    return {"service": service} if service else {}


def _token_from(response: httpx.Response, realm: str, host: str, with_credentials: bool) -> str:
    safe = _safe(httpx.URL(realm))
    if response.status_code in (401, 403):
        who = "the credentials" if with_credentials else "anonymous access"
        raise SourceError(f"{host}: token server {safe} refused {who} ({response.status_code})")
    if response.status_code != 200:
        raise SourceError(f"{host}: token server {safe} answered {response.status_code}")
    try:
        doc = response.json()
        token = doc.get("token") or doc.get("access_token")
    except (ValueError, AttributeError):
        token = None
    if not isinstance(token, str) or not token:
        raise SourceError(f"{host}: token server {safe} gave no token")
    return token


def _same_origin(a: httpx.URL, b: httpx.URL) -> bool:
    return (a.scheme, a.host, a.port) == (b.scheme, b.host, b.port)


def _retry_after(response: httpx.Response, attempt: int) -> float:
    """Seconds to wait: the server's Retry-After (seconds or a date), else backoff."""
    value = response.headers.get("retry-after", "").strip()
    if value.isdigit():
        return min(float(value), MAX_WAIT)
    if value:
        try:
            when = email.utils.parsedate_to_datetime(value).timestamp()
        except (TypeError, ValueError):
            return _backoff(attempt)
        return min(max(when - time.time(), 0.0), MAX_WAIT)
    return _backoff(attempt)


def _backoff(attempt: int) -> float:
    return min(BACKOFF * 2**attempt, MAX_WAIT)


def _unreachable(url: httpx.URL, exc: httpx.TransportError) -> _Unreachable:
    error = _Unreachable(f"{_safe(url)}: unreachable ({_describe(exc)})")
    cause = exc.__context__ or exc.__cause__
    text = str(exc)
    if isinstance(cause, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in text:
        error = _Unreachable(
            f"{_safe(url)}: TLS certificate not trusted (use --ca-cert FILE, "
            "or --insecure-registry for a registry you trust without TLS)"
        )
        error.tls_verify = True
    return error


def _describe(exc: Exception) -> str:
    return str(exc) or type(exc).__name__


def _safe(url: httpx.URL) -> str:
    """The URL without its query: presigned storage URLs carry secrets there."""
    return str(url.copy_with(query=None, fragment=None))
