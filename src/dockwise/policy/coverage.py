"""The gate's coverage rule: a package group the database did not cover fails the gate,
naming it, unless the policy accepts it (`allow-uncovered`); an accepted one stays a
warning. It applies whenever a policy runs, because a clean verdict over packages nobody
checked is the silent false clean of issue 13 (docs/coverage.md)."""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase

from dockwise.model import CoverageGroup

RULE = "coverage"


def coverage_breaches(
    groups: Sequence[CoverageGroup], allowed: Sequence[str]
) -> tuple[str | None, str | None]:
    """(the reason to fail, the reason to warn), None for each that does not apply."""
    uncovered = [g for g in groups if not g.covered]
    accepted = [g for g in uncovered if is_allowed(g, allowed)]
    refused = [g for g in uncovered if g not in accepted]
    fail = f"not covered by the database: {_names(refused)}" if refused else None
    warn = f"not covered, accepted by allow-uncovered: {_names(accepted)}" if accepted else None
    return fail, warn


def is_allowed(group: CoverageGroup, allowed: Sequence[str]) -> bool:
    """An entry names the group by package type (`deb`), label (`Debian 12`) or OSV
    ecosystem (`Debian:12`), as a case-insensitive glob (`Debian:*`, `*`)."""
    names = [n.lower() for n in (group.type, group.label, *group.ecosystems)]
    return any(fnmatchcase(n, pattern.lower()) for pattern in allowed for n in names)


def _names(groups: Sequence[CoverageGroup]) -> str:
    return "; ".join(f"{g.label} ({g.packages} {g.type} packages: {g.state})" for g in groups)
