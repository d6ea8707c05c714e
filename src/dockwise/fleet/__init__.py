"""The fleet: every image vetted, remembered; re-checked when new advisories land.

A store (SQLAlchemy Core: SQLite by default, PostgreSQL when asked) of images by
digest, their references, layers and packages, and the vulnerability findings of each
image against each database release; whole results live in a content-addressed file
store beside it. The fleet sits on dockwise's public surface through `fleet.api` only.
"""

from dockwise.errors import DockwiseError


class FleetError(DockwiseError):
    """The fleet store cannot be opened, migrated, read or written."""
