"""`dockwise worker [--queues scan,rematch] [--concurrency N]`: take the fleet's queued
jobs from a PostgreSQL store, on as many machines as reach it (docs/fleet.md)."""

from __future__ import annotations

import argparse
import asyncio

from dockwise.commands.db import DB_HELP
from dockwise.commands.fleet import STORE_HELP
from dockwise.commands.fleet_scan import add_task_timeout
from dockwise.errors import DockwiseError
from dockwise.vulndb.paths import resolve_db_path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--queues", default="scan,rematch", metavar="Q1,Q2",
                        help="the queues to take jobs from (scan, rematch, notify, discover; "
                             "default: scan,rematch)")  # fmt: skip
    parser.add_argument("--concurrency", type=int, default=1, metavar="N",
                        help="jobs at once, each in its own process (default: 1)")
    parser.add_argument("--stalled-after", type=float, default=30.0, metavar="SECONDS",
                        help="a worker silent this long is gone: its jobs are queued "
                             "again (default: 30)")  # fmt: skip
    add_task_timeout(parser)
    parser.add_argument("--store", metavar="URL", help=STORE_HELP)
    parser.add_argument("--db", metavar="PATH", help=DB_HELP)
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")


def run(args: argparse.Namespace) -> int:
    """Until SIGTERM or SIGINT: the running jobs finish, then the worker stops (exit 0)."""
    from dockwise.fleet import queue
    from dockwise.fleet.store import open_fleet
    from dockwise.fleet.workers import WorkerOptions, configure_logging, serve

    options = WorkerOptions(_queues(args.queues), max(1, args.concurrency), args.stalled_after)
    with open_fleet(args.store) as fleet:
        app = queue.make_app(fleet)
        store = fleet.engine.url.render_as_string(hide_password=False)
    settings = queue.WorkerSettings(store, str(resolve_db_path(args.db)), args.task_timeout)
    configure_logging(args.quiet)
    asyncio.run(serve(app, settings, options))
    return 0


def _queues(text: str) -> tuple[str, ...]:
    from dockwise.fleet.queue import QUEUES

    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in QUEUES]
    if unknown or not names:
        raise DockwiseError(f"--queues {text}: the queues are {', '.join(QUEUES)}")
    return names
