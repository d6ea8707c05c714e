"""`dockwise patch` against the signed test archive (tests/aptarchive.py, on loopback): an
image built from the release suite gets demo-app's security fix in one new layer; an
image with dpkg's own status file gets its records rewritten; the refusals are one line.
Nothing depends on what Debian publishes."""

from __future__ import annotations

import gzip
import io
import json
import tarfile

import pytest
from aptarchive import OS_RELEASE, SUITE
from built_image import CVE, INSTALLED, TOOL_CVE, Layout, run_build, write_spec

from dockwise import cli
from tools.imagepack import ImageSpec, Member, write_docker_archive, write_oci_archive

FIXES = (SUITE, f"{SUITE}-updates", f"{SUITE}-security")


@pytest.fixture(scope="module")
def old(tmp_path_factory, mirror, archive, db) -> Layout:
    """Built from the release suite only: demo-app 1.0-1, vulnerable to CVE."""
    work = tmp_path_factory.mktemp("old")
    assert run_build(write_spec(work, mirror, archive), work / "old", db) == 0
    return Layout(work / "old")


def run_patch(capsys, source: str, output, mirror, archive, db, *extra: str,
              suites=FIXES) -> tuple[int, str, str]:  # fmt: skip
    sources = [arg for suite in suites for arg in ("--sources", f"deb {mirror}/ {suite} main")]
    capsys.readouterr()
    code = cli.main(["patch", source, "--output", str(output), *sources, "--keyring",
                     str(archive.keyring), "--db", db, *extra])  # fmt: skip
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def patched(tmp_path_factory, old, mirror, archive, db) -> tuple[Layout, str, str]:
    work = tmp_path_factory.mktemp("patched")
    out, err = io.StringIO(), io.StringIO()  # module scope: no capsys
    patch = pytest.MonkeyPatch()
    patch.setattr("sys.stdout", out)
    patch.setattr("sys.stderr", err)
    sources = [arg for suite in FIXES for arg in ("--sources", f"deb {mirror}/ {suite} main")]
    code = cli.main(["patch", f"oci-dir:{old.root}", "--output", str(work / "new"), *sources,
                     "--keyring", str(archive.keyring), "--db", db])  # fmt: skip
    patch.undo()
    assert code == 0, err.getvalue()
    return Layout(work / "new"), out.getvalue(), err.getvalue()


def test_the_diff_shows_the_fix(patched):
    new, out, err = patched
    assert CVE in out and "1.0-1" in out and "1.1-1" in out
    assert f"oci-dir:{new.root}" in out  # the image where it was written, not a scratch one
    assert f"upgraded demo-app 1.0-1 -> 1.1-1 fixes {CVE}" in err
    assert "maintainer scripts not run: demo-app (postinst)" in err


def test_one_layer_added_and_the_config_kept(old, patched):
    new, _, _ = patched
    before, after = old.doc(old.image["digest"]), new.doc(new.image["digest"])
    assert after["layers"][:-1] == before["layers"]  # the original blobs, byte for byte
    assert len(after["layers"]) == len(before["layers"]) + 1
    config_before, config_after = old.doc(before["config"]["digest"]), new.doc(
        after["config"]["digest"])  # fmt: skip
    assert config_after["config"] == config_before["config"]  # user, env, entrypoint...
    assert config_after["rootfs"]["diff_ids"][:-1] == config_before["rootfs"]["diff_ids"]
    assert config_after["history"][:-1] == config_before["history"]
    assert config_after["history"][-1]["comment"] == "upgraded demo-app 1.0-1 -> 1.1-1"
    assert after["annotations"]["dev.dockwise.patch.source.digest"] == old.image["digest"]
    base = "org.opencontainers.image.base.name"  # the base is still the original's base
    assert after["annotations"][base] == before["annotations"][base]


def test_the_layer_holds_the_files_records_and_whiteouts(patched):
    new, _, _ = patched
    top = len(new.doc(new.image["digest"])["layers"]) - 1
    members = new.layer_members(top)
    assert new.layer_file(top, "usr/bin/demo-app") == b"#!/bin/sh\necho fixed\n"
    assert "usr/lib/demo-app/.wh.plugin" in members  # 1.1-1 dropped it
    assert "usr/share/doc/demo-app/copyright" in members  # minimal, as the image was built:
    assert "usr/share/doc/demo-app/changelog" not in members  # licences kept, docs pruned
    stanza = new.layer_file(top, "var/lib/dpkg/status.d/demo-app").decode()
    assert "Version: 1.1-1" in stanza
    md5sums = new.layer_file(top, "var/lib/dpkg/status.d/demo-app.md5sums")
    assert b"usr/bin/demo-app" in md5sums and b"changelog" not in md5sums
    assert "usr/lib/x86_64-linux-gnu/libdemo.so.1" not in members  # demo-lib: no fix, kept


def test_the_patched_image_reads_back_fixed(patched, capsys):
    new, _, _ = patched
    capsys.readouterr()
    assert cli.main(["sbom", "-q", "--no-cache", "-f", "json", f"oci-dir:{new.root}"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {p["name"]: p["version"] for p in result["packages"]} == {
        **INSTALLED, "demo-app": "1.1-1"}  # fmt: skip
    files = {f["path"] for f in result["files"]}
    assert "usr/lib/demo-app/plugin" not in files


def test_an_image_with_every_fix_in_has_nothing_to_patch(patched, tmp_path, mirror, archive,
                                                         db, capsys):  # fmt: skip
    new, _, _ = patched
    code, out, err = run_patch(capsys, f"oci-dir:{new.root}", tmp_path / "out", mirror,
                               archive, db)  # fmt: skip
    assert code == 0 and out == ""
    assert "nothing to patch" in err and not (tmp_path / "out").exists()


def test_a_fix_only_in_another_release_is_refused(old, tmp_path, mirror, archive, db, capsys):
    code, _, err = run_patch(capsys, f"oci-dir:{old.root}", tmp_path / "out", mirror, archive,
                             db, suites=(SUITE, "trixie"))  # fmt: skip
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1
    assert "demo-app (2.0-1, trixie) is outside the image's release bookworm" in lines[0]
    assert not (tmp_path / "out").exists()


def status_image(path, *layers: list[Member], docker: bool = False) -> str:
    """An OCI archive, or a classic `docker save` archive with uncompressed layers."""
    config = {"User": "1000", "Env": ["KEEP=1"]}
    if docker:
        spec = ImageSpec(layers=list(layers), config=config, compression="none")
        write_docker_archive(spec, path)
        return f"docker-archive:{path}"
    write_oci_archive(ImageSpec(layers=list(layers), config=config), path)
    return f"oci-archive:{path}"


TOOL_STATUS = (b"Package: demo-tool\nStatus: install ok installed\nVersion: 1.0-1\n"
               b"Architecture: amd64\nMaintainer: Test <test@example.invalid>\n"
               b"Description: demo-tool\n")  # fmt: skip


def tool_image(path, docker: bool = False) -> str:
    """dpkg's own database (a status file and info/), as debian:12 images keep it."""
    return status_image(path, [
        Member("etc/os-release", OS_RELEASE.encode()),
        Member("usr/bin/demo-tool", b"old\n"),
        Member("usr/share/demo-tool/gone", b"1.1-1 drops it\n"),
        Member("var/lib/dpkg/status", TOOL_STATUS),
        Member("var/lib/dpkg/info/demo-tool.md5sums",
               b"d41d8cd98f00b204e9800998ecf8427e  usr/bin/demo-tool\n"
               b"d41d8cd98f00b204e9800998ecf8427e  usr/share/demo-tool/gone\n"
               b"d41d8cd98f00b204e9800998ecf8427e  usr/share/demo-tool/never-there\n"
               b"d41d8cd98f00b204e9800998ecf8427e  ../../outside\n"),  # hostile: no whiteout
    ], docker=docker)  # fmt: skip


def test_a_fix_needing_a_new_package_is_refused_unless_allowed(tmp_path, mirror, archive, db,
                                                               capsys):  # fmt: skip
    image = tool_image(tmp_path / "tool.tar")
    code, _, err = run_patch(capsys, image, tmp_path / "out", mirror, archive, db)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1
    assert "need packages the image does not have (demo-helper); --allow-new" in lines[0]
    image = tool_image(tmp_path / "tool-docker.tar", docker=True)  # its layers: plain tars
    code, out, err = run_patch(capsys, image, tmp_path / "out.tar", mirror, archive, db,
                               "--allow-new")  # fmt: skip
    assert code == 0, err
    assert TOOL_CVE in out and "upgraded demo-helper (new) -> 1.0-1" in err
    status = _layer_file(tmp_path / "out.tar", "var/lib/dpkg/status").decode()
    assert "Package: demo-tool\nStatus: install ok installed\n" in status
    assert "Version: 1.1-1" in status and "Package: demo-helper" in status
    listed = _layer_file(tmp_path / "out.tar", "var/lib/dpkg/info/demo-helper.list").decode()
    assert "/usr/bin/demo-helper\n" in listed
    whiteouts = [n for n in _layer_names(tmp_path / "out.tar") if ".wh." in n]
    assert whiteouts == ["usr/share/demo-tool/.wh.gone"]
    copied = _manifest(tmp_path / "out.tar")["layers"][0]
    assert copied["mediaType"] == "application/vnd.oci.image.layer.v1.tar"
    assert cli.main(["sbom", "-q", "--no-cache", "-f", "json", f"{tmp_path / 'out.tar'}"]) == 0
    found = {p["name"]: p["version"] for p in json.loads(capsys.readouterr().out)["packages"]}
    assert found == {"demo-tool": "1.1-1", "demo-helper": "1.0-1"}


def test_an_image_without_a_package_database_is_refused(tmp_path, mirror, archive, db, capsys):
    image = status_image(tmp_path / "plain.tar", [
        Member("etc/os-release", OS_RELEASE.encode()), Member("app/run", b"#!/app\n")])
    code, _, err = run_patch(capsys, image, tmp_path / "out", mirror, archive, db)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "no dpkg package database" in lines[0]


def test_nowhere_to_put_the_image_is_one_line(capsys):
    assert cli.main(["patch", "oci-dir:/nonexistent"]) == 2
    assert "give --output PATH or --push REF" in capsys.readouterr().err


def _layer_file(archive_path, name: str) -> bytes:
    """NAME from the top layer of an OCI archive."""
    with _top_layer(archive_path) as inner:
        return inner.extractfile(name).read()


def _layer_names(archive_path) -> list[str]:
    with _top_layer(archive_path) as inner:
        return inner.getnames()


def _top_layer(archive_path) -> tarfile.TarFile:
    digest = _manifest(archive_path)["layers"][-1]["digest"]
    layer = _read(archive_path, f"blobs/sha256/{digest[7:]}")
    return tarfile.open(fileobj=io.BytesIO(gzip.decompress(layer)))


def _manifest(archive_path) -> dict:
    index = json.loads(_read(archive_path, "index.json"))
    return json.loads(_read(archive_path, f"blobs/sha256/{index['manifests'][0]['digest'][7:]}"))


def _read(archive_path, member: str) -> bytes:
    with tarfile.open(archive_path) as outer:
        return outer.extractfile(member).read()
