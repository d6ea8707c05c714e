"""Everything a run depends on, resolved once from flags and environment."""

from __future__ import annotations

from dataclasses import dataclass, field


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
    output_format: str = "table"
    output: str | None = None
    quiet: bool = False
    no_cache: bool = False  # neither read nor write the layer cache
    registry: RegistryAccess = field(default_factory=RegistryAccess)
    key: str | None = None  # cosign public key (PEM) to verify registry signatures with
    secrets_max_size: int | None = None  # bytes; None: the rules' default (secrets.toml)
