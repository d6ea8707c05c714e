#!/usr/bin/env python3
"""What issue 16's analyzers add to a cold read of the clean Debian test images.

The new work is (1) the `run-config` content analyzer during the layer pass (plus the
file-capability PAX header, which these images do not carry: one dict lookup per
header), and (2) after it, the `design/*` checker and the run profile's derivation over
the file tree. A new process per run reads the image cold (`--no-cache`) with the
analyzer wrapped in a timer (the seconds spent in its `claims` and `analyze`), then times
the checker and `derive()`. Added = analyzer + checker + derive, as a share of that cold
read; a cold `scan` also matches advisories, so its share is lower still. Medians of
`--repeat` runs; the target is under 5 %. (Whole-process timings with and without the
analyzer differ by more than that from run to run on a shared machine, so the work is
timed where it happens.)

    python bench/runprofile_bench.py --images /work/images --repeat 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

IMAGES = ("debian-min", "debian-python", "debian-node", "debian-go")
TARGET_ADDED = 0.05
CHILD = r"""
import json, sys, time
import dockwise.pipeline.read as read
from dockwise.options import Options

class Timed:
    def __init__(self, inner):
        self.inner, self.seconds = inner, 0.0
        self.name, self.globs, self.max_size = inner.name, inner.globs, inner.max_size
    def claims(self, path, head):
        start = time.perf_counter()
        try:
            return self.inner.claims(path, head)
        finally:
            self.seconds += time.perf_counter() - start
    def analyze(self, path, content):
        start = time.perf_counter()
        try:
            return self.inner.analyze(path, content)
        finally:
            self.seconds += time.perf_counter() - start

timed = [Timed(a) if a.name == "run-config" else a for a in read.ANALYZERS]
read.ANALYZERS = tuple(timed)
start = time.perf_counter()
result, tree = read.inventory(Options(sys.argv[1], quiet=True, no_cache=True), None)
total = time.perf_counter() - start
from dockwise.checks import Target
from dockwise.checks.rundesign import RunDesignChecker
from dockwise.runprofile.derive import derive
start = time.perf_counter()
found = tuple(RunDesignChecker().check(Target(result.image, result.inventory, tree)))
derive(result.image, result.inventory, tree, found)
post = time.perf_counter() - start
analyzer = next(a.seconds for a in timed if isinstance(a, Timed))
print(json.dumps({"read": total, "analyzer": analyzer, "post": post,
                  "findings": [f.rule_id for f in found]}))
"""


def run(source: str) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, source], check=True,
                          capture_output=True, text=True)  # fmt: skip
    return json.loads(done.stdout)


def measure(source: str, repeat: int) -> dict:
    samples = [run(source) for _ in range(repeat)]
    keys = ("read", "analyzer", "post")
    median = {key: statistics.median(s[key] for s in samples) for key in keys}
    added = statistics.median((s["analyzer"] + s["post"]) / s["read"] for s in samples)
    return median | {"added": added, "findings": samples[0]["findings"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", default="/work/images", type=Path)
    parser.add_argument("--image", action="append", choices=IMAGES, help="default: all")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print("| image | cold read (s) | run-config analyzer (s) | checker + derive (s) | added | "
          "design findings |\n|---|---|---|---|---|---|")
    worst = 0.0
    for name in args.image or IMAGES:
        m = measure(f"docker-archive:{args.images / f'{name}.docker.tar'}", args.repeat)
        worst = max(worst, m["added"])
        print(f"| {name} | {m['read']:.2f} | {m['analyzer']:.3f} | {m['post']:.3f} | "
              f"{m['added']:+.1%} | {', '.join(m['findings']) or 'none'} |")
    print(f"\nworst added {worst:+.1%} (target under {TARGET_ADDED:.0%})")
    return 0 if worst < TARGET_ADDED else 1


if __name__ == "__main__":
    sys.exit(main())
