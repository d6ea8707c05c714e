"""The notification outbox (one roll-up per database release, written in the same
transaction as the findings it announces) and the release each image was last matched
against (what tells news from a new image's first findings).

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("images") as batch:  # SQLite: a copy of the table
        batch.add_column(sa.Column("matched_release", sa.Integer(), nullable=True))
        batch.create_foreign_key("images_matched_release", "db_releases",
                                 ["matched_release"], ["id"])  # fmt: skip
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("release_id", sa.Integer(), sa.ForeignKey("db_releases.id"), nullable=False),
        sa.Column("created", sa.String(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("delivered", sa.String()),
    )


def downgrade() -> None:
    op.drop_table("notifications")
    with op.batch_alter_table("images") as batch:
        batch.drop_constraint("images_matched_release", type_="foreignkey")
        batch.drop_column("matched_release")
