"""`fleet report` in its three formats, on both backends: images by risk, what the latest
database release changed, and findings per release."""

from __future__ import annotations

import html
import json
import re

from fleet_fixtures import GZIP, GZIP_ADVISORY, GZIP_CVE, build_db

from dockwise.cli import main

WITHDRAWN = {**GZIP_ADVISORY, "withdrawn": "2026-12-02T00:00:00Z",
             "modified": "2026-12-02T00:00:00Z"}  # fmt: skip


def report(capsys, fmt: str) -> str:
    capsys.readouterr()
    assert main(["fleet", "report", "-f", fmt]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return out


def test_the_report_follows_releases(capsys, store_url, demo_image, tmp_path):
    db = build_db(tmp_path, tmp_path / "v.db")
    assert main(["fleet", "add", "-q", "--db", str(db), str(demo_image)]) == 0
    first = json.loads(report(capsys, "json"))
    [point] = first["trend"]
    assert point["opened"] == point["open"] > 0 and point["resolved"] == 0
    assert {c["change"] for c in first["changes"]} == {"new"}  # a new image's findings

    build_db(tmp_path, db, GZIP_ADVISORY)
    assert main(["fleet", "rematch", "--db", str(db)]) == 0
    second = json.loads(report(capsys, "json"))
    assert [(c["change"], c["package"], c["vuln_id"]) for c in second["changes"]] == [
        ("new", GZIP, GZIP_CVE)]  # fmt: skip
    assert [t["opened"] for t in second["trend"]] == [point["opened"], 1]
    assert second["trend"][-1]["open"] == point["open"] + 1
    [image] = second["images"]
    assert image["rebuild"] == ["a fix is published for 1 OS package: gzip"]

    build_db(tmp_path, db, WITHDRAWN)
    assert main(["fleet", "rematch", "--db", str(db)]) == 0
    third = json.loads(report(capsys, "json"))
    assert [(c["change"], c["vuln_id"]) for c in third["changes"]] == [("resolved", GZIP_CVE)]
    assert [(t["resolved"], t["open"]) for t in third["trend"]][-1] == (1, point["open"])

    page = report(capsys, "html")
    policy = html.unescape(re.search(r'Content-Security-Policy" content="([^"]*)"', page)[1])
    assert "default-src 'none'" in policy and "script-src 'none'" in policy
    assert "<script" not in page and not re.search(r'(src|href)="(https?:)?//', page)
    assert GZIP_CVE in page and "docker.io/library/dockwise-demo:1.0" in page
    assert page.count("<svg") == 2

    text = report(capsys, "markdown")
    assert f"| resolved | docker.io/library/dockwise-demo:1.0 | {GZIP} | {GZIP_CVE} |" in text
    assert "## Findings per release" in text and len(re.findall(r"^\| 20", text, re.M)) == 3


def test_an_empty_fleet_reports_so(capsys, store_url):
    assert json.loads(report(capsys, "json"))["release"] is None
    assert "The fleet is empty" in report(capsys, "html")
    assert "No database release matched yet." in report(capsys, "markdown")
