"""An RPM-based image end to end: distro family, packages and layers in every format.

The rpm databases are written by the real rpm tools (tests/rpmgen.py); no rpm binary
is used while scanning.
"""

from __future__ import annotations

import json

import pytest
import rpmgen
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from dockwise import cli
from tools.imagepack import ImageSpec, write_oci_archive

OS_RELEASE = (
    'NAME="Rocky Linux"\nVERSION="9.3 (Blue Onyx)"\nID="rocky"\nID_LIKE="rhel centos fedora"\n'
    'VERSION_ID="9.3"\nPRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"\n'
)
DB = "usr/lib/sysimage/rpm/rpmdb.sqlite"


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> str:
    work = tmp_path_factory.mktemp("rpmimage")
    base = [p for p in rpmgen.DEFAULT_PACKAGES if p.name in ("plain", "epoch-one")]
    more = [p for p in rpmgen.DEFAULT_PACKAGES if p.name == "openssl"]
    base_rpms = rpmgen.build_rpms(base, work / "base")
    more_rpms = rpmgen.build_rpms(more, work / "more")
    first = rpmgen.install(base_rpms, work / "db1").read_bytes()
    second = rpmgen.install(base_rpms + more_rpms, work / "db2").read_bytes()
    spec = ImageSpec(
        layers=[{"etc/os-release": OS_RELEASE, DB: first}, {DB: second}],
        history=["ADD rocky-9.3-rootfs.tar /", "RUN dnf install -y openssl"],
        compression="zstd",
    )
    path = work / "rocky.tar"
    write_oci_archive(spec, path)
    return str(path)


def scan(capsys, image: str, fmt: str) -> str:
    assert cli.main(["sbom", "-q", "-f", fmt, image]) == 0
    return capsys.readouterr().out


EXPECTED = {
    ("plain", "1.0-1", 0),
    ("epoch-one", "1:0.5-3.el9_3", 0),
    ("openssl", "1:3.0.7-25.el9_3", 1),
    ("openssl-libs", "1:3.0.7-25.el9_3", 1),
}


def test_json_reports_family_version_packages_and_layers(capsys, image):
    doc = json.loads(scan(capsys, image, "json"))
    assert (doc["distro"]["id"], doc["distro"]["version_id"]) == ("rocky", "9.3")
    assert "rhel" in doc["distro"]["id_like"]
    found = {(p["name"], p["version"], p["location"]["layer"]["index"]) for p in doc["packages"]}
    assert found == EXPECTED
    openssl = next(p for p in doc["packages"] if p["name"] == "openssl")
    assert openssl["purl"] == (
        "pkg:rpm/rocky/openssl@3.0.7-25.el9_3?arch=noarch&distro=rocky-9.3&epoch=1"
    )


def test_cyclonedx_validates_and_carries_layers(capsys, image):
    text = scan(capsys, image, "cyclonedx-json")
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    bom = json.loads(text)
    layers = {
        c["name"]: {p["name"]: p["value"] for p in c.get("properties", [])}["dockwise:layer:index"]
        for c in bom["components"]
        if c.get("purl", "").startswith("pkg:rpm/")
    }
    assert layers == {"plain": "0", "epoch-one": "0", "openssl": "1", "openssl-libs": "1"}


def test_table_names_the_distro_and_packages(capsys, image):
    out = scan(capsys, image, "table")
    assert "Rocky Linux 9.3 (Blue Onyx)" in out
    for name, version, _ in EXPECTED:
        assert name in out and version in out
