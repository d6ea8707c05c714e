"""`secret/*` findings: secrets in files of every layer, and in the image's metadata.

A file deleted or overwritten by a later layer still ships in its own layer, so the
checker reads `FileTree.facts_history`, which keeps the facts of hidden versions too,
and says which layer hides the secret. The same secret (by sha256) in several places
is one finding, located where it first appeared, with the other places as evidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from dockwise.model import (
    OS_PACKAGE_TYPES,
    Finding,
    ImageInfo,
    Inventory,
    LayerRef,
    Location,
    Severity,
)
from dockwise.security.masking import NAME_MASK, tags_in
from dockwise.security.ruleset import secret_rules

KIND = "secret"
MAX_ALSO = 5  # further places listed in a finding's evidence
# env names the source masks by name that hold public values or point at a secret
_PUBLIC_NAMES = ("GPG_KEY", "GPG_KEYS", "PUBLIC_KEY", "_FINGERPRINT", "_FILE", "_PATH",
                 "_DIR", "_URL_FILE", "_SHA256", "_SHA512", "_CHECKSUM")  # fmt: skip


@dataclass(slots=True)
class _Sighting:
    """Where one secret (rule + sha256) was seen, oldest layer first."""

    rule: str
    excerpt: str
    places: list[tuple[str, int, LayerRef | None, LayerRef | None]] = field(default_factory=list)


class SecretsChecker:
    """Secrets in files (facts of the "secrets" analyzer), env, labels and history."""

    name = "secrets"

    def check(self, target) -> Iterable[Finding]:  # noqa: ANN001 - checks.base.Target
        if target.tree is not None:
            yield from file_findings(target.tree, packaged_files(target.inventory))
        yield from metadata_findings(target.image)


def packaged_files(inventory: Inventory) -> dict[str, int]:
    """Path -> index of the layer whose OS package (deb, apk, rpm) installed it."""
    owned: dict[str, int] = {}
    for package in inventory.packages:
        layer = package.location.layer
        if package.type in OS_PACKAGE_TYPES and layer is not None:
            for path in package.files:
                owned.setdefault(path.strip("/"), layer.index)
    return owned


def file_findings(tree, packaged: Mapping[str, int]) -> Iterator[Finding]:  # noqa: ANN001
    """One finding per distinct secret found in any version of any file.

    A loose rule (scope "config") is not trusted in a file exactly as its OS package
    installed it: OpenSSL's openssl.cnf ships `secret = pass:insta` as a demo. The
    same file changed by a later layer is the builder's, and is reported.
    """
    sightings: dict[tuple[str, str], _Sighting] = {}
    for file, hidden_by in tree.facts_history("secrets"):
        shipped = file.layer is not None and packaged.get(file.path) == file.layer.index
        for hit in file.facts["secrets"].get("hits", ()):
            if shipped and _loose(hit["rule"]):
                continue
            key = (hit["rule"], hit["sha256"])
            seen = sightings.setdefault(key, _Sighting(hit["rule"], hit["excerpt"]))
            seen.places.append((file.path, hit["line"], file.layer, hidden_by))
    for seen in sightings.values():
        yield _file_finding(tree, seen)


def _loose(rule_id: str) -> bool:
    rule = secret_rules().by_id(rule_id)
    return rule is None or rule.scope != "any"


def _file_finding(tree, seen: _Sighting) -> Finding:  # noqa: ANN001
    places = sorted(seen.places, key=lambda p: (p[2].index if p[2] else -1, p[0]))
    path, line, layer, hidden_by = places[0]
    evidence = [("excerpt", seen.excerpt), ("line", str(line))]
    if layer is not None:
        evidence.append(("layer", _layer_note(tree, path, layer, hidden_by)))
    for other, other_line, other_layer, _ in places[1 : 1 + MAX_ALSO]:
        where = f"layer {other_layer.index}" if other_layer else "?"
        evidence.append(("also", f"{other}:{other_line} ({where})"))
    rule = secret_rules().by_id(seen.rule)
    return Finding(
        kind=KIND,
        rule_id=f"secret/{seen.rule}",
        severity=rule.severity if rule else Severity.HIGH,
        title=f"{rule.title if rule else seen.rule} in {path}",
        location=Location(path, layer),
        evidence=tuple(evidence),
    )


def _layer_note(tree, path: str, layer: LayerRef, hidden_by: LayerRef | None) -> str:  # noqa: ANN001
    """Where the secret lives and, when a later layer hides the file, how."""
    note = f"present in layer {layer.index}"
    if hidden_by is None:
        return note
    live = tree.file(path)
    how = "overwritten" if live is not None and live.layer == hidden_by else "deleted"
    return f"{note}, {how} by layer {hidden_by.index}; still shipped in layer {layer.index}"


def metadata_findings(image: ImageInfo) -> Iterator[Finding]:
    """Secrets the source masked in env values, labels and history lines."""
    for name, value in image.config.env:
        yield from _tagged(value, f"ENV {name}", None)
        if value == NAME_MASK and not name.upper().endswith(_PUBLIC_NAMES):
            yield _finding("env-credential", Severity.MEDIUM,
                           f"credential-named variable {name} set in the image config",
                           f"ENV {name}={NAME_MASK}", None)  # fmt: skip
    for key, value in image.config.labels:
        yield from _tagged(value, f"LABEL {key}", None)
    layers = {ref.index: ref for ref in image.layers}
    for step, entry in enumerate(image.history):
        layer = layers.get(entry.layer_index) if entry.layer_index is not None else None
        yield from _tagged(entry.created_by, f"history step {step + 1}", layer)


def _tagged(text: str, where: str, layer: LayerRef | None) -> Iterator[Finding]:
    for rule_id, excerpt in tags_in(text):
        rule = secret_rules().by_id(rule_id)
        title = f"{rule.title if rule else rule_id} in {where}"
        severity = rule.severity if rule else Severity.HIGH
        yield _finding(rule_id, severity, title, f"{where}: {excerpt}", layer)


def _finding(
    rule_id: str, severity: Severity, title: str, excerpt: str, layer: LayerRef | None
) -> Finding:
    evidence = [("excerpt", excerpt[:200])]
    if layer is not None:
        evidence.append(("layer", f"present in layer {layer.index}"))
    return Finding(
        kind=KIND,
        rule_id=f"secret/{rule_id}",
        severity=severity,
        title=title,
        location=Location("", layer) if layer is not None else None,
        evidence=tuple(evidence),
    )
