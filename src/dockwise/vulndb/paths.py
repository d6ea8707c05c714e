"""Where the database lives, and where its feeds come from, unless told otherwise."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from dockwise.cache.root import cache_root

DB_FILENAME = "dockwise.db"
MIRROR_ENV = "DOCKWISE_MIRROR"


def default_db_path(environ: Mapping[str, str] | None = None) -> Path:
    """`$DOCKWISE_DB`, else `$XDG_CACHE_HOME/dockwise/db/dockwise.db`, else `~/.cache/...`.

    A cache directory because the database can always be rebuilt from the feeds
    (https://specifications.freedesktop.org/basedir-spec/latest/).
    """
    env = os.environ if environ is None else environ
    if env.get("DOCKWISE_DB"):
        return Path(env["DOCKWISE_DB"]).expanduser()
    return cache_root(env) / "db" / DB_FILENAME


def resolve_db_path(explicit: str | None) -> Path:
    """`--db PATH` wins over the environment and the default."""
    return Path(explicit).expanduser() if explicit else default_db_path()


def resolve_mirror(explicit: str | None) -> str | None:
    """`--mirror URL` wins over `$DOCKWISE_MIRROR`; None means the public feeds. One place,
    so `db update` and the build `scan` starts on its own read the same feeds."""
    return explicit or os.environ.get(MIRROR_ENV) or None
