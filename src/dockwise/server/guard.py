"""No server-side request forgery: a scan request names a registry, and the server pulls
from it only when its host matches an `--allow-registry` pattern and every address the
host resolves to is outside loopback, link-local (cloud metadata lives there),
unspecified, multicast and reserved ranges, unless `--allow-address` names them.

Checked when the request arrives; the pull resolves the name again, so a DNS answer
that changes in between (rebinding) is not caught here: docs/server.md says to put the
allowlist in DNS you control, or the registry's IP in the pattern.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# Metadata services outside link-local: Alibaba Cloud's, and AWS's IPv6 one.
METADATA = (ipaddress.ip_network("100.100.100.200/32"), ipaddress.ip_network("fd00:ec2::254/128"))


class Refused(ValueError):
    """The registry URL is not one the server may reach; the message says why."""


@dataclass(frozen=True, slots=True)
class Target:
    """Where to pull from: `host[:port]` and whether it is plain HTTP."""

    host: str
    insecure: bool


@dataclass(frozen=True, slots=True)
class Guard:
    patterns: tuple[str, ...]  # fnmatch over host[:port], e.g. "harbor.example.com", "*:5000"
    allowed: tuple[Network, ...] = ()  # addresses allowed although internal

    def check(self, url: str) -> Target:
        """The registry at `url`, or Refused."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise Refused("registry.url must be an http:// or https:// URL with a host")
        if parts.username or parts.password or parts.path.strip("/") or parts.query:
            raise Refused("registry.url must be a base URL: no credentials, path or query")
        host = parts.netloc.lower()
        if not any(fnmatch.fnmatchcase(host, p) for p in self.patterns):
            raise Refused(f"registry {host} is not on this server's --allow-registry list")
        for address in resolve(parts.hostname, parts.port or 443):
            if internal(address) and not any(address in n for n in self.allowed):
                raise Refused(f"registry {host} resolves to {address}, an internal "
                              "address (loopback, link-local or metadata); see --allow-address")
        return Target(host, parts.scheme == "http")


def resolve(hostname: str, port: int) -> list[Address]:
    """Every address the name resolves to: one internal answer among public ones is
    enough for the pull to reach it."""
    try:
        infos = socket.getaddrinfo(hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Refused(f"registry host {hostname} does not resolve ({exc})") from None
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def internal(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return (address.is_loopback or address.is_link_local or address.is_unspecified
            or address.is_multicast or address.is_reserved
            or any(address in n for n in METADATA))  # fmt: skip


def networks(texts: Sequence[str]) -> tuple[Network, ...]:
    """`--allow-address` values: addresses or CIDR networks."""
    return tuple(ipaddress.ip_network(text, strict=False) for text in texts)
