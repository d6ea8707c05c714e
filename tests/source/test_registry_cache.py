"""The layer and blob caches against a real registry: a warm re-scan GETs no layer,
images sharing a base GET the base once, and blobs outlive a lost analysis cache.

Requests are counted by wrapping RegistryClient.get, which every registry GET
(manifests, config, layers; prefetch threads included) goes through."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from registry import distribution
from registry.distribution import needs_registry
from registry.sample import DPKG_STATUS, inventory

from dockwise.cache.images import ImageCache
from dockwise.cache.layers import LayerCache
from dockwise.cache.root import cache_root
from dockwise.cli import main
from dockwise.source.blobcache import BlobCache
from dockwise.source.registry.client import RegistryClient
from tools.imagepack import ImageSpec, build_image, write_oci_archive

pytestmark = needs_registry

BASE = [
    {"etc/os-release": "ID=debian\nVERSION_ID=12\n", "var/lib/dpkg/status": DPKG_STATUS},
    {"usr/share/doc/base/README": "base\n" * 100},
    {"usr/lib/base/data": bytes(range(256)) * 64},
]


def app(name: str) -> ImageSpec:
    """The shared base plus one small layer of its own."""
    return ImageSpec(layers=[*BASE, {f"srv/{name}/index.txt": f"{name}\n"}])


@dataclass(frozen=True)
class Pushed:
    host: str
    layers: dict[str, list[str]]  # repo -> its layer digests, bottom first


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> Pushed:
    root = tmp_path_factory.mktemp("cache-registry")
    layers = {}
    with distribution.run_registry(root) as running:
        for name in ("one", "two"):
            write_oci_archive(app(name), root / f"{name}.tar")
            distribution.push(root / f"{name}.tar", running, f"fleet/{name}:1")
            layers[name] = [layer.digest for layer in build_image(app(name)).layers]
        yield Pushed(running.host, layers)


@pytest.fixture
def cache_home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "dockwise"


@pytest.fixture
def gets(monkeypatch) -> list[str]:
    """Every path GET from any registry, in order."""
    seen: list[str] = []
    lock = threading.Lock()
    real = RegistryClient.get

    def counting(self, path, *args, **kwargs):
        with lock:
            seen.append(path)
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(RegistryClient, "get", counting)
    return seen


def layer_gets(seen: list[str], pushed: Pushed) -> list[str]:
    every = {d for digests in pushed.layers.values() for d in digests}
    return [p.removeprefix("blobs/") for p in seen if p.removeprefix("blobs/") in every]


def sbom(capsys, ref: str, *flags: str) -> dict:
    assert main(["sbom", "-q", "-f", "json", ref, *flags]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_warm_rescan_gets_no_layer(capsys, registry, cache_home, gets):
    ref = f"registry:{registry.host}/fleet/one:1"
    cold = sbom(capsys, ref)
    assert sorted(layer_gets(gets, registry)) == sorted(registry.layers["one"])
    gets.clear()
    warm = sbom(capsys, ref)
    assert layer_gets(gets, registry) == []
    assert inventory(json.dumps(warm)) == inventory(json.dumps(cold))


def test_shared_base_is_read_once(capsys, registry, cache_home, gets):
    sbom(capsys, f"registry:{registry.host}/fleet/one:1")
    gets.clear()
    sbom(capsys, f"registry:{registry.host}/fleet/two:1")
    assert layer_gets(gets, registry) == [registry.layers["two"][-1]]


def test_blobs_serve_a_rescan_after_the_analyses_are_gone(capsys, registry, cache_home, gets):
    """As after a dockwise upgrade: no analysis is valid, every blob is still kept."""
    ref = f"registry:{registry.host}/fleet/one:1"
    cold = sbom(capsys, ref)
    blobs = BlobCache(cache_root())
    assert all(blobs.find(d) for d in registry.layers["one"])
    LayerCache(cache_root()).clean(), ImageCache(cache_root()).clean()
    gets.clear()
    again = sbom(capsys, ref)
    assert layer_gets(gets, registry) == []
    assert inventory(json.dumps(again)) == inventory(json.dumps(cold))


def test_a_damaged_kept_blob_is_fetched_again(capsys, registry, cache_home, gets):
    ref = f"registry:{registry.host}/fleet/one:1"
    cold = sbom(capsys, ref)
    LayerCache(cache_root()).clean(), ImageCache(cache_root()).clean()
    bottom = registry.layers["one"][0]
    BlobCache(cache_root()).path(bottom).write_bytes(b"not the blob")
    gets.clear()
    again = sbom(capsys, ref)
    assert layer_gets(gets, registry) == [bottom]
    assert inventory(json.dumps(again)) == inventory(json.dumps(cold))
    assert BlobCache(cache_root()).find(bottom).stat().st_size > len(b"not the blob")


def test_no_cache_reads_and_keeps_nothing(capsys, registry, cache_home, gets):
    ref = f"registry:{registry.host}/fleet/one:1"
    sbom(capsys, ref, "--no-cache")
    sbom(capsys, ref, "--no-cache")
    assert sorted(layer_gets(gets, registry)) == sorted(registry.layers["one"] * 2)
    assert not (cache_home / "blobs").exists() and not (cache_home / "layers").exists()


def test_cache_info_and_clean_cover_blobs(capsys, registry, cache_home):
    sbom(capsys, f"registry:{registry.host}/fleet/one:1")
    assert main(["cache", "info"]) == 0
    out = capsys.readouterr().out
    assert "layer analyses:  4 (" in out and "registry blobs:  4 (" in out
    assert main(["cache", "clean"]) == 0
    assert "removed 4 cached layers" in capsys.readouterr().out
    assert BlobCache(cache_root()).stats().entries == 0
