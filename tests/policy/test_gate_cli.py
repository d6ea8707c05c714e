# ruff: noqa: E501 -- record literals and expected lines read best on one line
"""The gate end to end: images built with tools/imagepack, a small real database built
from corpus records, argv in, exit code and stderr out; then the same verdict from the
saved JSON result through `dockwise gate`."""

from __future__ import annotations

import json

import jsonschema
import pytest
from corpus import fresh

from dockwise import cli
from dockwise.report.native_json import load_schema
from dockwise.vulndb.records import KevEntry
from dockwise.vulndb.store import DbWriter
from tests.checks.conftest import corpus_required, osv_records  # noqa: F401 - a fixture
from tools.imagepack import ImageSpec, write_docker_archive

pytestmark = pytest.mark.usefixtures("corpus_required")

STRETCH = 'ID=debian\nVERSION_ID="9"\n'
BOOKWORM = 'ID=debian\nVERSION_ID="12"\n'
LIBXML2 = (
    "Package: libxml2\nStatus: install ok installed\nArchitecture: amd64\n"
    "Version: 2.9.4+dfsg1-2.2+deb9u6\n\n"  # one below DLA-3012-1's fix
)
LODASH = json.dumps({"name": "lodash", "version": "4.17.20"})  # CVE-2021-23337, in KEV here
AWS_ID, AWS_SECRET = "AKIAQYLPMN5HHHFPZAMQ", "wJalrXUtnFEMIK7MDENGbPxRfiCYzQwErTyUiOpA"
POLICY = """
known-exploited = "fail"
end-of-life = { include-extended = true }  # Debian 9 is in Freexian's paid ELTS now
non-root = "fail"
no-secrets = "fail"
max-age = { action = "warn", days = 30, allow-unknown = true }

[severity]
at-least = "high"
"""
RULES = ("known-exploited", "end-of-life", "non-root", "no-secrets", "severity")  # file order


@pytest.fixture
def bad_image(tmp_path) -> str:
    """Debian 9 (end of life) with a vulnerable libxml2, lodash, an AWS key, run as root."""
    spec = ImageSpec(
        layers=[
            {"etc/os-release": STRETCH, "var/lib/dpkg/status": LIBXML2},
            {"app/node_modules/lodash/package.json": LODASH,
             "app/.env": f"AWS_ACCESS_KEY_ID={AWS_ID}\nAWS_SECRET_ACCESS_KEY={AWS_SECRET}\n"},
        ],
        history=["debootstrap", "COPY app /app"],
    )  # fmt: skip
    return _write(spec, tmp_path / "bad.tar")


@pytest.fixture
def clean_image(tmp_path) -> str:
    """Debian 12, no vulnerable package, no secret, a non-root user and a healthcheck."""
    spec = ImageSpec(
        layers=[{"etc/os-release": BOOKWORM}, {"app/main.py": "print('hello')\n"}],
        history=["debootstrap", "COPY app /app"],
        config={"User": "10001:10001", "Healthcheck": {"Test": ["CMD", "true"]}},
    )
    return _write(spec, tmp_path / "clean.tar")


def _write(spec: ImageSpec, path) -> str:
    write_docker_archive(spec, path)
    return f"docker-archive:{path}"


@pytest.fixture
def db(tmp_path) -> str:
    path = tmp_path / "dockwise.db"
    writer = DbWriter(path)
    for record in (
        *osv_records("Debian", "DLA-3012-1"),
        *osv_records("npm", "GHSA-35jh-r3h4-6jhm"),
    ):
        writer.add_advisory(record)
    writer.add_kev(KevEntry("CVE-2021-23337", "2023-01-01", "2023-01-22", "Unknown"))
    writer.finish({"built": fresh()})  # an old one would add a warning
    return str(path)


@pytest.fixture
def policy_file(tmp_path) -> str:
    path = tmp_path / "dockwise.toml"
    path.write_text(POLICY)
    return str(path)


def scan(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(["scan", "-q", "--no-cache", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_bad_image_fails_and_names_each_rule(bad_image, db, policy_file, capsys):
    code, _, err = scan(capsys, "--db", db, "--policy", policy_file, bad_image)
    assert code == 1
    assert err.startswith(f"policy FAILED ({policy_file})\n")
    failed = [line.split(":")[0].strip() for line in err.splitlines() if line.startswith("  FAIL ")]
    assert failed == [f"FAIL {rule}" for rule in RULES]
    assert "    - CVE-2021-23337 high lodash 4.17.20 (fix 4.17.21)" in err
    assert "    - lifecycle/distro-extended medium" in err
    assert "    - config/root-user medium" in err
    assert "    - secret/" in err and AWS_SECRET not in err


def test_clean_image_passes(clean_image, db, policy_file, capsys):
    code, _, err = scan(capsys, "--db", db, "--policy", policy_file, clean_image)
    assert (code, err) == (0, f"policy passed ({policy_file})\n")


def test_fail_on_counts_every_kind(bad_image, clean_image, db, capsys):
    code, _, err = scan(capsys, "--db", db, "--fail-on", "critical", bad_image)
    assert code == 1 and "  FAIL severity: " in err and "    - secret/" in err
    code, _, err = scan(capsys, "--db", db, "--fail-on", "low", clean_image)
    assert code == 1 and "lifecycle/distro-lts low" in err  # Debian 12's LTS phase counts
    code, _, err = scan(capsys, "--db", db, "--fail-on", "medium", clean_image)
    assert (code, err) == (0, "policy passed (--fail-on medium)\n")


def test_policy_file_found_in_the_current_directory(bad_image, db, tmp_path, monkeypatch, capsys):
    (tmp_path / "pyproject.toml").write_text('[tool.dockwise]\nnon-root = "fail"\n')
    monkeypatch.chdir(tmp_path)
    code, _, err = scan(capsys, "--db", db, bad_image)
    assert code == 1 and err.startswith(f"policy FAILED ({tmp_path / 'pyproject.toml'})\n")


def test_no_policy_no_gate(bad_image, db, capsys):
    assert scan(capsys, "--db", db, bad_image)[::2] == (0, "")


def test_expired_ignore_entry_stops_suppressing(bad_image, db, tmp_path, capsys):
    policy = tmp_path / "policy.toml"
    policy.write_text(
        'known-exploited = "fail"\n'
        '[[ignore]]\nid = "CVE-2021-23337"\nreason = "not reachable"\nexpires = 2999-01-01\n'
    )
    assert scan(capsys, "--db", db, "--policy", str(policy), bad_image)[0] == 0
    policy.write_text(policy.read_text().replace("2999-01-01", "2000-01-01"))
    code, _, err = scan(capsys, "--db", db, "--policy", str(policy), bad_image)
    assert code == 1 and "CVE-2021-23337" in err
    assert "  note: ignore rule for CVE-2021-23337 (lodash) expired on 2000-01-01" in err


def test_bad_input_is_one_line_exit_2(bad_image, db, tmp_path, capsys):
    broken = tmp_path / "broken.toml"
    broken.write_text("[severity]\nat-least = 'hgih'\n")
    code, out, err = scan(capsys, "--db", db, "--policy", str(broken), bad_image)
    assert (code, out) == (2, "")
    assert (
        err
        == f"dockwise: error: {broken}: severity.at-least must be a severity: unknown, negligible, low, medium, high or critical, not 'hgih'\n"
    )
    code, _, err = scan(capsys, "--db", db, "--fail-on", "high", str(tmp_path / "missing.tar"))
    assert code == 2 and err.count("\n") == 1 and err.startswith("dockwise: error: ")


def test_saved_json_gates_the_same(bad_image, db, policy_file, tmp_path, capsys):
    saved = tmp_path / "result.json"
    code, _, live = scan(
        capsys, "--db", db, "--policy", policy_file, "-f", "json", "-o", str(saved), bad_image
    )
    doc = json.loads(saved.read_text())
    jsonschema.validate(doc, load_schema())
    assert code == 1 and doc["verdict"]["passed"] is False
    assert [v["rule"] for v in doc["verdict"]["violations"]] == list(RULES)
    assert cli.main(["gate", "--policy", policy_file, str(saved)]) == 1
    assert capsys.readouterr().err == live
    assert cli.main(["gate", "--fail-on", "critical", "-f", "junit", str(saved)]) == 1
    out = capsys.readouterr().out
    assert '<testcase classname="dockwise.policy" name="severity">' in out and "<failure" in out


def test_gate_errors(tmp_path, capsys):
    not_json = tmp_path / "x.json"
    not_json.write_text("[]")
    assert cli.main(["gate", "--fail-on", "high", str(not_json)]) == 2
    assert (
        capsys.readouterr().err
        == f"dockwise: error: {not_json}: not a saved dockwise result (schema 'list')\n"
    )
    assert cli.main(["gate", str(not_json)]) == 2  # tmp_path is not the cwd: no policy
    assert "no policy: give --policy FILE or --fail-on LEVEL" in capsys.readouterr().err
