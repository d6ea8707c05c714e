"""Incremental re-matching: diff the new database release against the one the fleet was
last matched against, and re-match only the images that the difference can change.

The store keeps a fingerprint per (ecosystem, package) of the advisories of the release
last matched (and the KEV list). A new release's fingerprints differ exactly where an
advisory was added, changed or withdrawn; the packages looked up under those keys lead,
through the reverse index, to the images to re-match. Images never matched, or matched
against another release than the fingerprints', are re-matched too, so a failure half-way
costs a larger next run, never a missed finding.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import Connection

from dockwise.fleet import api
from dockwise.fleet.match import Changes, distro_groups, match_images, record_release, units
from dockwise.fleet.schema import advisory_keys, findings, image_packages, images
from dockwise.fleet.sql import chunks
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
        everything = full or baseline is None  # no fingerprints to diff against yet
        wanted = None if everything else _stale(connection, baseline) | _affected(
            connection, changed)  # fmt: skip
    changes = match_images(fleet, advisories, release, None if wanted is None else sorted(wanted))
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


def _affected(connection: Connection, changed: set[Key]) -> set[int]:
    """Images holding a package looked up under a changed key, or with a finding
    whose id moved in or out of KEV."""
    if not changed:
        return set()
    kev = sorted(p for e, p in changed if e == KEV)
    hit = set()
    for batch in chunks(kev):
        hit |= set(connection.execute(sa.select(findings.c.image_id)
                                      .where(findings.c.vuln_id.in_(batch))).scalars())  # fmt: skip
    packages = _packages_under(connection, {key for key in changed if key[0] != KEV})
    for batch in chunks(sorted(packages)):
        holders = sa.select(image_packages.c.image_id).where(
            image_packages.c.package_id.in_(batch))  # fmt: skip
        hit |= set(connection.execute(holders).scalars())
    return hit


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
        connection.execute(advisory_keys.insert(), rows)
    connection.execute(advisory_keys.update().where(k.release_id != release_id)
                       .values(release_id=release_id))  # fmt: skip
