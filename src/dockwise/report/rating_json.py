"""A finding's rating details in dockwise's JSON, encoder and decoder side by side:
where the severity came from, each vendor's own word (Trivy's `VendorSeverity`) and
every CVSS assessment (Trivy's `CVSS`, as a list: one source may score in two versions)."""

from __future__ import annotations

from typing import Any

from dockwise.model import Cvss, Finding

Json = dict[str, Any]


def rating_json(finding: Finding) -> Json:
    """The three rating fields of a finding, in a fixed key order."""
    return {
        "severity_source": finding.severity_source,
        "vendor_severity": dict(finding.vendor_severity),
        "cvss": [
            {"source": c.source, "version": c.version, "vector": c.vector, "score": c.score}
            for c in finding.cvss
        ],
    }


def rating_fields(raw: Json) -> Json:
    """The inverse of `rating_json`, as Finding keyword arguments; a result saved before
    these fields existed reads as having none."""
    return {
        "severity_source": raw.get("severity_source", ""),
        "vendor_severity": tuple((raw.get("vendor_severity") or {}).items()),
        "cvss": tuple(
            Cvss(c["source"], c["version"], c["vector"], c.get("score"))
            for c in raw.get("cvss") or ()
        ),
    }
