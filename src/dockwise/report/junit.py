"""`--format junit`: JUnit XML, for CI test dashboards (GitLab `artifacts:reports:junit`,
Jenkins, Azure DevOps).

With a policy (`scan --policy`, `--fail-on`, `gate`): one test case per policy rule; a
rule not met is a `<failure>` (action "fail") listing the findings behind it, or a
passing case with the reason in `<system-out>` (action "warn"). Without a policy: one
test case per finding kind, failing when it has any finding that is not suppressed, so
the file still says what to look at. Format reference (the de-facto schema Jenkins and
GitLab read): https://github.com/testmoapp/junitxml
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from dockwise.model import Finding, ScanResult
from dockwise.policy import KINDS, Verdict, finding_line
from dockwise.report.sanitize import clean
from dockwise.report.sarif import image_name


class JunitReporter:
    """`--format junit`."""

    name = "junit"

    def render(self, result: ScanResult) -> str:
        cases = [_kind_case(kind, result.findings) for kind in KINDS]
        return _document(f"dockwise findings: {image_name(result)}", "dockwise.findings", cases)

    def render_verdict(self, result: ScanResult, verdict: Verdict) -> str:
        """One test case per policy rule."""
        cases = [_rule_case(rule, verdict) for rule in verdict.checked]
        return _document(f"dockwise policy: {image_name(result)}", "dockwise.policy", cases)


Case = tuple[str, str, str, str]  # (name, failure message, failure body, system-out)


def _kind_case(kind: str, findings: Sequence[Finding]) -> Case:
    hits = [f for f in findings if f.kind == kind and not f.suppressed]
    message = f"{len(hits)} {kind} finding(s)" if hits else ""
    return kind, message, _lines(hits), ""


def _rule_case(rule: str, verdict: Verdict) -> Case:
    failed = next((v for v in verdict.violations if v.rule == rule), None)
    if failed is not None:
        return rule, failed.reason, _lines(failed.findings), ""
    warned = next((v for v in verdict.warnings if v.rule == rule), None)
    if warned is not None:
        return rule, "", "", f"WARN {clean(warned.reason)}\n{_lines(warned.findings)}".strip()
    return rule, "", "", ""


def _lines(findings: Sequence[Finding]) -> str:
    """One finding a line, control characters escaped (names come from the image)."""
    return "\n".join(clean(finding_line(f)) for f in findings)


def _document(suite_name: str, classname: str, cases: Sequence[Case]) -> str:
    failures = sum(1 for _, message, _, _ in cases if message)
    counts = {"tests": str(len(cases)), "failures": str(failures), "errors": "0"}
    root = ET.Element("testsuites", {"name": "dockwise", **counts})
    suite = ET.SubElement(root, "testsuite", {"name": suite_name, **counts, "skipped": "0"})
    for name, message, body, out in cases:
        case = ET.SubElement(suite, "testcase", {"classname": classname, "name": name})
        if message:
            failure = ET.SubElement(case, "failure", {"message": clean(message), "type": name})
            failure.text = body
        if out:
            ET.SubElement(case, "system-out").text = out
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
