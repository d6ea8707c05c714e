"""Matching stored inventories against a database release, without pulling anything.

Matching depends only on (distro release, package), so each distinct package of a
distro group is matched once, by the same checker `scan` runs, and its findings fan out
to every image holding it through the reverse index: the work grows with the distinct
packages of the fleet, not with its images. Findings are then reconciled with the
stored ones: new ones opened with this release as first seen, gone ones resolved, the
rest touched. Running it twice against the same release changes nothing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Connection

from dockwise.fleet import api
from dockwise.fleet.ingest import now
from dockwise.fleet.schema import (
    db_releases,
    findings,
    image_packages,
    images,
    notifications,
    vulnerabilities,
)
from dockwise.fleet.schema import packages as package_rows
from dockwise.fleet.sql import chunks, insert_ignore, insert_rows, upsert
from dockwise.fleet.store import Fleet

NOTIFY_AT = api.Severity.MEDIUM  # new findings at or above go in the outbox (and KEV ones)
MATCH_BATCH = 2000  # packages per checker call: bounded memory for any fleet size
# A language package an OS package installed is judged through that OS package; the
# checker only asks whether it has an owner, so the owner's name does not matter here.
OWNED = "os-package"

Unit = tuple[int, bool]  # (package id, installed by an OS package)
Key = tuple[int, int, str]  # (image id, package id, vulnerability id)
# per finding; a vulnerability's aliases and title are stored once per id (`_describe`)
FIELDS = ("severity", "fixed_version", "fix_status", "kev", "epss")
TEXT = ("aliases", "title")
DistroKey = tuple[str, str, str]  # (id, version_id, codename)


@dataclass(frozen=True, slots=True)
class FindingRow:
    """The stored shape of one vulnerability finding of one package."""

    vuln_id: str
    aliases: str
    title: str
    severity: int
    fixed_version: str
    fix_status: str
    kev: bool
    epss: float | None  # the highest EPSS score among its ids, when the database has one

    @classmethod
    def of(cls, finding: api.Finding) -> FindingRow:
        kev = any(key == "kev" for key, _ in finding.evidence)
        return cls(finding.rule_id, " ".join(finding.aliases), finding.title[:500],
                   int(finding.severity), finding.fixed_version, finding.status, kev,
                   _epss(finding.evidence))  # fmt: skip


def _epss(evidence: tuple[tuple[str, str], ...]) -> float | None:
    """From the checker's `epss` evidence, `CVE-... 0.12345 (percentile ...)`."""
    scores = [float(value.split()[1]) for key, value in evidence if key == "epss"]
    return max(scores, default=None)


@dataclass(frozen=True, slots=True)
class Changes:
    """What one matching run changed."""

    release_id: int
    images: int
    opened: int
    resolved: int
    notified: int  # images in this run's outbox roll-up (0: none written)


def record_release(connection: Connection, release: api.Release) -> int:
    """The release's row id, recorded the first time it is seen."""
    insert_ignore(connection, db_releases, [dict(
        digest=release.digest, built=release.built, recorded=now(),
        counts=json.dumps(release.counts, sort_keys=True),
    )], "digest")  # fmt: skip
    query = sa.select(db_releases.c.id).where(db_releases.c.digest == release.digest)
    return connection.execute(query).scalar_one()


@dataclass(frozen=True, slots=True)
class Scope:
    """What one matching run covers: these images (all when None), and of their packages
    only these (all when None): an incremental run re-judges only the packages whose
    advisories changed."""

    image_ids: Sequence[int] | None = None
    package_ids: frozenset[int] | None = None


def match_images(
    fleet: Fleet, advisories: api.AdvisorySource, release: api.Release,
    scopes: Sequence[Scope] = (Scope(),),
) -> Changes:  # fmt: skip
    """Match what the scopes cover in one transaction, outbox roll-up included."""
    with fleet.engine.begin() as connection:
        release_id = record_release(connection, release)
        news: list[News] = []
        opened = resolved = 0
        every: set[int] = set()
        for scope in scopes:
            counts = _match_scope(connection, scope, advisories, release_id, news)
            opened, resolved = opened + counts[0], resolved + counts[1]
            every.update(counts[2])
        for batch in chunks(sorted(every)):
            connection.execute(images.update().where(images.c.id.in_(batch))
                               .values(matched_release=release_id))  # fmt: skip
        notified = write_rollup(connection, release_id, news)
    return Changes(release_id, len(every), opened, resolved, notified)


def _match_scope(
    connection: Connection, scope: Scope, advisories: api.AdvisorySource, release_id: int,
    news: list[News],
) -> tuple[int, int, list[int]]:  # fmt: skip
    """(opened, resolved, images) for one scope; its news appended to `news`."""
    groups, before = distro_groups(connection, scope.image_ids, release_id)
    opened = resolved = 0
    for distro, ids in groups.items():
        found = _match_units(connection, distro, ids, advisories, scope.package_ids)
        _describe(connection, found)
        for batch in chunks(ids):
            current = _current(connection, batch, found, scope.package_ids)
            plan = _plan(current, _stored(connection, batch, scope.package_ids), release_id)
            _write(connection, plan, release_id)
            opened, resolved = opened + plan.opened, resolved + len(plan.gone)
            news.extend(n for n in plan.news if n.image_id in before)
    return opened, resolved, [i for ids in groups.values() for i in ids]


def _describe(connection: Connection, found: dict[Unit, list[FindingRow]]) -> None:
    """Store the aliases and title of each vulnerability found, writing only new or
    changed ones (an upsert of unchanged rows leaves dead tuples on PostgreSQL)."""
    text = {row.vuln_id: (row.aliases, row.title) for rows in found.values() for row in rows}
    v = vulnerabilities.c
    for batch in chunks(sorted(text)):
        stored = connection.execute(
            sa.select(v.vuln_id, v.aliases, v.title).where(v.vuln_id.in_(batch))
        )
        known = {vuln_id: (aliases, title) for vuln_id, aliases, title in stored}
        rows = [dict(vuln_id=i, aliases=text[i][0], title=text[i][1])
                for i in batch if known.get(i) != text[i]]  # fmt: skip
        upsert(connection, vulnerabilities, rows, ("vuln_id",), TEXT)


def _scoped(
    query: sa.Select, image_column: sa.Column, package_column: sa.Column,
    image_ids: Sequence[int], package_ids: frozenset[int] | None,
) -> Iterator[sa.Select]:  # fmt: skip
    """The query per batch of images, and per batch of packages when limited to some."""
    for image_batch in chunks(image_ids):
        limited = query.where(image_column.in_(image_batch))
        if package_ids is None:
            yield limited
            continue
        for package_batch in chunks(sorted(package_ids)):
            yield limited.where(package_column.in_(package_batch))


def distro_groups(
    connection: Connection, image_ids: Sequence[int] | None, release_id: int
) -> tuple[dict[DistroKey, list[int]], set[int]]:
    """Images by distro release; and those matched before against another release,
    whose new findings are news (a new image's first findings are not)."""
    columns = (images.c.id, images.c.distro_id, images.c.distro_version,
               images.c.distro_codename, images.c.matched_release)  # fmt: skip
    groups: dict[DistroKey, list[int]] = defaultdict(list)
    before: set[int] = set()
    selects = (
        [sa.select(*columns)]
        if image_ids is None
        else [sa.select(*columns).where(images.c.id.in_(b)) for b in chunks(image_ids)]
    )
    for query in selects:
        for image_id, distro_id, version, codename, matched in connection.execute(query):
            groups[(distro_id, version, codename)].append(image_id)
            if matched is not None and matched != release_id:
                before.add(image_id)
    return groups, before


def _match_units(
    connection: Connection, distro: DistroKey, image_ids: Sequence[int],
    advisories: api.AdvisorySource, package_ids: frozenset[int] | None,
) -> dict[Unit, list[FindingRow]]:  # fmt: skip
    """Findings of every distinct package these images hold, matched once each."""
    found_units = units(connection, image_ids, package_ids)
    release = api.Distro(distro[0], distro[1], distro[2]) if distro[0] else None
    found: dict[Unit, list[FindingRow]] = defaultdict(list)
    pairs = list(found_units.items())
    for batch in chunks(pairs, MATCH_BATCH):
        by_package = {pkg: unit for unit, pkg in batch}
        for finding in api.match(release, list(by_package), advisories):
            found[by_package[finding.package]].append(FindingRow.of(finding))
    return found


def units(
    connection: Connection, image_ids: Sequence[int], package_ids: frozenset[int] | None = None
) -> dict[Unit, api.Package]:
    """The distinct packages of these images (of these packages only, when given), as
    the checker's Package."""
    p, ip = package_rows.c, image_packages.c
    owned = ip.owned_by != ""
    query = (
        sa.select(p.id, owned, p.name, p.version, p.type, p.purl, p.source_name,
                  p.source_version)
        .join_from(image_packages, package_rows, ip.package_id == p.id).distinct()
    )  # fmt: skip
    found: dict[Unit, api.Package] = {}
    for select in _scoped(query, ip.image_id, ip.package_id, image_ids, package_ids):
        for pid, is_owned, name, version, ptype, purl, source, source_version in (
            connection.execute(select)
        ):  # fmt: skip
            found[(pid, bool(is_owned))] = api.Package(
                name, version, ptype, purl, source_name=source, source_version=source_version,
                owned_by=OWNED if is_owned else "",
            )  # fmt: skip
    return found


def _current(
    connection: Connection, image_ids: Sequence[int], found: dict[Unit, list[FindingRow]],
    package_ids: frozenset[int] | None,
) -> dict[Key, FindingRow]:  # fmt: skip
    """The findings of these images now: their packages' findings, through the index."""
    ip = image_packages.c
    query = sa.select(ip.image_id, ip.package_id, ip.owned_by != "")
    current: dict[Key, FindingRow] = {}
    for select in _scoped(query, ip.image_id, ip.package_id, image_ids, package_ids):
        for image_id, package_id, is_owned in connection.execute(select):
            for row in found.get((package_id, bool(is_owned)), ()):
                current[(image_id, package_id, row.vuln_id)] = row
    return current


def _stored(
    connection: Connection, image_ids: Sequence[int], package_ids: frozenset[int] | None
) -> dict[Key, sa.Row]:
    f = findings.c
    query = sa.select(f.id, f.image_id, f.package_id, f.vuln_id, f.status, f.last_release,
                      *(getattr(f, name) for name in FIELDS))  # fmt: skip
    return {(r.image_id, r.package_id, r.vuln_id): r
            for select in _scoped(query, f.image_id, f.package_id, image_ids, package_ids)
            for r in connection.execute(select)}  # fmt: skip


@dataclass(frozen=True, slots=True)
class News:
    """A finding worth telling: new (or back) with this release, or newly in KEV."""

    image_id: int
    package_id: int
    row: FindingRow
    why: str  # "new" or "kev"


@dataclass(frozen=True, slots=True)
class Plan:
    """The writes that bring a batch's stored findings to what was found."""

    inserts: list[dict]
    updates: list[dict]
    gone: list[int]
    news: list[News]
    reopened: list[int]  # resolved before, found again

    @property
    def opened(self) -> int:
        return len(self.inserts) + len(self.reopened)


def _plan(current: dict[Key, FindingRow], stored: dict[Key, sa.Row], release_id: int) -> Plan:
    plan = Plan([], [], [], [], [])
    for key, row in current.items():
        old = stored.get(key)
        if old is None:
            plan.inserts.append(
                {
                    **_values(row),
                    "image_id": key[0],
                    "package_id": key[1],
                    "first_release": release_id,
                    "last_release": release_id,
                }
            )
        elif old.status != "open" or old.last_release != release_id or _changed(old, row):
            plan.updates.append({**_values(row), "fid": old.id, "last_release": release_id})
            if old.status != "open":
                plan.reopened.append(old.id)
        news = _news(key, row, old)
        if news:
            plan.news.append(news)
    plan.gone.extend(old.id for key, old in stored.items()
                     if old.status == "open" and key not in current)  # fmt: skip
    return plan


def _news(key: Key, row: FindingRow, old: sa.Row | None) -> News | None:
    if old is None or old.status != "open":
        return News(key[0], key[1], row, "new") if _notable(row) else None
    return News(key[0], key[1], row, "kev") if row.kev and not old.kev else None


def _notable(row: FindingRow) -> bool:
    return row.severity >= NOTIFY_AT or row.kev


def _changed(old: sa.Row, row: FindingRow) -> bool:
    return any(getattr(old, name) != getattr(row, name) for name in FIELDS)


def _values(row: FindingRow) -> dict:
    return {**{name: getattr(row, name) for name in FIELDS}, "vuln_id": row.vuln_id,
            "status": "open", "resolved_release": None}  # fmt: skip


def _write(connection: Connection, plan: Plan, release_id: int) -> None:
    if plan.inserts:
        insert_rows(connection, findings, plan.inserts)
    if plan.updates:
        statement = findings.update().where(findings.c.id == sa.bindparam("fid"))
        connection.execute(statement, plan.updates)
    for batch in chunks(plan.gone):
        connection.execute(findings.update().where(findings.c.id.in_(batch))
                           .values(status="resolved", resolved_release=release_id))  # fmt: skip


def write_rollup(connection: Connection, release_id: int, news: Iterable[News]) -> int:
    """One outbox row for the release: a section per image with its new findings and
    KEV additions (Clair sends the most severe only; one digest loses nothing and floods
    nobody). The number of images in it."""
    by_image: dict[int, list[News]] = defaultdict(list)
    for item in news:
        by_image[item.image_id].append(item)
    if not by_image:
        return 0
    digests = dict(
        connection.execute(
            sa.select(images.c.id, images.c.digest).where(images.c.id.in_(list(by_image)))
        ).all()
    )
    names = _package_names(connection, {n.package_id for n in news})
    body = {"release_id": release_id, "images": [
        {"image": digests[image_id], "findings": [
            {"vuln_id": n.row.vuln_id, "package": names[n.package_id], "why": n.why,
             "severity": str(api.Severity(n.row.severity)), "kev": n.row.kev,
             "epss": n.row.epss,
             "fixed_version": n.row.fixed_version} for n in items]}
        for image_id, items in sorted(by_image.items())]}  # fmt: skip
    connection.execute(
        notifications.insert().values(
            release_id=release_id, created=now(), body=json.dumps(body, sort_keys=True)
        )
    )
    return len(by_image)


def _package_names(connection: Connection, ids: set[int]) -> dict[int, str]:
    p = package_rows.c
    query = sa.select(p.id, p.name, p.version).where(p.id.in_(list(ids)))
    return {pid: f"{name}@{version}" for pid, name, version in connection.execute(query)}
