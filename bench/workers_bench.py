#!/usr/bin/env python3
"""Benchmark `dockwise worker`: scans per minute with 1 and with 2 workers on the same
fleet (the scaling ratio), and the peak memory of each worker.

A private PostgreSQL (initdb/pg_ctl on 127.0.0.1) and Debian's docker-registry on
loopback with COUNT images pushed by skopeo: each image is the test suite's small
Debian-like image with a top layer of its own (the base layer shared, as in a fleet).
For each worker count, a fresh store and cache: `fleet scan` queues COUNT scans, then
the workers are started and timed until the queue is drained. Peak memory is the
largest sum of a worker's RSS and its task child's, sampled every 0.2 s; CPU seconds
per scan (workers and task children together) say what a scan costs when the machine
is busy with other work, which wall-clock rates and their ratio do not.

On a small image a scan is mostly a child's start (importing dockwise) and the store's
writes, so this measures the queue's overhead and its scaling, not layer reading
(bench/sbom_bench.py measures that). The machine is shared: compare the ratio within
one run, not the absolute numbers across runs.

    python bench/workers_bench.py --count 20
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "fleet")]

from fleet_postgres import running_cluster  # noqa: E402
from registry import distribution, sample  # noqa: E402

from demo.build_mirror import write_mirror  # noqa: E402
from dockwise.cli import main  # noqa: E402
from tools.imagepack import write_oci_archive  # noqa: E402

SAMPLE_EVERY = 0.2


def push_images(root: Path, registry: distribution.Registry, count: int) -> list[str]:
    base = sample.spec()
    names = []
    for i in range(count):
        spec = dataclasses.replace(
            base, layers=[base.layers[0], {"usr/share/doc/app/README": f"app {i}\n"}]
        )
        write_oci_archive(spec, root / f"{i}.tar")
        distribution.push(root / f"{i}.tar", registry, f"bench/app{i}:1")
        names.append(f"registry:{registry.host}/bench/app{i}:1")
    return names


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def pending(url: str) -> int:
    import psycopg
    import sqlalchemy as sa

    dsn = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as connection:
        query = "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')"
        return connection.execute(query).fetchone()[0]


def run_once(cluster, names: list[str], host: str, db: Path, workers: int, tmp: Path) -> dict:
    """Queue the scans, start the workers, time the drain; peak RSS per worker."""
    name = f"bench_{workers}"
    cluster.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    cluster.admin(f'CREATE DATABASE "{name}"')
    url = cluster.url(name)
    os.environ.update(XDG_CACHE_HOME=str(tmp / f"cache-{workers}"),
                      DOCKWISE_STORE_RESULTS=str(tmp / f"results-{workers}"))  # fmt: skip
    assert main(["fleet", "scan", "-q", "--store", url, "--db", str(db),
                 "--insecure-registry", host, *names]) == 0  # fmt: skip
    argv = [sys.executable, "-m", "dockwise", "worker", "-q", "--store", url, "--db", str(db)]
    cpu_before = _children_cpu()
    started = time.monotonic()
    procs = [subprocess.Popen(argv, stderr=subprocess.DEVNULL) for _ in range(workers)]
    peaks = [0] * workers
    try:
        while pending(url):
            for i, proc in enumerate(procs):
                total = rss_kb(proc.pid) + sum(rss_kb(c) for c in children(proc.pid))
                peaks[i] = max(peaks[i], total)
            time.sleep(SAMPLE_EVERY)
        elapsed = time.monotonic() - started
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=60)
    cpu = _children_cpu() - cpu_before  # the workers and their task children, reaped
    return {"workers": workers, "scans": len(names), "seconds": round(elapsed, 1),
            "per_minute": round(len(names) / elapsed * 60, 1),
            "cpu_per_scan": round(cpu / len(names), 2),
            "peak_rss_mb": [round(p / 1024) for p in peaks]}  # fmt: skip


def main_bench() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20, help="images (default: 20)")
    parser.add_argument("--json", metavar="FILE", help="also write the numbers here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="workers-bench-") as name:
        tmp = Path(name)
        os.environ.update(XDG_DATA_HOME=str(tmp / "data"))
        data = json.loads((ROOT / "demo" / "advisories.json").read_text())
        write_mirror(tmp / "mirror", data)
        db = tmp / "v.db"
        assert main(["db", "update", "-q", "--mirror", (tmp / "mirror").as_uri(),
                     "--db", str(db)]) == 0  # fmt: skip
        with running_cluster() as cluster, distribution.run_registry(tmp) as registry:
            names = push_images(tmp, registry, args.count)
            rows = [run_once(cluster, names, registry.host, db, n, tmp) for n in (1, 2)]
    ratio = rows[1]["per_minute"] / rows[0]["per_minute"]
    print("| workers | scans | seconds | scans/min | CPU s per scan | peak RSS per worker (MB) |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        peaks = ", ".join(map(str, row["peak_rss_mb"]))
        print(f"| {row['workers']} | {row['scans']} | {row['seconds']} | "
              f"{row['per_minute']} | {row['cpu_per_scan']} | {peaks} |")  # fmt: skip
    load = os.getloadavg()[0]
    print(f"\nscaling ratio (2 workers / 1): {ratio:.2f} on {os.cpu_count()} CPUs, "
          f"load average {load:.1f} at the end")  # fmt: skip
    if args.json:
        Path(args.json).write_text(json.dumps({"runs": rows, "ratio": round(ratio, 2)}, indent=2))


if __name__ == "__main__":
    main_bench()
