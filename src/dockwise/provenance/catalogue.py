"""A local catalogue of known base images, keyed by their layer chains.

Layers are content-addressed: an image whose first N diff_ids equal the whole chain of
an image we scanned before was built FROM that image (or from one with identical
layers). Every scan can teach it: the image itself under its name, and the base an
annotation named. No vendor catalogue is needed, and nothing leaves the machine.

Stored at `$XDG_CACHE_HOME/dockwise/bases.json` (a cache: losing it only loses hints).
Written to a temporary file and renamed, so a reader never sees half a file; two scans
learning at once may lose one of the two additions, never corrupt the file.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from dockwise.cache import cache_root

FORMAT = 1
FILENAME = "bases.json"
MAX_ENTRIES = 5000  # the oldest are forgotten first


@dataclass(frozen=True, slots=True)
class KnownBase:
    """An image seen before, by name and layer chain."""

    name: str
    diff_ids: tuple[str, ...]
    digest: str = ""
    source: str = ""  # "scanned image" or "annotation of <image>"
    recorded: str = ""  # ISO date


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
        return cls(path, tuple(_entry(e) for e in doc.get("bases", []) if _valid(e)))

    def match(self, chain: tuple[str, ...]) -> KnownBase | None:
        """The known image with the longest chain that is a proper prefix of `chain`."""
        best = None
        for known in self.entries:
            n = len(known.diff_ids)
            if 0 < n < len(chain) and chain[:n] == known.diff_ids:
                if best is None or n > len(best.diff_ids):
                    best = known
        return best

    def learn(self, *bases: KnownBase) -> BaseCatalogue:
        """A catalogue that also knows `bases` (same name and chain: kept once)."""
        keys = {(b.name, b.diff_ids) for b in bases}
        kept = tuple(e for e in self.entries if (e.name, e.diff_ids) not in keys)
        merged = kept + tuple(b for b in bases if b.name and b.diff_ids)
        return replace(self, entries=merged[-MAX_ENTRIES:])

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


def default_path() -> Path:
    """`$XDG_CACHE_HOME/dockwise/bases.json` (read when called, so tests can redirect)."""
    return cache_root() / FILENAME


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
    )


def _dump(entry: KnownBase) -> dict:
    return {
        "name": entry.name,
        "diff_ids": list(entry.diff_ids),
        "digest": entry.digest,
        "source": entry.source,
        "recorded": entry.recorded,
    }
