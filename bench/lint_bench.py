"""Time `dockwise lint` over the shared corpus's 474 real Dockerfiles.

    python bench/lint_bench.py [--repeat N]

Prints the total and per-file time (median of N runs, in-process, parse + every rule).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from dockwise.dockerfile.lint import lint

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dockerfiles"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "index.json")
    data = [(str(p), p.read_bytes()) for p in files]
    runs = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        findings = sum(len(lint(content, path).findings) for path, content in data)
        runs.append(time.perf_counter() - started)
    total = statistics.median(runs)
    print(f"{len(data)} Dockerfiles, {findings} findings: {total:.2f} s "
          f"({1000 * total / len(data):.1f} ms each, median of {args.repeat})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
