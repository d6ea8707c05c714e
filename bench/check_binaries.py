"""Check the binary, Java and runtime inventory on the debian-go test image, and time it.

    python bench/check_binaries.py --images /work/images/out [--repeat 5]

Checks (exit 1 on any miss): Debian's fzf and runc report their Go toolchain as a
`stdlib` package, Debian's log4j 1.2.17 jar is found, and no file a package owns is
listed as unowned. Then times `dockwise sbom` with the content analyzers on and off
(each run a fresh process, interleaved, best of N), so the cost of the analyzers is
a ratio against the same machine's floor.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

EXPECTED = [  # (type, name, version, path)
    ("golang", "stdlib", "go1.19.8", "usr/bin/fzf"),
    ("golang", "stdlib", "go1.19.8", "usr/sbin/runc"),
    ("maven", "log4j:log4j", "1.2.17", "usr/share/java/log4j-1.2-1.2.17.jar"),
]
RUN = """
import resource, sys, time
from dockwise.pipeline import read as pipeline
from dockwise.options import Options
if sys.argv[1] == "off":
    pipeline.ANALYZERS = ()
start = time.perf_counter()
result = pipeline.sbom(Options(source=sys.argv[2], quiet=True, no_cache=True))
files = [str(f.sha256) for f in result.inventory.files]  # waits for pending digests
usage = resource.getrusage(resource.RUSAGE_SELF)
print(time.perf_counter() - start, usage.ru_utime + usage.ru_stime)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=Path, default=Path("/work/images/out"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    image = args.images / "debian-go.docker.tar"
    ok = check(image)
    timing(image, args.repeat)
    return 0 if ok else 1


def check(image: Path) -> bool:
    from dockwise import pipeline
    from dockwise.options import Options

    inventory = pipeline.sbom(Options(source=str(image), quiet=True)).inventory
    found = {(p.type, p.name, p.version, p.location.path): p for p in inventory.packages}
    ok = True
    for key in EXPECTED:
        package = found.get(key)
        owner = f"owned_by={package.owned_by.split('?')[0]}" if package else ""
        print("ok  " if package else "MISS", *key, owner)
        ok &= package is not None
    for p in inventory.packages:
        if p.type in ("golang", "cargo", "maven", "runtime"):
            print("    ", p.type, p.name, p.version or "-", p.location.path)
    unowned = [f for f in inventory.files if any(k.startswith("unowned") for k in f.kinds)]
    print(f"notable files: {len(inventory.files)}, unowned binaries: {len(unowned)}")
    for record in inventory.files:
        print("    ", ",".join(record.kinds), record.path, record.owner.split("?")[0] or "-")
    ok &= not unowned  # the debian-go image has no binary that dpkg does not list
    return ok


def timing(image: Path, repeat: int) -> None:
    runs: dict[str, list[tuple[float, float]]] = {"off": [], "on": []}
    for _ in range(repeat):
        for mode in runs:
            out = subprocess.run([sys.executable, "-c", RUN, mode, str(image)], check=True,
                                 capture_output=True, text=True).stdout.split()  # fmt: skip
            runs[mode].append((float(out[0]), float(out[1])))
    best = {mode: (min(w for w, _ in r), min(c for _, c in r)) for mode, r in runs.items()}
    for mode, (wall, cpu) in best.items():
        print(f"analyzers {mode:3}: wall {wall:.3f} s  cpu {cpu:.3f} s  (best of {repeat})")
    print(f"added: wall {best['on'][0] / best['off'][0] - 1:+.0%}, "
          f"cpu {best['on'][1] / best['off'][1] - 1:+.0%}")  # fmt: skip
    print(json.dumps({m: [list(r) for r in v] for m, v in runs.items()}))


if __name__ == "__main__":
    sys.exit(main())
