"""Hand-built results answered the way `dockwise scan` answers them. (A module of its own:
test modules import it by name, and `conftest` is a name every test directory shares.)"""

from __future__ import annotations

import dataclasses
from datetime import date

from dockwise.answers import answer
from dockwise.checks import Target
from dockwise.checks.history import HistoryChecker
from dockwise.checks.lifecycle import LifecycleChecker
from dockwise.model import ScanResult
from dockwise.provenance import provenance
from dockwise.runprofile.derive import derive


def answered(result: ScanResult, today: date) -> ScanResult:
    """`result` with the history and lifecycle checkers' findings beside its own, and the
    answers over all of them: the checkers that need no files or advisories, and the run
    profile as an SBOM source (no file tree) gets it."""
    target = Target(result.image, result.inventory)
    derived = [f for c in (HistoryChecker(), LifecycleChecker(today)) for f in c.check(target)]
    checked = dataclasses.replace(result, findings=(*result.findings, *derived))
    prov = provenance(result.image, result.inventory.distro, today)
    profile = derive(result.image, result.inventory, None, checked.findings)
    return dataclasses.replace(checked, answers=answer(checked, prov, today, profile=profile))
