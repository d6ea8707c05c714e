"""`evaluate(result, policy, today) -> Verdict`: the CI gate, separate from scanning.

Pure: it reads only its arguments, so a saved JSON result gates exactly as a live scan
does. A failed policy is a Verdict with `passed=False`, never an exception; the CLI turns
it into exit code 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from dockwise.checks.suppress import Suppressions
from dockwise.model import Finding, ScanResult
from dockwise.policy.config import Policy
from dockwise.policy.coverage import RULE as COVERAGE_RULE
from dockwise.policy.coverage import coverage_breaches
from dockwise.policy.rules import CHECKS, subject

SHOWN_PER_RULE = 10  # findings listed under a rule on stderr; the rest are counted


@dataclass(frozen=True, slots=True)
class Violation:
    """One rule not met: which, how strictly, why, and the findings behind it."""

    rule: str
    action: str  # "fail" or "warn"
    reason: str
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True, slots=True)
class Verdict:
    """The gate's answer. `warnings` are rules with `action = "warn"` that were not met."""

    passed: bool
    violations: tuple[Violation, ...]
    warnings: tuple[Violation, ...] = ()
    checked: tuple[str, ...] = ()  # every rule evaluated, in policy order
    notes: tuple[str, ...] = ()  # e.g. expired ignore entries, which count again
    policy: str = ""
    today: date | None = None

    def to_json(self) -> dict[str, Any]:
        """The `verdict` object of the native JSON output."""
        return {
            "passed": self.passed,
            "policy": self.policy,
            "today": self.today.isoformat() if self.today else "",
            "rules": list(self.checked),
            "violations": [_violation_json(v) for v in self.violations],
            "warnings": [_violation_json(v) for v in self.warnings],
            "notes": list(self.notes),
        }


def evaluate(result: ScanResult, policy: Policy, today: date) -> Verdict:
    """Apply every rule of `policy` to `result` as of `today`."""
    findings, notes = counted_findings(result.findings, policy, today)
    facts = subject(result, findings, today)
    violations, warnings = [], []
    for rule in policy.rules:
        breach = CHECKS[rule.name](rule, facts)
        if breach is not None:
            found = Violation(rule.name, rule.action, breach.reason, breach.findings)
            (violations if rule.action == "fail" else warnings).append(found)
    fail, warn = coverage_breaches(result.coverage, policy.allow_uncovered)
    violations += [Violation(COVERAGE_RULE, "fail", fail)] if fail else []
    warnings += [Violation(COVERAGE_RULE, "warn", warn)] if warn else []
    coverage = (COVERAGE_RULE,) if result.coverage else ()
    return Verdict(
        passed=not violations,
        violations=tuple(violations),
        warnings=tuple(warnings),
        checked=(*(r.name for r in policy.rules), *coverage),
        notes=notes,
        policy=policy.source,
        today=today,
    )


def counted_findings(
    findings: tuple[Finding, ...], policy: Policy, today: date
) -> tuple[tuple[Finding, ...], tuple[str, ...]]:
    """The findings that count: the policy's own ignore entries applied (with the
    suppression file's expiry rules), then every suppressed finding dropped, and with
    `ignore-dev` those in dev-only dependencies, counted in a note."""
    marked, expired = Suppressions(policy.ignore).apply(findings, today)
    notes = [w.message for w in expired]
    counted = [f for f in marked if not f.suppressed]
    if policy.ignore_dev:
        dev = [f for f in counted if f.package is not None and f.package.dev_only]
        counted = [f for f in counted if f not in dev]
        if dev:
            notes.append(f"ignore-dev: {len(dev)} finding(s) in dev-only dependencies not counted")
    return tuple(counted), tuple(notes)


def describe(verdict: Verdict) -> str:
    """The verdict as a short list for stderr: each rule, then the findings behind it."""
    head = "passed" if verdict.passed else "FAILED"
    lines = [f"policy {head} ({verdict.policy or 'no policy file'})"]
    for label, group in (("FAIL", verdict.violations), ("WARN", verdict.warnings)):
        for violation in group:
            lines.append(f"  {label} {violation.rule}: {violation.reason}")
            lines.extend(f"    - {finding_line(f)}" for f in violation.findings[:SHOWN_PER_RULE])
            more = len(violation.findings) - SHOWN_PER_RULE
            if more > 0:
                lines.append(f"    ... and {more} more")
    lines.extend(f"  note: {note}" for note in verdict.notes)
    return "\n".join(lines) + "\n"


def finding_line(finding: Finding) -> str:
    """`CVE-2023-32681 medium requests 2.30.0 (fix 2.31.0)`, or with the path; a
    vulnerability without a fix says the vendor's status (`(will-not-fix)`)."""
    parts = [finding.rule_id, str(finding.severity)]
    if finding.package is not None:
        parts += [finding.package.name, finding.package.version]
    elif finding.location is not None:
        parts.append("/" + finding.location.path)
    paid = ", needs a subscription" if finding.needs_subscription else ""
    if finding.fixed_version:
        parts.append(f"(fix {finding.fixed_version}{paid})")
    elif finding.kind == "vulnerability" and finding.status:
        parts.append(f"({finding.status})")
    return " ".join(parts)


def _violation_json(violation: Violation) -> dict[str, Any]:
    return {
        "rule": violation.rule,
        "action": violation.action,
        "reason": violation.reason,
        "findings": [_finding_ref(f) for f in violation.findings],
    }


def _finding_ref(finding: Finding) -> dict[str, Any]:
    """Enough to find the finding in `findings`: kind, id, package and path."""
    pkg, where = finding.package, finding.location
    return {
        "kind": finding.kind,
        "rule_id": finding.rule_id,
        "severity": str(finding.severity),
        "package": None
        if pkg is None
        else {"name": pkg.name, "version": pkg.version, "purl": pkg.purl},  # fmt: skip
        "path": where.path if where else (pkg.location.path if pkg else ""),
    }
