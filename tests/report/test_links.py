"""Every advisory id links to its own record, through one function, in SARIF, GitLab,
HTML and Markdown; SARIF's security-severity is the deciding CVSS score when there is one;
the HTML says where a severity came from on hover."""

from __future__ import annotations

import dataclasses
import json

import pytest

from dockwise.model import Cvss, Finding, Severity
from dockwise.report import render
from dockwise.report.links import advisory_url
from tests.policy.conftest import bad_result


@pytest.mark.parametrize(
    ("ident", "url"),
    [
        ("CVE-2019-12308", "https://nvd.nist.gov/vuln/detail/CVE-2019-12308"),
        ("GHSA-7rp2-fm2h-wchj", "https://github.com/advisories/GHSA-7rp2-fm2h-wchj"),
        ("DSA-5514-1", "https://security-tracker.debian.org/tracker/DSA-5514-1"),
        ("DLA-3008-1", "https://security-tracker.debian.org/tracker/DLA-3008-1"),
        ("TEMP-0841856-B18BAF", "https://security-tracker.debian.org/tracker/TEMP-0841856-B18BAF"),
        ("PYSEC-2019-79", "https://osv.dev/vulnerability/PYSEC-2019-79"),
        ("GO-2021-0067", "https://osv.dev/vulnerability/GO-2021-0067"),
        ("SNYK-PYTHON-JINJA2-1012994", "https://security.snyk.io/vuln/SNYK-PYTHON-JINJA2-1012994"),
        ("X-2024-1", ""),  # no known database: no guessed link
        ("config/root-user", ""),
        ("CVE-1\"><script>", ""),  # from a hostile feed: not an id
        ("javascript:alert(1)", ""),
    ],
)
def test_advisory_url(ident, url):
    assert advisory_url(ident) == url


PILLOW = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H"


def _pysec_finding() -> Finding:
    """A PYSEC-only finding rated by NVD's CVSS, with a GHSA alias."""
    return Finding(
        "vulnerability", "PYSEC-2023-175", Severity.HIGH, "Pillow bundled libwebp",
        aliases=("GHSA-56pw-mpj4-fxww",), severity_source="nvd cvss 3.1",
        evidence=(("severity", f"high from nvd cvss 3.1 {PILLOW} (8.8)"),),
        cvss=(Cvss("nvd", "3.1", PILLOW, 8.8),),
    )  # fmt: skip


def _with(finding: Finding):
    result = bad_result()
    return dataclasses.replace(result, findings=(finding, *result.findings))


def test_markdown_links_the_id_and_every_alias():
    text = render(_with(_pysec_finding()), "markdown")
    assert (
        "| high | [PYSEC-2023-175](https://osv.dev/vulnerability/PYSEC-2023-175) "
        "([GHSA-56pw-mpj4-fxww](https://github.com/advisories/GHSA-56pw-mpj4-fxww)) |"
    ) in text


def test_html_links_the_id_and_every_alias():
    page = render(_with(_pysec_finding()), "html")
    assert '<span class="sev sev-high" title="high from nvd cvss 3.1 CVSS:3.1/' in page
    assert (
        '<a class="advisory" href="https://osv.dev/vulnerability/PYSEC-2023-175" '
        'rel="noopener noreferrer">PYSEC-2023-175</a><span class="aliases">'
        '<a class="alias" href="https://github.com/advisories/GHSA-56pw-mpj4-fxww" '
        'rel="noopener noreferrer">GHSA-56pw-mpj4-fxww</a></span>'
    ) in page


def test_sarif_security_severity_is_the_deciding_score():
    doc = json.loads(render(_with(_pysec_finding()), "sarif"))
    rules = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    pysec = rules["PYSEC-2023-175"]
    assert pysec["properties"]["security-severity"] == "8.8"
    assert pysec["helpUri"] == "https://osv.dev/vulnerability/PYSEC-2023-175"
    # rated by a distro's word, no score decided: a number inside the band
    assert rules["CVE-2023-4911"]["properties"]["security-severity"] == "8.0"
