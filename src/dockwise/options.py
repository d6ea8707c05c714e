"""Everything a run depends on, resolved once from flags and environment."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from dockwise.errors import DockwiseError

USERNAME_ENV, PASSWORD_ENV = "DOCKWISE_REGISTRY_USERNAME", "DOCKWISE_REGISTRY_PASSWORD"
OFFLINE_ENV = "DOCKWISE_OFFLINE"
SECRETS_MAX_ENV = "DOCKWISE_SECRETS_MAX_SIZE"
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}  # K, M, G as KiB, MiB, GiB


@dataclass(frozen=True, slots=True)
class RegistryAccess:
    """How to reach registries: credentials for the one being read, and TLS exceptions.

    The password never appears in a repr, so it cannot leak into a log or a traceback.
    """

    username: str | None = None
    password: str | None = field(default=None, repr=False)
    insecure_registries: tuple[str, ...] = ()  # hosts allowed plain HTTP or unverified TLS
    ca_cert: str | None = None  # extra CA bundle trusted on top of the system's
    offline: bool = False  # --offline: no registry may be reached at all


@dataclass(frozen=True, slots=True)
class Options:
    source: str
    platform: str | None = None
    quiet: bool = False
    no_cache: bool = False  # neither read nor write the layer cache
    # where `layers/` (each layer's analysis) lives; None: the user's cache. A fleet's
    # workers share their store's, so a base layer is analysed once per fleet
    layer_cache: str | None = None
    registry: RegistryAccess = field(default_factory=RegistryAccess)
    key: str | None = None  # cosign public key (PEM) to verify registry signatures with
    secrets_max_size: int | None = None  # bytes; None: the rules' default (secrets.toml)


def registry_access(
    username: str | None = None,
    password: str | None = None,
    insecure_registry: Sequence[str] = (),
    ca_cert: str | None = None,
    offline: bool = False,
) -> RegistryAccess:
    """What is given first, then $DOCKWISE_REGISTRY_USERNAME/PASSWORD and $DOCKWISE_OFFLINE:
    the CLI's flags and the Python API's arguments resolve the same way."""
    username = username or os.environ.get(USERNAME_ENV) or None
    if password is None and username:
        password = os.environ.get(PASSWORD_ENV)
    return RegistryAccess(
        username=username,
        password=password,
        insecure_registries=tuple(insecure_registry),
        ca_cert=ca_cert,
        offline=offline_requested(offline),
    )


def offline_requested(flag: bool = False) -> bool:
    """`--offline`, or $DOCKWISE_OFFLINE set to anything but empty, 0, false or no: a
    site-wide switch for air-gapped machines, where a download attempt only hangs."""
    value = os.environ.get(OFFLINE_ENV, "").strip().lower()
    return flag or value not in ("", "0", "false", "no")


def secrets_max_size(value: int | str | None = None) -> int | None:
    """The secrets analyzer's size cap: the value given (bytes, or `512K`, `4M`), else
    $DOCKWISE_SECRETS_MAX_SIZE, else None (the rules' default); a bad one is one line."""
    name, raw = "secrets_max_size", value
    if raw is None:
        name, raw = SECRETS_MAX_ENV, os.environ.get(SECRETS_MAX_ENV, "").strip() or None
    if raw is None:
        return None
    try:
        return parse_size(str(raw))
    except ValueError as exc:
        raise DockwiseError(f"{name}={exc}") from None


def parse_size(text: str) -> int:
    """`1048576`, `512K`, `4M`, `1G` (binary units, an optional `iB`/`B`) -> bytes > 0."""
    value = text.strip().lower().removesuffix("ib").removesuffix("b")
    number, unit = (value[:-1], value[-1]) if value[-1:] in "kmg" else (value, "")
    if not number.isdigit() or int(number) == 0:
        raise ValueError(f"{text!r}: expected a size such as 1048576, 512K or 4M")
    return int(number) * _UNITS[unit]
