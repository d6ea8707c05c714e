"""The few statements whose spelling differs between SQLite and PostgreSQL, and
batching under both backends' limits on bound parameters."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

BATCH = 500  # ids per IN (...): under SQLite's 32766 variables even for wide rows
T = TypeVar("T")


def insert_ignore(connection: Connection, table: Table, rows: list[dict], *keys: str) -> None:
    """Insert the rows whose `keys` are not stored yet (ON CONFLICT DO NOTHING)."""
    if not rows:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).on_conflict_do_nothing(index_elements=list(keys))
    connection.execute(statement, rows)


def upsert(
    connection: Connection, table: Table, rows: list[dict], keys: tuple[str, ...],
    update: tuple[str, ...],
) -> None:  # fmt: skip
    """Insert the rows; those whose `keys` are stored have the `update` columns set to the
    new values instead (ON CONFLICT DO UPDATE), one statement for all of them."""
    if not rows:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys), set_={name: statement.excluded[name] for name in update}
    )
    connection.execute(statement, rows)


def chunks(items: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
