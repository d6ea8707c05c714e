#!/usr/bin/env python3
"""Benchmark vulnerability matching: 10,000 packages against a real-size database.

Builds a VulnDb (the database's own writer) from every record of the shared corpus's
OSV archives, topped up with synthetic records in the real schema until it holds
--advisories records (the public OSV feeds for these ecosystems hold roughly 150,000),
then times `VulnerabilityChecker.check` on an inventory of --packages packages:

  floor     the same inventory's SQLite lookups alone (VulnDb.query per package)
  match     the whole checker: lookups, range evaluation, alias merge, findings
  fake      the checker against an in-memory FakeAdvisorySource (matching alone)
  coverage  what a scan adds to say which package groups the database covers (issue 13):
            the database's build-time counts and feed rows, then the groups

A third of the packages have advisories (real names from the corpus and synthetic
ones), the rest none, as in a real image. Each figure is the median of --repeat cold-
cache runs (version-parse caches cleared). Prints a markdown table.

    python bench/match_bench.py
    python bench/match_bench.py --packages 10000 --advisories 150000 --repeat 5
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT), str(ROOT / "tests")]

from dockwise.checks import Target  # noqa: E402
from dockwise.checks.vulns import VulnerabilityChecker  # noqa: E402
from dockwise.checks.vulns.coverage import assess  # noqa: E402
from dockwise.model import Distro, ImageInfo, Inventory, Location, Package  # noqa: E402
from dockwise.vulndb.advisory import Advisory, Affected, Range  # noqa: E402
from dockwise.vulndb.coverage import database_coverage  # noqa: E402
from dockwise.vulndb.feeds.osv import advisory as osv_advisory  # noqa: E402
from dockwise.vulndb.store import DbWriter, VulnDb  # noqa: E402
from tests.checks.conftest import FakeAdvisorySource  # noqa: E402

OSV = ROOT.parent / "shared" / "corpus" / "osv"
ECOSYSTEMS = ("PyPI", "npm", "Go", "crates.io", "Maven", "RubyGems", "NuGet", "Packagist",
              "Debian", "AlmaLinux")  # fmt: skip
PURL_TYPES = {"PyPI": "pypi", "npm": "npm", "Go": "golang", "crates.io": "cargo",
              "RubyGems": "gem", "NuGet": "nuget", "Packagist": "composer"}  # fmt: skip


def corpus_advisories() -> list[Advisory]:
    out = []
    for eco in ECOSYSTEMS:
        path = OSV / eco / "all.zip"
        if not path.is_file():
            continue
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                try:
                    out.append(osv_advisory(json.loads(archive.read(name)), f"osv:{eco}"))
                except ValueError:
                    continue
    return out


def synthetic(count: int, rng: random.Random) -> list[Advisory]:
    """Records in the real shape: PyPI/npm packages `synth-N`, a CVE alias, two ranges."""
    out = []
    for i in range(count):
        eco = ("PyPI", "npm")[i % 2]
        package = f"synth-{i % (count // 3 + 1)}"
        major = rng.randint(0, 5)
        events = (("introduced", f"{major}.0.0"), ("fixed", f"{major}.{rng.randint(1, 9)}.0"))
        out.append(Advisory(
            f"SYNTH-{i}", f"osv:{eco}", aliases=(f"CVE-2099-{i}",),
            cvss=(("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"),),
            affected=(Affected(eco, package, (Range("SEMVER", events),)),),
        ))  # fmt: skip
    return out


def inventory(advisories: list[Advisory], count: int, rng: random.Random) -> Inventory:
    """A third with advisories (real and synthetic names), the rest unknown to the db."""
    named = [(a.affected[0].ecosystem, a.affected[0].package) for a in advisories if a.affected]
    named = [(e, p) for e, p in named if e in PURL_TYPES or e.startswith("Debian:10")]
    packages = []
    for i in range(count):
        if i % 3 == 0 and named:
            eco, name = rng.choice(named)
        else:
            eco, name = "PyPI", f"clean-package-{i}"
        packages.append(_package(eco, name, rng))
    return Inventory(Distro("debian", "10", "buster"), tuple(packages))


def _package(eco: str, name: str, rng: random.Random) -> Package:
    version = f"{rng.randint(0, 5)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}"
    where = Location("x")
    if eco.startswith("Debian"):
        return Package(name, f"{version}-1+deb10u1", "deb", f"pkg:deb/debian/{name}", where)
    ptype = PURL_TYPES[eco]
    sep = "" if ptype != "maven" else ""
    return Package(name, version, ptype, f"pkg:{ptype}/{sep}{name}@{version}", where)


def clear_caches() -> None:
    """Version parses are cached per process; a fair run starts cold."""
    from dockwise import versions

    for module in vars(versions).values():
        for attr in vars(module).values() if hasattr(module, "__dict__") else ():
            if hasattr(attr, "cache_clear"):
                attr.cache_clear()


def timed(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        clear_caches()
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=10_000)
    parser.add_argument("--advisories", type=int, default=150_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(20260828)
    real = corpus_advisories()
    records = real + synthetic(max(0, args.advisories - len(real)), rng)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        start = time.perf_counter()
        writer = DbWriter(path)
        for record in records:
            writer.add_advisory(record)
        writer.finish({})
        build = time.perf_counter() - start
        inv = inventory(records, args.packages, rng)
        target = Target(ImageInfo("bench", "dir"), inv)
        with VulnDb(path) as db:
            checker = VulnerabilityChecker(db)
            findings = len(list(checker.check(target)))
            keys = [(q.ecosystem, q.name) for p in inv.packages for q in _queries(p, inv)]
            floor = timed(lambda: [db.query(*k) for k in keys], args.repeat)
            match = timed(lambda: list(checker.check(target)), args.repeat)
            coverage = timed(lambda: assess(inv, database_coverage(db)), args.repeat)
        fake = VulnerabilityChecker(FakeAdvisorySource(records))
        in_memory = timed(lambda: list(fake.check(target)), args.repeat)
    print(f"{len(records):,} advisories ({len(real):,} from the corpus), db built in {build:.1f} s")
    print(f"{args.packages:,} packages, {findings:,} findings\n")
    print("| run | seconds | per package | x floor |\n|---|---|---|---|")
    for name, secs in (("floor (sqlite lookups)", floor), ("match (VulnDb)", match),
                       ("match (in-memory fake)", in_memory), ("coverage", coverage)):  # fmt: skip
        print(f"| {name} | {secs:.3f} | {secs / args.packages * 1e6:.0f} µs | {secs / floor:.1f} |")
    return 0


def _queries(pkg, inv):
    from dockwise.checks.vulns.ecosystems import os_ecosystems, queries

    return queries(pkg, os_ecosystems(inv.distro))


if __name__ == "__main__":
    sys.exit(main())
