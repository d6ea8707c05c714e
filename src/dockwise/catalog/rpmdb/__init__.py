"""Readers for the rpm package database in each of its on-disk formats.

`entries(content)` sniffs the format from the bytes (not the file name: distros have
moved and renamed the database) and yields every package it can read, with a
`DatabaseError` for each part it cannot. Nothing here raises for bad data.
"""

from __future__ import annotations

from collections.abc import Iterator

from dockwise.catalog.rpmdb import bdb, ndb, sqlite
from dockwise.catalog.rpmdb.errors import DatabaseError
from dockwise.catalog.rpmdb.header import HeaderError, RpmEntry, entry_from_header

__all__ = ["DatabaseError", "RpmEntry", "entries"]


def entries(content: bytes) -> Iterator[RpmEntry | DatabaseError]:
    """Packages of an rpm database (BDB hash, ndb or SQLite), in storage order."""
    for number, item in enumerate(_blobs(content), 1):
        if isinstance(item, DatabaseError):
            yield item
            continue
        try:
            yield entry_from_header(item)
        except HeaderError as exc:
            yield DatabaseError(f"header {number}: {exc}")


def _blobs(content: bytes) -> Iterator[bytes | DatabaseError]:
    if sqlite.is_sqlite(content):
        return sqlite.blobs(content)
    if ndb.is_ndb(content):
        return ndb.blobs(content)
    if bdb.is_bdb_hash(content):
        return bdb.blobs(content)
    return iter([DatabaseError("not an rpm database (no BDB hash, ndb or SQLite magic)")])
