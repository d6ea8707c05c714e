"""The questions an operator asks about an image, answered with evidence.

Where did it come from? What is inside? Who is going to patch it? Who is going to
support it? What about security? And how should it run? Each answer is a Section: a
one-line verdict, facts
(a stable key, a label, a value and the evidence), and unknowns with the reason, because
an answer that cannot be given must say so rather than look clean. The JSON shape is
documented (and versioned) in docs/five-questions.md.

Pure: `answer()` reads only its arguments and the lifecycle snapshot; it never writes
the base-image catalogue (see `provenance.lessons`) and never touches the network. It is
a view of a checked result: every finding comes from a checker, suppressed ones marked,
and none is worked out again here, so what a user suppressed stays suppressed.
"""

from __future__ import annotations

from datetime import date

from dockwise.answers import inside, origin, patch, running, security, support
from dockwise.answers.context import Context
from dockwise.lifecycle import distro_support, runtime_support
from dockwise.lifecycle.runtimes import runtimes_in
from dockwise.lifecycle.snapshot import Snapshot, load_snapshot
from dockwise.model import Fact, FiveAnswers, ScanResult, Section, Unanswered
from dockwise.provenance import Provenance
from dockwise.runprofile.derive import RunProfile

__all__ = ["FiveAnswers", "Section", "Fact", "Unanswered", "answer"]


def answer(
    result: ScanResult, prov: Provenance, today: date, *, snapshot: Snapshot | None = None,
    profile: RunProfile | None = None,
) -> FiveAnswers:
    """Answer the questions for one checked image, from its findings as the checkers
    left them (suppressed ones included and marked), the provenance and the run profile
    `scan` worked out."""
    data = snapshot or load_snapshot()
    inventory = result.inventory
    distro = inventory.distro
    ctx = Context(
        image=result.image,
        inventory=inventory,
        findings=result.findings,
        today=today,
        prov=prov,
        distro=distro_support(distro, today, data) if distro else None,
        runtimes=tuple(
            (ref, runtime_support(ref.name, ref.version, today, ref.vendor, data))
            for ref in runtimes_in(inventory)
        ),
        profile=profile,
    )
    return FiveAnswers(
        today, origin.section(ctx), inside.section(ctx), patch.section(ctx),
        support.section(ctx), security.section(ctx), running.section(ctx),
    )  # fmt: skip
