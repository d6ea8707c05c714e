"""`dockwise db update|status|export|import`: the offline vulnerability database."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from dockwise.commands.flags import write_output
from dockwise.errors import DockwiseError
from dockwise.options import OFFLINE_ENV, offline_requested
from dockwise.progress import bars
from dockwise.vulndb.paths import MIRROR_ENV, resolve_db_path, resolve_mirror
from dockwise.vulndb.status import (
    DEFAULT_MAX_AGE,
    DbStatus,
    describe_counts,
    human_age,
    parse_max_age,
)

DB_HELP = "database file (default: $DOCKWISE_DB, else $XDG_CACHE_HOME/dockwise/db/dockwise.db)"
MIRROR_HELP = f"read every feed from one mirror URL (default: ${MIRROR_ENV}, else upstream)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    update = actions.add_parser("update", help="download the feeds and rebuild the database")
    update.add_argument("--mirror", metavar="URL", help=MIRROR_HELP)
    update.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    status = actions.add_parser("status", help="show each feed's date, record count and age")
    status.add_argument(
        "--max-age",
        default=DEFAULT_MAX_AGE,
        metavar="AGE",
        help="warn when the database is older (e.g. 7d, 36h; default 7d)",
    )
    status.add_argument(
        "-f", "--format", dest="output_format", choices=("table", "json"), default="table"
    )
    export = actions.add_parser("export", help="write the database as one offline bundle")
    export.add_argument("file", metavar="FILE", help="bundle to write, e.g. dockwise-db.tar.zst")
    restore = actions.add_parser("import", help="replace the database with a bundle's")
    restore.add_argument("file", metavar="FILE", help="bundle written by `db export`")
    for action, run in (
        (update, _update),
        (status, _status),
        (export, _export),
        (restore, _import),
    ):
        action.add_argument("--db", metavar="PATH", help=DB_HELP)
        action.set_defaults(db_run=run)  # fmt: skip


def run(args: argparse.Namespace) -> int:
    return args.db_run(args)


def _update(args: argparse.Namespace) -> int:
    from dockwise.vulndb.fetch import is_local

    mirror = resolve_mirror(args.mirror)
    if offline_requested() and not (mirror and is_local(mirror)):
        raise DockwiseError(
            f"${OFFLINE_ENV} forbids downloading the feeds; use --mirror file://DIR or "
            "`dockwise db import BUNDLE`"
        )
    from dockwise.vulndb.prepare import build_database

    build_database(resolve_db_path(args.db), mirror, lambda: bars(args.quiet, feeds=True))
    return 0


def _status(args: argparse.Namespace) -> int:
    from dockwise.vulndb.status import read_status

    max_age = parse_max_age(args.max_age)
    status = read_status(resolve_db_path(args.db))
    text = _status_json(status) if args.output_format == "json" else _status_table(status)
    write_output(text, None)
    if status.stale(max_age):
        _warn(f"the database is {human_age(status.age_seconds)} old (more than "
              f"{args.max_age}); run `dockwise db update`")  # fmt: skip
    if status.partial:
        _warn(f"the last update was partial: {status.meta.get('incomplete_feeds', '')}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from dockwise.vulndb.bundle import export_bundle

    manifest = export_bundle(resolve_db_path(args.db), Path(args.file))
    _note(f"exported {args.file} (database built {manifest['built']}, "
          f"sha256 {manifest['database']['sha256'][:16]}...)")  # fmt: skip
    return 0


def _import(args: argparse.Namespace) -> int:
    from dockwise.vulndb.bundle import import_bundle

    path = resolve_db_path(args.db)
    manifest = import_bundle(Path(args.file), path)
    _note(f"imported {args.file} into {path} (database built {manifest['built']})")
    return 0


def _status_table(status: DbStatus) -> str:
    lines = [
        f"database: {status.path} ({status.size / 1e6:.1f} MB, schema "
        f"{status.meta.get('schema_version', '?')})",
        f"built:    {status.built or 'unknown'} ({human_age(status.age_seconds)} ago)",
        f"holds:    {describe_counts(status.counts)}",
        f"lifecycle: {_lifecycle_line(status.lifecycle)}",
        "",
        f"{'FEED':<15} {'FILE':<40} {'STATUS':<9} {'RECORDS':>8} {'SKIPPED':>8}  FETCHED",
    ]
    for row in status.feeds:
        lines.append(
            f"{row['feed']:<15} {row['path']:<40} {row['status']:<9} {row['records']:>8} "
            f"{row['skipped']:>8}  {row['fetched']}"
        )
    return "\n".join(lines)


def _status_json(status: DbStatus) -> str:
    body = {
        "path": str(status.path),
        "size": status.size,
        "built": status.built,
        "age_seconds": status.age_seconds,
        "partial": status.partial,
        "meta": status.meta,
        "counts": status.counts,
        "feeds": status.feeds,
        "lifecycle": status.lifecycle,
    }
    return json.dumps(body, indent=2)


def _lifecycle_line(lifecycle: dict | None) -> str:
    """The refreshed snapshot and its date; scans use the bundled one without it."""
    if lifecycle is None:
        return "bundled snapshot only (no refreshed lifecycle.json)"
    if "error" in lifecycle:
        return f"unusable, the bundled snapshot answers ({lifecycle['error']})"
    return (f"{lifecycle['path']} (generated {lifecycle['generated']}, "
            f"{lifecycle['products']} products)")  # fmt: skip


def _warn(line: str) -> None:
    print(f"dockwise: warning: {line}", file=sys.stderr)


def _note(line: str) -> None:
    print(line, file=sys.stderr)
