# ruff: noqa: E501 -- expected documents read best on one line
"""Markdown summary for pull-request comments: verdict, counts, top findings, the five
questions' verdicts, and no markup smuggled in through names from the image."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from dockwise.answers import FiveAnswers, Section
from dockwise.policy import evaluate, parse_policy
from dockwise.report import render
from dockwise.report.markdown import MarkdownReporter, md
from tests.policy.conftest import bad_result

TODAY = dt.date(2024, 6, 1)


def test_with_verdict():
    result = bad_result()
    policy = parse_policy({"no-secrets": "fail", "non-root": "warn", "known-exploited": "fail"},
                          Path("dockwise.toml"))  # fmt: skip
    text = MarkdownReporter().render_verdict(result, evaluate(result, policy, TODAY))
    assert text.startswith("## dockwise: demo:latest: policy failed :x:\n\n### Policy\n\n")
    assert "| no-secrets | **FAIL** | 1 secret(s) in the image (secret/aws-access-key) |" in text
    assert "| non-root | warn | the image runs as root (config/root-user) |" in text
    assert (
        "| known-exploited | **FAIL** | 1 known-exploited vulnerabilit(ies) (CISA KEV) (CVE-2023-4911) |"
        in text
    )  # noqa: E501


def test_counts_and_top_findings():
    text = render(bad_result(), "markdown")
    assert text.startswith("## dockwise: demo:latest\n\n### Findings: 6 (1 suppressed)\n")
    assert "| kind | critical | high | medium | low | negligible | unknown | total |" in text
    assert "| vulnerability |  | 2 |  |  |  |  | 2 |" in text
    assert "| config |  |  | 1 | 1 |  |  | 2 |" in text
    assert "### Top 6 findings" in text
    assert "| critical | secret/aws\\-access\\-key |" not in text  # '-' is left alone
    assert "| critical | secret/aws-access-key |  |  | app/.env |" in text
    assert "CVE-2023-38545" not in text  # suppressed


def test_five_question_lines():
    result = bad_result()
    sections = [Section(q, v) for q, v in (
        ("Where did it come from?", "debian:12 base, built 1 month ago, unsigned"),
        ("What is inside?", "4 packages"), ("Who is going to patch it?", "a rebuild fixes 1 of 2"),
        ("Who is going to support it?", "Debian 12"), ("What about security?", "6 findings"))]  # fmt: skip
    answered = dataclasses.replace(result, answers=FiveAnswers(TODAY, *sections))
    text = render(answered, "markdown")
    assert text.endswith(
        "### Questions\n\n"
        "- **Where did it come from?** debian:12 base, built 1 month ago, unsigned\n"
        "- **What is inside?** 4 packages\n"
        "- **Who is going to patch it?** a rebuild fixes 1 of 2\n"
        "- **Who is going to support it?** Debian 12\n"
        "- **What about security?** 6 findings\n"
        "- **How should it run?** not answered\n"
    )


def test_markup_from_the_image_is_neutralised():
    assert md("a|b") == "a\\|b"
    assert md("[click](https://evil)") == "\\[click\\](https://evil)"
    assert md("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    assert md("`code` **bold** ~~x~~") == "\\`code\\` \\*\\*bold\\*\\* \\~\\~x\\~\\~"
    assert md("line\nbreak\x1b[2J") == "line\\\\nbreak\\\\x1b\\[2J"
