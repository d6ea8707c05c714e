"""pnpm's `pnpm-lock.yaml`, lockfileVersion 5.x, 6.x and 9.x.

Format: https://github.com/pnpm/spec/blob/master/lockfile/ (v5 `/name/1.0.0_peer`,
v6 `/name@1.0.0(peer@2.0.0)`, v9 `name@1.0.0` in `packages` with the peer-resolved
variants and their dependencies under `snapshots`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from dockwise.catalog.npm_lock import LockEntry, LockfileError
from dockwise.untrusted import load_yaml_documents

_PEER_SUFFIX = re.compile(r"\(.*\)$")
_V5_VERSION = re.compile(r"\d[^@]*")  # v5's last key segment is the version itself
_HOST = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/")  # `registry.npmjs.org/`
_ENV_KEYS = {"configDependencies", "packageManagerDependencies"}



def parse_pnpm_lock(data: bytes) -> list[LockEntry]:
    """Every package of the project's lockfile document, once per name@version."""
    document = _load(data)
    packages = document.get("packages")
    if not isinstance(packages, dict):
        return []
    snapshots = document.get("snapshots")
    dependencies = _snapshot_dependencies(snapshots if isinstance(snapshots, dict) else {})
    seen: dict[tuple[str, str], LockEntry] = {}
    for key, entry in packages.items():
        parsed = _entry(str(key), entry if isinstance(entry, dict) else {}, dependencies)
        if parsed is not None:
            seen.setdefault((parsed.name, parsed.version), parsed)
    return list(seen.values())


def _load(data: bytes) -> dict:
    """The project's lockfile document. pnpm 11 may write its env lockfile (the pnpm it
    runs as, config dependencies) as a first document before it: not the project's.

    pnpm never writes anchors, so an alias is refused outright rather than expanded."""
    try:
        documents = [d for d in load_yaml_documents(data, aliases=False) if isinstance(d, dict)]
    except ValueError as exc:
        raise LockfileError(str(exc)) from None
    if not documents:
        raise LockfileError("not a YAML mapping")
    return next((d for d in documents if not _env_lockfile(d)), documents[0])


def _env_lockfile(document: dict) -> bool:
    importers = document.get("importers")
    return isinstance(importers, dict) and all(
        isinstance(i, dict) and set(i) <= _ENV_KEYS for i in importers.values())  # fmt: skip


def _snapshot_dependencies(snapshots: Mapping[object, object]) -> dict[str, set[str]]:
    """v9: name@version to the names its peer-resolved snapshots depend on."""
    merged: dict[str, set[str]] = {}
    for key, snapshot in snapshots.items():
        if isinstance(snapshot, dict):
            names = merged.setdefault(_PEER_SUFFIX.sub("", str(key)), set())
            names.update(_names(snapshot.get("dependencies")))
            names.update(_names(snapshot.get("optionalDependencies")))
    return merged


def _entry(key: str, entry: dict, snapshots: dict[str, set[str]]) -> LockEntry | None:
    """`name`/`version` fields win (tarball and git entries); else the key says them."""
    key_name, key_version = split_key(key)
    name = str(entry.get("name") or key_name)
    version = str(entry.get("version") or key_version)
    if not name or not version:
        return None
    names = set(_names(entry.get("dependencies"))) | snapshots.get(_PEER_SUFFIX.sub("", key), set())
    resolution = entry.get("resolution")
    resolution = resolution if isinstance(resolution, dict) else {}
    return LockEntry(
        name=name,
        version=version,
        dev=entry.get("dev") is True,
        dependencies=tuple(sorted(names)),
        resolved=str(resolution.get("tarball") or ""),
        integrity=str(resolution.get("integrity") or ""),
    )


def split_key(key: str) -> tuple[str, str]:
    """`/@scope/a/1.0.0_peer` (v5), `/@scope/a@1.0.0(peer)` (v6), `@scope/a@1.0.0` (v9);
    v5 names a registry other than the default by a host prefix, `example.com/a/1.0.0`."""
    key = _PEER_SUFFIX.sub("", key.strip())
    if _HOST.match(key):
        key = key[key.index("/") :]
    name, _, last = key.lstrip("/").rpartition("/")
    version = last.split("_", 1)[0]
    if key.startswith("/") and name and _V5_VERSION.fullmatch(version):
        return name, version
    key = key.lstrip("/")
    at = key.rfind("@")
    if at <= 0:
        return "", ""
    return key[:at], key[at + 1 :]


def _names(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        yield from (str(k) for k in value)
