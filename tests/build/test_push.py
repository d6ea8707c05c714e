"""`dockwise build --push` into a real registry (Debian's docker-registry, CNCF
distribution 2.8, behind bearer tokens from the test token server), read back by skopeo
and by dockwise: the digests are the OCI layout's, and the SBOM and provenance are found
from the image through the referrers tag fallback (distribution 2.8 has no referrers API).
"""

from __future__ import annotations

import hashlib
import json
import subprocess

import pytest
from built_image import INSTALLED, Layout, write_spec
from registry.distribution import PASSWORD, USER, needs_registry
from registry.token_server import behind_tokens

from dockwise import cli
from dockwise.errors import SourceError
from dockwise.options import RegistryAccess
from dockwise.source.registry import push

pytestmark = needs_registry
ACCESS = RegistryAccess(USER, PASSWORD)


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    with behind_tokens(tmp_path_factory.mktemp("registry")) as running:
        yield running


@pytest.fixture(scope="module")
def pushed(tmp_path_factory, registry, mirror, archive, db):
    """One build written to a layout and pushed as HOST/demo/app:1, and its stderr."""
    running, server = registry
    work = tmp_path_factory.mktemp("push")
    spec = write_spec(work, mirror, archive)
    patch = pytest.MonkeyPatch()
    patch.setenv("DOCKWISE_REGISTRY_USERNAME", USER)
    patch.setenv("DOCKWISE_REGISTRY_PASSWORD", PASSWORD)
    capture = work / "stderr"
    with capture.open("w") as err:
        patch.setattr("sys.stderr", err)
        code = cli.main(["build", str(spec), "--output", str(work / "image"), "--db", db,
                         "--report", str(work / "report.txt"),
                         "--push", f"{running.host}/demo/app:1"])  # fmt: skip
    patch.undo()
    assert code == 0, capture.read_text()
    return Layout(work / "image"), capture.read_text()


def skopeo_digest(reference: str) -> str:
    done = subprocess.run(["skopeo", "inspect", "--tls-verify=false", "--creds",
                           f"{USER}:{PASSWORD}", "--raw", reference],
                          capture_output=True, check=True)  # fmt: skip
    return "sha256:" + hashlib.sha256(done.stdout).hexdigest()


def test_skopeo_reads_the_layout_digest(pushed, registry):
    layout, _ = pushed
    host = registry[0].host
    assert skopeo_digest(f"docker://{host}/demo/app:1") == layout.image["digest"]


def test_dockwise_reads_back_the_pushed_image(pushed, registry, capsys, monkeypatch):
    layout, _ = pushed
    monkeypatch.setenv("DOCKWISE_REGISTRY_USERNAME", USER)
    monkeypatch.setenv("DOCKWISE_REGISTRY_PASSWORD", PASSWORD)
    capsys.readouterr()
    source = f"registry:{registry[0].host}/demo/app:1"
    assert cli.main(["sbom", "-q", "--no-cache", "-f", "json", source]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["image"]["manifest_digest"] == layout.image["digest"]
    assert {p["name"]: p["version"] for p in result["packages"]} == INSTALLED


def test_sbom_and_provenance_listed_under_the_referrers_tag(pushed, registry):
    layout, err = pushed
    running, server = registry
    tag = layout.image["digest"].replace(":", "-")
    # said so: the registry has no referrers API
    assert f"no referrers API: SBOM and provenance listed under the tag {tag}" in err
    listed = _referrers_tag(running.host, tag)
    artifacts = [m for m in layout.index["manifests"] if "artifactType" in m]
    assert listed == sorted(artifacts, key=lambda m: m["digest"])
    for entry in artifacts:  # each artifact's manifest is there, byte for byte
        host = running.host
        assert skopeo_digest(f"docker://{host}/demo/app@{entry['digest']}") == entry["digest"]
    scopes = {s for r in server.requests for s in r["scope"]}
    assert "repository:demo/app:pull,push" in scopes


def test_a_second_push_sends_no_blob_and_keeps_the_referrers(pushed, registry):
    layout, _ = pushed
    host = registry[0].host
    again = push.push_layout(layout.root, f"{host}/demo/app:again", ACCESS)
    assert (again.blobs_sent, again.digest) == (0, layout.image["digest"])
    assert again.blobs_skipped > 0
    assert len(_referrers_tag(host, again.referrers.removeprefix("tag "))) == 2  # not doubled


def test_chunked_upload_gives_the_same_blobs(pushed, registry, monkeypatch):
    layout, _ = pushed
    host = registry[0].host
    monkeypatch.setattr(push, "CHUNK", 1000)  # every layer goes in several PATCHes
    done = push.push_layout(layout.root, f"{host}/chunked/app:1", ACCESS)
    # config, two layers, the artifacts' empty config (once: the second finds it), SBOM
    # and provenance; the manifests are PUT, not uploaded
    assert (done.blobs_sent, done.blobs_skipped) == (6, 1)
    assert skopeo_digest(f"docker://{host}/chunked/app:1") == layout.image["digest"]
    manifest = layout.doc(layout.image["digest"])
    copied = subprocess.run(["skopeo", "copy", "--quiet", "--src-tls-verify=false",
                             "--src-creds", f"{USER}:{PASSWORD}", f"docker://{host}/chunked/app:1",
                             f"oci:{layout.root.parent / 'copy'}:1"],
                            capture_output=True, text=True)  # fmt: skip
    assert copied.returncode == 0, copied.stderr  # skopeo verifies every blob's digest
    copy = Layout(layout.root.parent / "copy")
    assert copy.doc(copy.index["manifests"][0]["digest"])["layers"] == manifest["layers"]


def test_wrong_credentials_are_refused_and_never_printed(pushed, registry):
    layout, _ = pushed
    wrong = RegistryAccess(USER, "not-the-password")
    with pytest.raises(SourceError) as caught:
        push.push_layout(layout.root, f"{registry[0].host}/demo/app:2", wrong)
    assert "refused the credentials" in str(caught.value)
    assert "not-the-password" not in str(caught.value) + repr(wrong)


def test_push_needs_a_tag_and_a_destination(tmp_path, capsys):
    spec = tmp_path / "image.toml"
    spec.write_text("[distribution]\nname='debian'\nsuite='12'\n[packages]\ninclude=['a']\n")
    assert cli.main(["build", str(spec), "-q"]) == 2
    assert "give --output PATH or --push REF" in capsys.readouterr().err


def _referrers_tag(host: str, tag: str) -> list[dict]:
    """The fallback index, read with a pull token as any client would."""
    done = subprocess.run(["skopeo", "inspect", "--tls-verify=false", "--creds",
                           f"{USER}:{PASSWORD}", "--raw", f"docker://{host}/demo/app:{tag}"],
                          capture_output=True, check=True)  # fmt: skip
    index = json.loads(done.stdout)
    assert index["mediaType"] == "application/vnd.oci.image.index.v1+json"
    return sorted(index["manifests"], key=lambda m: m["digest"])



def test_patch_reads_from_and_pushes_to_the_registry(pushed, registry, mirror, archive, db,
                                                     tmp_path, capsys, monkeypatch):  # fmt: skip
    host = registry[0].host
    monkeypatch.setenv("DOCKWISE_REGISTRY_USERNAME", USER)
    monkeypatch.setenv("DOCKWISE_REGISTRY_PASSWORD", PASSWORD)
    suites = ("bookworm", "bookworm-security")
    sources = [arg for suite in suites for arg in ("--sources", f"deb {mirror}/ {suite} main")]
    code = cli.main(["patch", f"registry:{host}/demo/app:1", "--push", f"{host}/demo/app:fixed",
                     "--output", str(tmp_path / "fixed"), *sources, "--keyring",
                     str(archive.keyring), "--db", db])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0, err
    layout = Layout(tmp_path / "fixed")
    assert skopeo_digest(f"docker://{host}/demo/app:fixed") == layout.image["digest"]
    assert "(2 blobs sent, 2 already there)" in err  # the new config and layer only
