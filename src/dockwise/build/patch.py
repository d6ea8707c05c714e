"""`dockwise patch`: upgrade an image's vulnerable Debian packages in place, in one new
layer, when rebuilding it is not possible (Copacetic's approach, for Debian:
https://project-copacetic.github.io/copacetic/).

The vulnerability database names the vulnerable packages and their fixed versions; the
archive's indices (read by apt, as `dockwise outdated` reads them) say which fixed
versions exist in the image's own release. apt computes what the upgrade needs against
the image's installed set and downloads the `.deb`s, checking each one's hash against the
signed indices. dockwise unpacks them into a layer with the updated dpkg records and
whiteouts for files the new versions dropped; no maintainer script runs (the image's
shell and tools are never executed).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from dockwise.build.bootstrap import DebPackage, read_deb
from dockwise.build.dpkgdb import DpkgDatabase
from dockwise.build.indices import AptState, Candidate, madison, run_apt
from dockwise.build.outdated import Upgrade, upgrades
from dockwise.errors import DockwiseError
from dockwise.model import ScanResult

_INST = re.compile(r"^Inst (\S+) (?:\[(\S+)\] )?\((\S+) ")
_REMV = re.compile(r"^Remv (\S+)")


class PatchError(DockwiseError):
    """The image cannot be patched in place; the message says why, in one line."""


@dataclass(frozen=True, slots=True)
class Change:
    """One package apt will put in the layer: an upgrade, or a new dependency."""

    package: str
    installed: str  # "" for a package the image did not have
    version: str
    fixes: tuple[str, ...] = ()


def fixable(result: ScanResult, candidates: Iterable[Candidate], release: str) -> list[Upgrade]:
    """The installed packages whose newest version in the image's release fixes a known
    advisory; a fix found only outside the release is refused."""
    candidates = list(candidates)
    inside = [c for c in candidates if in_release(c.suite, release)]
    fixes = [u for u in upgrades(result, inside) if u.fixes]
    fixed = {u.package for u in fixes}
    outside = [u for u in upgrades(result, candidates) if u.fixes and u.package not in fixed]
    if outside:
        first = outside[0]
        raise PatchError(f"the fix for {first.package} ({first.available}, {first.suite}) is "
                         f"outside the image's release {release}: rebuild instead")  # fmt: skip
    return fixes


def in_release(suite: str, release: str) -> bool:
    """`bookworm`, `bookworm-updates`, `bookworm-security` are in release `bookworm`."""
    return suite == release or suite.startswith(f"{release}-")


def plan(apt: AptState, fixes: list[Upgrade], db: DpkgDatabase, release: str,
         allow_new: bool) -> list[Change]:  # fmt: skip
    """What apt installs to reach the fixed versions, checked against the rules: nothing
    removed, nothing from another release, no new package unless `allow_new`."""
    pins = [f"{u.package}={u.available}" for u in fixes]
    simulated = run_apt(["apt-get", "-s", "-q", "install", "--no-install-recommends",
                         *apt.options, *pins], "apt cannot install the fixes")  # fmt: skip
    removed = [m[1] for m in map(_REMV.match, simulated.splitlines()) if m]
    if removed:
        raise PatchError(f"the fixes would remove {', '.join(removed)}: rebuild instead")
    found = [m for m in map(_INST.match, simulated.splitlines()) if m]
    reasons = {u.package: u.fixes for u in fixes}
    changes = [Change(m[1], m[2] or "", m[3], reasons.get(m[1], ())) for m in found]
    _check_release(apt, changes, release)
    new = [c.package for c in changes if db.find(c.package) is None]
    if new and not allow_new:
        raise PatchError(f"the fixes need packages the image does not have ({', '.join(new)}); "
                         "--allow-new adds them")  # fmt: skip
    return changes


def _check_release(apt: AptState, changes: list[Change], release: str) -> None:
    offered = {(c.package, c.version): c.suite for c in madison(apt, [c.package for c in changes])}
    for change in changes:
        suite = offered.get((change.package, change.version), "")
        if not in_release(suite, release):
            where = suite or "no suite apt lists"
            raise PatchError(f"the fixes need {change.package} {change.version} from {where}, "
                             f"outside the image's release {release}: rebuild instead")  # fmt: skip


def download(apt: AptState, changes: list[Change]) -> list[tuple[DebPackage, Path]]:
    """The `.deb` of every change, downloaded by apt (which checks it against the signed
    index), read with its control data."""
    pins = [f"{c.package}={c.version}" for c in changes]
    run_apt(["apt-get", "-q", "-y", "install", "--download-only", "--no-install-recommends",
             *apt.options, *pins], "apt cannot download the fixes")  # fmt: skip
    debs = [(read_deb(path), path) for path in sorted(apt.archives.glob("*.deb"))]
    wanted = {(c.package, c.version) for c in changes}
    got = [(deb, path) for deb, path in debs if (deb.name, deb.version) in wanted]
    if len(got) != len(wanted):
        raise PatchError("apt did not download every fixed package")
    return got
