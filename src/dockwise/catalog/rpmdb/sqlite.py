"""rpm's SQLite backend, `rpmdb.sqlite` (RHEL 9, Fedora 33+, Azure Linux, Amazon Linux 2023).

Ref. rpm's lib/backend/sqlite.c: table `Packages(hnum INTEGER PRIMARY KEY, blob BLOB)`,
one header blob per row. The bytes are opened in memory with
`sqlite3.Connection.deserialize` (Python 3.11): no temporary file, nothing on disk.
"""

from __future__ import annotations

from collections.abc import Iterator

from dockwise.catalog.rpmdb.errors import DatabaseError

MAGIC = b"SQLite format 3\x00"
# https://www.sqlite.org/fileformat.html#file_format_version_numbers: bytes 18 and 19
# are the write/read format versions, 2 for WAL. rpm uses WAL, and SQLite's in-memory
# VFS cannot open a WAL database, so the copy is marked as a rollback-journal one.
# The main file is complete whenever rpm closed the database cleanly.
FORMAT_VERSIONS = slice(18, 20)
LEGACY_FORMAT = b"\x01\x01"


def is_sqlite(content: bytes) -> bool:
    """Sniff the SQLite file header."""
    return content.startswith(MAGIC)


def blobs(content: bytes) -> Iterator[bytes | DatabaseError]:
    """Header blobs in `hnum` order, read from an in-memory copy of the database."""
    data = bytearray(content)
    data[FORMAT_VERSIONS] = LEGACY_FORMAT
    import sqlite3  # here: only RPM images need it, and a cold `sbom` pays for imports

    connection = sqlite3.connect(":memory:")
    try:
        connection.deserialize(data)
        connection.execute("PRAGMA query_only = ON")
        for (blob,) in connection.execute("SELECT blob FROM Packages ORDER BY hnum"):
            if isinstance(blob, bytes):
                yield blob
            else:
                yield DatabaseError(f"row holds {type(blob).__name__}, not a header blob")
    except sqlite3.Error as exc:  # corrupt pages, missing table, not a database
        yield DatabaseError(f"sqlite: {exc}")
    finally:
        connection.close()
