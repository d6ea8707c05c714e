"""pnpm's `pnpm-lock.yaml`, lockfileVersion 5.x, 6.x and 9.x.

Format: https://github.com/pnpm/spec/blob/master/lockfile/ (v5 `/name/1.0.0_peer`,
v6 `/name@1.0.0(peer@2.0.0)`, v9 `name@1.0.0` in `packages` with the peer-resolved
variants and their dependencies under `snapshots`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from dockwise.catalog.npm_lock import LockEntry, LockfileError
from dockwise.untrusted import load_yaml

_PEER_SUFFIX = re.compile(r"\(.*\)$")
_V5_VERSION = re.compile(r"\d[^@]*")  # v5's last key segment is the version itself



def parse_pnpm_lock(data: bytes) -> list[LockEntry]:
    """Every package of the lockfile's first document, once per name@version."""
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
    """The first YAML document (pnpm 9 may append a second for the env lockfile).

    pnpm never writes anchors, so an alias is refused outright rather than expanded."""
    try:
        document = load_yaml(data, aliases=False)
    except ValueError as exc:
        raise LockfileError(str(exc)) from None
    if not isinstance(document, dict):
        raise LockfileError("not a YAML mapping")
    return document


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
    """`/@scope/a/1.0.0_peer` (v5), `/@scope/a@1.0.0(peer)` (v6), `@scope/a@1.0.0` (v9)."""
    key = _PEER_SUFFIX.sub("", key.strip())
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
