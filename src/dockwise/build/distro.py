"""Distributions a spec can build from: the archive sources and suite names of each.

Adding one (Ubuntu: `archive.ubuntu.com`, suites `noble`, `noble-updates`,
`noble-security`) is one entry in `DISTRIBUTIONS`; mmdebstrap does the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

from dockwise.build.spec import Distribution, SpecError
from dockwise.errors import DockwiseError
from dockwise.model import Distro


@dataclass(frozen=True, slots=True)
class Archive:
    """A distribution's public archive: where its suites live and what version names what."""

    name: str
    mirror: str
    security_mirror: str
    suites: dict[str, str]  # version or codename -> codename
    security_suffix: str = "-security"

    def codename(self, suite: str) -> str:
        if suite not in self.suites:
            known = ", ".join(sorted(set(self.suites)))
            raise SpecError(f"{self.name} suite {suite!r} is not one dockwise builds (known: "
                            f"{known})")  # fmt: skip
        return self.suites[suite]

    def sources(self, codename: str, components: tuple[str, ...]) -> tuple[str, ...]:
        """The release, its point updates and its security archive, as sources.list lines."""
        parts = " ".join(components)
        return (
            f"deb {self.mirror} {codename} {parts}",
            f"deb {self.mirror} {codename}-updates {parts}",
            f"deb {self.security_mirror} {codename}{self.security_suffix} {parts}",
        )


DISTRIBUTIONS: dict[str, Archive] = {
    "debian": Archive(
        name="debian",
        mirror="http://deb.debian.org/debian",
        security_mirror="http://deb.debian.org/debian-security",
        suites={"12": "bookworm", "bookworm": "bookworm"},
    ),
}


def resolve(dist: Distribution) -> tuple[str, tuple[str, ...]]:
    """The codename to bootstrap and the sources to read, for a spec's distribution."""
    archive = DISTRIBUTIONS.get(dist.name)
    if archive is None:
        raise SpecError(f"distribution {dist.name!r} is not one dockwise builds (known: "
                        f"{', '.join(sorted(DISTRIBUTIONS))})")  # fmt: skip
    codename = archive.codename(dist.suite)
    return codename, dist.sources or archive.sources(codename, dist.components)


def image_release(distro: Distro | None) -> tuple[str, tuple[str, ...]]:
    """The codename of an image's release and its suites on the distribution's archive
    (release, -updates, -security), for `outdated` and `patch`."""
    archive = DISTRIBUTIONS.get(distro.id) if distro else None
    if distro is None or archive is None:
        named = f"{distro.id} {distro.version_id}" if distro else "an unknown distribution"
        raise DockwiseError(f"the image runs {named}, whose archive dockwise does not know; "
                            "name it with --sources")  # fmt: skip
    codename = distro.codename or archive.codename(distro.version_id)
    return codename, archive.sources(codename, ("main",))
