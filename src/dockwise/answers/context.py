"""What every section of the five answers reads, worked out once per image."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from dockwise.lifecycle import Support, SupportUnknown
from dockwise.lifecycle.runtimes import RuntimeRef
from dockwise.model import SEVERITIES, Fact, Finding, ImageInfo, Inventory
from dockwise.provenance import Provenance
from dockwise.runprofile.derive import RunProfile

HISTORY_EXCERPT = 200  # characters of a build step shown as a fact or its evidence


@dataclass(frozen=True, slots=True)
class Context:
    """What several sections share, computed once."""

    image: ImageInfo
    inventory: Inventory
    findings: tuple[Finding, ...]
    today: date
    prov: Provenance
    distro: Support | SupportUnknown | None
    runtimes: tuple[tuple[RuntimeRef, Support | SupportUnknown], ...]
    profile: RunProfile | None = None  # None when the image's files were not read


def by_severity(prefix: str, findings: Iterable[Finding], label: str) -> list[Fact]:
    """Counts per severity; `label` says what is counted ("fixable {}", not just "{}")."""
    counts = Counter(f.severity for f in findings)
    return [Fact(f"{prefix}.{s}", label.format(s), str(counts[s]))
            for s in SEVERITIES if counts[s]]  # fmt: skip


def top(counter: Counter) -> str:
    return ", ".join(f"{k} {n}" for k, n in counter.most_common()) or "none"
