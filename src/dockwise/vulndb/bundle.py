"""`dockwise db export|import`: the database as one dated, checksummed file to carry
into an air-gapped network.

A bundle is a zstd-compressed tar (https://www.rfc-editor.org/rfc/rfc8878) holding
`manifest.json` first, then `dockwise.db`, then, when `db update` refreshed it, the
lifecycle snapshot `lifecycle.json`. The manifest records each file's sha256 and size,
the schema and the build date; import streams the database into a temp file beside the
target, verifies everything, and only then renames the files into place. A bundle
without `lifecycle.json` still imports (the bundled snapshot then answers), and older
readers stop after the database, so the format version stays 1.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import sqlite3
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import zstandard

from dockwise.lifecycle.snapshot import (
    REFRESHED_NAME,
    LifecycleError,
    parse_snapshot,
    refreshed_path,
)
from dockwise.version import __version__
from dockwise.vulndb import VulnDbError
from dockwise.vulndb.store import SCHEMA_VERSION, VulnDb

FORMAT = "dockwise-db-bundle"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE = "dockwise.db"
MAX_MANIFEST_BYTES = 1 << 20
MAX_DATABASE_BYTES = 64 << 30
LIFECYCLE = REFRESHED_NAME
MAX_LIFECYCLE_BYTES = 16 << 20  # the real snapshot is about 100 KB
CHUNK = 1 << 20
_ZSTD_LEVEL = 10  # ~4x on this data at a few seconds per 100 MiB


def export_bundle(db_path: Path, bundle: Path) -> dict:
    """Write the database at `db_path` into `bundle` (atomically); returns the manifest."""
    with VulnDb(db_path) as db:
        meta = dict(db.meta)
    lifecycle = _lifecycle_bytes(refreshed_path(db_path))
    with db_path.open("rb") as source:  # the file never changes in place: a consistent copy
        size, digest = _hash(source)
        manifest = _manifest(meta, size, digest)
        if lifecycle is not None:
            manifest["lifecycle"] = _lifecycle_entry(lifecycle)
        source.seek(0)
        _write_atomically(bundle, lambda out: _write_tar(out, manifest, source, size, lifecycle))
    return manifest


def import_bundle(bundle: Path, db_path: Path) -> dict:
    """Verify `bundle` and replace the database at `db_path` with it; returns the manifest."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _create_temp(db_path.parent, ".dockwise-import-")
    try:
        with os.fdopen(fd, "wb") as out:
            manifest, lifecycle = _read_bundle(bundle, out)
        _check_database(tmp, bundle)
        os.replace(tmp, db_path)
    finally:
        tmp.unlink(missing_ok=True)
    if lifecycle is not None:
        _write_atomically(refreshed_path(db_path), lambda out: out.write(lifecycle))
    return manifest


def _lifecycle_bytes(path: Path) -> bytes | None:
    """The refreshed snapshot to carry, when there is a usable one."""
    try:
        data = path.read_bytes()
        parse_snapshot(json.loads(data), str(path))
    except (OSError, ValueError, LifecycleError):
        return None  # none, or one scans ignore anyway: not worth carrying
    return data


def _lifecycle_entry(data: bytes) -> dict:
    generated = json.loads(data)["generated"]
    digest = hashlib.sha256(data).hexdigest()
    return {"name": LIFECYCLE, "size": len(data), "sha256": digest, "generated": generated}


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


def _write_tar(out, manifest: dict, source, size: int, lifecycle: bytes | None) -> None:
    compressor = zstandard.ZstdCompressor(level=_ZSTD_LEVEL, threads=-1)
    with compressor.stream_writer(out, closefd=False) as zstd:
        with tarfile.open(fileobj=zstd, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            text = json.dumps(manifest, indent=2).encode()
            tar.addfile(_member(MANIFEST, len(text)), io.BytesIO(text))
            tar.addfile(_member(DATABASE, size), source)
            if lifecycle is not None:
                tar.addfile(_member(LIFECYCLE, len(lifecycle)), io.BytesIO(lifecycle))


def _member(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o644, int(datetime.now(UTC).timestamp())
    return info


def _write_atomically(target: Path, write) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = None
    try:
        fd, tmp = _create_temp(target.parent, f".{target.name}.")
        with os.fdopen(fd, "wb") as out:
            write(out)
        os.replace(tmp, target)
    except OSError as exc:
        raise VulnDbError(f"{target}: cannot write the bundle ({exc.strerror})") from None
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def _create_temp(directory: Path, prefix: str) -> tuple[int, Path]:
    """A new file beside its target, created as `open()` would (0666 less the umask):
    mkstemp's 0600 would survive the rename, and a bundle or database holds no secret."""
    path = directory / f"{prefix}{secrets.token_hex(8)}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    return os.open(path, flags, 0o666), path


def _read_bundle(bundle: Path, out) -> tuple[dict, bytes | None]:
    """Stream the bundle: manifest first, then the database into `out`, checked, then
    the lifecycle snapshot's bytes, checked."""
    try:
        with bundle.open("rb") as raw:
            reader = zstandard.ZstdDecompressor().stream_reader(raw)
            with tarfile.open(fileobj=reader, mode="r|") as tar:
                return _read_members(tar, out, bundle)
    except FileNotFoundError:
        raise VulnDbError(f"{bundle}: no such file") from None
    except (tarfile.TarError, zstandard.ZstdError, OSError, EOFError) as exc:
        raise VulnDbError(f"{bundle}: corrupt or truncated bundle ({exc})") from None


def _read_members(tar: tarfile.TarFile, out, bundle: Path) -> tuple[dict, bytes | None]:
    manifest, copied, lifecycle = None, False, None
    for member in tar:
        if member.name == MANIFEST and manifest is None:
            manifest = _parse_manifest(tar, member, bundle)
        elif member.name == DATABASE and manifest is not None and not copied:
            _copy_checked(tar, member, manifest["database"], out, bundle)
            copied = True
        elif member.name == LIFECYCLE and copied and lifecycle is None and manifest:
            lifecycle = _read_lifecycle(tar, member, manifest.get("lifecycle"), bundle)
        else:
            raise VulnDbError(f"{bundle}: unexpected {member.name!r} in the bundle")
    if manifest is None or not copied:
        raise VulnDbError(f"{bundle}: corrupt or truncated bundle (no database in it)")
    if manifest.get("lifecycle") and lifecycle is None:
        raise VulnDbError(f"{bundle}: corrupt or truncated bundle (no {LIFECYCLE} in it)")
    return manifest, lifecycle


def _read_lifecycle(tar, member: tarfile.TarInfo, entry: object, bundle: Path) -> bytes:
    """The snapshot's bytes, checked against the manifest and parsed before any write."""
    if not isinstance(entry, dict) or member.size > MAX_LIFECYCLE_BYTES:
        raise VulnDbError(f"{bundle}: {LIFECYCLE} is not listed in the manifest")
    stream = tar.extractfile(member)
    data = stream.read(MAX_LIFECYCLE_BYTES + 1) if stream else b""
    if len(data) != entry.get("size") or hashlib.sha256(data).hexdigest() != entry.get("sha256"):
        raise VulnDbError(f"{bundle}: {LIFECYCLE} checksum mismatch (corrupt bundle)")
    try:
        parse_snapshot(json.loads(data), f"{bundle}:{LIFECYCLE}")
    except (ValueError, LifecycleError) as exc:
        raise VulnDbError(f"{bundle}: unusable {LIFECYCLE} ({exc})") from None
    return data


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
