"""Issue 13's "done when", end to end: a database built from the demo mirror (the shared
corpus' advisories, none for Debian 12) and a Debian 12 image. The scan warns on stderr
and in the report, `--fail-on low` fails naming the group, a policy that allows it
passes with the warning kept, and `gate` judges the saved JSON the same way."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from corpus import REPO

from dockwise import cli
from tools.imagepack import ImageSpec, write_docker_archive

STATUS = "".join(
    f"Package: {name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: {version}\n\n"
    for name, version in (("bash", "5.2.15-2+b2"), ("libc6", "2.36-9+deb12u4"))
)
WARNING = "unknown for 2 Debian 12 packages: the database has no Debian 12 advisories"
STRICT = '[severity]\nat-least = "low"\nkinds = ["vulnerability"]\n'


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    work = tmp_path_factory.mktemp("coverage")
    mirror, path = work / "mirror", work / "v.db"
    subprocess.run([sys.executable, str(REPO / "demo" / "build_mirror.py"), str(mirror)],
                   check=True, capture_output=True, timeout=120)  # fmt: skip
    assert cli.main(["db", "update", "-q", "--mirror", mirror.as_uri(), "--db", str(path)]) == 0
    return str(path)


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("image") / "bookworm.tar"
    spec = ImageSpec(layers=[{"etc/os-release": 'ID=debian\nVERSION_ID="12"\n',
                              "var/lib/dpkg/status": STATUS}], history=["debootstrap"])  # fmt: skip
    write_docker_archive(spec, path)
    return f"docker-archive:{path}"


def scan(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli.main(["scan", "-q", "--no-cache", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_fail_on_low_fails_on_the_uncovered_release_and_names_it(db, image, tmp_path, capsys):
    strict = tmp_path / "strict.toml"
    strict.write_text(STRICT)
    code, out, err = scan(capsys, "--db", db, "--fail-on", "low", "--policy", str(strict), image)
    assert code == 1
    assert f"dockwise: warning: {WARNING}\n" in err
    assert ("FAIL coverage: not covered by the database: Debian 12 (2 deb packages: "
            "no data for this release)") in err  # fmt: skip
    assert "FAIL severity" not in err  # nothing else decided it
    assert WARNING in out  # the table's warnings and its patching answer


def test_a_policy_that_allows_it_passes_and_the_warning_stays(db, image, tmp_path, capsys):
    allowing = tmp_path / "allow.toml"
    allowing.write_text('allow-uncovered = ["deb"]\n' + STRICT)
    saved = tmp_path / "result.json"
    code, _, err = scan(capsys, "--db", db, "--fail-on", "low", "--policy", str(allowing),
                        "-f", "json", "-o", str(saved), image)  # fmt: skip
    assert code == 0
    assert f"dockwise: warning: {WARNING}\n" in err
    assert "WARN coverage: not covered, accepted by allow-uncovered: Debian 12" in err
    doc = json.loads(saved.read_text())
    assert doc["database"]["path"] == db and doc["database"]["partial"] is False
    assert {f["name"]: f["status"] for f in doc["database"]["feeds"]}["debian-tracker"] == "ok"
    assert doc["coverage"] == [{
        "type": "deb", "label": "Debian 12", "state": "no data for this release", "packages": 2,
        "owned": 0, "ecosystems": ["Debian:12"], "advisories": 0,
        "reason": "the database has no Debian 12 advisories",
    }]  # fmt: skip
    assert {"message": WARNING, "path": "", "layer": None} in doc["warnings"]
    patching = doc["answers"]["sections"]["patching"]
    assert patching["verdict"].endswith(f"; {WARNING}")
    # the saved result gates exactly as the scan did, either way
    capsys.readouterr()
    assert cli.main(["gate", str(saved), "--policy", str(allowing)]) == 0
    strict = tmp_path / "strict.toml"
    strict.write_text(STRICT)
    assert cli.main(["gate", str(saved), "--policy", str(strict)]) == 1
    assert "FAIL coverage: not covered by the database: Debian 12" in capsys.readouterr().err


@pytest.mark.parametrize("allowed", ['"Debian 12"', '"debian:*"', '"*"'])
def test_allow_uncovered_names_a_release_or_ecosystem_glob(db, image, tmp_path, capsys, allowed):
    policy = tmp_path / "p.toml"
    policy.write_text(f"allow-uncovered = [{allowed}]\n" + STRICT)
    assert scan(capsys, "--db", db, "--policy", str(policy), image)[0] == 0


def test_allow_uncovered_of_another_type_does_not_accept_it(db, image, tmp_path, capsys):
    policy = tmp_path / "p.toml"
    policy.write_text('allow-uncovered = ["rpm", "Debian 11"]\n' + STRICT)
    assert scan(capsys, "--db", db, "--policy", str(policy), image)[0] == 1


def test_a_bad_allow_uncovered_is_one_line_exit_2(db, image, tmp_path, capsys):
    policy = tmp_path / "p.toml"
    policy.write_text('allow-uncovered = "deb"\n')
    code, out, err = scan(capsys, "--db", db, "--policy", str(policy), image)
    assert (code, out) == (2, "")
    assert err == (f"dockwise: error: {policy}: allow-uncovered must be a non-empty list of "
                   "strings\n")  # fmt: skip


def test_a_missing_feed_says_so_instead_of_no_data(tmp_path, image, capsys):
    mirror, path = tmp_path / "mirror", tmp_path / "v.db"
    subprocess.run([sys.executable, str(REPO / "demo" / "build_mirror.py"), str(mirror)],
                   check=True, capture_output=True, timeout=120)  # fmt: skip
    (mirror / "debian" / "json").unlink()
    assert cli.main(["db", "update", "-q", "--mirror", mirror.as_uri(), "--db", str(path)]) == 0
    code, _, err = scan(capsys, "--db", str(path), "-f", "json", image)
    assert code == 0  # no gate asked for: the warning is all
    assert ("unknown for 2 Debian 12 packages: the feed that holds Debian 12 advisories was "
            "not read (debian-tracker json (missing))") in err  # fmt: skip


def test_diff_says_which_side_the_database_did_not_cover(db, image, tmp_path, capsys):
    saved = tmp_path / "result.json"
    assert scan(capsys, "--db", db, "-f", "json", "-o", str(saved), image)[0] == 0
    capsys.readouterr()
    assert cli.main(["diff", "-q", "--db", db, str(saved), image, "--fail-on-new", "high"]) == 0
    err = capsys.readouterr().err
    assert f"dockwise: warning: OLD: {WARNING}\n" in err  # read back from the saved result
    assert f"dockwise: warning: NEW: {WARNING}\n" in err  # scanned live
