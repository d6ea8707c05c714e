#!/usr/bin/env python3
"""Benchmark registry scans: cold pull+scan, warm re-scan, and a fleet sharing a base.

Starts Debian's `docker-registry` on 127.0.0.1 (access log on, so that every blob GET
is counted from the registry's side), pushes each test image with `skopeo`, and
measures, each run a new `dockwise sbom registry:... -f cyclonedx-json -o /dev/null`
process with its own XDG_CACHE_HOME:

  pull floor  a `python -c` child that GETs the manifest and every layer blob and
              inflates it (isal / zstandard): the cheapest possible cold read
  cold        an empty cache: every layer downloaded, analysed, both caches filled
  warm        the same cache again: the target is no layer GET at all
  blobs only  the analyses deleted, the blobs kept (as after a dockwise upgrade)
  fleet       FLEET tags, each the image plus a small layer of its own (pushed here
              through the registry API), scanned one after the other from an empty
              cache: total time, and how often each base layer was GET (target: once)

Wall time, CPU and peak RSS are medians of --repeat runs (the fleet runs once). A
markdown table goes to stdout; --json FILE writes every sample.

    python bench/registry_bench.py --images /work/images/out
    python bench/registry_bench.py --images /work/images/out --big --json /tmp/reg.json
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sbom_bench import find_dockwise, run_once  # noqa: E402 - a sibling script

HERE = Path(__file__).resolve().parent
DEFAULT_BUILD_SCRIPT = HERE.parent.parent / "shared" / "tools" / "build_test_images.sh"
IMAGES = ("debian-min", "debian-python", "debian-node", "debian-go")
BIG = "debian-big"
PYCACHE = Path(tempfile.gettempdir()) / "dockwise-bench-pycache"
SNAPSHOT = Path(tempfile.gettempdir()) / "dockwise-bench-src"
FLEET = 20
FORMAT = "cyclonedx-json"  # as sbom_bench; --format json shows the reporter's share
TARGET_WARM = 0.25  # warm / cold on the test images (issue 6)
TARGET_WARM_BIG = 0.10  # on an image of 1 GB or more
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
_GET_BLOB = re.compile(r'"GET /v2/(\S+)/blobs/(sha256:[0-9a-f]{64}) HTTP/[\d.]+" 200 ')

# The pull floor: manifest, then every layer streamed once through one decompressor.
FLOOR_CODE = r"""
import json, sys, urllib.request
base, repo, tag = sys.argv[1:4]
def get(path, accept=""):
    req = urllib.request.Request(f"{base}/v2/{repo}/{path}", headers={"Accept": accept})
    return urllib.request.urlopen(req)
manifest = json.load(get(f"manifests/{tag}", "application/vnd.oci.image.manifest.v1+json"))
for layer in manifest["layers"]:
    with get(f"blobs/{layer['digest']}") as body:
        head = body.read(4)
        if head[:2] == b"\x1f\x8b":
            from isal import isal_zlib
            d = isal_zlib.decompressobj(wbits=31)
        elif head == b"\x28\xb5\x2f\xfd":
            import zstandard
            d = zstandard.ZstdDecompressor().decompressobj()
        else:
            d = None
        data = head
        while data:
            if d is not None:
                d.decompress(data)
            data = body.read(1 << 20)
"""


@dataclass
class Registry:
    host: str
    log: Path

    def blob_gets(self, since: int) -> Counter[str]:
        """Layer and config blobs GET (status 200) after byte offset SINCE of the log."""
        with open(self.log, "rb") as f:
            f.seek(since)
            text = f.read().decode(errors="replace")
        return Counter(m.group(2) for m in _GET_BLOB.finditer(text))

    def mark(self) -> int:
        return self.log.stat().st_size


@dataclass
class Samples:
    """Every run of one measurement."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)
    layer_gets: list[int] = field(default_factory=list)
    error: str = ""

    def median(self, name: str) -> float | None:
        values = getattr(self, name)
        return statistics.median(values) if values else None


@contextmanager
def run_registry(root: Path) -> Iterator[Registry]:
    """`docker-registry serve` on a free port, access log to ROOT/access.log."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = {
        "version": 0.1,
        "log": {"level": "error", "accesslog": {"disabled": False}},
        "storage": {"filesystem": {"rootdirectory": str(root / "data")}},
        "http": {"addr": f"127.0.0.1:{port}"},
    }
    (root / "config.yml").write_text(json.dumps(config))
    log = root / "access.log"
    with open(log, "wb") as out, open(root / "registry.err", "wb") as err:
        process = subprocess.Popen(
            ["docker-registry", "serve", str(root / "config.yml")], stdout=out, stderr=err
        )
        try:
            _wait_ready(f"http://127.0.0.1:{port}/v2/", process)
            yield Registry(f"127.0.0.1:{port}", log)
        finally:
            process.terminate()
            process.wait(timeout=10)


def _wait_ready(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit("registry_bench: docker-registry exited at start")
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit("registry_bench: docker-registry did not start")


def push_archive(archive: Path, registry: Registry, repo: str) -> None:
    argv = ["skopeo", "--insecure-policy", "copy", "--quiet", "--dest-tls-verify=false",
            f"oci-archive:{archive}", f"docker://{registry.host}/{repo}"]  # fmt: skip
    subprocess.run(argv, check=True, capture_output=True, timeout=1800)


# --- the fleet: TAGS = base image + one small layer each, pushed through the API ---


def push_fleet(registry: Registry, repo: str, count: int) -> list[str]:
    """Tags t00.. of REPO, each REPO:latest plus a distinct top layer; returns the refs."""
    base = f"http://{registry.host}/v2/{repo}"
    manifest = json.loads(_get(f"{base}/manifests/latest", OCI_MANIFEST))
    config = json.loads(_get(f"{base}/blobs/{manifest['config']['digest']}"))
    refs = []
    for k in range(count):
        blob, diff_id = _top_layer(f"srv/fleet/tag-{k:02d}.txt", f"tag {k}\n".encode())
        tagged = json.loads(json.dumps(config))
        tagged["rootfs"]["diff_ids"].append(diff_id)
        tagged.setdefault("history", []).append({"created_by": f"COPY tag-{k:02d}.txt"})
        config_bytes = json.dumps(tagged).encode()
        doc = json.loads(json.dumps(manifest))
        doc["config"] = {**doc["config"], **_descriptor(config_bytes)}
        doc["layers"].append({"mediaType": OCI_LAYER, **_descriptor(blob)})
        _upload(base, blob)
        _upload(base, config_bytes)
        _put(f"{base}/manifests/t{k:02d}", json.dumps(doc).encode(), OCI_MANIFEST)
        refs.append(f"{registry.host}/{repo}:t{k:02d}")
    return refs


def _top_layer(path: str, content: bytes) -> tuple[bytes, str]:
    """A one-file gzip layer (no timestamps) and its diff_id."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo(path)
        info.size, info.mtime, info.mode = len(content), 0, 0o644
        tar.addfile(info, io.BytesIO(content))
    tar_bytes = raw.getvalue()
    return gzip.compress(tar_bytes, mtime=0), _digest(tar_bytes)


def _descriptor(data: bytes) -> dict:
    return {"digest": _digest(data), "size": len(data)}


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _upload(base: str, data: bytes) -> None:
    """Monolithic upload: POST a session, PUT the bytes with their digest."""
    request = urllib.request.Request(f"{base}/blobs/uploads/", method="POST")
    with urllib.request.urlopen(request) as response:
        location = response.headers["Location"]
    if location.startswith("/"):
        location = base.split("/v2/")[0] + location
    sep = "&" if "?" in location else "?"
    _put(f"{location}{sep}digest={_digest(data)}", data, "application/octet-stream")


def _get(url: str, accept: str = "") -> bytes:
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(request) as response:
        return response.read()


def _put(url: str, data: bytes, content_type: str) -> None:
    request = urllib.request.Request(
        url, data=data, method="PUT", headers={"Content-Type": content_type}
    )
    urllib.request.urlopen(request).close()


# --- measuring ---


def scan(dockwise: list[str], ref: str, cache: Path, registry: Registry, samples: Samples,
         layers: set[str]) -> None:  # fmt: skip
    """One `dockwise sbom ... registry:REF` with XDG_CACHE_HOME=CACHE, added to SAMPLES."""
    argv = [*dockwise, f"registry:{ref}"]  # dockwise: the `sbom` command up to its source
    mark = registry.mark()
    wall, rss, cpu, rc, _, err = run_once(argv, child_env(cache))
    if rc != 0:
        samples.error = f"exit {rc}: {err.strip().splitlines()[-1] if err.strip() else ''}"
        return
    time.sleep(0.05)  # the access log line is written after the response
    gets = registry.blob_gets(mark)
    samples.wall.append(wall)
    samples.cpu.append(cpu)
    samples.rss_kb.append(rss)
    samples.layer_gets.append(sum(n for d, n in gets.items() if d in layers))


def child_env(cache: Path) -> dict[str, str]:
    """Its own cache; compiled bytecode kept (outside the checkout), as an installed
    dockwise has it: PYTHONDONTWRITEBYTECODE would add ~0.15 s of compiling to every run."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    if SNAPSHOT.exists():
        env["PYTHONPATH"] = str(SNAPSHOT)
    return {**env, "XDG_CACHE_HOME": str(cache)}


def snapshot_source() -> list[str]:
    """Run a copy of src/dockwise taken now: analyses are keyed by the code's mtimes, so
    an edit in a shared checkout during the run would turn warm runs into cold ones."""
    shutil.rmtree(SNAPSHOT, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(HERE.parent / "src" / "dockwise", SNAPSHOT / "dockwise", ignore=ignore)
    return [sys.executable, "-m", "dockwise"]


def bench_image(name: str, archive: Path, registry: Registry, args, dockwise: list[str]) -> dict:
    """Cold, warm and blobs-only samples for one image, then its fleet."""
    repo = f"bench/{name}"
    push_archive(archive, registry, f"{repo}:latest")
    manifest = json.loads(_get(f"http://{registry.host}/v2/{repo}/manifests/latest", OCI_MANIFEST))
    layers = {layer["digest"] for layer in manifest["layers"]}
    ref = f"{registry.host}/{repo}:latest"
    runs = {k: Samples() for k in ("floor", "cold", "warm", "blobs only")}
    floor = [sys.executable, "-c", FLOOR_CODE, f"http://{registry.host}", repo, "latest"]
    for _ in range(args.repeat):
        wall, _, cpu, rc, _, _ = run_once(floor, child_env(Path(tempfile.gettempdir())))
        if rc == 0:
            runs["floor"].wall.append(wall)
            runs["floor"].cpu.append(cpu)
        with tempfile.TemporaryDirectory(prefix="dockwise-bench-cache-") as cache:
            scan(dockwise, ref, Path(cache), registry, runs["cold"], layers)
            scan(dockwise, ref, Path(cache), registry, runs["warm"], layers)
            shutil.rmtree(Path(cache) / "dockwise" / "layers", ignore_errors=True)
            scan(dockwise, ref, Path(cache), registry, runs["blobs only"], layers)
    row = {
        "image": name,
        "layers": len(manifest["layers"]),
        "stored_bytes": sum(layer["size"] for layer in manifest["layers"]),
        "runs": {k: vars(v) for k, v in runs.items()},
        "fleet": bench_fleet(registry, repo, layers, args, dockwise),
    }
    cold, warm = runs["cold"].median("wall"), runs["warm"].median("wall")
    row["warm_over_cold"] = warm / cold if cold and warm else None
    big = name == BIG or row["stored_bytes"] >= 1 << 30
    row["target"] = TARGET_WARM_BIG if big else TARGET_WARM
    return row


def bench_fleet(registry: Registry, repo: str, base: set[str], args, dockwise) -> dict:
    """FLEET tags scanned in turn from one empty cache; every base layer should be GET once."""
    refs = push_fleet(registry, repo, args.fleet)
    mark = registry.mark()
    samples = Samples()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="dockwise-bench-fleet-") as cache:
        for ref in refs:
            scan(dockwise, ref, Path(cache), registry, samples, base)
    total = time.perf_counter() - start
    time.sleep(0.05)
    gets = registry.blob_gets(mark)
    reads = [gets.get(d, 0) for d in sorted(base)]
    tops = sum(n for d, n in gets.items() if d not in base) - args.fleet  # minus configs
    return {"tags": len(refs), "total_s": total, "per_tag_s": statistics.median(samples.wall)
            if samples.wall else None, "base_layer_reads": reads, "top_layer_reads": tops,
            "error": samples.error}  # fmt: skip


# --- output ---


def table(rows: list[dict]) -> str:
    head = ("| image | layers | stored MB | pull floor s | cold s | warm s | warm/cold | target "
            "| cpu s cold/warm | blobs only s | layer GETs cold/warm/blobs "
            f"| fleet {rows[0]['fleet']['tags'] if rows else ''} total s | per tag s "
            "| GETs of each base layer |")  # fmt: skip
    return "\n".join([head, _rule(head), *map(_row, rows)])


def _rule(head: str) -> str:
    return "|" + "---|" * (head.count("|") - 1)


def _row(row: dict) -> str:
    runs = {k: Samples(**v) for k, v in row["runs"].items()}
    fleet = row["fleet"]
    ratio = row["warm_over_cold"]
    verdict = "?" if ratio is None else ("met" if ratio <= row["target"] else "missed")
    gets = "/".join(_int(runs[k].median("layer_gets")) for k in ("cold", "warm", "blobs only"))
    reads = sorted(set(fleet["base_layer_reads"]))
    errors = "; ".join(s.error for s in runs.values() if s.error) or fleet["error"]
    cells = [
        row["image"], str(row["layers"]), f"{row['stored_bytes'] / 1e6:.0f}",
        _s(runs["floor"].median("wall")), _s(runs["cold"].median("wall")),
        _s(runs["warm"].median("wall")), "?" if ratio is None else f"{ratio:.0%}",
        f"≤ {row['target']:.0%} {verdict}",
        f"{_s(runs['cold'].median('cpu'))}/{_s(runs['warm'].median('cpu'))}",
        _s(runs["blobs only"].median("wall")), gets,
        _s(fleet["total_s"]), _s(fleet["per_tag_s"]),
        "/".join(map(str, reads)) + (f" (error: {errors})" if errors else ""),
    ]  # fmt: skip
    return "| " + " | ".join(cells) + " |"


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _int(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def ensure_big(images: Path, build_script: Path) -> Path:
    archive = images / f"{BIG}.oci.tar"
    if not archive.exists():
        print(f"building {BIG} into {images} (5+ minutes, root + mmdebstrap) ...", file=sys.stderr)
        subprocess.run(["bash", str(build_script), str(images), BIG], check=True)
    return archive


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=Path, default=Path("/work/images/out"))
    parser.add_argument("--image", action="append", help="only these (repeatable)")
    parser.add_argument("--big", action="store_true", help=f"also {BIG} (1.35 GB)")
    parser.add_argument("--big-images", type=Path, help=f"where {BIG} is (default --images)")
    parser.add_argument("--build-script", type=Path, default=DEFAULT_BUILD_SCRIPT)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--fleet", type=int, default=FLEET)
    parser.add_argument("--format", default=FORMAT, help="the report format of every scan")
    parser.add_argument("--dockwise", help="command to run (default: a snapshot of src/)")
    parser.add_argument("--json", type=Path, help="write every sample here")
    args = parser.parse_args(argv)
    if not (shutil.which("docker-registry") and shutil.which("skopeo")):
        sys.exit("registry_bench: needs docker-registry and skopeo (apt-get install)")
    archives = [(n, args.images / f"{n}.oci.tar") for n in (args.image or IMAGES)]
    if args.big:
        archives.append((BIG, ensure_big(args.big_images or args.images, args.build_script)))
    dockwise = find_dockwise(args.dockwise) if args.dockwise else snapshot_source()
    run_once([*dockwise, "--help"], child_env(Path(tempfile.gettempdir())))  # compiles once
    dockwise = [*dockwise, "sbom", "-f", args.format, "-o", "/dev/null", "-q"]
    rows = []
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="dockwise-bench-registry-") as root:
        with run_registry(Path(root)) as registry:
            for name, archive in archives:
                print(f"{name} ...", file=sys.stderr)
                rows.append(bench_image(name, archive, registry, args, dockwise))
    print(table(rows))
    print(f"\n{os.cpu_count()} CPUs; load {load[0]:.2f} at start, {os.getloadavg()[0]:.2f} at end")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
