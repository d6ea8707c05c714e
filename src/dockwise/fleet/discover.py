"""`fleet discover registry:HOST[/PREFIX]`: what a registry holds, into the store as
references to scan, not scans.

The registry's catalog and each repository's tags are listed (paged by `Link`), kept
or dropped by include and exclude globs, cut to the highest `--tag-limit` tags per
repository, and each kept tag is resolved to the digest it names now (one manifest
request). Tags are listed and resolved `RESOLVERS` at a time (the requests wait on the
network, not the CPU); each repository's tags are split among at most that many
clients, each with its own connection and token. A tag already stored under the same
digest only has its last-seen time moved; `fleet scan` (or `fleet add`) scans what no
stored image holds yet (`queries.unscanned`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa

from dockwise.fleet import FleetError, api
from dockwise.fleet.ingest import now
from dockwise.fleet.schema import discovered
from dockwise.fleet.sql import upsert
from dockwise.fleet.store import Fleet

SCHEME = "registry:"
RESOLVERS = 8  # requests at once: a registry is not to be flooded by one discovery
NUMBER = re.compile(r"(\d+)")


@dataclass(frozen=True, slots=True)
class Selection:
    """Which tags to keep: globs over `REPOSITORY` (a pattern without `:`) or over
    `REPOSITORY:TAG`; `*` stays within a path segment, `**` crosses them."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    tag_limit: int | None = None

    def wanted(self, repository: str, tag: str) -> bool:
        found = _matches(self.include, repository, tag) if self.include else True
        return found and not _matches(self.exclude, repository, tag)


@dataclass(frozen=True, slots=True)
class Discovered:
    """What one run found: repositories listed, tags kept, and of those the ones new to
    the store or now naming another digest; tags that could not be resolved, by name."""

    repositories: int
    references: int
    new: int
    moved: int
    failed: tuple[str, ...] = ()


def discover(
    fleet: Fleet, target: str, access: api.RegistryAccess, selection: Selection
) -> Discovered:
    """List, select and resolve what `target` (`registry:HOST[/PREFIX]`) holds, and
    record it."""
    host, prefix = parse_target(target)
    found: dict[tuple[str, str], str] = {}
    failed: list[str] = []
    names = list(api.repositories(host, access, prefix))
    with ThreadPoolExecutor(RESOLVERS) as pool:
        chosen = pool.map(lambda name: _chosen(host, name, access, selection), names)
        jobs = [(name, part) for name, tags in zip(names, chosen, strict=True)
                for part in _parts(tags)]  # fmt: skip
        answers = pool.map(lambda job: list(api.tag_digests(host, *job, access)), jobs)
        for (repository, _), resolved in zip(jobs, answers, strict=True):
            for tag, digest in resolved:
                if isinstance(digest, str):
                    found[(repository, tag)] = digest
                else:  # a tag deleted since it was listed, a broken manifest
                    failed.append(f"{repository}:{tag} ({digest})")
    new, moved = _record(fleet, host, found)
    return Discovered(len(names), len(found), new, moved, tuple(failed))


def _chosen(host: str, repository: str, access: api.RegistryAccess,
            selection: Selection) -> list[str]:  # fmt: skip
    kept = [t for t in api.tags(host, repository, access) if selection.wanted(repository, t)]
    return highest(kept, selection.tag_limit)


def _parts(tags: list[str]) -> list[list[str]]:
    """A repository's tags in at most RESOLVERS parts, one client each."""
    size = max(1, math.ceil(len(tags) / RESOLVERS))
    return [tags[start : start + size] for start in range(0, len(tags), size)]


def parse_target(target: str) -> tuple[str, str]:
    """(host, prefix) of `registry:HOST[/PREFIX]`."""
    host, _, prefix = target.removeprefix(SCHEME).partition("/")
    if not target.startswith(SCHEME) or not host:
        raise FleetError(f"{target}: expected registry:HOST[/PREFIX], such as "
                         "registry:registry.example.org/team")  # fmt: skip
    return host, prefix.strip("/")


def highest(tag_names: Sequence[str], limit: int | None) -> list[str]:
    """The `limit` highest tags in natural order (`1.10` above `1.9`), all without one."""
    ordered = sorted(tag_names, key=_natural, reverse=True)
    return ordered if limit is None else ordered[:limit]


def _natural(tag: str) -> tuple:
    return tuple((1, int(part), "") if part.isdigit() else (0, 0, part)
                 for part in NUMBER.split(tag) if part)  # fmt: skip


def _matches(patterns: tuple[str, ...], repository: str, tag: str) -> bool:
    return any(_regex(p).match(f"{repository}:{tag}" if ":" in p else repository)
               for p in patterns)  # fmt: skip


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    return api.glob_regex([pattern])


def _record(fleet: Fleet, host: str, found: dict[tuple[str, str], str]) -> tuple[int, int]:
    """Upsert every reference; (new ones, ones whose tag now names another digest)."""
    d, when = discovered.c, now()
    with fleet.engine.begin() as connection:
        query = sa.select(d.repository, d.tag, d.digest, d.since).where(d.registry == host)
        before = {(r, t): (digest, since) for r, t, digest, since in connection.execute(query)}
        rows = [dict(registry=host, repository=r, tag=t, digest=digest, first_seen=when,
                     since=_since(before.get((r, t)), digest, when), last_seen=when)
                for (r, t), digest in sorted(found.items())]  # fmt: skip
        upsert(connection, discovered, rows, ("registry", "repository", "tag"),
               ("digest", "since", "last_seen"))  # fmt: skip
    new = sum(1 for key in found if key not in before)
    moved = sum(1 for key, digest in found.items() if key in before and before[key][0] != digest)
    return new, moved


def _since(before: tuple[str, str] | None, digest: str, when: str) -> str:
    return before[1] if before and before[0] == digest else when
