"""The advisory fingerprints of the release the fleet was last matched against, per
(ecosystem, package): what an incremental re-match diffs the next release against; and
an index of references by image (each answer names an image by its latest reference).

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "advisory_keys",
        sa.Column("ecosystem", sa.String(), primary_key=True),
        sa.Column("package", sa.String(), primary_key=True),
        sa.Column("digest", sa.String(), nullable=False),
        sa.Column("release_id", sa.Integer(), sa.ForeignKey("db_releases.id"), nullable=False),
    )
    op.create_index("image_references_image", "image_references", ["image_id", "last_seen"])


def downgrade() -> None:
    op.drop_index("image_references_image", "image_references")
    op.drop_table("advisory_keys")
