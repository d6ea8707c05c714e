"""The feeds `dockwise db update` reads: the explicit registry, in build order."""

from __future__ import annotations

from dockwise.vulndb.feeds import (
    alpine_secdb,
    amazon,
    azure_linux,
    debian_dsa,
    debian_tracker,
    endoflife,
    epss,
    kev,
    nvd,
    oracle,
    osv,
    photon,
    redhat_vex,
    wolfi_secdb,
)
from dockwise.vulndb.feeds.base import Feed

FEEDS: tuple[Feed, ...] = (
    osv.FEED,
    debian_tracker.FEED,
    debian_dsa.DSA_FEED,
    debian_dsa.DLA_FEED,
    alpine_secdb.FEED,
    redhat_vex.FEED,
    amazon.FEED,
    wolfi_secdb.WOLFI_FEED,
    wolfi_secdb.CHAINGUARD_FEED,
    photon.FEED,
    oracle.FEED,
    azure_linux.FEED,
    nvd.FEED,
    kev.FEED,
    epss.FEED,
    endoflife.ENDOFLIFE_FEED,
    endoflife.DISTRO_INFO_FEED,
)
