"""The few statements whose spelling differs between SQLite and PostgreSQL, and
batching under both backends' limits on bound parameters."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

BATCH = 500  # ids per IN (...): under SQLite's 32766 variables even for wide rows
T = TypeVar("T")


def insert_rows(connection: Connection, table: Table, rows: list[dict]) -> None:
    """Insert the rows: PostgreSQL's COPY (psycopg runs an executemany as a statement
    per row, and a fleet's reverse index is a hundred rows per image: ingest ran at a
    third of SQLite's speed), SQLite's executemany (a loop in C)."""
    if rows and connection.dialect.name == "postgresql":
        _copy(connection, table, rows)
    else:
        _insert(connection, table.insert(), rows)


def _copy(connection: Connection, table: Table, rows: list[dict]) -> None:
    """COPY ... FROM STDIN on the connection's own transaction."""
    columns = list(rows[0])
    names = ", ".join(f'"{name}"' for name in columns)
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([row[name] for name in columns])


def insert_ignore(connection: Connection, table: Table, rows: list[dict], *keys: str) -> None:
    """Insert the rows whose `keys` are not stored yet (ON CONFLICT DO NOTHING)."""
    statement = _dialect(connection).insert(table).on_conflict_do_nothing(index_elements=keys)
    _insert(connection, statement, rows)


def upsert(
    connection: Connection, table: Table, rows: list[dict], keys: tuple[str, ...],
    update: tuple[str, ...],
) -> None:  # fmt: skip
    """Insert the rows; those whose `keys` are stored have the `update` columns set to the
    new values instead (ON CONFLICT DO UPDATE)."""
    statement = _dialect(connection).insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys), set_={name: statement.excluded[name] for name in update}
    )
    _insert(connection, statement, rows)


def _dialect(connection: Connection):  # noqa: ANN202 - a dialect module
    return postgresql if connection.dialect.name == "postgresql" else sqlite


def _insert(connection: Connection, statement, rows: list[dict]) -> None:  # noqa: ANN001
    if rows:
        connection.execute(statement, rows)


def chunks(items: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
