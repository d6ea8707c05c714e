# ruff: noqa: E501 -- record literals read best on one line
"""`dockwise scan` end to end: an image built with tools/imagepack, a small real database
built from corpus records with the database's own writer, argv in, exit code and text out."""

from __future__ import annotations

import json

import pytest
from corpus import fresh

from dockwise import cli
from dockwise.vulndb.advisory import Advisory, Affected, Range
from dockwise.vulndb.records import KevEntry
from dockwise.vulndb.store import DbWriter
from tests.checks.conftest import osv_records
from tools.imagepack import ImageSpec, write_docker_archive

pytestmark = pytest.mark.usefixtures("corpus_required")

STATUS = (
    "Package: libssl1.1\nStatus: install ok installed\nArchitecture: amd64\n"
    "Source: openssl\nVersion: 1.1.0l-1~deb9u6\n\n"  # carries DLA-3008-1's back-port
    "Package: libxml2\nStatus: install ok installed\nArchitecture: amd64\n"
    "Version: 2.9.4+dfsg1-2.2+deb9u6\n\n"  # one below DLA-3012-1's fix
)
METADATA = "Metadata-Version: 2.1\nName: requests\nVersion: 2.30.0\n"
LODASH = json.dumps({"name": "lodash", "version": "4.17.20"})


@pytest.fixture
def image(tmp_path) -> str:
    spec = ImageSpec(
        layers=[
            {"etc/os-release": 'ID=debian\nVERSION_ID="9"\n', "var/lib/dpkg/status": STATUS},
            {
                "usr/lib/python3/dist-packages/requests-2.30.0.dist-info/METADATA": METADATA,
                "app/node_modules/lodash/package.json": LODASH,
            },
        ],
        history=["debootstrap", "pip install requests; npm i lodash"],
    )
    path = tmp_path / "image.tar"
    write_docker_archive(spec, path)
    return f"docker-archive:{path}"


def _upstream() -> Advisory:
    """Would flag every 1.1.0 openssl if upstream ranges were ever used for Debian."""
    events = (("introduced", "0"), ("fixed", "1.1.1o"))
    return Advisory("UPSTREAM-OPENSSL", "osv:OSS-Fuzz", aliases=("CVE-2022-1292",),
                    affected=(Affected("OSS-Fuzz", "openssl", (Range("ECOSYSTEM", events),)),))  # fmt: skip


@pytest.fixture
def db(tmp_path) -> str:
    path = tmp_path / "dockwise.db"
    writer = DbWriter(path)
    records = [
        *osv_records("Debian", "DLA-3008-1", "DLA-3012-1"),
        *osv_records("PyPI", "PYSEC-2023-74", "PYSEC-2014-13"),
        *osv_records("npm", "GHSA-35jh-r3h4-6jhm", "GHSA-29mw-wpgm-hmr9"),
        _upstream(),
    ]
    for record in records:
        writer.add_advisory(record)
    writer.add_kev(KevEntry("CVE-2021-23337", "2023-01-01", "2023-01-22", "Unknown"))
    writer.finish({"built": fresh()})  # an old one would add a warning
    return str(path)


def _json_scan(capsys, *argv) -> dict:
    assert cli.main(["scan", "-q", "--no-cache", "--format", "json", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def _vulns(doc) -> list[dict]:
    """Only vulnerability findings: other checkers (config, secrets) report here too."""
    return [f for f in doc["findings"] if f["kind"] == "vulnerability"]


def _ids(doc) -> list[tuple[str, str, str]]:
    return [(f["rule_id"], f["package"]["name"], f["fixed_version"]) for f in _vulns(doc)]


def test_scan_reports_language_and_distro_findings_not_backports(image, db, capsys):
    doc = _json_scan(capsys, "--db", db, image)
    assert sorted(_ids(doc)) == [
        ("CVE-2020-28500", "lodash", "4.17.21"),
        ("CVE-2021-23337", "lodash", "4.17.21"),
        ("CVE-2022-29824", "libxml2", "2.9.4+dfsg1-2.2+deb9u7"),
        ("CVE-2023-32681", "requests", "2.31.0"),
    ]
    libxml2 = next(f for f in _vulns(doc) if f["package"]["name"] == "libxml2")
    evidence = {e["key"]: e["value"] for e in libxml2["evidence"]}
    assert evidence["record"] == "DLA-3012-1"
    assert evidence["compare"] == "0 <= 2.9.4+dfsg1-2.2+deb9u6 < 2.9.4+dfsg1-2.2+deb9u7 (dpkg)"
    lodash = next(f for f in _vulns(doc) if f["rule_id"] == "CVE-2021-23337")
    assert any(e["key"] == "kev" for e in lodash["evidence"])


def test_filters_and_suppression(image, db, tmp_path, capsys):
    ignore = tmp_path / "ignore.yaml"
    ignore.write_text(
        "ignore:\n"
        "  - {id: GHSA-j8r2-6x86-q33q, reason: no proxies, expires: 2999-01-01}\n"
        "  - {id: CVE-2020-28500, reason: old excuse, expires: 2000-01-01}\n"
    )
    doc = _json_scan(capsys, "--db", db, "--severity", "high", "--ignore-file", str(ignore), image)
    # unknown severity is never "below" a level: the unrated libxml2 record stays shown
    assert [(f["rule_id"], f["severity"]) for f in _vulns(doc)] == [
        ("CVE-2022-29824", "unknown"), ("CVE-2021-23337", "high")]  # fmt: skip
    assert all(f["severity"] in ("unknown", "high", "critical") for f in doc["findings"])
    doc = _json_scan(capsys, "--db", db, "--ignore-file", str(ignore), "--show-suppressed", image)
    suppressed = {f["rule_id"]: f["suppressed"] for f in _vulns(doc) if f["suppressed"]}
    assert suppressed == {"CVE-2023-32681": "ignored: no proxies"}
    assert any("expired on 2000-01-01" in w["message"] for w in doc["warnings"])


def test_table_and_cyclonedx(image, db, capsys):
    assert cli.main(["scan", "-q", "--no-cache", "--db", db, image]) == 0
    out = capsys.readouterr().out
    assert "Vulnerabilities (" in out and "2.9.4+dfsg1-2.2+deb9u7" in out
    assert out.index("1. Where did it come from?") < out.index("5. What about security?")
    assert cli.main(["scan", "-q", "--no-cache", "--db", db, "-f", "cyclonedx-json", image]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["vulnerabilities"]) == 4


def test_missing_database_offline_is_one_line(image, tmp_path, capsys):
    """Online, a missing database is built first (tests/vulndb/test_first_run.py)."""
    missing = tmp_path / "none.db"
    assert cli.main(["scan", "-q", "--offline", "--db", str(missing), image]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"dockwise: error: no vulnerability database at {missing} and ")
    assert "`dockwise db import BUNDLE`" in err and err.count("\n") == 1
