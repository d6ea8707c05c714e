"""`dockwise outdated`: which of an image's OS packages the distribution has newer
versions of, and which advisories those versions fix: the signal to rebuild."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dockwise.build.indices import Candidate
from dockwise.model import ScanResult
from dockwise.versions.dpkg import compare


@dataclass(frozen=True, slots=True)
class Upgrade:
    """A newer version the archive has of one installed package."""

    package: str
    installed: str
    available: str
    suite: str
    fixes: tuple[str, ...]  # advisories whose fixed version is at most `available`

    @property
    def security(self) -> bool:
        """From the security suite, or fixing a known advisory."""
        return self.suite.endswith("-security") or bool(self.fixes)


def upgrades(result: ScanResult, candidates: Iterable[Candidate]) -> list[Upgrade]:
    """The newest candidate of each installed deb package that is newer than it."""
    newest: dict[str, Candidate] = {}
    for candidate in candidates:
        best = newest.get(candidate.package)
        if best is None or compare(candidate.version, best.version) > 0:
            newest[candidate.package] = candidate
    found = []
    for package in sorted(debs(result), key=lambda p: p.name):
        best = newest.get(package.name)
        if best is None or compare(best.version, package.version) <= 0:
            continue
        found.append(Upgrade(package.name, package.version, best.version, best.suite,
                             _fixes(result, package.name, best.version)))  # fmt: skip
    return found


def debs(result: ScanResult) -> list:
    return [p for p in result.inventory.packages if p.type == "deb"]


def _fixes(result: ScanResult, name: str, version: str) -> tuple[str, ...]:
    ids = {
        f.rule_id
        for f in result.findings
        if f.kind == "vulnerability" and f.package is not None and f.package.name == name
        and f.fixed_version and compare(f.fixed_version, version) <= 0
    }
    return tuple(sorted(ids))
