"""Secrets found by what a file holds, wherever it is (issue 13, item 5).

The sketchy image is the shape of the held-out `debian-sketchy`: a deploy key with no
extension added in one layer and deleted in the next, and an AWS credentials file that
holds AWS's documented example keys.
"""

from __future__ import annotations

import json

import pytest
from corpus import fresh
from planted import KEY_BODY, OS_RELEASE, PEM, by_rule, dpkg_base, read_target, run_checks

import dockwise
from dockwise import cli
from dockwise.analyze.secrets import SecretsAnalyzer
from dockwise.cache.layers import LayerCache
from dockwise.catalog import CATALOGERS, wanted_globs
from dockwise.model import LayerRef, Severity
from dockwise.security.secretscan import scan_file
from dockwise.source.selector import Selector
from dockwise.vulndb.store import DbWriter
from tools.imagepack import Member, whiteout

AWS_DOC_ID = "AKIAIOSFODNN7EXAMPLE"
AWS_DOC_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
CREDENTIALS = (
    f"[default]\naws_access_key_id = {AWS_DOC_ID}\naws_secret_access_key = {AWS_DOC_SECRET}\n"
)
GITHUB = "ghp_C0nt3ntT0k3nV4lu3Th4tIsN0tR34l000000"
EXAMPLE_REASON = "documented example value"


def sketchy(build) -> str:
    return build(
        layers=[
            dpkg_base(),
            [Member("tmp/deploy_key", PEM.encode(), mode=0o600)],
            [whiteout("tmp/deploy_key"), Member("root/.aws/credentials", CREDENTIALS.encode())],
        ],
        history=["debootstrap", "COPY deploy_key /tmp/", "RUN rm /tmp/deploy_key && aws ..."],
    )


@pytest.fixture
def sketchy_findings(build):
    return run_checks(read_target(sketchy(build)))


def test_deleted_key_without_extension_is_found_in_its_layer(sketchy_findings):
    (key,) = by_rule(sketchy_findings, "secret/private-key")
    assert (key.location.path, key.location.layer.index) == ("tmp/deploy_key", 1)
    assert dict(key.evidence)["layer"] == (
        "present in layer 1, deleted by layer 2; still shipped in layer 1"
    )
    assert key.severity is Severity.HIGH


def test_aws_credentials_file_is_reported_by_presence(sketchy_findings):
    (found,) = by_rule(sketchy_findings, "secret/aws-credentials-file")
    assert (found.location.path, found.location.layer.index) == ("root/.aws/credentials", 2)
    assert dict(found.evidence)["layer"] == "present in layer 2"


@pytest.mark.parametrize(
    "rule", ["aws-credentials-file", "aws-access-key-id", "aws-secret-access-key"]
)
def test_documented_example_keys_are_low_with_the_reason(sketchy_findings, rule):
    (found,) = by_rule(sketchy_findings, f"secret/{rule}")
    assert found.severity is Severity.LOW
    assert EXAMPLE_REASON in dict(found.evidence)["reason"]


def test_sketchy_scan_json_names_layers_and_never_the_secret(build, tmp_path, capsys):
    db = tmp_path / "empty.db"
    DbWriter(db).finish({"built": fresh()})
    code = cli.main(["scan", "-q", "--no-cache", "-f", "json", "--db", str(db), sketchy(build)])
    out = capsys.readouterr().out
    secrets = {f["rule_id"]: f for f in json.loads(out)["findings"] if f["kind"] == "secret"}
    assert code == 0
    assert secrets["secret/private-key"]["location"]["path"] == "tmp/deploy_key"
    assert secrets["secret/aws-credentials-file"]["location"]["path"] == "root/.aws/credentials"
    assert KEY_BODY[:60] not in out and AWS_DOC_SECRET not in out


def test_a_real_key_in_a_credentials_file_keeps_its_severity(build):
    real = "[default]\naws_secret_access_key = wJalrXUtnFEMIK7MDENGbPxRfiCYzQwErTyUiOpA\n"
    path = build(layers=[dpkg_base(), {"root/.aws/credentials": real}])
    findings = run_checks(read_target(path))
    assert by_rule(findings, "secret/aws-secret-access-key")[0].severity is Severity.CRITICAL
    (file,) = by_rule(findings, "secret/aws-credentials-file")
    assert file.severity is Severity.HIGH and "reason" not in dict(file.evidence)


CREDENTIAL_FILES = [
    ("docker-config-auth", "root/.docker/config.json",
     '{"auths": {"registry.example.org": {"auth": "dXNlcjpwYXNzd29yZA=="}}}'),
    ("netrc-file", "home/app/.netrc", "machine git.example.org login me password s3cr3t-Pw\n"),
    ("git-credentials-file", "root/.git-credentials", "https://me:s3cr3t-Pw@git.example.org\n"),
    ("npmrc-token", "app/.npmrc", "//registry.npmjs.org/:_authToken=abcdef0123456789\n"),
    ("pypirc-password", "root/.pypirc", "[pypi]\nusername = me\npassword = s3cr3t-Pw\n"),
    ("ssh-private-key-file", "home/app/.ssh/id_ed25519",
     f"-----BEGIN OPENSSH PRIVATE KEY-----\n{KEY_BODY}\n-----END OPENSSH PRIVATE KEY-----\n"),
    ("kubeconfig-credentials", "root/.kube/config",
     "apiVersion: v1\nusers:\n- name: admin\n  user:\n    token: abcdef0123456789\n"),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "path", "content"), CREDENTIAL_FILES,
                         ids=[c[0].replace("-", "_") for c in CREDENTIAL_FILES])  # fmt: skip
def test_well_known_credential_files(build, rule, path, content):
    findings = run_checks(read_target(build(layers=[dpkg_base(), {path: content}])))
    assert [f.location.path for f in by_rule(findings, f"secret/{rule}")] == [path]


NOT_CREDENTIALS = [
    ("root/.docker/config.json", '{"auths": {"registry.example.org": {}}, "credsStore": "pass"}'),
    ("home/app/.ssh/id_ed25519.pub", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO me@host\n"),
    ("app/.npmrc", "registry=https://registry.npmjs.org/\n"),
    ("root/.kube/config", "apiVersion: v1\nusers:\n- name: sso\n  user:\n    exec: {}\n"),
    ("root/.aws/credentials", "[default]\ncredential_process = /opt/bin/creds\n"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "content"), NOT_CREDENTIALS,
                         ids=["creds_store", "public_key", "registry_only", "exec_plugin",
                              "credential_process"])  # fmt: skip
def test_credential_file_names_without_a_credential_are_not_findings(build, path, content):
    findings = run_checks(read_target(build(layers=[dpkg_base(), {path: content}])))
    assert [f for f in findings if f.kind == "secret"] == []


def test_token_in_a_file_a_cataloger_reads_is_found_and_still_catalogued(build):
    requirements = f"--index-url https://me:{GITHUB}@pypi.example.org/simple\nflask==2.0.1\n"
    target = read_target(build(layers=[dpkg_base(), {"app/requirements.txt": requirements}]))
    assert [f.location.path for f in by_rule(run_checks(target), "secret/github-token")] == [
        "app/requirements.txt"
    ]
    assert "flask" in {p.name for p in target.inventory.packages}


def test_loose_rules_stay_in_secret_prone_paths(build):
    """Outside `.env`, config and shell files only the distinctive formats apply."""
    notes = "password = hunter2-Zq9\n"
    path = build(layers=[dpkg_base(), {"opt/app/NOTES": notes, "opt/app/app.conf": notes}])
    found = by_rule(run_checks(read_target(path)), "secret/generic-password")
    assert [f.location.path for f in found] == ["opt/app/app.conf"]


def test_example_value_is_a_flagged_hit_not_a_placeholder():
    (hit,) = scan_file("app/settings.conf", f"AWS_ID={AWS_DOC_ID}\n".encode())
    assert (hit.rule, hit.example, hit.facts()["example"]) == ("aws-access-key-id", True, True)


def test_cap_is_in_the_layer_cache_key(tmp_path):
    layer = LayerRef(0, "sha256:" + "ab" * 32)
    cache, globs = LayerCache(tmp_path), wanted_globs(CATALOGERS)
    keys = {
        cache.key(layer, Selector.build(globs, [SecretsAnalyzer(size)])) for size in (1024, 2048)
    }
    assert len(keys) == 2


# -- hostile inputs ------------------------------------------------------------------

CAP = 4096


def padded_key(size: int) -> bytes:
    """A text file of exactly `size` bytes that ends with a private key."""
    return b"#" * (size - len(PEM) - 1) + b"\n" + PEM.encode()


def test_file_at_exactly_the_cap_is_read_and_one_over_is_counted(build):
    at, over = padded_key(CAP), padded_key(CAP + 1)
    layers = [{"etc/os-release": OS_RELEASE}, [Member("srv/at", at), Member("srv/over", over)]]
    target = read_target(build(layers=layers), secrets_max_size=CAP)
    (key,) = by_rule(run_checks(target), "secret/private-key")
    assert key.location.path == "srv/at" and len(at) == CAP
    (warning,) = [w for w in target.tree.warnings if w.message.startswith("secrets:")]
    assert warning.message == "secrets: 1 file(s) over the 4.0 KiB cap not read: srv/over (4.0 KiB)"
    assert warning.layer.index == 1


def test_many_files_over_the_cap_are_one_counted_warning(build):
    big = [Member(f"data/{i}.csv", b"a,b\n" * 2000) for i in range(50)]
    target = read_target(build(layers=[{"etc/os-release": OS_RELEASE}, big]),
                         secrets_max_size=CAP)  # fmt: skip
    warnings = [w.message for w in target.tree.warnings]
    assert len(warnings) == 1 and warnings[0].startswith("secrets: 50 file(s) over")
    assert warnings[0].endswith(" and 47 more")


def test_huge_single_line_file_at_the_default_cap_is_read_to_its_end(build):
    line = b"eyJ" + b"A" * (SecretsAnalyzer().max_size - 3 - len(PEM)) + PEM.encode()
    target = read_target(build(layers=[{"etc/os-release": OS_RELEASE}, {"srv/blob.json": line}]))
    found = by_rule(run_checks(target), "secret/private-key")
    assert [f.location.path for f in found] == ["srv/blob.json"]
    assert target.tree.warnings == []


def test_binary_file_is_not_read_for_secrets(build):
    binary = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56 + PEM.encode()
    plain = {"srv/tool": binary, "srv/tool.txt": PEM}
    findings = run_checks(read_target(build(layers=[{"etc/os-release": OS_RELEASE}, plain])))
    assert [f.location.path for f in by_rule(findings, "secret/private-key")] == ["srv/tool.txt"]


def test_binary_that_starts_as_text_is_neither_read_nor_counted(build):
    """A static library's first 64 bytes are text (`!<arch>` and a member header)."""
    archive = b"!<arch>\n" + b"x.o/ " * 20 + b"\0" * 100 + PEM.encode()
    layers = [{"etc/os-release": OS_RELEASE},
              {"srv/small.a": archive, "srv/big.a": archive + b"\0" * CAP}]  # fmt: skip
    target = read_target(build(layers=layers), secrets_max_size=CAP)
    assert by_rule(run_checks(target), "secret/private-key") == []
    assert target.tree.warnings == []


CAP_WARNING = "secrets: 1 file(s) over the 4.0 KiB cap not read: srv/key (8.0 KiB)"


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_cap_set_by_flag_or_environment_reaches_the_reader(build, tmp_path, capsys, monkeypatch,
                                                           how):  # fmt: skip
    image = build(layers=[{"etc/os-release": OS_RELEASE}, {"srv/key": padded_key(2 * CAP)}])
    db = tmp_path / "empty.db"
    DbWriter(db).finish({"built": fresh()})
    argv = ["scan", "-q", "--no-cache", "-f", "json", "--db", str(db), image]
    if how == "flag":
        argv[1:1] = ["--secrets-max-size", "4K"]
    else:
        monkeypatch.setenv("DOCKWISE_SECRETS_MAX_SIZE", "4096")
    cli.main(argv)
    warnings = [w["message"] for w in json.loads(capsys.readouterr().out)["warnings"]]
    assert CAP_WARNING in warnings


def test_cap_through_the_python_api(build, tmp_path):
    image = build(layers=[{"etc/os-release": OS_RELEASE}, {"srv/key": padded_key(2 * CAP)}])
    db = tmp_path / "empty.db"
    DbWriter(db).finish({"built": fresh()})
    result = dockwise.scan(image, db=db, no_cache=True, quiet=True, secrets_max_size="4K")
    assert CAP_WARNING in [w.message for w in result.inventory.warnings]


def test_sbom_reads_no_file_for_secrets_and_refuses_the_cap(build, capsys):
    """Secrets are `scan`'s: `sbom` leaves the analyzer out (nothing over its cap to
    count), and a cap given to it is an error rather than a flag that does nothing."""
    image = build(layers=[{"etc/os-release": OS_RELEASE}, {"srv/key": padded_key(2 * CAP)}])
    assert cli.main(["sbom", "-q", "--no-cache", "-f", "json", image]) == 0
    assert json.loads(capsys.readouterr().out)["warnings"] == []
    with pytest.raises(SystemExit) as exit_:
        cli.main(["sbom", "-q", "--secrets-max-size", "4K", image])
    assert exit_.value.code == 2
    assert "--secrets-max-size" in capsys.readouterr().err
    with pytest.raises(TypeError, match="secrets_max_size is for scan"):
        dockwise.sbom(image, quiet=True, secrets_max_size="4K")
