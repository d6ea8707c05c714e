"""A private PostgreSQL cluster for the fleet tests: Debian's `postgresql` binaries,
`initdb` in a temp dir, `pg_ctl` on 127.0.0.1 at a free port, stopped at the end.

initdb and the server refuse to run as root (the server would own the data files);
as root, the cluster runs as the `postgres` user that Debian's package creates, the
way Debian's own pg_createcluster does. Any other user runs it as itself.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

SUPERUSER = "fleet"


@dataclass(frozen=True)
class Cluster:
    host: str
    port: int
    data: Path | None = None  # the data directory, for restart()
    owner: str | None = None  # the user the server runs as (root runs it as postgres)
    options: str = ""  # the server options it was started with

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@{self.host}:{self.port}/{database}"

    def admin(self, sql: str) -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE)."""
        import psycopg

        dsn = f"host={self.host} port={self.port} user={SUPERUSER} dbname=postgres"
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(sql)

    def restart(self, down_for: float = 0) -> None:
        """Stop the server (dropping every connection), wait, start it again."""
        pg_ctl = [str(binaries() / "pg_ctl"), "-D", str(self.data), "-w"]
        run = lambda *argv: subprocess.run(_as_owner([*pg_ctl, *argv], self.owner),  # noqa: E731
                                           check=True, capture_output=True, timeout=60)  # fmt: skip
        run("-m", "fast", "stop")
        time.sleep(down_for)
        # -l: the server must not hold our pipes open
        run("-o", self.options, "-l", str(self.data.parent / "log"), "start")


def binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.fail("PostgreSQL is not installed: `apt-get install postgresql` (.ci/run does)")
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_owner(argv: list[str], owner: str | None) -> list[str]:
    return ["runuser", "-u", owner, "--", *argv] if owner else argv


@contextmanager
def running_cluster() -> Iterator[Cluster]:
    """A throwaway cluster, stopped and removed afterwards (the fixture, and bench/)."""
    bin_dir, owner = binaries(), "postgres" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="dockwise-pg-"))
    if owner:
        entry = pwd.getpwnam(owner)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    data, port = root / "data", _free_port()
    run = lambda *argv: subprocess.run(_as_owner(list(argv), owner), check=True,  # noqa: E731
                                       capture_output=True, text=True)  # fmt: skip
    run(str(bin_dir / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust",
        "-E", "UTF8", "--no-sync")  # fmt: skip
    options = f"-h 127.0.0.1 -p {port} -k {root} -F"  # -F: no fsync, a throwaway cluster
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"),
        "-w", "start")  # fmt: skip
    try:
        yield Cluster("127.0.0.1", port, data, owner, options)
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Cluster]:
    with running_cluster() as cluster:
        yield cluster
