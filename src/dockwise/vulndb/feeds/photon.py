"""Photon OS CVE metadata: `photon_cve_metadata/cve_data_photon<release>.json` per release.

Format (the file Photon's security advisories page links, https://github.com/vmware/
photon/wiki/Security-Advisories; read the same way by grype's vunnel and VulnerableCode):
a JSON array of {cve_id, pkg, cve_score, aff_ver: "all versions before 3.0.9-1.ph5 are
vulnerable", res_ver: "3.0.9-1.ph5" or "NA" (no fix yet), status (optional: "Not
Affected")}. `pkg` is the source package name, which Photon's binary packages share
for the main package. `cve_score` is a bare number without a vector or CVSS version,
so it rates nothing here; NVD's record of the CVE does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from dockwise.vulndb.advisory import Advisory, Affected, Range
from dockwise.vulndb.feeds import _json as j
from dockwise.vulndb.feeds.base import Feed
from dockwise.vulndb.records import Record, Skipped

SOURCE = "photon-cve"
ECOSYSTEM = "Photon OS"
RELEASES = ("3.0", "4.0", "5.0")  # the releases Photon still publishes metadata for
_NO_FIX = ("", "NA")
_NOT_AFFECTED = "not affected"


def ecosystem_of(path: str) -> str:
    """`cve_data_photon5.0.json` -> `Photon OS:5` (os-release VERSION_ID 5.0, by major)."""
    release = path.rsplit("photon", 1)[-1].removesuffix(".json")
    return f"{ECOSYSTEM}:{release.split('.', 1)[0]}"


def parse(path: Path, name: str) -> Iterator[Record]:
    """One Advisory per (CVE, package) row."""
    ecosystem = ecosystem_of(name)
    try:
        rows = json.loads(path.read_bytes())
    except (ValueError, RecursionError) as exc:
        yield Skipped(name, f"not Photon CVE metadata ({exc})")
        return
    if not isinstance(rows, list):
        yield Skipped(name, "not Photon CVE metadata (expected a JSON array)")
        return
    for index, row in enumerate(rows):
        try:
            record = advisory(row, ecosystem)
        except ValueError as exc:
            yield Skipped(f"{name}[{index}]", str(exc))
            continue
        if record is not None:
            yield record


def advisory(row: object, ecosystem: str) -> Advisory | None:
    """One row; None for a package Photon says is not affected (nothing to match)."""
    body = j.obj(row, "row")
    cve, package = j.text(body, "cve_id"), j.text(body, "pkg")
    if not cve or not package:
        raise ValueError("row without cve_id or pkg")
    if j.text(body, "status").lower() == _NOT_AFFECTED:
        return None
    fixed = j.text(body, "res_ver").strip()
    if fixed in _NO_FIX:
        affected = Affected(ecosystem, package, (Range("ECOSYSTEM", (("introduced", "0"),)),),
                            status="open", reason=j.text(body, "aff_ver"))  # fmt: skip
    else:
        events = (("introduced", "0"), ("fixed", fixed))
        affected = Affected(ecosystem, package, (Range("ECOSYSTEM", events),), status="fixed")
    return Advisory(cve, SOURCE, affected=(affected,))


FEED = Feed(
    name="photon-cve",
    public_base="https://packages.broadcom.com/photon/photon_cve_metadata/",
    mirror_dir="photon",
    paths=tuple(f"cve_data_photon{release}.json" for release in RELEASES),
    parse=parse,
)
