"""What changed between two versions of an image: packages, vulnerabilities, findings,
run configuration, base image, layers and size.

Pure: `diff()` reads only its two results, so a release gate can compare a fresh scan
with one saved last week, and tests need nothing but hand-built results. Rendering lives
in `report/diff/`; reading images and saved results lives in `dockwise.api.diff`.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dockwise.model import Finding, LayerRef, Package, RunConfig, ScanResult, Severity
from dockwise.source.imageconfig import mask_env
from dockwise.versions import COMPARATORS

# Package.type -> version ordering scheme (versions/COMPARATORS); opkg orders like dpkg.
TYPE_SCHEMES = {
    "deb": "dpkg", "opkg": "dpkg", "apk": "apk", "rpm": "rpm", "pypi": "pep440",
    "npm": "npm", "golang": "go", "maven": "maven", "gem": "rubygems", "cargo": "cargo",
    "nuget": "nuget", "composer": "composer",
}  # fmt: skip
NEW_CHANGES = ("introduced", "added")  # what a finding change that a gate counts is called


@dataclass(frozen=True, slots=True)
class PackageChange:
    """One package added, removed or moved to another version.

    `change` is "added", "removed", "upgraded", "downgraded", or "changed" when the
    ecosystem's ordering cannot compare the two versions.
    """

    change: str
    name: str
    type: str
    old: Package | None = None
    new: Package | None = None

    @property
    def old_version(self) -> str:
        return self.old.version if self.old else ""

    @property
    def new_version(self) -> str:
        return self.new.version if self.new else ""

    @property
    def old_layer(self) -> LayerRef | None:
        return self.old.location.layer if self.old else None

    @property
    def new_layer(self) -> LayerRef | None:
        return self.new.location.layer if self.new else None


@dataclass(frozen=True, slots=True)
class FindingChange:
    """A finding that appeared or went away: a vulnerability "introduced" or "fixed",
    any other finding "added" or "removed"."""

    change: str
    finding: Finding


@dataclass(frozen=True, slots=True)
class ConfigChange:
    """One run-configuration field that differs; env values are masked as `scan` shows them."""

    field: str  # "user", "exposed_ports", "env", "entrypoint", "cmd", "labels", ...
    key: str  # the env name, label key or port; "" for whole-value fields
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class BaseChange:
    """The base image of each version, and how it was told (`basis`)."""

    old: str
    new: str
    basis: str  # "provenance" (the five answers) or "distro" (os-release and shared layers)
    shared_layers: int  # leading layers both versions have, by diff_id

    @property
    def changed(self) -> bool:
        return self.old != self.new


@dataclass(frozen=True, slots=True)
class LayerChange:
    """A layer only one version has (by diff_id)."""

    change: str  # "added" or "removed"
    layer: LayerRef


@dataclass(frozen=True, slots=True)
class SizeChange:
    """One measure of the image's size on each side; None where a side does not have it."""

    old: int | None
    new: int | None

    @property
    def delta(self) -> int | None:
        return None if self.old is None or self.new is None else self.new - self.old


@dataclass(frozen=True, slots=True)
class ImageDiff:
    """Everything that differs between `old` and `new`, each list in a stable order."""

    old: ScanResult
    new: ScanResult
    packages: tuple[PackageChange, ...]
    vulnerabilities: tuple[FindingChange, ...]
    findings: tuple[FindingChange, ...]  # every other kind: secrets, config, lifecycle, ...
    config: tuple[ConfigChange, ...]
    base: BaseChange
    layers: tuple[LayerChange, ...]
    mode: str = ""  # how the results were obtained ("scan", "sbom", "saved"); set by callers

    @property
    def size(self) -> SizeChange:
        """Uncompressed: what a change of contents changes, whatever format holds each side
        (a `docker save` tar stores plain layers, an OCI layout gzipped ones)."""
        return SizeChange(self.old.image.uncompressed_size, self.new.image.uncompressed_size)

    @property
    def compressed_size(self) -> SizeChange:
        """What a pull transfers; a side stored uncompressed has none to compare."""
        return SizeChange(self.old.image.compressed_size, self.new.image.compressed_size)

    @property
    def stored_size(self) -> SizeChange:
        """The blobs as each side stores them, compressed or not (dockwise-diff/1 `size`)."""
        return SizeChange(*(sum(layer.size for layer in side.image.layers)
                            for side in (self.old, self.new)))  # fmt: skip

    @property
    def introduced(self) -> tuple[Finding, ...]:
        """Every finding the new version brings, of any kind."""
        changes = (*self.vulnerabilities, *self.findings)
        return tuple(c.finding for c in changes if c.change in NEW_CHANGES)

    def new_at_or_above(self, minimum: Severity) -> tuple[Finding, ...]:
        """The introduced findings a release gate at `minimum` fails on."""
        return tuple(f for f in self.introduced if f.severity >= minimum)

    @property
    def summary(self) -> dict[str, int]:
        """How many changes of each kind: the one-line answer to "what changed?"."""
        groups = {"packages": self.packages, "vulnerabilities": self.vulnerabilities,
                  "findings": self.findings, "layers": self.layers}  # fmt: skip
        counts = Counter(f"{name} {c.change}" for name, changes in groups.items() for c in changes)
        counts["config changes"] = len(self.config)
        return dict(counts)

    @property
    def is_empty(self) -> bool:
        return not (self.packages or self.vulnerabilities or self.findings or self.config
                    or self.layers or self.base.changed)  # fmt: skip


def diff(old: ScanResult, new: ScanResult) -> ImageDiff:
    """Compare two results of the same image at different versions."""
    vulns_old, other_old = _split(old.findings)
    vulns_new, other_new = _split(new.findings)
    return ImageDiff(
        old=old,
        new=new,
        packages=package_changes(old.inventory.packages, new.inventory.packages),
        vulnerabilities=finding_changes(vulns_old, vulns_new),
        findings=finding_changes(other_old, other_new, gone="removed", came="added"),
        config=config_changes(old.image.config, new.image.config),
        base=base_change(old, new),
        layers=layer_changes(old.image.layers, new.image.layers),
    )


# -- packages ------------------------------------------------------------------------------


def package_changes(old: Sequence[Package], new: Sequence[Package]) -> tuple[PackageChange, ...]:
    """Packages matched by (type, name, arch); versions present on both sides are equal."""
    before, after = _by_identity(old), _by_identity(new)
    changes: list[PackageChange] = []
    for ident in sorted(before.keys() | after.keys()):
        changes += _changes_of_one(ident, before.get(ident, []), after.get(ident, []))
    return tuple(changes)


def _by_identity(packages: Iterable[Package]) -> dict[tuple[str, str, str], list[Package]]:
    groups: dict[tuple[str, str, str], list[Package]] = defaultdict(list)
    for pkg in packages:
        groups[(pkg.type, pkg.name, pkg.arch)].append(pkg)
    return groups


def _changes_of_one(
    ident: tuple[str, str, str], old: list[Package], new: list[Package]
) -> list[PackageChange]:
    """One name may be installed several times (node_modules): unchanged versions pair
    up first, then the rest pair in version order, and any surplus was added or removed."""
    kind, name, _ = ident
    same = {p.version for p in old} & {p.version for p in new}
    gone = sorted((p for p in old if p.version not in same), key=_version_key)
    came = sorted((p for p in new if p.version not in same), key=_version_key)
    changes = [
        PackageChange(_direction(kind, a.version, b.version), name, kind, a, b)
        for a, b in zip(gone, came, strict=False)
    ]
    changes += [PackageChange("removed", name, kind, old=p) for p in gone[len(came) :]]
    changes += [PackageChange("added", name, kind, new=p) for p in came[len(gone) :]]
    return changes


def _version_key(pkg: Package) -> tuple[str, str]:
    return (pkg.version, pkg.location.path)


def _direction(kind: str, old: str, new: str) -> str:
    """Upgraded or downgraded by the ecosystem's own ordering, else "changed"."""
    compare = COMPARATORS.get(TYPE_SCHEMES.get(kind, ""))
    if compare is None:
        return "changed"
    try:
        order = compare(old, new)
    except ValueError:
        return "changed"
    if order == 0:
        return "changed"  # equal by ordering, different as text (1.0 vs 1.0.0)
    return "upgraded" if order < 0 else "downgraded"


# -- findings ------------------------------------------------------------------------------


def _split(findings: Iterable[Finding]) -> tuple[list[Finding], list[Finding]]:
    """Active vulnerabilities and other active findings; suppressed ones are accepted
    risk, so they neither count as fixed nor as introduced."""
    active = [f for f in findings if not f.suppressed]
    return (
        [f for f in active if f.kind == "vulnerability"],
        [f for f in active if f.kind != "vulnerability"],
    )


def finding_changes(
    old: Sequence[Finding], new: Sequence[Finding], gone: str = "fixed", came: str = "introduced"
) -> tuple[FindingChange, ...]:
    """Findings matched by what they are about, not by the version they were found in:
    a vulnerability still open after an upgrade is not "fixed and introduced"."""
    before = {_finding_identity(f): f for f in old}
    after = {_finding_identity(f): f for f in new}
    removed = [FindingChange(gone, f) for k, f in before.items() if k not in after]
    added = [FindingChange(came, f) for k, f in after.items() if k not in before]
    return tuple(sorted(added + removed, key=_change_order))


def _finding_identity(finding: Finding) -> tuple[str, ...]:
    pkg = finding.package
    where = finding.location.path if finding.location else ""
    return (finding.kind, finding.rule_id, pkg.type if pkg else "", pkg.name if pkg else "",
            where if pkg is None else "")  # fmt: skip


def _change_order(change: FindingChange) -> tuple:
    """Introduced first (what a reviewer must act on), then most severe first."""
    finding = change.finding
    return (change.change not in NEW_CHANGES, *finding.sort_key, _finding_identity(finding))


# -- configuration -------------------------------------------------------------------------


def config_changes(old: RunConfig, new: RunConfig) -> tuple[ConfigChange, ...]:
    """Field by field, in the order `docker inspect` shows them."""
    changes = [
        *_scalar("user", old.user, new.user),
        *_keyed("exposed_ports", _present(old.exposed_ports), _present(new.exposed_ports)),
        *_env(old.env, new.env),
        *_scalar("entrypoint", _argv(old.entrypoint), _argv(new.entrypoint)),
        *_scalar("cmd", _argv(old.cmd), _argv(new.cmd)),
        *_scalar("working_dir", old.working_dir, new.working_dir),
        *_keyed("volumes", _present(old.volumes), _present(new.volumes)),
        *_keyed("labels", dict(old.labels), dict(new.labels)),
        *_scalar("healthcheck", _argv(old.healthcheck), _argv(new.healthcheck)),
        *_scalar("stop_signal", old.stop_signal, new.stop_signal),
    ]
    return tuple(changes)


def _scalar(name: str, old: str, new: str) -> list[ConfigChange]:
    return [] if old == new else [ConfigChange(name, "", old, new)]


def _keyed(name: str, old: dict[str, str], new: dict[str, str]) -> list[ConfigChange]:
    """Keys added ("" old), removed ("" new) or with another value."""
    keys = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
    return [ConfigChange(name, k, old.get(k, ""), new.get(k, "")) for k in keys]


def _present(values: Iterable[str]) -> dict[str, str]:
    return {v: "present" for v in values}


def _env(old: Iterable[tuple[str, str]], new: Iterable[tuple[str, str]]) -> list[ConfigChange]:
    """Env names added, removed or given another value, compared as recorded."""
    return [
        ConfigChange("env", c.key, _shown(c.key, c.old), _shown(c.key, c.new))
        for c in _keyed("env", _values(old), _values(new))
    ]


def _shown(name: str, marked: str) -> str:
    """The value as `scan` shows it: masked by the source's one rule (`mask_env`), applied
    again because a saved or hand-built result may hold a value the source never saw;
    `""` for a value set empty, so that it does not read as unset."""
    if not marked:
        return ""
    return mask_env(f"{name}{marked}")[1] or '""'


def _values(env: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Name -> value, with a marker so an empty value still counts as set."""
    return {name: f"={value}" for name, value in env}


def _argv(argv: Sequence[str]) -> str:
    return json.dumps(list(argv), ensure_ascii=False) if argv else ""


# -- base image, layers, size --------------------------------------------------------------


def base_change(old: ScanResult, new: ScanResult) -> BaseChange:
    """The base named by the provenance answer when both results carry one, else the
    distro release; shared leading layers say whether the base bytes stayed the same."""
    shared = _shared_prefix(old.image.layers, new.image.layers)
    names = (_provenance_base(old), _provenance_base(new))
    if all(names):
        return BaseChange(names[0], names[1], "provenance", shared)
    return BaseChange(_distro_name(old), _distro_name(new), "distro", shared)


def _provenance_base(result: ScanResult) -> str:
    answers = getattr(result, "answers", None)
    if answers is None:
        return ""
    facts = {fact.key: fact.value for fact in answers.provenance.facts}
    name = facts.get("base.name", "")
    digest = facts.get("base.digest", "")
    return f"{name}@{digest}" if name and digest else name


def _distro_name(result: ScanResult) -> str:
    distro = result.inventory.distro
    if distro is None:
        return "(unknown)"
    return distro.pretty_name or f"{distro.id} {distro.version_id}".strip()


def _shared_prefix(old: Sequence[LayerRef], new: Sequence[LayerRef]) -> int:
    count = 0
    for a, b in zip(old, new, strict=False):
        if not a.diff_id or a.diff_id != b.diff_id:
            break
        count += 1
    return count


def layer_changes(old: Sequence[LayerRef], new: Sequence[LayerRef]) -> tuple[LayerChange, ...]:
    """Layers by content (diff_id): a layer moved to another index is not a change."""
    old_ids = {layer.diff_id for layer in old}
    new_ids = {layer.diff_id for layer in new}
    removed = [LayerChange("removed", layer) for layer in old if layer.diff_id not in new_ids]
    added = [LayerChange("added", layer) for layer in new if layer.diff_id not in old_ids]
    return tuple(removed + added)
