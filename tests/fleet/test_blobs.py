"""The file store of whole results: a zstd dictionary trained once per store, named by
each file that uses it, and every result read back byte for byte."""

from __future__ import annotations

import json
import random

import pytest
import zstandard

from dockwise.fleet import FleetError
from dockwise.fleet.blobs import DICTIONARIES, TRAIN_FROM, ResultFiles


def results(count: int, seed: int = 0) -> list[bytes]:
    """Alike documents, as a fleet's results are: the same packages, a few versions
    and digests differing."""
    rng = random.Random(seed)
    return [json.dumps({
        "image": {"digest": f"sha256:{rng.getrandbits(256):064x}"},
        "packages": [{"name": f"lib{n}", "version": f"1.{n}-{rng.randrange(3)}",
                      "purl": f"pkg:deb/debian/lib{n}@1.{n}?arch=amd64&distro=debian-12"}
                     for n in range(300)],
    }).encode() for _ in range(count)]  # fmt: skip


def dict_id(store: ResultFiles, digest: str) -> int:
    return zstandard.get_frame_parameters(store.path(digest).read_bytes()).dict_id


def test_a_dictionary_is_trained_once_and_files_name_it(tmp_path):
    store = ResultFiles(tmp_path)
    few = results(TRAIN_FROM - 1)
    early = [store.put(data) for data in few]  # one at a time: too few to train on
    assert not (tmp_path / DICTIONARIES).exists()
    assert {dict_id(store, d) for d in early} == {0}
    later = store.put_many(results(5, seed=1))  # the stored ones complete the samples
    [dictionary] = (tmp_path / DICTIONARIES).glob("*.zdict")
    assert {dict_id(store, d) for d in later} == {int(dictionary.stem)}
    more = store.put_many(results(TRAIN_FROM, seed=2))  # kept: not trained again
    assert list((tmp_path / DICTIONARIES).glob("*.zdict")) == [dictionary]
    assert {dict_id(store, d) for d in more} == {int(dictionary.stem)}
    fresh = ResultFiles(tmp_path)  # another process: reads the dictionary from disk
    for digest, data in zip(early + later, few + results(5, seed=1), strict=True):
        assert fresh.get(digest) == data


def test_the_dictionary_makes_alike_results_smaller(tmp_path):
    batch = results(TRAIN_FROM * 2)
    plain = sum(len(zstandard.ZstdCompressor(level=3).compress(data)) for data in batch)
    store = ResultFiles(tmp_path)
    store.put_many(batch)
    packed = sum(store.path(d).stat().st_size for d in store.put_many(batch))
    assert packed < plain / 2


def test_a_missing_dictionary_is_one_line(tmp_path):
    store = ResultFiles(tmp_path)
    [digest, *_] = store.put_many(results(TRAIN_FROM))
    for path in (tmp_path / DICTIONARIES).glob("*.zdict"):
        path.unlink()
    with pytest.raises(FleetError, match="the dictionary .* is missing") as caught:
        store.get(digest)
    assert "\n" not in str(caught.value)
