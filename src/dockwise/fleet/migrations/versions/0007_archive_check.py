"""The last archive check of each image (`fleet status --check-archive`): what it said
(`current`, `upgrades`, `fixes`), the upgrades it found as JSON, and when; so `status`,
the report and the dashboard show it later without the network. None: never checked.

Revision ID: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

COLUMNS = (("archive_state", sa.String()), ("archive_upgrades", sa.Text()),
           ("archive_checked", sa.String()))  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("images") as batch:  # SQLite: a copy of the table
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("images") as batch:
        for name, _ in COLUMNS:
            batch.drop_column(name)
