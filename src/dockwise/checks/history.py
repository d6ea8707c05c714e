"""The history checker: the build-history rules (`provenance.history`) over every history
entry, as findings of kind "provenance". Secret values never leave it unmasked."""

from __future__ import annotations

from collections.abc import Iterable

from dockwise.model import Finding, HistoryEntry, ImageInfo, Location
from dockwise.provenance.history import RULES, Hit
from dockwise.provenance.steps import Step, mask_secrets, parse_step

KIND = "provenance"
EXCERPT = 240  # characters of the history line kept as evidence


def history_findings(image: ImageInfo) -> list[Finding]:
    """Every rule over every history entry, in history order."""
    found = []
    config_env = {name for name, _ in image.config.env}
    for index, entry in enumerate(image.history):
        step = parse_step(entry.created_by)
        for rule in RULES:
            hits = [hit for hit in rule(step) if not _reported_elsewhere(hit, step, config_env)]
            found.extend(_finding(image, index, entry, *hit) for hit in hits)
    return found


class HistoryChecker:
    """The build-history rules as a checker (`dockwise scan`)."""

    name = "provenance"

    def check(self, target) -> Iterable[Finding]:  # noqa: ANN001 - checks.base.Target
        return history_findings(target.image)


def _reported_elsewhere(hit: Hit, step: Step, config_env: set[str]) -> bool:
    """An ENV still in the config is the secrets checker's `secret/env-credential`."""
    name = hit[3].partition("=")[0]
    return hit[0] == "provenance/build-secret" and step.instruction == "ENV" and name in config_env


def _finding(image: ImageInfo, index: int, entry: HistoryEntry, *hit: str) -> Finding:
    rule_id, severity, title, matched = hit
    layer = _layer(image, entry)
    excerpt = mask_secrets(entry.created_by)[:EXCERPT]
    return Finding(
        kind=KIND,
        rule_id=rule_id,
        severity=severity,  # type: ignore[arg-type]
        title=title,
        location=Location("", layer) if layer else None,
        evidence=(
            ("history-index", str(index)),
            ("created-by", excerpt),
            ("match", mask_secrets(matched)[:EXCERPT]),
        ),
    )


def _layer(image: ImageInfo, entry: HistoryEntry):  # noqa: ANN202 - LayerRef | None
    if entry.layer_index is None or entry.layer_index >= len(image.layers):
        return None
    return image.layers[entry.layer_index]
