"""Question 6, how should it run? The least privilege worked out from the image's bytes
(`runprofile.derive`), and the `design/*` findings that say whether it keeps state or
runs a small VM's worth of services (issue 16; docs/run-as-designed.md)."""

from __future__ import annotations

from collections import Counter

from dockwise.answers.context import Context, top
from dockwise.model import Fact, Section, Unanswered
from dockwise.runprofile.derive import RunProfile

QUESTION = "How should it run?"


def section(ctx: Context) -> Section:
    """The answer to "How should it run?"."""
    design = Counter(f.rule_id for f in ctx.findings if f.kind == "design" and not f.suppressed)
    facts = [
        Fact(f"finding.{rule}", f"{rule} findings", str(n)) for rule, n in sorted(design.items())
    ]
    profile = ctx.profile
    if profile is None:
        reason = "no run profile: the image's files were not read"
        unknown = (Unanswered("profile", "run profile", reason),)
        return Section(QUESTION, "unknown", tuple(facts), unknown)
    facts = _profile_facts(profile) + facts
    unknowns = tuple(Unanswered("profile.files", "files", why) for why in profile.unknowns)
    return Section(QUESTION, _verdict(profile, design), tuple(facts), unknowns)


def _verdict(profile: RunProfile, design: Counter) -> str:
    who = f"as uid {profile.run_as_user}" if profile.run_as_non_root else "as root (needed)"
    caps = ", ".join(s.name for s in profile.add_capabilities) or "none"
    shape = f"; design findings: {top(design)}" if design else ""
    paths = f"{len(profile.mounts)} writable path" + ("" if len(profile.mounts) == 1 else "s")
    return (f"{who}, read-only root with {paths}, drop ALL "
            f"capabilities and add {caps}{shape}")  # fmt: skip


def _profile_facts(profile: RunProfile) -> list[Fact]:
    user = str(profile.run_as_user) if profile.run_as_user is not None else "root"
    facts = [
        Fact("run_as_user", "user to run as", user, profile.user_reason),
        Fact("run_as_non_root", "runAsNonRoot", _bool(profile.run_as_non_root)),
        Fact("read_only_root_filesystem", "readOnlyRootFilesystem", "true",
             "writable paths are mounted (mount.<path>)"),
        Fact("capabilities.drop", "capabilities dropped", "ALL"),
    ]  # fmt: skip
    facts += [Fact(f"mount.{m.path}", f"writable mount {m.path}", m.kind, m.reason)
              for m in profile.mounts]  # fmt: skip
    facts += [Fact(f"capabilities.add.{c.name}", f"capability {c.name} added", c.name, c.reason)
              for c in profile.add_capabilities]  # fmt: skip
    facts.append(Fact("allow_privilege_escalation", "allowPrivilegeEscalation",
                      _bool(profile.allow_privilege_escalation), profile.escalation_reason))
    facts.append(Fact("seccomp_profile", "seccompProfile", profile.seccomp_profile))
    if profile.remove_setuid:
        facts.append(Fact("setuid.remove", "setuid/setgid files to remove",
                          str(len(profile.remove_setuid)),
                          ", ".join(s.name for s in profile.remove_setuid)))  # fmt: skip
    return facts


def _bool(value: bool) -> str:
    return "true" if value else "false"
