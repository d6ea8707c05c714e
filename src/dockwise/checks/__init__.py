"""The checkers, as an explicit registry.

Every checker lives here, one module each (`vulns/` is a package: matching is big), and is
the only producer of its findings: later stages (suppression, answers, policy) read them
and never work them out again. The rules and data a checker applies live in libraries
(`security/`, `lifecycle/`, `provenance/`).

Add a checker: write `checks/<name>.py` with a class that has `name` and `check()`, and
add a line to `build_checkers` (checkers that need a resource, such as an advisory
source or the scan's date, get it here rather than reaching for globals).
"""

from __future__ import annotations

from datetime import date

from dockwise.checks.base import Checker, Target
from dockwise.checks.binaries import SuspiciousBinaryChecker
from dockwise.checks.history import HistoryChecker
from dockwise.checks.imageconfig import ImageConfigChecker
from dockwise.checks.lifecycle import LifecycleChecker
from dockwise.checks.rundesign import RunDesignChecker
from dockwise.checks.secrets import SecretsChecker
from dockwise.checks.vulns import VulnerabilityChecker
from dockwise.vulndb.advisory import AdvisorySource

__all__ = ["Checker", "Target", "build_checkers"]


def build_checkers(advisories: AdvisorySource, today: date) -> tuple[Checker, ...]:
    """Every checker `dockwise scan` runs, in the order their findings are reported.

    `today` is fixed once per scan, so every date-dependent judgement agrees.
    """
    return (
        VulnerabilityChecker(advisories),
        SecretsChecker(),
        ImageConfigChecker(),
        SuspiciousBinaryChecker(),
        HistoryChecker(),
        LifecycleChecker(today),
        RunDesignChecker(),
    )
