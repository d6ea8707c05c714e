"""Indicators in executables: where a binary might call home, and what it might be.

For ELF executables and scripts (shared libraries are left out: they are many and
large): crypto-miner YARA signatures (security/rules/miners.yar), the UPX packer's
marker, embedded URLs (found by `bytes.find(b"://")`, the scheme read backwards) and
IP addresses, and for scripts download-and-execute and reverse-shell patterns.

Searching for bare IP addresses costs a regex pass (about 20 MB/s), so it runs only
on executables outside the directories distribution packages install to, where
unowned binaries usually sit; inside them URLs, miners and UPX are still checked.
"""

from __future__ import annotations

import ipaddress
import re

from dockwise.security.ruleset import IndicatorRules, indicator_rules, miner_rules
from dockwise.source.filetree import normalize

ELF = b"\x7fELF"
UPX_MARKER = b"UPX!"
UPX_WINDOW = 4096  # the marker sits in the first page (l_info) of a packed file
MAX_SIZE = 512 * 1024 * 1024  # as the ELF analyzer: never forces a larger read
MAX_SCRIPT_HITS = 8
# where distribution packages put executables (bare IPs are not searched there)
PACKAGE_DIRS = ("usr/bin/", "usr/sbin/", "bin/", "sbin/", "usr/lib/", "usr/lib64/",
                "lib/", "lib64/", "usr/libexec/", "usr/games/")  # fmt: skip
_LIBRARY = re.compile(r"\.so(?:\.[\d.]+)?$")
_SCHEME_CHARS = re.compile(rb"[a-z0-9+]{1,16}$")
_URL_BODY = re.compile(rb"[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]{3,200}")
_HOST = re.compile(r"^(?:[^@/]*@)?(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)")
_IPV4 = re.compile(rb"(?<![0-9.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}"
                   rb"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![0-9.])")  # fmt: skip


class IndicatorsAnalyzer:
    """Claims ELF executables and scripts; facts are small lists, bounded by the rules."""

    name = "indicators"
    globs: tuple[str, ...] = ()  # executables only
    max_size = MAX_SIZE

    def claims(self, path: str, head: bytes) -> bool:
        if not (head.startswith(ELF) or head.startswith(b"#!")):
            return False
        return _LIBRARY.search(path) is None

    def analyze(self, path: str, content: bytes) -> object | None:
        rules = indicator_rules()
        path = (normalize(path) or "") if path.startswith(("./", "/")) else path
        facts: dict[str, object] = {}
        _put(facts, "miner", miner_matches(content))
        if UPX_MARKER in content[:UPX_WINDOW]:
            facts["upx"] = True
        window = content[: rules.max_scan]
        _put(facts, "urls", urls(window, rules))
        if not path.startswith(PACKAGE_DIRS):
            _put(facts, "ips", ips(window, rules))
        if content.startswith(b"#!"):
            _put(facts, "script", script_hits(window, rules))
        return facts or None


def _put(facts: dict[str, object], key: str, value: object) -> None:
    if value:
        facts[key] = value


def miner_matches(data: bytes) -> list[dict[str, str]]:
    """YARA rule names and severities that match (rules/miners.yar)."""
    compiled = miner_rules()
    if compiled is None:
        return []
    return [
        {"rule": m.rule, "severity": str(m.meta.get("severity", "high"))}
        for m in compiled.match(data=data)
    ]


def urls(data: bytes, rules: IndicatorRules) -> list[str]:
    """Distinct URLs with a known scheme and a plausible host, at most max_endpoints."""
    found: dict[str, None] = {}
    pos = data.find(b"://")
    while pos >= 0 and len(found) < rules.max_endpoints:
        scheme = _SCHEME_CHARS.search(data, max(0, pos - 16), pos)
        body = _URL_BODY.match(data, pos + 3)
        if scheme and body and scheme.group().lower() in rules.schemes:
            url = (scheme.group().lower() + b"://" + body.group()).decode("ascii")
            if host_of(url):
                found[url] = None
        pos = data.find(b"://", pos + 3)
    return list(found)


def host_of(url: str) -> str:
    """The host of a URL ("" when there is none worth the name: no dot, a format string)."""
    rest = url.partition("://")[2]
    match = _HOST.match(rest)
    host = match.group(1).strip("[]").lower() if match else ""
    if "." not in host and ":" not in host and host != "localhost":
        return ""
    if host.startswith(".") or host.endswith(".") or ".." in host:
        return ""
    return host


def ips(data: bytes, rules: IndicatorRules) -> list[str]:
    """Public IPv4 literals (private, loopback and version-like ones are left out)."""
    found: dict[str, None] = {}
    for match in _IPV4.finditer(data):
        text = match.group().decode("ascii")
        if _public(text):
            found[text] = None
            if len(found) >= rules.max_endpoints:
                break
    return list(found)


def _public(text: str) -> bool:
    address = ipaddress.ip_address(text)
    first = int(text.split(".", 1)[0])
    return address.is_global and first >= 10  # "1.2.3.4"-like versions start low


def script_hits(data: bytes, rules: IndicatorRules) -> list[dict[str, object]]:
    """Download-and-execute and reverse-shell lines, with their line numbers."""
    lowered = data.lower()
    hits: list[dict[str, object]] = []
    for rule in rules.scripts:
        if not any(k in lowered for k in rule.keywords):
            continue
        for match in rule.regex.finditer(data):
            line = data.count(b"\n", 0, match.start()) + 1
            excerpt = match.group().decode("utf-8", "replace")[:120]
            hits.append({"rule": rule.id, "line": line, "excerpt": excerpt})
            if len(hits) >= MAX_SCRIPT_HITS:
                return hits
    return hits
