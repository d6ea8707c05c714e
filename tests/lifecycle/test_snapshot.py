"""The snapshot: bundled data, the refreshed copy `db update` may write, the build tool."""

import json
from datetime import date
from pathlib import Path

import pytest

from dockwise.lifecycle import distro_support, load_snapshot
from dockwise.lifecycle.feeds import FEED, build_snapshot, refreshed_path, write_refreshed
from dockwise.lifecycle.snapshot import LifecycleError, parse_snapshot
from dockwise.model import Distro
from tools import build_lifecycle

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "lifecycle"
DISTRO_INFO = Path("/usr/share/distro-info")
KEPT_CSVS = Path(__file__).resolve().parents[1] / "assets" / "lifecycle" / "distro-info"
DEBIAN_CSV = (
    "version,codename,series,created,release,eol,eol-lts,eol-elts\n"
    "12,Bookworm,bookworm,2021-08-14,2023-06-10,2026-07-11,2028-06-30,2033-06-30\n"
    ",Sid,sid,1993-08-16\n"
)


def test_bundled_snapshot_covers_the_products():
    snapshot = load_snapshot(Path("/nonexistent"))
    assert snapshot.origin == "bundled"
    for slug in (
        "debian",
        "ubuntu",
        "alpine-linux",
        "rhel",
        "python",
        "nodejs",
        "go",
        "eclipse-temurin",
        "oracle-jdk",
        "amazon-corretto",
        "dotnet",
        "ruby",
        "php",
    ):
        assert snapshot.products[slug].cycles, slug  # fmt: skip


def test_build_snapshot_merges_distro_info():
    eol = {"debian": {"title": "Debian", "releases": [
        {"releaseCycle": "12", "codename": "Bookworm", "releaseDate": "2023-06-10",
         "eol": "2026-06-10", "eoes": "2028-06-30", "latest": "12.1", "link": "x"}]}}  # fmt: skip
    doc = build_snapshot(eol, {"debian.csv": DEBIAN_CSV}, date(2026, 1, 2))
    (cycle,) = doc["products"]["debian"]["cycles"]
    assert cycle["eol"] == "2026-07-11"  # distro-info-data wins
    assert (cycle["eol_lts"], cycle["eol_elts"]) == ("2028-06-30", "2033-06-30")
    assert "link" not in cycle
    assert parse_snapshot(doc, "test").generated == date(2026, 1, 2)


def test_refreshed_copy_wins_when_newer(tmp_path):
    db = tmp_path / "db" / "dockwise.db"
    bundled = load_snapshot(tmp_path / "missing.json")
    doc = build_snapshot({}, {"debian.csv": DEBIAN_CSV.replace("2026-07-11", "2026-12-31")},
                         date(2099, 1, 1))  # fmt: skip
    path = write_refreshed(doc, db)
    assert path == refreshed_path(db) and path.name == FEED.filename
    fresh = load_snapshot(path)
    assert fresh.origin == str(path)
    support = distro_support(Distro("debian", "12"), date(2026, 11, 28), fresh)
    assert (support.phase, support.security_end) == ("active", date(2026, 12, 31))
    older = dict(doc, generated="2000-01-01")
    path.write_text(json.dumps(older))
    assert load_snapshot(path).generated == bundled.generated


def test_broken_refreshed_copy_falls_back(tmp_path):
    path = tmp_path / "lifecycle.json"
    path.write_text("{not json")
    assert load_snapshot(path).origin == "bundled"
    with pytest.raises(LifecycleError):
        write_refreshed({"format": 99}, tmp_path / "dockwise.db")


def test_build_tool_reproduces_the_bundled_snapshot(tmp_path):
    """From the very inputs that built it (kept in tests/assets), so a newer
    distro-info-data on the machine cannot fail the suite; whether the bundled snapshot
    is stale is `db status`'s question and the release checklist's, not a test's."""
    bundled = load_snapshot(tmp_path / "missing.json")
    out = tmp_path / "lifecycle.json"
    argv = ["--endoflife", str(CORPUS / "endoflife.json"), "--distro-info", str(KEPT_CSVS),
            "--date", bundled.generated.isoformat(), "--out", str(out)]  # fmt: skip
    assert build_lifecycle.main(argv) == 0
    rebuilt = json.loads(out.read_text())
    shipped = json.loads((Path(build_lifecycle.OUT)).read_text())
    assert rebuilt["products"] == shipped["products"]
    assert rebuilt["sources"]["distro-info-data"] == shipped["sources"]["distro-info-data"]


def test_snapshot_reads_the_installed_distro_info_format():
    """The installed package's CSVs (whatever release of them) still parse into cycles:
    the format is what this checks, not the dates. .ci/run installs distro-info-data."""
    assert (DISTRO_INFO / "debian.csv").is_file(), "apt-get install distro-info-data"
    csvs = {name: (DISTRO_INFO / name).read_text() for name in ("debian.csv", "ubuntu.csv")}
    doc = build_snapshot({}, csvs, date(2026, 1, 2))
    snapshot = parse_snapshot(doc, "installed distro-info-data")
    bookworm = next(c for c in snapshot.products["debian"].cycles if c.cycle == "12")
    assert bookworm.eol is not None and bookworm.release == date(2023, 6, 10)
    jammy = next(c for c in snapshot.products["ubuntu"].cycles if c.cycle == "22.04")
    assert jammy.release == date(2022, 4, 21)
