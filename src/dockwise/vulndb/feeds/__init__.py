"""The feeds `dockwise db update` reads: the explicit registry, in build order."""

from __future__ import annotations

from dockwise.vulndb.feeds import (
    alpine_secdb,
    debian_dsa,
    debian_tracker,
    endoflife,
    epss,
    kev,
    nvd,
    osv,
    redhat_vex,
)
from dockwise.vulndb.feeds.base import Feed

FEEDS: tuple[Feed, ...] = (
    osv.FEED,
    debian_tracker.FEED,
    debian_dsa.DSA_FEED,
    debian_dsa.DLA_FEED,
    alpine_secdb.FEED,
    redhat_vex.FEED,
    nvd.FEED,
    kev.FEED,
    epss.FEED,
    endoflife.ENDOFLIFE_FEED,
    endoflife.DISTRO_INFO_FEED,
)
