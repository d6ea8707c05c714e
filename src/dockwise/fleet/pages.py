"""What the server pages through: open findings, the outbox, findings per database
release, and an image's stored result. Kept apart from `queries` (the CLI's answers)
because these are paged by id for an HTTP client, not rendered whole."""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlalchemy as sa

from dockwise.fleet import api
from dockwise.fleet.schema import (
    db_releases,
    findings,
    images,
    notifications,
    packages,
    vulnerabilities,
)
from dockwise.fleet.store import Fleet


@dataclass(frozen=True, slots=True)
class OpenFinding:
    """One open finding of one image, with the release that first reported it."""

    id: int
    digest: str
    vuln_id: str
    package: str  # name@version
    purl: str
    severity: str
    fixed_version: str
    kev: bool
    title: str
    since: str  # built time of the database release that first reported it


@dataclass(frozen=True, slots=True)
class Notification:
    """One outbox roll-up: Clair's `{id, callback}` webhook body names it, GET pages it."""

    id: int
    release_id: int
    created: str
    delivered: str
    body: dict


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """The open findings as of one database release (those it or an earlier one
    reported, not yet resolved by it)."""

    release_id: int
    built: str
    findings: int
    images: int


def open_findings(
    fleet: Fleet, *, digest: str = "", vuln_id: str = "", after: int = 0, limit: int = 100
) -> list[OpenFinding]:
    """Open findings with an id above `after`, by id: a cursor stays valid while rows
    are added, which an offset does not."""
    f, p = findings.c, packages.c
    query = (
        sa.select(f.id, images.c.digest, f.vuln_id, p.name, p.version, p.purl, f.severity,
                  f.fixed_version, f.kev, vulnerabilities.c.title, db_releases.c.built)
        .join_from(findings, packages, f.package_id == p.id)
        .join(vulnerabilities, vulnerabilities.c.vuln_id == f.vuln_id)
        .join(images, images.c.id == f.image_id)
        .join(db_releases, db_releases.c.id == f.first_release)
        .where(f.status == "open", f.id > after).order_by(f.id).limit(limit)
    )  # fmt: skip
    if digest:
        query = query.where(images.c.digest == digest)
    if vuln_id:
        query = query.where(f.vuln_id == vuln_id)
    with fleet.engine.connect() as connection:
        rows = connection.execute(query).all()
    return [OpenFinding(row.id, row.digest, row.vuln_id, f"{row.name}@{row.version}", row.purl,
                        str(api.Severity(row.severity)), row.fixed_version, bool(row.kev),
                        row.title, row.built) for row in rows]  # fmt: skip


def outbox(fleet: Fleet, *, after: int = 0, limit: int = 20) -> list[Notification]:
    """Roll-ups with an id above `after`, oldest first."""
    n = notifications.c
    query = sa.select(n.id, n.release_id, n.created, n.delivered, n.body).where(
        n.id > after).order_by(n.id).limit(limit)  # fmt: skip
    with fleet.engine.connect() as connection:
        rows = connection.execute(query).all()
    return [Notification(row.id, row.release_id, row.created, row.delivered or "",
                         json.loads(row.body)) for row in rows]  # fmt: skip


def notification(fleet: Fleet, notification_id: int) -> Notification | None:
    """One roll-up by id (what a webhook's callback names)."""
    found = outbox(fleet, after=notification_id - 1, limit=1)
    return found[0] if found and found[0].id == notification_id else None


def trend(fleet: Fleet) -> list[TrendPoint]:
    """Open findings and images with any, per database release, oldest first."""
    f, r = findings.c, db_releases.c
    alive = sa.and_(f.first_release <= r.id,
                    sa.or_(f.resolved_release.is_(None), f.resolved_release > r.id))  # fmt: skip
    query = (
        sa.select(r.id, r.built, sa.func.count(f.id), sa.func.count(sa.distinct(f.image_id)))
        .select_from(db_releases).outerjoin(findings, alive).group_by(r.id, r.built)
        .order_by(r.id)
    )  # fmt: skip
    with fleet.engine.connect() as connection:
        return [TrendPoint(*row) for row in connection.execute(query)]


def result_digest(fleet: Fleet, digest: str) -> str:
    """The digest of the whole result stored for an image digest; "" when none is."""
    query = sa.select(images.c.result_digest).where(images.c.digest == digest)
    with fleet.engine.connect() as connection:
        return connection.execute(query).scalar() or ""


def stored_result(fleet: Fleet, digest: str) -> api.ScanResult | None:
    """The whole result the store keeps for an image digest; None when it has none."""
    found = result_digest(fleet, digest)
    return api.decode_result(fleet.results.get(found), digest) if found else None


def result_by_digest(fleet: Fleet, found: str) -> api.ScanResult:
    """A stored result by its own digest (what `result_digest` gives)."""
    return api.decode_result(fleet.results.get(found), found)
