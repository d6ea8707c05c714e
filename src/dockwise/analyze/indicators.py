"""Indicators in executables: where a binary might call home, and what it might be.

For ELF executables and scripts (shared libraries are left out: they are many and
large): crypto-miner YARA signatures (security/rules/miners.yar), the UPX packer's
marker, embedded URLs (found by their `://`, the scheme read backwards) and IP addresses, and
for scripts download-and-execute and reverse-shell patterns.

`://` and the miner needle are found with Rust's Aho-Corasick (ahocorasick-rs, as the
secret rules' prefilter): its SIMD search took 0.04 s where `bytes.find` took 0.6 s over
850 MB of Debian's binaries, and those two searches were two thirds of this analyzer.

Searching for bare IP addresses costs a regex pass (about 20 MB/s), so it runs only
on executables outside the directories distribution packages install to, where
unowned binaries usually sit; inside them URLs, miners and UPX are still checked.
"""

from __future__ import annotations

import ipaddress
import itertools
import re
from collections.abc import Iterator

from ahocorasick_rs import BytesAhoCorasick

from dockwise.security.ruleset import IndicatorRules, indicator_rules, miner_rules
from dockwise.source.filetree import normalize

ELF = b"\x7fELF"
UPX_MARKER = b"UPX!"
UPX_WINDOW = 4096  # the marker sits in the first page (l_info) of a packed file
MAX_SIZE = 512 * 1024 * 1024  # as the ELF analyzer: never forces a larger read
MAX_SCRIPT_HITS = 8
MAX_SCRIPT_LINES = 64  # lines with a keyword tried per rule
# In package directories YARA runs only when this occurs: one `in` test costs a quarter
# of a YARA pass, and XMRig, cpuminer and their forks all embed their pool URL schemes.
MINER_NEEDLE = b"stratum"
URL_SEPARATOR = b"://"
# bytes searched per call: bounds the list of matches a file full of `://` could make
SEARCH_WINDOW = 1 << 18
# `://` and IPv4-like strings tried per file: real binaries hold hundreds, and a file made
# of millions would otherwise cost seconds of Python each
MAX_CANDIDATES = 100_000
_SEARCHERS = {needle: BytesAhoCorasick([needle]) for needle in (MINER_NEEDLE, URL_SEPARATOR)}
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
        packaged = path.startswith(PACKAGE_DIRS)
        if not packaged or next(occurrences(content, MINER_NEEDLE), None) is not None:
            _put(facts, "miner", miner_matches(content))
        if UPX_MARKER in content[:UPX_WINDOW]:
            facts["upx"] = True
        window = content if len(content) <= rules.max_scan else content[: rules.max_scan]
        _put(facts, "urls", urls(window, rules))
        if not packaged:
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


def occurrences(data: bytes, needle: bytes) -> Iterator[int]:
    """Offsets of MINER_NEEDLE or URL_SEPARATOR in `data`, in order, a window at a time.
    Neither can overlap itself, so each occurrence is found in exactly one window."""
    searcher, view = _SEARCHERS[needle], memoryview(data)
    for start in range(0, len(data), SEARCH_WINDOW):
        part = view[start : start + SEARCH_WINDOW + len(needle) - 1]
        for _, begin, _ in searcher.find_matches_as_indexes(part):
            if begin < SEARCH_WINDOW:
                yield start + begin


def urls(data: bytes, rules: IndicatorRules) -> list[str]:
    """Distinct URLs with a known scheme and a plausible host, at most max_endpoints."""
    found: dict[str, None] = {}
    for pos in itertools.islice(occurrences(data, URL_SEPARATOR), MAX_CANDIDATES):
        if len(found) >= rules.max_endpoints:
            break
        scheme = _SCHEME_CHARS.search(data, max(0, pos - 16), pos)
        body = _URL_BODY.match(data, pos + 3)
        if scheme and body and scheme.group().lower() in rules.schemes:
            url = (scheme.group().lower() + b"://" + body.group()).decode("ascii")
            if host_of(url):
                found[url] = None
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
    for match in itertools.islice(_IPV4.finditer(data), MAX_CANDIDATES):
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
    """Download-and-execute and reverse-shell lines, with their line numbers.

    The rule regexes run only on lines holding one of the rule's keywords: a regex
    that may start anywhere costs a Python-level try at every byte otherwise.
    """
    lowered = data.lower()
    hits: list[dict[str, object]] = []
    for rule in rules.scripts:
        for start in _keyword_lines(lowered, rule.keywords):
            end = data.find(b"\n", start)
            match = rule.regex.search(data, start, end if end >= 0 else len(data))
            if match:
                line = data.count(b"\n", 0, start) + 1
                excerpt = match.group().decode("utf-8", "replace")[:120]
                hits.append({"rule": rule.id, "line": line, "excerpt": excerpt})
                break  # one line per rule is evidence enough
        if len(hits) >= MAX_SCRIPT_HITS:
            break
    return hits


def _keyword_lines(lowered: bytes, keywords: tuple[bytes, ...]) -> list[int]:
    """Start offsets of the lines containing any keyword, in order, at most a few."""
    starts: set[int] = set()
    for keyword in keywords:
        pos = lowered.find(keyword)
        while pos >= 0 and len(starts) < MAX_SCRIPT_LINES:
            start = lowered.rfind(b"\n", 0, pos) + 1
            starts.add(start)
            end = lowered.find(b"\n", pos)
            pos = lowered.find(keyword, end) if end >= 0 else -1
    return sorted(starts)
