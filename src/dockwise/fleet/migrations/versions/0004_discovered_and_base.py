"""References found by `fleet discover` (listed in a registry, not scanned yet); each
image's base (`org.opencontainers.image.base.name`/`.digest`) with the digest its base
reference had when last checked: what says "rebuild needed: the base moved"; and each
finding's EPSS score.

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BASE_COLUMNS = ("base_name", "base_digest")


def upgrade() -> None:
    op.create_table(
        "discovered",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("registry", sa.String(), nullable=False),
        sa.Column("repository", sa.String(), nullable=False),
        sa.Column("tag", sa.String(), nullable=False),
        sa.Column("digest", sa.String(), nullable=False),
        sa.Column("first_seen", sa.String(), nullable=False),
        sa.Column("since", sa.String(), nullable=False),
        sa.Column("last_seen", sa.String(), nullable=False),
        sa.UniqueConstraint("registry", "repository", "tag"),
    )
    with op.batch_alter_table("images") as batch:  # SQLite: a copy of the table
        for name in BASE_COLUMNS:
            batch.add_column(sa.Column(name, sa.String(), nullable=False, server_default=""))
        batch.add_column(sa.Column("base_latest", sa.String(), nullable=True))
        batch.add_column(sa.Column("base_checked", sa.String(), nullable=True))
    with op.batch_alter_table("findings") as batch:
        batch.add_column(sa.Column("epss", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("findings") as batch:
        batch.drop_column("epss")
    with op.batch_alter_table("images") as batch:
        for name in (*BASE_COLUMNS, "base_latest", "base_checked"):
            batch.drop_column(name)
    op.drop_table("discovered")
