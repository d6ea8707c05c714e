"""Question 5, what about security? Counts of the findings by kind and by severity, every
checker's, with the suppressed ones counted apart (never dropped, never remade)."""

from __future__ import annotations

from collections import Counter

from dockwise.answers.context import Context, by_severity, top
from dockwise.model import Fact, Section


def section(ctx: Context) -> Section:
    """The answer to "What about security?"."""
    active = [f for f in ctx.findings if not f.suppressed]
    suppressed = len(ctx.findings) - len(active)
    by_kind = Counter(f.kind for f in active)
    facts = [Fact("findings", "findings of every kind", str(len(active)), "not suppressed")]
    facts += [Fact(f"kind.{k}", f"{k} findings", str(n)) for k, n in sorted(by_kind.items())]
    facts += by_severity("severity", active, "{} findings")
    facts.append(Fact("suppressed", "suppressed", str(suppressed), "ignore rules and VEX"))
    severities = Counter(str(f.severity) for f in active)
    verdict = (
        f"{len(active)} findings ({top(severities)}); by kind: {top(by_kind)}"
        if active
        else "no findings"
    )
    return Section("What about security?", verdict, tuple(facts))
