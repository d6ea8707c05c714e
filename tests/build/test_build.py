"""`dockwise build` end to end against a signed apt archive made in the test and served on
loopback (tests/aptarchive.py): mmdebstrap resolves and verifies, dockwise writes the
image, vets it, and attaches its SBOM and provenance."""

from __future__ import annotations

import hashlib
import json
import subprocess
import tarfile

import pytest
from aptarchive import SUITE, make_archive
from built_image import CVE, DEBS, INSTALLED, Layout, run_build, write_spec
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from dockwise import cli


@pytest.fixture(scope="module")
def built(tmp_path_factory, mirror, archive, db) -> Layout:
    work = tmp_path_factory.mktemp("built")
    spec = write_spec(work, mirror, archive)
    assert run_build(spec, work / "image", db) == 0
    return Layout(work / "image")


def test_inventory_read_back_is_the_installed_package_set(built, capsys):
    capsys.readouterr()
    assert cli.main(["sbom", "-q", "--no-cache", "-f", "json", f"oci-dir:{built.root}"]) == 0
    result = json.loads(capsys.readouterr().out)
    found = {p["name"]: p["version"] for p in result["packages"]}
    assert found == INSTALLED  # demo-lib came in as a dependency, dash did not
    assert result["distro"]["id"] == "debian"
    assert not result["warnings"]
    unowned = {f["path"] for f in result["files"] if "unowned-executable" in f.get("kinds", ())}
    assert "etc/demo-app.conf" not in unowned


def test_layers_are_minimal_with_distroless_dpkg_records(built):
    packages, files = built.layer_members(0), built.layer_members(1)
    assert "var/lib/dpkg/status.d/demo-app" in packages
    assert "var/lib/dpkg/status.d/demo-app.md5sums" in packages
    assert "usr/share/doc/base-files/copyright" in packages
    gone = ("usr/share/doc/base-files/README", "usr/share/man/man1/demo-app.1", "bin/sh",
            "var/lib/dpkg/status", "etc/apt/sources.list.d/0000debian.sources")  # fmt: skip
    assert not [p for p in gone if p in packages]
    setup = ("dev/", "var/lib/apt/lists/", "var/cache/apt/")
    assert not [p for p in packages if p.startswith(setup)]
    assert all(m.uname == "" and m.gname == "" for m in packages.values())
    assert max(m.mtime for m in packages.values()) <= _created_epoch(built)
    bundle = built.layer_file(0, "etc/ssl/certs/ca-certificates.crt")
    assert bundle == b"-----BEGIN CERTIFICATE-----\nA\n-----BEGIN CERTIFICATE-----\nB\n"
    app = files["srv/app/conf/app.toml"]
    assert (app.uid, app.gid, app.mode) == (65532, 65532, 0o640)
    assert "srv" in files and "srv/app/conf" in files  # parents the package layer lacks


def _created_epoch(layout: Layout) -> int:
    from datetime import datetime

    created = layout.doc(layout.doc(layout.image["digest"])["config"]["digest"])["created"]
    return int(datetime.fromisoformat(created.replace("Z", "+00:00")).timestamp())


def test_config_and_annotations_record_the_spec_and_archive(built, archive):
    manifest = built.doc(built.image["digest"])
    config = built.doc(manifest["config"]["digest"])
    notes = manifest["annotations"]
    assert notes["org.opencontainers.image.base.name"] == "debian:bookworm"
    assert notes["org.opencontainers.image.source"] == "https://example.invalid/demo.git"
    assert notes["org.opencontainers.image.revision"] == "0123456789abcdef"
    assert notes["org.opencontainers.image.created"] == config["created"]
    spec_bytes = (built.root.parent / "image.toml").read_bytes()
    spec_digest = "sha256:" + hashlib.sha256(spec_bytes).hexdigest()
    assert notes["dev.dockwise.build.spec.digest"] == spec_digest
    run = config["config"]
    assert run["User"] == "65532:65532" and run["ExposedPorts"] == {"8080/tcp": {}}
    assert run["Labels"]["org.opencontainers.image.title"] == "demo"
    assert "TZ=UTC" in run["Env"]


def test_sbom_artifact_refers_to_the_image_and_validates(built, archive):
    manifest, document = built.artifact("application/vnd.cyclonedx+json")
    assert manifest["subject"]["digest"] == built.image["digest"]
    assert manifest["config"]["mediaType"] == "application/vnd.oci.empty.v1+json"
    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(document.decode())
    assert errors is None, errors
    bom = json.loads(document)
    hashes = {c["name"]: c.get("hashes", []) for c in bom["components"]}
    for name, version in INSTALLED.items():
        assert hashes[name] == [{"alg": "SHA-256", "content": archive.sha256(name, version)}]


def test_provenance_is_a_slsa_v1_statement_of_what_went_in(built, archive):
    manifest, document = built.artifact("application/vnd.in-toto+json")
    statement = json.loads(document)
    assert manifest["subject"]["digest"] == built.image["digest"]
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["predicateType"] == "https://slsa.dev/provenance/v1"
    digest = built.image["digest"].removeprefix("sha256:")
    assert [s["digest"] for s in statement["subject"]] == [{"sha256": digest}]
    definition = statement["predicate"]["buildDefinition"]
    assert definition["buildType"].startswith("https://")
    assert statement["predicate"]["runDetails"]["builder"]["id"].startswith("https://")
    deps = definition["resolvedDependencies"]
    inrelease = (archive.root / "dists" / SUITE / "InRelease").read_bytes()
    releases = [d for d in deps if d["uri"].endswith("InRelease")]
    assert [r["digest"]["sha256"] for r in releases] == [hashlib.sha256(inrelease).hexdigest()]
    debs = {d["uri"].split("/")[-1].split("@")[0]: d["digest"]["sha256"]
            for d in deps if d["uri"].startswith("pkg:deb/")}  # fmt: skip
    assert debs == {name: archive.sha256(name, version) for name, version in INSTALLED.items()}


def test_two_builds_of_the_same_archive_state_are_identical(built, tmp_path, mirror, archive, db):
    spec = write_spec(tmp_path, mirror, archive)
    assert run_build(spec, tmp_path / "again.tar", db) == 0
    with tarfile.open(tmp_path / "again.tar") as tar:
        index = json.loads(tar.extractfile("index.json").read())
    assert index == built.index  # the image digest and both records
    reference = f"oci-archive:{tmp_path / 'again.tar'}:latest"  # skopeo, a peer, reads it
    inspected = subprocess.run(["skopeo", "inspect", reference], capture_output=True,
                               text=True, check=True)  # fmt: skip
    assert json.loads(inspected.stdout)["Digest"] == built.image["digest"]


def test_shell_only_when_asked(tmp_path, mirror, archive, db, capsys):
    spec = write_spec(tmp_path, mirror, archive, "demo-app", shell=True)
    assert run_build(spec, tmp_path / "image", db) == 0
    members = Layout(tmp_path / "image").layer_members(0)
    assert members["bin/sh"].issym() and members["bin/sh"].linkname == "dash"
    assert "var/lib/dpkg/status.d/dash" in members


def test_policy_failure_writes_nothing(tmp_path, mirror, archive, db, capsys):
    spec = write_spec(tmp_path, mirror, archive)
    assert run_build(spec, tmp_path / "image.tar", db, "--fail-on", "high") == 1
    assert not (tmp_path / "image.tar").exists()
    report = json.loads((tmp_path / "image.tar.report.json").read_text())
    assert [f["rule_id"] for f in report["findings"] if f["kind"] == "vulnerability"] == [CVE]


def test_an_archive_signed_by_another_key_is_refused(tmp_path, mirror, archive, db, capsys):
    other = make_archive(tmp_path / "other", {SUITE: DEBS[:1]}, tmp_path / "gnupg")
    spec = write_spec(tmp_path, mirror, archive)
    spec.write_text(spec.read_text().replace(str(archive.keyring), str(other.keyring)))
    assert run_build(spec, tmp_path / "image", db) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "mmdebstrap failed" in err[0] and "Traceback" not in err[0]
    assert not (tmp_path / "image").exists()


@pytest.mark.parametrize(("text", "message"), [
    ("[distribution]\nname='debian'\nsuite='12'\n[packages]\ninclude=['a']\nx=1\n",
     "unknown key 'packages.x'"),
    ("[distribution]\nname='debian'\nsuite='7'\n[packages]\ninclude=['hello']\n",
     "suite '7' is not one dockwise builds"),
    ("[distribution]\nname='debian'\nsuite='12'\n[packages]\ninclude=['-o=APT::X']\n",
     "is not a Debian package name"),
    ("[distribution]\nname='debian'\nsuite='12'\n[packages]\ninclude=['hello']\n"
     "[[files]]\nsource='x'\ndestination='/x'\nowner='app'\n", "owner must be UID:GID"),
    ("not toml [", "not a TOML build spec"),
    ("[distribution]\nname='debian'\nsuite='12'\n[packages]\ninclude=['hello']\n"
     "[[files]]\nsource='missing'\ndestination='/x'\n", "files[0].source"),
    ("[distribution]\nname='debian'\nsuite='12'\nsources=['deb [trusted=yes] http://x/ a main']"
     "\n[packages]\ninclude=['hello']\n", "turns off apt's signature check"),
], ids=["unknown_key", "unknown_suite", "apt_option", "owner_name", "not_toml",
        "missing_files", "unsigned"])  # fmt: skip
def test_a_bad_spec_is_one_line(tmp_path, db, capsys, text, message):
    spec = tmp_path / "bad.toml"
    spec.write_text(text)
    assert run_build(spec, tmp_path / "out", db) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err


def test_an_output_directory_in_use_is_refused_before_building(tmp_path, db, capsys):
    spec = tmp_path / "image.toml"
    spec.write_text("[distribution]\nname='debian'\nsuite='12'\n"
                    "sources=['deb http://127.0.0.1:9/ bookworm main']\n"
                    "[packages]\ninclude=['hello']\n")  # unreachable: nothing is built
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "keep.txt").write_text("mine\n")
    assert run_build(spec, tmp_path / "busy", db) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not an empty directory" in err[0]
    assert [p.name for p in (tmp_path / "busy").iterdir()] == ["keep.txt"]
