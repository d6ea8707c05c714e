"""The Harbor Pluggable Scanner API v1.2 against a real registry, every request and
response checked against the spec's OpenAPI document (harbor_spec.py)."""

from __future__ import annotations

import asyncio
import base64
import http.client
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import zstandard
from fleet.fleet_postgres import binaries
from harbor_spec import validate
from registry.distribution import PASSWORD, USER
from serving import Server, run_server

from dockwise.server.harbor import REFRESH_AFTER

SCAN_REQUEST = "application/vnd.scanner.adapter.scan.request+json; version=1.1"
VULN_1_1 = "application/vnd.security.vulnerability.report; version=1.1"
VULN_1_0 = "application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0"
RAW = "application/vnd.scanner.adapter.vuln.report.raw"
SBOM = "application/vnd.security.sbom.report+json; version=1.0"
ERROR = "application/vnd.scanner.adapter.error+json; version=1.0"
AUTHORIZATION = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
WAIT_SECONDS = 300  # a bound, so a stuck scan fails the test instead of hanging it


def scan_body(images, repository: str, digest: str, **registry) -> bytes:
    return json.dumps({
        "registry": {"url": f"https://{images.registry.host}", "authorization": AUTHORIZATION,
                     **registry},
        "artifact": {"repository": repository, "digest": digest, "tag": "1",
                     "mime_type": "application/vnd.oci.image.manifest.v1+json"},
    }).encode()  # fmt: skip


def post_scan(client: httpx.Client, body: bytes, valid: bool = True) -> httpx.Response:
    response = client.post("/api/v1/scan", content=body, headers={"content-type": SCAN_REQUEST})
    return validate(response, request_too=valid)


def wait_report(client: httpx.Client, scan_id: str, accept: str = VULN_1_1,
                query: str = "") -> httpx.Response:  # fmt: skip
    """Poll as Harbor does: 302 with Refresh-After until 200 (or an error)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        response = validate(client.get(f"/api/v1/scan/{scan_id}/report{query}",
                                       headers={"accept": accept}))  # fmt: skip
        if response.status_code != 302 or time.monotonic() > deadline:
            return response
        assert int(response.headers["refresh-after"]) > 0
        time.sleep(0.2)


def scan_count(server: Server, digest: str) -> int:
    """How many times the image was pulled and scanned into the store."""
    with sqlite3.connect(server.store) as db:
        return db.execute(
            "SELECT count(*) FROM scan_runs JOIN images ON images.id = scan_runs.image_id "
            "WHERE images.digest = ? AND scan_runs.kind = 'scan'", (digest,)).fetchone()[0]


@pytest.fixture(scope="module")
def demo_scan(server, images) -> str:
    with server.client() as client:
        response = post_scan(client, scan_body(images, "test/demo", images.demo))
        assert response.status_code == 202
        scan_id = response.json()["id"]
        assert wait_report(client, scan_id).status_code == 200
    return scan_id


def test_metadata_names_capabilities_and_database_time(server, vuln_db):
    with server.client(server.read) as client:
        body = validate(client.get("/api/v1/metadata")).json()
    kinds = {c["type"]: c for c in body["capabilities"]}
    assert set(kinds) == {"vulnerability", "sbom"}
    assert VULN_1_1 in kinds["vulnerability"]["produces_mime_types"]
    assert kinds["sbom"]["additional_attributes"]["sbom_media_types"] == [
        "application/spdx+json", "application/vnd.cyclonedx+json"]  # fmt: skip
    with sqlite3.connect(vuln_db) as db:
        built = db.execute("SELECT value FROM meta WHERE key = 'built'").fetchone()[0]
    assert body["properties"]["harbor.scanner-adapter/vulnerability-database-updated-at"] == built


def test_vulnerability_reports_match_the_fleet(server, images, demo_scan):
    with server.client(server.read) as client:
        report = wait_report(client, demo_scan)
        assert report.headers["content-type"] == VULN_1_1
        harbor = wait_report(client, demo_scan, VULN_1_0)
        stored = client.get("/fleet/v1/findings", params={"image": images.demo, "limit": 500})
    body = report.json()
    assert body["artifact"]["digest"] == images.demo
    assert body["severity"] in ("Critical", "High")
    ids = {(v["id"], v["package"]) for v in body["vulnerabilities"]}
    fleet = {(f["vuln_id"], f["package"].split("@")[0]) for f in stored.json()["items"]}
    assert ids and ids == fleet
    assert harbor.headers["content-type"] == VULN_1_0
    assert harbor.json()["vulnerabilities"] == body["vulnerabilities"]


def test_raw_and_sbom_reports(server, images, demo_scan):
    with server.client(server.read) as client:
        raw = wait_report(client, demo_scan, RAW)
        spdx = wait_report(client, demo_scan, SBOM, "?sbom_media_type=application/spdx+json")
        cdx = wait_report(client, demo_scan, SBOM,
                          "?sbom_media_type=application/vnd.cyclonedx%2Bjson")
    assert json.loads(raw.content)["image"]["manifest_digest"] == images.demo
    assert spdx.json()["media_type"] == "application/spdx+json"
    assert spdx.json()["sbom"]["spdxVersion"] == "SPDX-2.3"
    assert cdx.json()["sbom"]["bomFormat"] == "CycloneDX"
    names = {p["name"] for p in spdx.json()["sbom"]["packages"]}
    assert {c["name"] for c in cdx.json()["sbom"]["components"]} & names


def test_report_errors_per_spec(server, demo_scan):
    with server.client(server.read) as client:
        no_format = wait_report(client, demo_scan, SBOM)
        unknown = client.get(f"/api/v1/scan/{demo_scan}/report", headers={"accept": "text/csv"})
        missing = validate(client.get("/api/v1/scan/bm90LWFuLWlk/report",
                                      headers={"accept": VULN_1_1}))  # fmt: skip
    assert no_format.status_code == 400 and no_format.headers["content-type"] == ERROR
    assert unknown.status_code == 501 and "error" in unknown.json()
    assert missing.status_code == 404


def test_scan_requests_refused_per_spec(server, images):
    good = json.loads(scan_body(images, "test/demo", images.demo))
    registry, artifact = good["registry"], good["artifact"]

    def changed(**parts: dict) -> bytes:
        return json.dumps({**good, **parts}).encode()

    with server.client() as client:
        not_json = post_scan(client, b"{", valid=False)
        deep = post_scan(client, b"[" * 60_000, valid=False)
        elsewhere = post_scan(client, changed(registry={"url": "https://registry.example.com"}))
        bearer = post_scan(client, changed(registry={**registry, "authorization": "Bearer x"}))
        bad_digest = post_scan(client, changed(artifact={**artifact, "digest": "sha256:../x"}))
        helm = post_scan(client, changed(
            artifact={**artifact, "mime_type": "application/vnd.cncf.helm.config.v1+json"}))
    assert not_json.status_code == deep.status_code == 400
    assert "nested" in deep.json()["error"]["message"]
    assert "Traceback" not in server.log.read_text()
    assert elsewhere.status_code == 422 and "allow-registry" in elsewhere.text
    assert bearer.status_code == 422
    assert bad_digest.status_code == 422
    assert helm.status_code == 501


def test_a_failed_pull_is_a_500_naming_why(server, images):
    """A wrong password (and a digest the registry lacks): the report says so, once."""
    body = json.loads(scan_body(images, "test/demo", "sha256:" + "0" * 64))
    wrong = base64.b64encode(f"{USER}:not-{PASSWORD}".encode()).decode()
    body["registry"]["authorization"] = f"Basic {wrong}"
    with server.client() as client:
        scan_id = post_scan(client, json.dumps(body).encode()).json()["id"]
        failed = wait_report(client, scan_id)
    assert failed.status_code == 500 and failed.headers["content-type"] == ERROR
    message = failed.json()["error"]["message"]
    assert "\n" not in message and images.registry.host in message
    assert wrong not in server.log.read_text()


def test_credentials_are_never_stored_or_logged(server, demo_scan):
    """The registry password Harbor sends, plain or base64, is nowhere the server
    writes: its log, the store, the stored results (decompressed), the caches."""
    secrets = (PASSWORD.encode(), AUTHORIZATION.split()[1].encode())
    written = [p for p in server.home.rglob("*") if p.is_file()]
    assert server.log in written and server.store in written
    assert any(p.name.endswith(".json.zst") for p in written)
    for path in written:
        data = path.read_bytes()
        if path.name.endswith(".zst"):
            data = zstandard.ZstdDecompressor().decompress(data)
        assert not any(secret in data for secret in secrets), path


def test_reports_survive_a_restart(server_home, vuln_db, images, demo_scan, server):
    before = scan_count(server, images.demo)
    with run_server(server_home, vuln_db, images) as again, again.client(again.read) as client:
        report = validate(client.get(f"/api/v1/scan/{demo_scan}/report",
                                     headers={"accept": VULN_1_1}))  # fmt: skip
        assert report.status_code == 200 and report.json()["vulnerabilities"]
    assert before == scan_count(server, images.demo) == 1


def test_a_postgresql_store_and_its_restart(tmp_path, vuln_db, images, postgres, monkeypatch):
    """The same scan with the fleet in PostgreSQL (the later value of --store wins): the
    scan goes on the queue and a `dockwise worker` does it, pulling with its own
    credentials; a restart of PostgreSQL under the running server costs it nothing but
    a reconnect."""
    postgres.admin('CREATE DATABASE "serve_harbor"')
    store = postgres.url("serve_harbor")
    monkeypatch.setenv("DOCKWISE_STORE_RESULTS", str(tmp_path / "results"))  # both see it
    with run_server(tmp_path, vuln_db, images, "--store", store) as server, \
            worker(tmp_path, store, vuln_db) as log:  # fmt: skip
        with server.client() as client:
            scan_id = post_scan(client, scan_body(images, "test/demo", images.demo)).json()["id"]
            report = wait_report(client, scan_id)
            restart_postgres(postgres)
            images_api = client.get("/fleet/v1/images").json()
            again = wait_report(client, scan_id, VULN_1_0)
    assert report.status_code == again.status_code == 200, log.read_text()
    assert report.json()["vulnerabilities"]
    assert [i["digest"] for i in images_api] == [images.demo]
    assert not (tmp_path / "fleet.db").exists()


@contextmanager
def worker(home: Path, store: str, db: Path) -> Iterator[Path]:
    """`dockwise worker` with the registry's robot credentials in its environment (the
    server queues Harbor's scans without Harbor's); its log file."""
    env = {**os.environ, "XDG_CACHE_HOME": str(home / "worker-cache"),
           "DOCKWISE_REGISTRY_USERNAME": USER, "DOCKWISE_REGISTRY_PASSWORD": PASSWORD}  # fmt: skip
    log = home / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "dockwise", "worker", "--store", store,
                                    "--db", str(db), "--stalled-after", "2"],
                                   stdout=out, stderr=subprocess.STDOUT, env=env)  # fmt: skip
    try:
        yield log
    finally:
        process.terminate()
        process.wait(timeout=30)


def restart_postgres(cluster) -> None:  # noqa: ANN001 - fleet_postgres.Cluster
    """`pg_ctl restart` with the options it was started with (postmaster.opts), as the
    user that owns the data directory."""
    import psycopg

    dsn = f"host={cluster.host} port={cluster.port} user=fleet dbname=postgres"
    with psycopg.connect(dsn) as connection:
        data = Path(connection.execute("SHOW data_directory").fetchone()[0])
    owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run([*owner, str(binaries() / "pg_ctl"), "-D", str(data), "-l",
                    str(data.parent / "log"), "-m", "fast", "-w", "restart"],
                   check=True, capture_output=True, timeout=120)  # fmt: skip


def test_200_concurrent_requests_pull_each_digest_once(server, images):
    """200 scan requests at once for 20 images: 20 pulls, 200 reports, no failure."""
    requests = [(f"test/variant-{n % 20}", images.variants[n % 20]) for n in range(200)]

    async def post_all() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=200)
        async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=120,
                                     headers={"authorization": f"Bearer {server.write}",
                                              "content-type": SCAN_REQUEST}) as client:  # fmt: skip
            return await asyncio.gather(*(
                client.post("/api/v1/scan", content=scan_body(images, repo, digest))
                for repo, digest in requests))  # fmt: skip

    responses = asyncio.run(post_all())
    assert [r.status_code for r in responses] == [202] * 200
    with server.client(server.read) as client:
        reports = [wait_report(client, r.json()["id"]) for r in responses]
    assert [r.status_code for r in reports] == [200] * 200
    assert {r.json()["artifact"]["digest"] for r in reports} == set(images.variants)
    assert [scan_count(server, digest) for digest in images.variants] == [1] * 20


def test_a_kept_alive_connection_outlives_refresh_after(server):
    """Harbor waits Refresh-After seconds, then asks again on the same connection: the
    server must not have closed it meanwhile (uvicorn's default closes it after 5 s, the
    same 5 s, and the request was lost unanswered)."""
    host, port = server.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        statuses = [_get(connection, "/healthz")]
        opened = connection.sock
        time.sleep(int(REFRESH_AFTER) + 1)  # idle as long as Harbor is, and a bit
        statuses.append(_get(connection, "/healthz"))  # a closed one raises
        assert connection.sock is opened  # the same connection, not a new one
    finally:
        connection.close()
    assert statuses == [200, 200]


def _get(connection: http.client.HTTPConnection, path: str) -> int:
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    return response.status
