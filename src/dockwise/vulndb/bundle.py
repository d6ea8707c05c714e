"""`dockwise db export|import`: the database as one dated, checksummed file to carry
into an air-gapped network.

A bundle is a zstd-compressed tar (https://www.rfc-editor.org/rfc/rfc8878) holding
`manifest.json` first, then `dockwise.db`. The manifest records the database's sha256,
size, schema and build date; import streams the database into a temp file beside the
target, verifies all of it, and only then renames it into place.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import zstandard

from dockwise import __version__
from dockwise.vulndb import VulnDbError
from dockwise.vulndb.store import SCHEMA_VERSION, VulnDb

FORMAT = "dockwise-db-bundle"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE = "dockwise.db"
MAX_MANIFEST_BYTES = 1 << 20
MAX_DATABASE_BYTES = 64 << 30
CHUNK = 1 << 20
_ZSTD_LEVEL = 10  # ~4x on this data at a few seconds per 100 MiB


def export_bundle(db_path: Path, bundle: Path) -> dict:
    """Write the database at `db_path` into `bundle` (atomically); returns the manifest."""
    with VulnDb(db_path) as db:
        meta = dict(db.meta)
    with db_path.open("rb") as source:  # the file never changes in place: a consistent copy
        size, digest = _hash(source)
        manifest = _manifest(meta, size, digest)
        source.seek(0)
        _write_atomically(bundle, lambda out: _write_tar(out, manifest, source, size))
    return manifest


def import_bundle(bundle: Path, db_path: Path) -> dict:
    """Verify `bundle` and replace the database at `db_path` with it; returns the manifest."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".dockwise-import-", dir=db_path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            manifest = _read_bundle(bundle, out)
        _check_database(tmp, bundle)
        os.replace(tmp, db_path)
    finally:
        tmp.unlink(missing_ok=True)
    return manifest


def _manifest(meta: dict, size: int, digest: str) -> dict:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema_version": SCHEMA_VERSION,
        "built": meta.get("built", ""),
        "exported": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "dockwise_version": __version__,
        "partial": meta.get("partial", ""),
        "database": {"name": DATABASE, "size": size, "sha256": digest},
    }


def _write_tar(out, manifest: dict, source, size: int) -> None:
    compressor = zstandard.ZstdCompressor(level=_ZSTD_LEVEL, threads=-1)
    with compressor.stream_writer(out, closefd=False) as zstd:
        with tarfile.open(fileobj=zstd, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            text = json.dumps(manifest, indent=2).encode()
            tar.addfile(_member(MANIFEST, len(text)), io.BytesIO(text))
            tar.addfile(_member(DATABASE, size), source)


def _member(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o644, int(datetime.now(UTC).timestamp())
    return info


def _write_atomically(target: Path, write) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
        os.replace(tmp_name, target)
    except OSError as exc:
        raise VulnDbError(f"{target}: cannot write the bundle ({exc.strerror})") from None
    finally:
        Path(tmp_name).unlink(missing_ok=True)


def _read_bundle(bundle: Path, out) -> dict:
    """Stream the bundle: manifest first, then the database into `out`, checked."""
    try:
        with bundle.open("rb") as raw:
            reader = zstandard.ZstdDecompressor().stream_reader(raw)
            with tarfile.open(fileobj=reader, mode="r|") as tar:
                return _read_members(tar, out, bundle)
    except FileNotFoundError:
        raise VulnDbError(f"{bundle}: no such file") from None
    except (tarfile.TarError, zstandard.ZstdError, OSError, EOFError) as exc:
        raise VulnDbError(f"{bundle}: corrupt or truncated bundle ({exc})") from None


def _read_members(tar: tarfile.TarFile, out, bundle: Path) -> dict:
    manifest = None
    for member in tar:
        if member.name == MANIFEST and manifest is None:
            manifest = _parse_manifest(tar, member, bundle)
        elif member.name == DATABASE and manifest is not None:
            _copy_checked(tar, member, manifest["database"], out, bundle)
            return manifest
        else:
            raise VulnDbError(f"{bundle}: unexpected {member.name!r} in the bundle")
    raise VulnDbError(f"{bundle}: corrupt or truncated bundle (no database in it)")


def _parse_manifest(tar: tarfile.TarFile, member: tarfile.TarInfo, bundle: Path) -> dict:
    stream = tar.extractfile(member)
    if stream is None or member.size > MAX_MANIFEST_BYTES:
        raise VulnDbError(f"{bundle}: unreadable manifest")
    try:
        manifest = json.loads(stream.read())
        entry = manifest["database"]
        ok = manifest.get("format") == FORMAT and isinstance(entry["sha256"], str)
        ok = ok and isinstance(entry["size"], int)
    except (ValueError, KeyError, TypeError):
        ok = False
    if not ok:
        raise VulnDbError(f"{bundle}: not a dockwise database bundle")
    if manifest.get("schema_version") != SCHEMA_VERSION:
        raise VulnDbError(
            f"{bundle}: database schema {manifest.get('schema_version')!r}, this dockwise "
            f"reads {SCHEMA_VERSION}"
        )
    return manifest


def _copy_checked(tar, member: tarfile.TarInfo, entry: dict, out, bundle: Path) -> None:
    if member.size != entry["size"] or member.size > MAX_DATABASE_BYTES:
        raise VulnDbError(f"{bundle}: database size does not match the manifest")
    stream = tar.extractfile(member)
    if stream is None:
        raise VulnDbError(f"{bundle}: unreadable database entry")
    size, digest = _hash(stream, out)
    if size != entry["size"] or digest != entry["sha256"]:
        raise VulnDbError(f"{bundle}: checksum mismatch (corrupt bundle)")


def _hash(stream, out=None) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if out is not None:
            out.write(chunk)
    return size, digest.hexdigest()


def _check_database(path: Path, bundle: Path) -> None:
    """The checksum proves the bytes; this proves they are a database we can read."""
    try:
        VulnDb(path).close()
    except (VulnDbError, sqlite3.Error) as exc:
        raise VulnDbError(f"{bundle}: the database inside is unusable ({exc})") from None
