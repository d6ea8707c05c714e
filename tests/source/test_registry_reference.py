"""Reference normalisation as Docker does it, and where credentials come from."""

from __future__ import annotations

import base64
import json
import stat

import pytest

from dockwise.errors import SourceError
from dockwise.options import RegistryAccess
from dockwise.source.registry.auth import Challenge, Credentials, find_credentials
from dockwise.source.registry.reference import Reference, looks_like_reference

DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("text", "name", "host", "tag", "digest"),
    [
        ("python:3.12-slim", "docker.io/library/python", "registry-1.docker.io", "3.12-slim", ""),
        ("python", "docker.io/library/python", "registry-1.docker.io", "latest", ""),
        ("docker.io/python", "docker.io/library/python", "registry-1.docker.io", "latest", ""),
        ("index.docker.io/library/python:3", "docker.io/library/python",
         "registry-1.docker.io", "3", ""),
        ("bitnami/redis:7", "docker.io/bitnami/redis", "registry-1.docker.io", "7", ""),
        (f"ghcr.io/org/app@{DIGEST}", "ghcr.io/org/app", "ghcr.io", "", DIGEST),
        (f"ghcr.io/org/app:1@{DIGEST}", "ghcr.io/org/app", "ghcr.io", "1", DIGEST),
        ("localhost:5000/app:1.2", "localhost:5000/app", "localhost:5000", "1.2", ""),
        ("localhost/app", "localhost/app", "localhost", "latest", ""),
        ("127.0.0.1:5000/a/b/c", "127.0.0.1:5000/a/b/c", "127.0.0.1:5000", "latest", ""),
        ("[::1]:5000/app", "[::1]:5000/app", "[::1]:5000", "latest", ""),
        ("Quay.IO/org/app", "quay.io/org/app", "quay.io", "latest", ""),
    ],
    ids=["hub_official", "hub_untagged", "hub_alias", "hub_index_alias", "hub_user",
         "by_digest", "tag_and_digest", "localhost_port", "localhost", "ip_port_nested",
         "ipv6", "host_case"],
)  # fmt: skip
def test_references_normalise_as_docker_does(text, name, host, tag, digest):
    ref = Reference.parse(text)
    assert (ref.name, ref.host, ref.tag, ref.digest) == (name, host, tag, digest)
    assert ref.target == (digest or tag)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Python:3", "invalid repository name component 'Python'"),
        ("app@sha256:xyz", "invalid digest"),
        ("app:-bad", "invalid tag"),
        ("ghcr.io/", "invalid repository name"),
        ("a//b", "invalid repository name component ''"),
    ],
    ids=["upper_case", "bad_digest", "bad_tag", "empty_path", "empty_component"],
)
def test_invalid_references_say_why(text, message):
    with pytest.raises(SourceError, match=message):
        Reference.parse(text)


def test_paths_are_not_references():
    assert not looks_like_reference("./image.tar")
    assert not looks_like_reference("/tmp/image.tar")
    assert looks_like_reference("image.tar")  # as Docker would: docker.io/library/image.tar


def test_challenges_parse_quoted_parameters():
    challenge = Challenge.parse(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",'
        'scope="repository:library/python:pull"'
    )
    assert challenge.scheme == "bearer"
    assert challenge.realm == "https://auth.docker.io/token"
    assert challenge.params["scope"] == "repository:library/python:pull"
    assert Challenge.parse('Basic realm="Registry Realm"').realm == "Registry Realm"


def test_passwords_stay_out_of_reprs():
    assert "hunter2" not in repr(Credentials("bob", "hunter2"))
    assert "hunter2" not in repr(RegistryAccess(username="bob", password="hunter2"))


@pytest.fixture
def docker_config(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))

    def write(doc: dict) -> None:
        (tmp_path / "config.json").write_text(json.dumps(doc))

    return write


def auth(user: str, password: str) -> dict:
    return {"auth": base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_explicit_credentials_win(docker_config):
    docker_config({"auths": {"ghcr.io": auth("config", "x")}})
    found = find_credentials("ghcr.io", RegistryAccess(username="flag", password="y"))
    assert found == Credentials("flag", "y")


def test_auths_match_keys_with_schemes_and_paths(docker_config):
    docker_config({"auths": {"https://ghcr.io/v2/": auth("a", "b"),
                             "https://index.docker.io/v1/": auth("hub", "c")}})  # fmt: skip
    assert find_credentials("ghcr.io", RegistryAccess()) == Credentials("a", "b")
    assert find_credentials("registry-1.docker.io", RegistryAccess()) == Credentials("hub", "c")
    assert find_credentials("quay.io", RegistryAccess()) is None


def test_identity_tokens_are_refresh_tokens(docker_config):
    docker_config({"auths": {"ghcr.io": {**auth("a", ""), "identitytoken": "refresh"}}})
    found = find_credentials("ghcr.io", RegistryAccess())
    assert found == Credentials("a", "refresh", identity_token=True)


def helper(tmp_path, monkeypatch, name: str, script: str) -> None:
    path = tmp_path / "bin" / f"docker-credential-{name}"
    path.parent.mkdir(exist_ok=True)
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{path.parent}:/usr/bin:/bin")


def test_cred_helper_gets_the_hub_server_url(docker_config, tmp_path, monkeypatch):
    answer = '{"ServerURL": "x", "Username": "hub", "Secret": "s"}'
    helper(
        tmp_path,
        monkeypatch,
        "t",
        f"read s; [ \"$s\" = https://index.docker.io/v1/ ] && echo '{answer}' && exit 0; exit 1",
    )
    docker_config({"credsStore": "t"})
    assert find_credentials("registry-1.docker.io", RegistryAccess()) == Credentials("hub", "s")
    assert find_credentials("ghcr.io", RegistryAccess()) is None  # helper: not found


def test_cred_helpers_beat_the_store(docker_config, tmp_path, monkeypatch):
    helper(tmp_path, monkeypatch, "one", 'echo \'{"Username": "u1", "Secret": "p1"}\'')
    docker_config({"credsStore": "missing", "credHelpers": {"ghcr.io": "one"}})
    assert find_credentials("ghcr.io", RegistryAccess()) == Credentials("u1", "p1")
    with pytest.raises(SourceError, match="docker-credential-missing not found on PATH"):
        find_credentials("quay.io", RegistryAccess())


def test_malformed_config_is_one_error(docker_config):
    docker_config({"auths": {"ghcr.io": {"auth": "!!!"}}})
    with pytest.raises(SourceError, match="malformed auth entry"):
        find_credentials("ghcr.io", RegistryAccess())
