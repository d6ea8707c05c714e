#!/usr/bin/env python3
"""What the security analyzers ("secrets", "indicators") add to a cold `dockwise sbom` or scan.

For each image, `--repeat` times and interleaved (so drift on a shared machine hits both
alike), a new process runs `dockwise sbom --no-cache -f json` (or, with `--scan DB`,
`dockwise scan --no-cache --db DB -f json`) with every analyzer ("with"), and with the
security analyzers removed from the registry ("without"). Wall and CPU (user + system of
the child) times are medians; the target (issues 8 and 13) is at most 20 % added.
`--only secrets` / `--only indicators` removes just one of them. `--in-process` runs
both in this process instead (imports paid once, CPU time of this process only): the
cost of the layer pass and the checks alone, and much steadier on a loaded machine.

Images: the four Debian test images, `debian-big` when it is in `--images`, and with
`--text-heavy` an image built here that is mostly text the secrets analyzer must read
(no package manager's excluded paths): the host's Python standard library where the
official python images keep it (`usr/local/lib/python3.X`) and dockwise's own source
tree as an application under `app/`. It is the worst case for reading every text file.

    python bench/secrets_bench.py --images /work/images --only secrets --repeat 5 --text-heavy
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tools.imagepack, for --text-heavy

IMAGES = ("debian-min", "debian-python", "debian-node", "debian-go")
BIG = "debian-big"  # `build_test_images.sh DIR debian-big`: measured when present
OURS = ("secrets", "indicators")
TARGET_ADDED = 0.20
IN_PROCESS: list[tuple] = []  # with --in-process: the full analyzer registry
TEXT_SKIP = (".pyc", ".so")  # the text-heavy image keeps sources, as an image would
# directories the official python images delete (and packages: not the stdlib's)
DIR_SKIP = frozenset({"__pycache__", "test", "tests", "idle_test", "site-packages"})
CHILD = r"""
import sys
import dockwise.pipeline.read as pipeline
from dockwise import cli
drop = set(filter(None, sys.argv[1].split(",")))
pipeline.ANALYZERS = tuple(a for a in pipeline.ANALYZERS if a.name not in drop)
sys.exit(cli.main(sys.argv[2:]))
"""


def run(argv: list[str], drop: tuple[str, ...]) -> tuple[float, float]:
    """Wall and CPU seconds of one cold child process."""
    if IN_PROCESS:
        return _in_process(argv, drop)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", CHILD, ",".join(drop), *argv], check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _in_process(argv: list[str], drop: tuple[str, ...]) -> tuple[float, float]:
    import dockwise.pipeline.read as pipeline
    from dockwise import cli

    every = IN_PROCESS[0]
    pipeline.ANALYZERS = tuple(a for a in every if a.name not in drop)
    start, cpu = time.perf_counter(), time.process_time()
    cli.main(argv)
    pipeline.ANALYZERS = every
    return time.perf_counter() - start, time.process_time() - cpu


def command(path: Path, db: Path | None) -> list[str]:
    common = ["-q", "--no-cache", "-f", "json", "-o", os.devnull]
    if db is None:
        return ["sbom", *common, str(path)]
    return ["scan", *common, "--offline", "--max-db-age", "10000d", "--db", str(db), str(path)]


def text_heavy_image(directory: Path) -> Path:
    """A docker-archive of two text-heavy layers (see the module docstring)."""
    from tools.imagepack import ImageSpec, write_docker_archive

    stdlib = Path(sysconfig.get_paths()["stdlib"])
    layers = [
        {"etc/os-release": 'ID=debian\nVERSION_ID="12"\n'}
        | _tree(stdlib, f"usr/local/lib/{stdlib.name}"),
        _tree(ROOT / "src", "app/src") | _tree(ROOT / "tests", "app/tests"),
    ]
    path = directory / "text-heavy.docker.tar"
    write_docker_archive(ImageSpec(layers=layers, compression="none"), path)
    return path


def _tree(root: Path, prefix: str) -> dict[str, bytes]:
    return {
        f"{prefix}/{p.relative_to(root).as_posix()}": p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and not p.is_symlink() and p.suffix not in TEXT_SKIP
        and DIR_SKIP.isdisjoint(p.relative_to(root).parts)
    }  # fmt: skip


def measure(name: str, argv: list[str], ours: tuple[str, ...], repeat: int) -> float:
    """Print one row; the added share of wall time."""
    samples: dict[str, list[tuple[float, float]]] = {"without": [], "with": []}
    for _ in range(repeat):
        samples["without"].append(run(argv, ours))
        samples["with"].append(run(argv, ()))
    base, full = (statistics.median(w for w, _ in samples[k]) for k in ("without", "with"))
    cbase, cfull = (statistics.median(c for _, c in samples[k]) for k in ("without", "with"))
    added = full / base - 1
    print(f"| {name} | {base:.2f} | {full:.2f} | {added:+.1%} "
          f"| {cbase:.2f} | {cfull:.2f} | {cfull / cbase - 1:+.1%} |", flush=True)  # fmt: skip
    return added


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", default="/work/images/out", type=Path)
    parser.add_argument("--image", action="append", choices=(*IMAGES, BIG), help="default: all")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=OURS, help="measure one analyzer alone")
    parser.add_argument("--scan", metavar="DB", type=Path, help="time `scan --db DB`, not sbom")
    parser.add_argument("--text-heavy", action="store_true", help="add the text-heavy image")
    parser.add_argument("--in-process", action="store_true", help="time in this process")
    args = parser.parse_args(argv)
    if args.in_process:
        from dockwise.pipeline.read import ANALYZERS

        IN_PROCESS.append(ANALYZERS)
    ours = (args.only,) if args.only else OURS
    names = args.image or [*IMAGES, BIG]
    paths = {n: args.images / f"{n}.docker.tar" for n in names}
    paths = {n: p for n, p in paths.items() if p.exists()}
    print(f"`{command(Path('IMAGE'), args.scan)[0]}` without {'+'.join(ours)}, with all "
          f"analyzers; median of {args.repeat}, load {os.getloadavg()[0]:.1f}\n")  # fmt: skip
    print("| image | without (s) | with (s) | added | without cpu (s) | with cpu (s) | "
          "added cpu |\n|---|---|---|---|---|---|---|")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        if args.text_heavy:
            paths["text-heavy"] = text_heavy_image(Path(tmp))
        worst = max(
            measure(name, command(path, args.scan), ours, args.repeat)
            for name, path in paths.items()
        )
    print(f"\nworst added: {worst:+.1%} (target at most {TARGET_ADDED:.0%}); "
          f"load {os.getloadavg()[0]:.1f}")  # fmt: skip
    return 0 if worst <= TARGET_ADDED else 1


if __name__ == "__main__":
    sys.exit(main())
