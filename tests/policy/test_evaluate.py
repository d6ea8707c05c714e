# ruff: noqa: E501 -- expected messages read best on one line
"""`evaluate(result, policy, today)`: each rule, fail and warn, ignore entries and expiry,
facts from the five-question answers when the result has them."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from dockwise.answers import Fact, FiveAnswers, Section, Unanswered
from dockwise.checks.suppress import IgnoreRule
from dockwise.policy import Policy, describe, evaluate, finding_line, parse_policy
from tests.policy.conftest import EOL, KEV, ROOT, SECRET, UNFIXED

TODAY = dt.date(2024, 6, 1)  # demo:latest was built 2024-05-01: 31 days old


def policy(**tables) -> Policy:
    data = {name.replace("_", "-"): value for name, value in tables.items()}
    return parse_policy(data, Path("dockwise.toml"))


def only(verdict, rule):
    (violation,) = [v for v in (*verdict.violations, *verdict.warnings) if v.rule == rule]
    return violation


def test_every_finding_rule_names_its_findings(bad):
    verdict = evaluate(bad, policy(severity={"at-least": "high"}, known_exploited="fail",
                                   end_of_life="fail", non_root="fail", no_secrets="fail"), TODAY)  # fmt: skip
    assert not verdict.passed
    assert [v.rule for v in verdict.violations] == [
        "severity", "known-exploited", "end-of-life", "non-root", "no-secrets"]  # fmt: skip
    # the suppressed critical curl finding never counts
    assert only(verdict, "severity").findings == (SECRET, KEV, UNFIXED, EOL)
    assert only(verdict, "known-exploited").findings == (KEV,)
    assert only(verdict, "end-of-life").findings == (EOL,)
    assert only(verdict, "non-root").findings == (ROOT,)
    assert only(verdict, "no-secrets").findings == (SECRET,)


def test_only_fixed_and_kinds_narrow_the_severity_rule(bad):
    rule = {"at-least": "high", "only-fixed": True, "kinds": ["vulnerability", "lifecycle"]}
    verdict = evaluate(bad, policy(severity=rule), TODAY)
    assert only(verdict, "severity").findings == (KEV, EOL)  # lifecycle counts as fixable
    assert "with a fix" in only(verdict, "severity").reason


def test_warn_rules_do_not_fail(bad):
    verdict = evaluate(bad, policy(no_secrets="warn", non_root={"action": "warn"}), TODAY)
    assert verdict.passed and not verdict.violations
    assert [w.rule for w in verdict.warnings] == ["no-secrets", "non-root"]  # policy order
    assert verdict.checked == ("no-secrets", "non-root")


def test_clean_result_passes(bad):
    clean = dataclasses.replace(bad, findings=())
    verdict = evaluate(clean, policy(severity={"at-least": "low"}, no_secrets="fail"), TODAY)
    assert verdict.passed and verdict.violations == () and verdict.warnings == ()


def test_ignore_entries_suppress_until_they_expire(bad):
    live = IgnoreRule("CVE-2023-4911", "patched in our fork", expires=dt.date(2024, 7, 1))
    verdict = evaluate(bad, Policy(policy(known_exploited="fail").rules, (live,)), TODAY)
    assert verdict.passed and verdict.notes == ()
    expired = dataclasses.replace(live, expires=dt.date(2024, 6, 1))  # expires on the day
    verdict = evaluate(bad, Policy(policy(known_exploited="fail").rules, (expired,)), TODAY)
    assert only(verdict, "known-exploited").findings == (KEV,)
    assert verdict.notes == ("ignore rule for CVE-2023-4911 (libc6) expired on 2024-06-01; "
                             "the finding is reported again",)  # fmt: skip


def test_max_age(bad):
    assert evaluate(bad, policy(max_age={"days": 31}), TODAY).passed
    verdict = evaluate(bad, policy(max_age={"days": 30}), TODAY)
    assert only(verdict, "max-age").reason == "image built 31 days ago; the policy allows 30"
    zeroed = dataclasses.replace(
        bad, image=dataclasses.replace(bad.image, created="1970-01-01T00:00:00Z")
    )
    verdict = evaluate(zeroed, policy(max_age={"days": 30}), TODAY)
    assert only(verdict, "max-age").reason.startswith("image age unknown (build time zeroed")
    assert evaluate(zeroed, policy(max_age={"days": 30, "allow-unknown": True}), TODAY).passed


def test_allowed_registries(bad):
    # demo:latest is docker.io/library/demo
    assert evaluate(bad, policy(allowed_registries={"registries": ["docker.io"]}), TODAY).passed
    assert evaluate(
        bad, policy(allowed_registries={"registries": ["docker.io/library"]}), TODAY
    ).passed
    verdict = evaluate(bad, policy(allowed_registries={"registries": ["ghcr.io/acme"]}), TODAY)
    assert only(verdict, "allowed-registries").reason == (
        "docker.io/library/demo is not from an allowed registry (ghcr.io/acme)"
    )
    nameless = dataclasses.replace(bad, image=dataclasses.replace(bad.image, repo_tags=()))
    verdict = evaluate(nameless, policy(allowed_registries={"registries": ["docker.io"]}), TODAY)
    assert "registry cannot be checked: no repo tag" in only(verdict, "allowed-registries").reason


def test_allowed_bases_from_history_or_answers(bad):
    # the history's rootfs step plus CMD ["bash"] make the base debian:12
    assert evaluate(bad, policy(allowed_bases={"bases": ["debian:12*"]}), TODAY).passed
    verdict = evaluate(bad, policy(allowed_bases={"bases": ["gcr.io/distroless/*"]}), TODAY)
    assert only(verdict, "allowed-bases").reason.startswith("base image debian:12 is not allowed")
    answered = dataclasses.replace(
        bad, answers=_answers(Fact("base.name", "base image", "gcr.io/distroless/static:nonroot"))
    )
    assert evaluate(
        answered, policy(allowed_bases={"bases": ["gcr.io/distroless/*"]}), TODAY
    ).passed


def test_signature_unknown_fails_with_the_reason(bad):
    verdict = evaluate(bad, policy(signature="fail"), TODAY)
    assert (
        only(verdict, "signature").reason
        == "signature state unknown (unknown: not from a registry)"
    )
    unsigned = dataclasses.replace(
        bad,
        answers=_answers(
            Fact("signature", "signature", "unsigned", "unsigned: no cosign signature found")
        ),
    )
    assert only(evaluate(unsigned, policy(signature="fail"), TODAY), "signature").reason == (
        "a verified signature is required; the image is unsigned: unsigned: no cosign signature found"
    )
    unverified = dataclasses.replace(
        bad, answers=_answers(Fact("signature", "signature", "signed-unverified"))
    )
    assert not evaluate(unverified, policy(signature="fail"), TODAY).passed
    assert evaluate(unverified, policy(signature={"require": "signed"}), TODAY).passed
    verified = dataclasses.replace(
        bad, answers=_answers(Fact("signature", "signature", "verified"))
    )
    assert evaluate(verified, policy(signature="fail"), TODAY).passed


def test_describe_lists_rules_then_findings(bad):
    verdict = evaluate(bad, policy(no_secrets="fail", non_root="warn"), TODAY)
    assert describe(verdict) == (
        "policy FAILED (dockwise.toml)\n"
        "  FAIL no-secrets: 1 secret(s) in the image\n"
        "    - secret/aws-access-key critical /app/.env\n"
        "  WARN non-root: the image runs as root\n"
        "    - config/root-user medium\n"
    )


def test_verdict_json(bad):
    doc = evaluate(bad, policy(known_exploited="fail"), TODAY).to_json()
    assert (
        doc["passed"] is False
        and doc["today"] == "2024-06-01"
        and doc["rules"] == ["known-exploited"]
    )
    (violation,) = doc["violations"]
    assert violation["findings"] == [{
        "kind": "vulnerability", "rule_id": "CVE-2023-4911", "severity": "high",
        "package": {"name": "libc6", "version": KEV.package.version, "purl": KEV.package.purl},
        "path": "var/lib/dpkg/status"}]  # fmt: skip


def _answers(*facts: Fact) -> FiveAnswers:
    """Answers whose provenance section holds `facts`; the other sections are empty."""
    empty = Section("?", "")
    prov = Section("Where did it come from?", "", facts, (Unanswered("x", "x", "y"),))
    return FiveAnswers(TODAY, prov, empty, empty, empty, empty)


def test_only_fixed_leaves_out_a_fix_behind_a_subscription(bad):
    pro = dataclasses.replace(
        KEV, rule_id="CVE-2099-0001",
        evidence=(("subscription", "fixed by Ubuntu Pro (ESM) only: needs a subscription"),),
    )  # fmt: skip
    result = dataclasses.replace(bad, findings=(*bad.findings, pro))
    rule = {"at-least": "high", "only-fixed": True, "kinds": ["vulnerability"]}
    assert only(evaluate(result, policy(severity=rule), TODAY), "severity").findings == (KEV,)


def test_finding_lines_say_the_vendor_status_or_the_paid_fix():
    assert finding_line(UNFIXED) == "CVE-2024-2511 high openssl 3.0.11-1~deb12u2 (open)"
    paid = dataclasses.replace(KEV, evidence=(("subscription", "Ubuntu Pro (ESM) only"),))
    assert finding_line(paid).endswith("(fix 2.36-9+deb12u3, needs a subscription)")
