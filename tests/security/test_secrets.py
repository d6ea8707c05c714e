"""Secrets in files of every layer, in env, labels and history; masked everywhere."""

from __future__ import annotations

import pytest
from planted import KEY_BODY, OS_RELEASE, PEM, by_rule, dpkg_base, read_target, run_checks

from dockwise.analyze.secrets import SecretsAnalyzer
from dockwise.security.secretscan import redact, scan_file
from tools.imagepack import Member, whiteout

# Planted values (and KEY_BODY): none of these strings may ever appear in any output.
AWS_ID = "AKIAQYLPMN5HHHFPZAMQ"
AWS_SECRET = "wJalrXUtnFEMIK7MDENGbPxRfiCYzQwErTyUiOpA"
GITHUB = "ghp_R4nd0mT0k3nV4lu3Th4tIsN0tR34l0000000"
PASSWORD = "hunter2-Zq9"
ENV_TOKEN = "glpat-Zx8Yw7Vu6Ts5Rq4Po3Nm"
HISTORY_TOKEN = "ghp_H1st0ryT0k3nV4lu3Th4tIsN0tR34l000000"
BUILD_ARG = "s3cr3t-build-pw"
RAW = (KEY_BODY[:60], AWS_ID, AWS_SECRET, GITHUB, PASSWORD, ENV_TOKEN, HISTORY_TOKEN, BUILD_ARG)


def planted(build) -> str:
    return build(
        layers=[
            dpkg_base(),
            {"root/.ssh/id_rsa": PEM},
            [whiteout("root/.ssh/id_rsa")],
            {
                "app/.env": f"AWS_ACCESS_KEY_ID={AWS_ID}\nAWS_SECRET_ACCESS_KEY={AWS_SECRET}\n",
                "app/config.yaml": f"db:\n  password: {PASSWORD}\n  user: app\n",
                "root/.bash_history": f"ls\nexport GITHUB_TOKEN={GITHUB}\n",
                "root/.netrc": f"machine example.org login me password {PASSWORD}\n",
            },
        ],
        history=["debootstrap", "COPY id_rsa", "RUN rm id_rsa", "COPY app"],
        empty_history=[
            (3, f"RUN |1 GITHUB_TOKEN={HISTORY_TOKEN} /bin/sh -c make"),
            (3, f"ARG DB_PASSWORD={BUILD_ARG}"),
        ],  # fmt: skip
        config={"Env": [f"DEPLOY={ENV_TOKEN}", "DB_PASSWORD=x1y2z3w4", "GPG_KEY=ABCDEF"]},
    )


@pytest.fixture
def findings(build):
    return run_checks(read_target(planted(build)))


def test_key_deleted_by_a_later_layer_names_both_layers(findings):
    (key,) = by_rule(findings, "secret/private-key")
    assert key.location.path == "root/.ssh/id_rsa" and key.location.layer.index == 1
    layer = dict(key.evidence)["layer"]
    assert "present in layer 1" in layer and "deleted by layer 2" in layer
    assert "still shipped" in layer
    assert dict(key.evidence)["excerpt"] == "-----BEGIN RSA PRIVATE KEY----- MIIE****"


@pytest.mark.parametrize(
    ("rule", "path"),
    [
        ("secret/aws-access-key-id", "app/.env"),
        ("secret/aws-secret-access-key", "app/.env"),
        ("secret/generic-password", "app/config.yaml"),
        ("secret/github-token", "root/.bash_history"),
        ("secret/netrc-password", "root/.netrc"),
    ],
    ids=["aws_id", "aws_secret", "yaml_password", "history_token", "netrc"],
)
def test_secrets_in_files(findings, rule, path):
    assert path in [f.location.path for f in by_rule(findings, rule) if f.location]


def test_metadata_secrets_found(findings):
    titles = {f.rule_id: f.title for f in findings if f.location is None or not f.location.path}
    assert "gitlab token in ENV DEPLOY".lower() in titles["secret/gitlab-token"].lower()
    assert "history step" in titles["secret/github-token"]
    assert "secret/build-arg-secret" in titles
    assert "DB_PASSWORD" in titles["secret/env-credential"]
    assert not any("GPG_KEY" in t for t in titles.values())  # a public key id


def test_nothing_raw_in_findings_or_image_info(build, findings):
    target = read_target(planted(build))
    text = repr(findings) + repr(target.image)
    for value in RAW:
        assert value not in text


def test_same_secret_in_two_files_is_one_finding(build):
    token = f"x={GITHUB}\n"
    path = build(layers=[dpkg_base(), {"app/a.env": token}, {"srv/b.env": token}])
    (finding,) = by_rule(run_checks(read_target(path)), "secret/github-token")
    assert finding.location.path == "app/a.env"
    assert dict(finding.evidence)["also"] == "srv/b.env:1 (layer 2)"


def test_overwritten_file_says_overwritten(build):
    path = build(layers=[dpkg_base(), {"app/.env": f"T={GITHUB}\n"}, {"app/.env": "T=\n"}])
    (finding,) = by_rule(run_checks(read_target(path)), "secret/github-token")
    assert "overwritten by layer 2" in dict(finding.evidence)["layer"]


@pytest.mark.parametrize(
    "path",
    [
        "usr/share/doc/x/example.env",
        "usr/lib/python3.11/test/keycert.pem",
        "usr/local/lib/python3.11/site-packages/pkg/tests/key.pem",
        "app/node_modules/x/test/fixtures/key.pem",
        "etc/ssl/certs/key.pem",
    ],
    ids=["doc", "stdlib_test", "site_packages", "node_modules", "ca_dir"],
)
def test_known_false_positive_paths_are_not_read(path):
    assert not SecretsAnalyzer().claims(path, PEM.encode()[:64])


@pytest.mark.parametrize(
    "text",
    ["password=${DB_PASSWORD}", "password: <your-password>", "secret = changeit",
     "api_key = os.environ['KEY']", "password=/run/secrets/db", "token: xxxxxxxx"],
    ids=["var", "angle", "changeit", "environ", "path", "xs"],
)  # fmt: skip
def test_placeholders_are_not_secrets(text):
    assert scan_file("app/settings.conf", text.encode() + b"\n") == []


def test_code_gets_distinctive_rules_only():
    code = f"password = 'abcdefgh'\nTOKEN = '{GITHUB}'\n".encode()
    assert [h.rule for h in scan_file("app/main.py", code)] == ["github-token"]


def test_package_conffile_demo_value_is_not_reported(build):
    cnf = "secret = pass:insta\n"
    path = build(layers=[dpkg_base("etc/ssl/openssl.cnf") | {"etc/ssl/openssl.cnf": cnf}])
    assert by_rule(run_checks(read_target(path)), "secret/generic-password") == []


def test_conffile_changed_by_a_later_layer_is_reported(build):
    base = dpkg_base("etc/app.conf") | {"etc/app.conf": "x=1\n"}
    path = build(layers=[base, {"etc/app.conf": f"password = {PASSWORD}\n"}])
    assert by_rule(run_checks(read_target(path)), "secret/generic-password")


def test_redact_tags_metadata_values():
    assert redact(f"X={GITHUB}") == "X=ghp_****[github-token]"
    assert redact("apt-get install -y python3-keyring") == "apt-get install -y python3-keyring"


# -- hostile inputs ------------------------------------------------------------------


def test_huge_single_line_file_finishes_without_a_finding():
    line = (b"password" + b"A" * 97) * (8 * 1024 * 1024 // 105)
    assert scan_file("app/big.json", line) == []


def test_binary_garbage_with_key_like_bytes_is_not_claimed():
    garbage = b"\x00\x01" + PEM.encode() + bytes(range(256)) * 100
    assert not SecretsAnalyzer().claims("app/blob.key", garbage[:64])


def test_hits_per_file_are_bounded():
    many = "".join(f"T{i}=ghp_{i:036d}\n" for i in range(1000)).encode()
    assert len(scan_file("app/.env", many)) <= 32


def test_ten_thousand_small_files_stay_fast(build):
    files = {f"app/conf/{i}.yaml": f"key{i}: value{i}\n" for i in range(10_000)}
    files["app/conf/real.yaml"] = f"password: {PASSWORD}\n"
    path = build(layers=[{"etc/os-release": OS_RELEASE}, files])
    findings = run_checks(read_target(path))
    assert [f.location.path for f in by_rule(findings, "secret/generic-password")] == [
        "app/conf/real.yaml"
    ]


def test_big_file_over_the_cap_is_a_warning_not_a_read(build):
    big = Member("app/huge.env", b"A=1\n" * (3 * 1024 * 1024))  # 12 MiB
    target = read_target(build(layers=[{"etc/os-release": OS_RELEASE}, [big]]))
    (warning,) = [w for w in target.tree.warnings if "app/huge.env" in w.message]
    assert warning.message.startswith("secrets: 1 file(s) over the 1.0 MiB cap not read")
