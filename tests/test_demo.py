"""The README's main job: the demo image vetted with the bundled offline data."""

from __future__ import annotations

import json
import subprocess
import sys

from corpus import REPO

from dockwise import cli


def test_demo_scan_with_bundled_offline_data(tmp_path, capsys):
    image, mirror, db = tmp_path / "image.tar", tmp_path / "mirror", tmp_path / "vulns.db"
    for script, target in (("build_demo.py", image), ("build_mirror.py", mirror)):
        subprocess.run(
            [sys.executable, str(REPO / "demo" / script), str(target)],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
    assert cli.main(["db", "update", "-q", "--mirror", mirror.as_uri(), "--db", str(db)]) == 0
    capsys.readouterr()
    assert cli.main(["scan", "-q", "--db", str(db), "-f", "json", str(image)]) == 0
    doc = json.loads(capsys.readouterr().out)
    findings = doc["findings"]
    sections = doc["answers"]["sections"]
    assert list(sections) == ["provenance", "inside", "patching", "support", "security",
                              "running"]
    assert sections["support"]["verdict"].startswith("Debian 12 (bookworm)")
    assert "curl" not in sections["provenance"]["verdict"]
    rules = {f["rule_id"] for f in findings}
    assert {"secret/aws-secret-access-key", "provenance/download-execute"} <= rules
    assert "config/root-user" in rules
    vulns = {(f["rule_id"], f["package"]["name"]) for f in findings if f["kind"] == "vulnerability"}
    assert ("CVE-2019-10744", "lodash") in vulns  # prototype pollution, fixed in 4.17.12
    assert ("CVE-2021-44906", "minimist") in vulns
    assert any(name == "Django" for _, name in vulns)
    assert not any(f["package"]["type"] == "deb" for f in findings if f.get("package"))


def test_an_old_database_still_answers_but_says_so(tmp_path, capsys):
    import sqlite3

    image, mirror, db = tmp_path / "image.tar", tmp_path / "mirror", tmp_path / "vulns.db"
    for script, target in (("build_demo.py", image), ("build_mirror.py", mirror)):
        subprocess.run([sys.executable, str(REPO / "demo" / script), str(target)],
                       check=True, capture_output=True, timeout=120)  # fmt: skip
    assert cli.main(["db", "update", "-q", "--mirror", mirror.as_uri(), "--db", str(db)]) == 0
    capsys.readouterr()
    assert cli.main(["scan", "-q", "--db", str(db), "-f", "json", str(image)]) == 0
    assert "vulnerability database is" not in capsys.readouterr().err
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE meta SET value = '2026-01-01T00:00:00Z' WHERE key = 'built'")
    argv = ["scan", "-q", "--offline", "--db", str(db), "-f", "json", str(image)]
    assert cli.main(argv) == 0  # online, it would be refreshed (tests/vulndb/test_first_run.py)
    out, err = capsys.readouterr()
    assert "vulnerability database is" in err and "import a newer bundle" in err
    assert any("vulnerability database is" in w["message"] for w in json.loads(out)["warnings"])
    assert json.loads(out)["findings"]  # it still answered
