"""A dead mirror costs one file's retries, not every file's."""

from __future__ import annotations

import httpx
from feed_mirror import FAST

from dockwise.vulndb.fetch import UnreachableHosts, fetch


def refusing(tried: list[str]) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        tried.append(str(request.url))
        raise httpx.ConnectError("connection refused", request=request)

    return httpx.Client(transport=httpx.MockTransport(handler))


def test_a_host_that_takes_no_connection_is_given_up_after_one_file(tmp_path):
    tried: list[str] = []
    unreachable = UnreachableHosts()
    with refusing(tried) as client:
        first = fetch(client, "http://dead.test/a", tmp_path / "a", FAST, None, None, unreachable)
        second = fetch(client, "http://dead.test/b", tmp_path / "b", FAST, None, None, unreachable)
        other = fetch(client, "http://other.test/c", tmp_path / "c", FAST, None, None, unreachable)
    assert first.status == second.status == other.status == "failed"
    assert "connection refused after 3 attempts" in first.detail
    assert second.detail == "host unreachable (ConnectError: connection refused)"
    assert tried.count("http://dead.test/a") == FAST.attempts
    assert "http://dead.test/b" not in tried  # given up without a connection attempt
    assert tried.count("http://other.test/c") == FAST.attempts  # another host is its own


def test_a_server_error_does_not_give_the_host_up(tmp_path):
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        return httpx.Response(503)

    unreachable = UnreachableHosts()
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        for name in ("a", "b"):
            fetch(client, f"http://busy.test/{name}", tmp_path / name, FAST, None, None,
                  unreachable)  # fmt: skip
    assert len(calls) == 2 * FAST.attempts
    assert unreachable.reason("http://busy.test/c") == ""
