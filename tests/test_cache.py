"""The layer cache: a re-scan reads no layer, stale or damaged entries are misses."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import threading
import time

import pytest
from corpus import fresh

from dockwise import cli
from dockwise.cache.layers import LayerCache
from dockwise.cache.root import cache_root
from dockwise.errors import SourceError
from dockwise.model import LayerRef
from dockwise.source import layer as layer_module
from dockwise.source.blob import Blob
from dockwise.source.blobcache import BlobCache
from dockwise.source.registry.fetch import PREFETCH, LayerFetcher, RegistryLayer
from dockwise.source.selector import Selector
from dockwise.vulndb.store import DbWriter
from tools.imagepack import (
    ImageSpec,
    Member,
    build_image,
    write_docker_archive,
    write_oci_archive,
)

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

    monkeypatch.setattr("dockwise.source.layer.analyze_blob", counting)
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


def test_scan_after_sbom_reads_what_sbom_left_out(cache_home, tmp_path, capsys, monkeypatch):
    """`sbom` runs only the inventory's analyzers, so its cached layers cannot answer
    `scan`: the scan reads them again and finds the key sbom never looked at; a second
    scan reads nothing."""
    key = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + "b3BlbnNzaC1rZXktdjEA" * 8 + \
        "\n-----END OPENSSH PRIVATE KEY-----\n"
    spec = ImageSpec(layers=[{"etc/os-release": "ID=debian\nVERSION_ID=12\n",
                              "var/lib/dpkg/status": STATUS, "srv/deploy_key": key}])
    path = tmp_path / "keyed.tar"
    write_oci_archive(spec, path)
    db = tmp_path / "empty.db"
    DbWriter(db).finish({"built": fresh()})
    reads = count_layer_reads(monkeypatch)
    sbom_json(capsys, str(path))
    assert len(reads) == 1

    def secrets() -> list[str]:
        cli.main(["scan", "-q", "-f", "json", "--db", str(db), str(path)])
        findings = json.loads(capsys.readouterr().out)["findings"]
        return [f["location"]["path"] for f in findings if f["kind"] == "secret"]

    assert secrets() == ["srv/deploy_key"]
    assert len(reads) == 2
    assert secrets() == ["srv/deploy_key"]
    assert len(reads) == 2


def test_a_cache_that_cannot_be_written_is_one_warning_not_a_failure(tmp_path, image):
    """`layers` and `images` are files where directories should be: the sbom is still
    written, and each unwritable cache says so once on stderr (it once was a traceback)."""
    (tmp_path / "xdg" / "dockwise").mkdir(parents=True)
    for kind in ("layers", "images"):
        (tmp_path / "xdg" / "dockwise" / kind).write_text("")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    done = subprocess.run([sys.executable, "-m", "dockwise", "sbom", "-q", "-f", "json", image],
                          env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert [p["name"] for p in json.loads(done.stdout)["packages"]] == ["bash"]
    lines = done.stderr.splitlines()
    assert len(lines) == 2 and "Traceback" not in done.stderr
    assert all(line.startswith("dockwise: warning: cache not written under ") for line in lines)


def test_an_unwritable_blob_cache_is_warned_of_and_left_out(tmp_path, caplog):
    (tmp_path / "blobs").write_text("")  # a file where the directory should be
    assert BlobCache(tmp_path).writable() is False
    assert BlobCache(tmp_path / "fine").writable() is True
    where = tmp_path / "blobs" / "sha256"
    assert [r.getMessage() for r in caplog.records] == [
        f"dockwise: warning: cache not written under {where}: Not a directory"
    ]


def test_damaged_entry_is_a_miss(cache_home, image, capsys, monkeypatch):
    sbom_json(capsys, image)
    for kind in ("layers", "images"):
        for path in (cache_home / "dockwise" / kind).glob("*/*"):
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
    assert any((cache_home / "dockwise" / "selectors").iterdir())
    assert cli.main(["cache", "clean"]) == 0
    assert "removed 2 cached layers" in capsys.readouterr().out
    assert LayerCache(cache_root()).stats().entries == 0
    assert not any((cache_home / "dockwise" / "selectors").iterdir())


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


def test_one_key_function_covers_subject_kind_and_selector():
    """Layer and image keys come from keys.cache_key: what the entry is about, which kind
    of entry, and what the selector keeps all change the key; no digest, no key."""
    from dockwise.cache.keys import image_key, layer_key

    ref = LayerRef(0, "sha256:" + "b" * 64, digest="sha256:" + "a" * 64)
    selector, other = Selector.build({"a": 100}, []), Selector.build({"a": 200}, [])
    keys = {
        layer_key(ref, selector),
        layer_key(ref, other),
        layer_key(dataclasses.replace(ref, diff_id="sha256:" + "c" * 64), selector),
        image_key(ref.diff_id, [], selector),  # same text as the layer's digest, other kind
        image_key("sha256:" + "d" * 64, [ref], selector),
    }
    assert len(keys) == 5 and None not in keys
    assert layer_key(ref, selector) == layer_key(ref, Selector.build({"a": 100}, []))
    assert layer_key(LayerRef(0, ""), selector) is None
    assert image_key("", [ref], selector) is None
    assert image_key("sha256:" + "d" * 64, [LayerRef(1, "")], selector) is None


def test_xdg_cache_home_is_honoured(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_root() == tmp_path / "dockwise"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # the spec says: ignore it
    assert cache_root().name == "dockwise" and cache_root().is_absolute()


# --- the blob cache and fetching ahead (registry layers; the real registry is in
# tests/source/test_registry_cache.py) ---


def blob_layers(count: int, opened: list[str] | None = None, bad: int = -1) -> list:
    """COUNT RegistryLayers served from memory; layer BAD's bytes are damaged in transit.

    Each open notes how many fetch threads are reading at that moment in OPENED."""
    built = build_image(ImageSpec(layers=[{f"f{i}": bytes(4096) * i} for i in range(count)]))
    reading: set[str] = set()
    lock = threading.Lock()

    class Slow(io.BytesIO):
        def read(self, n=-1):
            time.sleep(0.01)  # a slow network: downloads overlap the analysis
            return super().read(n)

        def close(self):
            with lock:
                reading.discard(threading.current_thread().name)
            super().close()

    def opener(data: bytes):
        def open_blob():
            name = threading.current_thread().name
            with lock:
                if name.startswith("dockwise-fetch"):
                    reading.add(name)
                if opened is not None:
                    opened.append(f"{name}:{len(reading)}")
            return Slow(data)

        return open_blob

    layers = []
    for i, layer in enumerate(built.layers):
        data = layer.blob if i != bad else layer.blob[:-8] + bytes(8)
        blob = Blob(layer.digest, opener(data), len(data), layer.digest, layer.diff_id)
        layers.append(RegistryLayer(LayerRef(i, layer.diff_id, layer.digest), blob))
    return layers


def test_fetch_ahead_is_bounded_and_keeps_every_blob(tmp_path):
    opened: list[str] = []
    layers = blob_layers(8, opened)
    blobs = BlobCache(tmp_path)
    with LayerFetcher(layers, range(8), blobs) as fetcher:
        found = [fetcher.analyze(i, Selector()) for i in range(8)]
    assert [sorted(a.entries) for a in found] == [[f"f{i}"] for i in range(8)]
    in_flight = [int(o.rsplit(":", 1)[1]) for o in opened if o.startswith("dockwise-fetch")]
    assert len(in_flight) == 7 and max(in_flight) <= PREFETCH  # layer 0 streams
    assert blobs.stats().entries == 8  # streamed (tee) and fetched alike
    assert not list(blobs.dir.glob(".tmp-*"))


def test_a_failed_download_is_one_line_and_nothing_is_kept(tmp_path):
    layers = blob_layers(4, bad=2)
    blobs = BlobCache(tmp_path)
    with LayerFetcher(layers, range(4), blobs) as fetcher:
        fetcher.analyze(0, Selector())
        fetcher.analyze(1, Selector())
        with pytest.raises(SourceError) as raised:
            fetcher.analyze(2, Selector())
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"blob {layers[2].blob.digest}: digest mismatch (got sha256:")
    assert blobs.find(layers[2].blob.digest) is None
    assert blobs.find(layers[3].blob.digest) is not None
    assert not list(blobs.dir.glob(".tmp-*"))


def test_without_a_cache_fetched_blobs_are_scratch_and_removed(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    with LayerFetcher(blob_layers(5), range(5), None) as fetcher:
        for i in range(5):
            fetcher.analyze(i, Selector())
        scratch = list(tmp_path.glob("dockwise-blobs-*/blobs/sha256/*"))
        assert scratch == []  # each removed once read
    assert list(tmp_path.iterdir()) == []


def test_blob_cache_verifies_before_it_keeps(tmp_path):
    blobs = BlobCache(tmp_path)
    data = b"layer bytes"
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    with pytest.raises(SourceError, match="digest mismatch"):
        blobs.store(digest, len(data), io.BytesIO(b"other bytes"))
    with pytest.raises(SourceError, match=r"truncated \(5 of 11 bytes\)"):
        blobs.store(digest, len(data), io.BytesIO(data[:5]))
    assert blobs.find(digest) is None and list(blobs.dir.iterdir()) == []
    path = blobs.store(digest, len(data), io.BytesIO(data))
    assert path == tmp_path / "blobs" / "sha256" / digest[7:] and path.read_bytes() == data
    with pytest.raises(SourceError, match="not a sha256 digest"):
        blobs.path("sha256:../../etc/passwd")


def test_blob_cache_cap_evicts_least_recently_used_and_skips_huge_blobs(tmp_path):
    blobs = BlobCache(tmp_path, cap=4000)
    digests = []
    for i in range(5):
        data = bytes([i]) * 1000
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        blobs.store(digest, len(data), io.BytesIO(data))
        os.utime(blobs.path(digest), (i, i))  # a clear order of use
        digests.append(digest)
    assert blobs.find(digests[0]) is None  # the oldest went first
    assert all(blobs.find(d) for d in digests[1:])
    assert blobs.fits(1000) and not blobs.fits(1001)  # over a quarter of the cap


def test_clean_removes_blobs_and_leftover_temporaries(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    blobs = BlobCache(cache_root())
    data = b"x" * 10
    blobs.store("sha256:" + hashlib.sha256(data).hexdigest(), 10, io.BytesIO(data))
    (blobs.dir / ".tmp-interrupted").write_bytes(b"partial")
    assert blobs.stats().entries == 1  # a temporary may be another run's write
    assert cli.main(["cache", "clean"]) == 0
    assert list(blobs.dir.iterdir()) == []


def test_unchanged_image_is_answered_from_the_inventory_cache(
    cache_home, image, capsys, monkeypatch
):
    cold = sbom_json(capsys, image)
    loads: list[str] = []
    real = LayerCache.load
    monkeypatch.setattr(
        LayerCache, "load", lambda self, key, ref: loads.append(key) or real(self, key, ref)
    )
    warm = sbom_json(capsys, f"oci-archive:{image}")  # named differently, same image
    assert loads == []  # not even the layer analyses were needed
    assert warm["image"]["source"] == f"oci-archive:{image}"
    for doc in (cold, warm):
        doc.pop("generated"), doc.pop("image")
    assert warm == cold


def test_tar_sizes_are_kept_by_both_caches_beside_the_sources_own(
    cache_home, tmp_path, capsys, monkeypatch
):
    """The uncompressed size measured once comes back from the inventory cache and from the
    layer cache; the stored size is always the source's own, although the same image was
    first cached from another format (same config, same diff_ids, other blobs)."""
    spec = ImageSpec(layers=[{"var/lib/dpkg/status": STATUS}], compression="none")
    gzipped = dataclasses.replace(spec, compression="gzip")
    write_docker_archive(spec, tmp_path / "plain.tar")
    write_oci_archive(gzipped, tmp_path / "gzip.tar")
    tar, blob = (len(build_image(s).layers[0].blob) for s in (spec, gzipped))
    assert tar != blob

    def layer_sizes(source: str) -> tuple[int, int]:
        layer = sbom_json(capsys, source)["image"]["layers"][0]
        return layer["size"], layer["uncompressed_size"]

    assert layer_sizes(f"docker-archive:{tmp_path / 'plain.tar'}") == (tar, tar)
    reads = count_layer_reads(monkeypatch)
    loads: list[str] = []
    real = LayerCache.load
    monkeypatch.setattr(
        LayerCache, "load", lambda self, key, ref: loads.append(key) or real(self, key, ref)
    )
    assert layer_sizes(f"oci-archive:{tmp_path / 'gzip.tar'}") == (blob, tar)
    assert (reads, loads) == ([], [])  # answered by the inventory cache
    shutil.rmtree(cache_home / "dockwise" / "images")
    assert layer_sizes(f"oci-archive:{tmp_path / 'gzip.tar'}") == (blob, tar)
    assert (reads, len(loads)) == ([], 1)  # answered by the layer cache


def test_remembered_fingerprint_is_the_computed_one_and_computed_once(tmp_path):
    """A warm re-scan keys the image cache with the fingerprint an earlier run stored:
    the same value the selector computes, per secrets cap, and computed only once."""
    from dockwise.cache.keys import remembered_fingerprint

    calls = []

    def compute(cap):
        calls.append(cap)
        return Selector.build({"**/a": cap}, []).fingerprint()

    first = remembered_fingerprint(tmp_path, 100, lambda: compute(100))
    again = remembered_fingerprint(tmp_path, 100, lambda: compute(100))
    other = remembered_fingerprint(tmp_path, 200, lambda: compute(200))
    assert first == again == Selector.build({"**/a": 100}, []).fingerprint()
    assert other != first and calls == [100, 200]


def test_a_layer_of_many_entries_round_trips_through_the_streamed_encoding(tmp_path):
    """Entries are written a batch at a time: more than one batch comes back whole."""
    from dockwise.cache.layers import ENCODE_BATCH, LayerCache
    from dockwise.source.filetree import Entry, LayerAnalysis

    ref = LayerRef(0, "sha256:" + "b" * 64, uncompressed_size=7)
    analysis = LayerAnalysis(ref)
    for i in range(ENCODE_BATCH * 2 + 3):
        analysis.entries[f"app/f{i}"] = Entry.shared(0o100644, i % 7, "", 0, 0)
    odd = {"app/new\nline": Entry.shared(0o100644, 1, "", 0, 0),
           b"app/caf\xe9".decode("utf-8", "surrogateescape"): Entry.shared(0o100600, 2, "", 5, 6),
           "app/link": Entry.shared(0o120777, 0, "f1", 0, 0), "app/f0": Entry(0o100644, 0)}
    analysis.entries |= odd  # app/f0 again, an equal Entry that is not the shared one
    analysis.contents["app/f1"] = b"kept\n\n"
    analysis.facts["app/f2"] = {"entries": None}
    cache = LayerCache(tmp_path)
    cache.store("k" * 64, analysis)
    loaded = cache.load("k" * 64, ref)
    assert loaded.entries == analysis.entries and loaded.contents == {"app/f1": b"kept\n\n"}
    assert list(loaded.entries) == list(analysis.entries)  # in tar order
    assert loaded.facts == {"app/f2": {"entries": None}}


HEAD = (b'{"format":3,"uncompressed_size":0,"contents":[],"whiteouts":[],"opaque":[],'
        b'"hardlinks":{},"facts":{},"warnings":[]}\n')


@pytest.mark.parametrize(("lines", "good"), [
    (b'["a"]\n[0]\n[[420,0,"",0,0]]\n', True),
    (b'["a","b"]\n[0]\n[[420,0,"",0,0]]\n', False),  # a kind missing
    (b'["a"]\n[1]\n[[420,0,"",0,0]]\n', False),  # a kind out of range
    (b'["a"]\n[0]\n[[420,0]]\n', False),  # a value cut short
    (b'["a"]\n', False),  # lines missing
], ids=["good", "kinds", "range", "value", "lines"])  # fmt: skip
def test_a_layer_entry_of_bad_structure_is_a_miss(tmp_path, lines, good):
    from dockwise.cache.layers import LayerCache

    cache = LayerCache(tmp_path)
    cache._write("k" * 64, HEAD + lines)
    loaded = cache.load("k" * 64, LayerRef(0, ""))
    assert cache.has("k" * 64) and (loaded is not None) == good


@pytest.mark.parametrize("head", [b"[3]\n", b'{"format":3,"contents":7}\n', b"\xff\n"])
def test_a_layer_entry_whose_header_is_not_the_expected_object_is_a_miss(tmp_path, head):
    from dockwise.cache.layers import LayerCache

    cache = LayerCache(tmp_path)
    cache._write("k" * 64, head + b'["a"]\n[0]\n[[420,0,"",0,0]]\n')
    assert cache.load("k" * 64, LayerRef(0, "")) is None
