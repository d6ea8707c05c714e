"""`--format sarif`: SARIF 2.1.0 for code-scanning dashboards (GitHub, GitLab, Azure).

Spec: https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html; GitHub's subset:
https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning

- One rule per stable rule id: the advisory id for vulnerabilities, `secret/...`,
  `config/...`, `suspicious/...`, `provenance/...`, `lifecycle/...`.
- `security-severity` (GitHub's 0-10 scale) and `level` come from the finding's severity.
- Locations are paths inside the image, relative to the `IMAGEROOT` base id; the layer
  that wrote the file is in the location's and the result's `properties.layer`. A finding
  with no path (a config setting) points at the image itself, as Trivy does.
- Suppressed findings are kept, with a `suppressions` entry, so dashboards close them.
- `partialFingerprints` hash kind, rule, package and path: stable from run to run.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import quote

from dockwise.model import Finding, LayerRef, ScanResult, Severity
from dockwise.report.links import advisory_url

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
ROOT_ID = "IMAGEROOT"
FINGERPRINT = "dockwiseFinding/v1"
LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.NEGLIGIBLE: "note",
    Severity.UNKNOWN: "warning",  # unrated is not "fine": keep it visible
}
# GitHub maps >= 9.0 critical, >= 7.0 high, >= 4.0 medium, > 0 low
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "2.0",
    Severity.NEGLIGIBLE: "0.5",
}
Json = dict[str, Any]


class SarifReporter:
    """`--format sarif`."""

    name = "sarif"

    def render(self, result: ScanResult) -> str:
        return json.dumps(self.document(result), indent=2, ensure_ascii=True) + "\n"

    def render_verdict(self, result: ScanResult, verdict) -> str:  # noqa: ANN001 - policy.Verdict
        """With the gate's verdict under the run's `properties.verdict`."""
        doc = self.document(result)
        doc["runs"][0]["properties"]["verdict"] = verdict.to_json()
        return json.dumps(doc, indent=2, ensure_ascii=True) + "\n"

    def document(self, result: ScanResult) -> Json:
        """The SARIF log as JSON-ready data."""
        rules = rule_index(result.findings)
        image = image_name(result)
        driver: Json = {"name": "dockwise", "rules": [_rule(fs) for fs in rules.values()]}
        if result.tool_version:
            driver["version"] = result.tool_version
        run: Json = {
            "tool": {"driver": driver},
            "originalUriBaseIds": {
                ROOT_ID: {"uri": "file:///", "description": {"text": f"root of {image}"}}
            },
            "results": [_result(f, list(rules).index(f.rule_id), image) for f in result.findings],
            "properties": {"image": _image_properties(result)},
        }
        return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def rule_index(findings: tuple[Finding, ...]) -> dict[str, list[Finding]]:
    """Findings grouped by rule id, rules in order of first appearance."""
    rules: dict[str, list[Finding]] = {}
    for finding in findings:
        rules.setdefault(finding.rule_id, []).append(finding)
    return rules


def image_name(result: ScanResult) -> str:
    """What people call the image: its first tag, else the SOURCE argument."""
    return result.image.repo_tags[0] if result.image.repo_tags else result.image.source


def help_uri(finding: Finding) -> str:
    """The record of the finding's own id, else of an alias, else its first http(s)
    reference."""
    for ident in (finding.rule_id, *finding.aliases):
        if url := advisory_url(ident):
            return url
    return next((r for r in finding.references if r.startswith(("https://", "http://"))), "")


def _rule(findings: list[Finding]) -> Json:
    first = findings[0]
    worst = max(f.severity for f in findings)
    rule: Json = {
        "id": first.rule_id,
        "shortDescription": {"text": _short(first)},
        "fullDescription": {"text": _full(first)},
        "help": {"text": _help(first)},
        "defaultConfiguration": {"level": LEVELS[worst]},
        "properties": {"tags": ["security", first.kind], "precision": "high"},
    }
    security = security_severity(findings)
    if security:
        rule["properties"]["security-severity"] = security
    uri = help_uri(first)
    if uri:
        rule["helpUri"] = uri
    return rule


def security_severity(findings: list[Finding]) -> str:
    """GitHub's 0-10 number: the CVSS base score that decided the worst severity, when one
    did; else a score inside that severity's band ("" for unknown: no number is honest)."""
    worst = max(f.severity for f in findings)
    scores = [c.score for f in findings if f.severity == worst and (c := f.deciding_cvss)]
    if scores:
        return f"{max(s for s in scores if s is not None):.1f}"
    return SECURITY_SEVERITY.get(worst, "")


def _short(finding: Finding) -> str:
    return finding.title.splitlines()[0][:200] if finding.title else finding.rule_id


def _full(finding: Finding) -> str:
    aliases = f" (also {', '.join(finding.aliases)})" if finding.aliases else ""
    return f"{finding.rule_id}{aliases}: {finding.title or finding.kind}"


def _help(finding: Finding) -> str:
    lines = [_full(finding), *finding.references]
    return "\n".join(lines)


def _result(finding: Finding, index: int, image: str) -> Json:
    out: Json = {
        "ruleId": finding.rule_id,
        "ruleIndex": index,
        "level": LEVELS[finding.severity],
        "message": {"text": message(finding)},
        "locations": [_location(finding, image)],
        "partialFingerprints": {FINGERPRINT: fingerprint(finding)},
        "properties": _result_properties(finding),
    }
    if finding.suppressed:
        out["suppressions"] = [{"kind": "external", "justification": finding.suppressed}]
    return out


def message(finding: Finding) -> str:
    """One sentence: what, where, and the fix when there is one."""
    pkg = finding.package
    subject = f"{pkg.name} {pkg.version}: " if pkg else ""
    fix = f" Fixed in {finding.fixed_version}." if finding.fixed_version else ""
    return f"{subject}{finding.rule_id} ({finding.severity}) {finding.title}.{fix}".strip()


def fingerprint(finding: Finding) -> str:
    """Stable across runs and layer rebuilds: no digests, no times."""
    pkg = finding.package
    parts = (finding.kind, finding.rule_id, pkg.key if pkg else "", _path(finding))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _path(finding: Finding) -> str:
    if finding.location is not None and finding.location.path:
        return finding.location.path
    return finding.package.location.path if finding.package else ""


def _layer(finding: Finding) -> LayerRef | None:
    if finding.location is not None and finding.location.path:
        return finding.location.layer
    return finding.package.location.layer if finding.package else None


def _location(finding: Finding, image: str) -> Json:
    path = _path(finding)
    if not path:
        artifact = {"uri": quote(image, safe="/:@")}
        return {"physicalLocation": {"artifactLocation": artifact},
                "logicalLocations": [{"name": image, "kind": "image"}]}  # fmt: skip
    artifact = {"uri": quote(path)}
    if finding.kind != "dockerfile":  # a Dockerfile is a repository file, not in the image
        artifact["uriBaseId"] = ROOT_ID
    physical: Json = {"artifactLocation": artifact}
    line = dict(finding.evidence).get("line", "")
    if line.isdigit() and int(line) > 0:  # code scanning then annotates the very line
        physical["region"] = {"startLine": int(line)}
    location: Json = {"physicalLocation": physical}
    layer = _layer(finding)
    if layer is not None:
        location["properties"] = {"layer": _layer_json(layer)}
    return location


def _layer_json(layer: LayerRef) -> Json:
    return {"index": layer.index, "diff_id": layer.diff_id, "created_by": layer.created_by}


def _result_properties(finding: Finding) -> Json:
    props: Json = {"kind": finding.kind, "severity": str(finding.severity)}
    if finding.package is not None:
        pkg = finding.package
        props["package"] = {"name": pkg.name, "version": pkg.version, "purl": pkg.purl}
    if finding.fixed_version:
        props["fixedVersion"] = finding.fixed_version
    if finding.status:
        props["fixStatus"] = finding.status
    layer = _layer(finding)
    if layer is not None:
        props["layer"] = _layer_json(layer)
    return props


def _image_properties(result: ScanResult) -> Json:
    image = result.image
    return {
        "name": image_name(result),
        "source": image.source,
        "manifestDigest": image.manifest_digest,
        "configDigest": image.config_digest,
        "platform": "/".join(p for p in (image.os, image.architecture, image.variant) if p),
    }
