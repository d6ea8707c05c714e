"""Regenerate demo/advisories.json: the advisories that concern the demo image's packages.

Run from the repository root with the shared corpus beside the checkout:

    python tools/extract_demo_advisories.py

Only facts are kept (ids, aliases, dates, affected ranges and versions, severity vectors
and ratings); summaries, details and references are dropped, so the bundled demo data
carries no advisory prose. KEV entries and NVD's CVSS metrics and CWE ids for the same
CVEs are kept as facts too.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
OUT = ROOT / "demo" / "advisories.json"
ECOSYSTEMS = {"pypi": "PyPI", "npm": "npm", "golang": "Go", "maven": "Maven", "gem": "RubyGems"}
KEPT = ("id", "aliases", "related", "published", "modified", "withdrawn", "severity")


def main() -> int:
    sys.path.insert(0, str(ROOT / "src"))
    wanted = demo_packages()
    records = [
        strip(record)
        for ecosystem in sorted({e for e, _ in wanted})
        for record in corpus_records(ecosystem)
        if any((ecosystem, normal(ecosystem, a["package"]["name"])) in wanted
               for a in record.get("affected", []) if "package" in a)
    ]  # fmt: skip
    cves = {i for r in records for i in [r["id"], *r.get("aliases", [])] if i.startswith("CVE-")}
    kev = json.loads((CORPUS / "kev" / "known_exploited_vulnerabilities.json").read_text())
    kev_entries = [
        {k: v for k, v in entry.items() if k in ("cveID", "dateAdded", "dueDate",
                                                  "knownRansomwareCampaignUse")}
        for entry in kev["vulnerabilities"]
        if entry["cveID"] in cves
    ]  # fmt: skip
    nvd = nvd_facts(cves)
    doc = {"osv": sorted(records, key=lambda r: r["id"]), "kev": kev_entries, "nvd": nvd}
    OUT.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    print(f"{OUT.relative_to(ROOT)}: {len(records)} advisories, {len(kev_entries)} KEV entries, "
          f"{len(nvd)} NVD records")
    return 0


def demo_packages() -> set[tuple[str, str]]:
    """(OSV ecosystem, normalised name) of every language package in the demo image."""
    from dockwise.options import Options
    from dockwise.pipeline import sbom

    with tempfile.TemporaryDirectory() as tmp:
        image = Path(tmp) / "demo.tar"
        sys.argv = ["build_demo", str(image)]
        sys.path.insert(0, str(ROOT / "demo"))
        import build_demo

        build_demo.main([str(image)])
        result = sbom(Options(str(image), no_cache=True))
    return {
        (ECOSYSTEMS[p.type], normal(ECOSYSTEMS[p.type], p.name))
        for p in result.inventory.packages
        if p.type in ECOSYSTEMS
    }


def nvd_facts(cves: set[str]) -> list[dict]:
    """The corpus' NVD records of these CVEs without prose: dates, metrics, weaknesses."""
    kept = ("id", "published", "lastModified", "vulnStatus", "metrics", "weaknesses")
    return sorted(
        ({k: v["cve"][k] for k in kept if k in v["cve"]}
         for path in sorted((CORPUS / "nvd").glob("nvdcve-2.0-*.json.gz"))
         for v in json.loads(gzip.decompress(path.read_bytes()))["vulnerabilities"]
         if v["cve"]["id"] in cves),
        key=lambda cve: cve["id"],
    )  # fmt: skip


def corpus_records(ecosystem: str):
    with zipfile.ZipFile(CORPUS / "osv" / ecosystem / "all.zip") as archive:
        for name in archive.namelist():
            yield json.loads(archive.read(name))


def normal(ecosystem: str, name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower() if ecosystem == "PyPI" else name


def strip(record: dict) -> dict:
    """Facts only: no summary, details or references."""
    out = {k: record[k] for k in KEPT if k in record}
    out["affected"] = [
        {k: v for k, v in affected.items() if k in ("package", "ranges", "versions")}
        | _rating(affected)
        for affected in record.get("affected", [])
    ]
    out |= _rating(record)
    return out


def _rating(doc: dict) -> dict:
    severity = (doc.get("database_specific") or {}).get("severity")
    return {"database_specific": {"severity": severity}} if isinstance(severity, str) else {}


if __name__ == "__main__":
    raise SystemExit(main())
