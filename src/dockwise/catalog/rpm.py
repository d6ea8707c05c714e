"""Installed rpm packages, read from the rpm database without the rpm tool.

Ref. rpm's lib/backend/ (bdb_ro.c, ndb/, sqlite.c) for where and how the database is
kept, and the purl spec's rpm type (github.com/package-url/purl-spec, PURL-TYPES).
The readers live in `catalog/rpmdb/`; this module turns their entries into packages.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from dockwise.catalog.base import Environment, File
from dockwise.catalog.purls import os_purl
from dockwise.catalog.rpmdb import DatabaseError, RpmEntry, entries, manifest
from dockwise.model import Distro, Package, ScanWarning

DB_DIRS = ("var/lib/rpm", "usr/lib/sysimage/rpm", "usr/share/rpm")
DB_FILES = ("Packages", "Packages.db", "rpmdb.sqlite")
MANIFEST = "var/lib/rpmmanifest/container-manifest-2"
MAX_DB_SIZE = 512 * 1024 * 1024  # a RHEL 8 image with desktop groups has a ~200 MB Packages
MAX_WARNINGS = 20  # per file: a shredded database must not flood the report

# purl namespace = the distribution's vendor (purl-spec PURL-TYPES rpm: "the vendor such
# as fedora or opensuse"), keyed by os-release ID. Red Hat's own SBOMs use "redhat".
NAMESPACES = {
    "rhel": "redhat", "centos": "centos", "fedora": "fedora", "amzn": "amazon",
    "ol": "oracle", "rocky": "rocky", "almalinux": "almalinux", "photon": "photon",
    "mariner": "microsoft", "azurelinux": "microsoft",
    "sles": "suse", "sled": "suse", "sle-micro": "suse", "sles_sap": "suse",
}  # fmt: skip
# Without an os-release: the rpm Vendor tag, matched by substring, first hit wins.
VENDORS = (
    ("red hat", "redhat"), ("centos", "centos"), ("fedora", "fedora"),
    ("amazon", "amazon"), ("oracle", "oracle"), ("rocky", "rocky"),
    ("almalinux", "almalinux"), ("opensuse", "opensuse"), ("suse", "suse"),
    ("vmware", "photon"), ("microsoft", "microsoft"),
)  # fmt: skip
# Not software: rpm stores each imported signing key as a pseudo-package.
PSEUDO_PACKAGES = frozenset({"gpg-pubkey"})


class RpmCataloger:
    """Packages from `Packages` (BDB), `Packages.db` (ndb), `rpmdb.sqlite` and the manifest."""

    name = "rpm-db"
    globs = (*(f"{d}/{f}" for d in DB_DIRS for f in DB_FILES), MANIFEST)
    reads: tuple[str, ...] = ()
    max_size = MAX_DB_SIZE

    def parse(self, file: File, env: Environment) -> Iterable[Package | ScanWarning]:
        """Every package the file records; unreadable parts become (at most 20) warnings."""
        content = file.content or b""
        found = manifest.entries(content) if file.path == MANIFEST else entries(content)
        yield from _capped(_packages(found, env.distro), file.path)


def _packages(
    found: Iterable[RpmEntry | DatabaseError], distro: Distro | None
) -> Iterator[Package | ScanWarning]:
    for item in found:
        if isinstance(item, DatabaseError):
            yield ScanWarning(f"rpm database: {item}")
        elif item.name not in PSEUDO_PACKAGES:
            yield to_package(item, distro)


def _capped(items: Iterable[Package | ScanWarning], path: str) -> Iterator[Package | ScanWarning]:
    warnings = 0
    for item in items:
        if isinstance(item, ScanWarning):
            warnings += 1
            if warnings > MAX_WARNINGS:
                continue
        yield item
    if warnings > MAX_WARNINGS:
        yield ScanWarning(f"rpm database: {warnings - MAX_WARNINGS} more problems", path)


def to_package(entry: RpmEntry, distro: Distro | None) -> Package:
    """One database entry as a Package, with a purl per the purl spec."""
    version_release = f"{entry.version}-{entry.release}" if entry.release else entry.version
    full = f"{entry.epoch}:{version_release}" if entry.epoch is not None else version_release
    source_name, source_version = split_source_rpm(entry.source_rpm)
    if (source_name, source_version) == (entry.name, version_release):
        source_name = source_version = ""  # the model keeps the source only when it differs
    purl = os_purl(
        "rpm",
        namespace(distro, entry.vendor),
        entry.name,
        version_release,
        arch=entry.arch,
        distro=distro,
        epoch=str(entry.epoch) if entry.epoch else "",
    )
    return Package(
        name=entry.name,
        version=full,
        type="rpm",
        purl=purl,
        arch=entry.arch,
        source_name=source_name,
        source_version=source_version,
        licenses=(entry.license,) if entry.license else (),
        maintainer=entry.vendor or entry.packager,
        files=entry.files,
        metadata=_metadata(entry),
    )


def _metadata(entry: RpmEntry) -> tuple[tuple[str, str], ...]:
    pairs = [("vendor", entry.vendor), ("modularitylabel", entry.modularity_label)]
    if entry.header_digest:
        pairs.append((f"{entry.header_digest[0]}header", entry.header_digest[1]))
    return tuple(sorted((k, v) for k, v in pairs if v))


def split_source_rpm(source_rpm: str) -> tuple[str, str]:
    """`openssl-3.0.7-25.el9_3.src.rpm` → (`openssl`, `3.0.7-25.el9_3`); ("", "") if odd."""
    stem = source_rpm.removesuffix(".rpm")
    for arch in (".src", ".nosrc"):
        stem = stem.removesuffix(arch)
    # name-version-release: the last two dashes split it (names may hold dashes)
    rest, _, release = stem.rpartition("-")
    name, _, version = rest.rpartition("-")
    if not (name and version and release):
        return "", ""
    return name, f"{version}-{release}"


def namespace(distro: Distro | None, vendor: str) -> str:
    """The purl namespace: from the distro ID, else from the package's vendor tag."""
    if distro is not None and distro.id:
        known = NAMESPACES.get(distro.id.lower())
        if known:
            return known
        return "opensuse" if distro.id.lower().startswith("opensuse") else distro.id.lower()
    lowered = vendor.lower()
    return next((ns for needle, ns in VENDORS if needle in lowered), "")
