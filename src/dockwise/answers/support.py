"""Question 4, who is going to support it? The distribution's and each runtime's support
class, phase and dates (the lifecycle snapshot), and who to call."""

from __future__ import annotations

from collections.abc import Iterable

from dockwise.answers.context import Context
from dockwise.lifecycle import Support, SupportUnknown
from dockwise.lifecycle.runtimes import RuntimeRef
from dockwise.model import Fact, Section, Unanswered

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


def section(ctx: Context) -> Section:
    """The answer to "Who is going to support it?"."""
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


def _contacts(ctx: Context) -> Iterable[Fact]:
    for item in ctx.prov.origin.metadata:
        if item.field in CONTACT_FIELDS:
            yield Fact(f"contact.{item.field}", item.field, item.value, item.where)
    distro = ctx.inventory.distro
    if distro is not None and distro.id in DISTRO_CONTACTS:
        yield Fact("contact.distro", "distribution vendor", DISTRO_CONTACTS[distro.id],
                   f"os-release ID {distro.id}")  # fmt: skip


def _support_verdict(ctx: Context) -> str:
    parts = [support_label(ctx.distro) if ctx.distro else "distribution unknown"]
    parts += [support_label(support) for _, support in ctx.runtimes]
    return "; ".join(parts)


def support_label(support: Support | SupportUnknown) -> str:
    if isinstance(support, SupportUnknown):
        return f"{support.subject}: unknown ({support.reason})"
    codename = f" ({support.codename.lower()})" if support.codename else ""
    name = f"{support.title} {support.cycle}{codename}"
    if support.is_end_of_life:
        end = support.extended_end or support.lts_end or support.security_end
        return f"{name}: end of life" + (f" since {end}" if end else "")
    return f"{name}: {support.support_class}, {_phase_text(support)}"
