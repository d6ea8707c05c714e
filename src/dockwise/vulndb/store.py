"""The SQLite database: written once by `DbWriter`, then read by `VulnDb`.

Advisories are stored as compact JSON blobs and found through an index table keyed by
(ecosystem, normalised package name), so a lookup is one B-tree probe plus decoding.
The file is never modified after it is built: updates replace it whole (update.py).
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from dockwise.vulndb import VulnDbError
from dockwise.vulndb.advisory import Advisory, CveRecord, Exploitation
from dockwise.vulndb.records import (
    EpssScore,
    KevEntry,
    advisory_from_json,
    advisory_to_json,
    cve_from_json,
    cve_to_json,
)

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE feeds (
    feed TEXT NOT NULL, path TEXT NOT NULL, url TEXT NOT NULL, fetched TEXT NOT NULL,
    records INTEGER NOT NULL, skipped INTEGER NOT NULL, bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL, status TEXT NOT NULL, detail TEXT NOT NULL,
    PRIMARY KEY (feed, path)
);
CREATE TABLE advisories (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL, source TEXT NOT NULL,
    body TEXT NOT NULL);
CREATE TABLE affects (ecosystem TEXT NOT NULL, package TEXT NOT NULL, advisory INTEGER NOT NULL);
CREATE TABLE kev (cve TEXT PRIMARY KEY, date_added TEXT, due_date TEXT, ransomware TEXT,
    name TEXT);
CREATE TABLE epss (cve TEXT PRIMARY KEY, score REAL NOT NULL, percentile REAL NOT NULL);
CREATE TABLE nvd (cve TEXT PRIMARY KEY, modified TEXT NOT NULL, body TEXT NOT NULL);
"""
# Built after the bulk load: one sorted pass is much faster than keeping them up to date.
_INDEXES = """
CREATE INDEX affects_key ON affects (ecosystem, package, advisory);
CREATE INDEX advisories_id ON advisories (id);
"""
# Lookups jump around a file of a few hundred MB: map it rather than read page by page.
_READ_PRAGMAS = "PRAGMA mmap_size = 2147483648; PRAGMA cache_size = -65536;"
_CHUNK = 500  # ids per IN (...) query, under SQLite's variable limit
ECOSYSTEMS_KEY = "ecosystems"  # meta row: {ecosystem: advisories}, counted once at build time
_ECOSYSTEM_COUNTS = (
    "SELECT ecosystem, count(DISTINCT advisory) FROM affects GROUP BY ecosystem ORDER BY ecosystem"
)
_PEP503 = re.compile(r"[-_.]+")


def normalise_package(ecosystem: str, name: str) -> str:
    """The index key for a package: PyPI names per PEP 503, others exactly as given."""
    if ecosystem == "PyPI":
        return _PEP503.sub("-", name).lower()
    return name


class VulnDb:
    """A built database, read-only: the AdvisorySource the matcher asks."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise VulnDbError(f"{self.path}: no vulnerability database; run `dockwise db update`")
        uri = f"{self.path.resolve().as_uri()}?mode=ro&immutable=1"
        try:
            self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
            self._db.executescript(_READ_PRAGMAS)
            self.meta = dict(self._db.execute("SELECT key, value FROM meta"))
        except sqlite3.DatabaseError as exc:
            raise VulnDbError(f"{self.path}: not a dockwise database ({exc})") from None
        if self.meta.get("schema_version") != str(SCHEMA_VERSION):
            raise VulnDbError(
                f"{self.path}: database schema {self.meta.get('schema_version')!r}, this "
                f"dockwise reads {SCHEMA_VERSION}; run `dockwise db update`"
            )
        self._decoded: dict[int, Advisory] = {}
        self._tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master")}

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> VulnDb:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def query(self, ecosystem: str, package: str) -> Sequence[Advisory]:
        """Advisories with an `affected` entry for this ecosystem and package name."""
        rowids = self._rowids(ecosystem, package)
        self._load(rowids)
        return [self._decoded[r] for r in rowids]

    def query_all(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[Advisory]]:
        """Many (ecosystem, package) lookups at once; every key is in the result.

        Index probes first, then one pass over the advisories in rowid order: records
        shared by many packages are decoded once and the reads are sequential.
        """
        found = {key: self._rowids(*key) for key in dict.fromkeys(keys)}
        self._load(sorted({r for rowids in found.values() for r in rowids}))
        return {key: [self._decoded[r] for r in rowids] for key, rowids in found.items()}

    def exploitation(self, ids: Iterable[str]) -> Mapping[str, Exploitation]:
        """KEV and EPSS facts for whichever of these ids (CVEs) have any."""
        wanted = list(dict.fromkeys(ids))
        kev, epss = {}, {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            kev.update(
                (row[0], row[1:])
                for row in self._db.execute(
                    f"SELECT cve, due_date, ransomware FROM kev WHERE cve IN ({marks})", chunk
                )
            )
            epss.update(
                (row[0], row[1:])
                for row in self._db.execute(
                    f"SELECT cve, score, percentile FROM epss WHERE cve IN ({marks})", chunk
                )
            )
        return {cve: _exploitation(kev.get(cve), epss.get(cve)) for cve in {*kev, *epss}}

    def cves(self, ids: Iterable[str]) -> Mapping[str, CveRecord]:
        """NVD's record for whichever of these ids (CVEs) it has; none from a database
        built before the nvd feed existed."""
        if "nvd" not in self._tables:
            return {}
        wanted, found = list(dict.fromkeys(ids)), {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT cve, modified, body FROM nvd WHERE cve IN ({marks})"
            found.update((row[0], cve_from_json(*row)) for row in self._db.execute(sql, chunk))
        return found

    def advisories(self, ident: str) -> list[Advisory]:
        """Every stored record with this id (one per feed that has it)."""
        rowids = [
            r for (r,) in self._db.execute("SELECT rowid FROM advisories WHERE id = ?", (ident,))
        ]
        self._load(rowids)
        return [self._decoded[r] for r in rowids]

    def ecosystems(self) -> list[str]:
        """The ecosystem spellings present, e.g. to map a distro to `Debian:12`."""
        return [row[0] for row in self._db.execute("SELECT DISTINCT ecosystem FROM affects")]

    def ecosystem_counts(self) -> dict[str, int]:
        """Advisories per ecosystem ("Debian:12", "PyPI"): what a scan's coverage reads.
        Counted when the database was built; a database built before that is counted now."""
        try:
            stored = json.loads(self.meta.get(ECOSYSTEMS_KEY) or "null")
        except ValueError:  # a damaged row: count again rather than trust or crash
            stored = None
        if isinstance(stored, dict) and all(isinstance(n, int) for n in stored.values()):
            return stored
        return dict(self._db.execute(_ECOSYSTEM_COUNTS))

    def feeds(self) -> list[dict]:
        """One row per downloaded file: what `db status` shows."""
        cursor = self._db.execute("SELECT * FROM feeds ORDER BY rowid")
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def fingerprints(self) -> dict[tuple[str, str], str]:
        """(ecosystem, package) -> a digest of every record stored for it, plus
        ("kev", CVE) -> "kev" for each KEV entry: two releases differ exactly where an
        advisory was added, changed or withdrawn (and KEV moved), which is what the
        fleet re-matches incrementally."""
        rows = self._db.execute(
            "SELECT f.ecosystem, f.package, a.body FROM affects f "
            "JOIN advisories a ON a.rowid = f.advisory ORDER BY 1, 2, a.id, a.source"
        )
        found: dict[tuple[str, str], hashlib._Hash] = {}
        for ecosystem, package, body in rows:
            found.setdefault((ecosystem, package), hashlib.sha256()).update(body.encode())
        digests = {key: h.hexdigest()[:32] for key, h in found.items()}
        digests.update((("kev", cve), "kev") for (cve,) in self._db.execute("SELECT cve FROM kev"))
        return digests

    def counts(self) -> dict[str, int]:
        """Rows per table, for status and the benchmark."""
        tables = [t for t in ("advisories", "affects", "kev", "epss", "nvd") if t in self._tables]
        return {t: self._db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}

    def _rowids(self, ecosystem: str, package: str) -> list[int]:
        rows = self._db.execute(
            "SELECT advisory FROM affects WHERE ecosystem = ? AND package = ?",
            (ecosystem, normalise_package(ecosystem, package)),
        )
        return [row[0] for row in rows]

    def _load(self, rowids: Sequence[int]) -> None:
        """Decode the records not seen yet; each is decoded once per handle, since a
        scan asks for the same record (openssl, the kernel) many times."""
        missing = [r for r in rowids if r not in self._decoded]
        for start in range(0, len(missing), _CHUNK):
            chunk = missing[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT rowid, body FROM advisories WHERE rowid IN ({marks})"
            for rowid, body in self._db.execute(sql, chunk):
                self._decoded[rowid] = advisory_from_json(body)


def _exploitation(kev: tuple | None, epss: tuple | None) -> Exploitation:
    return Exploitation(
        kev=kev is not None,
        kev_due=(kev[0] or "") if kev else "",
        kev_ransomware=(kev[1] or "") if kev else "",
        epss=epss[0] if epss else None,
        epss_percentile=epss[1] if epss else None,
    )


class DbWriter:
    """Builds a new database file from records; only update.py uses it."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, isolation_level=None)
        # A fresh temp file that is thrown away on any failure needs no journal.
        self._db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
        self._db.executescript(_SCHEMA)
        self._db.execute("BEGIN")
        self._osv_rows: dict[str, tuple[int, str]] = {}  # id -> (rowid, modified)

    def add_advisory(self, advisory: Advisory) -> bool:
        """Store one advisory; False when it is an older duplicate of a stored OSV record.

        One OSV record sits in every ecosystem archive it affects: keep the newest copy.
        """
        if advisory.source.startswith("osv:") and not self._replace_osv(advisory):
            return False
        cursor = self._db.execute(
            "INSERT INTO advisories (id, source, body) VALUES (?, ?, ?)",
            (advisory.id, advisory.source, advisory_to_json(advisory)),
        )
        rowid = cursor.lastrowid
        if advisory.source.startswith("osv:"):
            self._osv_rows[advisory.id] = (rowid, advisory.modified)
        keys = {(a.ecosystem, normalise_package(a.ecosystem, a.package)) for a in advisory.affected}
        self._db.executemany(
            "INSERT INTO affects VALUES (?, ?, ?)", [(e, p, rowid) for e, p in keys if e and p]
        )
        return True

    def _replace_osv(self, advisory: Advisory) -> bool:
        seen = self._osv_rows.get(advisory.id)
        if seen is None:
            return True
        if advisory.modified <= seen[1]:
            return False
        self._db.execute("DELETE FROM affects WHERE advisory = ?", (seen[0],))
        self._db.execute("DELETE FROM advisories WHERE rowid = ?", (seen[0],))
        return True

    def add_kev(self, entry: KevEntry) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO kev VALUES (?, ?, ?, ?, ?)",
            (entry.cve, entry.date_added, entry.due_date, entry.ransomware, entry.name),
        )

    def add_cve(self, cve: CveRecord) -> None:
        """Store one NVD record; a copy already stored wins unless this one is newer (the
        `modified` feed then overrides the yearly files, whatever order they came in)."""
        self._db.execute(
            "INSERT INTO nvd VALUES (?, ?, ?) ON CONFLICT (cve) DO UPDATE SET "
            "modified = excluded.modified, body = excluded.body "
            "WHERE excluded.modified > nvd.modified",
            (cve.id, cve.modified, cve_to_json(cve)),
        )

    def add_epss(self, score: EpssScore) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO epss VALUES (?, ?, ?)",
            (score.cve, score.score, score.percentile),
        )

    def add_feed_file(self, row: Mapping[str, object]) -> None:
        """One row of the `feeds` table (see its columns in _SCHEMA)."""
        names = ", ".join(row)
        marks = ", ".join("?" * len(row))
        sql = f"INSERT OR REPLACE INTO feeds ({names}) VALUES ({marks})"
        self._db.execute(sql, list(row.values()))

    def finish(self, meta: Mapping[str, str]) -> None:
        """Index, record the metadata, commit and close: the file is then complete."""
        rows = {**meta, "schema_version": str(SCHEMA_VERSION)}
        self._db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", rows.items())
        self._db.execute("COMMIT")
        self._db.executescript(_INDEXES + "ANALYZE;")
        counts = json.dumps(dict(self._db.execute(_ECOSYSTEM_COUNTS)), sort_keys=True)
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (ECOSYSTEMS_KEY, counts))
        self._db.close()

    def abort(self) -> None:
        """Close without committing; the caller deletes the file."""
        try:
            self._db.close()
        except sqlite3.Error:
            pass
