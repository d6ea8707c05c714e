"""`dockwise profile`: the inventory, the two checkers whose findings decide whether
root is needed (sshd, supervisors, cron), and the run profile worked out from them."""

from __future__ import annotations

from dockwise.checks import Target
from dockwise.checks.imageconfig import ImageConfigChecker
from dockwise.checks.rundesign import RunDesignChecker
from dockwise.options import Options
from dockwise.pipeline.read import Progress, inventory
from dockwise.runprofile.derive import RunProfile, derive


def profile(options: Options, progress: Progress | None = None) -> RunProfile:
    """The least privilege the image at `options.source` can run with."""
    result, tree = inventory(options, progress)
    target = Target(result.image, result.inventory, tree)
    checkers = (ImageConfigChecker(), RunDesignChecker())
    findings = tuple(f for checker in checkers for f in checker.check(target))
    return derive(result.image, result.inventory, tree, findings)
