"""Lifecycle findings: end-of-life releases and runtimes, and releases in a reduced phase.

A runtime the distro ships (`lifecycle.runtimes`) gets security fixes from the distro for
the distro's lifetime, even after upstream's end of life, so its end of life is a medium
finding, not a high one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from dockwise.lifecycle.runtimes import RuntimeRef, runtimes_in
from dockwise.lifecycle.snapshot import Snapshot, load_snapshot
from dockwise.lifecycle.support import Support, SupportUnknown, distro_support, runtime_support
from dockwise.model import Finding, Inventory, Package, Severity

KIND = "lifecycle"
SOON_DAYS = 90  # "ends soon": within one quarter, the usual patch-planning horizon


def lifecycle_findings(
    inventory: Inventory, today: date, snapshot: Snapshot | None = None
) -> tuple[Finding, ...]:
    """Findings of kind "lifecycle" for the distro and every runtime line found."""
    data = snapshot or load_snapshot()
    found: list[Finding] = []
    if inventory.distro is not None:
        found.extend(distro_findings(distro_support(inventory.distro, today, data)))
    for ref in runtimes_in(inventory):
        support = runtime_support(ref.name, ref.version, today, ref.vendor, data)
        found.extend(runtime_findings(support, ref))
    return tuple(found)


def distro_findings(support: Support | SupportUnknown) -> Iterable[Finding]:
    """End of life (high), paid-only extended support (medium), Debian LTS (low), ending
    within SOON_DAYS (low)."""
    if isinstance(support, SupportUnknown):
        return
    name = _name(support)
    if support.phase == "end-of-life":
        yield _finding("lifecycle/distro-eol", Severity.HIGH,
                       f"{name} is end of life{_since(support)}", support)  # fmt: skip
    elif support.phase == "extended":
        yield _finding("lifecycle/distro-extended", Severity.MEDIUM,
                       f"{name}: only {support.extended_name} until {support.phase_end}",
                       support)  # fmt: skip
    elif support.phase == "lts":
        yield _finding("lifecycle/distro-lts", Severity.LOW,
                       f"{name} is in the Debian LTS phase until {support.phase_end}: "
                       "fewer packages and architectures are covered", support)  # fmt: skip
    if support.phase != "end-of-life" and _ends_soon(support):
        yield _finding("lifecycle/distro-eol-soon", Severity.LOW,
                       f"{name}: free security support ends {support.free_support_end}",
                       support)  # fmt: skip


def runtime_findings(support: Support | SupportUnknown, ref: RuntimeRef) -> Iterable[Finding]:
    """End of life: high, or medium when the distro ships it (and may still patch it)."""
    if isinstance(support, SupportUnknown):
        return
    name = f"{support.title} {support.cycle} ({ref.version})"
    if support.phase == "end-of-life":
        severity = Severity.MEDIUM if ref.distro_packaged else Severity.HIGH
        yield _finding("lifecycle/runtime-eol", severity, f"{name} is end of life"
                       f"{_since(support)}", support, ref.package)  # fmt: skip
    elif support.phase == "extended":
        yield _finding("lifecycle/runtime-extended", Severity.MEDIUM,
                       f"{name}: only {support.extended_name} until {support.phase_end}",
                       support, ref.package)  # fmt: skip


class LifecycleChecker:
    """The lifecycle findings as a checker; `today` is fixed when the scan starts."""

    name = "lifecycle"

    def __init__(self, today: date | None = None, snapshot: Snapshot | None = None) -> None:
        self.today = today or date.today()
        self.snapshot = snapshot

    def check(self, target) -> Iterable[Finding]:  # noqa: ANN001 - checks.base.Target
        return lifecycle_findings(target.inventory, self.today, self.snapshot)


def _finding(rule: str, severity: Severity, title: str, support: Support,
             package: Package | None = None) -> Finding:  # fmt: skip
    evidence = (("product", support.product), ("cycle", support.cycle),
                ("phase", support.phase), *support.evidence)  # fmt: skip
    return Finding(kind=KIND, rule_id=rule, severity=severity, title=title, package=package,
                   status=support.phase, evidence=evidence)  # fmt: skip


def _name(support: Support) -> str:
    codename = f" ({support.codename.lower()})" if support.codename else ""
    return f"{support.title} {support.cycle}{codename}"


def _since(support: Support) -> str:
    end = support.extended_end or support.lts_end or support.security_end
    return f" since {end}" if end and end <= support.today else ""


def _ends_soon(support: Support) -> bool:
    end = support.free_support_end
    return end is not None and 0 <= (end - support.today).days <= SOON_DAYS
