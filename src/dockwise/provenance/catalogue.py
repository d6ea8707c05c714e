"""A local catalogue of known base images, keyed by their layer chains.

Layers are content-addressed: an image whose first N diff_ids equal the whole chain of
an image we scanned before was built FROM that image (or from one with identical
layers). Every scan can teach it: the image itself under its name, and the base an
annotation named. No vendor catalogue is needed, and nothing leaves the machine.

Names learned from scanned images are only what those images call themselves, so they
stay untrusted (an image must not be able to vouch for another one's base); only
entries the user recorded with `dockwise cache learn-base` are trusted.

Stored at `$XDG_CACHE_HOME/dockwise/bases.json`, part of the cache (`cache info` counts
it, `cache clean` removes it, `--no-cache` neither reads nor writes it).
Written to a temporary file and renamed, so a reader never sees half a file; two scans
learning at once may lose one of the two additions, never corrupt the file.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from dockwise.cache.root import cache_root

FORMAT = 2  # 2: the `trusted` flag; format-1 entries, all learned, are dropped
FILENAME = "bases.json"
MAX_ENTRIES = 5000  # learned entries kept; the oldest are forgotten first


@dataclass(frozen=True, slots=True)
class KnownBase:
    """An image seen before, by name and layer chain."""

    name: str
    diff_ids: tuple[str, ...]
    digest: str = ""
    source: str = ""  # learned: "image <name>", "the base annotation of image <name>";
    # trusted: the SOURCE `cache learn-base` read
    recorded: str = ""  # ISO date
    trusted: bool = False  # recorded by the user, not named by a scanned image


@dataclass(frozen=True, slots=True)
class BaseCatalogue:
    """The known bases; `learn` returns a new catalogue, `save` writes it."""

    path: Path
    entries: tuple[KnownBase, ...] = ()

    @classmethod
    def load(cls, path: Path | None = None) -> BaseCatalogue:
        """The stored catalogue; missing or unreadable starts empty (it is only a cache)."""
        path = path or default_path()
        try:
            doc = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            return cls(path)
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            return cls(path)
        bases = doc.get("bases")
        if not isinstance(bases, list):
            return cls(path)
        return cls(path, tuple(_entry(e) for e in bases if _valid(e)))

    def match(self, chain: tuple[str, ...]) -> KnownBase | None:
        """The known image with the longest chain that is a proper prefix of `chain`; of
        equally long ones, a trusted entry (an image may copy a trusted base's layers)."""
        found = [k for k in self.entries if _proper_prefix(k.diff_ids, chain)]
        return max(found, key=lambda k: (len(k.diff_ids), k.trusted), default=None)

    def learn(self, *bases: KnownBase) -> BaseCatalogue:
        """A catalogue that also knows `bases` (same name and chain: kept once). A learned
        entry never replaces a trusted one, so re-scanning a trusted base keeps it trusted."""
        pinned = {(e.name, e.diff_ids) for e in self.entries if e.trusted}
        new = [b for b in bases if b.name and b.diff_ids]
        new = [b for b in new if b.trusted or (b.name, b.diff_ids) not in pinned]
        keys = {(b.name, b.diff_ids) for b in new}
        merged = [e for e in self.entries if (e.name, e.diff_ids) not in keys] + new
        trusted = tuple(e for e in merged if e.trusted)
        learned = tuple(e for e in merged if not e.trusted)
        return replace(self, entries=trusted + learned[-MAX_ENTRIES:])

    def save(self) -> None:
        """Write atomically (temporary file in the same directory, then rename)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        doc = {"format": FORMAT, "bases": [_dump(e) for e in self.entries]}
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".bases-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(doc, out, indent=1, sort_keys=True)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def clear(self) -> int:
        """Remove the file and leftovers of interrupted saves; returns the entries removed."""
        for leftover in self.path.parent.glob(".bases-*.tmp"):
            leftover.unlink(missing_ok=True)
        self.path.unlink(missing_ok=True)
        return len(self.entries)


def default_path() -> Path:
    """`$XDG_CACHE_HOME/dockwise/bases.json` (read when called, so tests can redirect)."""
    return cache_root() / FILENAME


def _proper_prefix(head: tuple[str, ...], chain: tuple[str, ...]) -> bool:
    return 0 < len(head) < len(chain) and chain[: len(head)] == head


def _valid(item: object) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get("name"), str)
        and isinstance(item.get("diff_ids"), list)
        and all(isinstance(d, str) for d in item["diff_ids"])
    )


def _entry(item: dict) -> KnownBase:
    return KnownBase(
        name=item["name"],
        diff_ids=tuple(item["diff_ids"]),
        digest=str(item.get("digest", "")),
        source=str(item.get("source", "")),
        recorded=str(item.get("recorded", "")),
        trusted=item.get("trusted") is True,
    )


def _dump(entry: KnownBase) -> dict:
    return {
        "name": entry.name,
        "diff_ids": list(entry.diff_ids),
        "digest": entry.digest,
        "source": entry.source,
        "recorded": entry.recorded,
        "trusted": entry.trusted,
    }
