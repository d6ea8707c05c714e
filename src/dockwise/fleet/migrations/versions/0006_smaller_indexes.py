"""A smaller store. On SQLite the reverse index `image_packages` becomes a WITHOUT ROWID
table: its rows live in its primary key's b-tree, not in a rowid table beside a copy of
that key (2 KB less per image of 128 packages). The findings index by (image, status)
goes: the unique (image, package, id) index serves every lookup by image.

Revision ID: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COLUMNS = "image_id, package_id, owned_by, layer"


def upgrade() -> None:
    op.drop_index("findings_image_status", "findings")
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_image_packages(with_rowid=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_image_packages(with_rowid=True)
    op.create_index("findings_image_status", "findings", ["image_id", "status"])


def _rebuild_image_packages(with_rowid: bool) -> None:
    """A copy with the rows, the old table dropped (its index with it), the copy renamed."""
    op.create_table(
        "image_packages_new",
        sa.Column("image_id", sa.Integer(), sa.ForeignKey("images.id"), primary_key=True),
        sa.Column("package_id", sa.Integer(), sa.ForeignKey("packages.id"), primary_key=True),
        sa.Column("owned_by", sa.String(), nullable=False),
        sa.Column("layer", sa.Integer()),
        sqlite_with_rowid=with_rowid,
    )
    op.execute(f"INSERT INTO image_packages_new ({COLUMNS}) "
               f"SELECT {COLUMNS} FROM image_packages ORDER BY image_id, package_id")
    op.drop_table("image_packages")
    op.rename_table("image_packages_new", "image_packages")
    op.create_index("image_packages_package", "image_packages", ["package_id", "image_id"])
