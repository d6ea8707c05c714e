"""`fleet notify` against a real HTTP server on loopback, on SQLite and PostgreSQL: the
roll-up is signed, retried through failures, delivered once, and kept when refused."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fleet_fixtures import (
    GZIP,
    GZIP_ADVISORY,
    GZIP_CVE,
    SECRET,
    Receiver,
    build_db,
    serving,
    verified,
)

from dockwise.cli import main
from dockwise.fleet.schema import notifications
from dockwise.fleet.store import open_fleet


def serve(plan: list[int]) -> Iterator[Receiver]:
    with serving(Receiver(plan)) as server:
        yield server


def rollup_of(capsys, demo_image, tmp_path, monkeypatch, advisory: dict) -> None:
    """The demo image stored, then a database update with `advisory`: one roll-up."""
    db = build_db(tmp_path, tmp_path / "v.db")
    assert main(["fleet", "add", "-q", "--db", str(db), str(demo_image)]) == 0
    build_db(tmp_path, db, advisory)
    assert main(["fleet", "rematch", "--db", str(db)]) == 0
    monkeypatch.setenv("DOCKWISE_WEBHOOK_SECRET", SECRET)
    capsys.readouterr()


@pytest.fixture
def one_rollup(capsys, store_url, demo_image, tmp_path, monkeypatch) -> str:
    """A store whose outbox holds one roll-up: a new advisory for the demo's gzip."""
    rollup_of(capsys, demo_image, tmp_path, monkeypatch, GZIP_ADVISORY)
    return store_url


def undelivered(url: str) -> int:
    with open_fleet(url) as fleet, fleet.engine.connect() as connection:
        query = sa.select(sa.func.count()).where(notifications.c.delivered.is_(None))
        return connection.execute(query.select_from(notifications)).scalar_one()


def test_failures_then_success_deliver_once_signed(capsys, one_rollup):
    for server in serve([503, 500]):
        code = main(["fleet", "notify", "--webhook", server.url])
        out, err = capsys.readouterr()
        assert (code, err) == (0, "") and out == "delivered 1 roll-ups\n"
        assert len(server.received) == 3
        keys = {headers["Idempotency-Key"] for headers, _ in server.received}
        assert len(keys) == 1
        unstamped = [{**json.loads(body), "timestamp": 0} for _, body in server.received]
        assert unstamped[0] == unstamped[1] == unstamped[2]  # the same roll-up each time
        for headers, body in server.received:  # each attempt signed with its own time
            assert verified(headers, body)
            assert json.loads(body)["timestamp"] == int(headers["X-Dockwise-Timestamp"])
            assert abs(int(headers["X-Dockwise-Timestamp"]) - time.time()) < 600
        headers, body = server.received[-1]
        assert not verified(headers, body.replace(b"gzip", b"gzap"))
        timestamp = json.loads(body)["timestamp"]
        assert not verified(headers, body.replace(f'"timestamp":{timestamp}'.encode(),
                                                  f'"timestamp":{timestamp + 1}'.encode()))
        document = json.loads(body)
        assert document["idempotency_key"] == keys.pop()
        [section] = document["images"]
        assert section["names"] == ["docker.io/library/dockwise-demo:1.0"]
        assert [(f["vuln_id"], f["package"]) for f in section["findings"]] == [(GZIP_CVE, GZIP)]
        assert undelivered(one_rollup) == 0

        assert main(["fleet", "notify", "--webhook", server.url]) == 0  # nothing pending
        assert len(server.received) == 3
    assert SECRET not in capsys.readouterr().out


def test_a_refusal_keeps_the_rollup_and_says_one_line(capsys, one_rollup):
    for server in serve([400]):
        code = main(["fleet", "notify", "--webhook", server.url.replace("//", "//u:pw@")])
        out, err = capsys.readouterr()
        assert (code, out) == (2, "") and err.count("\n") == 1
        assert "HTTP 400" in err and "pw" not in err and SECRET not in err
        assert undelivered(one_rollup) == 1
        assert main(["fleet", "notify", "--webhook", server.url]) == 0  # the next run
        assert undelivered(one_rollup) == 0 and len(server.received) == 2
        first, second = (headers["Idempotency-Key"] for headers, _ in server.received)
        assert first == second


def test_retries_run_out_and_the_rollup_waits(capsys, one_rollup):
    for server in serve([503] * 3):
        code = main(["fleet", "notify", "--attempts", "3", "--webhook", server.url])
        _, err = capsys.readouterr()
        assert code == 2 and "HTTP 503 after 3 attempts" in err and err.count("\n") == 1
        assert len(server.received) == 3 and undelivered(one_rollup) == 1


def test_print_is_a_delivery_and_a_threshold_filters(capsys, one_rollup, monkeypatch):
    monkeypatch.delenv("DOCKWISE_WEBHOOK_SECRET")
    assert main(["fleet", "notify", "--print", "--severity", "critical"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert [f["vuln_id"] for f in json.loads(line)["images"][0]["findings"]] == [GZIP_CVE]
    assert undelivered(one_rollup) == 0
    assert main(["fleet", "notify", "--print"]) == 0
    assert capsys.readouterr().out == ""


def test_a_webhook_without_a_secret_is_refused(capsys, one_rollup, monkeypatch):
    monkeypatch.delenv("DOCKWISE_WEBHOOK_SECRET")
    assert main(["fleet", "notify", "--webhook", "http://127.0.0.1:9/hook"]) == 2
    _, err = capsys.readouterr()
    assert "shared secret" in err and err.count("\n") == 1
    assert undelivered(one_rollup) == 1


def test_a_rollup_below_the_threshold_is_marked_not_sent(
    capsys, store_url, demo_image, tmp_path, monkeypatch
):
    medium = {**GZIP_ADVISORY, "severity": [
        {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:N"}]}  # fmt: skip
    rollup_of(capsys, demo_image, tmp_path, monkeypatch, medium)
    for server in serve([]):
        assert main(["fleet", "notify", "--severity", "high", "--webhook", server.url]) == 0
        assert capsys.readouterr().out == "delivered 0 roll-ups, 1 with nothing at or above high\n"
        assert server.received == [] and undelivered(store_url) == 0
