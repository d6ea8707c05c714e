"""What each policy rule checks. One small function per rule, all of the same shape:
`(rule, subject) -> Breach | None`, registered in CHECKS by the rule's name.

Findings come from the scan result as its checkers reported them, history and lifecycle
ones included (after the policy's own ignore entries; suppressed findings never count);
nothing here derives a finding. Facts about where the image came from (name, base, signature,
age) come from the result's five-question answers when it has them, else they are
worked out from the image config the same way (`dockwise.provenance`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from fnmatch import fnmatchcase

from dockwise.model import Finding, ScanResult, Severity
from dockwise.policy.config import UNKNOWN_MODES, Rule
from dockwise.provenance import provenance

EOL_RULES = frozenset({"lifecycle/distro-eol", "lifecycle/runtime-eol"})
EXTENDED_RULES = frozenset({"lifecycle/distro-extended", "lifecycle/runtime-extended"})
ROOT_RULE = "config/root-user"
KEV_KEY = "kev"  # evidence key the vulnerability checker sets for CISA KEV entries


@dataclass(frozen=True, slots=True)
class Breach:
    """Why a rule is not met, and the findings behind it (none for image-level facts)."""

    reason: str
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True, slots=True)
class Subject:
    """What the rules look at: the findings that count, and the image's origin facts."""

    findings: tuple[Finding, ...]
    reference: str  # "registry/repository", "" when the image has no name
    reference_note: str
    base: str
    base_note: str
    signature: str  # "verified", "signed-unverified", "unsigned" or "unknown"
    signature_note: str
    age_days: int | None
    age_note: str


def subject(result: ScanResult, findings: tuple[Finding, ...], today: date) -> Subject:
    """The facts the rules need, from the answers when present, else from the image."""
    prov = provenance(result.image, result.inventory.distro, today)
    origin = prov.origin
    reference = f"{origin.registry}/{origin.repository}" if origin.repository else ""
    facts = _answer_facts(result)
    base = facts.get("base.name", prov.base.name)
    signature = facts.get("signature", prov.signature.state.value)
    return Subject(
        findings=findings,
        reference=reference,
        reference_note=origin.reference or "no repo tag, name annotation or registry reference",
        base=base,
        base_note=facts.get("~base.name", prov.base.reason) if not base else "",
        signature=signature,
        signature_note=facts.get("~signature", prov.signature.detail),
        age_days=origin.age_days,
        age_note=origin.created_note,
    )


def _answer_facts(result: ScanResult) -> dict[str, str]:
    """Provenance facts by key; evidence and unknown reasons under "~key"."""
    answers = getattr(result, "answers", None)
    if answers is None:
        return {}
    section = answers.provenance
    out = {f.key: f.value for f in section.facts}
    out.update({f"~{f.key}": f.evidence for f in section.facts if f.evidence})
    out.update({f"~{u.key}": u.reason for u in section.unknowns})
    return out


def check_severity(rule: Rule, s: Subject) -> Breach | None:
    """Findings at or above the level; `only-fixed` narrows vulnerabilities to those with
    a fix a rebuild gets (not one behind a subscription; other kinds are always fixable:
    remove the secret, change the setting).
    Unknown severity is its own band: it counts at every level unless `unknown` says
    "ignore" or rates it (`unknown = "medium"`), and the reason says how many it was."""
    level: Severity = rule.get("at-least")
    kinds = rule.get("kinds") or ()
    only_fixed = rule.get("only-fixed", False)
    unknown = rule.get("unknown", "fail")

    def counts(f: Finding) -> bool:
        fixable = f.kind != "vulnerability" or bool(f.fixed_version and not f.needs_subscription)
        wanted = not kinds or f.kind in kinds
        return _rated(f.severity, unknown).reaches(level) and wanted and (fixable or not only_fixed)

    hits = tuple(f for f in s.findings if counts(f) and not _ignored(f, unknown))
    return _breach(hits, _severity_reason(hits, level, only_fixed))


def _severity_reason(hits: tuple[Finding, ...], level: Severity, only_fixed: bool) -> str:
    """`12 finding(s) of severity low or higher, 9 of them of unknown severity`."""
    fixed = " with a fix" if only_fixed else ""
    if level is Severity.UNKNOWN:
        return f"{len(hits)} finding(s) of unknown severity{fixed}"
    unrated = sum(f.severity is Severity.UNKNOWN for f in hits)
    of_them = f", {unrated} of them of unknown severity" if unrated else ""
    return f"{len(hits)} finding(s) of severity {level} or higher{fixed}{of_them}"


def _rated(severity: Severity, unknown: str) -> Severity:
    """The severity the gate judges: an unknown one rated as the policy says, if it does."""
    if severity is Severity.UNKNOWN and unknown not in UNKNOWN_MODES:
        return Severity.parse(unknown)
    return severity


def _ignored(finding: Finding, unknown: str) -> bool:
    return finding.severity is Severity.UNKNOWN and unknown == "ignore"


def check_known_exploited(rule: Rule, s: Subject) -> Breach | None:
    hits = tuple(f for f in s.findings if any(k == KEV_KEY for k, _ in f.evidence))
    return _breach(hits, f"{len(hits)} known-exploited vulnerabilit(ies) (CISA KEV)")


def check_end_of_life(rule: Rule, s: Subject) -> Breach | None:
    ids = EOL_RULES | (EXTENDED_RULES if rule.get("include-extended") else frozenset())
    hits = tuple(f for f in s.findings if f.kind == "lifecycle" and f.rule_id in ids)
    return _breach(hits, f"{len(hits)} end-of-life distro or runtime release(s)")


def check_max_age(rule: Rule, s: Subject) -> Breach | None:
    days: int = rule.get("days")
    if s.age_days is None:
        if rule.get("allow-unknown", False):
            return None
        return Breach(f"image age unknown ({s.age_note}); the policy allows {days} days")
    if s.age_days > days:
        caveat = f" ({s.age_note})" if s.age_note else ""
        return Breach(f"image built {s.age_days} days ago{caveat}; the policy allows {days}")
    return None


def check_non_root(rule: Rule, s: Subject) -> Breach | None:
    hits = tuple(f for f in s.findings if f.rule_id == ROOT_RULE)
    return _breach(hits, "the image runs as root")


def check_no_secrets(rule: Rule, s: Subject) -> Breach | None:
    hits = tuple(f for f in s.findings if f.kind == "secret")
    return _breach(hits, f"{len(hits)} secret(s) in the image")


def check_allowed_registries(rule: Rule, s: Subject) -> Breach | None:
    allowed: tuple[str, ...] = rule.get("registries")
    if not s.reference:
        return Breach(f"registry cannot be checked: {s.reference_note}")
    if any(_name_matches(s.reference, pattern) for pattern in allowed):
        return None
    return Breach(f"{s.reference} is not from an allowed registry ({', '.join(allowed)})")


def check_allowed_bases(rule: Rule, s: Subject) -> Breach | None:
    allowed: tuple[str, ...] = rule.get("bases")
    if not s.base:
        return Breach(f"base image unknown ({s.base_note or 'no evidence'})")
    if any(_name_matches(s.base, pattern) for pattern in allowed):
        return None
    return Breach(f"base image {s.base} is not allowed ({', '.join(allowed)})")


def check_signature(rule: Rule, s: Subject) -> Breach | None:
    """`require = "verified"` (default) accepts only a verified signature; "signed" also
    accepts one present but not verified. Unknown always fails: say why it is unknown."""
    wanted = rule.get("require", "verified")
    accepted = {"verified"} if wanted == "verified" else {"verified", "signed-unverified"}
    if s.signature in accepted:
        return None
    if s.signature == "unknown":
        return Breach(f"signature state unknown ({s.signature_note or 'not checked'})")
    note = f": {s.signature_note}" if s.signature_note else ""
    return Breach(f"a {wanted} signature is required; the image is {s.signature}{note}")


def _name_matches(name: str, pattern: str) -> bool:
    """A glob on the whole name (with or without its tag), or a registry/path prefix."""
    bare = name.split("@", 1)[0]
    untagged = bare.rsplit(":", 1)[0] if ":" in bare.rsplit("/", 1)[-1] else bare
    if any(fnmatchcase(n, pattern) for n in (name, bare, untagged)):
        return True
    prefix = pattern.rstrip("/")
    return untagged.startswith(prefix + "/") or untagged == prefix


def _breach(hits: tuple[Finding, ...], reason: str) -> Breach | None:
    return Breach(reason, hits) if hits else None


Check = Callable[[Rule, Subject], Breach | None]
CHECKS: Mapping[str, Check] = {
    "severity": check_severity,
    "known-exploited": check_known_exploited,
    "end-of-life": check_end_of_life,
    "max-age": check_max_age,
    "non-root": check_non_root,
    "no-secrets": check_no_secrets,
    "allowed-registries": check_allowed_registries,
    "allowed-bases": check_allowed_bases,
    "signature": check_signature,
}
