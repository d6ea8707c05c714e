"""Opening the fleet store: where it is, its engine, its migrations, its file store.

SQLite (WAL, one writer) at `$XDG_DATA_HOME/dockwise/fleet.db` unless `--store URL` or
`$DOCKWISE_STORE` names another database, such as `postgresql+psycopg://...`. Every open
brings the schema to the newest Alembic revision first, so a store made by an older
dockwise is upgraded in place with its data.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from dockwise.fleet import FleetError
from dockwise.fleet.blobs import ResultFiles

STORE_ENV = "DOCKWISE_STORE"
RESULTS_ENV = "DOCKWISE_STORE_RESULTS"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
HEAD = "head"
MIGRATE_LOCK = 0x666C6565  # pg_advisory_xact_lock key: "flee"


@dataclass(frozen=True, slots=True)
class Fleet:
    """An open store: the database engine and the file store of whole results."""

    engine: Engine
    results: ResultFiles

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Fleet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def default_url(environ: os._Environ[str] | dict[str, str] | None = None) -> str:
    """`$DOCKWISE_STORE`, else SQLite at `$XDG_DATA_HOME/dockwise/fleet.db`: data, not a
    cache, since the history of findings cannot be rebuilt from the feeds."""
    env = os.environ if environ is None else environ
    if env.get(STORE_ENV):
        return env[STORE_ENV]
    data = env.get("XDG_DATA_HOME") or ""
    base = Path(data) if os.path.isabs(data) else Path.home() / ".local" / "share"
    return f"sqlite:///{base / 'dockwise' / 'fleet.db'}"


def open_fleet(url: str | None = None, revision: str = HEAD) -> Fleet:
    """The store at `url` (default: `default_url()`), migrated to `revision`."""
    url = url or default_url()
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        raise FleetError(f"{url}: not a database URL (sqlite:///PATH, "
                         "postgresql+psycopg://USER@HOST/DB)") from None  # fmt: skip
    engine = _engine(parsed)
    try:
        migrate(engine, revision)
    except sa.exc.SQLAlchemyError as exc:
        engine.dispose()
        raise FleetError(f"{parsed.render_as_string()}: cannot open the fleet store "
                         f"({_first_line(exc)})") from None  # fmt: skip
    return Fleet(engine, ResultFiles(_results_dir(parsed)))


def migrate(engine: Engine, revision: str = HEAD) -> None:
    """Upgrade the schema to `revision`; nothing to do costs one small query."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    target = ScriptDirectory.from_config(config).as_revision_number(revision)
    with engine.connect() as connection:
        if MigrationContext.configure(connection).get_current_revision() == target:
            return
        connection.rollback()
        # SQLite changes a table by copying it, which foreign keys forbid while they are
        # enforced; the pragma only works outside a transaction (Alembic's batch docs).
        _sqlite_foreign_keys(connection, "OFF")
        with connection.begin():
            _one_migrator(connection)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
        _sqlite_foreign_keys(connection, "ON")


def _one_migrator(connection: sa.Connection) -> None:
    """Processes opening a new store together (a server and its workers starting at
    once) migrate it one after the other: the next one finds it done. PostgreSQL: an
    advisory lock. SQLite: its write lock, taken now (a plain BEGIN takes it at the
    first write, after each process has read that the tables are missing)."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATE_LOCK})
    elif connection.dialect.name == "sqlite":  # pysqlite sends no BEGIN of its own here
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_foreign_keys(connection: sa.Connection, state: str) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA foreign_keys = {state}")
        connection.commit()


def _engine(url: sa.URL) -> Engine:
    if url.get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True)
    if url.database and url.database != ":memory:":
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url)
    sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 - DB-API objects
    """WAL lets readers (status, affected) run while one writer ingests; foreign keys are
    off by default in SQLite; waiting beats failing when two writers meet."""
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode = WAL", "foreign_keys = ON", "synchronous = NORMAL",
                   "busy_timeout = 30000"):  # fmt: skip
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _results_dir(url: sa.URL) -> Path:
    """Beside a SQLite file; for a server database, `$DOCKWISE_STORE_RESULTS`, else the
    default data directory (one machine's files for a shared database: say so in docs)."""
    if os.environ.get(RESULTS_ENV):
        return Path(os.environ[RESULTS_ENV]).expanduser()
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        path = Path(url.database).expanduser()
        return path.with_name(f"{path.stem}-results")
    return Path(default_url({}).removeprefix("sqlite:///")).with_name("fleet-results")


def _first_line(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
