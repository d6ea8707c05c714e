"""Advisories as the matcher sees them, whichever feed they came from.

The shape follows the OSV schema (https://ossf.github.io/osv-schema/) because every feed
dockwise reads converts into it without loss: OSV records as they are, the Debian
security tracker and Alpine secdb as `affected` entries with a distro `status`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from dockwise.model import Cvss


@dataclass(frozen=True, slots=True)
class Range:
    """An OSV range: `type` ECOSYSTEM or SEMVER, events in the record's order."""

    type: str
    events: tuple[tuple[str, str], ...]  # ("introduced", "0"), ("fixed", "1.2.3"), ...


@dataclass(frozen=True, slots=True)
class Affected:
    """One package in one ecosystem that an advisory affects."""

    ecosystem: str  # OSV spelling: "Debian:12", "Alpine:v3.19", "PyPI", "npm", "Go"
    package: str  # as the ecosystem names it (Debian and Ubuntu: the source package)
    ranges: tuple[Range, ...] = ()
    versions: tuple[str, ...] = ()  # explicitly listed affected versions
    # distro tracker verdicts that OSV has no field for:
    status: str = ""  # "fixed", "open", "no-dsa", "ignored", "postponed", "end-of-life", ...
    reason: str = ""  # the distro's own words for that status
    severity: str = ""  # the distro's rating (Debian urgency, Ubuntu priority), raw
    purl: str = ""


@dataclass(frozen=True, slots=True)
class Advisory:
    """One vulnerability record from one feed."""

    id: str
    source: str  # the feed: "osv:PyPI", "debian-tracker", "alpine-secdb", ...
    aliases: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    summary: str = ""  # the record's own one-line summary (GHSA titles), never cut
    details: str = ""  # the first sentence of its longer description, when it has one
    published: str = ""
    modified: str = ""
    withdrawn: str = ""
    cvss: tuple[tuple[str, str], ...] = ()  # (type, vector): ("CVSS_V3", "CVSS:3.1/AV:N/...")
    severity: str = ""  # a plain rating when the record has one (GHSA's database_specific)
    affected: tuple[Affected, ...] = ()
    references: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CveRecord:
    """What NVD says about one CVE that findings use: no affected packages (NVD names
    products by CPE, which dockwise does not match), only the facts that rate and title
    a finding that some other record matched."""

    id: str
    published: str = ""
    modified: str = ""
    description: str = ""  # the first sentence of the English description
    cwes: tuple[str, ...] = ()  # "CWE-79", ...; NVD's placeholders (NVD-CWE-noinfo) left out
    cvss: tuple[Cvss, ...] = ()  # NVD's own (source "nvd") and the CNAs' ("nvd:<source>")


@dataclass(frozen=True, slots=True)
class Exploitation:
    """What is known about attacks: CISA KEV and FIRST EPSS."""

    kev: bool = False
    kev_due: str = ""  # the KEV remediation due date
    kev_ransomware: str = ""  # "Known" / "Unknown"
    epss: float | None = None  # probability of exploitation in the next 30 days
    epss_percentile: float | None = None


class AdvisorySource(Protocol):
    """Where advisories come from: the local database, or a fake in tests."""

    def query(self, ecosystem: str, package: str) -> Sequence[Advisory]:
        """Advisories with an `affected` entry for this ecosystem and package name."""
        ...

    def exploitation(self, ids: Iterable[str]) -> Mapping[str, Exploitation]:
        """KEV and EPSS facts for whichever of these ids (CVEs) have any."""
        ...

    def cves(self, ids: Iterable[str]) -> Mapping[str, CveRecord]:
        """NVD's record for whichever of these ids (CVEs) it has."""
        ...
