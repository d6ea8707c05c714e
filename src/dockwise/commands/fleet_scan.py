"""`dockwise fleet scan [SOURCE...] [--stale AGE] [--jobs N] [--wait]`: scan what is new
or stale. With SQLite it runs the scans itself, N at a time; with PostgreSQL it queues
them for `dockwise worker` processes and returns (or, with --wait, follows them).
Online, it then asks whether each stored image's base moved, as `status --check-base`."""

from __future__ import annotations

import argparse
import sys
import time

from dockwise.commands.flags import add_registry_arguments, registry_access, registry_keywords
from dockwise.vulndb.paths import resolve_db_path

WAIT_POLL = 1.0  # seconds between two looks at the queue with --wait


def add_arguments(scan: argparse.ArgumentParser) -> None:
    scan.add_argument("sources", metavar="SOURCE", nargs="*",
                      help="scan these (first in the queue); default: every stored "
                           "reference whose tag names a new digest")  # fmt: skip
    scan.add_argument("--stale", metavar="AGE",
                      help="also scan again images last scanned more than AGE ago (7d, 12h)")
    scan.add_argument("--jobs", type=int, default=2, metavar="N",
                      help="scans at once with SQLite (default: 2)")  # fmt: skip
    scan.add_argument("--wait", action="store_true",
                      help="with PostgreSQL: follow the queued scans until they finish")
    add_task_timeout(scan)
    scan.add_argument("--retries", type=int, default=5, metavar="N",
                      help="with SQLite: try a failed scan again up to N times, 2, 4, 8 ... s "
                           "apart, as the queue does (default: 5)")  # fmt: skip
    scan.add_argument("--platform", metavar="OS/ARCH[/VARIANT]", help="the platform to read")
    scan.add_argument("-q", "--quiet", action="store_true", help="only errors")
    add_registry_arguments(scan.add_argument_group("registry access"))


def add_task_timeout(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--task-timeout", type=float, default=30 * 60, metavar="SECONDS",
                        help="stop a task that runs longer (default: 1800)")  # fmt: skip


def run(args: argparse.Namespace, fleet) -> int:  # noqa: ANN001 - Fleet, imported lazily
    from dockwise.fleet.scanning import parse_age, plan

    keywords = {"platform": args.platform, **registry_keywords(args)}
    stale = parse_age(args.stale) if args.stale else None
    planned = plan(fleet, keywords, stale, args.sources)
    for error in planned.errors:
        print(f"dockwise: error: {error}", file=sys.stderr)
    if fleet.backend == "postgresql":
        code = _enqueue(args, fleet, planned, keywords)
    else:
        code = _embedded(args, fleet, planned, keywords)
    _check_bases(args, fleet)
    return 2 if planned.errors else code


def _check_bases(args: argparse.Namespace, fleet) -> None:  # noqa: ANN001 - Fleet
    """Whether the bases moved, once the scans are stored (queued scans: at their next
    `fleet scan` or `status --check-base`); nothing offline, where status says "not
    checked" (or the last answer) anyway."""
    from dockwise.fleet.bases import check_bases

    access = registry_access(args)
    if not access.offline:
        for warning in check_bases(fleet, access):
            print(f"dockwise: warning: {warning}", file=sys.stderr)


def _enqueue(args: argparse.Namespace, fleet, planned, keywords: dict) -> int:  # noqa: ANN001
    from dockwise.fleet.queue import enqueue_scans, make_app

    with make_app(fleet).open() as app:
        queued = enqueue_scans(app, planned.jobs, keywords)
    pending = sum(q.pending for q in queued)
    _say(args, f"queued {len(queued) - pending} scans ({pending} already queued, "
               f"{planned.unchanged} unchanged)")  # fmt: skip
    if not args.wait or not queued:
        return 0
    return _follow(args, fleet, sorted({q.job_id for q in queued}))


def _follow(args: argparse.Namespace, fleet, job_ids: list[int]) -> int:  # noqa: ANN001
    """Poll the queue until these jobs are finished; exit 2 if any failed."""
    from dockwise.fleet.queue import FINISHED, statuses

    with _progress(args, len(job_ids)) as advance:
        while True:
            counts = statuses(fleet, job_ids)
            finished = sum(counts.get(state, 0) for state in FINISHED)
            advance(finished)
            if finished >= len(job_ids):
                break
            time.sleep(WAIT_POLL)
    failed = len(job_ids) - counts.get("succeeded", 0)
    _say(args, f"scanned {counts.get('succeeded', 0)} images, {failed} failed")
    return 2 if failed else 0


def _embedded(args: argparse.Namespace, fleet, planned, keywords: dict) -> int:  # noqa: ANN001
    from dockwise.fleet.queue import WorkerSettings
    from dockwise.fleet.workers import run_embedded

    store = fleet.engine.url.render_as_string(hide_password=False)
    settings = WorkerSettings(store, str(resolve_db_path(args.db)), args.task_timeout,
                              max(0, args.retries))  # fmt: skip
    with _progress(args, len(planned.jobs)) as advance:
        finished = []

        def done(outcome) -> None:  # noqa: ANN001 - workers.Outcome
            finished.append(outcome)
            advance(len(finished))
            if outcome.error:
                print(f"dockwise: error: {outcome.error}", file=sys.stderr)

        def retrying(_job, why: str, wait: float) -> None:  # noqa: ANN001 - a ScanJob
            print(f"dockwise: warning: {why}; trying again in {wait:.0f} s", file=sys.stderr)

        outcomes = run_embedded(planned.jobs, settings, args.jobs, keywords, done, retrying)
    failed = sum(1 for o in outcomes if o.error)
    _say(args, f"scanned {len(outcomes) - failed} images, {failed} failed, "
               f"{planned.unchanged} unchanged")  # fmt: skip
    return 2 if failed else 0


def _say(args: argparse.Namespace, line: str) -> None:
    if not args.quiet:
        print(line)


class _progress:  # noqa: N801 - used as a function: `with _progress(...) as advance`
    """A rich bar over the scans on a terminal; nothing with --quiet, in CI or a pipe."""

    def __init__(self, args: argparse.Namespace, total: int) -> None:
        import os

        self.bar = None
        if not (args.quiet or os.environ.get("CI") or not sys.stderr.isatty()) and total:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self.bar = Progress(TextColumn("scanning"), BarColumn(), MofNCompleteColumn(),
                                console=Console(stderr=True), transient=True)  # fmt: skip
            self.task = self.bar.add_task("scans", total=total)

    def __enter__(self):  # noqa: ANN204
        if self.bar:
            self.bar.start()
        return self.advance

    def advance(self, completed: int) -> None:
        if self.bar:
            self.bar.update(self.task, completed=completed)

    def __exit__(self, *exc: object) -> None:
        if self.bar:
            self.bar.stop()
