"""Issue 13, item 6: an SBOM's OS components are matched against the release their own
purl names (`distro=debian-10`), else the SBOM's operating-system component; one with
no release at all is an uncovered group, never matched against a guess."""

from __future__ import annotations

import json

import pytest
from corpus import fresh

from dockwise import cli
from dockwise.vulndb.advisory import Advisory, Affected, Range
from dockwise.vulndb.store import DbWriter

# Debian 10 back-ported the fix into deb10u3; Debian 11 fixed it in deb11u4.
FIXES = {"Debian:10": "1.1.1n-0+deb10u3", "Debian:11": "1.1.1n-0+deb11u4"}


def component(version: str, qualifier: str = "") -> dict:
    distro = f"&distro={qualifier}" if qualifier else ""
    return {"type": "library", "name": "openssl", "version": version,
            "purl": f"pkg:deb/debian/openssl@{version}?arch=amd64{distro}"}  # fmt: skip


def write_sbom(path, *components: dict, os_version: str = "") -> str:
    listed = list(components)
    if os_version:
        listed.append({"type": "operating-system", "name": "debian", "version": os_version})
    doc = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
           "metadata": {"component": {"type": "container", "name": "mixed"}},
           "components": listed}  # fmt: skip
    path.write_text(json.dumps(doc))
    return f"sbom:{path}"


@pytest.fixture
def db(tmp_path) -> str:
    path = tmp_path / "v.db"
    writer = DbWriter(path)
    affected = tuple(
        Affected(eco, "openssl", (Range("ECOSYSTEM", (("introduced", "0"), ("fixed", fix))),))
        for eco, fix in FIXES.items()
    )
    writer.add_advisory(Advisory("DSA-0001-1", "debian-dsa", aliases=("CVE-2099-0001",),
                                 affected=affected))  # fmt: skip
    writer.finish({"built": fresh()})
    return str(path)


def scan(capsys, db: str, source: str) -> tuple[dict, str]:
    capsys.readouterr()
    assert cli.main(["scan", "-q", "--no-cache", "-f", "json", "--db", db, source]) == 0
    out, err = capsys.readouterr()
    return json.loads(out), err


def flagged(doc: dict) -> list[tuple[str, str]]:
    return [(f["package"]["version"], f["fixed_version"]) for f in doc["findings"]
            if f["kind"] == "vulnerability"]  # fmt: skip


def test_each_component_is_matched_against_its_own_release(db, tmp_path, capsys):
    # the Debian 11 component first: matching the whole SBOM against the first release
    # seen would report the Debian 10 one, whose back-ported fix it already carries
    source = write_sbom(tmp_path / "bom.json", component("1.1.1n-0+deb11u3", "debian-11"),
                        component("1.1.1n-0+deb10u3", "debian-10"))  # fmt: skip
    doc, err = scan(capsys, db, source)
    assert err == ""
    assert flagged(doc) == [("1.1.1n-0+deb11u3", "1.1.1n-0+deb11u4")]
    assert [(g["label"], g["packages"], g["state"]) for g in doc["coverage"]] == [
        ("Debian 10", 1, "covered"), ("Debian 11", 1, "covered")]  # fmt: skip


def test_a_component_without_a_release_is_an_uncovered_group(db, tmp_path, capsys):
    source = write_sbom(tmp_path / "bom.json", component("1.1.1n-0+deb11u3", "debian-11"),
                        component("1.1.1n-0+deb10u2", "debian-10"),
                        component("1.1.1n-0"))  # fmt: skip
    doc, err = scan(capsys, db, source)
    assert sorted(flagged(doc)) == [("1.1.1n-0+deb10u2", "1.1.1n-0+deb10u3"),
                                    ("1.1.1n-0+deb11u3", "1.1.1n-0+deb11u4")]  # fmt: skip
    (unknown,) = [g for g in doc["coverage"] if g["state"] != "covered"]
    assert (unknown["label"], unknown["packages"], unknown["state"]) == (
        "deb (release unknown)", 1, "not supported")  # fmt: skip
    assert (
        "dockwise: warning: unknown for 1 deb (release unknown) package: no distro release" in err
    )


def test_a_component_without_a_qualifier_falls_back_to_the_sbom_release(db, tmp_path, capsys):
    source = write_sbom(tmp_path / "bom.json", component("1.1.1n-0+deb10u2", "debian-10"),
                        component("1.1.1n-0+deb11u3"), os_version="11")  # fmt: skip
    doc, _ = scan(capsys, db, source)
    assert sorted(flagged(doc)) == [("1.1.1n-0+deb10u2", "1.1.1n-0+deb10u3"),
                                    ("1.1.1n-0+deb11u3", "1.1.1n-0+deb11u4")]  # fmt: skip
    assert doc["distro"]["version_id"] == "11"
    assert [(g["label"], g["packages"]) for g in doc["coverage"]] == [
        ("Debian 10", 1),
        ("Debian 11", 1),
    ]


def test_a_hostile_release_name_is_escaped_on_stderr(db, tmp_path, capsys):
    source = write_sbom(tmp_path / "bom.json", component("1.0", "evil%1B%5D0%3Bpwned%07-1"))
    doc, err = scan(capsys, db, source)
    assert [g["label"] for g in doc["coverage"]] == ["evil\x1b]0;pwned\x07 1"]
    assert "\x1b" not in err and "\x07" not in err
    assert "unknown for 1 evil\\x1b]0;pwned\\x07 1 package: dockwise has no advisory source" in err
