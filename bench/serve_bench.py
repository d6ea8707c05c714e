#!/usr/bin/env python3
"""Benchmark `dockwise serve` as Harbor drives it, all on loopback.

Starts Debian's `docker-registry` (TLS, htpasswd) with the demo image in --images
variants (each its own manifest digest, layers shared), and `dockwise serve` with
--workers scan threads, then measures:

  burst       --requests concurrent POST /api/v1/scan spread over the variants, until
              every report is 200: wall time, scans per minute, pulls per digest
  report GETs --gets vulnerability reports fetched by --clients concurrent clients:
              reports per second
  memory      the server process's peak RSS (VmHWM) at the end

    python bench/serve_bench.py                         # 200 requests, 20 images
    python bench/serve_bench.py --images 40 --workers 4 --gets 2000
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "serve")]

from fleet.fleet_fixtures import build_db  # noqa: E402
from registry.distribution import PASSWORD, USER  # noqa: E402
from serving import Images, Server, registry_with_images, run_server  # noqa: E402

SCAN_REQUEST = "application/vnd.scanner.adapter.scan.request+json; version=1.1"
VULN = "application/vnd.security.vulnerability.report; version=1.1"
AUTHORIZATION = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
WAIT_SECONDS = 600


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=20)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--gets", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="serve-bench-") as tmp:
        root = Path(tmp)
        db = build_db(root, root / "vulns.db")
        (root / "registry").mkdir()
        (root / "server").mkdir()
        with registry_with_images(root / "registry", args.images) as images, run_server(
                root / "server", db, images, "--workers", str(args.workers),
                "--rate-limit", "100000/second") as server:  # fmt: skip
            ids, burst = asyncio.run(_burst(server, images, args.requests))
            gets = asyncio.run(_gets(server, ids, args.gets, args.clients))
            peak = _peak_rss(server)
            pulls = _pulls(server, images)
    print(f"| images | requests | workers | burst s | scans/min | pulls per digest | "
          f"report GETs/s ({args.clients} clients) | server peak RSS MiB |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {args.images} | {args.requests} | {args.workers} | {burst:.1f} | "
          f"{60 * args.images / burst:.1f} | {sorted(set(pulls))} | {args.gets / gets:.0f} | "
          f"{peak / 1024:.0f} |")
    return 0


def _body(images: Images, n: int) -> bytes:
    digest = images.variants[n % len(images.variants)]
    return json.dumps({
        "registry": {"url": f"https://{images.registry.host}", "authorization": AUTHORIZATION},
        "artifact": {"repository": f"test/variant-{n % len(images.variants)}", "digest": digest,
                     "mime_type": "application/vnd.oci.image.manifest.v1+json"},
    }).encode()  # fmt: skip


def _client(server: Server) -> httpx.AsyncClient:
    """keepalive_expiry under uvicorn's 5 s keep-alive: no reuse of a closing connection."""
    return httpx.AsyncClient(base_url=server.url, timeout=120,
                             limits=httpx.Limits(max_connections=500, keepalive_expiry=2),
                             headers={"authorization": f"Bearer {server.write}"})  # fmt: skip


async def _burst(server: Server, images: Images, count: int) -> tuple[list[str], float]:
    """All requests at once, then poll until every report is ready."""
    start = time.perf_counter()
    async with _client(server) as client:
        posted = await asyncio.gather(*(
            client.post("/api/v1/scan", content=_body(images, n),
                        headers={"content-type": SCAN_REQUEST}) for n in range(count)))  # fmt: skip
        assert all(r.status_code == 202 for r in posted), {r.status_code for r in posted}
        ids = sorted({r.json()["id"] for r in posted})
        pending = set(ids)
        while pending and time.perf_counter() - start < WAIT_SECONDS:
            answers = await asyncio.gather(*(
                client.get(f"/api/v1/scan/{i}/report", headers={"accept": VULN})
                for i in pending))  # fmt: skip
            pending = {i for i, r in zip(pending, answers, strict=True) if r.status_code == 302}
            assert all(r.status_code in (200, 302) for r in answers)
            await asyncio.sleep(0.2)
    return ids, time.perf_counter() - start


async def _gets(server: Server, ids: list[str], count: int, clients: int) -> float:
    async def one_client(n: int) -> None:
        async with _client(server) as client:
            for k in range(n, count, clients):
                response = await client.get(f"/api/v1/scan/{ids[k % len(ids)]}/report",
                                            headers={"accept": VULN})  # fmt: skip
                assert response.status_code == 200

    start = time.perf_counter()
    await asyncio.gather(*(one_client(n) for n in range(clients)))
    return time.perf_counter() - start


def _peak_rss(server: Server) -> int:
    """KiB: the server's VmHWM, found by its port in /proc (it is our child)."""
    port = server.url.rsplit(":", 1)[1]
    for status in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = status.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in argv and port.encode() in argv:
            for line in (status.parent / "status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    return 0


def _pulls(server: Server, images: Images) -> list[int]:
    with sqlite3.connect(server.store) as db:
        return [db.execute("SELECT count(*) FROM scan_runs JOIN images ON images.id = image_id "
                           "WHERE digest = ? AND kind = 'scan'", (d,)).fetchone()[0]
                for d in images.variants]  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
