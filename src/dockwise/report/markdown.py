"""`--format markdown`: a short summary to post as a pull-request or merge-request comment.

The gate's verdict first (when a policy ran), then counts by kind and severity, the most
severe findings, and the questions' one-line verdicts when the result has them.
Every string from the image is escaped: a package name must not open a link, a table
cell or an HTML tag in somebody's review page.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from dockwise.model import SEVERITIES, Finding, ScanResult
from dockwise.policy import KINDS, Verdict, Violation
from dockwise.report.coverage_text import database_line, group_cells
from dockwise.report.links import advisory_url
from dockwise.report.sanitize import clean
from dockwise.report.sarif import image_name

TOP_FINDINGS = 10
# what can start markup inside a table cell or a list item's text (not at a line start)
_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


class MarkdownReporter:
    """`--format markdown`."""

    name = "markdown"

    def render(self, result: ScanResult) -> str:
        return self._render(result, None)

    def render_verdict(self, result: ScanResult, verdict: Verdict) -> str:
        """With the verdict as the headline and a table of the rules."""
        return self._render(result, verdict)

    def _render(self, result: ScanResult, verdict: Verdict | None) -> str:
        parts = [_headline(result, verdict)]
        if verdict is not None:
            parts.append(_verdict_section(verdict))
        parts.append(_counts_section(result.findings))
        parts.append(_coverage_section(result))
        parts.append(_top_section(result.findings))
        if result.answers is not None:
            parts.append(_answers_section(result))
        return "\n\n".join(p for p in parts if p) + "\n"


def md(text: str) -> str:
    """Text safe inside a Markdown table cell: controls escaped, markup neutralised."""
    escaped = _SPECIAL.sub(r"\\\1", clean(text))
    return escaped.replace("<", "&lt;").replace(">", "&gt;")


def _headline(result: ScanResult, verdict: Verdict | None) -> str:
    name = md(image_name(result))
    if verdict is None:
        return f"## dockwise: {name}"
    state = "passed :white_check_mark:" if verdict.passed else "failed :x:"
    return f"## dockwise: {name}: policy {state}"


def _verdict_section(verdict: Verdict) -> str:
    rows = ["| rule | result | why |", "| --- | --- | --- |"]
    outcomes = {v.rule: v for v in (*verdict.violations, *verdict.warnings)}
    for rule in verdict.checked:
        rows.append(_rule_row(rule, outcomes.get(rule)))
    notes = [f"- note: {md(n)}" for n in verdict.notes]
    return "\n".join(["### Policy", "", *rows, *([""] + notes if notes else [])])


def _rule_row(rule: str, outcome: Violation | None) -> str:
    if outcome is None:
        return f"| {rule} | pass | |"
    label = "**FAIL**" if outcome.action == "fail" else "warn"
    ids = ", ".join(dict.fromkeys(f.rule_id for f in outcome.findings))
    shown = ids if len(ids) <= 120 else ids[:117] + "..."
    why = md(outcome.reason) + (f" ({md(shown)})" if shown else "")
    return f"| {rule} | {label} | {why} |"


def _counts_section(findings: Iterable[Finding]) -> str:
    active = [f for f in findings if not f.suppressed]
    suppressed = sum(1 for f in findings if f.suppressed)
    counts = Counter((f.kind, f.severity) for f in active)
    head = "| kind | " + " | ".join(str(s) for s in SEVERITIES) + " | total |"
    rows = [head, "|" + " --- |" * (len(SEVERITIES) + 2)]
    for kind in (*KINDS, *sorted({f.kind for f in active} - set(KINDS))):
        total = sum(counts[(kind, s)] for s in SEVERITIES)
        if total:
            cells = " | ".join(str(counts[(kind, s)] or "") for s in SEVERITIES)
            rows.append(f"| {md(kind)} | {cells} | {total} |")
    title = f"### Findings: {len(active)}" + (f" ({suppressed} suppressed)" if suppressed else "")
    return "\n".join([title, "", *rows]) if active else title


def _coverage_section(result: ScanResult) -> str:
    """What the database covered: a clean count means nothing for a group it did not."""
    if result.database is None:
        return ""
    rows = ["| group | packages | state | detail |", "| --- | --- | --- | --- |"]
    rows += ["| " + " | ".join(md(c) for c in group_cells(g)) + " |" for g in result.coverage]
    uncovered = sum(1 for g in result.coverage if not g.covered)
    title = f"### Coverage: {uncovered} group(s) not covered" if uncovered else "### Coverage"
    return "\n".join([title, "", f"database: {md(database_line(result.database))}", "", *rows])


def _top_section(findings: Iterable[Finding]) -> str:
    top = [f for f in findings if not f.suppressed][:TOP_FINDINGS]
    if not top:
        return ""
    rows = ["| severity | id | package | fixed in (or status) | where |",
            "| --- | --- | --- | --- | --- |"]
    for f in top:
        pkg = f"{f.package.name} {f.package.version}" if f.package else ""
        where = f.location.path if f.location else (f.package.location.path if f.package else "")
        rows.append(f"| {f.severity} | {_ids(f)} | {md(pkg)} | {md(f.fixed_version or f.status)} "
                    f"| {md(where)} |")  # fmt: skip
    return "\n".join([f"### Top {len(top)} findings", "", *rows])


def _ids(finding: Finding) -> str:
    """The finding's id and its aliases, each linked to its record when it has one."""
    rule, *aliases = (_linked(i) for i in (finding.rule_id, *finding.aliases))
    return f"{rule} ({', '.join(aliases)})" if aliases else rule


def _linked(ident: str) -> str:
    url = advisory_url(ident)  # built from a quoted id: nothing in it can close the link
    return f"[{md(ident)}]({url})" if url else md(ident)


def _answers_section(result: ScanResult) -> str:
    answers = result.answers
    assert answers is not None
    lines = [f"- **{md(s.question)}** {md(s.verdict)}" for _, s in answers.sections()]
    return "\n".join(["### Questions", "", *lines])
