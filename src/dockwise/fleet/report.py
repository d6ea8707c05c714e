"""`fleet report -f html|json|markdown`: the fleet page.

Images by risk (the `fleet status` lines, worst first), what changed with the latest
database release (findings it opened and resolved), and the trend: findings opened and
resolved by each release, and those open after it. Collected once as frozen rows; JSON
is those rows, Markdown a few tables, HTML one self-contained page built with the image
report's pieces (its stylesheet, escaping, CSP and SVG bar charts): no external asset,
no script, readable as it is.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Connection

from dockwise.fleet import api
from dockwise.fleet.ingest import now
from dockwise.fleet.pages import trend
from dockwise.fleet.queries import ImageStatus, status
from dockwise.fleet.schema import db_releases, findings, images, packages
from dockwise.fleet.store import Fleet

TREND_RELEASES = 12  # releases in the trend chart; the JSON has them all
ROWS_SHOWN = 200  # changes listed in HTML and Markdown; the JSON has them all
SEVERITY_WORDS = [str(s) for s in api.SEVERITIES]


@dataclass(frozen=True, slots=True)
class ReleasePoint:
    """One database release in the trend."""

    digest: str
    built: str
    opened: int  # findings this release reported first
    resolved: int  # findings this release resolved
    open: int  # findings open after it
    images: int  # images holding them


@dataclass(frozen=True, slots=True)
class Change:
    """A finding the latest release opened or resolved."""

    change: str  # "new" or "resolved"
    image: str
    package: str
    vuln_id: str
    severity: str
    fixed_version: str
    kev: bool
    epss: float | None


@dataclass(frozen=True, slots=True)
class FleetReport:
    generated: str
    release: ReleasePoint | None  # the latest release matched; None before any
    images: tuple[ImageStatus, ...]
    changes: tuple[Change, ...]
    trend: tuple[ReleasePoint, ...]


def build(fleet: Fleet) -> FleetReport:
    lines, points = tuple(status(fleet)), _trend(fleet)
    with fleet.engine.connect() as connection:
        changes = _changes(connection, points[-1]) if points else ()
    return FleetReport(now(), points[-1] if points else None, lines, changes, points)


def _trend(fleet: Fleet) -> tuple[ReleasePoint, ...]:
    """Each release in the order recorded: the findings open after it and the images
    holding them (`pages.trend`), and the findings it opened and resolved."""
    f, r = findings.c, db_releases.c
    with fleet.engine.connect() as connection:
        opened = dict(connection.execute(sa.select(f.first_release, sa.func.count())
                                         .group_by(f.first_release)).all())  # fmt: skip
        resolved = dict(connection.execute(sa.select(f.resolved_release, sa.func.count())
                                           .where(f.resolved_release.is_not(None))
                                           .group_by(f.resolved_release)).all())  # fmt: skip
        digests = dict(connection.execute(sa.select(r.id, r.digest)).all())
    return tuple(ReleasePoint(digests[p.release_id], p.built, opened.get(p.release_id, 0),
                              resolved.get(p.release_id, 0), p.findings, p.images)
                 for p in trend(fleet))  # fmt: skip


def _changes(connection: Connection, latest: ReleasePoint) -> tuple[Change, ...]:
    f, p = findings.c, packages.c
    release_id = connection.execute(
        sa.select(db_releases.c.id).where(db_releases.c.digest == latest.digest)).scalar_one()
    query = (
        sa.select(images.c.name.label("image"), images.c.digest, p.name, p.version, f.vuln_id,
                  f.severity, f.fixed_version, f.kev, f.epss, f.first_release,
                  f.resolved_release)
        .join_from(findings, packages, f.package_id == p.id)
        .join(images, images.c.id == f.image_id)
        .where(sa.or_(f.first_release == release_id, f.resolved_release == release_id))
    )  # fmt: skip
    rows = [Change("resolved" if row.resolved_release == release_id else "new",
                   row.image or row.digest, f"{row.name}@{row.version}",
                   row.vuln_id, str(api.Severity(row.severity)), row.fixed_version,
                   bool(row.kev), row.epss) for row in connection.execute(query)]  # fmt: skip
    return tuple(sorted(rows, key=lambda c: (c.change, -_rank(c.severity), c.image, c.vuln_id)))


def _rank(severity: str) -> int:
    return int(api.Severity.parse(severity))


def to_json(report: FleetReport) -> str:
    return json.dumps(dataclasses.asdict(report), indent=2) + "\n"


def to_markdown(report: FleetReport) -> str:
    md = api.markdown_cell
    rebuild = sum(1 for line in report.images if line.rebuild)
    out = ["# dockwise fleet report", "",
           f"{len(report.images)} images, {rebuild} need a rebuild. "
           + (f"Latest database release built {report.release.built}." if report.release
              else "No database release matched yet."), "",
           "## Images by risk", "", "| image | worst | KEV | fixable | EOL | rebuild needed |",
           "|---|---|---|---|---|---|"]  # fmt: skip
    out += [f"| {md(s.name)} | {s.worst} | {s.kev} | {s.fixable} | {md(s.eol) or '-'} | "
            f"{md('; '.join(s.rebuild)) or 'no'} |" for s in report.images]  # fmt: skip
    out += ["", "## What the latest release changed", ""]
    out += (["| change | image | package | vulnerability | severity | fixed in |",
             "|---|---|---|---|---|---|"] if report.changes else ["Nothing."])  # fmt: skip
    out += [f"| {c.change} | {md(c.image)} | {md(c.package)} | {md(c.vuln_id)} | {c.severity} "
            f"| {md(c.fixed_version) or '-'} |" for c in report.changes[:ROWS_SHOWN]]  # fmt: skip
    out += _more(len(report.changes))
    out += ["", "## Findings per release", "", "| release built | new | resolved | open |",
            "|---|---|---|---|"]  # fmt: skip
    out += [f"| {md(t.built)} | {t.opened} | {t.resolved} | {t.open} |" for t in report.trend]
    return "\n".join(out) + "\n"


def _more(total: int) -> list[str]:
    return ["", f"... and {total - ROWS_SHOWN} more (`-f json` has them all)."] if (
        total > ROWS_SHOWN) else []  # fmt: skip


def to_html(report: FleetReport) -> str:
    return api.render_page("fleet.html.j2", _view(report))


def _view(report: FleetReport) -> dict:
    """What the template lays out: cards, charts, and the rows."""
    worst = Counter(line.worst for line in report.images)
    severity_bars = [api.Bar(word, worst[word], str(worst[word]),
                             api.SEVERITY_COLOURS[api.Severity.parse(word)])
                     for word in SEVERITY_WORDS if word != "unknown"]  # fmt: skip
    trend = report.trend[-TREND_RELEASES:]
    trend_bars = [api.Bar(t.built[:10] or t.digest[7:17], t.open, str(t.open),
                          tooltip=f"{t.opened} new, {t.resolved} resolved")
                  for t in trend]  # fmt: skip
    rebuild = sum(1 for line in report.images if line.rebuild)
    cards = [("images", str(len(report.images)), ""),
             ("need a rebuild", str(rebuild), "bad" if rebuild else "good"),
             ("with KEV findings", str(sum(1 for s in report.images if s.kev)), ""),
             ("new with the latest release",
              str(sum(1 for c in report.changes if c.change == "new")), ""),
             ("resolved with it",
              str(sum(1 for c in report.changes if c.change == "resolved")), "")]  # fmt: skip
    return {
        "generated": report.generated, "release": report.release, "cards": cards,
        "charts": [("Images by worst open finding", api.bar_chart(severity_bars, "worst")),
                   ("Open findings after each release", api.bar_chart(trend_bars, "trend"))],
        "images": report.images, "changes": report.changes[:ROWS_SHOWN],
        "more": max(0, len(report.changes) - ROWS_SHOWN), "trend": report.trend,
    }  # fmt: skip
