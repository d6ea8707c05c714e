"""Wolfi's and Chainguard's secdb: one file each for a rolling distribution (no releases),
in Alpine's secdb format (alpine_secdb.py): {apkurl, archs, reponame, urlprefix,
packages: [{pkg: {name, secfixes: {"<version>": ["CVE-...", "GHSA-..."]}}}]}, the
version "0" listing what never affected their build.

Upstream: `https://packages.wolfi.dev/os/security.json` (Wolfi, os-release ID=wolfi) and
`https://packages.cgr.dev/chainguard/security.json` (Chainguard OS, ID=chainguard), built
from https://github.com/wolfi-dev/advisories. Their records join OSV's `Wolfi` and
`Chainguard` ecosystems: one vulnerability from both sources is one finding (merged by
id and alias), ordered with apk versions.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from dockwise.vulndb.feeds.alpine_secdb import parse_secdb
from dockwise.vulndb.feeds.base import Feed
from dockwise.vulndb.records import Record


def _feed(name: str, ecosystem: str, base: str, mirror_dir: str, path: str) -> Feed:
    def parse(file: Path, where: str) -> Iterator[Record]:
        return parse_secdb(file, where, name, lambda _body, _where: ecosystem)

    return Feed(name, base, mirror_dir, (path,), parse)


WOLFI_FEED = _feed("wolfi-secdb", "Wolfi", "https://packages.wolfi.dev/", "wolfi",
                   "os/security.json")  # fmt: skip
CHAINGUARD_FEED = _feed("chainguard-secdb", "Chainguard", "https://packages.cgr.dev/",
                        "chainguard", "chainguard/security.json")  # fmt: skip
