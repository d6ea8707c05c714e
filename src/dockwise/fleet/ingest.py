"""Putting results into the fleet, a batch per transaction: each image by digest, its
references, layers and packages (shared rows), the reverse index, one scan run; the
whole result into the file store. Findings are not taken from the result: `match` makes
them against a known database release, so every finding in the store says which release
reported it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
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
from dockwise.fleet.sql import chunks, insert_ignore, insert_rows, upsert
from dockwise.fleet.store import Fleet

REFERENCE_SCHEMES = ("registry", "docker", "podman")
FILE_SCHEMES = ("docker-archive", "oci-archive", "oci-dir", "dir", "sbom")


@dataclass(frozen=True, slots=True)
class Ingested:
    """One image put into the store (or found there already)."""

    image_id: int
    digest: str
    scanned: bool  # False: the same digest and analyzer version was stored, not rescanned


@dataclass(frozen=True, slots=True)
class Pending:
    """One result on its way into the store: what the fleet reads of it, the codec's
    bytes it came as (kept as they are), and where it came from."""

    saved: api.Saved
    data: bytes
    source: str
    kind: str  # "scan" or "result"

    @classmethod
    def of(cls, result: api.ScanResult, source: str, kind: str) -> Pending:
        """A result in memory: encoded once, the bytes both stored and read back."""
        data = api.encode_result(result)
        return cls(api.read_saved(data, source), data, source, kind)

    @property
    def names(self) -> list[str]:
        """A scan's source names the image; a saved result's source is only the file it
        was read from, whatever that file is called or wherever it is now."""
        tags = list(self.saved.image.repo_tags)
        return [self.source, *tags] if self.kind == "scan" else tags


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def image_identity(saved: api.Saved) -> str:
    """The manifest digest; else the config digest; else (a directory, an SBOM) a digest
    of the inventory itself, so the same SBOM added twice is one image."""
    info = saved.image
    if info.manifest_digest or info.config_digest:
        return info.manifest_digest or info.config_digest
    keys = sorted(p.key for p in saved.packages)
    distro = saved.distro
    text = "\n".join([f"{distro.id} {distro.version_id}" if distro else "", *keys])
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def stored(fleet: Fleet, digest: str, analyzer_version: str) -> int | None:
    """The image's id when this digest was stored by this analyzer version."""
    with fleet.engine.connect() as connection:
        return stored_in(connection, digest, analyzer_version)


def stored_in(connection: sa.Connection, digest: str, analyzer_version: str) -> int | None:
    """The same on an open connection (inside a caller's transaction or lock)."""
    held = stored_on(connection, [digest]).get(digest)
    return held[0] if held and held[1] == analyzer_version else None


def stored_many(fleet: Fleet, digests: Sequence[str]) -> dict[str, tuple[int, str]]:
    """(image id, analyzer version) by digest, of those digests the store holds."""
    with fleet.engine.connect() as connection:
        return stored_on(connection, digests)


def stored_on(connection: sa.Connection, digests: Sequence[str]) -> dict[str, tuple[int, str]]:
    found: dict[str, tuple[int, str]] = {}
    for batch in chunks(sorted(set(digests))):
        query = sa.select(images.c.digest, images.c.id, images.c.analyzer_version)
        for digest, image_id, version in connection.execute(
            query.where(images.c.digest.in_(batch))
        ):  # fmt: skip
            found[digest] = (image_id, version)
    return found


def ingest_batch(fleet: Fleet, batch: Sequence[Pending]) -> list[Ingested]:
    """Store results (of distinct digests) in one transaction: a few statements for the
    whole batch, each with many rows, so the commit and the round trips are paid once
    per batch, not per image. The result files first (content-addressed: a failed
    transaction leaves at most unreferenced files, never a dangling row)."""
    files = fleet.results.put_many([item.data for item in batch])
    digests, when = [image_identity(item.saved) for item in batch], now()
    with fleet.engine.begin() as connection:
        ids = _image_rows(connection, batch, digests, files, when)
        placed = [(ids[d], item) for d, item in zip(digests, batch, strict=True)]
        _references(connection, [(i, item.names) for i, item in placed], when)
        _layers(connection, [(i, item.saved) for i, item in placed])
        _packages(connection, [(i, item.saved) for i, item in placed])
        insert_rows(connection, scan_runs, [dict(
            image_id=i, recorded=when, generated=item.saved.generated, source=item.source,
            kind=item.kind, analyzer_version=item.saved.tool.version, result_digest=file,
        ) for (i, item), file in zip(placed, files, strict=True)])  # fmt: skip
    return [Ingested(ids[d], d, True) for d in digests]


def seen_again(fleet: Fleet, image_id: int, digest: str, source: str) -> Ingested:
    """An image stored before under the same digest: only its reference is refreshed."""
    refresh_references(fleet, [(image_id, [source])])
    return Ingested(image_id, digest, False)


def refresh_references(fleet: Fleet, seen: Sequence[tuple[int, Sequence[str]]]) -> None:
    """Images stored before: only their references are refreshed (`seen`: each image's
    id and the names it came under this time), in one statement."""
    with fleet.engine.begin() as connection:
        _references(connection, [(image_id, list(names)) for image_id, names in seen], now())


def _image_rows(
    connection: Connection, batch: Sequence[Pending], digests: list[str], files: list[str],
    when: str,
) -> dict[str, int]:  # fmt: skip
    """Image id by digest: new images inserted; a rescan (a newer analyzer) replaces
    what the old analysis said about its image."""
    values = {d: _image_values(item.saved, file, when)
              for d, item, file in zip(digests, batch, files, strict=True)}  # fmt: skip
    known = _ids(connection, images.c.digest, digests)
    rescanned = [{**v, "iid": known[d]} for d, v in values.items() if d in known]
    fresh = [dict(digest=d, first_seen=when, **v) for d, v in values.items() if d not in known]
    if fresh:
        insert_rows(connection, images, fresh)
        known.update(_ids(connection, images.c.digest, [row["digest"] for row in fresh]))
    if rescanned:
        connection.execute(images.update().where(images.c.id == sa.bindparam("iid")),
                           rescanned)  # fmt: skip
        ids = [row["iid"] for row in rescanned]
        for table in (image_packages, image_layers):  # the new analysis replaces them
            connection.execute(table.delete().where(table.c.image_id.in_(ids)))
    return known


def _image_values(saved: api.Saved, result_digest: str, when: str) -> dict:
    info, distro = saved.image, saved.distro or api.SavedDistro()
    base_name, base_digest = saved.base
    return dict(
        base_name=base_name, base_digest=base_digest,
        config_digest=info.config_digest, os=info.os, architecture=info.architecture,
        created=info.created, distro_id=distro.id, distro_version=distro.version_id,
        distro_codename=distro.codename, analyzer_version=saved.tool.version,
        result_digest=result_digest, last_scanned=when,
    )  # fmt: skip


def _references(connection: Connection, named: list[tuple[int, list[str]]], when: str) -> None:
    """Each registry reference among the names of each image: inserted, or its last
    seen moved to now (first seen kept), in one upsert; then the images' names."""
    refs = {(image_id, r.domain, r.repository, r.tag)
            for image_id, found in named for name in found if (r := _reference(name))}  # fmt: skip
    rows = [dict(image_id=i, registry=d, repository=r, tag=t, first_seen=when, last_seen=when)
            for i, d, r, t in sorted(refs)]  # fmt: skip
    upsert(connection, references, rows, ("registry", "repository", "tag", "image_id"),
           ("last_seen",))  # fmt: skip
    for chunk in chunks(sorted({row["image_id"] for row in rows})):
        connection.execute(images.update().where(images.c.id.in_(chunk))
                           .values(name=latest_name(images.c.id)))  # fmt: skip


def latest_name(image_id: sa.ColumnElement) -> sa.ScalarSelect:
    """The image's most recently seen reference, as `registry/repository:tag`: kept on
    the image (`images.name`) whenever its references change."""
    r = references.c
    return (
        sa.select(r.registry + "/" + r.repository + ":" + r.tag)
        .where(r.image_id == image_id).order_by(r.last_seen.desc(), r.id.desc()).limit(1)
        .scalar_subquery()
    )  # fmt: skip


def _reference(name: str):  # noqa: ANN202 - api.Reference | None
    """The registry reference a name is: `registry:`, `docker:`, `podman:` or a bare
    reference or repo tag; never a file (`docker-archive:x.tar`, `result.json`)."""
    scheme, _, rest = name.partition(":")
    if scheme in REFERENCE_SCHEMES:
        return api.parse_reference(rest)
    if scheme in FILE_SCHEMES or Path(name).exists():
        return None
    return api.parse_reference(name)


def _layers(connection: Connection, batch: list[tuple[int, api.Saved]]) -> None:
    refs = [(image_id, layer) for image_id, saved in batch
            for layer in saved.image.layers if layer.diff_id]  # fmt: skip
    rows = {r.diff_id: dict(diff_id=r.diff_id, digest=r.digest, size=r.tar_size)
            for _, r in refs}  # fmt: skip
    ids = _shared_rows(connection, layers.c.diff_id, rows)
    order = {(image_id, r.index): ids[r.diff_id] for image_id, r in refs}  # one per position
    if order:
        insert_rows(connection, image_layers, [
            dict(image_id=i, position=position, layer_id=layer)
            for (i, position), layer in order.items()
        ])  # fmt: skip


def _packages(connection: Connection, batch: list[tuple[int, api.Saved]]) -> None:
    """Shared package rows by key for the whole batch, then each image's reverse-index
    rows. A key found twice in one image (two copies on disk) is one row; a copy no OS
    package owns wins, since that one is matched against the language's own advisories."""
    chosen = [(image_id, _chosen(saved.packages)) for image_id, saved in batch]
    rows = {k: dict(key=k, purl=p.purl, type=p.type, name=p.name, version=p.version,
                    source_name=p.source_name, source_version=p.source_version)
            for _, found in chosen for k, p in found.items()}  # fmt: skip
    ids = _shared_rows(connection, packages.c.key, rows)
    links = [dict(image_id=image_id, package_id=ids[k], owned_by=p.owned_by, layer=p.layer)
             for image_id, found in chosen for k, p in found.items()]  # fmt: skip
    if links:
        insert_rows(connection, image_packages, links)
    if connection.dialect.name == "postgresql":  # the new rows' BRIN ranges (revision 0009)
        connection.execute(sa.text("SELECT brin_summarize_new_values('image_packages_image')"))


def _chosen(found: Sequence[api.SavedPackage]) -> dict[str, api.SavedPackage]:
    chosen: dict[str, api.SavedPackage] = {}
    for pkg in found:
        key = pkg.key
        if key not in chosen or chosen[key].owned_by and not pkg.owned_by:
            chosen[key] = pkg
    return chosen


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
