"""A dict-backed AdvisorySource (a fake, as pip-audit's conftest fakes its service) and
real OSV records read straight from the shared corpus archives."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable, Mapping, Sequence

import pytest
from corpus import CORPUS

from dockwise.model import Distro, ImageInfo, Inventory, LayerRef, Location, Package
from dockwise.vulndb.advisory import Advisory, CveRecord, Exploitation
from dockwise.vulndb.feeds.osv import advisory as osv_advisory
from dockwise.vulndb.store import normalise_package

OSV = CORPUS / "osv"
BASE = LayerRef(0, "sha256:" + "1" * 64, created_by="debootstrap")
APP = LayerRef(1, "sha256:" + "2" * 64, created_by="pip install -r requirements.txt")


class FakeAdvisorySource:
    """Advisories indexed by every (ecosystem, package) they affect, like VulnDb."""

    def __init__(
        self,
        advisories: Iterable[Advisory],
        facts: Mapping[str, Exploitation] | None = None,
        cves: Iterable[CveRecord] = (),
    ) -> None:
        self.index: dict[tuple[str, str], list[Advisory]] = {}
        for adv in advisories:
            for key in {
                (a.ecosystem, normalise_package(a.ecosystem, a.package)) for a in adv.affected
            }:
                self.index.setdefault(key, []).append(adv)
        self.facts = dict(facts or {})
        self.nvd = {c.id: c for c in cves}
        self.queries: list[tuple[str, str]] = []

    def query(self, ecosystem: str, package: str) -> Sequence[Advisory]:
        self.queries.append((ecosystem, package))
        return self.index.get((ecosystem, normalise_package(ecosystem, package)), [])

    def exploitation(self, ids: Iterable[str]) -> Mapping[str, Exploitation]:
        return {i: self.facts[i] for i in ids if i in self.facts}

    def cves(self, ids: Iterable[str]) -> Mapping[str, CveRecord]:
        return {i: self.nvd[i] for i in ids if i in self.nvd}


def osv_records(ecosystem: str, *ids: str) -> list[Advisory]:
    """Real records from `<corpus>/osv/<ecosystem>/all.zip`, parsed as the database does."""
    with zipfile.ZipFile(OSV / ecosystem / "all.zip") as archive:
        return [
            osv_advisory(json.loads(archive.read(f"{i}.json")), f"osv:{ecosystem}") for i in ids
        ]


def deb(name: str, version: str, source: str = "", source_version: str = "") -> Package:
    purl = f"pkg:deb/debian/{name}@{version}?arch=amd64"
    return Package(
        name, version, "deb", purl, Location("var/lib/dpkg/status", BASE),
        source_name=source, source_version=source_version,
    )  # fmt: skip


def lang(ptype: str, name: str, version: str, purl: str = "") -> Package:
    purl = purl or f"pkg:{ptype}/{name}@{version}"
    return Package(name, version, ptype, purl, Location("app/requirements.txt", APP))


def inventory(packages: Sequence[Package], distro: Distro | None = None) -> Inventory:
    return Inventory(distro, tuple(packages))


DEBIAN_9 = Distro("debian", "9", "stretch")
DEBIAN_12 = Distro("debian", "12", "bookworm")
IMAGE = ImageInfo(source="docker-archive:test.tar", scheme="docker-archive")


@pytest.fixture
def corpus_required() -> None:
    assert OSV.is_dir(), f"shared corpus not found at {OSV} (it must sit beside the checkout)"
