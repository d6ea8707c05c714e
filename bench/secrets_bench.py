#!/usr/bin/env python3
"""What the security analyzers ("secrets", "indicators") add to a cold `dockwise sbom`.

For each Debian test image, `--repeat` times and interleaved (so drift on a shared
machine hits both alike), a new process runs `dockwise sbom --no-cache -f json` with
every analyzer ("with"), and with the two security analyzers removed from the
registry ("without"). Wall times are medians; the target (issue 8) is at most 20 %
added. `--only secrets` / `--only indicators` removes just one of them.

    python bench/secrets_bench.py --images /work/images/out --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

IMAGES = ("debian-min", "debian-python", "debian-node", "debian-go")
OURS = ("secrets", "indicators")
TARGET_ADDED = 0.20
CHILD = r"""
import sys
import dockwise.pipeline.read as pipeline
from dockwise import cli
drop = set(filter(None, sys.argv[2].split(",")))
pipeline.ANALYZERS = tuple(a for a in pipeline.ANALYZERS if a.name not in drop)
sys.exit(cli.main(["sbom", "-q", "--no-cache", "-f", "json", "-o", "/dev/null", sys.argv[1]]))
"""


def run(path: Path, drop: tuple[str, ...]) -> float:
    """Seconds of one cold child process."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", CHILD, str(path), ",".join(drop)], check=True)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", default="/work/images/out", type=Path)
    parser.add_argument("--image", action="append", choices=IMAGES, help="default: all")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=OURS, help="measure one analyzer alone")
    args = parser.parse_args(argv)
    ours = (args.only,) if args.only else OURS
    print(f"| image | without {'+'.join(ours)} (s) | with (s) | added |\n|---|---|---|---|")
    worst = 0.0
    for name in args.image or IMAGES:
        path = args.images / f"{name}.docker.tar"
        samples: dict[str, list[float]] = {"without": [], "with": []}
        for _ in range(args.repeat):
            samples["without"].append(run(path, ours))
            samples["with"].append(run(path, ()))
        base, full = (statistics.median(samples[k]) for k in ("without", "with"))
        added = full / base - 1
        worst = max(worst, added)
        print(f"| {name} | {base:.2f} | {full:.2f} | {added:+.1%} |")
    print(f"\nworst added: {worst:+.1%} (target at most {TARGET_ADDED:.0%})")
    return 0 if worst <= TARGET_ADDED else 1


if __name__ == "__main__":
    sys.exit(main())
