"""A vulnerability's title and aliases are stored once per id in `vulnerabilities`, not
on every finding: a fleet-wide CVE repeated about 130 bytes of text in each image's row
(5 KB per image of the 20 KB budget on PostgreSQL). The last text seen for an id wins.

Revision ID: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TEXT = ("aliases", "title")


def upgrade() -> None:
    op.create_table(
        "vulnerabilities",
        sa.Column("vuln_id", sa.String(), primary_key=True),
        sa.Column("aliases", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
    )
    op.execute(
        "INSERT INTO vulnerabilities (vuln_id, aliases, title) "
        "SELECT vuln_id, MAX(aliases), MAX(title) FROM findings GROUP BY vuln_id"
    )
    with op.batch_alter_table("findings") as batch:  # SQLite: a copy of the table
        for name in TEXT:
            batch.drop_column(name)


def downgrade() -> None:
    with op.batch_alter_table("findings") as batch:
        for name in TEXT:
            batch.add_column(sa.Column(name, sa.Text(), nullable=False, server_default=""))
    for name in TEXT:
        op.execute(
            f"UPDATE findings SET {name} = COALESCE((SELECT v.{name} FROM "
            "vulnerabilities v WHERE v.vuln_id = findings.vuln_id), '')"
        )
    op.drop_table("vulnerabilities")
