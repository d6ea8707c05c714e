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
# (downloaded file, its URL) -> the absolute URL it points to, or None when it is the data
# itself; ValueError when it cannot be read. For feeds whose data file's name changes with
# every publication and is found through an index (Amazon's mirror.list and repomd.xml).
Locator = Callable[[Path, str], "str | None"]


@dataclass(frozen=True, slots=True)
class Feed:
    """One upstream source: its files are `<base>/<path>` for each of `paths`."""

    name: str  # stable kebab id, used in `db status` and in Advisory.source
    public_base: str  # the real upstream location, ending in "/"
    mirror_dir: str  # the same files under `--mirror URL`: `<URL>/<mirror_dir>/<path>`
    paths: tuple[str, ...]  # URL paths relative to the base, already percent-encoded
    parse: Parser  # (downloaded file, its path) -> records
    follow: Locator | None = None  # set when `paths` name index files, not the data

    def url(self, path: str, mirror: str | None) -> str:
        """The URL of one file, upstream or on the mirror."""
        if mirror:
            return f"{mirror.rstrip('/')}/{self.mirror_dir}/{path}"
        return self.public_base + path

    def rebase(self, url: str, mirror: str | None) -> str:
        """An upstream URL an index names, on the mirror when there is one: a mirror
        that copied the upstream tree verbatim still has upstream URLs in its indexes."""
        if mirror and url.startswith(self.public_base):
            return self.url(url[len(self.public_base) :], mirror)
        return url
