"""Who may call the server and where it may be sent: tokens and scopes, rate and size
limits, and no server-side request forgery."""

from __future__ import annotations

import ipaddress
import ssl
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future

import httpx
import pytest
import uvicorn
from harbor_spec import validate
from registry import pki
from registry.distribution import free_port
from serving import run_server
from test_harbor import SCAN_REQUEST, VULN_1_1, scan_body

from dockwise.cli import main
from dockwise.fleet.store import open_fleet
from dockwise.server import ServerError, scans
from dockwise.server.app import Settings, create_app
from dockwise.server.gate import Limits
from dockwise.server.guard import Guard, Refused, internal, networks
from dockwise.server.tokens import TokenFile, find_token, load_tokens, new_token

DIGEST = "sha256:" + "a" * 64


@pytest.mark.parametrize("url, why", [
    ("https://registry.example.com", "allow-registry"),  # not on the list
    ("http://127.0.0.1:5000", "internal address"),  # loopback
    ("http://localhost:5000", "internal address"),  # a name for loopback
    ("http://169.254.169.254", "internal address"),  # cloud metadata, link-local
    ("http://[::ffff:127.0.0.1]:5000", "internal address"),  # loopback, IPv4-mapped
    ("http://100.100.100.200", "internal address"),  # Alibaba's metadata
    ("http://0.0.0.0:5000", "internal address"),
    ("ftp://10.1.2.3", "http:// or https://"),
    ("https://user:pw@10.1.2.3", "base URL"),
    ("https://10.1.2.3/v2/../x", "base URL"),
])  # fmt: skip
def test_guard_refuses(url, why):
    """Being on the allow list does not let an internal address through."""
    guard = Guard(("*.example.org", "*:5000", "169.254.169.254", "100.100.100.200", "10.1.2.3"))
    with pytest.raises(Refused, match=why):
        guard.check(url)


def test_guard_allows_listed_registries_and_named_internal_networks():
    guard = Guard(("10.1.2.3", "127.0.0.1:*"), networks(["127.0.0.0/8"]))
    assert guard.check("https://10.1.2.3").insecure is False  # private, not internal
    assert guard.check("http://127.0.0.1:5000").insecure is True
    assert not internal(ipaddress.ip_address("10.1.2.3"))
    assert internal(ipaddress.ip_address("fe80::1"))


def test_tokens_are_stored_hashed(tmp_path):
    path = tmp_path / "tokens"
    token = new_token(path, "harbor", "write")
    assert token not in path.read_text() and len(token) >= 40
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    (loaded,) = load_tokens(path)
    assert find_token((loaded,), token) == loaded and loaded.allows("write")
    assert find_token((loaded,), token + "x") is None
    path.write_text("harbor write " + token + "\n")  # a pasted token, not its hash
    with pytest.raises(ServerError, match=r"tokens:1: not a") as error:
        load_tokens(path)
    assert token not in str(error.value)


@pytest.mark.parametrize("flags, said", [
    (["--host", "0.0.0.0"], "give --token-file"),
    (["--tls-cert", "/nonexistent.pem"], "go together"),
    (["--tls-cert", "/nonexistent.pem", "--tls-key", "/nonexistent.key"], "No such file"),
    (["--rate-limit", "often"], "rate limit"),
    (["--allow-address", "999.1.1.1"], "999.1.1.1"),
])  # fmt: skip
def test_serve_refuses_bad_settings_in_one_line(vuln_db, capsys, flags, said):
    assert main(["serve", "--db", str(vuln_db), *flags]) == 2
    err = capsys.readouterr().err
    assert said in err and len(err.strip().splitlines()) == 1


def test_tokens_scopes_and_body_size(tmp_path, vuln_db, images):
    with run_server(tmp_path, vuln_db, images, "--max-body", "200") as server:
        with server.client("not-a-token") as client:
            unknown = client.get("/api/v1/metadata")
        with server.client(server.read) as client:
            api_key = client.get("/api/v1/metadata", headers={
                "authorization": "", "x-scanneradapter-api-key": server.read})  # fmt: skip
            reader_scans = client.post("/api/v1/scan", content=scan_body(images, "a/b", DIGEST),
                                       headers={"content-type": SCAN_REQUEST})  # fmt: skip
            dashboard = client.get("/")
        with server.client(server.write) as client:
            too_big = client.post("/api/v1/scan", content=b" " * 201,
                                  headers={"content-type": SCAN_REQUEST})  # fmt: skip
    assert unknown.status_code == 401 and "basic" in unknown.headers["www-authenticate"].lower()
    assert api_key.status_code == 200  # Harbor's "APIKey" authorization
    assert reader_scans.status_code == 403
    assert dashboard.status_code == 200
    assert too_big.status_code == 413
    assert too_big.headers["content-type"].startswith("application/vnd.scanner.adapter.error")


def test_rate_limit_per_token(tmp_path, vuln_db, images):
    with run_server(tmp_path, vuln_db, images, "--rate-limit", "3/minute") as server:
        with server.client(server.read) as reader:
            statuses = [reader.get("/api/v1/metadata").status_code for _ in range(4)]
            retry = reader.get("/api/v1/metadata").headers.get("retry-after")
        with server.client(server.write) as writer:
            other = writer.get("/api/v1/metadata").status_code
    assert statuses == [200, 200, 200, 429] and retry
    assert other == 200  # another token has its own window


def test_tls_from_uvicorn(tmp_path, vuln_db, images):
    ca = pki.make_ca()
    ca_path, _ = ca.write(tmp_path, "ca")
    cert, key = pki.server_cert(ca).write(tmp_path, "server")
    with run_server(tmp_path, vuln_db, images, "--tls-cert", str(cert),
                    "--tls-key", str(key)) as server:  # fmt: skip
        assert server.url.startswith("https://")
        trusted = ssl.create_default_context(cafile=str(ca_path))
        with server.client(server.read, verify=trusted) as client:
            assert client.get("/api/v1/metadata").status_code == 200
        with pytest.raises(httpx.TransportError):  # no plain HTTP beside it
            httpx.get(server.url.replace("https", "http") + "/healthz", timeout=5)


@pytest.fixture
def stalled(tmp_path, vuln_db, monkeypatch) -> Iterator[str]:
    """The app in uvicorn on a thread, with scans dispatched nowhere: they stay running."""
    monkeypatch.setattr(scans, "dispatch", lambda pool, work: Future())
    tokens = tmp_path / "tokens"
    token = new_token(tokens, "harbor", "write")
    fleet = open_fleet(f"sqlite:///{tmp_path / 'fleet.db'}")
    app = create_app(Settings(fleet, vuln_db, Guard(("127.0.0.1:*",), networks(["127.0.0.1"]))),
                     scans.Scans(fleet, vuln_db, 1), Limits(TokenFile(tokens)))  # fmt: skip
    server = uvicorn.Server(uvicorn.Config(app, port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{server.config.port}", token
    server.should_exit = True
    thread.join(timeout=10)
    fleet.close()


def test_a_running_scan_answers_302_with_refresh_after(stalled, images):
    url, token = stalled
    headers = {"authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers) as client:
        accepted = validate(client.post("/api/v1/scan", content=scan_body(images, "a/b", DIGEST),
                                        headers={"content-type": SCAN_REQUEST}))  # fmt: skip
        scan_id = accepted.json()["id"]
        running = validate(client.get(f"/api/v1/scan/{scan_id}/report",
                                      headers={"accept": VULN_1_1}))  # fmt: skip
    assert accepted.status_code == 202
    assert running.status_code == 302 and int(running.headers["refresh-after"]) > 0


def test_the_token_file_is_read_again_when_it_changes(stalled, tmp_path):
    """Added and revoked tokens count at the next request; a broken file lets none in."""
    url, harbor = stalled
    tokens = tmp_path / "tokens"

    def status(token: str) -> int:
        headers = {"authorization": f"Bearer {token}"}
        return httpx.get(f"{url}/api/v1/metadata", headers=headers, timeout=30).status_code

    assert status(harbor) == 200
    ci = new_token(tokens, "ci", "read")  # appended while the server runs
    assert (status(harbor), status(ci)) == (200, 200)
    tokens.write_text(tokens.read_text().splitlines()[1] + "\n")  # harbor's line removed
    assert (status(harbor), status(ci)) == (401, 200)
    tokens.write_text("a line that is no token\n")
    assert (status(harbor), status(ci)) == (401, 401)
