"""The Debian security tracker's JSON: per source package, per CVE, per release.

Format: https://security-tracker.debian.org/tracker/data/json, produced by
`page_json` in https://salsa.debian.org/security-tracker-team/security-tracker/-/blob/master/bin/tracker_service.py:
{source package: {CVE: {description, scope, debianbug, releases: {codename: {status:
resolved|open|undetermined, fixed_version, urgency, nodsa, nodsa_reason, repositories,
next_point_update}}}}}. It carries the verdicts OSV has no field for (no-dsa, ignored,
postponed, end-of-life, undetermined), so it is kept beside OSV's Debian records.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from dockwise.vulndb.advisory import Advisory, Affected, Range
from dockwise.vulndb.feeds import _json as j
from dockwise.vulndb.feeds._text import first_sentence
from dockwise.vulndb.feeds.base import Feed
from dockwise.vulndb.feeds.debian_releases import debian_ecosystem
from dockwise.vulndb.records import Record, Skipped

SOURCE = "debian-tracker"
# A Debian version starts with a digit (epoch or upstream): https://www.debian.org/doc/debian-policy/ch-controlfields.html#version
_VERSION = re.compile(r"^[0-9][A-Za-z0-9.+~:-]*$")
_NOT_AFFECTED = "0"  # the tracker's fixed_version for `<not-affected>`
_NODSA_REASONS = ("ignored", "postponed")


def parse(path: Path, name: str) -> Iterator[Record]:
    """One Advisory per (source package, CVE), with an Affected per known release."""
    try:
        data = j.obj(json.loads(path.read_bytes()), "tracker")
    except (ValueError, RecursionError) as exc:
        yield Skipped(name, f"not the tracker's JSON ({exc})")
        return
    for package, issues in data.items():
        if not isinstance(issues, dict):
            yield Skipped(f"{name}:{package}", "package entry is not an object")
            continue
        for cve, issue in issues.items():
            yield _record(package, cve, issue, f"{name}:{package}/{cve}")


def _record(package: str, cve: str, issue: object, where: str) -> Record:
    try:
        return advisory(package, cve, issue)
    except ValueError as exc:
        return Skipped(where, str(exc))


def advisory(package: str, cve: str, issue: object) -> Advisory:
    """One tracker issue for one source package; ValueError when malformed."""
    body = j.obj(issue, "issue")
    if not package or not cve:
        raise ValueError("empty package or issue name")
    releases = j.obj(body.get("releases") or {}, "releases")
    affected = [_affected(package, codename, rel) for codename, rel in releases.items()]
    return Advisory(
        id=cve,
        source=SOURCE,
        details=first_sentence(j.text(body, "description")),
        affected=tuple(a for a in affected if a is not None),
        references=(f"https://security-tracker.debian.org/tracker/{cve}",),
    )


def _affected(package: str, codename: str, release: object) -> Affected | None:
    """None for releases we cannot name and for `<not-affected>` (nothing to match)."""
    ecosystem = debian_ecosystem(codename)
    body = j.obj(release, f"release {codename}")
    if ecosystem is None:
        return None
    urgency = j.text(body, "urgency")
    state = j.text(body, "status")
    if state == "resolved":
        return _resolved(ecosystem, package, j.text(body, "fixed_version"), urgency)
    if state not in ("open", "undetermined"):
        raise ValueError(f"release {codename}: unknown status {state!r}")
    status, reason = _unfixed_status(state, urgency, body)
    return Affected(
        ecosystem, package, ranges=(Range("ECOSYSTEM", (("introduced", "0"),)),),
        status=status, reason=reason, severity=urgency,
    )  # fmt: skip


def _resolved(ecosystem: str, package: str, fixed: str, urgency: str) -> Affected | None:
    if fixed == _NOT_AFFECTED:
        return None
    if not _VERSION.match(fixed):
        raise ValueError(f"{ecosystem}: resolved with an unusable fixed_version {fixed!r}")
    events = (("introduced", "0"), ("fixed", fixed))
    return Affected(
        ecosystem, package, ranges=(Range("ECOSYSTEM", events),), status="fixed",
        severity=urgency,
    )  # fmt: skip


def _unfixed_status(state: str, urgency: str, body: dict) -> tuple[str, str]:
    """The tracker's reason a release is still vulnerable, in the Affected vocabulary.

    `<end-of-life>` shows as urgency "end-of-life"; `<no-dsa>`, `<ignored>` and
    `<postponed>` as `nodsa` (the free-text reason) plus `nodsa_reason`.
    """
    nodsa, nodsa_reason = j.text(body, "nodsa"), j.text(body, "nodsa_reason")
    if urgency == "end-of-life":
        return "end-of-life", nodsa or "no longer supported by Debian security"
    if state == "undetermined":
        return "undetermined", ""
    if "nodsa" in body:
        return (nodsa_reason if nodsa_reason in _NODSA_REASONS else "no-dsa"), nodsa
    if body.get("next_point_update") is True:
        return "open", "to be fixed in the next point release"
    return "open", ""


FEED = Feed(
    name="debian-tracker",
    public_base="https://security-tracker.debian.org/tracker/data/",
    mirror_dir="debian",
    paths=("json",),
    parse=parse,
)
