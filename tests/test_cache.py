"""The layer cache: a re-scan reads no layer, stale or damaged entries are misses."""

from __future__ import annotations

import json

import pytest

from dockwise import cli
from dockwise.cache import LayerCache, cache_root
from dockwise.source import layer as layer_module
from tools.imagepack import ImageSpec, Member, write_oci_archive

STATUS = "Package: bash\nStatus: install ok installed\nVersion: 5.2.15-2\nArchitecture: amd64\n\n"


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg"


@pytest.fixture
def image(tmp_path) -> str:
    spec = ImageSpec(
        layers=[
            {"etc/os-release": "ID=debian\nVERSION_ID=12\n", "var/lib/dpkg/status": STATUS},
            [Member("usr/local/bin/tool", b"\x7fELF" + b"\0" * 60, mode=0o755)],
        ]
    )
    path = tmp_path / "image.tar"
    write_oci_archive(spec, path)
    return str(path)


def sbom_json(capsys, *argv: str) -> dict:
    assert cli.main(["sbom", "-q", "-f", "json", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def count_layer_reads(monkeypatch) -> list[str]:
    reads: list[str] = []
    real = layer_module.analyze_blob

    def counting(blob, layer, selector):
        reads.append(blob.name)
        return real(blob, layer, selector)

    monkeypatch.setattr("dockwise.source.base.analyze_blob", counting)
    return reads


def test_rescan_reads_no_layer_and_gives_the_same_result(cache_home, image, capsys, monkeypatch):
    reads = count_layer_reads(monkeypatch)
    first = sbom_json(capsys, image)
    assert len(reads) == 2
    second = sbom_json(capsys, image)
    assert len(reads) == 2  # every layer came from the cache
    first.pop("generated"), second.pop("generated")
    assert first == second
    assert LayerCache(cache_root()).stats().entries == 2


def test_no_cache_flag_reads_everything(cache_home, image, capsys, monkeypatch):
    reads = count_layer_reads(monkeypatch)
    sbom_json(capsys, image)
    sbom_json(capsys, "--no-cache", image)
    assert len(reads) == 4


def test_damaged_entry_is_a_miss(cache_home, image, capsys, monkeypatch):
    sbom_json(capsys, image)
    for path in (cache_home / "dockwise" / "layers").glob("*/*"):
        path.write_bytes(b"not zstd at all")
    reads = count_layer_reads(monkeypatch)
    doc = sbom_json(capsys, image)
    assert len(reads) == 2
    assert [p["name"] for p in doc["packages"]] == ["bash"]


def test_cache_info_and_clean(cache_home, image, capsys):
    sbom_json(capsys, image)
    assert cli.main(["cache", "info"]) == 0
    out = capsys.readouterr().out
    assert str(cache_home / "dockwise") in out and "2 (" in out
    assert cli.main(["cache", "clean"]) == 0
    assert "removed 2 cached layers" in capsys.readouterr().out
    assert LayerCache(cache_root()).stats().entries == 0


def test_eviction_keeps_the_cap(tmp_path):
    from dockwise.model import LayerRef
    from dockwise.source.filetree import LayerAnalysis
    from dockwise.source.selector import Selector

    cache = LayerCache(tmp_path, cap=2000)
    selector = Selector.build({"a": 100}, [])
    for i in range(10):
        ref = LayerRef(i, f"sha256:{i:064x}")
        analysis = LayerAnalysis(ref, contents={"a": bytes(range(256)) * 4})
        cache.store(cache.key(ref, selector), analysis)
    stats = cache.stats()
    assert 0 < stats.bytes <= 2000 and stats.entries < 10


def test_xdg_cache_home_is_honoured(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_root() == tmp_path / "dockwise"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # the spec says: ignore it
    assert cache_root().name == "dockwise" and cache_root().is_absolute()
