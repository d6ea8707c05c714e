"""What a feed is: where its files live upstream and on a mirror, and how to parse one.

Downloading is the same for every feed (update.py), so a feed is data plus one pure
`parse(path, name)` function: adding a feed is a module here and one line in FEEDS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from dockwise.vulndb.records import Record

Parser = Callable[[Path, str], Iterable[Record]]


@dataclass(frozen=True, slots=True)
class Feed:
    """One upstream source: its files are `<base>/<path>` for each of `paths`."""

    name: str  # stable kebab id, used in `db status` and in Advisory.source
    public_base: str  # the real upstream location, ending in "/"
    mirror_dir: str  # the same files under `--mirror URL`: `<URL>/<mirror_dir>/<path>`
    paths: tuple[str, ...]  # URL paths relative to the base, already percent-encoded
    parse: Parser  # (downloaded file, its path) -> records
    # A feed whose upstream renames its files daily (Red Hat's `archive_latest.txt` names
    # the day's archive) lists them in one file: `listed(its text)` gives the paths then.
    listing: str = ""
    listed: Callable[[str], tuple[str, ...]] | None = None

    def url(self, path: str, mirror: str | None) -> str:
        """The URL of one file, upstream or on the mirror."""
        if mirror:
            return f"{mirror.rstrip('/')}/{self.mirror_dir}/{path}"
        return self.public_base + path
