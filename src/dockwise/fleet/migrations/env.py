"""Alembic's environment for the fleet store: always run programmatically, on the
connection `fleet.store` passes in `config.attributes`; users need no alembic.ini."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by table copy
)
with context.begin_transaction():
    context.run_migrations()
