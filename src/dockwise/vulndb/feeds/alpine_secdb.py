"""Alpine secdb: `v3.x/main.json` and `v3.x/community.json`.

Format (https://secdb.alpinelinux.org/, from the APKBUILD `secfixes` comments,
https://wiki.alpinelinux.org/wiki/APKBUILD_Reference#secfixes):
{distroversion: "v3.11", reponame: "main", packages: [{pkg: {name, secfixes:
{"<version>": ["CVE-...", ...]}}}]}. The version "0" lists CVEs that never affected
Alpine's build, so those entries are skipped: there is nothing to match.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

from dockwise.vulndb.advisory import Advisory, Affected, Range
from dockwise.vulndb.feeds import _json as j
from dockwise.vulndb.feeds.base import Feed
from dockwise.vulndb.records import Record, Skipped

SOURCE = "alpine-secdb"
# Every release secdb has published; ones a mirror lacks are a warning, not a failure.
RELEASES = tuple(f"v3.{minor}" for minor in range(2, 23)) + ("edge",)
_NOT_AFFECTED = "0"


def parse(path: Path, name: str) -> Iterator[Record]:
    """One Advisory per (CVE, package, fixed version) in one repository file."""
    return parse_secdb(path, name, SOURCE, _alpine_release)


def _alpine_release(body: dict, name: str) -> str:
    return f"Alpine:{j.text(body, 'distroversion') or name.split('/', 1)[0]}"


def parse_secdb(
    path: Path, name: str, source: str, ecosystem_of: Callable[[dict, str], str]
) -> Iterator[Record]:
    """A file in the secdb format (Alpine's, and Wolfi's and Chainguard's, which have no
    releases); `ecosystem_of(body, name)` names the ecosystem its packages belong to."""
    try:
        body = j.obj(json.loads(path.read_bytes()), "secdb")
        ecosystem = ecosystem_of(body, name)
        packages = j.items(body, "packages")
    except (ValueError, RecursionError) as exc:
        yield Skipped(name, f"not a secdb file ({exc})")
        return
    for index, entry in enumerate(packages):
        try:
            pkg = j.obj(j.obj(entry, "entry").get("pkg"), "pkg")
            yield from _package(pkg, ecosystem, source)
        except ValueError as exc:
            yield Skipped(f"{name}:packages[{index}]", str(exc))


def _package(pkg: dict, ecosystem: str, source: str) -> Iterator[Advisory]:
    name = j.text(pkg, "name")
    if not name:
        raise ValueError("package without a name")
    fixes = j.obj(pkg.get("secfixes") or {}, "secfixes")
    for version in fixes:
        if version == _NOT_AFFECTED:
            continue
        events = (("introduced", "0"), ("fixed", version))
        affected = (Affected(ecosystem, name, (Range("ECOSYSTEM", events),), status="fixed"),)
        for text in j.texts(fixes, version):
            if not text.split():
                continue
            ident, *aliases = text.split()  # "CVE-2019-1 XSA-1" names one issue twice
            yield Advisory(ident, source, aliases=tuple(aliases), affected=affected)


FEED = Feed(
    name="alpine-secdb",
    public_base="https://secdb.alpinelinux.org/",
    mirror_dir="alpine",
    paths=tuple(f"{rel}/{repo}.json" for rel in RELEASES for repo in ("main", "community")),
    parse=parse,
)
