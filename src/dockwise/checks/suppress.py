"""Suppression: an ignore file and OpenVEX documents mark findings, never delete them.

Ignore file (YAML, or TOML when the name ends in `.toml`):

    ignore:
      - id: CVE-2023-4863                 # or any alias (GHSA-..., DSA-...)
        purl: "pkg:deb/debian/libwebp*"   # optional, fnmatch pattern on the package purl
        reason: not reachable: we never decode WebP
        expires: 2025-06-30               # optional; from that day on it stops suppressing

OpenVEX (https://github.com/openvex/spec): statements with status `not_affected` or
`fixed` suppress the matching findings; `affected` and `under_investigation` do not.
A statement's subcomponents (else its products) are matched to the package by purl,
with a versionless purl matching every version; a product that is not a package (the
image) with no subcomponents applies to every package. Later statements win.
A suppressed finding keeps all its data plus `suppressed=<reason>`; the CLI hides it
unless `--show-suppressed`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from packageurl import PackageURL

from dockwise.errors import DockwiseError
from dockwise.model import Finding, ScanWarning
from dockwise.untrusted import load_json, load_yaml

SUPPRESSING_VEX = ("not_affected", "fixed")


class SuppressionError(DockwiseError):
    """An ignore file or VEX document cannot be read at all."""


@dataclass(frozen=True, slots=True)
class IgnoreRule:
    """One entry of the ignore file."""

    id: str
    reason: str
    purl: str = ""  # fnmatch pattern; "" matches every package
    expires: dt.date | None = None

    def applies(self, finding: Finding) -> bool:
        if self.id not in (finding.rule_id, *finding.aliases):
            return False
        purl = finding.package.purl if finding.package else ""
        return not self.purl or fnmatchcase(purl, self.purl)


@dataclass(frozen=True, slots=True)
class VexStatement:
    """One OpenVEX statement, reduced to what matching needs."""

    vulnerability: tuple[str, ...]  # name and aliases
    products: tuple[str, ...]  # purls (or other ids) of the subcomponents, else products
    status: str
    justification: str = ""
    impact: str = ""

    @property
    def reason(self) -> str:
        why = self.justification or self.impact or "no justification given"
        return f"vex {self.status}: {why}"


@dataclass(frozen=True, slots=True)
class Suppressions:
    """Everything that can suppress a finding, loaded once per run."""

    rules: tuple[IgnoreRule, ...] = ()
    vex: tuple[VexStatement, ...] = ()

    def apply(
        self, findings: Iterable[Finding], today: dt.date
    ) -> tuple[list[Finding], list[ScanWarning]]:
        """Findings with `suppressed` set where a live rule or statement applies, and a
        warning for each expired rule that would otherwise have applied."""
        out, warnings = [], []
        for finding in findings:
            reason, expired = self._reason(finding, today)
            out.append(dataclasses.replace(finding, suppressed=reason) if reason else finding)
            warnings.extend(_expired_warning(rule, finding) for rule in expired)
        return out, _unique(warnings)

    def _reason(self, finding: Finding, today: dt.date) -> tuple[str, list[IgnoreRule]]:
        expired: list[IgnoreRule] = []
        for rule in self.rules:
            if not rule.applies(finding):
                continue
            if rule.expires is not None and rule.expires <= today:
                expired.append(rule)
                continue
            return f"ignored: {rule.reason}", expired
        return _vex_reason(self.vex, finding), expired


def _vex_reason(statements: Sequence[VexStatement], finding: Finding) -> str:
    """The reason of the last statement about this finding, if it suppresses."""
    reason = ""
    ids = {finding.rule_id, *finding.aliases}
    for statement in statements:
        if ids.isdisjoint(statement.vulnerability) or not _vex_product_matches(statement, finding):
            continue
        reason = statement.reason if statement.status in SUPPRESSING_VEX else ""
    return reason


def _vex_product_matches(statement: VexStatement, finding: Finding) -> bool:
    if finding.package is None:
        return False
    purls = [p for p in statement.products if p.startswith("pkg:")]
    package_purls = [p for p in purls if not p.startswith("pkg:oci/")]
    if not package_purls:
        return True  # the statement is about the image as a whole
    return any(purl_matches(p, finding.package.purl) for p in package_purls)


def purl_matches(pattern: str, purl: str) -> bool:
    """Same type, namespace and name; the pattern's version and qualifiers, when given,
    must match too (OpenVEX: a versionless purl names every version)."""
    try:
        want, have = PackageURL.from_string(pattern), PackageURL.from_string(purl)
    except ValueError:
        return False
    if (want.type, want.namespace, want.name) != (have.type, have.namespace, have.name):
        return False
    if want.version and want.version != have.version:
        return False
    have_qualifiers = have.qualifiers or {}
    return all(have_qualifiers.get(k) == v for k, v in (want.qualifiers or {}).items())


def _expired_warning(rule: IgnoreRule, finding: Finding) -> ScanWarning:
    package = finding.package.name if finding.package else ""
    return ScanWarning(
        f"ignore rule for {rule.id} ({package}) expired on {rule.expires}; "
        "the finding is reported again"
    )


def _unique(warnings: list[ScanWarning]) -> list[ScanWarning]:
    return list(dict.fromkeys(warnings))


def load(ignore_file: str | None, vex_files: Sequence[str] = ()) -> Suppressions:
    """Read the ignore file and VEX documents; an unreadable one is a SuppressionError."""
    rules = load_ignore_file(Path(ignore_file)) if ignore_file else ()
    vex = tuple(s for path in vex_files for s in load_vex(Path(path)))
    return Suppressions(rules, vex)


def load_ignore_file(path: Path) -> tuple[IgnoreRule, ...]:
    """YAML or TOML, with a top-level `ignore` list of {id, reason, purl?, expires?}."""
    data = _read_structured(path)
    entries = data.get("ignore", []) if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise SuppressionError(f"{path}: expected a top-level `ignore` list")
    return tuple(ignore_entry(path, i, entry) for i, entry in enumerate(entries))


def _read_structured(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise SuppressionError(f"{path}: cannot read ({e.strerror})") from None
    try:
        if path.suffix == ".toml":
            return tomllib.loads(text)
        return load_yaml(text) or {}
    except (ValueError, RecursionError) as e:  # TOMLDecodeError is a ValueError; tomllib recurses
        raise SuppressionError(f"{path}: invalid {path.suffix.lstrip('.') or 'YAML'}: {e}") from e


def ignore_entry(path: Path, index: int, entry: Any) -> IgnoreRule:
    """One validated ignore entry; the policy file's `[[ignore]]` tables use it too."""
    if not isinstance(entry, dict) or not entry.get("id") or not entry.get("reason"):
        raise SuppressionError(f"{path}: ignore entry {index + 1} needs an `id` and a `reason`")
    return IgnoreRule(
        id=str(entry["id"]),
        reason=str(entry["reason"]),
        purl=str(entry.get("purl") or ""),
        expires=_date(path, index, entry.get("expires")),
    )


def _date(path: Path, index: int, value: Any) -> dt.date | None:
    """YAML and TOML both give dates as dates; a quoted string is accepted too."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise SuppressionError(
            f"{path}: ignore entry {index + 1}: expires {value!r} is not YYYY-MM-DD"
        ) from None


def load_vex(path: Path) -> list[VexStatement]:
    """The statements of one OpenVEX document (v0.2.0, and v0.0.x's string forms)."""
    try:
        doc = load_json(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise SuppressionError(f"{path}: cannot read ({e.strerror})") from None
    except ValueError as e:
        raise SuppressionError(f"{path}: {e}") from None
    statements = doc.get("statements") if isinstance(doc, dict) else None
    if not isinstance(statements, list):
        raise SuppressionError(f"{path}: not an OpenVEX document (no `statements` list)")
    return [_statement(s) for s in statements if isinstance(s, dict)]


def _statement(raw: dict) -> VexStatement:
    vuln = raw.get("vulnerability")
    if isinstance(vuln, dict):
        names = (vuln.get("name") or vuln.get("@id") or "", *vuln.get("aliases", ()))
    else:
        names = (str(vuln or ""),)
    targets = _ids(raw.get("subcomponents", []))  # OpenVEX v0.0.x: statement-level
    for product in raw.get("products", []):
        subs = product.get("subcomponents", []) if isinstance(product, dict) else []
        targets.extend(_ids(subs) or _ids([product]))
    return VexStatement(
        vulnerability=tuple(n for n in names if n),
        products=tuple(targets),
        status=str(raw.get("status", "")),
        justification=str(raw.get("justification", "")),
        impact=str(raw.get("impact_statement", "")),
    )


def _ids(components: Iterable[Any]) -> list[str]:
    """A component's purl when it has one, else its `@id`; plain strings as they are."""
    out = []
    for component in components:
        if isinstance(component, str):
            out.append(component)
        elif isinstance(component, dict):
            purl = (component.get("identifiers") or {}).get("purl")
            out.append(purl or component.get("@id", ""))
    return [i for i in out if i]
