#!/usr/bin/env python3
"""Benchmark the fleet store: a synthetic fleet made from real inventories.

The inventories are the four Debian test images' and the demo image's, each scanned
once. Each synthetic image is one of them with a new manifest digest, its last layer
made its own (the app layer) while the base layers stay shared, as in a real fleet,
and about 10 % of its packages at one of a few other versions. Measured, on SQLite and,
with --pg URL, on PostgreSQL:

  ingest     saved results (the JSON codec's bytes) decoded and stored, per second
  full       `fleet rematch --full` of every image against the corpus-built database,
             seconds, CPU seconds and peak RSS (a child process of its own)
  update     `fleet rematch` (incremental) after a database update that adds advisories
             for 1 % of the fleet's Debian source packages: seconds, images re-matched,
             findings opened
  affected   `fleet affected CVE` latency for the fleet's most common CVE (the worst
             case: in every image), its default page and --all, median of 20, ms
  bytes      store bytes per image: the database, and the result files beside it

--only ingest measures ingest alone; --only affected measures ingest, a full re-match
(to have findings), then `affected` and the size report, without the update.

The issue's targets: 200 results/s, 60 s full, 5 s incremental, 100 ms affected,
20 KB per image, under 500 MB. Ratios only mean something within one run: the machine
is shared. Prints a markdown table; --json FILE keeps the numbers.

    python bench/fleet_bench.py --images /work/images --count 10000
    python bench/fleet_bench.py --count 2000 --pg postgresql+psycopg://fleet@127.0.0.1:5432/bench
    python bench/fleet_bench.py --count 10000 --only affected --pg local
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import io
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT), str(ROOT / "tests" / "vulndb"), str(ROOT / "tests")]

from dockwise.fleet import api  # noqa: E402
from dockwise.fleet.add import BATCH, add_results  # noqa: E402
from dockwise.fleet.incremental import rematch  # noqa: E402
from dockwise.fleet.ingest import Pending  # noqa: E402
from dockwise.fleet.queries import affected_page  # noqa: E402
from dockwise.fleet.store import RESULTS_ENV, open_fleet  # noqa: E402
from dockwise.vulndb.update import update  # noqa: E402

IMAGES = ("debian-min", "debian-python", "debian-node", "debian-go")
VARIED = 0.10  # share of an image's packages at another version
VARIANTS = 5  # other versions a package may be at: packages stay shared across images
AFFECTED_PAGE = 100  # `fleet affected`'s default page (commands/fleet.py AFFECTED_LIMIT)


def main() -> int:
    args = _arguments()
    if args.child:
        print(json.dumps(_child(args)))
        return 0
    work = Path(tempfile.mkdtemp(prefix="fleet-bench-"))
    db = _database(work / "v1.db")
    templates = _templates(args.images, db, work)
    with _postgres(args.pg) as pg:
        rows = []
        stores = [("sqlite", f"sqlite:///{work / 'fleet.db'}")]
        if pg:
            stores.append(("postgresql", pg))
            os.environ[RESULTS_ENV] = str(work / "pg-results")  # not the user's data directory
        measure = {"ingest": _ingest_only, "affected": _affected_only}.get(args.only, _run)
        for backend, url in stores:
            rows.append({"backend": backend, **measure(url, templates, db, work, args.count)})
    _print(rows, args.count)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=Path, default=Path("/work/images"))
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--pg", metavar="URL", help="also run against this PostgreSQL store "
                        "(`local`: a throwaway cluster, as the tests make)")
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--only", choices=("ingest", "affected"),
                        help="measure ingest alone, or affected and sizes (minutes less)")
    parser.add_argument("--child", choices=("full", "incremental"), help=argparse.SUPPRESS)
    parser.add_argument("--store", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


def _database(path: Path, extra: list[dict] = ()) -> Path:
    """The corpus-built database, as the test mirror serves it; `extra` OSV records are
    added to the Debian archive (a database update)."""
    from feed_mirror import mirror_files, write_mirror

    files = mirror_files()
    if extra:
        files["/osv/Debian/all.zip"] = _with_records(files["/osv/Debian/all.zip"], extra)
    mirror = write_mirror(files, path.parent / f"mirror-{path.stem}")
    update(path, mirror=mirror)
    return path


def _with_records(original: Path, extra: list[dict]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(original) as old, zipfile.ZipFile(buffer, "w") as new:
        for name in old.namelist():
            new.writestr(name, old.read(name))
        for record in extra:
            new.writestr(f"{record['id']}.json", json.dumps(record))
    return buffer.getvalue()


def _templates(images: Path, db: Path, work: Path) -> list[api.ScanResult]:
    """The real inventories: each test image (and the demo image) scanned once."""
    demo = work / "demo.tar"
    subprocess.run([sys.executable, str(ROOT / "demo" / "build_demo.py"), str(demo)],
                   check=True, capture_output=True)  # fmt: skip
    sources = [f"docker-archive:{images / f'{name}.docker.tar'}" for name in IMAGES
               if (images / f"{name}.docker.tar").is_file()]  # fmt: skip
    return [api.scan(s, db, {}) for s in [*sources, str(demo)]]


def _synthetic(template: api.ScanResult, index: int, rng: random.Random) -> api.ScanResult:
    digest = "sha256:" + hashlib.sha256(f"image-{index}".encode()).hexdigest()
    layers = list(template.image.layers)
    if layers:  # the app layer is this image's own; the base layers stay shared
        app = hashlib.sha256(f"layer-{index}".encode()).hexdigest()
        layers[-1] = dataclasses.replace(layers[-1], diff_id=f"sha256:{app}")
    packages = tuple(_vary(p, rng) if rng.random() < VARIED else p
                     for p in template.inventory.packages)  # fmt: skip
    image = dataclasses.replace(template.image, manifest_digest=digest, config_digest=digest,
                                layers=tuple(layers), source=f"bench/app{index % 500}:{index}",
                                repo_tags=(f"bench/app{index % 500}:{index}",))  # fmt: skip
    inventory = dataclasses.replace(template.inventory, packages=packages)
    return dataclasses.replace(template, image=image, inventory=inventory, findings=(),
                               answers=None)  # fmt: skip


def _vary(pkg: api.Package, rng: random.Random) -> api.Package:
    suffix = f"+fleet{rng.randrange(VARIANTS)}"
    version = pkg.version + suffix
    purl = pkg.purl.replace(f"@{pkg.version}", f"@{version}", 1) if pkg.purl else ""
    source_version = pkg.source_version + suffix if pkg.source_version else ""
    return dataclasses.replace(pkg, version=version, purl=purl, source_version=source_version)


def _ingest(url: str, templates: list, count: int, rng: random.Random) -> tuple[float, float]:
    """Saved results per second and per CPU second, stored as `fleet add` does: read
    (decoded) and stored a batch at a time. On PostgreSQL (same machine) the CPU of the
    server process that did the work counts too."""
    with open_fleet(url) as fleet:
        wall = cpu = 0.0
        server = _server_cpu(fleet)
        for start in range(0, count, BATCH):  # made a batch at a time: only storing is timed
            saved = [(f"result-{i}.json", api.encode_result(
                _synthetic(templates[i % len(templates)], i, rng)))
                for i in range(start, min(count, start + BATCH))]  # fmt: skip
            started, cpu_started = time.perf_counter(), time.process_time()
            add_results(fleet, [Pending(api.read_saved(data, name), data, name, "result")
                                for name, data in saved])  # fmt: skip
            wall += time.perf_counter() - started
            cpu += time.process_time() - cpu_started
        cpu += _server_cpu(fleet) - server
    return count / wall, count / cpu


def _server_cpu(fleet) -> float:  # noqa: ANN001
    """CPU seconds of the PostgreSQL backend serving the pool's connection (the bench
    uses one connection at a time, so the pool hands back the same one); 0 on SQLite."""
    if fleet.backend != "postgresql":
        return 0.0
    with fleet.engine.connect() as connection:
        pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def _postgres(url: str | None) -> Iterator[str | None]:
    """The URL given, or with `local` a throwaway cluster's (tests/fleet's fixture)."""
    if url != "local":
        yield url
        return
    from fleet.fleet_postgres import running_cluster

    with running_cluster() as cluster:
        cluster.admin("CREATE DATABASE bench")
        yield cluster.url("bench")


def _ingest_only(url: str, templates: list, _db: Path, _work: Path, count: int) -> dict:
    ingest, ingest_cpu = _ingest(url, templates, count, random.Random(17))
    return {"ingest_per_s": round(ingest, 1), "ingest_per_cpu_s": round(ingest_cpu, 1)}


def _affected_only(url: str, templates: list, db: Path, _work: Path, count: int) -> dict:
    ingest, ingest_cpu = _ingest(url, templates, count, random.Random(17))
    full = _rematch_child(url, db, "full")
    return {"ingest_per_s": round(ingest, 1), "full_s": full["seconds"],
            **_affected_and_size(url, count)}  # fmt: skip


def _run(url: str, templates: list, db: Path, work: Path, count: int) -> dict:
    rng = random.Random(17)
    ingest, ingest_cpu = _ingest(url, templates, count, rng)
    full = _rematch_child(url, db, "full")
    updated = _database(work / f"v2-{rng.random()}.db", _new_advisories(url, rng))
    update_run = _rematch_child(url, updated, "incremental")
    return {
        "ingest_per_s": round(ingest, 1), "ingest_per_cpu_s": round(ingest_cpu, 1),
        "full_s": full["seconds"],
        "full_cpu_s": full["cpu_s"], "full_mb": full["mb"],
        "update_s": update_run["seconds"], "update_cpu_s": update_run["cpu_s"],
        "update_images": update_run["images"],
        "update_opened": update_run["opened"], **_affected_and_size(url, count),
    }  # fmt: skip


def _affected_and_size(url: str, count: int) -> dict:
    """`fleet affected` for the most common CVE, then the store's bytes per image."""
    with open_fleet(url) as fleet:
        cve = _a_cve(fleet)
        if fleet.backend == "postgresql":  # what autovacuum does within a minute of a bulk
            with fleet.engine.connect() as connection:  # load, not left to its timing:
                connection.exec_driver_sql("ANALYZE")  # without statistics the planner
                connection.commit()  # nests loops over 20,000 rows (150 ms, not 45)
        page, page_cpu, rows = _affected_times(fleet, cve, AFFECTED_PAGE)
        every, _, _ = _affected_times(fleet, cve, None)
        files = fleet.results.size()
        if fleet.backend == "sqlite":  # the WAL's pages into the file, the WAL emptied
            with fleet.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        growth = _growth(fleet)
    database = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite") else None
    db_bytes = sum(p.stat().st_size for p in database.parent.glob(f"{database.name}*")) \
        if database else _pg_size(url)  # fmt: skip
    return {
        "affected_ms": page, "affected_cpu_ms": page_cpu, "affected_all_ms": every,
        "affected_id": cve, "affected_rows": rows,
        "db_bytes_per_image": db_bytes // count, "file_bytes_per_image": files // count,
        "growth_bytes_per_image": (growth + files) // count,
    }  # fmt: skip


def _growth(fleet) -> int:  # noqa: ANN001
    """The issue's measure: bytes of the fleet's tables and their indexes beyond the
    shared package rows (and beyond the empty database's own catalog, which
    `db_bytes_per_image` counts)."""
    import sqlalchemy as sa

    from dockwise.fleet.schema import metadata

    tables = [t.name for t in metadata.sorted_tables if t.name != "packages"]
    with fleet.engine.connect() as connection:
        if fleet.backend == "postgresql":
            size = sa.text("SELECT pg_total_relation_size(CAST(quote_ident(:t) AS regclass))")
            return int(sum(connection.execute(size, {"t": t}).scalar() for t in tables))
        owned = sa.text("SELECT name FROM sqlite_master WHERE tbl_name = :t")
        names = [n for t in tables for n in connection.execute(owned, {"t": t}).scalars()]
        sizes = connection.execute(sa.text(
            "SELECT name, sum(pgsize) FROM dbstat GROUP BY name")).all()  # fmt: skip
        return int(sum(size for name, size in sizes if name in names))


def _affected_times(fleet, cve: str, limit: int | None) -> tuple[float, float, int]:  # noqa: ANN001
    """Median milliseconds (wall, CPU) of 20 answers, and the answer's total."""
    times, cpu_times, total = [], [], 0
    for _ in range(20):
        started, cpu = time.perf_counter(), time.process_time()
        total = affected_page(fleet, cve, limit).total
        times.append(time.perf_counter() - started)
        cpu_times.append(time.process_time() - cpu)
    return (round(statistics.median(times) * 1000, 2),
            round(statistics.median(cpu_times) * 1000, 2), total)  # fmt: skip


def _new_advisories(url: str, rng: random.Random) -> list[dict]:
    """Debian records for 1 % of the fleet's Debian source packages, fixed in a later
    upload: an update that touches a few images each."""
    import sqlalchemy as sa

    from dockwise.fleet.schema import packages

    with open_fleet(url) as fleet, fleet.engine.connect() as connection:
        names = sorted(set(connection.execute(
            sa.select(sa.func.coalesce(sa.func.nullif(packages.c.source_name, ""),
                                       packages.c.name)).where(packages.c.type == "deb")
        ).scalars()))  # fmt: skip
    chosen = rng.sample(names, max(1, len(names) // 100))
    return [{
        "id": f"DEBIAN-CVE-2099-{i}", "aliases": [f"CVE-2099-{i}"],
        "modified": "2026-12-01T00:00:00Z", "summary": f"{name}: synthetic",
        "affected": [{"package": {"ecosystem": "Debian:12", "name": name},
                      "ranges": [{"type": "ECOSYSTEM",
                                  "events": [{"introduced": "0"}, {"fixed": "99:0"}]}]}],
    } for i, name in enumerate(chosen)]  # fmt: skip


def _rematch_child(url: str, db: Path, mode: str) -> dict:
    """A re-match in a process of its own, so its peak RSS is its own."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--store", url, "--db", str(db)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(out.stdout)


def _child(args: argparse.Namespace) -> dict:
    with open_fleet(args.store) as fleet, api.open_advisories(args.db) as advisories:
        started = time.perf_counter()
        release = api.release_of(advisories)
        changes = rematch(fleet, advisories, release, full=args.child == "full")
        seconds = time.perf_counter() - started
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": round(seconds, 2), "cpu_s": round(cpu.ru_utime + cpu.ru_stime, 2),
            "mb": round(mb), "opened": changes.opened, "images": changes.images}  # fmt: skip


def _a_cve(fleet) -> str:  # noqa: ANN001
    import sqlalchemy as sa

    from dockwise.fleet.schema import findings

    query = (sa.select(findings.c.vuln_id).where(findings.c.vuln_id.like("CVE-%"))
             .group_by(findings.c.vuln_id).order_by(sa.func.count().desc()).limit(1))  # fmt: skip
    with fleet.engine.connect() as connection:
        return connection.execute(query).scalar() or "CVE-0000-0000"


def _pg_size(url: str) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as connection:
        size = connection.execute(sa.text("SELECT pg_database_size(current_database())"))
        return int(size.scalar())


def _print(rows: list[dict], count: int) -> None:
    print(f"fleet of {count} images; targets: ingest >= 200/s, full <= 60 s, "
          "incremental <= 5 s, affected < 100 ms, <= 20 KB/image, < 500 MB\n")
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for row in rows:
        print("| " + " | ".join(str(row[k]) for k in keys) + " |")
    load = open("/proc/loadavg").read().split()[:3]
    print(f"\nload average at the end: {' '.join(load)}")


if __name__ == "__main__":
    sys.exit(main())
