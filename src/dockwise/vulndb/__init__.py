"""The offline vulnerability database: feeds in, one SQLite file out, advisories back.

`VulnDb` (store.py) is the AdvisorySource the matcher reads; `update` (update.py) builds
it from the upstream feeds (feeds/); `bundle` carries it into air-gapped networks.
"""

from dockwise.errors import DockwiseError


class VulnDbError(DockwiseError):
    """The database cannot be built, read, exported or imported as a whole."""
