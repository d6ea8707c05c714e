"""Debian's advisory lists: `data/DSA/list` (security) and `data/DLA/list` (LTS).

Format (https://salsa.debian.org/security-tracker-team/security-tracker/-/blob/master/data/DSA/list):

    [29 Mar 2023] DSA-5380-1 xorg-server - security update
        {CVE-2023-1393}
        [bullseye] - xorg-server 2:1.20.11-1+deb11u6
        [lenny] - vlc <not-affected> (Vulnerable code not present)
        NOTE: ...

(the lines under a header are indented with a tab). Each advisory becomes one Advisory
(its CVEs as aliases) with an Affected per suite line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from functools import partial
from pathlib import Path

from dockwise.vulndb.advisory import Advisory, Affected, Range
from dockwise.vulndb.feeds.base import Feed
from dockwise.vulndb.feeds.debian_releases import debian_ecosystem
from dockwise.vulndb.records import Record, Skipped

_HEADER = re.compile(r"^\[(\d{1,2} \w{3} \d{4})\] (D[A-Z]{2}-\d+(?:-\d+)?)\s+(.*)$")
_IDS = re.compile(r"^\s+\{(.*)\}\s*$")
_SUITE = re.compile(r"^\s+\[([a-z][a-z0-9-]*)\] - (\S+)(?:\s+(\S+)(?:\s+\((.*)\))?)?\s*$")
# The tracker's tags in place of a version (https://security-team.debian.org/security_tracker.html).
_TAG_STATUS = {
    "<end-of-life>": "end-of-life",
    "<unfixed>": "open",
    "<undetermined>": "undetermined",
}


def parse(path: Path, name: str, source: str) -> Iterator[Record]:
    """Every advisory in one list file."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    header: re.Match | None = None
    body: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.startswith("["):
            body.append(line)
            continue
        if header:
            yield _advisory(header, body, source)
        header, body = _HEADER.match(line), []
        if header is None:
            yield Skipped(f"{name}:{number}", f"unreadable advisory line {line[:80]!r}")
    if header:
        yield _advisory(header, body, source)


def _advisory(header: re.Match, lines: list[str], source: str) -> Advisory:
    date, ident, rest = header.groups()
    ids: list[str] = []
    affected: list[Affected] = []
    for line in lines:
        if match := _IDS.match(line):
            ids.extend(match.group(1).split())
        elif (match := _SUITE.match(line)) and (aff := _affected(*match.groups())):
            affected.append(aff)
    return Advisory(
        id=ident,
        source=source,
        aliases=tuple(dict.fromkeys(ids)),
        summary=re.sub(r"\s+--?\s+", " - ", rest, count=1),
        published=_iso_date(date),
        affected=tuple(affected),
    )


def _affected(suite: str, package: str, version: str | None, why: str | None) -> Affected | None:
    """None for `<not-affected>`, unknown suites and suite lines without a verdict."""
    ecosystem = debian_ecosystem(suite)
    if ecosystem is None or not version or version == "<not-affected>":
        return None
    if version in _TAG_STATUS:
        opened = (Range("ECOSYSTEM", (("introduced", "0"),)),)
        return Affected(ecosystem, package, opened, status=_TAG_STATUS[version], reason=why or "")
    if version.startswith("<"):
        return None
    fixed = (Range("ECOSYSTEM", (("introduced", "0"), ("fixed", version))),)
    return Affected(ecosystem, package, fixed, status="fixed")


def _iso_date(text: str) -> str:
    try:
        return datetime.strptime(text, "%d %b %Y").date().isoformat()
    except ValueError:
        return ""


_BASE = "https://salsa.debian.org/security-tracker-team/security-tracker/-/raw/master/data/"
DSA_FEED = Feed("debian-dsa", _BASE, "debian", ("DSA/list",), partial(parse, source="debian-dsa"))
DLA_FEED = Feed("debian-dla", _BASE, "debian", ("DLA/list",), partial(parse, source="debian-dla"))
