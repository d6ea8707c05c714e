"""The fleet store's tables, in SQLAlchemy Core: one schema for SQLite and PostgreSQL.

In the spirit of Clair's indexer and Anchore's `image_package_vulnerabilities`: packages
are shared rows (deduplicated by purl), `image_packages` is the reverse index that makes
"which images contain X" one indexed query, and findings keep the database release that
first and last reported them. Times are ISO 8601 UTC strings: the same on both backends.
The tables are created and changed only by the Alembic scripts in `migrations/`.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

db_releases = Table(
    "db_releases", metadata,
    Column("id", Integer, primary_key=True),
    Column("digest", String, nullable=False, unique=True),  # over the feed files' sha256
    Column("built", String, nullable=False),
    Column("recorded", String, nullable=False),
    Column("counts", Text, nullable=False),  # JSON: advisories, kev, ... and per feed
)  # fmt: skip

images = Table(
    "images", metadata,
    Column("id", Integer, primary_key=True),
    Column("digest", String, nullable=False, unique=True),  # manifest digest, else config's
    Column("config_digest", String, nullable=False),
    Column("os", String, nullable=False),
    Column("architecture", String, nullable=False),
    Column("created", String, nullable=False),
    Column("distro_id", String, nullable=False),
    Column("distro_version", String, nullable=False),
    Column("distro_codename", String, nullable=False),
    Column("analyzer_version", String, nullable=False),
    Column("result_digest", String, nullable=False),  # the whole result, in the file store
    Column("first_seen", String, nullable=False),
    Column("last_scanned", String, nullable=False),
    # the release the findings were last matched against (revision 0002): a new finding
    # on an image matched before is news for the outbox, one on a new image is not
    Column("matched_release", Integer, ForeignKey("db_releases.id")),
    # the base image its annotations or labels name (revision 0004), and the digest the
    # base's reference had when last checked in its registry (None: never checked)
    Column("base_name", String, nullable=False, server_default=""),
    Column("base_digest", String, nullable=False, server_default=""),
    Column("base_latest", String),
    Column("base_checked", String),
    # its most recently seen reference, "" without one (revision 0005): every answer
    # names its images, and looking the name up per row cost more than the answer
    Column("name", String, nullable=False, server_default=""),
    # the last archive check that read the archive (revision 0007): its state, the
    # upgrades it found (JSON), when; None: never checked
    Column("archive_state", String),
    Column("archive_upgrades", Text),
    Column("archive_checked", String),
)  # fmt: skip

references = Table(
    "image_references", metadata,
    Column("id", Integer, primary_key=True),
    Column("image_id", Integer, ForeignKey("images.id"), nullable=False),
    Column("registry", String, nullable=False),
    Column("repository", String, nullable=False),
    Column("tag", String, nullable=False),
    Column("first_seen", String, nullable=False),
    Column("last_seen", String, nullable=False),
    UniqueConstraint("registry", "repository", "tag", "image_id"),
    Index("image_references_image", "image_id", "last_seen"),  # revision 0003
)  # fmt: skip

layers = Table(
    "layers", metadata,
    Column("id", Integer, primary_key=True),
    Column("diff_id", String, nullable=False, unique=True),
    Column("digest", String, nullable=False),
    Column("size", Integer, nullable=False),
)  # fmt: skip

image_layers = Table(
    "image_layers", metadata,
    Column("image_id", Integer, ForeignKey("images.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("layer_id", Integer, ForeignKey("layers.id"), nullable=False),
)  # fmt: skip

packages = Table(
    "packages", metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String, nullable=False, unique=True),  # the purl, else type/name@version
    Column("purl", String, nullable=False),
    Column("type", String, nullable=False),
    Column("name", String, nullable=False),
    Column("version", String, nullable=False),
    Column("source_name", String, nullable=False),
    Column("source_version", String, nullable=False),
    Index("packages_name", "name"),
)  # fmt: skip

image_packages = Table(
    "image_packages", metadata,
    Column("image_id", Integer, ForeignKey("images.id"), primary_key=True),
    Column("package_id", Integer, ForeignKey("packages.id"), primary_key=True),
    Column("owned_by", String, nullable=False),  # the OS package that installed it, if any
    Column("layer", Integer),  # position of the layer that introduced it
    Index("image_packages_package", "package_id", "image_id"),
    sqlite_with_rowid=False,  # revision 0006: the rows in the key's b-tree, no rowid copy
)  # fmt: skip

scan_runs = Table(
    "scan_runs", metadata,
    Column("id", Integer, primary_key=True),
    Column("image_id", Integer, ForeignKey("images.id"), nullable=False),
    Column("recorded", String, nullable=False),
    Column("generated", String, nullable=False),  # when the result itself was made
    Column("source", String, nullable=False),
    Column("kind", String, nullable=False),  # "scan" or "result" (a saved JSON result)
    Column("analyzer_version", String, nullable=False),
    Column("result_digest", String, nullable=False),
    Index("scan_runs_image", "image_id"),
)  # fmt: skip

findings = Table(
    "findings", metadata,
    Column("id", Integer, primary_key=True),
    Column("image_id", Integer, ForeignKey("images.id"), nullable=False),
    Column("package_id", Integer, ForeignKey("packages.id"), nullable=False),
    Column("vuln_id", String, nullable=False),  # its title and aliases: `vulnerabilities`
    Column("severity", Integer, nullable=False),  # dockwise.model.Severity
    Column("fixed_version", String, nullable=False),
    Column("fix_status", String, nullable=False),  # dockwise.model.FIX_STATUSES
    Column("kev", Boolean, nullable=False),
    Column("epss", Float),  # the highest EPSS score of its ids (revision 0004)
    Column("status", String, nullable=False),  # "open" or "resolved"
    Column("first_release", Integer, ForeignKey("db_releases.id"), nullable=False),
    Column("last_release", Integer, ForeignKey("db_releases.id"), nullable=False),
    Column("resolved_release", Integer, ForeignKey("db_releases.id")),
    UniqueConstraint("image_id", "package_id", "vuln_id"),
    Index("findings_vuln", "vuln_id", "status"),  # revision 0005: counts read it alone
)  # fmt: skip

vulnerabilities = Table(
    "vulnerabilities", metadata,  # revision 0008: once per id, not once per finding
    Column("vuln_id", String, primary_key=True),
    Column("aliases", Text, nullable=False),  # space-separated
    Column("title", Text, nullable=False),
)  # fmt: skip

notifications = Table(
    "notifications", metadata,
    Column("id", Integer, primary_key=True),
    Column("release_id", Integer, ForeignKey("db_releases.id"), nullable=False),
    Column("created", String, nullable=False),
    Column("body", Text, nullable=False),  # JSON: one section per image
    Column("delivered", String),
)  # fmt: skip

discovered = Table(
    "discovered", metadata,  # revision 0004: listed by `fleet discover`, maybe not scanned
    Column("id", Integer, primary_key=True),
    Column("registry", String, nullable=False),
    Column("repository", String, nullable=False),
    Column("tag", String, nullable=False),
    Column("digest", String, nullable=False),  # the manifest (or index) the tag named
    Column("first_seen", String, nullable=False),
    Column("since", String, nullable=False),  # when the tag began naming this digest
    Column("last_seen", String, nullable=False),
    UniqueConstraint("registry", "repository", "tag"),
)  # fmt: skip

advisory_keys = Table(
    "advisory_keys", metadata,  # revision 0003
    Column("ecosystem", String, primary_key=True),  # "kev" rows: package is a KEV CVE
    Column("package", String, primary_key=True),
    Column("digest", String, nullable=False),
    Column("release_id", Integer, ForeignKey("db_releases.id"), nullable=False),
)  # fmt: skip
