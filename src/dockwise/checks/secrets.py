"""`secret/*` findings: secrets in files of every layer, and in the image's metadata.

A file deleted or overwritten by a later layer still ships in its own layer, so the
checker reads `FileTree.facts_history`, which keeps the facts of hidden versions too,
and says which layer hides the secret. The same secret (by sha256) in several places
is one finding, located where it first appeared, with the other places as evidence.
A well-known credential file (`.aws/credentials`, a kubeconfig with a user token, ...)
is a finding of its own, by its presence. A documented example value (AWS's
`...EXAMPLE` keys) is reported at low with the reason, never dropped.
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


Place = tuple[str, int, LayerRef | None, LayerRef | None]  # path, line, layer, hidden by


@dataclass(slots=True)
class _Sighting:
    """Where one secret (rule + sha256) or credential file (rule + path) was seen."""

    rule: str
    excerpt: str  # "" for a credential file: its presence is the finding
    example: bool  # only documented example values: reported at low
    places: list[Place] = field(default_factory=list)


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
        for key, found, line in _sightings_in(file.path, file.facts["secrets"], shipped):
            seen = sightings.setdefault(key, found)
            seen.example = seen.example and found.example
            seen.places.append((file.path, line, file.layer, hidden_by))
    for seen in sightings.values():
        yield _file_finding(tree, seen)


def _sightings_in(
    path: str, facts: dict, shipped: bool
) -> Iterator[tuple[tuple[str, str], _Sighting, int]]:
    """(key, sighting, line) for each secret in one file version, and for the file
    itself when it is a credential file; nothing loose in a file as its package shipped it."""
    hits = facts.get("hits", ())
    for hit in hits:
        if not (shipped and _loose(hit["rule"])):
            found = _Sighting(hit["rule"], hit["excerpt"], bool(hit.get("example")))
            yield (hit["rule"], hit["sha256"]), found, hit["line"]
    kind = facts.get("credential_file")
    if kind and not shipped:
        example = bool(hits) and all(h.get("example") for h in hits)
        yield (kind, path), _Sighting(kind, "", example), 0


def _loose(rule_id: str) -> bool:
    rule = secret_rules().by_id(rule_id)
    return rule is None or rule.scope != "any"


def _file_finding(tree, seen: _Sighting) -> Finding:  # noqa: ANN001
    places = sorted(seen.places, key=lambda p: (p[2].index if p[2] else -1, p[0], p[1]))
    path, line, layer, hidden_by = places[0]
    evidence = [("excerpt", seen.excerpt), ("line", str(line))] if seen.excerpt else []
    if layer is not None:
        evidence.append(("layer", _layer_note(tree, path, layer, hidden_by)))
    for other, other_line, other_layer, _ in places[1 : 1 + MAX_ALSO]:
        where = f"layer {other_layer.index}" if other_layer else "?"
        evidence.append(("also", f"{other}:{other_line} ({where})" if other_line else
                                 f"{other} ({where})"))  # fmt: skip
    rule = secret_rules().by_id(seen.rule)
    severity = rule.severity if rule else Severity.HIGH
    if seen.example:
        severity = Severity.LOW
        reason = secret_rules().example_reason
        evidence.append(("reason", reason if seen.excerpt else f"every secret in it is a {reason}"))
    return Finding(
        kind=KIND,
        rule_id=f"secret/{seen.rule}",
        severity=severity,
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
