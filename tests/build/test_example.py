"""The documented example, built for real from Debian's archive (which CI reaches): only
what holds whatever the archive publishes next is asserted, never a version."""

from __future__ import annotations

import json
from pathlib import Path

from built_image import Layout
from corpus import fresh

from dockwise import cli
from dockwise.vulndb.store import DbWriter

EXAMPLE = Path(__file__).parents[2] / "examples" / "build" / "minimal.toml"


def test_the_example_builds_from_debian_and_reads_back_whole(tmp_path, capsys):
    db = tmp_path / "empty.db"
    DbWriter(db).finish({"built": fresh()})
    out = tmp_path / "hello"
    assert cli.main(["build", str(EXAMPLE), "--output", str(out), "--db", str(db), "-q",
                     "-f", "json", "--report", str(tmp_path / "report.json")]) == 0  # fmt: skip
    layout = Layout(out)
    _, document = layout.artifact("application/vnd.in-toto+json")
    deps = json.loads(document)["predicate"]["buildDefinition"]["resolvedDependencies"]
    purls = [d["uri"] for d in deps if d["uri"].startswith("pkg:deb/")]
    installed = {purl.split("/")[-1].split("@")[0] for purl in purls}
    assert {"base-files", "netbase", "tzdata", "hello", "libc6"} <= installed
    releases = [d for d in deps if d["uri"].startswith("apt-list:")]
    codenames = {r["annotations"]["codename"] for r in releases}
    assert codenames == {"bookworm", "bookworm-updates", "bookworm-security"}
    assert all(r["annotations"]["date"] and len(r["digest"]["sha256"]) == 64 for r in releases)
    capsys.readouterr()
    assert cli.main(["sbom", "-q", "--no-cache", "-f", "json", f"oci-dir:{out}"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {p["name"] for p in result["packages"]} == installed
    assert result["distro"]["version_id"] == "12"
    members = layout.layer_members(0)
    assert "usr/bin/hello" in members and "bin/sh" not in members
    assert not [n for n in members if n.startswith(("usr/share/man/", "var/lib/apt/lists/"))]
    assert "app/config.toml" in layout.layer_members(1)
