"""`fleet status --check-archive`: `dockwise outdated`'s question asked of every stored
image. The images are grouped by release and architecture, so each group's indices are
fetched once and apt is asked once for the union of their package names; the images'
own packages and open findings come from the store, no image is read again. What an
archive that was read said is kept on each image (`stored`), so `fleet status` shows
the last answer later, offline; a check that could not read its archive keeps the
previous answer."""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa

from dockwise.errors import DockwiseError
from dockwise.fleet import api
from dockwise.fleet.ingest import now
from dockwise.fleet.schema import findings, image_packages, images, packages
from dockwise.fleet.store import Fleet

_DEB = "deb"


@dataclass(frozen=True, slots=True)
class ArchiveCheck:
    """What the archive said of one image: "current", "upgrades" (none fixes a security
    problem), "fixes", or "not checked: why" (never taken for up to date)."""

    state: str
    upgrades: tuple[api.Upgrade, ...] = ()
    checked: str = ""  # when the archive said so (a stored answer), "" for this run's

    @property
    def fixes(self) -> tuple[api.Upgrade, ...]:
        return tuple(u for u in self.upgrades if u.security)

    @property
    def read(self) -> bool:
        """The archive was read: an answer worth keeping."""
        return not self.state.startswith("not checked")


def stored(state: str | None, upgrades: str | None, checked: str | None) -> ArchiveCheck | None:
    """The check kept on an image (its three columns), None if never checked."""
    if state is None:
        return None
    found = tuple(api.Upgrade(**{**u, "fixes": tuple(u["fixes"])})
                  for u in json.loads(upgrades or "[]"))  # fmt: skip
    return ArchiveCheck(state, found, checked or "")


@dataclass(frozen=True, slots=True)
class _Release:
    distro: api.Distro
    architecture: str


def check_archive(fleet: Fleet, sources: tuple[str, ...], keyring: str | None,
                  offline: bool) -> dict[int, ArchiveCheck]:  # fmt: skip
    """Each image's check, by image id; `sources` (default: each release's own suites)."""
    checks: dict[int, ArchiveCheck] = {}
    for release, installed in _releases(fleet).items():
        checks.update(_check(release, installed, sources, keyring, offline))
    _keep(fleet, checks)
    return checks


def _keep(fleet: Fleet, checks: dict[int, ArchiveCheck]) -> None:
    """Each answer of an archive that was read, on its image, in one statement."""
    when = now()
    rows = [{"iid": image_id, "archive_state": check.state, "archive_checked": when,
             "archive_upgrades": json.dumps([dataclasses.asdict(u) for u in check.upgrades])}
            for image_id, check in checks.items() if check.read]  # fmt: skip
    if rows:
        with fleet.engine.begin() as connection:
            connection.execute(images.update().where(images.c.id == sa.bindparam("iid")), rows)


def _check(release: _Release, installed: dict[int, api.Installed], sources: tuple[str, ...],
           keyring: str | None, offline: bool) -> dict[int, ArchiveCheck]:  # fmt: skip
    """One release's images: one fetch of the indices, one question to apt."""
    if offline:
        return dict.fromkeys(installed, ArchiveCheck("not checked: offline"))
    try:
        found = api.compare_with_archive(
            list(installed.values()), sources or api.archive_sources(release.distro), keyring,
            release.architecture or "amd64")  # fmt: skip
    except DockwiseError as exc:
        return dict.fromkeys(installed, ArchiveCheck(f"not checked: {exc}"))
    pairs = zip(installed, found, strict=True)
    return {image_id: _verdict(upgrades) for image_id, upgrades in pairs}


def _verdict(upgrades: list[api.Upgrade]) -> ArchiveCheck:
    if not upgrades:
        return ArchiveCheck("current")
    security = any(u.security for u in upgrades)
    return ArchiveCheck("fixes" if security else "upgrades", tuple(upgrades))


def _releases(fleet: Fleet) -> dict[_Release, dict[int, api.Installed]]:
    """The images with deb packages, grouped by release and architecture."""
    i = images.c
    with fleet.engine.connect() as connection:
        held = _debs(connection)
        fixed = _fixed(connection)
        rows = connection.execute(sa.select(i.id, i.architecture, i.distro_id,
                                            i.distro_version, i.distro_codename)).all()  # fmt: skip
    groups: dict[_Release, dict[int, api.Installed]] = defaultdict(dict)
    for row in rows:
        if row.id in held:
            distro = api.Distro(row.distro_id, row.distro_version, row.distro_codename)
            groups[_Release(distro, row.architecture)][row.id] = api.Installed(
                tuple(held[row.id]), tuple(fixed.get(row.id, ())))  # fmt: skip
    return groups


def _debs(connection: sa.Connection) -> dict[int, list[tuple[str, str]]]:
    ip, p = image_packages.c, packages.c
    query = (sa.select(ip.image_id, p.name, p.version).where(p.type == _DEB)
             .join_from(image_packages, packages, ip.package_id == p.id))  # fmt: skip
    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for image_id, name, version in connection.execute(query):
        found[image_id].append((name, version))
    return found


def _fixed(connection: sa.Connection) -> dict[int, list[tuple[str, str, str]]]:
    """Open findings of deb packages with a fixed version: what an upgrade may fix."""
    f, p = findings.c, packages.c
    query = (
        sa.select(f.image_id, p.name, f.fixed_version, f.vuln_id)
        .join_from(findings, packages, f.package_id == p.id)
        .where(f.status == "open", f.fixed_version != "", p.type == _DEB)
    )  # fmt: skip
    found: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for image_id, name, fixed, vuln_id in connection.execute(query):
        found[image_id].append((name, fixed, vuln_id))
    return found
