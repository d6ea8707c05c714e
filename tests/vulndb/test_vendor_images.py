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
from dockwise.vulndb.feeds import amazon, azure_linux, oracle, photon, wolfi_secdb
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


def evidence(finding: dict) -> dict[str, str]:
    return {e["key"]: e["value"] for e in finding["evidence"]}


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
    said = evidence(curl)
    assert said["feed"] == "amazon-alas"
    assert said["record"] == "ALAS2023-2024-480"
    assert said["compare"] == "0 <= 8.0.1-1.amzn2023 < 8.5.0-1.amzn2023.0.1 (rpm)"
    assert said["severity"] == "high from amazonlinux rating Important"


def test_amazon_linux_2023_is_covered(capsys, amazon_scan):
    doc = scan(capsys, amazon_scan["image"], amazon_scan["db"])
    groups = {g["label"]: g for g in doc["coverage"]}
    assert groups["Amazon Linux 2023"]["state"] == "covered"
    assert groups["Amazon Linux 2023"]["packages"] == 4


ORACLE_9 = 'NAME="Oracle Linux Server"\nVERSION="9.3"\nID="ol"\nVERSION_ID="9.3"\n'


def test_oracle_linux_9_reports_the_elsa_of_its_release_only(capsys, tmp_path):
    image = rpm_image(tmp_path, ORACLE_9, [
        SpecPackage("curl", "7.76.1", "26.el9_3"),
        # ELSA-2023-7746 fixes 1:3.0.7-25.0.1.el9_3; epoch 2 outranks the higher version
        SpecPackage("openssl", "3.0.1", "1.el9", epoch=2),
    ])  # fmt: skip
    doc = scan(capsys, image, vendor_db(tmp_path, oracle.FEED))
    found = vulnerabilities(doc)
    assert set(found) == {("curl", "CVE-2023-46218")}
    curl = found["curl", "CVE-2023-46218"]
    assert curl["fixed_version"] == "0:7.76.1-26.el9_3.2"  # OL9's fix, not OL8's
    assert curl["severity"] == "medium"  # ELSA "MODERATE"
    assert evidence(curl)["record"] == "ELSA-2024-0012"
    assert {g["label"]: g["state"] for g in doc["coverage"]}["Oracle Linux 9.3"] == "covered"


AZURE_3 = 'NAME="Microsoft Azure Linux"\nVERSION="3.0.20240201"\nID=azurelinux\nVERSION_ID="3.0"\n'


def test_azure_linux_3_reports_fixed_and_unpatched_with_the_vendor_state(capsys, tmp_path):
    image = rpm_image(tmp_path, AZURE_3, [
        SpecPackage("curl", "8.4.0", "1.azl3"),
        SpecPackage("openssl", "3.3.0", "1.azl3"),  # exactly the fixed build
    ])  # fmt: skip
    doc = scan(capsys, image, vendor_db(tmp_path, azure_linux.FEED))
    found = vulnerabilities(doc)
    assert set(found) == {("curl", "CVE-2023-46218"), ("curl", "CVE-2024-2398")}
    fixed = found["curl", "CVE-2023-46218"]
    assert (fixed["status"], fixed["fixed_version"]) == ("fixed", "0:8.5.0-1.azl3")
    unpatched = found["curl", "CVE-2024-2398"]
    assert (unpatched["status"], unpatched["fixed_version"]) == ("open", "")
    assert evidence(unpatched)["status"] == "open (no patched version available yet)"
    assert unpatched["severity"] == "high"


PHOTON_5 = 'NAME="VMware Photon OS"\nVERSION="5.0"\nID=photon\nVERSION_ID=5.0\n'


def test_photon_5_matches_subpackages_by_their_source(capsys, tmp_path):
    """Photon's rows name the source package: `openssl-libs` (built from `openssl`) is
    affected too; `curl` is at the fix for one CVE and has no fix for the other."""
    image = rpm_image(tmp_path, PHOTON_5, [
        SpecPackage("openssl", "3.0.8", "1.ph5", subpackage="openssl-libs"),
        SpecPackage("curl", "8.5.0", "1.ph5"),
    ])  # fmt: skip
    doc = scan(capsys, image, vendor_db(tmp_path, photon.FEED))
    found = vulnerabilities(doc)
    assert set(found) == {
        ("openssl", "CVE-2023-2650"), ("openssl-libs", "CVE-2023-2650"),
        ("curl", "CVE-2024-2398"),
    }  # fmt: skip
    assert found["openssl-libs", "CVE-2023-2650"]["fixed_version"] == "3.0.9-1.ph5"
    assert evidence(found["openssl-libs", "CVE-2023-2650"])["package"] == (
        "Photon OS:5 openssl 3.0.8-1.ph5"
    )
    assert found["curl", "CVE-2024-2398"]["status"] == "open"


WOLFI_APK = """P:busybox
V:1.36.1-r1
A:x86_64
o:busybox

P:openssl
V:3.1.4-r10
A:x86_64
o:openssl

"""


def test_wolfi_secdb_with_apk_ordering(capsys, tmp_path):
    """busybox r1 lacks the r2 fix; openssl r10 has the r10 and r0 fixes (apk orders
    r10 above r2, where text would not)."""
    path = tmp_path / "wolfi.tar"
    layer = {"etc/os-release": 'ID=wolfi\nNAME="Wolfi"\nVERSION_ID=20230201\n',
             "lib/apk/db/installed": WOLFI_APK}  # fmt: skip
    write_oci_archive(ImageSpec(layers=[layer]), path)
    doc = scan(capsys, str(path), vendor_db(tmp_path, wolfi_secdb.WOLFI_FEED))
    found = vulnerabilities(doc)
    assert set(found) == {("busybox", "CVE-2023-42363"), ("busybox", "CVE-2023-42364")}
    assert found["busybox", "CVE-2023-42364"]["aliases"] == ["GHSA-xxxx-yyyy-zzzz"]
    assert found["busybox", "CVE-2023-42363"]["fixed_version"] == "1.36.1-r2"
    assert evidence(found["busybox", "CVE-2023-42363"])["feed"] == "wolfi-secdb"
    assert {g["label"]: g["state"] for g in doc["coverage"]}["Wolfi 20230201"] == "covered"
