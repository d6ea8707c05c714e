"""Incremental re-matching: diff the new database release against the one the fleet was
last matched against, and re-match only the images that the difference can change.

The store keeps a fingerprint per (ecosystem, package) of the advisories of the release
last matched (and the KEV list). A new release's fingerprints differ exactly where an
advisory was added, changed or withdrawn; only the packages looked up under those keys
are judged again, and only the findings of those packages, in the images holding them
(the reverse index), are reconciled. Images never matched, or matched
against another release than the fingerprints', are re-matched too, so a failure half-way
costs a larger next run, never a missed finding.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import Connection

from dockwise.fleet import api
from dockwise.fleet.match import (
    Changes,
    Scope,
    distro_groups,
    match_images,
    record_release,
    units,
)
from dockwise.fleet.schema import advisory_keys, findings, image_packages, images
from dockwise.fleet.sql import chunks, insert_rows
from dockwise.fleet.store import Fleet

Key = tuple[str, str]
KEV = "kev"


def rematch(fleet: Fleet, advisories, release: api.Release, full: bool = False) -> Changes:  # noqa: ANN001
    """Re-match what the release changed (everything when `full`), then record the
    release's fingerprints for the next run to diff against."""
    current = advisories.fingerprints()
    with fleet.engine.begin() as connection:
        release_id = record_release(connection, release)
        baseline, changed = _diff(connection, current)
        if full or baseline is None:  # no fingerprints to diff against yet: everything
            scopes = [Scope()]
        else:
            stale = _stale(connection, baseline)
            holders, packages = _affected(connection, changed)
            scopes = [Scope(sorted(stale)), Scope(sorted(holders - stale), frozenset(packages))]
    changes = match_images(fleet, advisories, release, scopes)
    with fleet.engine.begin() as connection:
        _save(connection, current, changed, release_id)
    return changes


def _diff(connection: Connection, current: dict[Key, str]) -> tuple[int | None, set[Key]]:
    """The release the stored fingerprints describe, and the keys that differ."""
    k = advisory_keys.c
    stored = {(e, p): (d, r) for e, p, d, r in connection.execute(
        sa.select(k.ecosystem, k.package, k.digest, k.release_id))}  # fmt: skip
    baselines = {r for _, r in stored.values()}
    baseline = baselines.pop() if len(baselines) == 1 else None
    keys = current.keys() | stored.keys()
    return baseline, {key for key in keys if current.get(key) != stored.get(key, ("",))[0]}


def _stale(connection: Connection, baseline: int | None) -> set[int]:
    """Images not matched against the fingerprints' release (all, without one)."""
    query = sa.select(images.c.id)
    if baseline is not None:
        query = query.where(sa.or_(images.c.matched_release.is_(None),
                                   images.c.matched_release != baseline))  # fmt: skip
    return set(connection.execute(query).scalars())


def _affected(connection: Connection, changed: set[Key]) -> tuple[set[int], set[int]]:
    """The packages to re-judge: looked up under a changed key, or with a finding whose
    id moved in or out of KEV; and the images holding them."""
    packages = _packages_under(connection, {key for key in changed if key[0] != KEV})
    for batch in chunks(sorted(p for e, p in changed if e == KEV)):
        query = sa.select(findings.c.package_id).where(findings.c.vuln_id.in_(batch))
        packages.update(connection.execute(query).scalars())
    holders: set[int] = set()
    for batch in chunks(sorted(packages)):
        query = sa.select(image_packages.c.image_id).where(image_packages.c.package_id.in_(batch))
        holders.update(connection.execute(query).scalars())
    return holders, packages


def _packages_under(connection: Connection, changed: set[Key]) -> set[int]:
    """Package ids that the matcher looks up under one of the changed keys."""
    if not changed:
        return set()
    groups, _ = distro_groups(connection, None, -1)
    found = set()
    for (distro_id, version, codename), ids in groups.items():
        distro = api.Distro(distro_id, version, codename) if distro_id else None
        for (package_id, _), package in units(connection, ids).items():
            if any(key in changed for key in api.lookup_keys(distro, package)):
                found.add(package_id)
    return found


def _save(connection: Connection, current: dict[Key, str], changed: Iterable[Key],
          release_id: int) -> None:  # fmt: skip
    """Only the changed keys are rewritten; every row then names this release."""
    k = advisory_keys.c
    changed = sorted(changed)
    for batch in chunks(changed):
        connection.execute(advisory_keys.delete().where(
            sa.tuple_(k.ecosystem, k.package).in_(batch)))  # fmt: skip
    rows = [dict(ecosystem=e, package=p, digest=current[(e, p)], release_id=release_id)
            for e, p in changed if (e, p) in current]  # fmt: skip
    if rows:
        insert_rows(connection, advisory_keys, rows)
    connection.execute(advisory_keys.update().where(k.release_id != release_id)
                       .values(release_id=release_id))  # fmt: skip
