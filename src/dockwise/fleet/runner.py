"""One task in a child process (`python -m dockwise.fleet.runner`, the request on stdin
as JSON, the answer on stdout), for `fleet scan` over SQLite and for `dockwise worker`.

Why a process per task: a thread cannot be stopped, so the per-task timeout is
enforced by killing the child; a scan's memory goes back when the child exits; and a
worker killed with -9 takes its child along (PR_SET_PDEATHSIG), so no orphaned scan
writes to the store after the queue has handed its job to another worker.
"""

from __future__ import annotations

import asyncio
import ctypes
import json
import os
import signal
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from dockwise.errors import DockwiseError
from dockwise.fleet import FleetError

PARENT_ENV = "DOCKWISE_RUNNER_PARENT"
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
DEFAULT_TIMEOUT = 30 * 60.0  # Harbor's fixed limit, here only the default (--task-timeout)


class TaskTimeout(FleetError):
    """The task ran past its timeout and was stopped."""


@dataclass(frozen=True, slots=True)
class Request:
    """What a child runs: a task of `TASKS` on the store, against the database at `db`."""

    task: str
    store: str
    db: str
    args: dict = field(default_factory=dict)

    def argv(self) -> list[str]:
        return [sys.executable, "-m", "dockwise.fleet.runner"]

    def encoded(self) -> bytes:
        return json.dumps(asdict(self)).encode()


def run(request: Request, timeout: float = DEFAULT_TIMEOUT) -> dict:
    """Run the request in a child and wait for it (the embedded pool's threads call this)."""
    try:
        done = subprocess.run(request.argv(), input=request.encoded(), capture_output=True,
                              timeout=timeout, env=_env(), check=False)  # fmt: skip
    except subprocess.TimeoutExpired:  # run() has killed the child already
        raise TaskTimeout(_timed_out(request, timeout)) from None
    return _answer(request, done.returncode, done.stdout, done.stderr)


async def run_async(request: Request, timeout: float = DEFAULT_TIMEOUT) -> dict:
    """The same from a worker's event loop, which keeps its heartbeat while it waits."""
    child = await asyncio.create_subprocess_exec(
        *request.argv(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, env=_env(),
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(child.communicate(request.encoded()), timeout)
    except TimeoutError:
        child.kill()
        await child.wait()
        raise TaskTimeout(_timed_out(request, timeout)) from None
    except asyncio.CancelledError:  # the job was aborted: its child goes with it
        child.kill()
        raise
    return _answer(request, child.returncode, out, err)


def _env() -> dict[str, str]:
    return {**os.environ, PARENT_ENV: str(os.getpid())}


def _timed_out(request: Request, timeout: float) -> str:
    return f"{request.task} {_name(request)}: stopped after the task timeout ({timeout:g} s)"


def _name(request: Request) -> str:
    args = request.args
    return str(args.get("source") or args.get("image_id") or args.get("target") or "")


def _answer(request: Request, code: int | None, out: bytes, err: bytes) -> dict:
    if code == 0:
        return json.loads(out)
    lines = err.decode(errors="replace").strip().splitlines()
    detail = lines[-1] if lines else f"exit status {code}"
    raise FleetError(detail.removeprefix("dockwise: error: "))


def main() -> int:
    """The child: run one request, print its answer; an error is one line, exit 2."""
    _die_with_parent()
    from dockwise.fleet.store import open_fleet

    try:
        request = Request(**json.loads(sys.stdin.buffer.read()))
        with open_fleet(request.store) as fleet:
            answer = TASKS[request.task](fleet, Path(request.db), request.args)
    except DockwiseError as exc:
        print(f"dockwise: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a database that went away mid-task, a bad request: one line
        print(f"dockwise: error: {type(exc).__name__}: {_first_line(exc)}", file=sys.stderr)
        return 2
    print(json.dumps(answer))
    return 0


def _first_line(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else ""


def _die_with_parent() -> None:
    """Linux's PR_SET_PDEATHSIG through libc (one call; no library wraps only this):
    SIGKILL when the worker dies, checked once after, in case it died before."""
    parent = os.environ.get(PARENT_ENV)
    if not parent or not sys.platform.startswith("linux"):
        return
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if str(os.getppid()) != parent:
        os._exit(2)


def _scan(fleet, db: Path, args: dict[str, Any]) -> dict:  # noqa: ANN001 - Fleet
    from dockwise.fleet.scanning import ScanJob, scan_image

    job = ScanJob(args["source"], args.get("digest", ""), 0, bool(args.get("force")))
    item = scan_image(fleet, job, db, args.get("keywords") or {})
    return {"image_id": item.image_id, "digest": item.digest, "scanned": item.scanned}


def _rematch(fleet, db: Path, args: dict[str, Any]) -> dict:  # noqa: ANN001 - Fleet
    from dockwise.fleet.scanning import rematch_image

    return asdict(rematch_image(fleet, db, int(args["image_id"])))


def _notify(fleet, db: Path, args: dict[str, Any]) -> dict:  # noqa: ANN001 - Fleet
    """Deliver the outbox to the webhook of this worker's environment."""
    from dockwise.fleet.api import Severity
    from dockwise.fleet.notify import deliver, webhook

    send = webhook(int(args.get("attempts", 5)))
    return asdict(deliver(fleet, send, Severity.parse(args.get("severity", "medium"))))


def _discover(fleet, db: Path, args: dict[str, Any]) -> dict:  # noqa: ANN001 - Fleet
    """List a registry into the store with this worker's registry credentials."""
    from dockwise.fleet.api import registry_access
    from dockwise.fleet.bases import check_bases
    from dockwise.fleet.discover import Selection, discover, parse_target

    access = registry_access(**args.get("keywords", {}))
    selection = Selection(tuple(args.get("include", ())), tuple(args.get("exclude", ())),
                          args.get("tag_limit"))  # fmt: skip
    found = discover(fleet, args["target"], access, selection)
    warnings = check_bases(fleet, access, parse_target(args["target"])[0])
    return {**asdict(found), "warnings": warnings}


TASKS = {"scan": _scan, "rematch": _rematch, "notify": _notify, "discover": _discover}

if __name__ == "__main__":
    sys.exit(main())
