"""Question 1, where did it come from? Name, digests, build time, labels, base image,
signature and build history, from the provenance `scan` worked out once; the history
findings are the history checker's, counted as it left them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from dockwise.answers.context import HISTORY_EXCERPT, Context
from dockwise.checks.history import KIND as HISTORY_KIND
from dockwise.model import Fact, Finding, ImageInfo, Section, Unanswered
from dockwise.provenance import Provenance
from dockwise.provenance.origin import human_age
from dockwise.provenance.steps import mask_secrets


def section(ctx: Context) -> Section:
    """The answer to "Where did it come from?"."""
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


def _counted(prefix: str, label: str, findings: Iterable[Finding]) -> list[Fact]:
    counts = Counter(f.rule_id for f in findings)
    return [Fact(f"{prefix}.{rule}", label, str(n), rule) for rule, n in sorted(counts.items())]


def _present(*facts: Fact) -> Iterable[Fact]:
    return (f for f in facts if f.value)
