"""The content-addressed file store of whole results, beside the database.

A result (the JSON codec's bytes) is kept once under the sha256 of those bytes,
zstd-compressed: rows reference it by digest and never hold it. Files are written to a
temporary name and renamed, so a reader never sees half a result.

A fleet's results are alike (the same base packages, the same advisories), so once the
store holds `TRAIN_FROM` results a zstd dictionary is trained from them, once per store,
and every later file is compressed with it: about a quarter of the size. The dictionary
is kept in the store (`dictionaries/<id>.zdict`, never rewritten) and each file names it
by the dictionary id zstd writes in the frame header; files written before it stay
readable as they are.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import zstandard

from dockwise.fleet import FleetError

LEVEL = 3  # zstd's default: a 130 KB result in about 1 ms, to about a tenth of its size
TRAIN_FROM = 20  # results before training: fewer would describe one image, not the fleet
TRAIN_SAMPLES = 100  # results read to train on: past this the dictionary gains little
DICTIONARY_SIZE = 110_000  # zstd's own default size (`zstd --train`)
# fastcover with fixed parameters (the best of a few tried on the bench's fleet): 0.1 s
# for 100 results, where letting zstd search for parameters took 23 s
TRAINING = {"k": 2048, "d": 8, "f": 20}
DICTIONARIES = "dictionaries"


@dataclass(frozen=True, slots=True)
class ResultFiles:
    """`root/sha256/ab/<hex>.json.zst`, keyed by the digest of the uncompressed bytes."""

    root: Path

    def put(self, data: bytes) -> str:
        """Store `data` (a no-op when already there); its digest."""
        return self.put_many([data])[0]

    def put_many(self, items: Sequence[bytes]) -> list[str]:
        """Store each of `items`, one compressor for all: their digests."""
        compressor: zstandard.ZstdCompressor | None = None
        digests = []
        for data in items:
            digest = "sha256:" + hashlib.sha256(data).hexdigest()
            path = self.path(digest)
            if not path.is_file():
                compressor = compressor or self._compressor(items)
                _write(path, compressor.compress(data))
            digests.append(digest)
        return digests

    def get(self, digest: str) -> bytes:
        """The bytes stored under `digest`; a missing file is a FleetError."""
        path = self.path(digest)
        try:
            packed = path.read_bytes()
            dict_id = zstandard.get_frame_parameters(packed).dict_id
            dictionary = _dictionary(self.root / DICTIONARIES, dict_id) if dict_id else None
            return zstandard.ZstdDecompressor(dict_data=dictionary).decompress(packed)
        except (OSError, zstandard.ZstdError) as exc:
            raise FleetError(f"{path}: stored result unreadable ({exc})") from None

    def path(self, digest: str) -> Path:
        algorithm, _, hexdigest = digest.partition(":")
        return self.root / algorithm / hexdigest[:2] / f"{hexdigest}.json.zst"

    def size(self) -> int:
        """Bytes on disk (the dictionary included), for the benchmark."""
        return sum(p.stat().st_size for pattern in ("*.zst", "*.zdict")
                   for p in self.root.rglob(pattern))  # fmt: skip

    def _compressor(self, items: Sequence[bytes]) -> zstandard.ZstdCompressor:
        """With the store's dictionary; one trained now if the store (with `items`)
        has enough results and none yet."""
        folder = self.root / DICTIONARIES
        found = sorted(folder.glob("*.zdict"))
        if found:
            dictionary = _dictionary(folder, int(found[0].stem))
        else:
            dictionary = self._train(items)
        return zstandard.ZstdCompressor(level=LEVEL, dict_data=dictionary)

    def _train(self, items: Sequence[bytes]) -> zstandard.ZstdCompressionDict | None:
        """A dictionary from these results and those stored, kept in the store; None
        while there are too few. Two writers training at once keep two dictionaries:
        each file names its own, so both read back."""
        samples = list(items[:TRAIN_SAMPLES])
        if len(samples) < TRAIN_FROM:
            samples += self._stored_samples(TRAIN_SAMPLES - len(samples))
        if len(samples) < TRAIN_FROM:
            return None
        try:
            trained = zstandard.train_dictionary(DICTIONARY_SIZE, samples, level=LEVEL,
                                                 **TRAINING)  # fmt: skip
        except zstandard.ZstdError:  # samples too small or too alike to learn from
            return None
        path = self.root / DICTIONARIES / f"{trained.dict_id()}.zdict"
        if not path.is_file():
            _write(path, trained.as_bytes())
        return trained

    def _stored_samples(self, count: int) -> list[bytes]:
        """Up to `count` stored results (all without a dictionary: none was trained)."""
        found = []
        for path in (self.root / "sha256").glob("*/*.json.zst"):
            try:
                found.append(zstandard.ZstdDecompressor().decompress(path.read_bytes()))
            except (OSError, zstandard.ZstdError):
                continue  # unreadable: `get` says so when asked for it
            if len(found) >= count:
                break
        return found


@lru_cache(maxsize=8)
def _dictionary(folder: Path, dict_id: int) -> zstandard.ZstdCompressionDict:
    """The store's dictionary by the id a frame names, read once per process."""
    try:
        return zstandard.ZstdCompressionDict((folder / f"{dict_id}.zdict").read_bytes())
    except OSError as exc:
        raise FleetError(f"{folder}: the dictionary {dict_id} a result names is missing "
                         f"({exc.strerror})") from None  # fmt: skip


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as tmp:
        tmp.write(data)
    os.replace(tmp.name, path)
