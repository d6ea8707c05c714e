"""A smaller reverse index on PostgreSQL. `image_packages` kept two b-trees of the same
two integers: the primary key (image, package) and the reverse index (package, image),
each about 3 KB per image. Rows are written once, image by image, when an image is
stored, so the table is physically in image order: a BRIN index finds an image's rows in
a few pages for almost nothing, and the reverse index, made unique, keeps the key.
SQLite keeps its WITHOUT ROWID table (revision 0006): there the key is the table.

Revision ID: 0009
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_constraint("image_packages_pkey", "image_packages", type_="primary")
    op.drop_index("image_packages_package", "image_packages")
    op.create_index("image_packages_package", "image_packages", ["package_id", "image_id"],
                    unique=True)  # fmt: skip
    op.execute("CREATE INDEX image_packages_image ON image_packages "
               "USING brin (image_id) WITH (pages_per_range = 8)")  # fmt: skip


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("image_packages_image", "image_packages")
    op.drop_index("image_packages_package", "image_packages")
    op.create_index("image_packages_package", "image_packages", ["package_id", "image_id"])
    op.create_primary_key("image_packages_pkey", "image_packages", ["image_id", "package_id"])
