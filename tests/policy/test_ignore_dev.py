"""Issue 15: dev-only dependencies are matched and reported; `ignore-dev = true` is the
policy switch that leaves them out of the gate, and the verdict says how many."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from dockwise.model import Finding, Location, Package, Severity
from dockwise.policy import PolicyError, describe, evaluate, parse_policy
from tests.policy.conftest import bad_result

TODAY = dt.date(2024, 6, 1)
LOCK = Location("/app/package-lock.json", "sha256:" + "1" * 64)


def npm(name: str, dev: bool) -> Package:
    return Package(name, "1.0.0", "npm", purl=f"pkg:npm/{name}@1.0.0", location=LOCK,
                   metadata=(("dev", "true" if dev else ""),), found_as="declared")  # fmt: skip


def vuln(package: Package) -> Finding:
    return Finding("vulnerability", f"GHSA-{package.name}", Severity.HIGH, "pollution",
                   package=package, location=LOCK, fixed_version="1.0.1",
                   status="fixed")  # fmt: skip


DEV, PROD = vuln(npm("mocha-helper", dev=True)), vuln(npm("express-thing", dev=False))
RESULT = dataclasses.replace(bad_result(), findings=(DEV, PROD))


def policy(**general):
    return parse_policy({"severity": {"at-least": "high"}, **general}, Path("dockwise.toml"))


def test_dev_only_findings_count_unless_the_policy_ignores_them():
    (counted,) = evaluate(RESULT, policy(), TODAY).violations
    assert counted.findings == (DEV, PROD)
    verdict = evaluate(RESULT, policy(**{"ignore-dev": True}), TODAY)
    (violation,) = verdict.violations
    assert violation.findings == (PROD,)
    assert "ignore-dev: 1 finding(s) in dev-only dependencies not counted" in describe(verdict)


def test_ignoring_dev_dependencies_alone_can_pass_the_gate():
    verdict = evaluate(dataclasses.replace(RESULT, findings=(DEV,)),
                       policy(**{"ignore-dev": True}), TODAY)  # fmt: skip
    assert verdict.passed and verdict.notes


def test_ignore_dev_must_be_a_boolean():
    with pytest.raises(PolicyError, match="ignore-dev must be true or false"):
        policy(**{"ignore-dev": "yes"})
