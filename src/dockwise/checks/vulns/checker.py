"""The vulnerability checker: ask an AdvisorySource about every package, judge each
advisory with the ecosystem's own version ordering, and merge aliases into one finding.

Rules (issue 5): OS packages only against their own distro release's advisories, so a
back-ported fix is judged by the distro's fixed version, never by upstream's; withdrawn
records are skipped; records that share an id (CVE, GHSA, DSA, ...) are one finding.
Every finding carries the evidence that decided it: feed, record, range, comparison.
Shaped after pip-audit's service split and grype's matchers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cmp_to_key

from dockwise.checks.base import Target
from dockwise.checks.vulns.ecosystems import Query, pep503, queries, release_ecosystems
from dockwise.checks.vulns.osv_match import Verdict, evaluate
from dockwise.checks.vulns.severity import Rating, distro_vendor, rate
from dockwise.model import FIX_STATUSES, OS_PACKAGE_TYPES, Finding, Package
from dockwise.versions import COMPARATORS, scheme_for
from dockwise.vulndb.advisory import Advisory, AdvisorySource, Affected, CveRecord, Exploitation

MAX_REFERENCES = 10
# Distro tracker and vendor states (Debian tracker, Ubuntu, Alpine secdb, Red Hat VEX) ->
# FIX_STATUSES; a feed that already speaks that vocabulary maps onto itself.
_STATUS = {
    **{s: s for s in FIX_STATUSES if s not in ("fixed", "not-affected")},
    "undetermined": "open",
    "postponed": "open",
    "needed": "open",
    "deferred": "open",
    "ignored": "will-not-fix",
    "ignore": "will-not-fix",
    "will not fix": "will-not-fix",
    "wont-fix": "will-not-fix",
}
_NOT_AFFECTED_STATES = ("fixed", "not-affected", "not affected", "released", "")


@dataclass(frozen=True, slots=True)
class Match:
    """One advisory's `affected` entry that judged one package (affected or patched)."""

    advisory: Advisory
    affected: Affected
    query: Query
    verdict: Verdict
    scheme: str

    @property
    def ids(self) -> tuple[str, ...]:
        return (self.advisory.id, *self.advisory.aliases)


class VulnerabilityChecker:
    """Known vulnerabilities of the inventory, from one AdvisorySource."""

    name = "vulnerabilities"

    def __init__(self, source: AdvisorySource) -> None:
        self.source = source

    def check(self, target: Target) -> Iterator[Finding]:
        distro = target.inventory.distro  # each OS package's own release may differ (SBOMs)
        found = [(pkg, groups) for pkg in target.inventory.packages if not distro_owned(pkg)
                 if (groups := self._groups(pkg, release_ecosystems(pkg, distro)))]  # fmt: skip
        ids = {i for _, groups in found for g in groups for m in g for i in m.ids}
        cves = sorted(i for i in ids if i.startswith("CVE-"))
        exploitation, nvd = self.source.exploitation(cves), self.source.cves(cves)
        for pkg, groups in found:
            for group in groups:
                yield build_finding(pkg, group, exploitation, nvd)

    def _groups(self, pkg: Package, distro_ecosystems: tuple[str, ...]) -> list[list[Match]]:
        """This package's matches, merged by alias; groups a distro fix clears are dropped."""
        matches = list(self._matches(pkg, distro_ecosystems))
        groups = merge_aliases(matches) if matches else []
        return [g for g in groups if _reported(g, pkg)]

    def _matches(self, pkg: Package, distro_ecosystems: tuple[str, ...]) -> Iterator[Match]:
        for query in queries(pkg, distro_ecosystems):
            scheme = scheme_for(query.ecosystem)
            compare = COMPARATORS.get(scheme)
            if compare is None:
                continue
            for advisory in self.source.query(query.ecosystem, query.name):
                if advisory.withdrawn:
                    continue
                for affected in _entries(advisory, query):
                    verdict = judge(affected, query, scheme, compare)
                    if verdict.affected or verdict.patched:
                        yield Match(advisory, affected, query, verdict, scheme)


def distro_owned(pkg: Package) -> bool:
    """A language package (or Go toolchain) that an OS package installed is judged through
    that OS package and its distro's advisories: the distro may have back-ported a fix
    that the upstream version string cannot show (issue 4, issue 5)."""
    return bool(pkg.owned_by) and pkg.type not in OS_PACKAGE_TYPES


def _entries(advisory: Advisory, query: Query) -> Iterator[Affected]:
    """The advisory's `affected` entries for exactly this ecosystem and package."""
    name = pep503(query.name) if query.ecosystem == "PyPI" else query.name
    for affected in advisory.affected:
        if affected.ecosystem != query.ecosystem:
            continue
        package = pep503(affected.package) if query.ecosystem == "PyPI" else affected.package
        if package == name:
            yield affected


def judge(affected: Affected, query: Query, scheme: str, compare) -> Verdict:
    """Ranges and versions when the entry has them; else the vendor's state: `open`,
    `no-dsa`, `will-not-fix`, ... say every version in the release is affected, and
    `not-affected` clears the vulnerability for this release as a fix would."""
    if affected.ranges or affected.versions:
        verdict = evaluate(affected, query.version, scheme, compare)
        if verdict.affected or verdict.patched or not _open_state(affected):
            return verdict
    state = f"{affected.status}: {affected.reason}" if affected.reason else affected.status
    if _open_state(affected):
        return Verdict(
            True, "", f"{query.ecosystem} tracker", f"no fix in {query.ecosystem} ({state})"
        )
    if affected.status == "not-affected":
        return Verdict(False, "", f"{query.ecosystem} vendor", f"not affected ({state})", True)
    return Verdict(False)


def _open_state(affected: Affected) -> bool:
    return affected.status.lower() not in _NOT_AFFECTED_STATES


def _reported(group: Sequence[Match], pkg: Package) -> bool:
    """Report a group when some record finds the version affected, unless (OS packages)
    the distro also records a fix at or below the installed version: the distro's own
    "fixed" outranks a stale "open" for the same vulnerability."""
    if not any(m.verdict.affected for m in group):
        return False
    return not (pkg.type in OS_PACKAGE_TYPES and any(m.verdict.patched for m in group))


def merge_aliases(matches: Sequence[Match]) -> list[list[Match]]:
    """Matches whose ids (own id + aliases) overlap, transitively, as one group each."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for match in matches:
        first = root(match.ids[0])
        for other in match.ids[1:]:
            parent[root(other)] = first
    groups: dict[str, list[Match]] = {}
    for match in matches:
        groups.setdefault(root(match.advisory.id), []).append(match)
    return list(groups.values())


def build_finding(
    pkg: Package,
    group: Sequence[Match],
    facts: Mapping[str, Exploitation],
    nvd: Mapping[str, CveRecord],
) -> Finding:
    """One finding for one alias group: ids, fix, status, severity and the evidence."""
    affected = [m for m in group if m.verdict.affected]
    ids = sorted({i for m in group for i in m.ids})
    rule_id = _rule_id(ids, affected)
    cves = [nvd[i] for i in ids if i in nvd]
    rating = _rating(pkg, group, affected, cves)
    fixed = _best_fix(affected)
    evidence = [pair for m in affected for pair in _match_evidence(m)]
    evidence.extend(_subscription(pkg, affected, fixed))
    evidence.append(("severity", rating.note))
    evidence.extend(_exploitation_evidence(ids, facts))
    return Finding(
        kind="vulnerability",
        rule_id=rule_id,
        severity=rating.severity,
        severity_source=rating.source,
        vendor_severity=rating.vendor,
        cvss=rating.cvss,
        title=_title([m.advisory for m in affected], cves) or rule_id,
        package=pkg,
        location=pkg.location,
        fixed_version=fixed,
        status="fixed" if fixed else _status(affected),
        aliases=tuple(i for i in ids if i != rule_id),
        evidence=tuple(evidence),
        references=_references(affected),
    )


def _rule_id(ids: Sequence[str], affected: Sequence[Match]) -> str:
    """A CVE id when there is one (what people search for), else the record's own id."""
    cves = [i for i in ids if i.startswith("CVE-")]
    return cves[0] if cves else sorted(m.advisory.id for m in affected)[0]


def _best_fix(affected: Sequence[Match]) -> str:
    """The highest fixed version among the records: the one that clears all of them."""
    fixes = [(m.verdict.fixed, m.scheme) for m in affected if m.verdict.fixed]
    if not fixes:
        return ""
    scheme = fixes[0][1]
    order = cmp_to_key(lambda a, b: _safe_compare(scheme, a, b))
    return max((f for f, _ in fixes), key=order)


def _safe_compare(scheme: str, a: str, b: str) -> int:
    try:
        return COMPARATORS[scheme](a, b)
    except ValueError:
        return (a > b) - (a < b)


def _subscription(pkg: Package, affected: Sequence[Match], fixed: str) -> Iterator[tuple[str, str]]:
    """A fix that only Ubuntu Pro (ESM) carries needs a subscription: a rebuild of a free
    image does not get it. An installed `+esm` version shows the image already has one."""
    if not fixed or "esm" in pkg.version:
        return
    if all(":Pro:" in m.query.ecosystem for m in affected if m.verdict.fixed):
        yield "subscription", f"fixed in {fixed} by Ubuntu Pro (ESM) only: needs a subscription"


def _status(affected: Sequence[Match]) -> str:
    """The distro's word when it gave one (no-dsa, will-not-fix, ...), else open."""
    for match in affected:
        status = _STATUS.get(match.affected.status.lower())
        if status:
            return status
    return "open"


def _rating(
    pkg: Package, group: Sequence[Match], affected: Sequence[Match], cves: Sequence[CveRecord]
) -> Rating:
    """Every record of the vulnerability rates it, also one that found this version
    patched (it is the same vulnerability); the distro's own words count for OS packages
    only, from the records that found it affected."""
    records = list({(m.advisory.id, m.advisory.source): m.advisory for m in group}.values())
    distro: list[tuple[str, str]] = []
    if pkg.type in OS_PACKAGE_TYPES:
        distro = [(distro_vendor(m.affected.ecosystem), m.affected.severity)
                  for m in affected if m.affected.severity]  # fmt: skip
        distro += [("ubuntu", word) for r in records for kind, word in r.cvss if kind == "Ubuntu"]
    return rate(records, distro, cves)


def _title(records: Sequence[Advisory], cves: Sequence[CveRecord]) -> str:
    """GHSA's summary, else NVD's first sentence, else another record's summary (Go's,
    a DSA's) or the first sentence of its details."""
    summaries = [r.summary for r in records if r.summary]
    ghsa = [r.summary for r in records if r.summary and r.id.startswith("GHSA-")]
    nvd = [c.description for c in cves if c.description]
    details = [r.details for r in records if r.details]
    return next(iter([*ghsa, *nvd, *summaries, *details]), "")


def _match_evidence(match: Match) -> Iterator[tuple[str, str]]:
    yield "feed", match.advisory.source
    yield "record", match.advisory.id
    yield "package", f"{match.query.ecosystem} {match.query.name} {match.query.version}"
    yield "range", match.verdict.range
    yield "compare", match.verdict.comparison
    if match.affected.status:
        reason = f" ({match.affected.reason})" if match.affected.reason else ""
        yield "status", f"{match.affected.status}{reason}"


def _exploitation_evidence(
    ids: Iterable[str], facts: Mapping[str, Exploitation]
) -> Iterator[tuple[str, str]]:
    for vid in ids:
        fact = facts.get(vid)
        if fact is None:
            continue
        if fact.kev:
            ransomware = f"; ransomware {fact.kev_ransomware}" if fact.kev_ransomware else ""
            yield "kev", f"{vid} in CISA KEV; due {fact.kev_due or 'n/a'}{ransomware}"
        if fact.epss is not None:
            pct = (
                "" if fact.epss_percentile is None else f" (percentile {fact.epss_percentile:.3f})"
            )
            yield "epss", f"{vid} {fact.epss:.5f}{pct}"


def _references(affected: Sequence[Match]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for match in affected:
        for ref in match.advisory.references:
            seen.setdefault(ref, None)
    return tuple(seen)[:MAX_REFERENCES]
