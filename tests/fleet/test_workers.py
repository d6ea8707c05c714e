"""The fleet's workers for real: a private PostgreSQL, Debian's docker-registry with 20
images pushed by skopeo, `dockwise worker` processes and `fleet scan`; and `fleet scan`
over SQLite, which runs the same task functions itself. Every wait is bounded.

A scan is made slow deterministically with $DOCKWISE_TEST_SCAN_PAUSE (seconds the scan
task sleeps before reading the image; a test hook only), so a worker can be killed
while it holds a job.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
import sqlalchemy as sa
from fleet_fixtures import GZIP_ADVISORY, SECRET, Receiver, build_db, serving, verified
from registry import distribution, sample
from registry.fake_registry import Script, registry_handler
from registry.fake_registry import serve as fake_registry
from serve.harbor_spec import validate

from dockwise.cli import main
from dockwise.fleet import queue
from dockwise.fleet.runner import PARENT_ENV
from dockwise.fleet.scanning import MANUAL, NEW, PAUSE_ENV, ScanJob
from dockwise.fleet.schema import images, scan_runs
from dockwise.fleet.store import open_fleet
from dockwise.server.tokens import new_token
from tools.imagepack import build_image, write_oci_archive

COUNT = 20
SMALL = 4  # images of the SQLite test: each scan is a child process, minutes on a busy CI
DEADLINE = 180.0  # seconds any one wait may take before the test fails
PROOF = 240.0  # seconds the whole serve + workers proof may take
STALLED = "2"  # --stalled-after: a killed worker's job is queued again within seconds


@dataclass(frozen=True)
class Pushed:
    host: str
    digests: tuple[str, ...]
    tops: tuple[str, ...]  # each image's own top layer: pulled by a scan of that image only
    log: Path  # the registry's access log

    def pulls(self, since: int) -> list[int]:
        """How often each image's top layer was fetched after byte `since` of the log."""
        with self.log.open("rb") as log:
            log.seek(since)
            lines = log.read().decode(errors="replace").splitlines()
        return [sum(f"GET /v2/fleet/app{i}/blobs/{top} " in line for line in lines)
                for i, top in enumerate(self.tops)]  # fmt: skip

    def name(self, i: int) -> str:
        return f"registry:{self.host}/fleet/app{i}:1"

    def by_digest(self, i: int) -> str:
        return f"registry:{self.host}/fleet/app{i}@{self.digests[i]}"


@pytest.fixture(scope="module")
def pushed(tmp_path_factory, registry_tools) -> Iterator[Pushed]:
    """20 images sharing their base layer, each with its own top layer."""
    root = tmp_path_factory.mktemp("workers-registry")
    base = sample.spec()
    with distribution.run_registry(root, access_log=True) as registry:
        built = []
        for i in range(COUNT):
            spec = dataclasses.replace(
                base, layers=[base.layers[0], {"usr/share/doc/app/README": f"app {i}\n"}]
            )
            write_oci_archive(spec, root / f"{i}.tar")
            distribution.push(root / f"{i}.tar", registry, f"fleet/app{i}:1")
            built.append(build_image(spec))
        yield Pushed(registry.host, tuple(image.manifest_digest for image in built),
                     tuple(image.layers[-1].digest for image in built),
                     root / "registry.log")  # fmt: skip


@pytest.fixture
def pg_url(postgres, tmp_path: Path, monkeypatch) -> Iterator[str]:
    """A fresh PostgreSQL store; workers started by the test inherit these variables."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("DOCKWISE_STORE_RESULTS", str(tmp_path / "results"))
    name = f"workers_{tmp_path.name.lower().replace('-', '_')}"[:60]
    postgres.admin(f'CREATE DATABASE "{name}"')
    yield postgres.url(name)
    postgres.admin(f'DROP DATABASE "{name}" WITH (FORCE)')


class Workers:
    """`dockwise worker` processes, each logging to a file; all stopped at the end."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path, self.running = tmp_path, []

    def start(self, url: str, db: Path, pause: float = 0, queues: str = "scan,rematch",
              env: dict[str, str] | None = None) -> subprocess.Popen:  # fmt: skip
        env = {**os.environ, **({PAUSE_ENV: str(pause)} if pause else {}), **(env or {})}
        log = open(self.tmp_path / f"worker-{len(self.running)}.log", "wb")  # noqa: SIM115
        argv = [sys.executable, "-m", "dockwise", "worker", "--store", url, "--db", str(db),
                "--stalled-after", STALLED, "--queues", queues]  # fmt: skip
        process = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.running.append(process)
        return process

    def logs(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.tmp_path.glob("worker-*.log")))

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.running:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    started = Workers(tmp_path)
    yield started
    started.stop_all()


def wait_until(check: Callable[[], bool], what: str, workers: Workers | None = None) -> None:
    deadline = time.monotonic() + DEADLINE
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {DEADLINE:g} s: {what}\n{workers.logs() if workers else ''}")
        time.sleep(0.2)


def sql(url: str, query: str, *params) -> list[tuple]:
    dsn = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as connection:
        return connection.execute(query, params).fetchall()


def jobs(url: str) -> list[tuple]:
    """(id, status, attempts, priority) of every job, in id order."""
    return sql(url, "SELECT id, status::text, attempts, priority FROM procrastinate_jobs "
                    "ORDER BY id")  # fmt: skip


def scans_per_digest(url: str) -> dict[str, int]:
    query = (sa.select(images.c.digest, sa.func.count(scan_runs.c.id))
             .join(scan_runs, scan_runs.c.image_id == images.c.id).group_by(images.c.digest))
    with open_fleet(url) as fleet, fleet.engine.connect() as connection:
        return dict(connection.execute(query).all())


def fleet_scan(capsys, url: str, db: Path, pushed: Pushed, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["fleet", "scan", "--store", url, "--db", str(db),
                 "--insecure-registry", pushed.host, *argv])  # fmt: skip
    out, err = capsys.readouterr()
    return code, out, err


def test_two_workers_drain_twenty_jobs_and_each_digest_is_analysed_once(
    capsys, pushed, pg_url, workers, tmp_path
):
    db = build_db(tmp_path, tmp_path / "v.db")
    names = [pushed.name(i) for i in range(COUNT)]
    # Ten queued as new images first, then all twenty by hand, by tag and by digest: one
    # job per digest (a pending job keeps its priority, so those ten stay "new").
    with open_fleet(pg_url) as fleet, queue.make_app(fleet).open() as app:
        early = [ScanJob(name, pushed.digests[i], NEW) for i, name in enumerate(names[:10])]
        queued = queue.enqueue_scans(app, early, {"insecure_registry": [pushed.host]})
    assert [q.pending for q in queued] == [False] * 10
    code, out, err = fleet_scan(capsys, pg_url, db, pushed, *names,
                                *[pushed.by_digest(i) for i in range(COUNT)])  # fmt: skip
    assert (code, err) == (0, "")
    assert out == "queued 10 scans (10 already queued, 0 unchanged)\n"
    assert [priority for *_, priority in jobs(pg_url)] == [NEW] * 10 + [MANUAL] * 10

    workers.start(pg_url, db)
    workers.start(pg_url, db)
    code, out, err = fleet_scan(capsys, pg_url, db, pushed, "--wait", *names)
    assert (code, err) == (0, ""), workers.logs()
    assert out.splitlines()[-1] == "scanned 20 images, 0 failed"
    assert scans_per_digest(pg_url) == dict.fromkeys(pushed.digests, 1)
    assert [(status, attempts) for _, status, attempts, _ in jobs(pg_url)] == [
        ("succeeded", 1)
    ] * COUNT  # procrastinate counts the finished run as an attempt
    started = sql(pg_url, "SELECT j.priority FROM procrastinate_events e JOIN "
                          "procrastinate_jobs j ON j.id = e.job_id WHERE e.type = 'started' "
                          "ORDER BY e.at, e.id")  # fmt: skip
    assert [p for (p,) in started] == [MANUAL] * 10 + [NEW] * 10  # manual before new

    code, out, err = fleet_scan(capsys, pg_url, db, pushed, *names)
    assert (code, out, err) == (0, "queued 0 scans (0 already queued, 20 unchanged)\n", "")


def _children_of(pid: int) -> list[int]:
    """Task children (`dockwise.fleet.runner`) started by worker `pid`, alive or zombie."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            environ = (proc / "environ").read_bytes().split(b"\0")
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if b"dockwise.fleet.runner" in cmdline and f"{PARENT_ENV}={pid}".encode() in environ:
            found.append(int(proc.name))
    return found


def test_a_worker_killed_mid_scan_has_its_job_retried_and_done_once(
    capsys, pushed, pg_url, workers, tmp_path
):
    db = build_db(tmp_path, tmp_path / "v.db")
    doomed = workers.start(pg_url, db, pause=600)
    code, out, err = fleet_scan(capsys, pg_url, db, pushed, pushed.name(0))
    assert (code, err) == (0, "")
    wait_until(lambda: [s for _, s, *_ in jobs(pg_url)] == ["doing"], "the job starts", workers)
    wait_until(lambda: _children_of(doomed.pid), "the scan's child starts", workers)
    child = _children_of(doomed.pid)[0]

    doomed.kill()  # SIGKILL: no goodbye, the job stays `doing`
    doomed.wait(timeout=10)
    wait_until(lambda: not Path(f"/proc/{child}").exists() or _zombie(child),
               "the scan's child dies with its worker")  # fmt: skip
    workers.start(pg_url, db)
    wait_until(lambda: [s for _, s, *_ in jobs(pg_url)] == ["succeeded"], "the retry", workers)
    [(_, _, attempts, _)] = jobs(pg_url)
    assert attempts == 2  # the killed run (put back by the stalled-job check), the retry
    assert scans_per_digest(pg_url) == {pushed.digests[0]: 1}


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except OSError:
        return True


def test_a_worker_waits_out_a_postgresql_restart_and_drains_the_queue(
    capsys, pushed, pg_url, workers, postgres, tmp_path
):
    db = build_db(tmp_path, tmp_path / "v.db")
    worker = workers.start(pg_url, db, pause=1)
    names = [pushed.name(i) for i in range(5)]
    assert fleet_scan(capsys, pg_url, db, pushed, *names)[0] == 0
    wait_until(lambda: "succeeded" in {s for _, s, *_ in jobs(pg_url)}, "a first scan", workers)

    # Every connection dropped, and down longer than the worker waits for a connection:
    # its session ends; a new one reaps the old one's job and takes the rest.
    postgres.restart(down_for=queue.POOL_TIMEOUT + 3)

    wait_until(lambda: {s for _, s, *_ in jobs(pg_url)} == {"succeeded"}, "the queue drains",
               workers)  # fmt: skip
    assert worker.poll() is None, workers.logs()  # the same process, reconnected
    assert "lost the database" in workers.logs()  # a new session, not a new process
    assert scans_per_digest(pg_url) == {d: 1 for d in pushed.digests[:5]}


def test_one_pending_rematch_per_image(pg_url):
    with open_fleet(pg_url) as fleet, queue.make_app(fleet).open() as app:
        first = queue.enqueue_rematch(app, 7)
        again = queue.enqueue_rematch(app, 7)
        other = queue.enqueue_rematch(app, 8)
    assert (first.pending, again.pending, other.pending) == (False, True, False)
    assert again.job_id == first.job_id != other.job_id


def test_a_worker_needs_postgresql(capsys, tmp_path):
    code = main(["worker", "--store", f"sqlite:///{tmp_path / 'fleet.db'}"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("dockwise: error: the job queue needs a PostgreSQL")
    assert len(err.splitlines()) == 1


@pytest.fixture
def sqlite_url(tmp_path: Path, monkeypatch) -> str:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("DOCKWISE_STORE_RESULTS", str(tmp_path / "results"))
    return f"sqlite:///{tmp_path / 'fleet.db'}"


def test_sqlite_fleet_scan_runs_the_jobs_itself_new_then_stale(
    capsys, pushed, sqlite_url, tmp_path
):
    db = build_db(tmp_path, tmp_path / "v.db")
    names = [pushed.name(i) for i in range(SMALL)]
    digests = pushed.digests[:SMALL]
    code, out, err = fleet_scan(capsys, sqlite_url, db, pushed, "--jobs", "2", *names,
                                pushed.by_digest(0))  # the same digest twice: one scan
    assert (code, out, err) == (0, f"scanned {SMALL} images, 0 failed, 0 unchanged\n", "")
    assert scans_per_digest(sqlite_url) == dict.fromkeys(digests, 1)
    # No names: the stored ones are asked for their digest again; none moved.
    code, out, err = fleet_scan(capsys, sqlite_url, db, pushed)
    assert (code, out, err) == (0, f"scanned 0 images, 0 failed, {SMALL} unchanged\n", "")
    code, out, err = fleet_scan(capsys, sqlite_url, db, pushed, "--stale", "0m")
    assert (code, out, err) == (0, f"scanned {SMALL} images, 0 failed, 0 unchanged\n", "")
    assert scans_per_digest(sqlite_url) == dict.fromkeys(digests, 2)


def test_a_task_past_its_timeout_is_stopped(capsys, sqlite_url, demo_image, tmp_path,
                                            monkeypatch):  # fmt: skip
    db = build_db(tmp_path, tmp_path / "v.db")
    monkeypatch.setenv(PAUSE_ENV, "600")
    capsys.readouterr()
    code = main(["fleet", "scan", "--store", sqlite_url, "--db", str(db), "--task-timeout",
                 "1", "--retries", "1", str(demo_image)])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 2
    stopped = f"scan {demo_image}: stopped after the task timeout (1 s)"
    assert err == (f"dockwise: warning: {stopped}; trying again in 2 s\n"  # the queue's wait
                   f"dockwise: error: {stopped}\n")  # after the one retry  # fmt: skip
    assert out == "scanned 0 images, 1 failed, 0 unchanged\n"
    assert scans_per_digest(sqlite_url) == {}


HARBOR_SECRET = "harbor-robot-secret-x7"  # must never reach a job row
SCAN_REQUEST = "application/vnd.scanner.adapter.scan.request+json; version=1.1"
VULN_1_1 = "application/vnd.security.vulnerability.report; version=1.1"


@contextmanager
def dockwise_serve(url: str, db: Path, pushed: Pushed, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """`dockwise serve` on the PostgreSQL store, on loopback: its URL, a write token."""
    port, token = distribution.free_port(), new_token(tmp_path / "tokens", "harbor", "write")
    argv = [sys.executable, "-m", "dockwise", "serve", "--store", url, "--db", str(db),
            "--port", str(port), "--allow-registry", pushed.host, "--allow-address",
            "127.0.0.1/32", "--rate-limit", "5000/second", "--token-file",
            str(tmp_path / "tokens")]  # fmt: skip
    with (tmp_path / "server.log").open("wb") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _up(base) or process.poll() is not None, "dockwise serve starts")
        assert process.poll() is None, (tmp_path / "server.log").read_text()
        yield base, token
    finally:
        process.terminate()
        process.wait(timeout=30)


def _up(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def harbor_body(pushed: Pushed, i: int) -> bytes:
    secret = base64.b64encode(f"robot$harbor:{HARBOR_SECRET}".encode()).decode()
    return json.dumps({
        "registry": {"url": f"http://{pushed.host}", "authorization": f"Basic {secret}"},
        "artifact": {"repository": f"fleet/app{i}", "digest": pushed.digests[i], "tag": "1",
                     "mime_type": "application/vnd.oci.image.manifest.v1+json"},
    }).encode()  # fmt: skip


async def harbor_scan(client: httpx.AsyncClient, body: bytes) -> tuple[int, httpx.Response]:
    """One request as Harbor makes it: POST, then GET the report, waiting Refresh-After
    seconds after each 302; (how many 302s, the last response)."""
    posted = validate(await client.post("/api/v1/scan", content=body,
                                        headers={"content-type": SCAN_REQUEST}))  # fmt: skip
    if posted.status_code != 202:
        return 0, posted
    waits, deadline = 0, time.monotonic() + PROOF
    while True:
        report = validate(await client.get(f"/api/v1/scan/{posted.json()['id']}/report",
                                           headers={"accept": VULN_1_1}))  # fmt: skip
        if report.status_code != 302 or time.monotonic() > deadline:
            return waits, report
        waits += 1
        await asyncio.sleep(float(report.headers["refresh-after"]))


def test_serve_on_postgresql_queues_harbor_scans_for_two_workers(
    pushed, pg_url, workers, tmp_path
):
    db = build_db(tmp_path, tmp_path / "v.db")
    workers.start(pg_url, db)
    workers.start(pg_url, db)
    requests = [i % COUNT for i in range(200)]

    async def all_requests(base: str, token: str) -> list[tuple[int, httpx.Response]]:
        limits = httpx.Limits(max_connections=200)  # 200 at once, on loopback
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60,
                                     headers={"authorization": f"Bearer {token}"}) as client:
            return await asyncio.gather(*(harbor_scan(client, harbor_body(pushed, i))
                                          for i in requests))  # fmt: skip

    since = pushed.log.stat().st_size
    with dockwise_serve(pg_url, db, pushed, tmp_path) as (base, token):
        answers = asyncio.run(asyncio.wait_for(all_requests(base, token), PROOF))
    assert [r.status_code for _, r in answers] == [200] * 200, workers.logs()
    assert pushed.pulls(since) == [1] * COUNT  # each image pulled once, by one worker
    digests = [r.json()["artifact"]["digest"] for _, r in answers]
    assert digests == [pushed.digests[i] for i in requests]
    assert sum(waits for waits, _ in answers) > 0  # some were served a 302 first
    assert scans_per_digest(pg_url) == dict.fromkeys(pushed.digests, 1)
    assert [(status, priority) for _, status, _, priority in jobs(pg_url)] == [
        ("succeeded", NEW)
    ] * COUNT  # one job per digest, under its queueing lock
    rows = sql(pg_url, "SELECT args::text FROM procrastinate_jobs")
    assert rows and not [args for (args,) in rows if HARBOR_SECRET in args or "robot" in args]


def job_args(url: str) -> str:
    return " ".join(args for (args,) in sql(url, "SELECT args::text FROM procrastinate_jobs"))


def test_a_notify_job_delivers_with_the_workers_webhook_and_secret(
    capsys, pg_url, demo_image, workers, tmp_path
):
    db = build_db(tmp_path, tmp_path / "v.db")
    assert main(["fleet", "add", "-q", "--store", pg_url, "--db", str(db), str(demo_image)]) == 0
    build_db(tmp_path, db, GZIP_ADVISORY)
    assert main(["fleet", "rematch", "--store", pg_url, "--db", str(db)]) == 0  # a roll-up
    capsys.readouterr()
    with serving(Receiver([503])) as receiver:  # one failure: the webhook retries
        code = main(["fleet", "notify", "--queue", "--store", pg_url, "--severity", "medium"])
        assert (code, capsys.readouterr().out) == (0, "notify: queued (job 1)\n")
        assert main(["fleet", "notify", "--queue", "--store", pg_url]) == 0
        assert capsys.readouterr().out == "notify: already queued (job 1)\n"
        workers.start(pg_url, db, queues="notify",
                      env={"DOCKWISE_WEBHOOK_URL": receiver.url + "?token=t0ken",
                           "DOCKWISE_WEBHOOK_SECRET": SECRET})  # fmt: skip
        wait_until(lambda: jobs(pg_url)[0][1] == "succeeded", "the notify job is done", workers)
    assert len(receiver.received) == 2  # the 503, then the delivery
    assert all(verified(headers, body) for headers, body in receiver.received)
    assert json.loads(receiver.received[-1][1])["images"]
    assert not [w for w in ("t0ken", SECRET, "hook") if w in job_args(pg_url)]
    with open_fleet(pg_url) as fleet, fleet.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM notifications "
                                          "WHERE delivered IS NULL")).scalar() == 0  # fmt: skip


def test_a_notify_job_refuses_a_webhook_of_its_own(capsys, pg_url):
    code = main(["fleet", "notify", "--queue", "--store", pg_url, "--webhook", "http://x/"])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.startswith("dockwise: error: fleet notify --queue: the worker sends to its own")


def test_a_discover_job_lists_the_registry_with_the_workers_credentials(
    capsys, pushed, pg_url, workers, tmp_path
):
    db = build_db(tmp_path, tmp_path / "v.db")
    target = f"registry:{pushed.host}/fleet"
    code = main(["fleet", "discover", "--queue", "--store", pg_url, target, "--insecure-registry",
                 pushed.host, "--include", "fleet/app1*"])  # fmt: skip
    assert (code, capsys.readouterr().out) == (0, "discover: queued (job 1)\n")
    workers.start(pg_url, db, queues="discover",
                  env={"DOCKWISE_REGISTRY_USERNAME": "robot", "DOCKWISE_REGISTRY_PASSWORD": "pw"})
    wait_until(lambda: jobs(pg_url)[0][1] == "succeeded", "the discover job is done", workers)
    listed = sql(pg_url, "SELECT repository, digest FROM discovered ORDER BY repository")
    wanted = sorted((f"fleet/app{i}", pushed.digests[i]) for i in range(COUNT)
                    if str(i).startswith("1"))  # fmt: skip
    assert sorted(listed) == wanted  # app1, app10..app19
    assert "pw" not in job_args(pg_url) and '"insecure_registry"' in job_args(pg_url)
    code = main(["fleet", "discover", "--queue", "--store", pg_url, target, "--username", "u"])
    assert code == 2
    assert "the worker lists with its own registry credentials" in capsys.readouterr().err


def test_sqlite_fleet_scan_retries_a_failed_scan_as_the_queue_does(
    capsys, sqlite_url, tmp_path, monkeypatch
):
    """A registry that serves one corrupt layer, then the right one: the scan fails
    once, is tried again after the queue's first wait, and is stored once."""
    script = Script(build_image(sample.spec()), corrupt_next=1)
    monkeypatch.setenv("DOCKWISE_REGISTRY_USERNAME", "alice")  # the fake's Basic auth
    monkeypatch.setenv("DOCKWISE_REGISTRY_PASSWORD", "wonderland")
    db = build_db(tmp_path, tmp_path / "v.db")
    capsys.readouterr()
    with fake_registry(registry_handler(script)) as host:
        code = main(["fleet", "scan", "--store", sqlite_url, "--db", str(db),
                     "--insecure-registry", host, f"registry:{host}/app:1"])  # fmt: skip
    out, err = capsys.readouterr()
    assert (code, out) == (0, "scanned 1 images, 0 failed, 0 unchanged\n")
    layers = "|".join(layer.digest for layer in script.image.layers)
    # the corrupt copy goes to whichever request comes first: a blob fetched ahead (its
    # writer says "got ...") or the layer streamed while read (the reader names both)
    assert re.fullmatch(rf"dockwise: warning: blob ({layers}): digest mismatch "
                        r"\((?:exp\S*, )?got \S+\); trying again in 2 s\n", err)  # fmt: skip
    assert script.corrupt_next == 0
    assert scans_per_digest(sqlite_url) == {script.image.manifest_digest: 1}
