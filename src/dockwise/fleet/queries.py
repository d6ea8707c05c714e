"""What the fleet answers: status per image, which images are affected by something,
and one image's history. Each is a few indexed queries, then plain frozen rows that the
command renders as a table or JSON."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache

import sqlalchemy as sa
from sqlalchemy import Connection

from dockwise.fleet import FleetError, api
from dockwise.fleet.archive import ArchiveCheck, stored
from dockwise.fleet.schema import (
    db_releases,
    discovered,
    findings,
    image_packages,
    images,
    packages,
    references,
    scan_runs,
    vulnerabilities,
)
from dockwise.fleet.store import Fleet

VULN_ID = re.compile(r"^[A-Z][A-Z0-9]*-[\w.:-]+$")  # CVE-2024-1, GHSA-xxxx, DSA-5000-1, GO-...
MAX_PACKAGES_SAID = 5
NO_DEBS = ArchiveCheck("not checked: no Debian packages")


@dataclass(frozen=True, slots=True)
class ImageStatus:
    """One line of `fleet status`."""

    name: str  # the most recently seen reference, else the digest
    digest: str
    worst: str  # the worst open finding's severity, "none" without findings
    kev: int
    fixable: int
    eol: str  # the end-of-life finding's title, "" while supported
    age_days: int | None  # since the image was built
    rebuild: tuple[str, ...]  # why a rebuild is needed; empty when it is not
    base: str = ""  # the base: "" (none named), "not checked", "current", "moved"
    archive: str = ""  # "" (never asked), "not checked: why", "current", "upgrades", "fixes"
    upgrades: tuple[api.Upgrade, ...] = ()  # what the archive has newer, and fixes
    archive_checked: str = ""  # when the archive said so; "" for a check of this run


@dataclass(frozen=True, slots=True)
class Affected:
    """One image holding the package (or the vulnerability) asked about."""

    name: str
    digest: str
    package: str  # name@version
    purl: str
    vuln_id: str = ""
    severity: str = ""
    fixed_version: str = ""
    status: str = ""
    epss: float | None = None  # the finding's EPSS score, when the database had one


@dataclass(frozen=True, slots=True)
class AffectedPage:
    """A page of `fleet affected`'s answer and the answer's whole size."""

    total: int
    rows: tuple[Affected, ...]


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    """A scan of the image, or a finding's life over database releases."""

    kind: str  # "scan" or "finding"
    what: str
    first: str  # recorded time (scan), or the built time of the first release (finding)
    last: str = ""
    resolved: str = ""
    status: str = ""


def status(fleet: Fleet, today: date | None = None,
           archive: dict[int, ArchiveCheck] | None = None) -> list[ImageStatus]:  # fmt: skip
    """Every image, worst first: the numbers that decide what to rebuild; `archive`, by
    image id, is what `check_archive` found newer in the distribution's archive (without
    it, the last check kept on each image)."""
    today = today or datetime.now(UTC).date()
    with fleet.engine.connect() as connection:
        totals = _open_totals(connection)
        fixable = _fixable_os_packages(connection)
        rows = connection.execute(sa.select(
            images.c.id, images.c.name, images.c.digest, images.c.created, images.c.distro_id,
            images.c.distro_version, images.c.distro_codename, images.c.base_name,
            images.c.base_digest, images.c.base_latest, images.c.archive_state,
            images.c.archive_upgrades, images.c.archive_checked)).all()  # fmt: skip
    if archive is None:
        checked = {row.id: stored(row.archive_state, row.archive_upgrades, row.archive_checked)
                   for row in rows}  # fmt: skip
    else:
        checked = {row.id: archive.get(row.id, NO_DEBS) for row in rows}
    lines = [_status_line(row, totals, fixable, today, checked.get(row.id))
             for row in rows]  # fmt: skip
    return sorted(lines, key=lambda s: (-_rank(s.worst), -s.kev, -s.fixable, s.name))


def _status_line(row, totals, fixable, today: date,  # noqa: ANN001
                 archive: ArchiveCheck | None) -> ImageStatus:  # fmt: skip
    worst, kev, fixes = totals.get(row.id, (None, 0, 0))
    eol = _end_of_life(row.distro_id, row.distro_version, row.distro_codename, today)
    os_fixes = sorted(fixable.get(row.id, ()))
    reasons = []
    if os_fixes:
        plural = "s" if len(os_fixes) != 1 else ""
        reasons.append(f"a fix is published for {len(os_fixes)} OS package{plural}: "
                       f"{_listed(os_fixes)}")  # fmt: skip
    if archive and archive.fixes:
        reasons.append("the archive has fixes: " + _listed(
            [f"{u.package} {u.available} ({u.suite})" for u in archive.fixes]))  # fmt: skip
    if eol:
        reasons.append(eol)
    base = _base(row)
    if base == "moved":
        reasons.append(f"its base {row.base_name} has a newer digest ({row.base_latest[:19]}…)")
    return ImageStatus(
        row.name or row.digest, row.digest,
        str(api.Severity(worst)) if worst is not None else "none", int(kev or 0),
        int(fixes or 0), eol, _age_days(row.created, today), tuple(reasons), base,
        archive.state if archive else "", archive.upgrades if archive else (),
        archive.checked if archive else "",
    )  # fmt: skip


def _listed(items: list[str]) -> str:
    """The first few, and how many more: a reason stays one readable line."""
    more = len(items) - MAX_PACKAGES_SAID
    return ", ".join(items[:MAX_PACKAGES_SAID]) + (f" and {more} more" if more > 0 else "")


def _base(row: sa.Row) -> str:
    """What the last check of the base's reference in its registry said."""
    if not row.base_name:
        return ""
    if row.base_latest is None:
        return "not checked"
    if not row.base_digest:
        return "not checked: the image names no base digest"
    return "current" if row.base_latest == row.base_digest else "moved"


@cache
def _end_of_life(distro_id: str, version: str, codename: str, today: date) -> str:
    """Asked once per release and day: the fleet has few releases and many images."""
    if not distro_id:
        return ""
    return api.end_of_life(api.Distro(distro_id, version, codename), today)


def _rank(severity: str) -> int:
    return -1 if severity == "none" else int(api.Severity.parse(severity))


def _age_days(created: str, today: date) -> int | None:
    try:
        return (today - datetime.fromisoformat(created.replace("Z", "+00:00")).date()).days
    except ValueError:
        return None


def _open_totals(connection: Connection) -> dict[int, tuple]:
    f = findings.c
    query = (
        sa.select(f.image_id, sa.func.max(f.severity),
                  sa.func.sum(sa.case((f.kev, 1), else_=0)),
                  sa.func.sum(sa.case((f.fixed_version != "", 1), else_=0)))
        .where(f.status == "open").group_by(f.image_id)
    )  # fmt: skip
    return {image_id: rest for image_id, *rest in connection.execute(query)}


def _fixable_os_packages(connection: Connection) -> dict[int, set[str]]:
    """OS packages with a published fix for an open finding: a rebuild (apt-get upgrade,
    apk upgrade) would fix them without touching the application."""
    f, p = findings.c, packages.c
    query = (
        sa.select(f.image_id, p.name).join_from(findings, packages, f.package_id == p.id)
        .where(f.status == "open", f.fixed_version != "", p.type.in_(api.OS_TYPES))
        .distinct()
    )  # fmt: skip
    found: dict[int, set[str]] = defaultdict(set)
    for image_id, name in connection.execute(query):
        found[image_id].add(name)
    return found


def affected(fleet: Fleet, what: str, limit: int | None = None) -> list[Affected]:
    """Images affected by a vulnerability id, or holding a purl or package name (all of
    them without a `limit`)."""
    return list(affected_page(fleet, what, limit).rows)


def affected_page(fleet: Fleet, what: str, limit: int | None) -> AffectedPage:
    """The first `limit` answers in name order, and how many there are: a fleet-wide
    CVE is a row per image, and a page of them with the count is what a person reads.
    One query for the count (of the findings or reverse-index rows alone: their foreign
    keys make the joins one row each) and one for the page, sorted by the database
    (building every row and sorting in Python was half a 20,000-row answer's time)."""
    with fleet.engine.connect() as connection:
        query, counted = (_by_vulnerability(connection, what) if VULN_ID.match(what)
                          else _by_package(what))  # fmt: skip
        total = connection.execute(counted).scalar_one()
        page = query.order_by(*_ORDER)
        rows = connection.execute(page if limit is None else page.limit(limit)).all()
    return AffectedPage(total, tuple(
        Affected(name or digest, digest, f"{package}@{version}", purl, vuln_id,
                 str(api.Severity(severity)) if vuln_id else "", fixed, status, epss)
        for name, digest, package, version, purl, vuln_id, severity, fixed, status, epss in rows
    ))  # fmt: skip


# by name (the digest without one), then package and id: the order both backends give
_ORDER = (sa.func.coalesce(sa.func.nullif(images.c.name, ""), images.c.digest),
          packages.c.name, packages.c.version, sa.literal_column("vuln_id"))  # fmt: skip


def _by_vulnerability(connection: Connection, vuln_id: str) -> tuple[sa.Select, sa.Select]:
    """Open findings under this id; failing that, those that carry it as an alias:
    (the rows, their count)."""
    f, p = findings.c, packages.c
    held = sa.select(f.id).where(f.vuln_id == vuln_id, f.status == "open").limit(1)
    wanted = (
        f.vuln_id == vuln_id
        if connection.execute(held).first()
        else f.vuln_id.in_(_aliased(vuln_id))
    )
    rows = (
        sa.select(images.c.name, images.c.digest, p.name, p.version, p.purl,
                  f.vuln_id, f.severity, f.fixed_version, f.fix_status, f.epss)
        .join_from(findings, packages, f.package_id == p.id)
        .join(images, images.c.id == f.image_id)
        .where(f.status == "open", wanted)
    )  # fmt: skip
    return rows, sa.select(sa.func.count()).where(f.status == "open", wanted)


def _aliased(vuln_id: str) -> sa.Select:
    """The ids of the vulnerabilities that carry this one among their aliases."""
    v = vulnerabilities.c
    return sa.select(v.vuln_id).where(sa.or_(
        v.aliases == vuln_id, v.aliases.like(f"{vuln_id} %"),
        v.aliases.like(f"% {vuln_id}"), v.aliases.like(f"% {vuln_id} %")))  # fmt: skip


def _by_package(what: str) -> tuple[sa.Select, sa.Select]:
    """By purl (exact, or every version of a versionless one), else by package name:
    one probe of the packages index, then the reverse index."""
    p, ip = packages.c, image_packages.c
    if what.startswith("pkg:"):
        wanted = p.purl == what if "@" in what else sa.or_(
            p.purl == what, p.purl.like(f"{what}@%"))  # fmt: skip
    else:
        wanted = p.name == what
    none = sa.literal("")
    rows = (
        sa.select(images.c.name, images.c.digest, p.name, p.version, p.purl,
                  none.label("vuln_id"), sa.literal(0), none, none, sa.null())
        .join_from(image_packages, packages, ip.package_id == p.id)
        .join(images, images.c.id == ip.image_id).where(wanted)
    )  # fmt: skip
    counted = sa.select(sa.func.count()).join_from(
        image_packages, packages, ip.package_id == p.id).where(wanted)  # fmt: skip
    return rows, counted


def history(fleet: Fleet, image: str) -> tuple[str, list[HistoryEvent]]:
    """The image's digest, and its scans and findings in time order."""
    with fleet.engine.connect() as connection:
        image_id, digest = _find_image(connection, image)
        events = _scans(connection, image_id) + _finding_events(connection, image_id)
    return digest, sorted(events, key=lambda e: (e.first, e.kind, e.what))


def _find_image(connection: Connection, name: str) -> tuple[int, str]:
    """By digest (a unique prefix will do), else by reference (`debian:12`)."""
    if name.startswith("sha256:"):
        rows = connection.execute(sa.select(images.c.id, images.c.digest)
                                  .where(images.c.digest.like(f"{name}%"))).all()  # fmt: skip
    else:
        ref = api.parse_reference(name)
        r = references.c
        rows = [] if ref is None else connection.execute(
            sa.select(images.c.id, images.c.digest).join(references, r.image_id == images.c.id)
            .where(r.registry == ref.domain, r.repository == ref.repository, r.tag == ref.tag)
            .order_by(r.last_seen.desc()).limit(1)).all()  # fmt: skip
    if len(rows) != 1:
        problem = "no image" if not rows else f"{len(rows)} images"
        raise FleetError(f"{name}: {problem} in the fleet under that digest or reference")
    return rows[0].id, rows[0].digest


def _scans(connection: Connection, image_id: int) -> list[HistoryEvent]:
    s = scan_runs.c
    query = sa.select(s.recorded, s.kind, s.source, s.analyzer_version).where(
        s.image_id == image_id)  # fmt: skip
    return [HistoryEvent("scan", f"{row.kind} of {row.source} (dockwise {row.analyzer_version})",
                         row.recorded) for row in connection.execute(query)]  # fmt: skip


def _finding_events(connection: Connection, image_id: int) -> list[HistoryEvent]:
    f, p = findings.c, packages.c
    first, last, gone = (db_releases.alias(n) for n in ("first", "last", "gone"))
    query = (
        sa.select(f.vuln_id, p.name, p.version, f.status, first.c.built.label("first"),
                  last.c.built.label("last"), gone.c.built.label("gone"))
        .join_from(findings, packages, f.package_id == p.id)
        .join(first, first.c.id == f.first_release).join(last, last.c.id == f.last_release)
        .outerjoin(gone, gone.c.id == f.resolved_release).where(f.image_id == image_id)
    )  # fmt: skip
    return [HistoryEvent("finding", f"{row.vuln_id} in {row.name}@{row.version}", row.first,
                         row.last, row.gone or "", row.status)
            for row in connection.execute(query)]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Unscanned:
    """A reference `fleet discover` found that no stored image answers for yet."""

    source: str  # `registry:HOST/REPOSITORY:TAG`, as `fleet add` and `scan` take it
    digest: str  # what the tag named when discovered


def unscanned(fleet: Fleet) -> list[Unscanned]:
    """Discovered references to scan: no stored image has their digest, and no image was
    seen under that tag since the tag began naming it (a multi-platform tag names an
    index, while the stored image is the platform's manifest)."""
    d, r = discovered.c, references.c
    held = sa.select(images.c.id).where(images.c.digest == d.digest).exists()
    seen = sa.select(r.id).where(r.registry == d.registry, r.repository == d.repository,
                                 r.tag == d.tag, r.last_seen >= d.since).exists()  # fmt: skip
    query = (sa.select(d.registry, d.repository, d.tag, d.digest)
             .where(~held, ~seen).order_by(d.registry, d.repository, d.tag))  # fmt: skip
    with fleet.engine.connect() as connection:
        return [Unscanned(f"registry:{row.registry}/{row.repository}:{row.tag}", row.digest)
                for row in connection.execute(query)]  # fmt: skip
