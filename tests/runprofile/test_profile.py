"""`dockwise profile` on the issue-16 images: golden profiles, the Kubernetes YAML valid
against the SecurityContext schemas, the docker flags parsed back, Compose and JSON."""

from __future__ import annotations

import argparse
import json
import shlex
from pathlib import Path

import jsonschema
import pytest
import yaml
from runprofile.cases import CASES

from dockwise import cli
from dockwise.api import profile
from dockwise.runprofile.render import render

SCHEMAS = Path(__file__).resolve().parent.parent / "assets" / "runprofile"


def validate(instance: dict, name: str) -> None:
    """Against the shipped schema, as Draft 7 (its `$schema` names no draft)."""
    jsonschema.Draft7Validator(json.loads((SCHEMAS / name).read_text())).validate(instance)


@pytest.fixture(scope="module")
def profiles(images) -> dict:
    return {name: profile(source, quiet=True, no_cache=True) for name, source in images.items()}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("fmt", ["k8s", "docker"])
def test_golden_profiles(profiles, golden, case, fmt):
    golden(f"{case}.{'yaml' if fmt == 'k8s' else 'sh'}", render(profiles[case], fmt))


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_kubernetes_yaml_validates(profiles, case):
    pod = yaml.safe_load(render(profiles[case], "k8s"))
    spec = pod["spec"]
    validate(spec["securityContext"], "podsecuritycontext-v1.json")
    [container] = spec["containers"]
    validate(container["securityContext"], "securitycontext-v1.json")
    assert {m["name"] for m in container["volumeMounts"]} == {v["name"] for v in spec["volumes"]}
    assert not (spec["hostNetwork"] or spec["hostPID"] or spec["hostIPC"])


def test_the_schema_would_refuse_a_wrong_field():
    with pytest.raises(jsonschema.ValidationError):
        validate({"runAsUser": "1000"}, "securitycontext-v1.json")
    with pytest.raises(jsonschema.ValidationError):
        validate({"capabilities": {"keep": []}}, "securitycontext-v1.json")


def docker_parser() -> argparse.ArgumentParser:
    """The `docker run` flags the profile uses, as docker's own CLI reference defines them."""
    parser = argparse.ArgumentParser(prog="docker run", exit_on_error=False)
    parser.add_argument("--read-only", action="store_true")
    for flag in ("--cap-drop", "--cap-add", "--security-opt", "--tmpfs", "--mount"):
        parser.add_argument(flag, action="append", default=[])
    parser.add_argument("--user")
    parser.add_argument("image")
    return parser


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_docker_flags_parse_back_to_the_profile(profiles, case):
    found = profiles[case]
    lines = [line for line in render(found, "docker").splitlines() if not line.startswith("#")]
    assert [shlex.split(line)[:2] for line in lines] == [["docker", "run"], ["podman", "run"]]
    args = docker_parser().parse_args(shlex.split(lines[0])[2:])
    assert args.read_only and args.cap_drop == ["ALL"] and args.image == "demo:latest"
    assert args.cap_add == [c.name for c in found.add_capabilities]
    assert ("no-new-privileges" in args.security_opt) != found.allow_privilege_escalation
    assert args.user == (None if found.run_as_user is None
                         else f"{found.run_as_user}:{found.run_as_group}")  # fmt: skip
    volumes = [f"type=volume,target={m.path}" for m in found.mounts if m.kind == "volume"]
    assert args.tmpfs == [m.path for m in found.mounts if m.kind == "tmpfs"]
    assert args.mount == volumes


def test_what_each_case_needs(profiles):
    caps = {name: [c.name for c in p.add_capabilities] for name, p in profiles.items()}
    assert caps["net-raw"] == ["NET_RAW"] and caps["port-80"] == ["NET_BIND_SERVICE"]
    assert {"SETUID", "SETGID", "NET_BIND_SERVICE"} <= set(caps["supervisor"])
    assert profiles["supervisor"].run_as_user is None  # sshd, cron and supervisord switch users
    assert profiles["net-raw"].allow_privilege_escalation  # file caps need exec without nnp
    assert not profiles["port-80"].allow_privilege_escalation
    assert (profiles["port-80"].run_as_user, profiles["postgres"].run_as_user) == (1000, 999)
    assert [m.path for m in profiles["port-80"].mounts] == ["/app/cache", "/tmp"]
    assert ("/var/lib/postgresql/data", "volume") in {(m.path, m.kind)
                                                      for m in profiles["postgres"].mounts}


def test_compose_and_json(profiles):
    found = profiles["port-80"]
    service = yaml.safe_load(render(found, "compose"))["services"]["app"]
    assert service["cap_add"] == ["NET_BIND_SERVICE"] and service["read_only"] is True
    assert service["user"] == "1000:1000" and service["tmpfs"] == ["/app/cache", "/tmp"]
    doc = json.loads(render(found, "json"))
    assert doc["schema"] == "dockwise/run-profile" and doc["user"]["uid"] == 1000
    assert doc["capabilities"]["add"][0]["reason"] == "EXPOSE 80/tcp is below 1024"


def test_the_cli(images, capsys, tmp_path):
    out = tmp_path / "p.yaml"
    assert cli.main(["profile", "-q", "--no-cache", "-o", str(out), images["net-raw"]]) == 0
    assert "- NET_RAW" in out.read_text()
    assert cli.main(["profile", "-q", "--format", "docker", str(tmp_path / "missing.tar")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("dockwise: ")
