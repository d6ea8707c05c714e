"""The first fleet schema: images, references, layers, packages and the reverse index,
scan runs, findings, database releases.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    text, integer = sa.String(), sa.Integer()
    op.create_table(
        "db_releases",
        sa.Column("id", integer, primary_key=True),
        sa.Column("digest", text, nullable=False, unique=True),
        sa.Column("built", text, nullable=False),
        sa.Column("recorded", text, nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
    )
    op.create_table(
        "images",
        sa.Column("id", integer, primary_key=True),
        sa.Column("digest", text, nullable=False, unique=True),
        *(sa.Column(name, text, nullable=False) for name in (
            "config_digest", "os", "architecture", "created", "distro_id", "distro_version",
            "distro_codename", "analyzer_version", "result_digest", "first_seen",
            "last_scanned")),
    )  # fmt: skip
    op.create_table(
        "image_references",
        sa.Column("id", integer, primary_key=True),
        sa.Column("image_id", integer, sa.ForeignKey("images.id"), nullable=False),
        *(sa.Column(name, text, nullable=False)
          for name in ("registry", "repository", "tag", "first_seen", "last_seen")),
        sa.UniqueConstraint("registry", "repository", "tag", "image_id"),
    )  # fmt: skip
    op.create_table(
        "layers",
        sa.Column("id", integer, primary_key=True),
        sa.Column("diff_id", text, nullable=False, unique=True),
        sa.Column("digest", text, nullable=False),
        sa.Column("size", integer, nullable=False),
    )
    op.create_table(
        "image_layers",
        sa.Column("image_id", integer, sa.ForeignKey("images.id"), primary_key=True),
        sa.Column("position", integer, primary_key=True),
        sa.Column("layer_id", integer, sa.ForeignKey("layers.id"), nullable=False),
    )
    op.create_table(
        "packages",
        sa.Column("id", integer, primary_key=True),
        sa.Column("key", text, nullable=False, unique=True),
        *(sa.Column(name, text, nullable=False) for name in (
            "purl", "type", "name", "version", "source_name", "source_version")),
    )  # fmt: skip
    op.create_index("packages_name", "packages", ["name"])
    op.create_table(
        "image_packages",
        sa.Column("image_id", integer, sa.ForeignKey("images.id"), primary_key=True),
        sa.Column("package_id", integer, sa.ForeignKey("packages.id"), primary_key=True),
        sa.Column("owned_by", text, nullable=False),
        sa.Column("layer", integer),
    )
    op.create_index("image_packages_package", "image_packages", ["package_id", "image_id"])
    op.create_table(
        "scan_runs",
        sa.Column("id", integer, primary_key=True),
        sa.Column("image_id", integer, sa.ForeignKey("images.id"), nullable=False),
        *(sa.Column(name, text, nullable=False) for name in (
            "recorded", "generated", "source", "kind", "analyzer_version", "result_digest")),
    )  # fmt: skip
    op.create_index("scan_runs_image", "scan_runs", ["image_id"])
    op.create_table(
        "findings",
        sa.Column("id", integer, primary_key=True),
        sa.Column("image_id", integer, sa.ForeignKey("images.id"), nullable=False),
        sa.Column("package_id", integer, sa.ForeignKey("packages.id"), nullable=False),
        sa.Column("vuln_id", text, nullable=False),
        sa.Column("aliases", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("severity", integer, nullable=False),
        sa.Column("fixed_version", text, nullable=False),
        sa.Column("fix_status", text, nullable=False),
        sa.Column("kev", sa.Boolean(), nullable=False),
        sa.Column("status", text, nullable=False),
        sa.Column("first_release", integer, sa.ForeignKey("db_releases.id"), nullable=False),
        sa.Column("last_release", integer, sa.ForeignKey("db_releases.id"), nullable=False),
        sa.Column("resolved_release", integer, sa.ForeignKey("db_releases.id")),
        sa.UniqueConstraint("image_id", "package_id", "vuln_id"),
    )
    op.create_index("findings_vuln", "findings", ["vuln_id"])
    op.create_index("findings_image_status", "findings", ["image_id", "status"])


def downgrade() -> None:
    for table in ("findings", "scan_runs", "image_packages", "packages", "image_layers",
                  "layers", "image_references", "images", "db_releases"):  # fmt: skip
        op.drop_table(table)
