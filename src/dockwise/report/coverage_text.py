"""The database and coverage lines every human format shows in the same words (table,
HTML, Markdown), so "what was checked" reads the same wherever it is read."""

from __future__ import annotations

from dockwise.model import CoverageGroup, DatabaseInfo


def database_line(info: DatabaseInfo) -> str:
    """`/var/cache/dockwise/db/dockwise.db (schema 1, built 2026-12-03T06:24:08Z)`, and
    the feeds a partial build lacked."""
    incomplete = [f"{f.name} {f.status}" for f in info.feeds if f.status != "ok"]
    partial = f"; partial: {', '.join(incomplete) or 'see db status'}" if info.partial else ""
    built = info.built or "at an unknown time"
    return f"{info.path} (schema {info.schema or '?'}, built {built}{partial})"


def group_cells(group: CoverageGroup) -> tuple[str, str, str, str]:
    """(group, packages, state, detail) for one row of a coverage table."""
    owned = f" (+{group.owned} installed by them)" if group.owned else ""
    detail = group.reason or f"{group.advisories} advisories in {', '.join(group.ecosystems)}"
    return group.label, f"{group.packages} {group.type}{owned}", group.state, detail
