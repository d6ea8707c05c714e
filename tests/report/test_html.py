"""`--format html`: self-contained, escaped, deterministic, readable without JavaScript.

The page is checked as text here; tests/browser renders it in a real Chromium."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re
from datetime import date
from pathlib import Path

import pytest
from answered import answered
from report.conftest import make_checked_result

from dockwise.model import Finding, Package, RunConfig, ScanResult, Severity
from dockwise.report import html, render
from dockwise.report.html import Bar, bar_chart
from dockwise.report.sarif import help_uri

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>\x1b]0;pwned\x07\x1b[2J'


def scanned(result: ScanResult) -> ScanResult:
    """The reporter fixture as `scan --severity critical` would leave it: the five answers
    over every finding (a low history one among them), the critical one shown."""
    pkg = result.inventory.packages[3]
    finding = Finding("vulnerability", "CVE-2023-38545", Severity.CRITICAL, "SOCKS5 overflow",
                      pkg, pkg.location, fixed_version="7.88.1-10+deb12u4",
                      aliases=("DSA-5523-1",))  # fmt: skip
    checked = answered(dataclasses.replace(result, findings=(finding,)), date(2024, 6, 1))
    return dataclasses.replace(checked, findings=(finding,))


def hostile(result: ScanResult) -> ScanResult:
    config = dataclasses.replace(result.image.config, labels=(("title", HOSTILE),),
                                 user=HOSTILE)  # fmt: skip
    image = dataclasses.replace(result.image, config=config, repo_tags=(HOSTILE,))
    pkg = Package(HOSTILE, "1.0", "npm", "pkg:npm/x@1.0")
    inventory = dataclasses.replace(result.inventory, packages=(pkg,))
    return dataclasses.replace(result, image=image, inventory=inventory)


@pytest.fixture
def page(result) -> str:
    return render(scanned(result), "html")


def test_golden(page, golden):
    golden("report.html", page)


def test_same_result_same_bytes(result):
    assert render(scanned(result), "html") == render(scanned(make_checked_result()), "html")


def test_self_contained_no_fetch_of_any_kind(page):
    for pattern in (r"<link\b", r"\bsrc\s*=", r"@import", r"url\(", r"<iframe", r"<object"):
        assert not re.search(pattern, page, re.I), pattern
    assert "default-src 'none'" in page.replace("&#39;", "'")


def test_csp_allows_exactly_our_inline_style_and_script(page):
    csp = re.search(r'Content-Security-Policy" content="([^"]+)"', page)[1].replace("&#39;", "'")
    for tag in ("style", "script"):
        blocks = re.findall(rf"<{tag}>(.*?)</{tag}>", page, re.S)
        assert len(blocks) == 1, tag
        digest = base64.b64encode(hashlib.sha256(blocks[0].encode()).digest()).decode()
        assert f"{tag}-src 'sha256-{digest}'" in csp


def test_hostile_strings_are_text(result):
    page = render(hostile(scanned(result)), "html")
    assert page.count("<script>") == 1 and page.count("<script") == 1  # ours only
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "\x1b" not in page and "\x07" not in page
    assert "\\x1b]0;pwned\\x07\\x1b[2J" in page  # shown, so a reviewer sees it is there


def test_readable_without_javascript(page):
    """Verdicts, counts and every table row are in the HTML the server wrote."""
    static = re.sub(r"<script>.*?</script>", "", page, flags=re.S)
    for question in ("Where did it come from?", "What is inside?", "Who is going to patch it?",
                     "Who is going to support it?", "What about security?"):  # fmt: skip
        assert question in static
    assert "6 packages (deb 5, pypi 1)" in static
    assert static.count('<tr data-rank="5"') == 1  # the critical finding
    rows = re.search(r'id="packages-table".*?<tbody>(.*?)</tbody>', static, re.S)[1]
    assert rows.count("<tr>") == 6
    assert '<svg class="chart"' in static and "Findings by severity" in static


def test_sbom_has_no_findings_section_and_says_why(result):
    page = render(result, "html")
    assert 'id="findings"' not in page and 'id="answers"' not in page
    assert "no vulnerability scan was run" in page


def test_bar_chart_scales_and_escapes():
    svg = bar_chart([Bar("a<b", 10, "10"), Bar("zero", 0, "0")], "demo")
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([\d.]+)"', svg)]
    assert widths[0] > 0 and widths[1] == 0
    assert "a&lt;b" in svg and "a<b" not in svg


def test_root_user_card_warns(result):
    page = render(dataclasses.replace(result, image=dataclasses.replace(
        result.image, config=RunConfig(user=""))), "html")  # fmt: skip
    assert '<div class="card warn"><span class="value" title="root">root</span>' in page


def test_advisory_ids_link_to_the_page_sarif_and_gitlab_use(result):
    base = scanned(result)
    hostile_ref = Finding("vulnerability", "X-2024-1", Severity.LOW, "odd feed",
                          references=("javascript:alert(1)",))  # fmt: skip
    config = Finding("config", "config/root-user", Severity.MEDIUM, "container runs as root")
    page = render(dataclasses.replace(base, findings=(*base.findings, hostile_ref, config)),
                  "html")  # fmt: skip
    url = help_uri(base.findings[0])
    assert url == "https://nvd.nist.gov/vuln/detail/CVE-2023-38545"
    assert f'<a class="advisory" href="{url}" rel="noopener noreferrer">CVE-2023-38545</a>' in page
    assert page.count('class="advisory"') == 1  # no link without a known page, nor javascript:
    assert "javascript:" not in page


def test_card_values_never_break_inside():
    """Card values like "180.0 MiB" wrapped mid-unit; the rule that caused it is gone
    (tests/browser measures the rendered cards)."""
    css = (Path(html.__file__).parent / "html" / "report.css").read_text(encoding="utf-8")
    rule = re.search(r"\.card \.value \{([^}]*)\}", css)[1]
    assert "white-space: nowrap" in rule and "break-all" not in rule
