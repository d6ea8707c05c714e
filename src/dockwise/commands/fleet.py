"""`dockwise fleet add|status|affected|rematch|history|scan`: every image vetted, remembered,
and re-checked when new advisories land (docs/fleet.md)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from dockwise.commands import fleet_scan
from dockwise.commands.db import DB_HELP
from dockwise.commands.flags import (
    add_registry_arguments,
    registry_access,
    registry_keywords,
    write_output,
)
from dockwise.commands.outdated import add_archive_arguments
from dockwise.errors import DockwiseError
from dockwise.model import Severity
from dockwise.vulndb.paths import resolve_db_path

STORE_HELP = (
    "the fleet store: a database URL such as postgresql+psycopg://USER@HOST/DB "
    "(default: $DOCKWISE_STORE, else SQLite at $XDG_DATA_HOME/dockwise/fleet.db)"
)
FORMATS = ("table", "json")
NOTIFY_LEVELS = ("critical", "high", "medium")  # the outbox keeps medium and above
AFFECTED_LIMIT = 100  # a fleet-wide CVE is a row per image: a page, and the count


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
    status.add_argument(
        "--check-base", action="store_true",
        help="first ask each base image's registry whether its reference moved",
    )  # fmt: skip
    status.add_argument(
        "--check-archive", action="store_true",
        help="first ask each release's archive (as `outdated` does) which packages it has "
        "newer, and which open findings those fix",
    )  # fmt: skip
    add_archive_arguments(status, "check with")
    add_registry_arguments(status.add_argument_group("registry access (--check-base)"))
    affected = actions.add_parser("affected", help="images affected by CVE-ID, PURL or PACKAGE")
    affected.add_argument("what", metavar="CVE-ID|PURL|PACKAGE")
    shown = affected.add_mutually_exclusive_group()
    shown.add_argument("--limit", type=int, default=AFFECTED_LIMIT, metavar="N",
                       help=f"show the first N in name order (default: {AFFECTED_LIMIT}); "
                            "the total is always said")  # fmt: skip
    shown.add_argument("--all", dest="limit", action="store_const", const=None,
                       help="show every one")  # fmt: skip
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
    report = actions.add_parser("report", help="the fleet page: risk, changes, trends")
    report.add_argument("-f", "--format", dest="output_format", default="html",
                        choices=("html", "json", "markdown"))  # fmt: skip
    report.add_argument("-o", "--output", metavar="FILE", help="write here, not to stdout")
    discover = actions.add_parser(
        "discover", help="list a registry's repositories and tags into the store (not scanned)"
    )
    _discover_arguments(discover)
    notify = actions.add_parser(
        "notify", help="deliver the outbox roll-ups to a webhook (signed) or print them"
    )
    _notify_arguments(notify)
    scan = actions.add_parser("scan", help="scan what is new or stale (queued with PostgreSQL)")
    fleet_scan.add_arguments(scan)
    for action, run in (
        (add, _add),
        (notify, _notify),
        (discover, _discover),
        (report, _report),
        (status, _status),
        (affected, _affected),
        (rematch, _rematch),
        (history, _history),
        (scan, _scan),
    ):
        action.add_argument("--store", metavar="URL", help=STORE_HELP)
        if action in (add, rematch, scan):
            action.add_argument("--db", metavar="PATH", help=DB_HELP)
        if action not in (add, scan, notify, discover, report):
            action.add_argument(
                "-f", "--format", dest="output_format", choices=FORMATS, default="table"
            )
        action.set_defaults(fleet_run=run)  # fmt: skip


def _discover_arguments(discover: argparse.ArgumentParser) -> None:
    discover.add_argument("target", metavar="registry:HOST[/PREFIX]")
    discover.add_argument(
        "--include", metavar="GLOB", action="append", default=[],
        help="keep only matching repositories (REPO glob) or tags (REPO:TAG glob); repeatable",
    )  # fmt: skip
    discover.add_argument(
        "--exclude", metavar="GLOB", action="append", default=[],
        help="drop matching repositories or tags, as --include; repeatable",
    )  # fmt: skip
    discover.add_argument(
        "--tag-limit", metavar="N", type=int,
        help="keep the N highest tags per repository (natural order: 1.10 above 1.9)",
    )  # fmt: skip
    discover.add_argument("-q", "--quiet", action="store_true", help="only errors")
    discover.add_argument("--queue", action="store_true",
                          help="with PostgreSQL: queue it for a worker (--queues discover), "
                               "which lists with its own registry credentials")  # fmt: skip
    add_registry_arguments(discover.add_argument_group("registry access"))
    discover.add_argument(
        "-f", "--format", dest="output_format", choices=FORMATS, default="table"
    )


def _notify_arguments(notify: argparse.ArgumentParser) -> None:
    where = notify.add_mutually_exclusive_group()
    where.add_argument(
        "--webhook", metavar="URL", help="POST each roll-up here (default: $DOCKWISE_WEBHOOK_URL)"
    )
    where.add_argument(
        "--print", dest="print_rollups", action="store_true",
        help="print each roll-up as a JSON line instead (marked delivered)",
    )  # fmt: skip
    notify.add_argument(
        "--secret-file", metavar="PATH",
        help="the shared HMAC secret (default: $DOCKWISE_WEBHOOK_SECRET)",
    )  # fmt: skip
    notify.add_argument("--severity", default="medium", choices=NOTIFY_LEVELS,
                        help="new findings at or above this go out; KEV additions always "
                             "(default: medium)")  # fmt: skip
    notify.add_argument("--attempts", type=int, default=5, metavar="N",
                        help="tries per roll-up before giving up (default: 5)")  # fmt: skip
    notify.add_argument("--queue", action="store_true",
                        help="with PostgreSQL: queue it for a worker (--queues notify), which "
                             "sends to its own $DOCKWISE_WEBHOOK_URL with its own "
                             "secret")  # fmt: skip


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
    from dockwise.fleet.add import add_sources, match_added

    keywords = {"platform": args.platform, "no_cache": args.no_cache, **registry_keywords(args)}
    db, failed, added = resolve_db_path(args.db), 0, []
    with _open(args) as fleet:
        for source, item in add_sources(fleet, args.sources, db, keywords):
            if isinstance(item, DockwiseError):
                named = str(item) if source in str(item) else f"{source}: {item}"  # once
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


def _report(args: argparse.Namespace) -> int:
    from dockwise.fleet import report

    render = {"html": report.to_html, "json": report.to_json, "markdown": report.to_markdown}
    with _open(args) as fleet:
        page = render[args.output_format](report.build(fleet))
    write_output(page, args.output)
    return 0


def _discover(args: argparse.Namespace) -> int:
    from dockwise.fleet.bases import check_bases
    from dockwise.fleet.discover import Selection, discover, parse_target

    access = registry_access(args)
    if access.offline:
        raise DockwiseError("fleet discover: offline, and listing a registry needs it")
    if args.tag_limit is not None and args.tag_limit < 1:
        raise DockwiseError("fleet discover: --tag-limit needs a number above 0")
    selection = Selection(tuple(args.include), tuple(args.exclude), args.tag_limit)
    if args.queue:
        return _queue_discover(args, selection)
    with _open(args) as fleet:
        found = discover(fleet, args.target, access, selection)
        warnings = check_bases(fleet, access, parse_target(args.target)[0])  # bases there
    for failure in (*found.failed, *warnings):
        print(f"dockwise: warning: {failure}", file=sys.stderr)
    if args.output_format == "json":
        write_output(json.dumps(dataclasses.asdict(found), indent=2), None)
    elif not args.quiet:
        print(f"{found.repositories} repositories: {found.references} tags kept, "
              f"{found.new} new, {found.moved} naming another digest than before")  # fmt: skip
    return 0


def _queue_discover(args: argparse.Namespace, selection) -> int:  # noqa: ANN001 - Selection
    from dockwise.fleet.discover import parse_target
    from dockwise.fleet.queue import enqueue_discover

    parse_target(args.target)  # a bad target fails here, not in a worker's log
    if args.username or args.password_stdin:
        raise DockwiseError("fleet discover --queue: the worker lists with its own registry "
                            "credentials (its $DOCKWISE_REGISTRY_USERNAME/PASSWORD); a "
                            "job row is no place for a password")  # fmt: skip
    chosen = {"include": list(selection.include), "exclude": list(selection.exclude),
              "tag_limit": selection.tag_limit}  # fmt: skip
    return _queued(args, "discover", lambda app: enqueue_discover(
        app, args.target, chosen, registry_keywords(args)))  # fmt: skip


def _queued(args: argparse.Namespace, what: str, enqueue) -> int:  # noqa: ANN001 - a callable
    """Queue one job on the store's queue and say which: a pending one is that one."""
    from dockwise.fleet.queue import make_app

    with _open(args) as fleet, make_app(fleet).open() as app:
        queued = enqueue(app)
    state = "already queued" if queued.pending else "queued"
    if not getattr(args, "quiet", False):
        print(f"{what}: {state} (job {queued.job_id})")
    return 0


def _notify(args: argparse.Namespace) -> int:
    from dockwise.fleet.notify import deliver

    if args.queue:
        return _queue_notify(args)
    send = _printer() if args.print_rollups else _webhook(args)
    with _open(args) as fleet:
        done = deliver(fleet, send, Severity.parse(args.severity))
    if not args.print_rollups:
        print(f"delivered {done.sent} roll-ups"
              + (f", {done.empty} with nothing at or above {args.severity}" if done.empty
                 else ""))  # fmt: skip
    return 0


def _queue_notify(args: argparse.Namespace) -> int:
    from dockwise.fleet.queue import enqueue_notify

    if args.webhook or args.secret_file or args.print_rollups:
        raise DockwiseError("fleet notify --queue: the worker sends to its own "
                            "$DOCKWISE_WEBHOOK_URL with its own $DOCKWISE_WEBHOOK_SECRET; "
                            "a job row is no place for either")  # fmt: skip
    return _queued(args, "notify", lambda app: enqueue_notify(app, args.severity,
                                                              max(1, args.attempts)))  # fmt: skip


def _printer():  # noqa: ANN202 - notify.Send
    def send(_key: str, body: bytes) -> None:
        sys.stdout.write(body.decode() + "\n")
        sys.stdout.flush()  # written before it is marked delivered

    return send


def _webhook(args: argparse.Namespace):  # noqa: ANN202 - notify.Webhook
    """The webhook and its secret from flags or the environment; the secret is never
    shown, not even its length."""
    from dockwise.fleet.notify import webhook

    secret = b""
    if args.secret_file:
        try:
            secret = Path(args.secret_file).read_bytes().strip()
        except OSError as exc:
            raise DockwiseError(f"{args.secret_file}: cannot read ({exc.strerror})") from None
    return webhook(args.attempts, args.webhook or "", secret)


def _status(args: argparse.Namespace) -> int:
    from dockwise.fleet.bases import check_bases
    from dockwise.fleet.queries import status

    with _open(args) as fleet:
        for warning in check_bases(fleet, registry_access(args)) if args.check_base else ():
            print(f"dockwise: warning: {warning}", file=sys.stderr)
        lines = status(fleet, archive=_check_archive(args, fleet) if args.check_archive else None)
    archive = ("ARCHIVE",) if args.check_archive or any(s.archive for s in lines) else ()
    header = ("IMAGE", "WORST", "KEV", "FIXABLE", "EOL", "AGE", "BASE", *archive, "REBUILD")
    rows = [(s.name, s.worst, s.kev, s.fixable, "eol" if s.eol else "-",
             "-" if s.age_days is None else f"{s.age_days}d", s.base.split(":")[0] or "-",
             *((s.archive.split(":")[0] or "-",) if archive else ()), _rebuild_cell(s))
            for s in lines]  # fmt: skip
    _emit(args, lines, header, rows)
    return 0


def _check_archive(args: argparse.Namespace, fleet):  # noqa: ANN001, ANN202 - lazy imports
    """Each image's archive check; one warning per reason an archive was not read."""
    from dockwise.fleet.archive import check_archive

    checks = check_archive(fleet, tuple(args.sources), args.keyring, registry_access(args).offline)
    for reason in sorted({c.state for c in checks.values() if c.state.startswith("not checked")}):
        print(f"dockwise: warning: archive {reason}", file=sys.stderr)
    return checks


def _rebuild_cell(line) -> str:  # noqa: ANN001 - fleet.queries.ImageStatus
    """Why to rebuild; without a reason, "no" only if the archive (when asked) was read."""
    if line.rebuild:
        return "; ".join(line.rebuild)
    return "archive not checked" if line.archive.startswith("not checked") else "no"


def _affected(args: argparse.Namespace) -> int:
    """A page and the total: JSON says both; a table says the rest is left out on
    stderr (what a pipe reads stays rows only)."""
    from dockwise.fleet.queries import affected_page

    if args.limit is not None and args.limit < 1:
        raise DockwiseError("fleet affected: --limit needs a number above 0")
    with _open(args) as fleet:
        page = affected_page(fleet, args.what, args.limit)
    header = ("IMAGE", "PACKAGE", "VULNERABILITY", "SEVERITY", "FIXED IN")
    rows = [(a.name, a.package, a.vuln_id or "-", a.severity or "-", a.fixed_version or "-")
            for a in page.rows]  # fmt: skip
    _emit(args, page, header, rows)
    if args.output_format == "table" and page.total > len(page.rows):
        print(f"dockwise: {len(page.rows)} of {page.total} shown (--limit N, --all)",
              file=sys.stderr)  # fmt: skip
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
