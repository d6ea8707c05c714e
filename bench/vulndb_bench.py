"""Vulnerability database benchmark: build time and size per feed, and lookup time.

1. Builds a database from the shared corpus through a `file://` mirror laid out as
   docs/database.md defines, once per feed (time, size, records) and once whole.
2. Synthesises a database of real-feed size in the real schema (default 400,000
   advisories over 60,000 packages; OSV's public dump plus the Debian tracker are
   about that), then times 10,000 package lookups (`query_all`) against it, cold
   (fresh handle) and warm. Target: well under 1 s for the 10,000.

Usage: python bench/vulndb_bench.py [--advisories N] [--lookups N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import gzip
import random
import tempfile
import time
from pathlib import Path

from dockwise.vulndb.advisory import Advisory, Affected, Range
from dockwise.vulndb.feeds import FEEDS
from dockwise.vulndb.store import DbWriter, VulnDb
from dockwise.vulndb.update import update

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
ASSETS = Path(__file__).resolve().parents[1] / "tests" / "assets" / "vulndb"
KEV = "known_exploited_vulnerabilities.json"
ECOSYSTEMS = ("PyPI", "npm", "Go", "Maven", "Debian:12", "Debian:11", "Alpine:v3.19", "AlmaLinux:9")


def make_mirror(root: Path) -> str:
    """Symlink the corpus into the mirror layout; returns its file:// URL."""
    links = {
        "debian/DSA/list": CORPUS / "distro-trackers/debian/DSA.list",
        "debian/DLA/list": CORPUS / "distro-trackers/debian/DLA.list",
        "debian/json": ASSETS / "debian-tracker.json",
        "kev/known_exploited_vulnerabilities.json": CORPUS / "kev" / KEV,
    }
    for zipped in (CORPUS / "osv").glob("*/all.zip"):
        links[f"osv/{zipped.parent.name}/all.zip"] = zipped
    for secdb in (CORPUS / "distro-trackers/alpine-secdb").glob("*/*.json"):
        links[f"alpine/{secdb.parent.name}/{secdb.name}"] = secdb
    for year in (CORPUS / "nvd").glob("nvdcve-2.0-*.json.gz"):
        links[f"nvd/{year.name}"] = year
    for rel, target in links.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).symlink_to(target)
    (root / "epss").mkdir()
    csv = (ASSETS / "epss_scores-current.csv").read_bytes()
    (root / "epss" / "epss_scores-current.csv.gz").write_bytes(gzip.compress(csv))
    return root.as_uri()


def bench_feeds(mirror: str, work: Path) -> None:
    print(f"{'feed':<16}{'build s':>9}{'size MB':>9}{'records':>9}")
    for feed in (*FEEDS, None):
        path = work / f"{feed.name if feed else 'all'}.db"
        started = time.perf_counter()
        result = update(path, mirror=mirror, feeds=[feed] if feed else FEEDS)
        elapsed = time.perf_counter() - started
        records = sum(f.records for f in result.files)
        name = feed.name if feed else "ALL"
        print(f"{name:<16}{elapsed:>9.2f}{path.stat().st_size / 1e6:>9.1f}{records:>9}")


def synthesise(path: Path, advisories: int, packages: int, seed: int = 5) -> list[tuple]:
    """A database of `advisories` records shaped like real OSV/tracker ones."""
    rng = random.Random(seed)
    names = [(rng.choice(ECOSYSTEMS), f"pkg-{n}") for n in range(packages)]
    writer = DbWriter(path)
    for n in range(advisories):
        # most packages get a few records, a few hot ones (openssl, linux) get hundreds
        hot = rng.random() < 0.2
        eco, name = names[
            int(rng.paretovariate(1.2)) % packages if hot else rng.randrange(packages)
        ]
        events = (("introduced", "0"), ("fixed", f"{rng.randint(1, 9)}.{rng.randint(0, 30)}.0"))
        writer.add_advisory(
            Advisory(
                id=f"SYN-{n}", source=f"osv:{eco.split(':')[0]}", aliases=(f"CVE-2024-{n}",),
                summary="synthetic advisory " + "x" * rng.randint(40, 200),
                modified="2025-01-01T00:00:00Z",
                cvss=(("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),),
                affected=(Affected(eco, name, (Range("ECOSYSTEM", events),)),),
                references=(f"https://example.org/{n}",),
            )
        )  # fmt: skip
    writer.finish({"built": "2025-01-01T00:00:00Z"})
    return names


def bench_lookups(path: Path, names: list[tuple], lookups: int) -> None:
    rng = random.Random(7)
    keys = [rng.choice(names) for _ in range(lookups // 2)]
    keys += [(rng.choice(ECOSYSTEMS), f"absent-{n}") for n in range(lookups - len(keys))]
    rng.shuffle(keys)
    for label in ("cold", "warm"):
        db = VulnDb(path) if label == "cold" else db  # noqa: F821 (warm reuses cold's handle)
        started = time.perf_counter()
        result = db.query_all(keys)
        elapsed = time.perf_counter() - started
        found = sum(len(v) for v in result.values())
        print(f"{lookups} lookups ({label}): {elapsed:.3f} s, {found} advisories returned")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--advisories", type=int, default=400_000)
    parser.add_argument("--packages", type=int, default=60_000)
    parser.add_argument("--lookups", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="keep the databases in this directory")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        mirror_root = Path(tmp) / "mirror"
        bench_feeds(make_mirror(mirror_root), work)
        synthetic = work / "synthetic.db"
        started = time.perf_counter()
        names = synthesise(synthetic, args.advisories, args.packages)
        print(
            f"synthetic: {args.advisories} advisories built in "
            f"{time.perf_counter() - started:.1f} s, {synthetic.stat().st_size / 1e6:.1f} MB"
        )
        bench_lookups(synthetic, names, args.lookups)


if __name__ == "__main__":
    main()
