"""What a feed parser yields, and how an Advisory is stored as compact JSON.

Parsers yield plain records (Advisory, KevEntry, EpssScore) or a `Skipped` note for a
record they could not use: partial failure is data, the updater turns it into warnings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from dockwise.model import Cvss
from dockwise.vulndb.advisory import Advisory, Affected, CveRecord, Range


@dataclass(frozen=True, slots=True)
class KevEntry:
    """One CISA Known Exploited Vulnerabilities catalog entry."""

    cve: str
    date_added: str = ""
    due_date: str = ""
    ransomware: str = ""  # "Known" / "Unknown"
    name: str = ""


@dataclass(frozen=True, slots=True)
class EpssScore:
    """One FIRST EPSS row: the probability of exploitation within 30 days."""

    cve: str
    score: float
    percentile: float


@dataclass(frozen=True, slots=True)
class Skipped:
    """A record the parser could not use; `where` names it (entry name, line, key)."""

    where: str
    reason: str


@dataclass(frozen=True, slots=True)
class FeedInfo:
    """A fact about the file as a whole (e.g. EPSS `score_date`, KEV `catalogVersion`)."""

    key: str
    value: str


@dataclass(frozen=True, slots=True)
class Document:
    """A whole upstream file that becomes a file beside the database, not rows in it
    (endoflife.date products and distro-info CSVs -> `lifecycle.json`)."""

    feed: str
    name: str  # "python" for endoflife.date, "debian.csv" for distro-info
    body: object  # the converted record or the CSV text
    count: int = 1  # what `db status` shows as its records (releases, CSV rows)


Record = Advisory | CveRecord | KevEntry | EpssScore | Skipped | FeedInfo | Document


def advisory_to_json(adv: Advisory) -> str:
    """Compact JSON: empty fields are left out so that real-size databases stay small."""
    body: dict = {k: getattr(adv, k) for k in _ADVISORY_SCALARS if getattr(adv, k)}
    for key in ("aliases", "related", "references"):
        if getattr(adv, key):
            body[key] = list(getattr(adv, key))
    if adv.cvss:
        body["cvss"] = [list(pair) for pair in adv.cvss]
    body["affected"] = [_affected_to_dict(a) for a in adv.affected]
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def advisory_from_json(text: str) -> Advisory:
    """The inverse of `advisory_to_json`."""
    body = json.loads(text)
    return Advisory(
        **{k: body.get(k, "") for k in _ADVISORY_SCALARS},
        aliases=tuple(body.get("aliases", ())),
        related=tuple(body.get("related", ())),
        references=tuple(body.get("references", ())),
        cvss=tuple((t, v) for t, v in body.get("cvss", ())),
        affected=tuple(_affected_from_dict(a) for a in body.get("affected", ())),
    )


_ADVISORY_SCALARS = (
    "id", "source", "summary", "details", "published", "modified", "withdrawn", "severity",
)  # fmt: skip
_AFFECTED_SCALARS = ("ecosystem", "package", "status", "reason", "severity", "purl")


def _affected_to_dict(aff: Affected) -> dict:
    body: dict = {k: getattr(aff, k) for k in _AFFECTED_SCALARS if getattr(aff, k)}
    if aff.ranges:
        body["ranges"] = [[r.type, [list(e) for e in r.events]] for r in aff.ranges]
    if aff.versions:
        body["versions"] = list(aff.versions)
    return body


def _affected_from_dict(body: dict) -> Affected:
    return Affected(
        **{k: body.get(k, "") for k in _AFFECTED_SCALARS},
        ranges=tuple(
            Range(t, tuple((k, v) for k, v in events)) for t, events in body.get("ranges", ())
        ),
        versions=tuple(body.get("versions", ())),
    )


def cve_to_json(cve: CveRecord) -> str:
    """Compact JSON of an NVD record; CVSS entries as [source, version, vector, score]."""
    body: dict = {k: getattr(cve, k) for k in ("published", "description") if getattr(cve, k)}
    if cve.cwes:
        body["cwes"] = list(cve.cwes)
    if cve.cvss:
        body["cvss"] = [[c.source, c.version, c.vector, c.score] for c in cve.cvss]
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def cve_from_json(ident: str, modified: str, text: str) -> CveRecord:
    """The inverse of `cve_to_json`; id and modified live in their own columns."""
    body = json.loads(text)
    return CveRecord(
        id=ident,
        published=body.get("published", ""),
        modified=modified,
        description=body.get("description", ""),
        cwes=tuple(body.get("cwes", ())),
        cvss=tuple(Cvss(*entry) for entry in body.get("cvss", ())),
    )
