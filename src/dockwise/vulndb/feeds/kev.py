"""CISA Known Exploited Vulnerabilities, JSON.

Format: https://www.cisa.gov/known-exploited-vulnerabilities-catalog and its schema,
https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities_schema.json:
{catalogVersion, dateReleased, count, vulnerabilities: [{cveID, dateAdded, dueDate,
knownRansomwareCampaignUse, vulnerabilityName, ...}]}.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from dockwise.vulndb.feeds import _json as j
from dockwise.vulndb.feeds.base import Feed
from dockwise.vulndb.records import FeedInfo, KevEntry, Record, Skipped


def parse(path: Path, name: str) -> Iterator[Record]:
    """Every catalog entry, and the catalog version as a FeedInfo."""
    try:
        body = j.obj(json.loads(path.read_bytes()), "catalog")
        entries = j.items(body, "vulnerabilities")
        yield FeedInfo("version", j.text(body, "catalogVersion"))
    except (ValueError, RecursionError) as exc:
        yield Skipped(name, f"not the KEV catalog ({exc})")
        return
    for index, entry in enumerate(entries):
        try:
            yield _entry(j.obj(entry, "entry"))
        except ValueError as exc:
            yield Skipped(f"{name}:vulnerabilities[{index}]", str(exc))


def _entry(body: dict) -> KevEntry:
    cve = j.text(body, "cveID")
    if not cve:
        raise ValueError("entry without a cveID")
    return KevEntry(
        cve=cve,
        date_added=j.text(body, "dateAdded"),
        due_date=j.text(body, "dueDate"),
        ransomware=j.text(body, "knownRansomwareCampaignUse"),
        name=j.text(body, "vulnerabilityName"),
    )


FEED = Feed(
    name="kev",
    public_base="https://www.cisa.gov/sites/default/files/feeds/",
    mirror_dir="kev",
    paths=("known_exploited_vulnerabilities.json",),
    parse=parse,
)
