"""The five questions an operator asks about an image, answered with evidence.

Where did it come from? What is inside? Who is going to patch it? Who is going to
support it? What about security? Each answer is a Section: a one-line verdict, facts
(a stable key, a label, a value and the evidence), and unknowns with the reason, because
an answer that cannot be given must say so rather than look clean. The JSON shape is
documented (and versioned) in docs/five-questions.md.

Pure: `answer()` reads only its arguments and the lifecycle snapshot; it never writes
the base-image catalogue (see `provenance.lessons`) and never touches the network. It is
a view of a checked result: every finding comes from a checker, suppressed ones marked,
and none is worked out again here, so what a user suppressed stays suppressed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from dockwise.checks.history import KIND as HISTORY_KIND
from dockwise.humanize import human_size
from dockwise.lifecycle import Support, SupportUnknown, distro_support, runtime_support
from dockwise.lifecycle.runtimes import RuntimeRef, runtimes_in
from dockwise.lifecycle.snapshot import Snapshot, load_snapshot
from dockwise.model import (
    CoverageGroup,
    Finding,
    ImageInfo,
    Inventory,
    Package,
    ScanResult,
    Severity,
)
from dockwise.provenance import Provenance
from dockwise.provenance.origin import human_age, parse_time
from dockwise.provenance.steps import mask_secrets

__all__ = ["FiveAnswers", "Section", "Fact", "Unanswered", "answer"]

SCHEMA = "dockwise/five-questions"
SCHEMA_VERSION = 2
HISTORY_EXCERPT = 200
LARGEST_LAYERS = 3
NAMED_PACKAGES = 4  # runtime-type packages named in the evidence of their count
# who to call about the OS: the distribution's security contact
DISTRO_CONTACTS = {
    "debian": "Debian Security Team, https://www.debian.org/security/ "
    "(LTS: https://wiki.debian.org/LTS)",
    "ubuntu": "Canonical, https://ubuntu.com/security",
    "alpine": "Alpine Linux, https://security.alpinelinux.org/",
    "rhel": "Red Hat Product Security, https://access.redhat.com/security/",
    "centos": "CentOS Project, https://www.centos.org/",
    "rocky": "Rocky Enterprise Software Foundation, https://rockylinux.org/",
    "almalinux": "AlmaLinux OS Foundation, https://errata.almalinux.org/",
    "ol": "Oracle, https://linux.oracle.com/security/",
    "amzn": "Amazon Web Services, https://alas.aws.amazon.com/",
    "sles": "SUSE, https://www.suse.com/support/security/",
    "opensuse-leap": "openSUSE, https://www.suse.com/support/security/",
    "fedora": "Fedora Project, https://bodhi.fedoraproject.org/",
    "photon": "VMware Photon OS, https://github.com/vmware/photon/wiki/Security-Advisories",
}  # fmt: skip
CONTACT_FIELDS = ("maintainer", "authors", "vendor", "url", "documentation")


@dataclass(frozen=True, slots=True)
class Fact:
    """One answered fact; `key` is stable for machines, `label` is for people."""

    key: str
    label: str
    value: str
    evidence: str = ""


@dataclass(frozen=True, slots=True)
class Unanswered:
    """Something the question needs that could not be answered, and why."""

    key: str
    label: str
    reason: str


@dataclass(frozen=True, slots=True)
class Section:
    """The answer to one question."""

    question: str
    verdict: str
    facts: tuple[Fact, ...] = ()
    unknowns: tuple[Unanswered, ...] = ()

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "verdict": self.verdict,
            "facts": [
                {"key": f.key, "label": f.label, "value": f.value, "evidence": f.evidence}
                for f in self.facts
            ],
            "unknowns": [
                {"key": u.key, "label": u.label, "reason": u.reason} for u in self.unknowns
            ],
        }


@dataclass(frozen=True, slots=True)
class FiveAnswers:
    """All five sections, as of `today`."""

    today: date
    provenance: Section
    inside: Section
    patching: Section
    support: Section
    security: Section

    def sections(self) -> tuple[tuple[str, Section], ...]:
        """(name, section) in the order the questions are asked."""
        names = ("provenance", "inside", "patching", "support", "security")
        return tuple((name, getattr(self, name)) for name in names)

    def to_json(self) -> dict:
        """The documented JSON shape (docs/five-questions.md)."""
        return {
            "schema": SCHEMA,
            "version": SCHEMA_VERSION,
            "today": self.today.isoformat(),
            "sections": {name: section.to_json() for name, section in self.sections()},
        }


@dataclass(frozen=True, slots=True)
class _Context:
    """What several sections share, computed once."""

    image: ImageInfo
    inventory: Inventory
    findings: tuple[Finding, ...]
    today: date
    prov: Provenance
    distro: Support | SupportUnknown | None
    runtimes: tuple[tuple[RuntimeRef, Support | SupportUnknown], ...]
    coverage: tuple[CoverageGroup, ...] = ()  # what the vulnerability database covered


def answer(
    result: ScanResult, prov: Provenance, today: date, *, snapshot: Snapshot | None = None
) -> FiveAnswers:
    """Answer the five questions for one checked image, from its findings as the checkers
    left them (suppressed ones included and marked) and the provenance `scan` worked out."""
    data = snapshot or load_snapshot()
    inventory = result.inventory
    distro = inventory.distro
    ctx = _Context(
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
        coverage=result.coverage,
    )
    return FiveAnswers(
        today, provenance_section(ctx), inside_section(ctx), patching_section(ctx),
        support_section(ctx), security_section(ctx),
    )  # fmt: skip


# -- 1. where did it come from? ---------------------------------------------------------


def provenance_section(ctx: _Context) -> Section:
    """Name, digests, build time, labels, base image, signature, history."""
    prov = ctx.prov
    facts = [*_identity_facts(prov), *_metadata_facts(prov), *_base_facts(prov)]
    if prov.signature.state.value != "unknown":  # an unknown one is listed with its reason
        facts.append(Fact("signature", "signature", prov.signature.state.value,
                          prov.signature.detail))  # fmt: skip
    facts.extend(_history_facts(ctx.image))
    history = [f for f in ctx.findings if f.kind == HISTORY_KIND and not f.suppressed]
    facts.extend(_counted("history.findings", "history finding", history))
    return Section("Where did it come from?", prov.verdict, tuple(facts),
                   tuple(_provenance_unknowns(prov, ctx.image.created)))  # fmt: skip


def _identity_facts(prov: Provenance) -> Iterable[Fact]:
    o = prov.origin
    registry_note = "" if o.from_registry else "implied by the name; not read from a registry"
    yield from _present(
        Fact("reference", "reference", o.reference),
        Fact("registry", "registry", o.registry, registry_note),
        Fact("repository", "repository", o.repository),
        Fact("tag", "tag", o.tag),
        Fact("manifest_digest", "manifest digest", o.manifest_digest),
        Fact("config_digest", "config digest", o.config_digest),
        Fact("platform", "OS/arch", o.platform),
        Fact("author", "author", o.author, "config author"),
    )
    if o.created is not None and o.age_days is not None:  # else an unknown says why
        value = f"{o.created.isoformat()} ({human_age(o.age_days)})"
        yield Fact("created", "built", value, o.created_note or "config")


def _metadata_facts(prov: Provenance) -> Iterable[Fact]:
    for item in prov.origin.metadata:
        yield Fact(f"metadata.{item.field}", item.field.replace("_", " "), item.value, item.where)


def _base_facts(prov: Provenance) -> Iterable[Fact]:
    base = prov.base
    if not base.name:
        return
    evidence = "; ".join(f"{k}: {v}" for k, v in base.evidence)
    yield Fact("base.name", "base image", base.name, evidence)
    yield Fact("base.confidence", "base confidence", base.confidence)
    yield from _present(Fact("base.digest", "base digest", base.digest))
    if base.layers:
        yield Fact("base.layers", "base layers", str(len(base.layers)),
                   ", ".join(layer.diff_id[:19] for layer in base.layers))  # fmt: skip


def _history_facts(image: ImageInfo) -> Iterable[Fact]:
    for index, entry in enumerate(image.history):
        where = "empty layer" if entry.layer_index is None else f"layer {entry.layer_index}"
        text = mask_secrets(entry.created_by)[:HISTORY_EXCERPT]
        yield Fact(f"history.{index}", "history", text, where)


def _provenance_unknowns(prov: Provenance, created: str) -> Iterable[Unanswered]:
    if prov.origin.age_days is None:
        recorded = f"; the config says {created[:HISTORY_EXCERPT]}" if created else ""
        yield Unanswered("created", "build time", prov.origin.created_note + recorded)
    if not prov.origin.get("source"):
        yield Unanswered("metadata.source", "source repository",
                         "no org.opencontainers.image.source annotation or label")  # fmt: skip
    if not prov.origin.get("revision"):
        yield Unanswered("metadata.revision", "source revision",
                         "no org.opencontainers.image.revision annotation or label")  # fmt: skip
    if prov.base.reason:
        yield Unanswered("base.name", "base image", prov.base.reason)
    if prov.signature.state.value == "unknown":
        yield Unanswered("signature", "signature", prov.signature.detail)


# -- 2. what is inside? -------------------------------------------------------------------


def inside_section(ctx: _Context) -> Section:
    """Counts by type and layer, the largest layers, unowned files, runtimes."""
    packages = ctx.inventory.packages
    by_type = Counter(p.type for p in packages)
    unowned = [f for f in ctx.inventory.files if any(k.startswith("unowned") for k in f.kinds)]
    refs = [ref for ref, _ in ctx.runtimes]
    facts = [Fact("packages", "packages", str(len(packages)), "inventory")]
    facts += [
        Fact(f"packages.type.{t}", f"{t} packages", str(n), _type_evidence(t, packages))
        for t, n in sorted(by_type.items())
    ]
    facts += _layer_facts(ctx)
    facts.append(
        Fact("files.unowned", "files no package owns", str(len(unowned)), "inventory files")
    )
    facts += [
        Fact(f"runtime.{r.name}", f"{r.name} runtime", r.version, _runtime_evidence(r))
        for r in refs
    ]
    verdict = (
        f"{len(packages)} packages ({_top(by_type)}), {len(refs)} language runtime"
        f"{'' if len(refs) == 1 else 's'}{_runtime_list(refs)}, {len(unowned)} unowned files"
    )
    return Section("What is inside?", verdict, tuple(facts), tuple(_inside_unknowns(ctx)))


def _layer_facts(ctx: _Context) -> list[Fact]:
    per_layer = Counter(
        p.location.layer.index for p in ctx.inventory.packages if p.location.layer is not None
    )
    facts = [Fact(f"layer.{i}.packages", f"packages in layer {i}", str(n))
             for i, n in sorted(per_layer.items())]  # fmt: skip
    largest = sorted(ctx.image.layers, key=lambda layer: -layer.tar_size)[:LARGEST_LAYERS]
    facts += [
        Fact(
            f"layer.{layer.index}.size",
            f"layer {layer.index} size",
            human_size(layer.tar_size),
            mask_secrets(layer.created_by)[:HISTORY_EXCERPT],
        )  # fmt: skip
        for layer in sorted(largest, key=lambda layer: layer.index)  # read in build order
        if layer.tar_size
    ]
    return facts


def _inside_unknowns(ctx: _Context) -> Iterable[Unanswered]:
    if ctx.inventory.distro is None:
        yield Unanswered("distro", "distribution", "no os-release or release file found")
    if ctx.image.layers and not any(layer.tar_size for layer in ctx.image.layers):
        yield Unanswered("layer.size", "layer sizes", "the source did not record layer sizes")
    if ctx.inventory.warnings:
        count = len(ctx.inventory.warnings)
        yield Unanswered("warnings", "unread files", f"{count} files could not be read exactly")


def _type_evidence(package_type: str, packages: Sequence[Package]) -> str:
    """Type "runtime" mixes interpreters with libraries whose version a binary gave away
    (OpenSSL, BusyBox): name them, so the count is not read as the runtimes'."""
    if package_type != "runtime":
        return ""
    found = [f"{p.name} {p.version}" for p in packages if p.type == package_type]
    more = f", +{len(found) - NAMED_PACKAGES} more" if len(found) > NAMED_PACKAGES else ""
    return "versions read from binaries: " + ", ".join(found[:NAMED_PACKAGES]) + more


def _runtime_evidence(ref: RuntimeRef) -> str:
    where = ref.package.location.path or ref.package.name
    packaged = (
        f", packaged ({ref.package.owned_by or ref.package.type})" if ref.distro_packaged else ""
    )
    return f"{ref.package.type} {where}{packaged}"


def _runtime_list(refs: Sequence[RuntimeRef]) -> str:
    return f" ({', '.join(f'{r.name} {r.version}' for r in refs)})" if refs else ""


def _top(counter: Counter) -> str:
    return ", ".join(f"{k} {n}" for k, n in counter.most_common()) or "none"


# -- 3. who is going to patch it? ----------------------------------------------------------


def patching_section(ctx: _Context) -> Section:
    """What a rebuild would fix, how old the image and its base are, and EOL content."""
    vulns = [f for f in ctx.findings if f.kind == "vulnerability" and not f.suppressed]
    fixable = [f for f in vulns if f.fixed_version]
    kev = [f for f in fixable if any(key == "kev" for key, _ in f.evidence)]
    facts = [
        Fact("vulnerabilities", "vulnerabilities", str(len(vulns)), "not suppressed"),
        Fact("fixable", "fixable by a rebuild", str(len(fixable)), "fixed_version known"),
        Fact("fixable.kev", "fixable and known exploited", str(len(kev)), "CISA KEV"),
        *_by_severity("fixable.severity", fixable, "fixable {}"),
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


def _age_facts(ctx: _Context) -> Iterable[Fact]:
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


def _age_unknowns(ctx: _Context) -> Iterable[Unanswered]:
    if ctx.prov.origin.age_days is None:
        yield Unanswered("age.image", "image age", ctx.prov.origin.created_note)
    if parse_time(ctx.prov.base.created) is None:
        yield Unanswered("age.base", "base age", "the base's history entries carry no time")


def _eol_content_facts(ctx: _Context) -> Iterable[Fact]:
    """OS packages of an EOL release, and EOL runtimes: nobody fixes them any more."""
    if isinstance(ctx.distro, Support) and ctx.distro.is_end_of_life:
        os_packages = [p for p in ctx.inventory.packages if p.type in ("deb", "apk", "rpm")]
        yield Fact("eol.os_packages", "packages from an end-of-life release",
                   str(len(os_packages)), _support_label(ctx.distro))  # fmt: skip
    for ref, support in ctx.runtimes:
        if isinstance(support, Support) and support.is_end_of_life:
            yield Fact(f"eol.runtime.{ref.name}", "end-of-life runtime",
                       f"{ref.name} {ref.version}", _support_label(support))  # fmt: skip


# -- 4. who is going to support it? --------------------------------------------------------


def support_section(ctx: _Context) -> Section:
    """Distro support class, phase and dates; runtime support; who to call."""
    facts: list[Fact] = []
    unknowns: list[Unanswered] = []
    if isinstance(ctx.distro, Support):
        facts += _support_facts("distro", ctx.distro)
    elif isinstance(ctx.distro, SupportUnknown):
        unknowns.append(Unanswered("distro", ctx.distro.subject, ctx.distro.reason))
    else:
        unknowns.append(Unanswered("distro", "distribution", "no distribution detected"))
    for ref, support in ctx.runtimes:
        if isinstance(support, Support):
            key = f"runtime.{ref.name}.{support.cycle}"
            facts += _support_facts(key, support, _packaged_note(ref, ctx.distro))
        else:
            key = f"runtime.{ref.name}.{ref.version}"
            unknowns.append(Unanswered(key, support.subject, support.reason))
    contacts = list(_contacts(ctx))
    if not any(f.key != "contact.distro" for f in contacts):
        reason = "no maintainer, authors, vendor or url label or annotation"
        unknowns.append(Unanswered("contact.image", "image contact", reason))
    return Section("Who is going to support it?", _support_verdict(ctx), tuple(facts + contacts),
                   tuple(unknowns))  # fmt: skip


def _support_facts(key: str, s: Support, note: str = "") -> list[Fact]:
    evidence = "; ".join(v for _, v in s.evidence)
    facts = [
        Fact(f"{key}.release", "release", f"{s.title} {s.cycle}".strip(), evidence),
        Fact(f"{key}.class", "support class", s.support_class, evidence),
        Fact(f"{key}.phase", "phase", _phase_text(s), evidence),
    ]
    dates = (("released", s.release), ("active_end", s.active_end),
             ("security_end", s.security_end), ("lts_end", s.lts_end),
             ("extended_end", s.extended_end))  # fmt: skip
    facts += [Fact(f"{key}.{name}", name.replace("_", " "), d.isoformat(), evidence)
              for name, d in dates if d]  # fmt: skip
    if s.extended_end:
        facts.append(Fact(f"{key}.extended_name", "extended support by", s.extended_name))
    for text in (s.note, note):
        if text:
            facts.append(Fact(f"{key}.note", "note", text))
    return facts


def _phase_text(s: Support) -> str:
    if s.phase_end is None:
        return s.phase if s.phase == "end-of-life" else f"{s.phase} (no end date published)"
    return f"{s.phase} until {s.phase_end} ({s.days_left} days left)"


def _packaged_note(ref: RuntimeRef, distro: Support | SupportUnknown | None) -> str:
    if not ref.distro_packaged:
        return ""
    who = f"{distro.title} {distro.cycle}" if isinstance(distro, Support) else "the distribution"
    return f"packaged by the distribution: security fixes follow {who}'s support, not upstream's"


def _contacts(ctx: _Context) -> Iterable[Fact]:
    for item in ctx.prov.origin.metadata:
        if item.field in CONTACT_FIELDS:
            yield Fact(f"contact.{item.field}", item.field, item.value, item.where)
    distro = ctx.inventory.distro
    if distro is not None and distro.id in DISTRO_CONTACTS:
        yield Fact("contact.distro", "distribution vendor", DISTRO_CONTACTS[distro.id],
                   f"os-release ID {distro.id}")  # fmt: skip


def _support_verdict(ctx: _Context) -> str:
    parts = [_support_label(ctx.distro) if ctx.distro else "distribution unknown"]
    parts += [_support_label(support) for _, support in ctx.runtimes]
    return "; ".join(parts)


def _support_label(support: Support | SupportUnknown) -> str:
    if isinstance(support, SupportUnknown):
        return f"{support.subject}: unknown ({support.reason})"
    codename = f" ({support.codename.lower()})" if support.codename else ""
    name = f"{support.title} {support.cycle}{codename}"
    if support.is_end_of_life:
        end = support.extended_end or support.lts_end or support.security_end
        return f"{name}: end of life" + (f" since {end}" if end else "")
    return f"{name}: {support.support_class}, {_phase_text(support)}"


# -- 5. what about security? ---------------------------------------------------------------


def security_section(ctx: _Context) -> Section:
    """Counts of findings by kind and by severity (suppressed ones counted apart)."""
    active = [f for f in ctx.findings if not f.suppressed]
    suppressed = len(ctx.findings) - len(active)
    by_kind = Counter(f.kind for f in active)
    facts = [Fact("findings", "findings of every kind", str(len(active)), "not suppressed")]
    facts += [Fact(f"kind.{k}", f"{k} findings", str(n)) for k, n in sorted(by_kind.items())]
    facts += _by_severity("severity", active, "{} findings")
    facts.append(Fact("suppressed", "suppressed", str(suppressed), "ignore rules and VEX"))
    severities = Counter(str(f.severity) for f in active)
    verdict = (
        f"{len(active)} findings ({_top(severities)}); by kind: {_top(by_kind)}"
        if active
        else "no findings"
    )
    return Section("What about security?", verdict, tuple(facts))


# -- shared ------------------------------------------------------------------------------


def _by_severity(prefix: str, findings: Iterable[Finding], label: str) -> list[Fact]:
    """Counts per severity; `label` says what is counted ("fixable {}", not just "{}")."""
    counts = Counter(f.severity for f in findings)
    return [Fact(f"{prefix}.{s}", label.format(s), str(counts[s]))
            for s in Severity.bands() if counts[s]]  # fmt: skip


def _counted(prefix: str, label: str, findings: Iterable[Finding]) -> list[Fact]:
    counts = Counter(f.rule_id for f in findings)
    return [Fact(f"{prefix}.{rule}", label, str(n), rule) for rule, n in sorted(counts.items())]


def _present(*facts: Fact) -> Iterable[Fact]:
    return (f for f in facts if f.value)
