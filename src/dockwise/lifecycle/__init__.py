"""Release lifecycles: who supports a distro release or a runtime, and until when.

Public API: `distro_support(distro, today)` and `runtime_support(name, version, today)`
return a `Support` or a `SupportUnknown`; `load_snapshot()` gives the data they use
(a refreshed copy from `dockwise db update` when there is one, else the bundled one);
`feeds.FEED` describes the file `db update` should write.
"""

from dockwise.lifecycle.snapshot import Cycle, LifecycleError, Product, Snapshot, load_snapshot
from dockwise.lifecycle.support import (
    Support,
    SupportUnknown,
    distro_support,
    match_cycle,
    runtime_support,
)

__all__ = [
    "Cycle",
    "LifecycleError",
    "Product",
    "Snapshot",
    "Support",
    "SupportUnknown",
    "distro_support",
    "load_snapshot",
    "match_cycle",
    "runtime_support",
]
