"""Issue 13, item 3: unknown severity never passes silently. It is a level one can name,
every gate counts it unless the policy says otherwise (and says how many it was), and it
sorts and charts as its own band, never "below low"."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from dockwise import cli
from dockwise.commands.scan import shown_findings
from dockwise.model import Finding, Severity
from dockwise.policy import PolicyError, describe, evaluate, parse_policy, with_fail_on
from dockwise.report import render
from dockwise.report.native_json import NativeJsonReporter
from tests.policy.conftest import KEV, LOW, bad_result

TODAY = dt.date(2024, 6, 1)
UNRATED = Finding("vulnerability", "PYSEC-2019-79", Severity.UNKNOWN, "Django SQL injection",
                  fixed_version="2.2.2", status="fixed")  # fmt: skip
U, N, L, M, H, C = Severity.bands()[0], *reversed(Severity.bands()[1:])


@pytest.mark.parametrize(
    ("severity", "minimum", "reached"),
    [(U, C, True), (U, N, True), (U, U, True), (C, U, False), (L, U, False),
     (H, M, True), (M, H, False), (N, N, True)],
)  # fmt: skip
def test_a_minimum_level_always_selects_the_unknown_band(severity, minimum, reached):
    assert severity.reaches(minimum) is reached


def test_unknown_sorts_and_charts_ahead_of_critical_as_its_own_band():
    assert Severity.bands() == (U, C, H, M, L, N)
    crit = dataclasses.replace(UNRATED, rule_id="CVE-1", severity=C)
    low = dataclasses.replace(UNRATED, rule_id="CVE-2", severity=L)
    assert sorted([low, crit, UNRATED], key=lambda f: f.sort_key) == [UNRATED, crit, low]


def result_with(*findings: Finding):
    return dataclasses.replace(bad_result(), findings=findings)


def severity_policy(**options):
    return parse_policy({"severity": {"at-least": "high", **options}}, Path("dockwise.toml"))


def test_every_level_counts_unknowns_and_the_verdict_says_how_many():
    verdict = evaluate(result_with(KEV, LOW, UNRATED), severity_policy(), TODAY)
    (violation,) = verdict.violations
    assert violation.findings == (KEV, UNRATED)
    assert (
        violation.reason == "2 finding(s) of severity high or higher, 1 of them of unknown severity"
    )
    assert "    - PYSEC-2019-79 unknown (fix 2.2.2)" in describe(verdict)


def test_unknown_decides_the_gate_alone():
    verdict = evaluate(result_with(LOW, UNRATED), severity_policy(), TODAY)
    assert not verdict.passed
    assert verdict.violations[0].reason.endswith("1 of them of unknown severity")


@pytest.mark.parametrize(("unknown", "at_least", "passed"), [
    ("ignore", "high", True), ("medium", "high", True), ("medium", "low", False),
    ("fail", "critical", False), ("critical", "critical", False),
])  # fmt: skip
def test_the_policy_ignores_or_rates_unknowns_explicitly(unknown, at_least, passed):
    policy = parse_policy({"severity": {"at-least": at_least, "unknown": unknown}}, Path("p.toml"))
    assert evaluate(result_with(LOW, UNRATED), policy, TODAY).passed is passed


def test_at_least_unknown_selects_only_the_unknown_band():
    verdict = evaluate(result_with(KEV, LOW, UNRATED), with_fail_on(None, "unknown"), TODAY)
    assert verdict.violations[0].findings == (UNRATED,)
    assert verdict.violations[0].reason == "1 finding(s) of unknown severity"


def test_a_bad_unknown_mode_is_a_one_line_policy_error():
    with pytest.raises(PolicyError, match=r'severity.unknown must be "fail", "ignore" or a level'):
        severity_policy(unknown="sometimes")


def test_severity_flag_shows_unknowns_at_every_level_and_alone():
    result = result_with(KEV, LOW, UNRATED)
    assert shown_findings(result, "high", False, False).findings == (KEV, UNRATED)
    assert shown_findings(result, "unknown", False, False).findings == (UNRATED,)


def test_the_cli_names_the_unknown_level(tmp_path, capsys):
    saved = tmp_path / "r.json"
    saved.write_text(NativeJsonReporter().render(result_with(LOW, UNRATED)))
    assert cli.main(["gate", str(saved), "--fail-on", "critical"]) == 1
    assert "1 of them of unknown severity" in capsys.readouterr().err
    assert cli.main(["gate", str(saved), "--fail-on", "unknown"]) == 1


def test_diff_fail_on_new_counts_new_unknowns(tmp_path, capsys):
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(NativeJsonReporter().render(result_with(LOW)))
    new.write_text(NativeJsonReporter().render(result_with(LOW, UNRATED)))
    assert cli.main(["diff", str(old), str(new), "--fail-on-new", "critical"]) == 1
    assert (
        "1 new findings at or above critical (1 of unknown severity): PYSEC-2019-79"
        in capsys.readouterr().err
    )


def test_html_summary_is_not_green_when_unknowns_exist():
    page = render(result_with(UNRATED), "html")
    card = '<div class="card {}"><span class="value" title="{}">{}</span><span class="label">{}<'
    assert card.format("warn", 0, 0, "critical + high") in page
    assert card.format("warn", 1, 1, "unknown severity") in page


def test_markdown_counts_unknown_in_its_own_first_column():
    text = render(result_with(KEV, UNRATED), "markdown")
    assert "| kind | unknown | critical | high | medium | low | negligible | total |" in text
    assert "| vulnerability | 1 |  | 1 |  |  |  | 2 |" in text
