"""Registry credentials and auth challenges.

Credentials come, first match wins, from `--username`/`--password-stdin` or the
DOCKWISE_REGISTRY_* variables (both resolved into RegistryAccess by the CLI), then from
Docker's config file as Docker reads it: `credHelpers[host]`, `credsStore`, then the
base64 `auths[host].auth`
(https://docs.docker.com/reference/cli/docker/login/#credential-stores).
Challenges follow RFC 7235 and the distribution token spec
(https://distribution.github.io/distribution/spec/auth/token/).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dockwise.errors import SourceError
from dockwise.options import RegistryAccess
from dockwise.source.registry.reference import DOCKER_HUB_ENDPOINT

HUB_CONFIG_KEY = "https://index.docker.io/v1/"  # how Docker files Docker Hub credentials
_HUB_KEYS = {"index.docker.io", "docker.io", "registry-1.docker.io"}
HELPER_TIMEOUT = 30  # seconds; a helper may prompt a keychain, but must not hang a scan
_PARAM = re.compile(r'(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))')


@dataclass(frozen=True, slots=True)
class Credentials:
    """A username and secret; `identity_token` marks an OAuth2 refresh token."""

    username: str
    password: str = field(repr=False)
    identity_token: bool = False

    @property
    def basic(self) -> str:
        """The value of an `Authorization: Basic` header."""
        raw = f"{self.username}:{self.password}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")


@dataclass(frozen=True, slots=True)
class Challenge:
    """A parsed `WWW-Authenticate` header: `Bearer` (token) or `Basic`."""

    scheme: str  # lower-case: "bearer" or "basic"
    params: dict[str, str]

    @classmethod
    def parse(cls, header: str) -> Challenge:
        scheme, _, rest = header.strip().partition(" ")
        params = {m[1].lower(): m[2] if m[2] is not None else m[3] for m in _PARAM.finditer(rest)}
        return cls(scheme.lower(), {k: v.replace('\\"', '"') for k, v in params.items()})

    @property
    def realm(self) -> str:
        return self.params.get("realm", "")


def find_credentials(host: str, access: RegistryAccess) -> Credentials | None:
    """Credentials for `host`: the explicit ones, else those Docker would use."""
    if access.username is not None:
        return Credentials(access.username, access.password or "")
    config = _docker_config()
    if not config:
        return None
    helper = _helper_for(config, host)
    if helper:
        return _from_helper(helper, host)
    return _from_auths(config, host)


def docker_config_path() -> Path:
    """`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`."""
    base = os.environ.get("DOCKER_CONFIG")
    return Path(base) / "config.json" if base else Path.home() / ".docker" / "config.json"


def _docker_config() -> dict[str, Any]:
    path = docker_config_path()
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise SourceError(f"{path}: unreadable Docker config ({exc})") from None
    return doc if isinstance(doc, dict) else {}


def _helper_for(config: dict[str, Any], host: str) -> str:
    helpers = config.get("credHelpers")
    if isinstance(helpers, dict):
        for key, name in helpers.items():
            if isinstance(name, str) and _same_registry(key, host):
                return name
    store = config.get("credsStore")
    return store if isinstance(store, str) else ""


def _from_helper(name: str, host: str) -> Credentials | None:
    """Run `docker-credential-NAME get`: a program of the host, not of the image."""
    program = shutil.which(f"docker-credential-{name}")
    if program is None:
        raise SourceError(f"{host}: credential helper docker-credential-{name} not found on PATH")
    server = HUB_CONFIG_KEY if _is_hub(host) else host
    try:
        done = subprocess.run(
            [program, "get"], input=server, capture_output=True, text=True,
            timeout=HELPER_TIMEOUT, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SourceError(
            f"{host}: credential helper docker-credential-{name} failed ({exc})"
        ) from None
    if done.returncode != 0:
        return None  # "credentials not found": pull anonymously, as Docker does
    return _helper_answer(done.stdout, name, host)


def _helper_answer(stdout: str, name: str, host: str) -> Credentials | None:
    try:
        doc = json.loads(stdout)
        username, secret = doc["Username"], doc["Secret"]
    except (ValueError, KeyError, TypeError):
        raise SourceError(f"{host}: docker-credential-{name} gave a malformed answer") from None
    if not isinstance(username, str) or not isinstance(secret, str) or not secret:
        return None
    return Credentials(username, secret, identity_token=username == "<token>")


def _from_auths(config: dict[str, Any], host: str) -> Credentials | None:
    auths = config.get("auths")
    if not isinstance(auths, dict):
        return None
    for key, entry in auths.items():
        if isinstance(entry, dict) and _same_registry(key, host):
            return _auth_entry(entry, host)
    return None


def _auth_entry(entry: dict[str, Any], host: str) -> Credentials | None:
    token = entry.get("identitytoken")
    encoded = entry.get("auth")
    if isinstance(encoded, str) and encoded:
        try:
            decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            decoded = ""
        username, sep, password = decoded.partition(":")
        if not sep:
            raise SourceError(f"{host}: malformed auth entry in {docker_config_path()}")
        if isinstance(token, str) and token:
            return Credentials(username, token, identity_token=True)
        return Credentials(username, password)
    if isinstance(token, str) and token:
        return Credentials("<token>", token, identity_token=True)
    return None


def _same_registry(key: str, host: str) -> bool:
    """Config keys may be `host`, `https://host`, or `https://host/v1/`."""
    bare = re.sub(r"^[a-z]+://", "", key.strip()).split("/", 1)[0].lower()
    if _is_hub(host):
        return bare in _HUB_KEYS
    return bare == host.lower()


def _is_hub(host: str) -> bool:
    return host == DOCKER_HUB_ENDPOINT or host in _HUB_KEYS
