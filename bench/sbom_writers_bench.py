#!/usr/bin/env python3
"""Time the SBOM writers alone (CycloneDX and SPDX JSON) on synthetic inventories.

Each size and format runs in a new process (so one run's garbage does not tax the next)
with the interpreter dockwise is installed in; the time covers building the document and
its serialisation, not the import. `--src DIR` runs another copy of dockwise's source
tree (e.g. an older commit unpacked with `git archive`) so two versions can be compared
in one run (issue 20, target 2: under 0.5 s for 5,000 components).

    python bench/sbom_writers_bench.py                       # 114 .. 20,000 packages
    python bench/sbom_writers_bench.py --sizes 5000 --src /tmp/old/src --max-seconds 60

A size whose run exceeds --max-seconds is reported as "> N s" and larger sizes are skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from dockwise.model import (Distro, ImageInfo, Inventory, LayerRef, Location, Package,
                            ScanResult)
from dockwise.report import reporter
n, fmt = int(sys.argv[1]), sys.argv[2]
writer = reporter(fmt)  # imported before the clock starts, as in a run: the time is writing
layer = LayerRef(index=0, diff_id="sha256:" + "1" * 64, digest="sha256:" + "a" * 64, size=1)
lic = [("GPL-2.0-or-later",), ("MIT", "BSD-3-Clause"), ("GPL-2+",), ("public-domain",), ()]
packages = tuple(
    Package(f"pkg{i:05d}", f"1.{i}-1", "deb",
            f"pkg:deb/debian/pkg{i:05d}@1.{i}-1?arch=amd64&distro=debian-12",
            Location("var/lib/dpkg/status", layer), "dpkg-db", arch="amd64",
            licenses=lic[i % 5], maintainer="Debian <debian@example.org>")
    for i in range(n))
result = ScanResult(
    image=ImageInfo(source="docker-archive:x.tar", scheme="docker-archive",
                    config_digest="sha256:" + "d" * 64, layers=(layer,)),
    inventory=Inventory(Distro("debian", "12", "bookworm", "Debian", "Debian 12"), packages),
    tool_version="0.0", generated="2024-06-01T08:30:00+00:00")
cpu0, t0 = time.process_time(), time.perf_counter()
out = writer.render(result)
print(json.dumps({"wall": time.perf_counter() - t0, "cpu": time.process_time() - cpu0,
                  "bytes": len(out)}))
"""


def run(n: int, fmt: str, src: Path | None, timeout: float) -> dict | None:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as an installed package: bytecode cached
    if src is not None:
        env["PYTHONPATH"] = str(src)
    try:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(n), fmt],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )
    except subprocess.TimeoutExpired:
        return None
    return json.loads(out.stdout)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="114,1000,2000,5000,20000")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument(
        "--src",
        type=Path,
        action="append",
        default=[],
        help="another source tree (the dir holding dockwise/); repeatable",
    )
    p.add_argument("--max-seconds", type=float, default=120.0)
    p.add_argument("--formats", default="cyclonedx-json,spdx-json")
    args = p.parse_args(argv)
    trees: list[tuple[str, Path | None]] = [("current", None)]
    trees += [(str(s), s) for s in args.src]
    print("| format | packages | " + " | ".join(f"{name} s (cpu s)" for name, _ in trees) + " |")
    print("|---|---|" + "---|" * len(trees))
    for fmt in args.formats.split(","):
        skip: set[str] = set()
        for n in (int(s) for s in args.sizes.split(",")):
            cells = [_cell(n, fmt, name, src, args, skip) for name, src in trees]
            print(f"| {fmt} | {n:,} | " + " | ".join(cells) + " |", flush=True)
    return 0


def _cell(n: int, fmt: str, name: str, src: Path | None, args, skip: set[str]) -> str:
    """The median of --repeat runs (one above 10,000 packages); a size over
    --max-seconds skips the larger ones of that tree."""
    if name in skip:
        return "skipped"
    samples = []
    for _ in range(args.repeat if n < 10_000 else 1):
        sample = run(n, fmt, src, args.max_seconds)
        if sample is None:
            break
        samples.append(sample)
    if not samples:
        skip.add(name)
        return f"> {args.max_seconds:g}"
    wall = statistics.median(s["wall"] for s in samples)
    cpu = statistics.median(s["cpu"] for s in samples)
    return f"{wall:.2f} ({cpu:.2f})"


if __name__ == "__main__":
    sys.exit(main())
