"""`fleet discover` against Debian's docker-registry on loopback (plain, and bearer tokens
with credentials) and against a small server that pages by `Link`, on both backends."""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from fleet_fixtures import build_db, serving
from registry.distribution import PASSWORD, USER, needs_registry

from dockwise.cli import main
from dockwise.fleet import schema
from dockwise.fleet.queries import unscanned
from dockwise.fleet.store import open_fleet
from dockwise.source.registry import catalog

pytest_plugins = ("registry.fixtures",)


def discover(capsys, *argv: str) -> dict:
    capsys.readouterr()
    code = main(["fleet", "discover", *argv, "-f", "json"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, ""), err
    return json.loads(out)


def pending(url: str) -> dict[str, str]:
    with open_fleet(url) as fleet:
        return {u.source: u.digest for u in unscanned(fleet)}


@needs_registry
def test_a_real_registry_paged_one_by_one(capsys, store_url, images, plain_registry,
                                          monkeypatch, tmp_path):  # fmt: skip
    monkeypatch.setattr(catalog, "PAGE", 1)  # distribution itself pages by Link
    host = plain_registry.host
    found = discover(capsys, f"registry:{host}/test", "--exclude", "test/multi:v2s2",
                     "--tag-limit", "1")  # fmt: skip
    assert found == {"repositories": 2, "references": 2, "new": 2, "moved": 0, "failed": []}
    listed = pending(store_url)
    assert set(listed) == {f"registry:{host}/test/app:1", f"registry:{host}/test/multi:1"}
    assert listed[f"registry:{host}/test/app:1"] == images.manifest_digest
    again = discover(capsys, f"registry:{host}/test", "--exclude", "test/multi:v2s2",
                     "--tag-limit", "1")  # fmt: skip
    assert (again["new"], again["moved"], again["references"]) == (0, 0, 2)

    db = build_db(tmp_path, tmp_path / "v.db")  # scanning one takes it off the list
    assert main(["fleet", "add", "-q", "--db", str(db), f"registry:{host}/test/app:1"]) == 0
    assert set(pending(store_url)) == {f"registry:{host}/test/multi:1"}
    assert main(["fleet", "add", "-q", "--db", str(db), f"registry:{host}/test/multi:1"]) == 0
    assert pending(store_url) == {}  # the index's tag, seen since it named that index


@needs_registry
def test_token_auth_asks_for_the_catalog_scope(capsys, store_url, token_registry, monkeypatch):
    registry, server = token_registry
    monkeypatch.setenv("DOCKWISE_REGISTRY_USERNAME", USER)
    monkeypatch.setenv("DOCKWISE_REGISTRY_PASSWORD", PASSWORD)
    found = discover(capsys, f"registry:{registry.host}/private")
    assert (found["repositories"], found["references"]) == (1, 1)
    scopes = [(r["user"], r["scope"]) for r in server.requests]
    assert (USER, ["registry:catalog:*"]) in scopes


HEAD_DIGEST = "sha256:" + "b" * 64


class Paged(ThreadingHTTPServer):
    """A registry API that pages its catalog and tags two names at a time by `Link`;
    `loop`: the catalog's next page is always the first one again."""

    REPOSITORIES = ["other/x", "team/a", "team/b"]
    TAGS = {"team/a": ["1.9", "1.10", "2.0-rc1", "latest"], "team/b": ["1", "2-rc1", "3"],
            "other/x": ["1", "gone"]}  # fmt: skip

    def __init__(self, loop: bool = False, together: int = 0) -> None:
        super().__init__(("127.0.0.1", 0), PagedHandler)
        self.loop, self.paths = loop, []
        # `together`: manifest HEADs answer only once that many are in flight at once
        self.together = threading.Barrier(together, timeout=10) if together else None
        self.apart = 0  # HEADs that came when the others had given up waiting

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server_address[1]}"


class PagedHandler(BaseHTTPRequestHandler):
    def do_HEAD(self) -> None:  # noqa: N802 - only team/b's manifests say their digest
        if self.path.endswith("/manifests/gone"):
            return self.send_error(404)
        if not self.path.startswith("/v2/team/b/manifests/"):
            return self.send_error(405)
        if self.server.together:
            try:
                self.server.together.wait()
            except threading.BrokenBarrierError:  # asked one after another
                self.server.apart += 1
                return self.send_error(503)
        self.send_response(200)
        self.send_header("Docker-Content-Digest", HEAD_DIGEST)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.server.paths.append(self.path)
        url = urlsplit(self.path)
        if url.path == "/v2/":
            return self.reply({})
        if url.path == "/v2/_catalog":
            return self.page(self.server.REPOSITORIES, url.query, "repositories", "/v2/_catalog")
        repository, _, rest = url.path.removeprefix("/v2/").partition("/tags/list")
        if rest == "" and url.path.endswith("/tags/list"):
            return self.page(self.server.TAGS[repository], url.query, "tags", url.path)
        manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                               "digest": "sha256:" + hashlib.sha256(url.path.encode()).hexdigest(),
                               "size": 2}, "layers": []}  # fmt: skip
        return self.reply(manifest, "application/vnd.oci.image.manifest.v1+json")

    def page(self, names: list[str], query: str, key: str, path: str) -> None:
        last = parse_qs(query).get("last", [""])[0]
        rest = [n for n in names if n > last] if last else names
        link = ""
        if len(rest) > 2 or (self.server.loop and key == "repositories"):
            following = "" if self.server.loop else f"last={rest[1]}&"
            link = f'<{path}?{following}n=2>; rel="next"'
        self.reply({key: rest[:2]}, link=link)

    def reply(self, document: dict, media_type: str = "application/json", link: str = "") -> None:
        body = json.dumps(document).encode()
        self.send_response(200)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(body)))
        if link:
            self.send_header("Link", link)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def paged(loop: bool = False, together: int = 0):  # noqa: ANN201 - a context manager
    return serving(Paged(loop, together))


def test_link_pages_globs_and_the_tag_limit(capsys, store_url, monkeypatch):
    monkeypatch.setattr(catalog, "PAGE", 2)
    with paged() as server:
        found = discover(capsys, f"registry:{server.host}", "--include", "team/*",
                         "--exclude", "team/b:*-rc*", "--tag-limit", "2")  # fmt: skip
        catalog_pages = [p for p in server.paths if p.startswith("/v2/_catalog")]
        manifests = sorted(p for p in server.paths if "/manifests/" in p)
    assert found == {"repositories": 3, "references": 4, "new": 4, "moved": 0, "failed": []}
    assert catalog_pages == ["/v2/_catalog?n=2", "/v2/_catalog?last=team/a&n=2"]
    # team/b answered the HEAD with its digest: no GET; team/a did not: GET and hashed
    assert manifests == ["/v2/team/a/manifests/1.10", "/v2/team/a/manifests/2.0-rc1"]
    listed = pending(store_url)
    assert len(listed) == 4 and listed[f"registry:{server.host}/team/b:3"] == HEAD_DIGEST


@pytest.mark.parametrize("target", ["registry:", "docker.io/library", "registry:/team"])
def test_a_bad_target_is_one_line(capsys, store_url, target):
    assert main(["fleet", "discover", target]) == 2
    _, err = capsys.readouterr()
    assert err.count("\n") == 1 and "registry:HOST[/PREFIX]" in err


def test_a_link_back_to_a_page_read_is_an_error_not_a_loop(capsys, store_url, monkeypatch):
    monkeypatch.setattr(catalog, "PAGE", 2)
    with paged(loop=True) as server:
        code = main(["fleet", "discover", f"registry:{server.host}"])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "") and err.count("\n") == 1 and "already read" in err


def test_tags_are_resolved_at_once(capsys, store_url):
    """team/b's three manifests are answered only when all three are asked together."""
    with paged(together=len(Paged.TAGS["team/b"])) as server:
        found = discover(capsys, f"registry:{server.host}/team", "--include", "team/b")
    assert server.apart == 0 and found["failed"] == [] and found["references"] == 3
    assert set(pending(store_url).values()) == {HEAD_DIGEST}  # from the HEADs, no GET


def test_a_tag_gone_since_it_was_listed_is_a_warning(capsys, store_url, monkeypatch):
    with paged() as server:
        code = main(["fleet", "discover", "-q", f"registry:{server.host}/other"])
    out, err = capsys.readouterr()
    assert (code, out) == (0, "")
    assert err.splitlines() == [
        f"dockwise: warning: other/x:gone (manifest gone: manifest unknown (404 from "
        f"{server.host}/other/x))"]  # fmt: skip
    assert list(pending(store_url)) == [f"registry:{server.host}/other/x:1"]


@needs_registry
def test_fleet_scan_takes_what_discover_listed(capsys, images, plain_registry, tmp_path,
                                               monkeypatch):  # fmt: skip
    for name in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "DOCKWISE_STORE_RESULTS"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    url = f"sqlite:///{tmp_path / 'fleet.db'}"  # embedded: `fleet scan` runs the jobs itself
    monkeypatch.setenv("DOCKWISE_STORE", url)
    host = plain_registry.host
    discover(capsys, f"registry:{host}/test", "--exclude", "test/multi:*", "--tag-limit", "1")
    assert set(pending(url)) == {f"registry:{host}/test/app:1"}
    db = build_db(tmp_path, tmp_path / "v.db")
    assert main(["fleet", "scan", "-q", "--db", str(db)]) == 0
    assert pending(url) == {}
    with open_fleet(url) as fleet, fleet.engine.connect() as connection:
        stored = connection.execute(sa.select(schema.images.c.digest)).scalars().all()
    assert stored == [images.manifest_digest]
