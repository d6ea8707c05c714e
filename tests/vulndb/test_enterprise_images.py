"""Enterprise RPM images end to end (issue 21): an image per family, built here with the
real rpm tools, scanned against a database built from a loopback mirror in the vendors'
own layouts. In each, a back-ported fix (the distribution's build at or above its own
fixed version, below upstream's) is not reported, and the vendor's verdicts reach the
report as its words: will-not-fix, end-of-life, open, not-affected.

- RHEL (UBI): Red Hat's CSAF VEX archive (fixtures in tests/assets/vulndb/redhat-vex/).
- AlmaLinux: the real AlmaLinux OSV archive of the shared corpus.
- SLES: OSV `SUSE` records written here after the OSV schema's SUSE ecosystem (source
  rpm names, marketing release names) and SUSE's published records (SUSE-SU-...).
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import rpmgen
from corpus import CORPUS
from feed_mirror import FAST, Mirror, serve, vex_files

from dockwise import cli
from dockwise.vulndb.feeds import osv, redhat_vex
from dockwise.vulndb.update import update
from tools.imagepack import ImageSpec, write_oci_archive

DB = "usr/lib/sysimage/rpm/rpmdb.sqlite"
RHEL = 'NAME="Red Hat Enterprise Linux"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.3"\n'
ALMA = 'NAME="AlmaLinux"\nID="almalinux"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.3"\n'
SLES = 'NAME="SLES"\nVERSION="15-SP5"\nVERSION_ID="15.5"\nID="sles"\nID_LIKE="suse"\n'
OPENSSL = rpmgen.SpecPackage("openssl", "3.0.7", "25.el9_3", epoch=1, subpackage="openssl-libs")
NODEJS = rpmgen.SpecPackage(
    "nodejs", "18.14.2", "3.module+el9.2.0+18196+2e6c3f2e", epoch=1,
    modularity_label="nodejs:18:9020020230228163431:rhel9",
)  # fmt: skip
EL9 = [
    rpmgen.SpecPackage("plain", "1.0"), rpmgen.SpecPackage("epoch-one", "0.5", "3.el9_3", epoch=1),
]  # fmt: skip
SUSE_OPENSSL = rpmgen.SpecPackage("openssl-3", "3.0.8", "150500.5.20.1", subpackage="libopenssl3")


def _image(tmp_path_factory, name: str, os_release: str, packages) -> str:
    work = tmp_path_factory.mktemp(name)
    db = rpmgen.install(rpmgen.build_rpms(packages, work / "rpms"), work / "db").read_bytes()
    path = work / f"{name}.tar"
    write_oci_archive(ImageSpec(layers=[{"etc/os-release": os_release, DB: db}]), path)
    return str(path)


def _scan(tmp_path, capsys, image: str, files: dict, feeds) -> dict:
    with serve(Mirror(url="", files=files)) as state:
        result = update(tmp_path / "v.db", mirror=state.url, feeds=feeds, policy=FAST)
    assert not result.partial, result.warnings
    cli.main(["scan", "-q", "--db", str(tmp_path / "v.db"), "-f", "json", image])
    return json.loads(capsys.readouterr().out)


def _vulns(doc: dict) -> dict[tuple[str, str], tuple[str, str]]:
    return {(f["rule_id"], f["package"]["name"]): (f["status"], f["fixed_version"])
            for f in doc["findings"] if f["kind"] == "vulnerability"}  # fmt: skip


def _coverage(doc: dict) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(g["label"], g["state"], tuple(g["ecosystems"])) for g in doc["coverage"]]


@pytest.fixture(scope="module")
def rhel(tmp_path_factory) -> str:
    return _image(tmp_path_factory, "ubi9", RHEL, [*EL9, OPENSSL, NODEJS])


def test_rhel_image_against_red_hat_vex(tmp_path, capsys, rhel):
    doc = _scan(tmp_path, capsys, rhel, vex_files(), (redhat_vex.FEED,))
    assert _vulns(doc) == {
        # CVE-2099-1001 is fixed in 1:3.0.7-25.el9_3, the installed back-port: not reported
        ("CVE-2099-1002", "openssl"): ("will-not-fix", ""),
        ("CVE-2099-1002", "openssl-libs"): ("will-not-fix", ""),  # by its source rpm
        ("CVE-2099-1002", "plain"): ("open", ""),
        ("CVE-2099-1002", "epoch-one"): ("end-of-life", ""),  # "Out of support scope"
        ("CVE-2099-1003", "openssl"): ("fixed", "1:3.0.7-27.el9"),
        ("CVE-2099-1003", "openssl-libs"): ("fixed", "1:3.0.7-27.el9"),
        # the nodejs:18 stream's own fix, never the non-modular nodejs 20 build's
        ("CVE-2099-1003", "nodejs"): ("fixed", "1:18.19.0-1.module+el9.3.0+20473+c4e3d824"),
        ("CVE-2099-1004", "plain"): ("open", ""),  # under investigation; epoch-one not affected
    }
    wont = next(f for f in doc["findings"] if f["rule_id"] == "CVE-2099-1002"
                and f["package"]["name"] == "openssl")  # fmt: skip
    evidence = [(e["key"], e["value"]) for e in wont["evidence"]]
    assert ("status", "will-not-fix (Will not fix)") in evidence
    assert ("feed", "redhat-csaf-vex") in evidence
    assert wont["severity"] == "low" and wont["severity_source"] == "redhat impact"
    [(label, state, ecosystems)] = _coverage(doc)
    assert (label, state) == ("Red Hat 9.3", "covered")
    assert ecosystems[:2] == ("Red Hat:enterprise_linux:9", "Red Hat:enterprise_linux:9::baseos")


@pytest.fixture(scope="module")
def alma(tmp_path_factory) -> str:
    return _image(tmp_path_factory, "alma9", ALMA, [*EL9, OPENSSL])


def test_alma_image_against_real_almalinux_osv(tmp_path, capsys, alma):
    files = {"/osv/AlmaLinux/all.zip": CORPUS / "osv" / "AlmaLinux" / "all.zip"}
    doc = _scan(tmp_path, capsys, alma, files, (osv.FEED,))
    found = _vulns(doc)
    assert _coverage(doc) == [("AlmaLinux 9.3", "covered", ("AlmaLinux:9",))]
    assert ("ALSA-2024:0310", "openssl") not in found  # fixed in 1:3.0.7-25.el9_3: installed
    assert found[("ALSA-2024:2447", "openssl")] == ("fixed", "1:3.0.7-27.el9")
    assert found[("ALSA-2024:2447", "openssl-libs")] == ("fixed", "1:3.0.7-27.el9")
    assert {name for _, name in found} == {"openssl", "openssl-libs"}


def _suse_record(ident: str, ecosystem: str, fixed: str) -> dict:
    """An OSV record as SUSE publishes them: the source rpm, its binaries, a purl."""
    release = ecosystem.split(":", 1)[1]
    return {
        "schema_version": "1.6.0", "id": ident, "modified": "2099-01-10T00:00:00Z",
        "published": "2099-01-10T00:00:00Z", "summary": "Security update for openssl-3",
        "upstream": [f"CVE-{ident[8:12]}-{ident[13:17]}"],
        "affected": [{
            "package": {"ecosystem": ecosystem, "name": "openssl-3",
                        "purl": f"pkg:rpm/suse/openssl-3&distro={release}"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}],
            "ecosystem_specific": {"binaries": [{"libopenssl3": fixed, "openssl-3": fixed}]},
        }],
    }  # fmt: skip


def _zip(records: list[dict]) -> bytes:
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w") as archive:
        for record in records:
            archive.writestr(f"{record['id']}.json", json.dumps(record))
    return raw.getvalue()


@pytest.fixture(scope="module")
def sles(tmp_path_factory) -> str:
    return _image(tmp_path_factory, "sles15", SLES, [SUSE_OPENSSL])


def test_sles_image_against_suse_osv_of_its_own_release(tmp_path, capsys, sles):
    basesystem = "SUSE:Linux Enterprise Module for Basesystem 15 SP5"
    records = [
        _suse_record("SUSE-SU-2099:0001-1", basesystem, "3.0.8-150500.5.20.1"),  # installed
        _suse_record("SUSE-SU-2099:0002-1", basesystem, "3.0.8-150500.5.27.1"),
        _suse_record("SUSE-SU-2099:0003-1", "SUSE:Linux Enterprise Server 15 SP4", "3.1.4-1"),
        _suse_record("SUSE-SU-2099:0004-1", "openSUSE:Leap 15.5", "3.1.4-1"),
    ]
    files = {"/osv/SUSE/all.zip": _zip(records)}
    doc = _scan(tmp_path, capsys, sles, files, (osv.FEED,))
    found = _vulns(doc)
    [(label, state, ecosystems)] = _coverage(doc)
    assert (label, state, ecosystems[1]) == ("SUSE 15.5", "covered", basesystem)
    assert found == {  # by the source rpm, for the library built from it too
        ("CVE-2099-0002", "openssl-3"): ("fixed", "3.0.8-150500.5.27.1"),
        ("CVE-2099-0002", "libopenssl3"): ("fixed", "3.0.8-150500.5.27.1"),
    }


def test_rhel_without_the_vex_archive_is_not_covered(tmp_path, capsys, rhel):
    """A mirror that lacks Red Hat's files: the RHEL packages are "unknown", not clean."""
    files = {"/osv/AlmaLinux/all.zip": CORPUS / "osv" / "AlmaLinux" / "all.zip"}
    with serve(Mirror(url="", files=files)) as state:
        update(tmp_path / "v.db", mirror=state.url, feeds=(redhat_vex.FEED, osv.FEED),
               policy=FAST)  # fmt: skip
    cli.main(["scan", "-q", "--db", str(tmp_path / "v.db"), "-f", "json", rhel])
    [group] = json.loads(capsys.readouterr().out)["coverage"]
    assert (group["label"], group["state"]) == ("Red Hat 9.3", "feed missing or failed")
    assert "redhat-csaf-vex archive_latest.txt (missing)" in group["reason"]
