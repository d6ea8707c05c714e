"""`dockwise fleet add|status|affected|rematch|history|scan`: every image vetted, remembered,
and re-checked when new advisories land (docs/fleet.md)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Sequence

from dockwise.commands import fleet_scan
from dockwise.commands.db import DB_HELP
from dockwise.commands.flags import add_registry_arguments, registry_keywords, write_output
from dockwise.errors import DockwiseError
from dockwise.vulndb.paths import resolve_db_path

STORE_HELP = (
    "the fleet store: a database URL such as postgresql+psycopg://USER@HOST/DB "
    "(default: $DOCKWISE_STORE, else SQLite at $XDG_DATA_HOME/dockwise/fleet.db)"
)
FORMATS = ("table", "json")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="fleet_command", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="scan sources (or read saved JSON results) into the store")
    add.add_argument(
        "sources",
        metavar="SOURCE",
        nargs="+",
        help="an image source as `scan` takes it, or a saved `--format json` result",
    )
    add.add_argument("--platform", metavar="OS/ARCH[/VARIANT]", help="the platform to read")
    add.add_argument("-q", "--quiet", action="store_true", help="only errors")
    add.add_argument("--no-cache", action="store_true", help="neither use nor fill the cache")
    add_registry_arguments(add.add_argument_group("registry access"))
    status = actions.add_parser("status", help="one line per image: risk and rebuild needed")
    affected = actions.add_parser("affected", help="images affected by CVE-ID, PURL or PACKAGE")
    affected.add_argument("what", metavar="CVE-ID|PURL|PACKAGE")
    rematch = actions.add_parser(
        "rematch", help="re-match stored inventories against the current database"
    )
    rematch.add_argument(
        "--full",
        action="store_true",
        help="re-match every image, not only those the new release changes",
    )
    history = actions.add_parser("history", help="an image's scans and findings over releases")
    history.add_argument("image", metavar="IMAGE", help="a digest (or its prefix) or reference")
    scan = actions.add_parser("scan", help="scan what is new or stale (queued with PostgreSQL)")
    fleet_scan.add_arguments(scan)
    for action, run in (
        (add, _add),
        (status, _status),
        (affected, _affected),
        (rematch, _rematch),
        (history, _history),
        (scan, _scan),
    ):
        action.add_argument("--store", metavar="URL", help=STORE_HELP)
        if action in (add, rematch, scan):
            action.add_argument("--db", metavar="PATH", help=DB_HELP)
        if action not in (add, scan):
            action.add_argument(
                "-f", "--format", dest="output_format", choices=FORMATS, default="table"
            )
        action.set_defaults(fleet_run=run)  # fmt: skip


def run(args: argparse.Namespace) -> int:
    """A database failure past opening (a lock held too long, a dropped connection) is
    one line too, not a traceback."""
    from sqlalchemy.exc import SQLAlchemyError

    from dockwise.fleet import FleetError

    try:
        return args.fleet_run(args)
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines() or ["failed"]
        raise FleetError(f"the fleet store: {detail[0]}") from None


def _open(args: argparse.Namespace):  # noqa: ANN202 - Fleet, imported lazily
    from dockwise.fleet.store import open_fleet

    return open_fleet(args.store)


def _add(args: argparse.Namespace) -> int:
    from dockwise.fleet.add import add, match_added

    keywords = {"platform": args.platform, "no_cache": args.no_cache, **registry_keywords(args)}
    db, failed, added = resolve_db_path(args.db), 0, []
    with _open(args) as fleet:
        for source in args.sources:
            try:
                item = add(fleet, source, db, keywords)
            except DockwiseError as exc:
                named = str(exc) if source in str(exc) else f"{source}: {exc}"  # once
                print(f"dockwise: error: {named}", file=sys.stderr)
                failed += 1
                continue
            added.append(item)
            if not args.quiet:
                word = "added" if item.scanned else "unchanged, not rescanned:"
                print(f"{word} {item.digest} {source}")
        changes = match_added(fleet, db, added)
    if changes and not args.quiet:
        print(_changes_line(changes))
    return 2 if failed else 0


def _status(args: argparse.Namespace) -> int:
    from dockwise.fleet.queries import status

    with _open(args) as fleet:
        lines = status(fleet)
    header = ("IMAGE", "WORST", "KEV", "FIXABLE", "EOL", "AGE", "REBUILD")
    rows = [(s.name, s.worst, s.kev, s.fixable, "eol" if s.eol else "-",
             "-" if s.age_days is None else f"{s.age_days}d",
             "; ".join(s.rebuild) if s.rebuild else "no") for s in lines]  # fmt: skip
    _emit(args, lines, header, rows)
    return 0


def _affected(args: argparse.Namespace) -> int:
    from dockwise.fleet.queries import affected

    with _open(args) as fleet:
        found = affected(fleet, args.what)
    header = ("IMAGE", "PACKAGE", "VULNERABILITY", "SEVERITY", "FIXED IN")
    rows = [(a.name, a.package, a.vuln_id or "-", a.severity or "-", a.fixed_version or "-")
            for a in found]  # fmt: skip
    _emit(args, found, header, rows)
    return 0


def _rematch(args: argparse.Namespace) -> int:
    from dockwise.fleet import api, incremental

    with _open(args) as fleet, api.open_advisories(resolve_db_path(args.db)) as advisories:
        changes = incremental.rematch(fleet, advisories, api.release_of(advisories), args.full)
    if args.output_format == "json":
        write_output(json.dumps(dataclasses.asdict(changes), indent=2), None)
    else:
        print(_changes_line(changes))
    return 0


def _history(args: argparse.Namespace) -> int:
    from dockwise.fleet.queries import history

    with _open(args) as fleet:
        digest, events = history(fleet, args.image)
    header = ("WHEN", "EVENT", "LAST SEEN", "RESOLVED", "STATUS")
    rows = [(e.first, e.what, e.last or "-", e.resolved or "-", e.status or "-")
            for e in events]  # fmt: skip
    if args.output_format == "table":
        print(digest)
    _emit(args, {"image": digest, "events": events}, header, rows)
    return 0


def _scan(args: argparse.Namespace) -> int:
    with _open(args) as fleet:
        return fleet_scan.run(args, fleet)


def _changes_line(changes) -> str:  # noqa: ANN001 - fleet.match.Changes
    return (
        f"matched {changes.images} images: {changes.opened} new findings, "
        f"{changes.resolved} resolved"
        + (f", {changes.notified} images in the outbox roll-up" if changes.notified else "")
    )


def _emit(args: argparse.Namespace, data, header: Sequence[str], rows: list[tuple]) -> None:  # noqa: ANN001
    """JSON of the frozen rows, or aligned plain columns (what grep and awk read)."""
    if args.output_format == "json":
        write_output(json.dumps(_plain(data), indent=2), None)
        return
    table = [tuple(map(str, header)), *(tuple(map(str, row)) for row in rows)]
    widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
    lines = ["  ".join([*(c.ljust(w) for c, w in zip(row, widths, strict=False)), row[-1]])
             for row in table]  # fmt: skip
    write_output("\n".join(line.rstrip() for line in lines), None)


def _plain(data):  # noqa: ANN001, ANN202 - dataclasses, lists and dicts of them
    if dataclasses.is_dataclass(data):
        return dataclasses.asdict(data)
    if isinstance(data, dict):
        return {k: _plain(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_plain(v) for v in data]
    return data
