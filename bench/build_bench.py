"""Time and size of `dockwise build` beside two mmdebstrap baselines, same packages.

    python bench/build_bench.py [--spec examples/build/minimal.toml] [--repeat N] [--patch]

Needs root (mmdebstrap's root mode) and Debian's archive. Columns, each a median of N:
- *slim-style*: `mmdebstrap --variant=minbase` with the spec's packages (what
  `debian:12-slim` is made of: apt, dpkg, a shell), one gzip tar;
- *extract (raw)*: `mmdebstrap --variant=extract`, the spec's packages unpacked with no
  maintainer script and nothing pruned: the distroless-like starting point;
- *dockwise build*: the spec end to end (bootstrap, layers, vetting, SBOM, provenance).
- *dockwise patch* (`--patch`, one run): the spec built from the release suite alone,
  then patched with the newest -updates/-security version of one of its packages that has
  one today (an advisory for it is planted in a scratch database); time of `dockwise
  patch` end to end (two scans, apt update and download, the layer), and the added
  layer's size. Nothing newer in the archive today: the row says so.
Sizes: gzip (level 6, as the layers) and uncompressed tar bytes; entries and packages.
Every run downloads the packages again (mmdebstrap keeps no cache), so wall time includes
the archive's speed: compare columns of one run, not runs of different days.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from dockwise.build.distro import resolve
from dockwise.build.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, default=ROOT / "examples/build/minimal.toml")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--patch", action="store_true", help="also time dockwise patch")
    args = parser.parse_args()
    spec = load_spec(args.spec)
    codename, sources = resolve(spec.distribution)
    include = ",".join(spec.packages)
    rows = {name: [] for name in ("slim-style", "extract (raw)", "dockwise build")}
    with tempfile.TemporaryDirectory() as work:
        db = _empty_db(Path(work))
        for run in range(args.repeat):
            out = Path(work) / str(run)
            out.mkdir()
            for variant, name in (("minbase", "slim-style"), ("extract", "extract (raw)")):
                rows[name].append(_mmdebstrap(variant, include, codename, sources, out))
            rows["dockwise build"].append(_dockwise(args.spec, out, db))
    print(f"spec {args.spec.name}: packages {include} ({codename}), median of {args.repeat}")
    print("| image | s | gzip MB | tar MB | entries | packages |\n|---|---|---|---|---|---|")
    for name, runs in rows.items() if args.repeat else ():  # --repeat 0 --patch: patch only
        cells = [statistics.median(r[i] for r in runs) for i in range(5)]
        packages = "as dockwise" if cells[4] != cells[4] else f"{cells[4]:.0f}"  # NaN: extract
        print(f"| {name} | {cells[0]:.1f} | {cells[1]:.2f} | {cells[2]:.2f} | "
              f"{cells[3]:.0f} | {packages} |")
    if args.patch:
        with tempfile.TemporaryDirectory() as work:
            print(_patch_row(args.spec, Path(work), codename))
    return 0


def _patch_row(spec: Path, work: Path, codename: str) -> str:
    """Build from the release suite only, plant an advisory fixed by a newer version in
    -updates or -security, and time `dockwise patch` of the image."""
    from dockwise.build.distro import DISTRIBUTIONS
    from dockwise.build.indices import available

    old = work / "old"
    release_only = work / "spec.toml"
    text = spec.read_text().replace('source = "app"', f'source = "{spec.parent / "app"}"')
    release_only.write_text(text.replace(
        "[distribution]\n", f'[distribution]\nsources = ["deb {DISTRIBUTIONS["debian"].mirror} '
        f'{codename} main"]\n', 1))  # fmt: skip
    _dockwise(release_only, work, _empty_db(work), keep=old)
    report = json.loads((work / "report.json").read_text())
    installed = {p["name"]: p["version"] for p in report["packages"] if p["type"] == "deb"}
    newer = _newer(installed, available(installed, DISTRIBUTIONS["debian"].sources(
        codename, ("main",)), None, report["image"]["architecture"] or "amd64"))  # fmt: skip
    if newer is None:
        return f"| dockwise patch | nothing newer in {codename}-updates/-security today |"
    db = _planted_db(work, *newer)
    dockwise = Path(sys.executable).with_name("dockwise")
    started = time.perf_counter()
    subprocess.run([str(dockwise), "patch", f"oci-dir:{old}", "--output", str(work / "new"),
                    "--db", db, "-q", "--diff-output", str(work / "diff.txt")], check=True)
    seconds = time.perf_counter() - started
    index = json.loads((work / "new" / "index.json").read_text())
    blobs = work / "new" / "blobs" / "sha256"
    manifest = json.loads((blobs / index["manifests"][0]["digest"][7:]).read_text())
    added = manifest["layers"][-1]["size"] / 1e6
    return f"| dockwise patch ({newer[0]} {newer[1]}) | {seconds:.1f} | +{added:.2f} | | | |"


def _newer(installed: dict[str, str], candidates) -> tuple[str, str] | None:
    from dockwise.versions.dpkg import compare

    for candidate in sorted(candidates, key=lambda c: c.package):
        if candidate.suite.endswith(("-updates", "-security")) and compare(
                candidate.version, installed.get(candidate.package, candidate.version)) > 0:
            return candidate.package, candidate.version
    return None


def _planted_db(work: Path, package: str, fixed: str) -> str:
    from dockwise.vulndb.advisory import Advisory, Affected, Range
    from dockwise.vulndb.store import DbWriter

    path = work / "planted.db"
    writer = DbWriter(path)
    affected = Affected("Debian:12", package, (Range("ECOSYSTEM", (("introduced", "0"),
                        ("fixed", fixed))),), status="fixed", severity="high")  # fmt: skip
    writer.add_advisory(Advisory("BENCH-0001", "debian-tracker", affected=(affected,)))
    writer.finish({"built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
    return str(path)


def _empty_db(work: Path) -> str:
    from dockwise.vulndb.store import DbWriter

    path = work / "empty.db"
    DbWriter(path).finish({"built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
    return str(path)


def _mmdebstrap(variant: str, include: str, codename: str, sources, out: Path) -> tuple:
    tar = out / f"{variant}.tar"
    started = time.perf_counter()
    subprocess.run(["mmdebstrap", "--quiet", f"--variant={variant}", "--mode=root",
                    f"--include={include}", codename, str(tar), *sources], check=True)
    seconds = time.perf_counter() - started
    data = tar.read_bytes()
    with tarfile.open(tar) as archive:
        names = archive.getnames()
    # extract installs the set apt resolved for dockwise build, with no dpkg status to count
    packages = _dpkg_count(tar) if variant != "extract" else float("nan")
    return seconds, len(gzip.compress(data, 6, mtime=0)) / 1e6, len(data) / 1e6, len(names), \
        packages


def _dpkg_count(tar: Path) -> int:
    with tarfile.open(tar) as archive:
        status = archive.extractfile("./var/lib/dpkg/status").read().decode()
    return status.count("\nStatus: install ok installed") + status.startswith("Status: install")


def _dockwise(spec: Path, out: Path, db: str, keep: Path | None = None) -> tuple:
    image = keep or out / "dockwise"
    dockwise = Path(sys.executable).with_name("dockwise")
    started = time.perf_counter()
    subprocess.run([str(dockwise), "build", str(spec), "--output", str(image), "--db", db,
                    "-q", "-f", "json", "--report", str(out / "report.json")], check=True)
    seconds = time.perf_counter() - started
    index = json.loads((image / "index.json").read_text())
    blobs = image / "blobs" / "sha256"
    manifest = json.loads((blobs / index["manifests"][0]["digest"][7:]).read_text())
    stored = tar_bytes = entries = 0
    for layer in manifest["layers"]:
        blob = (blobs / layer["digest"][7:]).read_bytes()
        raw = gzip.decompress(blob)
        stored, tar_bytes = stored + len(blob), tar_bytes + len(raw)
        with tarfile.open(fileobj=io.BytesIO(raw)) as archive:
            entries += len(archive.getnames())
    report = json.loads((out / "report.json").read_text())
    packages = sum(1 for p in report["packages"] if p["type"] == "deb")
    if keep is None:
        shutil.rmtree(image)
    return seconds, stored / 1e6, tar_bytes / 1e6, entries, packages


if __name__ == "__main__":
    raise SystemExit(main())
