"""`suspicious/*` findings: executables no package owns that look like trouble.

"What if some weird binary decides to call home?" A package manager vouches for the
files it installed; for the others (Inventory.files kinds "unowned-executable" and
"unowned-library") this checker reports what the "indicators" analyzer saw: miner
signatures, the UPX packer, download-and-execute or reverse-shell lines, network
endpoints that are not documentation links, names that imitate system tools, and an
entrypoint that is one of them. Miner signatures are reported for every executable.
"""

from __future__ import annotations

import posixpath
import unicodedata
from collections.abc import Iterable, Iterator, Mapping

from dockwise.analyze.indicators import host_of
from dockwise.model import (
    OS_PACKAGE_TYPES,
    FileRecord,
    Finding,
    ImageInfo,
    Inventory,
    Location,
    Severity,
)
from dockwise.security.ruleset import IndicatorRules, indicator_rules

KIND = "suspicious-binary"
UNOWNED = frozenset({"unowned-executable", "unowned-library"})
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SHOWN = 5  # endpoints listed in evidence
_INTERPRETERS = ("sh", "bash", "dash", "ash", "python", "node", "java", "ruby", "perl", "php")


class SuspiciousBinaryChecker:
    """Unowned executables' indicators, imitated names and the entrypoint."""

    name = "suspicious-binaries"

    def check(self, target) -> Iterable[Finding]:  # noqa: ANN001 - checks.base.Target
        rules = indicator_rules()
        facts = _facts(target.tree)
        unowned = {r.path: r for r in target.inventory.files if UNOWNED & set(r.kinds)}
        yield from miners(facts, unowned, target.inventory)
        if not _ownership_known(target.inventory):
            unowned = {}  # no package database: every file would look unowned
        for record in unowned.values():
            yield from _record_findings(record, facts.get(record.path, {}), rules)
        yield from unowned_entrypoint(target.image, target.tree, unowned, facts)


def _facts(tree) -> dict[str, Mapping]:  # noqa: ANN001 - source.filetree.FileTree | None
    if tree is None:
        return {}
    return {f.path: f.facts["indicators"] for f in tree.with_facts("indicators")}


def _ownership_known(inventory: Inventory) -> bool:
    return any(p.type in OS_PACKAGE_TYPES for p in inventory.packages)


def _finding(rule: str, severity: Severity, title: str, record: FileRecord, evidence) -> Finding:  # noqa: ANN001
    return Finding(
        kind=KIND, rule_id=f"suspicious/{rule}", severity=severity, title=title,
        location=Location(record.path, record.layer), evidence=tuple(evidence),
    )  # fmt: skip


def miners(facts: Mapping[str, Mapping], unowned: Mapping[str, FileRecord],
           inventory: Inventory) -> Iterator[Finding]:  # fmt: skip
    """Crypto-miner YARA matches, owned or not: a packaged miner is still a miner."""
    for path, found in sorted(facts.items()):
        matches = found.get("miner") or ()
        if not matches:
            continue
        record = unowned.get(path) or FileRecord(path, None, ())
        severity = max(Severity.parse(m["severity"]) for m in matches)
        names = ", ".join(m["rule"] for m in matches)
        owner = "no package" if path in unowned else "a package (see SBOM)"
        yield _finding("crypto-miner", severity, f"crypto-miner signature in {path}", record,
                       [("yara", names), ("owner", owner)])  # fmt: skip


def _record_findings(
    record: FileRecord, found: Mapping, rules: IndicatorRules
) -> Iterator[Finding]:
    if found.get("upx"):
        yield _finding("upx-packed", Severity.MEDIUM, f"UPX-packed unowned binary {record.path}",
                       record, [("marker", "UPX! in the first 4 KiB")])  # fmt: skip
    for hit in found.get("script") or ():
        rule = next((s for s in rules.scripts if s.id == hit["rule"]), None)
        severity = rule.severity if rule else Severity.HIGH
        title = f"{rule.title if rule else hit['rule']} in unowned script {record.path}"
        yield _finding(hit["rule"], severity, title, record,
                       [("line", str(hit["line"])), ("excerpt", hit["excerpt"])])  # fmt: skip
    yield from _endpoints(record, found, rules)
    yield from imitation(record, rules)


def notable_endpoints(found: Mapping, rules: IndicatorRules) -> tuple[list[str], bool]:
    """URLs and IPs that are not documentation links, and whether any is risky."""
    notable, risky = [], False
    for url in found.get("urls") or ():
        host = host_of(url)
        if host in rules.benign_hosts or any(host.endswith("." + b) for b in rules.benign_hosts):
            continue
        notable.append(url)
        scheme = url.split("://", 1)[0]
        risky |= scheme in rules.risky_schemes or host.endswith(rules.risky_host_suffixes)
        risky |= host.replace(".", "").isdigit()
    ips = list(found.get("ips") or ())
    return notable + ips, risky or bool(ips)


def _endpoints(record: FileRecord, found: Mapping, rules: IndicatorRules) -> Iterator[Finding]:
    endpoints, risky = notable_endpoints(found, rules)
    if endpoints:
        severity = Severity.MEDIUM if risky else Severity.LOW
        shown = ", ".join(endpoints[:SHOWN]) + (" ..." if len(endpoints) > SHOWN else "")
        yield _finding("embedded-endpoints", severity,
                       f"unowned executable {record.path} embeds network endpoints", record,
                       [("endpoints", shown), ("count", str(len(endpoints)))])  # fmt: skip


def imitation(record: FileRecord, rules: IndicatorRules) -> Iterator[Finding]:
    """Names of system tools, look-alike letters, and leading/trailing blanks."""
    base = posixpath.basename(record.path)
    skeleton = "".join(rules.confusables.get(c, c) for c in unicodedata.normalize("NFKC", base))
    skeleton = skeleton.strip()
    odd = skeleton != base
    if skeleton in rules.system_tools:
        how = "look-alike name" if odd else "name"
        yield _finding("imitates-system-tool", Severity.HIGH,
                       f"unowned executable with the {how} of system tool {skeleton!r}", record,
                       [("name", ascii(base)), ("imitates", skeleton)])  # fmt: skip
    elif odd or not base.isprintable():
        yield _finding("odd-name", Severity.MEDIUM, f"unowned executable with an odd name {base!a}",
                       record, [("name", ascii(base))])  # fmt: skip


def unowned_entrypoint(image: ImageInfo, tree, unowned: Mapping[str, FileRecord],  # noqa: ANN001
                       facts: Mapping[str, Mapping]) -> Iterator[Finding]:  # fmt: skip
    """The program the container starts, when no package owns it."""
    argv = image.config.entrypoint or image.config.cmd
    if not argv or tree is None:
        return
    real = resolve_command(argv[0], image, tree)
    record = unowned.get(real or "")
    if record is None:
        return
    endpoints, risky = notable_endpoints(facts.get(record.path, {}), indicator_rules())
    evidence = [("entrypoint", " ".join(argv)[:200]), ("resolved", "/" + record.path)]
    if endpoints:
        evidence.append(("endpoints", ", ".join(endpoints[:SHOWN])))
    severity = Severity.MEDIUM if endpoints else Severity.LOW
    title = f"entrypoint /{record.path} is not from any package"
    yield _finding("unowned-entrypoint", severity, title, record, evidence)


def resolve_command(command: str, image: ImageInfo, tree) -> str | None:  # noqa: ANN001
    """The real path `command` runs, searched in the image's PATH like execvp(3)."""
    if "/" in command:
        base = command if command.startswith("/") else posixpath.join(
            image.config.working_dir or "/", command)  # fmt: skip
        return tree.resolve(base.lstrip("/"))
    path = dict(image.config.env).get("PATH") or DEFAULT_PATH
    for directory in path.split(":"):
        real = tree.resolve(posixpath.join(directory, command).lstrip("/"))
        if real is not None and tree.entry(real) is not None and not tree.entry(real).is_dir:
            return real
    return None
