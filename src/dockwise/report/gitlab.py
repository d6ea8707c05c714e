"""`--format gitlab`: GitLab's container-scanning report (`gl-container-scanning-report.json`,
`artifacts:reports:container_scanning`), security report schema 15.0.x.

Schema: https://gitlab.com/gitlab-org/security-products/security-report-schemas
(`dist/container-scanning-report-format.json`); field meanings:
https://docs.gitlab.com/ee/development/integrations/secure.html#report

Only vulnerabilities in packages fit this report (its `location` is an image, an
operating system and a dependency); secrets, settings and the other kinds go to SARIF.
Suppressed findings are left out: the report has no field for them. The `id` is a UUID
derived from image, rule and package, so GitLab tracks the same finding across pipelines.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from dockwise.model import Distro, Finding, ScanResult, Severity
from dockwise.report.links import advisory_url
from dockwise.report.sarif import image_name

SCHEMA_VERSION = "15.0.7"
ID_NAMESPACE = uuid.UUID("5d9c1ae0-2f4b-4b8e-9a57-6a0c3e1d2b7f")  # dockwise's own, fixed
SEVERITIES = {
    Severity.CRITICAL: "Critical",
    Severity.HIGH: "High",
    Severity.MEDIUM: "Medium",
    Severity.LOW: "Low",
    Severity.NEGLIGIBLE: "Info",
    Severity.UNKNOWN: "Unknown",
}
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"  # the schema's pattern: no zone, no fraction
Json = dict[str, Any]


class GitlabReporter:
    """`--format gitlab`."""

    name = "gitlab"

    def render(self, result: ScanResult) -> str:
        return json.dumps(self.document(result), indent=2, ensure_ascii=True) + "\n"

    def document(self, result: ScanResult) -> Json:
        """The report as JSON-ready data."""
        image = image_name(result)
        os_name = operating_system(result.inventory.distro)
        vulns = [f for f in result.findings if _reportable(f)]
        return {
            "version": SCHEMA_VERSION,
            "vulnerabilities": [_vulnerability(f, image, os_name) for f in vulns],
            "remediations": [],
            "scan": _scan(result),
        }


def operating_system(distro: Distro | None) -> str:
    """`debian 12`, `alpine 3.19.1`; "Unknown" when no distro was detected."""
    if distro is None:
        return "Unknown"
    return f"{distro.id} {distro.version_id}".strip()


def _reportable(finding: Finding) -> bool:
    has_package = finding.package is not None
    return finding.kind == "vulnerability" and has_package and not finding.suppressed


def _vulnerability(finding: Finding, image: str, os_name: str) -> Json:
    pkg = finding.package
    assert pkg is not None  # _reportable
    doc: Json = {
        "id": str(uuid.uuid5(ID_NAMESPACE, "\x1f".join((image, finding.rule_id, pkg.key)))),
        "name": f"{finding.rule_id} in {pkg.name}",
        "description": finding.title or finding.rule_id,
        "severity": SEVERITIES[finding.severity],
        "solution": _solution(finding),
        "identifiers": [_identifier(i) for i in dict.fromkeys((finding.rule_id, *finding.aliases))],
        "links": [{"url": url} for url in _links(finding)],
        "location": {
            "dependency": {"package": {"name": pkg.name}, "version": pkg.version},
            "operating_system": os_name,
            "image": image,
        },
    }
    return doc


def _solution(finding: Finding) -> str:
    pkg = finding.package
    name = pkg.name if pkg else "the package"
    if finding.fixed_version:
        return f"Upgrade {name} to {finding.fixed_version}"
    return f"No fixed version of {name} is known ({finding.status or 'open'})"


def _identifier(ident: str) -> Json:
    """GitLab's identifier types are lower-case scheme names: cve, ghsa, ..."""
    scheme = ident.split("-", 1)[0].lower() if "-" in ident else "dockwise"
    out: Json = {"type": scheme, "name": ident, "value": ident}
    url = advisory_url(ident)
    if url:
        out["url"] = url
    return out


def _links(finding: Finding) -> list[str]:
    urls = [r for r in finding.references if r.startswith(("https://", "http://"))]
    return list(dict.fromkeys(urls))


def _scan(result: ScanResult) -> Json:
    tool = {
        "id": "dockwise",
        "name": "dockwise",
        "version": result.tool_version or "unknown",
        "vendor": {"name": "dockwise"},
    }
    when = _time(result.generated)
    return {
        "analyzer": tool,
        "scanner": dict(tool),
        "type": "container_scanning",
        "start_time": when,
        "end_time": when,
        "status": "success",
    }


def _time(generated: str) -> str:
    try:
        return datetime.fromisoformat(generated.replace("Z", "+00:00")).strftime(TIME_FORMAT)
    except ValueError:
        return datetime(1970, 1, 1).strftime(TIME_FORMAT)
