"""Coverage: for each group of packages the matcher looks up the same way (one distro
release, one language ecosystem), whether the database holds advisories for it.

A scan that finds nothing is only clean when the database had something to find: a
database with no Debian 12 advisories must say "unknown for 114 Debian 12 packages", not
"0 vulnerabilities" (issue 13). Language packages and binaries an OS package installed
are judged through that package (checker.distro_owned), so they count in its group.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable

from dockwise.checks.vulns.checker import distro_owned
from dockwise.checks.vulns.ecosystems import language_ecosystem, os_ecosystems, package_distro
from dockwise.model import (
    COVERAGE_STATES,
    OS_PACKAGE_TYPES,
    CoverageGroup,
    Distro,
    Inventory,
    Package,
    ScanResult,
    ScanWarning,
)
from dockwise.vulndb.coverage import DatabaseCoverage

COVERED, NO_DATA, FEED_MISSING, NOT_SUPPORTED = COVERAGE_STATES
SHOWN_PROBLEMS = 3  # feed files named in a reason; the rest are counted

GroupKey = tuple[str, Distro | None, str]  # (package type, release, language ecosystem)


def with_coverage(result: ScanResult, database: DatabaseCoverage | None) -> ScanResult:
    """The result with the database it was checked against, its coverage, and a warning
    per group that is not covered (the report's warnings; `scan` also prints them)."""
    if database is None:  # an advisory source that is not a database (tests' fakes)
        return result
    groups = assess(result.inventory, database)
    warnings = tuple(ScanWarning(g.sentence) for g in groups if not g.covered)
    inventory = dataclasses.replace(
        result.inventory, warnings=(*result.inventory.warnings, *warnings)
    )
    return dataclasses.replace(result, inventory=inventory, database=database.info, coverage=groups)


def assess(inventory: Inventory, database: DatabaseCoverage) -> tuple[CoverageGroup, ...]:
    """One group per release and ecosystem: OS releases first, then languages, by label."""
    keys = {pkg.key: _group_key(pkg, inventory.distro) for pkg in inventory.packages}
    own: Counter[GroupKey] = Counter()
    owned: Counter[GroupKey] = Counter()
    for pkg in inventory.packages:
        owner = keys.get(pkg.owned_by) if distro_owned(pkg) else None
        if owner is not None:
            owned[owner] += 1
        else:
            own[keys[pkg.key]] += 1
    groups = [_group(key, own[key], owned[key], database) for key in own]
    return tuple(sorted(groups, key=lambda g: (g.type not in OS_PACKAGE_TYPES, g.label, g.type)))


def _group_key(pkg: Package, distro: Distro | None) -> GroupKey:
    if pkg.type in OS_PACKAGE_TYPES:
        return pkg.type, package_distro(pkg, distro), ""
    return pkg.type, None, language_ecosystem(pkg)


def _group(key: GroupKey, count: int, owned: int, database: DatabaseCoverage) -> CoverageGroup:
    ptype, release, language = key
    if ptype in OS_PACKAGE_TYPES:
        return _release_group(ptype, release, count, owned, database)
    if not language:
        reason = f"dockwise has no advisory source for {ptype} packages"
        return CoverageGroup(ptype, ptype, NOT_SUPPORTED, count, owned, reason=reason)
    return _judged(CoverageGroup(ptype, language, COVERED, count, owned, (language,)), database)


def _release_group(
    ptype: str, release: Distro | None, count: int, owned: int, database: DatabaseCoverage
) -> CoverageGroup:
    if release is None:
        reason = "no distro release: neither the package's purl nor the image names one"
        return CoverageGroup(ptype, f"{ptype} (release unknown)", NOT_SUPPORTED, count, owned,
                             reason=reason)  # fmt: skip
    ecosystems = os_ecosystems(release)
    family = ecosystems[0].split(":")[0] if ecosystems else release.id
    label = f"{family} {release.version_id}".strip()
    if not ecosystems:
        reason = f"dockwise has no advisory source for {label}"
        return CoverageGroup(ptype, label, NOT_SUPPORTED, count, owned, reason=reason)
    return _judged(CoverageGroup(ptype, label, COVERED, count, owned, ecosystems), database)


def _judged(group: CoverageGroup, database: DatabaseCoverage) -> CoverageGroup:
    """The state of a group the matcher can look up: a feed file that should hold its
    advisories went wrong, or the database has none, or it is covered."""
    held = database.count(group.ecosystems)
    problems = database.problems(group.ecosystems)
    if problems:
        state = FEED_MISSING
        reason = f"the feed that holds {group.label} advisories was not read ({_first(problems)})"
    elif not held:
        state, reason = NO_DATA, f"the database has no {group.label} advisories"
    else:
        state, reason = COVERED, ""
    return dataclasses.replace(group, state=state, advisories=held, reason=reason)


def _first(items: Iterable[str]) -> str:
    listed = list(items)
    more = len(listed) - SHOWN_PROBLEMS
    return ", ".join(listed[:SHOWN_PROBLEMS]) + (f", +{more} more" if more > 0 else "")
