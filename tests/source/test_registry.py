"""`registry:` against real CNCF distribution registries (Debian's docker-registry),
with images pushed by skopeo: plain HTTP, TLS + htpasswd, and bearer tokens."""

from __future__ import annotations

import base64
import io
import json
import os
import stat

import pytest
from registry.distribution import PASSWORD, USER, free_port, needs_registry
from registry.sample import inventory

from dockwise.cli import main
from dockwise.errors import SourceError
from dockwise.options import RegistryAccess
from dockwise.source import open_source

pytest_plugins = ("registry.fixtures",)
pytestmark = needs_registry


def sbom(capsys, *argv: str) -> dict:
    code = main(["sbom", *argv, "-f", "json", "--no-cache"])  # read every layer for real
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def sbom_error(capsys, *argv: str) -> str:
    assert main(["sbom", *argv, "-f", "json", "--no-cache"]) == 2
    return capsys.readouterr().err.strip()


@pytest.mark.parametrize("repo", ["test/app:1", "test/app:v2s2", "test/multi:1", "test/multi:v2s2"])
def test_registry_gives_the_docker_archive_inventory(capsys, images, plain_registry, repo):
    expected = inventory(json.dumps(sbom(capsys, f"docker-archive:{images.docker}")))
    doc = sbom(capsys, f"registry:{plain_registry.host}/{repo}", "--platform", "linux/amd64")
    assert inventory(json.dumps(doc)) == expected
    assert doc["image"]["scheme"] == "registry"
    assert doc["image"]["repo_tags"] == [f"{plain_registry.host}/{repo}"]
    resolved = doc["image"]["annotations"]["io.dockwise.registry.resolved"]
    assert resolved.startswith(f"{plain_registry.host}/{repo.split(':')[0]}@sha256:")


def test_the_oci_manifest_digest_scanned_is_reported(capsys, images, plain_registry):
    doc = sbom(capsys, f"registry:{plain_registry.host}/test/multi:1")
    assert doc["image"]["manifest_digest"] == images.manifest_digest
    assert doc["image"]["layers"][0]["digest"].startswith("sha256:")


def test_platform_picks_from_an_index_and_a_list(capsys, images, plain_registry):
    for repo in ("test/multi:1", "test/multi:v2s2"):
        doc = sbom(capsys, f"registry:{plain_registry.host}/{repo}", "--platform", "linux/arm64/v8")
        assert (doc["image"]["architecture"], doc["image"]["variant"]) == ("arm64", "v8")
    doc = sbom(capsys, f"registry:{plain_registry.host}/test/multi:1", "--platform", "linux/arm64")
    assert doc["image"]["manifest_digest"] == images.arm_digest


def test_unknown_platform_names_the_available_ones(capsys, plain_registry):
    err = sbom_error(capsys, f"registry:{plain_registry.host}/test/multi:1", "--platform",
                     "linux/s390x")  # fmt: skip
    assert "no single image for platform linux/s390x" in err
    assert "linux/amd64, linux/arm64/v8" in err


def test_single_image_of_another_platform_is_refused(capsys, plain_registry):
    err = sbom_error(capsys, f"registry:{plain_registry.host}/test/app:1", "--platform",
                     "linux/arm64")  # fmt: skip
    assert "image is for linux/amd64, not the requested platform linux/arm64" in err


def test_bare_reference_and_digest_pin(capsys, images, plain_registry):
    by_tag = sbom(capsys, f"{plain_registry.host}/test/app:1")
    pinned = f"{plain_registry.host}/test/app@{images.manifest_digest}"
    by_digest = sbom(capsys, pinned)
    assert by_digest["image"]["manifest_digest"] == by_tag["image"]["manifest_digest"]
    assert by_digest["image"]["repo_tags"] == []
    assert inventory(json.dumps(by_digest)) == inventory(json.dumps(by_tag))


def test_manifest_unknown(capsys, plain_registry):
    err = sbom_error(capsys, f"registry:{plain_registry.host}/test/app:nope")
    where = f"{plain_registry.host}/test/app"
    assert err == f"dockwise: error: manifest nope: manifest unknown (404 from {where})"
    missing = "sha256:" + "0" * 64
    err = sbom_error(capsys, f"registry:{plain_registry.host}/test/app@{missing}")
    assert f"manifest {missing}: manifest unknown" in err


def test_unreachable_registry_is_one_line(capsys):
    host = f"127.0.0.1:{free_port()}"
    err = sbom_error(capsys, f"registry:{host}/test/app:1")
    assert err.startswith(f"dockwise: error: http://{host}/v2/: unreachable (")
    assert "\n" not in err


# --- TLS + htpasswd ---------------------------------------------------------------------


def test_tls_needs_the_ca(capsys, tls_registry):
    err = sbom_error(capsys, f"registry:{tls_registry.host}/test/app:1")
    assert "TLS certificate not trusted (use --ca-cert FILE" in err


def test_tls_basic_auth_401_names_the_realm(capsys, tls_registry):
    err = sbom_error(capsys, f"registry:{tls_registry.host}/test/app:1", "--ca-cert",
                     str(tls_registry.ca))  # fmt: skip
    assert err == (
        f"dockwise: error: {tls_registry.host}: authentication required (realm 'dockwise-test'); "
        "use --username with --password-stdin, or docker login"
    )


def test_tls_with_password_stdin(capsys, monkeypatch, tls_registry):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    doc = sbom(capsys, f"registry:{tls_registry.host}/test/app:1", "--ca-cert",
               str(tls_registry.ca), "--username", USER, "--password-stdin")  # fmt: skip
    assert [p["name"] for p in doc["packages"]] == ["bash", "libc6"]


def test_tls_wrong_password_is_rejected(capsys, monkeypatch, tls_registry):
    monkeypatch.setattr("sys.stdin", io.StringIO("guess\n"))
    err = sbom_error(capsys, f"registry:{tls_registry.host}/test/app:1", "--ca-cert",
                     str(tls_registry.ca), "--username", USER, "--password-stdin")  # fmt: skip
    assert "401 unauthorized: credentials were rejected" in err
    assert "guess" not in err


def test_tls_with_environment_credentials(capsys, monkeypatch, tls_registry):
    monkeypatch.setenv("DOCKWISE_REGISTRY_USERNAME", USER)
    monkeypatch.setenv("DOCKWISE_REGISTRY_PASSWORD", PASSWORD)
    sbom(capsys, f"registry:{tls_registry.host}/test/app:1", "--ca-cert", str(tls_registry.ca))


def test_tls_with_docker_config_auths(capsys, monkeypatch, tmp_path, tls_registry):
    auth = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    config = {"auths": {f"https://{tls_registry.host}": {"auth": auth}}}
    (tmp_path / "config.json").write_text(json.dumps(config))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    sbom(capsys, f"registry:{tls_registry.host}/test/app:1", "--ca-cert", str(tls_registry.ca))


def test_tls_with_a_credential_helper(capsys, monkeypatch, tmp_path, tls_registry):
    helper = tmp_path / "bin" / "docker-credential-dwtest"
    helper.parent.mkdir()
    answer = json.dumps({"ServerURL": tls_registry.host, "Username": USER, "Secret": PASSWORD})
    helper.write_text(
        f'#!/bin/sh\nread server\n[ "$1" = get ] && [ "$server" = {tls_registry.host} ] '
        f"&& echo '{answer}' && exit 0\necho 'credentials not found'; exit 1\n"
    )
    helper.chmod(helper.stat().st_mode | stat.S_IXUSR)
    (tmp_path / "config.json").write_text(
        json.dumps({"credHelpers": {tls_registry.host: "dwtest"}})
    )
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    monkeypatch.setenv("PATH", f"{helper.parent}{os.pathsep}{os.environ['PATH']}")
    sbom(capsys, f"registry:{tls_registry.host}/test/app:1", "--ca-cert", str(tls_registry.ca))


def test_insecure_registry_skips_verification(capsys, monkeypatch, tls_registry):
    monkeypatch.setenv("DOCKWISE_REGISTRY_USERNAME", USER)
    monkeypatch.setenv("DOCKWISE_REGISTRY_PASSWORD", PASSWORD)
    sbom(capsys, f"registry:{tls_registry.host}/test/app:1", "--insecure-registry",
         tls_registry.host)  # fmt: skip


# --- bearer tokens ----------------------------------------------------------------------


def test_token_anonymous_pull_of_a_public_repository(capsys, token_registry):
    registry, server = token_registry
    server.requests.clear()
    sbom(capsys, f"registry:{registry.host}/public/app:1")
    assert server.requests[0] == {
        "user": "", "scope": ["repository:public/app:pull"], "service": "dockwise-test-registry",
    }  # fmt: skip


def test_token_private_repository_needs_credentials(capsys, token_registry):
    registry, server = token_registry
    err = sbom_error(capsys, f"registry:{registry.host}/private/app:1")
    assert err == (
        f"dockwise: error: {registry.host}/private/app: 401 unauthorized: "
        f"authentication needed (realm {server.url})"
    )


def test_token_with_credentials(token_registry):
    registry, server = token_registry
    server.requests.clear()
    access = RegistryAccess(username=USER, password=PASSWORD)
    image = open_source(f"registry:{registry.host}/private/app:1", access=access)
    assert image.info.repo_tags == (f"{registry.host}/private/app:1",)
    assert {r["user"] for r in server.requests} == {USER}


def test_token_server_refuses_bad_credentials(token_registry):
    registry, server = token_registry
    access = RegistryAccess(username=USER, password="nope")
    with pytest.raises(SourceError, match=r"token server http://127\.0\.0\.1:\d+/token refused "
                       r"the credentials \(401\)"):  # fmt: skip
        open_source(f"registry:{registry.host}/private/app:1", access=access)


def test_token_with_an_identity_token_uses_the_oauth2_grant(monkeypatch, tmp_path, token_registry):
    registry, server = token_registry
    config = {"auths": {registry.host: {"identitytoken": "refresh-alice"}}}
    (tmp_path / "config.json").write_text(json.dumps(config))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    server.requests.clear()
    open_source(f"registry:{registry.host}/private/app:1")
    assert server.requests[0]["post"] == 1
    assert server.requests[0]["user"] == USER
