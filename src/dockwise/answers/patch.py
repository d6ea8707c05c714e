"""Question 3, who is going to patch it? What a rebuild would fix (the vulnerability
findings not suppressed), how old the image and its base are, what nobody fixes any
more (end-of-life content), and which package groups the database could not check."""

from __future__ import annotations

from collections.abc import Iterable

from dockwise.answers.context import Context, by_severity
from dockwise.answers.support import support_label
from dockwise.lifecycle import Support
from dockwise.model import OS_PACKAGE_TYPES, CoverageGroup, Fact, Section, Unanswered
from dockwise.provenance.origin import parse_time


def section(ctx: Context) -> Section:
    """The answer to "Who is going to patch it?"."""
    vulns = [f for f in ctx.findings if f.kind == "vulnerability" and not f.suppressed]
    fixable = [f for f in vulns if f.fixed_version and not f.needs_subscription]
    paid = [f for f in vulns if f.fixed_version and f.needs_subscription]
    kev = [f for f in fixable if any(key == "kev" for key, _ in f.evidence)]
    facts = [
        Fact("vulnerabilities", "vulnerabilities", str(len(vulns)), "not suppressed"),
        Fact("fixable", "fixable by a rebuild", str(len(fixable)), "fixed_version known"),
        *([Fact("fixable.subscription", "fixed only with a subscription", str(len(paid)),
                "Ubuntu Pro (ESM)")] if paid else []),  # fmt: skip
        Fact("fixable.kev", "fixable and known exploited", str(len(kev)), "CISA KEV"),
        *by_severity("fixable.severity", fixable, "fixable {}"),
        *_age_facts(ctx),
        *_eol_content_facts(ctx),
    ]
    verdict = (
        f"a rebuild on current packages would fix {len(fixable)} of {len(vulns)} "
        f"vulnerabilities, of which {len(kev)} are known exploited"
    )
    uncovered = [g for g in ctx.coverage if not g.covered]
    verdict += "".join(f"; {g.sentence}" for g in uncovered)
    unknowns = (*_age_unknowns(ctx), *map(_coverage_unknown, uncovered))
    return Section("Who is going to patch it?", verdict, tuple(facts), unknowns)


def _coverage_unknown(group: CoverageGroup) -> Unanswered:
    """A group the database had nothing for: its "0 vulnerabilities" means "unknown"."""
    reason = group.sentence.removeprefix("unknown for ")
    return Unanswered(f"coverage.{group.type}.{group.label}", f"{group.label} packages", reason)


def _age_facts(ctx: Context) -> Iterable[Fact]:
    origin = ctx.prov.origin
    if origin.age_days is not None:
        yield Fact(
            "age.image",
            "image age",
            f"{origin.age_days} days",
            origin.created_note or "config created",
        )
    base_time = parse_time(ctx.prov.base.created)
    if base_time is not None:
        days = (ctx.today - base_time.date()).days
        yield Fact("age.base", "base age", f"{days} days", f"history of {ctx.prov.base.name}")


def _age_unknowns(ctx: Context) -> Iterable[Unanswered]:
    if ctx.prov.origin.age_days is None:
        yield Unanswered("age.image", "image age", ctx.prov.origin.created_note)
    if parse_time(ctx.prov.base.created) is None:
        yield Unanswered("age.base", "base age", "the base's history entries carry no time")


def _eol_content_facts(ctx: Context) -> Iterable[Fact]:
    """OS packages of an EOL release, and EOL runtimes: nobody fixes them any more."""
    if isinstance(ctx.distro, Support) and ctx.distro.is_end_of_life:
        os_packages = [p for p in ctx.inventory.packages if p.type in OS_PACKAGE_TYPES]
        yield Fact("eol.os_packages", "packages from an end-of-life release",
                   str(len(os_packages)), support_label(ctx.distro))  # fmt: skip
    for ref, support in ctx.runtimes:
        if isinstance(support, Support) and support.is_end_of_life:
            yield Fact(f"eol.runtime.{ref.name}", "end-of-life runtime",
                       f"{ref.name} {ref.version}", support_label(support))  # fmt: skip
