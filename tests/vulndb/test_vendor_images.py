"""Vendor feeds end to end: an RPM image built here (real rpm tools, tests/rpmgen.py),
a database built by `db update` from a loopback mirror in the vendor's upstream layout,
and `dockwise scan` against it. Each image carries a vulnerable package that must be
reported with the vendor's fix and rating, and back-ported fixes that a naive version
comparison would report: a release that sorts above the fix only by rpmvercmp
(`.0.10` > `.0.4`), and an epoch that outranks a higher upstream version."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rpmgen
from feed_mirror import FAST, Mirror, serve, vendor_files
from rpmgen import SpecPackage

from dockwise import cli
from dockwise.vulndb.feeds import amazon
from dockwise.vulndb.update import update
from tools.imagepack import ImageSpec, write_oci_archive

DB = "var/lib/rpm/rpmdb.sqlite"


def rpm_image(work: Path, os_release: str, packages: list[SpecPackage]) -> str:
    rpms = rpmgen.build_rpms(packages, work / "rpms")
    database = rpmgen.install(rpms, work / "db").read_bytes()
    path = work / "image.tar"
    write_oci_archive(ImageSpec(layers=[{"etc/os-release": os_release, DB: database}]), path)
    return str(path)


def vendor_db(work: Path, *feeds) -> str:
    path = work / "dockwise.db"
    with serve(Mirror(url="", files=vendor_files())) as state:
        result = update(path, mirror=state.url, feeds=feeds, policy=FAST)
    assert not result.partial, result.warnings
    return str(path)


def scan(capsys, image: str, db: str) -> dict:
    code = cli.main(["scan", "-q", "--no-cache", "--format", "json", "--db", db, image])
    assert code in (0, 1)
    return json.loads(capsys.readouterr().out)


def vulnerabilities(doc: dict) -> dict[tuple[str, str], dict]:
    return {(f["package"]["name"], f["rule_id"]): f for f in doc["findings"]
            if f["kind"] == "vulnerability"}  # fmt: skip


AMAZON_2023 = (
    'NAME="Amazon Linux"\nVERSION="2023"\nID="amzn"\nID_LIKE="fedora"\nVERSION_ID="2023"\n'
)


@pytest.fixture(scope="module")
def amazon_scan(tmp_path_factory, request) -> dict:
    work = tmp_path_factory.mktemp("al2023")
    image = rpm_image(work, AMAZON_2023, [
        SpecPackage("curl", "8.0.1", "1.amzn2023"),
        # ALAS2023-2023-181 fixes 1:3.0.8-29.amzn2023.0.4; .0.10 is later (rpmvercmp)
        SpecPackage("openssl", "3.0.8", "29.amzn2023.0.10", epoch=1, subpackage="openssl-libs"),
        # ALAS2023-2023-100 fixes 4.14.0-1.amzn2023.0.1 (epoch 0); epoch 2 is later
        SpecPackage("shadow-utils", "4.9", "1.amzn2023", epoch=2),
    ])  # fmt: skip
    return {"image": image, "db": vendor_db(work, amazon.FEED)}


def test_amazon_linux_2023_reports_the_alas_and_not_the_backported_fixes(capsys, amazon_scan):
    doc = scan(capsys, amazon_scan["image"], amazon_scan["db"])
    found = vulnerabilities(doc)
    assert set(found) == {("curl", "CVE-2023-46218")}
    curl = found["curl", "CVE-2023-46218"]
    assert curl["fixed_version"] == "8.5.0-1.amzn2023.0.1"
    assert curl["status"] == "fixed"
    assert curl["severity"] == "high"  # ALAS "Important"
    evidence = {e["key"]: e["value"] for e in curl["evidence"]}
    assert evidence["feed"] == "amazon-alas"
    assert evidence["record"] == "ALAS2023-2024-480"
    assert evidence["compare"] == "0 <= 8.0.1-1.amzn2023 < 8.5.0-1.amzn2023.0.1 (rpm)"
    assert evidence["severity"] == "high from amazonlinux rating Important"


def test_amazon_linux_2023_is_covered(capsys, amazon_scan):
    doc = scan(capsys, amazon_scan["image"], amazon_scan["db"])
    groups = {g["label"]: g for g in doc["coverage"]}
    assert groups["Amazon Linux 2023"]["state"] == "covered"
    assert groups["Amazon Linux 2023"]["packages"] == 4
