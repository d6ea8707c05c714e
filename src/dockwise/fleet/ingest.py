"""Putting a result into the fleet: the image by digest, its references, layers and
packages (shared rows), the reverse index, one scan run; the whole result into the file
store. Findings are not taken from the result: `match` makes them against a known
database release, so every finding in the store says which release reported it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import Connection

from dockwise.fleet import api
from dockwise.fleet.schema import (
    image_layers,
    image_packages,
    images,
    layers,
    packages,
    references,
    scan_runs,
)
from dockwise.fleet.sql import chunks, insert_ignore
from dockwise.fleet.store import Fleet

REFERENCE_SCHEMES = ("registry", "docker", "podman")
FILE_SCHEMES = ("docker-archive", "oci-archive", "oci-dir", "dir", "sbom")


@dataclass(frozen=True, slots=True)
class Ingested:
    """One image put into the store (or found there already)."""

    image_id: int
    digest: str
    scanned: bool  # False: the same digest and analyzer version was stored, not rescanned


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def image_identity(result: api.ScanResult) -> str:
    """The manifest digest; else the config digest; else (a directory, an SBOM) a digest
    of the inventory itself, so the same SBOM added twice is one image."""
    info = result.image
    if info.manifest_digest or info.config_digest:
        return info.manifest_digest or info.config_digest
    keys = sorted(p.key for p in result.inventory.packages)
    distro = result.inventory.distro
    text = "\n".join([f"{distro.id} {distro.version_id}" if distro else "", *keys])
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def stored(fleet: Fleet, digest: str, analyzer_version: str) -> int | None:
    """The image's id when this digest was stored by this analyzer version."""
    query = sa.select(images.c.id).where(
        images.c.digest == digest, images.c.analyzer_version == analyzer_version
    )
    with fleet.engine.connect() as connection:
        return connection.execute(query).scalar()


def ingest(
    fleet: Fleet, result: api.ScanResult, source: str, kind: str, data: bytes | None = None
) -> Ingested:
    """Store one result in one transaction; its result file first (content-addressed:
    a failed transaction leaves at most an unreferenced file, never a dangling row).
    `data`: the codec's bytes the result was read from, kept as they are."""
    result_digest = fleet.results.put(data or api.encode_result(result))
    digest, when = image_identity(result), now()
    with fleet.engine.begin() as connection:
        image_id = _image_row(connection, result, digest, result_digest, when)
        _references(connection, image_id, [source, *result.image.repo_tags], when)
        _layers(connection, image_id, result)
        _packages(connection, image_id, result.inventory.packages)
        connection.execute(scan_runs.insert().values(
            image_id=image_id, recorded=when, generated=result.generated, source=source,
            kind=kind, analyzer_version=result.tool_version, result_digest=result_digest,
        ))  # fmt: skip
    return Ingested(image_id, digest, True)


def seen_again(fleet: Fleet, image_id: int, digest: str, source: str) -> Ingested:
    """An image stored before under the same digest: only its reference is refreshed."""
    with fleet.engine.begin() as connection:
        _references(connection, image_id, [source], now())
    return Ingested(image_id, digest, False)


def _image_row(
    connection: Connection, result: api.ScanResult, digest: str, result_digest: str, when: str
) -> int:
    """Insert the image, or replace what a rescan (a newer analyzer) says about it."""
    info, distro = result.image, result.inventory.distro
    values = dict(
        config_digest=info.config_digest, os=info.os, architecture=info.architecture,
        created=info.created, distro_id=distro.id if distro else "",
        distro_version=distro.version_id if distro else "",
        distro_codename=distro.codename if distro else "",
        analyzer_version=result.tool_version, result_digest=result_digest, last_scanned=when,
    )  # fmt: skip
    found = connection.execute(sa.select(images.c.id).where(images.c.digest == digest)).scalar()
    if found is None:
        row = images.insert().values(digest=digest, first_seen=when, **values)
        return connection.execute(row).inserted_primary_key[0]
    connection.execute(images.update().where(images.c.id == found).values(**values))
    for table in (image_packages, image_layers):  # what the new analysis says replaces them
        connection.execute(table.delete().where(table.c.image_id == found))
    return found


def _references(connection: Connection, image_id: int, names: list[str], when: str) -> None:
    """Each registry reference among `names`: first seen kept, last seen moved to now."""
    refs = {(r.domain, r.repository, r.tag) for name in names if (r := _reference(name))}
    rows = [dict(image_id=image_id, registry=d, repository=r, tag=t, first_seen=when,
                 last_seen=when) for d, r, t in sorted(refs)]  # fmt: skip
    insert_ignore(connection, references, rows, "registry", "repository", "tag", "image_id")
    for d, r, t in refs:
        connection.execute(references.update().where(
            references.c.image_id == image_id, references.c.registry == d,
            references.c.repository == r, references.c.tag == t,
        ).values(last_seen=when))  # fmt: skip


def _reference(name: str):  # noqa: ANN202 - api.Reference | None
    """The registry reference a name is: `registry:`, `docker:`, `podman:` or a bare
    reference or repo tag; never a file (`docker-archive:x.tar`, `result.json`)."""
    scheme, _, rest = name.partition(":")
    if scheme in REFERENCE_SCHEMES:
        return api.parse_reference(rest)
    if scheme in FILE_SCHEMES or Path(name).exists():
        return None
    return api.parse_reference(name)


def _layers(connection: Connection, image_id: int, result: api.ScanResult) -> None:
    refs = [layer for layer in result.image.layers if layer.diff_id]
    rows = {r.diff_id: dict(diff_id=r.diff_id, digest=r.digest, size=r.tar_size) for r in refs}
    ids = _shared_rows(connection, layers.c.diff_id, rows)
    if refs:
        connection.execute(image_layers.insert(), [
            dict(image_id=image_id, position=r.index, layer_id=ids[r.diff_id]) for r in refs
        ])  # fmt: skip


def _packages(connection: Connection, image_id: int, found: tuple[api.Package, ...]) -> None:
    """Shared package rows by key, then this image's reverse-index rows. A key found
    twice in one image (two copies on disk) is one row; a copy no OS package owns wins,
    since that one is matched against the language's own advisories."""
    chosen: dict[str, api.Package] = {}
    for pkg in found:
        if pkg.key not in chosen or chosen[pkg.key].owned_by and not pkg.owned_by:
            chosen[pkg.key] = pkg
    rows = {k: dict(key=k, purl=p.purl, type=p.type, name=p.name, version=p.version,
                    source_name=p.source_name, source_version=p.source_version)
            for k, p in chosen.items()}  # fmt: skip
    ids = _shared_rows(connection, packages.c.key, rows)
    links = [dict(image_id=image_id, package_id=ids[k], owned_by=p.owned_by,
                  layer=p.location.layer.index if p.location.layer else None)
             for k, p in chosen.items()]  # fmt: skip
    if links:
        connection.execute(image_packages.insert(), links)


def _shared_rows(connection: Connection, column: sa.Column, rows: dict[str, dict]) -> dict:
    """Row id by unique key: looked up first (in a fleet most rows exist already), the
    missing ones inserted (a concurrent writer's copy is kept), then looked up."""
    found = _ids(connection, column, list(rows))
    missing = [row for key, row in rows.items() if key not in found]
    if missing:
        insert_ignore(connection, column.table, missing, column.name)
        found.update(_ids(connection, column, [row[column.name] for row in missing]))
    return found


def _ids(connection: Connection, column: sa.Column, keys: list[str]) -> dict[str, int]:
    """Row id by unique key, for rows just inserted or found."""
    table, found = column.table, {}
    for chunk in chunks(keys):
        query = sa.select(column, table.c.id).where(column.in_(chunk))
        found.update(connection.execute(query).all())
    return found
