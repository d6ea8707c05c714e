"""`dockwise outdated`: which of an image's OS packages the distribution has newer
versions of, and which advisories those versions fix: the signal to rebuild. The fleet's
`status --check-archive` asks the same question of many images at once, through
`compare_with_archive`, so both read the archive the same way."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dockwise.build.indices import Candidate, available
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


@dataclass(frozen=True, slots=True)
class Installed:
    """What the archive is compared with: an image's deb packages, and the fixed
    versions of its open vulnerability findings. A scan result or a fleet's stored rows
    give it, so both compare by the one rule below."""

    packages: tuple[tuple[str, str], ...]  # (name, version)
    fixed: tuple[tuple[str, str, str], ...] = ()  # (package, fixed version, advisory)


def installed(result: ScanResult) -> Installed:
    """A scan result's deb packages and the fixes its findings name."""
    fixed = tuple(
        (f.package.name, f.fixed_version, f.rule_id) for f in result.findings
        if f.kind == "vulnerability" and f.package is not None and f.fixed_version
    )  # fmt: skip
    return Installed(tuple((p.name, p.version) for p in debs(result)), fixed)


def compare_with_archive(
    images: Sequence[Installed], sources: tuple[str, ...], keyring: str | None, architecture: str
) -> list[list[Upgrade]]:
    """Each image's upgrades: the indices of `sources` fetched once, and apt asked once
    for the union of the images' package names (a fleet shares most of them)."""
    names = {name for image in images for name, _ in image.packages}
    newest = _newest(available(names, sources, keyring, architecture))
    return [_upgrades(image, newest) for image in images]


def upgrades(result: ScanResult, candidates: Iterable[Candidate]) -> list[Upgrade]:
    """The newest candidate of each installed deb package that is newer than it."""
    return _upgrades(installed(result), _newest(candidates))


def _newest(candidates: Iterable[Candidate]) -> dict[str, Candidate]:
    newest: dict[str, Candidate] = {}
    for candidate in candidates:
        best = newest.get(candidate.package)
        if best is None or compare(candidate.version, best.version) > 0:
            newest[candidate.package] = candidate
    return newest


def _upgrades(image: Installed, newest: dict[str, Candidate]) -> list[Upgrade]:
    found = []
    for name, version in sorted(set(image.packages)):
        best = newest.get(name)
        if best is None or compare(best.version, version) <= 0:
            continue
        found.append(Upgrade(name, version, best.version, best.suite,
                             _fixes(image, name, best.version)))  # fmt: skip
    return found


def debs(result: ScanResult) -> list:
    return [p for p in result.inventory.packages if p.type == "deb"]


def _fixes(image: Installed, name: str, version: str) -> tuple[str, ...]:
    ids = {advisory for package, fixed, advisory in image.fixed
           if package == name and compare(fixed, version) <= 0}  # fmt: skip
    return tuple(sorted(ids))
