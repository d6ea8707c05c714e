"""What a real registry will not do on demand, from a scripted fake: redirect blob
downloads to object storage on another host, throttle, fail, or serve corrupt bytes."""

from __future__ import annotations

import time

import httpx
import pytest
from registry.fake_registry import BASIC, Script, blob_host_handler, registry_handler, serve
from registry.sample import spec

from dockwise.errors import SourceError
from dockwise.options import RegistryAccess
from dockwise.source import open_source
from dockwise.source.registry import client as client_module
from dockwise.source.registry.client import RegistryClient
from dockwise.source.selector import Selector
from tools.imagepack import build_image

ALICE = RegistryAccess(username="alice", password="wonderland")


def scan(host: str, access: RegistryAccess = ALICE) -> list[str]:
    """Open and read every layer; the paths found, sorted."""
    image = open_source(f"registry:{host}/test/app:1", access=access)
    selector = Selector(lambda path: 0)
    return sorted(p for layer in image.layers for p in layer.analyze(selector).entries)


@pytest.fixture
def script() -> Script:
    return Script(build_image(spec()))


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    monkeypatch.setattr(client_module, "BACKOFF", 0.0)


def test_redirected_blob_downloads_get_no_credentials(script):
    received: list[str] = []
    with serve(blob_host_handler(script, received), "127.0.0.2") as storage:
        script.redirect_to = f"http://{storage}"
        with serve(registry_handler(script)) as host:
            assert "usr/share/doc/app/README" in scan(host)
    assert len(received) == 3  # config and two layers, all fetched from "object storage"
    assert received == ["", "", ""]
    blob_requests = [auth for path, auth in script.seen if "/blobs/" in path]
    assert blob_requests == [BASIC] * 3  # the registry itself did get them


def test_retries_honour_retry_after(script):
    script.failures = [(503, ""), (429, "1")]
    with serve(registry_handler(script)) as host:
        started = time.monotonic()
        assert scan(host)
    assert time.monotonic() - started >= 1.0
    assert script.failures == []


def test_retries_are_bounded(script):
    script.failures = [(503, "0")] * client_module.ATTEMPTS
    with serve(registry_handler(script)) as host:
        with pytest.raises(SourceError, match=rf"^{host}: GET /v2/ answered 503"):
            scan(host)


def test_corrupt_layer_is_a_digest_mismatch_naming_the_blob(script):
    script.corrupt_layer = True
    layer = script.image.layers[0].digest
    with serve(registry_handler(script)) as host:
        with pytest.raises(SourceError, match=rf"^blob {layer}: digest mismatch"):
            scan(host)


def test_basic_auth_without_credentials_names_the_realm(script):
    with serve(registry_handler(script)) as host:
        with pytest.raises(SourceError, match=r"authentication required \(realm 'fake-registry'\)"):
            scan(host, RegistryAccess())


def test_plain_http_is_refused_for_other_hosts():
    client = RegistryClient("registry.example:5000", "test/app", RegistryAccess())
    with pytest.raises(SourceError, match="refusing plain HTTP to a non-loopback host"):
        client._check_scheme(httpx.URL("http://registry.example:5000/v2/"))
    allowed = RegistryAccess(insecure_registries=("registry.example:5000",))
    client = RegistryClient("registry.example:5000", "test/app", allowed)
    client._check_scheme(httpx.URL("http://registry.example:5000/v2/"))  # no error


def test_presigned_urls_lose_their_query_in_errors():
    url = httpx.URL("https://bucket.example/blob?X-Amz-Signature=secret")
    assert client_module._safe(url) == "https://bucket.example/blob"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3", 3.0), ("3600", client_module.MAX_WAIT), ("", 0.0), ("soon", 0.0)],
    ids=["seconds", "capped", "absent", "garbage"],
)
def test_retry_after_values(value, expected):
    response = httpx.Response(503, headers={"Retry-After": value} if value else {})
    assert client_module._retry_after(response, 0) == expected
