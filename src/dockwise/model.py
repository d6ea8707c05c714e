"""The data that crosses module boundaries: frozen, slotted, comparable.

Everything here is plain data so that a layer's analysis or a whole result can be
cached, diffed and serialised without special cases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, ClassVar

_RELEASE = re.compile(r"^(?P<id>\S+?)-(?P<version>\d\S*)$")  # a purl's `distro=debian-12`

if TYPE_CHECKING:  # only named in an annotation: `dockwise --version` need not import it
    from datetime import date


@dataclass(frozen=True, slots=True)
class LayerRef:
    """Which layer of the image something came from."""

    index: int
    diff_id: str  # sha256 of the uncompressed tar ("" for a directory source)
    digest: str = ""  # sha256 of the blob as stored (compressed), when known
    created_by: str = ""  # the history line that made this layer
    size: int = 0  # bytes of the blob as stored: compressed or not, as the source keeps it
    uncompressed_size: int = 0  # bytes of the layer's tar, measured when read; 0 until then

    @property
    def compressed(self) -> bool:
        """Stored compressed: a blob stored as the plain tar is exactly the tar's size."""
        return self.size > 0 and 0 < self.uncompressed_size != self.size

    @property
    def tar_size(self) -> int:
        """The size people compare: the layer's tar when measured, the same whatever format
        holds the image; else the stored size (0 when neither is known)."""
        return self.uncompressed_size or self.size


@dataclass(frozen=True, slots=True)
class Location:
    """A path inside the image (no leading slash) and the layer that wrote it."""

    path: str
    layer: LayerRef | None = None


@dataclass(frozen=True, slots=True)
class Distro:
    """The operating system release the image is based on."""

    id: str  # "debian", "ubuntu", "alpine", "rhel", ...
    version_id: str = ""  # "12", "3.19.1", "22.04"
    codename: str = ""  # "bookworm"
    name: str = ""  # "Debian GNU/Linux"
    pretty_name: str = ""
    id_like: tuple[str, ...] = ()

    @classmethod
    def from_purl_qualifier(cls, value: object, namespace: str | None) -> Distro | None:
        """The release a purl's `distro` qualifier names: `debian-12` (dockwise, Syft) or a
        bare version with the namespace as the distro (Trivy: `pkg:apk/alpine/...?distro=
        3.19.1`); None without one, or for a codename alone, which names no version."""
        if not isinstance(value, str) or not value:
            return None
        match = _RELEASE.match(value)
        if match:
            return cls(match["id"], match["version"])
        return cls(namespace, value) if value[0].isdigit() and namespace else None


# Package types a distribution's own package manager installs: their files are listed in
# its database, and their advisories come from the distribution.
OS_PACKAGE_TYPES = frozenset({"deb", "apk", "rpm"})

# A vulnerability's fix status in the vendor's own verdict (issue 21): every feed maps its
# states onto these words, and every report shows them unchanged. `no-dsa` is Debian's
# "open, but no security update planned" (fixed, if ever, in a point release).
FIX_STATUSES = ("fixed", "open", "will-not-fix", "not-affected", "end-of-life", "no-dsa")


@dataclass(frozen=True, slots=True)
class Package:
    """One installed package, as its package manager (or metadata file) records it."""

    name: str
    version: str  # the full version as the ecosystem writes it (epoch:upstream-revision)
    type: str  # ecosystem: "deb", "apk", "rpm", "pypi", "npm", ...
    purl: str = ""
    location: Location = Location("")  # stamped by catalog(): the layer that introduced it
    found_by: str = ""  # stamped by catalog(): the cataloger's name
    arch: str = ""
    source_name: str = ""  # the source package it was built from, when different
    source_version: str = ""
    licenses: tuple[str, ...] = ()
    maintainer: str = ""
    files: tuple[str, ...] = ()  # paths (no leading slash) the package says it owns
    metadata: tuple[tuple[str, str], ...] = ()  # ecosystem extras, sorted by key
    owned_by: str = ""  # key of the OS package that installed these files, if any
    # "installed" (a package database, an installed tree, build info) or "declared" (a
    # lockfile or manifest: what a build asked for, which may not be what is on disk)
    found_as: str = "installed"

    @property
    def key(self) -> str:
        """Identity used to follow a package across layers and image versions."""
        return self.purl or f"{self.type}/{self.name}@{self.version}"

    @property
    def dev_only(self) -> bool:
        """A dependency its lockfile marks as for development or tests only (`dev`)."""
        return dict(self.metadata).get("dev") == "true"


@dataclass(frozen=True, slots=True)
class ScanWarning:
    """Something that could not be read exactly; the rest of the result still stands."""

    message: str
    path: str = ""
    layer: LayerRef | None = None

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{where}{self.message}"


@dataclass(frozen=True, slots=True)
class FileRecord:
    """A file worth an operator's look: an executable or library no package owns, a
    setuid/setgid file, a world-writable path, a device node."""

    path: str
    layer: LayerRef | None
    kinds: tuple[str, ...]  # "unowned-executable", "unowned-library", "setuid", "setgid", ...
    size: int = 0
    mode: int = 0
    sha256: str = ""
    owner: str = ""  # key of the package that owns it, when one does
    metadata: tuple[tuple[str, str], ...] = ()  # ELF facts: arch, linkage, interpreter, ...


@dataclass(frozen=True, slots=True)
class Inventory:
    """The SBOM: the distro, the packages, notable files, and what could not be read."""

    distro: Distro | None
    packages: tuple[Package, ...]
    warnings: tuple[ScanWarning, ...] = ()
    files: tuple[FileRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class RunConfig:
    """How the image runs: the parts of its config an operator cares about."""

    user: str = ""
    exposed_ports: tuple[str, ...] = ()
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    working_dir: str = ""
    env: tuple[tuple[str, str], ...] = ()  # secret-looking values already masked
    labels: tuple[tuple[str, str], ...] = ()
    stop_signal: str = ""
    healthcheck: tuple[str, ...] = ()
    volumes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One build step; empty layers (ENV, USER, ...) have no layer."""

    created_by: str
    created: str = ""
    comment: str = ""
    empty_layer: bool = False
    layer_index: int | None = None


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """What the image says about itself, and which exact bytes were read."""

    source: str  # the SOURCE argument as given
    scheme: str  # "docker-archive", "oci-archive", "oci-dir", "dir", ...
    manifest_digest: str = ""
    config_digest: str = ""
    repo_tags: tuple[str, ...] = ()
    os: str = ""
    architecture: str = ""
    variant: str = ""
    created: str = ""
    author: str = ""
    config: RunConfig = field(default_factory=RunConfig)
    history: tuple[HistoryEntry, ...] = ()
    layers: tuple[LayerRef, ...] = ()
    annotations: tuple[tuple[str, str], ...] = ()

    @property
    def uncompressed_size(self) -> int | None:
        """Bytes of every layer's tar: the same for an image whatever format holds it;
        None when a layer was not measured (a result saved by an older dockwise)."""
        if not all(layer.uncompressed_size for layer in self.layers):
            return None
        return sum(layer.uncompressed_size for layer in self.layers)

    @property
    def compressed_size(self) -> int | None:
        """Bytes of the stored blobs, only when every one is compressed: a plain tar's
        stored size is its uncompressed size, and a sum of both kinds measures nothing."""
        if not self.layers or not all(layer.compressed for layer in self.layers):
            return None
        return sum(layer.size for layer in self.layers)


class Severity(IntEnum):
    """Ordered so that `>=` compares; UNKNOWN sorts lowest, never silently "fine"."""

    UNKNOWN = 0
    NEGLIGIBLE = 1
    LOW = 2
    MEDIUM = 3
    HIGH = 4
    CRITICAL = 5

    @classmethod
    def bands(cls) -> tuple[Severity, ...]:
        """Display order, most urgent first: unknown is its own band, ahead of critical,
        because an unrated finding may be anything and must be rated before it is waved
        through (never charted or sorted as "below low")."""
        return (cls.UNKNOWN, cls.CRITICAL, cls.HIGH, cls.MEDIUM, cls.LOW, cls.NEGLIGIBLE)

    @property
    def rank(self) -> int:
        """The sort position of `bands()`: higher sorts first."""
        return len(Severity) if self is Severity.UNKNOWN else int(self)

    def reaches(self, minimum: Severity) -> bool:
        """Whether a minimum level selects this severity. Unknown reaches every minimum
        (it may be anything); the minimum `unknown` selects only the unknown band."""
        if self is Severity.UNKNOWN:
            return True
        return minimum is not Severity.UNKNOWN and self >= minimum

    @classmethod
    def parse(cls, text: str) -> Severity:
        """`"high"`, `"HIGH"`, `"moderate"` (GitHub's word for medium), ... ; else UNKNOWN."""
        word = text.strip().upper()
        word = {"MODERATE": "MEDIUM", "IMPORTANT": "HIGH", "NONE": "NEGLIGIBLE"}.get(word, word)
        return cls.__members__.get(word, cls.UNKNOWN)

    def __str__(self) -> str:
        return self.name.lower()


SEVERITIES = Severity.bands()  # as reports list them: the unknown band, then most severe first


@dataclass(frozen=True, slots=True)
class Cvss:
    """One CVSS assessment of a vulnerability, kept beside the severity it may decide."""

    source: str  # who scored it: "nvd", "nvd:<CNA>" (NVD's secondary), "ghsa", "pysec", ...
    version: str  # "4.0", "3.1", "3.0" or "2.0"
    vector: str
    score: float | None = None  # the base score computed from the vector; None if it is invalid

    @property
    def severity(self) -> Severity:
        """The score's qualitative rating: the v3/v4 specifications' bands
        (https://www.first.org/cvss/v3.1/specification-document#5); v2 has none, so
        NVD's (https://nvd.nist.gov/vuln-metrics/cvss)."""
        if self.score is None:
            return Severity.UNKNOWN
        bands = _CVSS2_BANDS if self.version == "2.0" else _CVSS3_BANDS
        return next((s for floor, s in bands if self.score >= floor), Severity.UNKNOWN)


_CVSS3_BANDS = ((9.0, Severity.CRITICAL), (7.0, Severity.HIGH), (4.0, Severity.MEDIUM),
                (0.1, Severity.LOW), (0.0, Severity.NEGLIGIBLE))  # fmt: skip
_CVSS2_BANDS = ((7.0, Severity.HIGH), (4.0, Severity.MEDIUM), (0.0, Severity.LOW))


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing to act on: a vulnerability, a secret, a risky setting, an end of life.

    A single shape for every kind keeps each reporter and the policy to one loop.
    """

    kind: str  # "vulnerability", "secret", "config", "suspicious-binary", "lifecycle", ...
    rule_id: str  # stable: an advisory id ("CVE-2023-4863") or a rule ("config/root-user")
    severity: Severity
    title: str
    package: Package | None = None
    location: Location | None = None
    fixed_version: str = ""  # the version that fixes it, when one exists
    status: str = ""  # one of FIX_STATUSES for vulnerabilities
    aliases: tuple[str, ...] = ()  # other ids of the same issue (CVE, GHSA, DSA, ...)
    evidence: tuple[tuple[str, str], ...] = ()  # why: feed, record, range, comparison, excerpt
    references: tuple[str, ...] = ()
    suppressed: str = ""  # the reason, when an ignore rule or VEX statement applies
    # Where `severity` came from ("nvd cvss 3.1", "debian urgency", "ghsa"), and every
    # rating that was on offer: vendors' own words (("debian", "low"), ("ghsa", "MODERATE"))
    # and CVSS assessments, as Trivy keeps `VendorSeverity` and `CVSS`.
    severity_source: str = ""
    vendor_severity: tuple[tuple[str, str], ...] = ()
    cvss: tuple[Cvss, ...] = ()

    @property
    def needs_subscription(self) -> bool:
        """Its fix comes only through a paid channel (Ubuntu Pro/ESM): not a rebuild's."""
        return any(key == "subscription" for key, _ in self.evidence)

    @property
    def deciding_cvss(self) -> Cvss | None:
        """The CVSS assessment the severity came from, when one decided it."""
        chosen = [c for c in self.cvss if c.score is not None
                  and self.severity_source == f"{c.source} cvss {c.version}"]  # fmt: skip
        return max(chosen, key=lambda c: c.score or 0.0) if chosen else None

    @property
    def sort_key(self) -> tuple:
        name = self.package.name if self.package else ""
        return (-self.severity.rank, self.kind, self.rule_id, name)


@dataclass(frozen=True, slots=True)
class FeedState:
    """One feed of the database a scan used: its worst file status and what it gave."""

    name: str
    status: str  # "ok", else the worst of its files: "missing", "failed", "unusable"
    records: int = 0
    files: int = 0


@dataclass(frozen=True, slots=True)
class DatabaseInfo:
    """Which vulnerability database answered: a verdict is only as good as its data."""

    path: str
    schema: str = ""
    built: str = ""
    partial: bool = False
    feeds: tuple[FeedState, ...] = ()


COVERED = "covered"
# The states of a package group, as the JSON and the reports spell them.
COVERAGE_STATES = (COVERED, "no data for this release", "feed missing or failed", "not supported")


@dataclass(frozen=True, slots=True)
class CoverageGroup:
    """One group of packages matched the same way (a distro release, a language
    ecosystem) and whether the database holds advisories for it."""

    type: str  # the package type: "deb", "pypi", ...
    label: str  # "Debian 12", "PyPI", "runtime"
    state: str  # one of COVERAGE_STATES
    packages: int  # packages of the group
    owned: int = 0  # language packages and binaries an OS package installed, judged through it
    ecosystems: tuple[str, ...] = ()  # OSV ecosystems looked up: "Debian:12", "PyPI"
    advisories: int = 0  # records the database holds for those ecosystems
    reason: str = ""  # why it is not covered, in words

    @property
    def covered(self) -> bool:
        return self.state == COVERED

    @property
    def sentence(self) -> str:
        """`unknown for 114 Debian 12 packages: the database has no Debian 12 advisories`."""
        owned = f" (and {self.owned} they installed)" if self.owned else ""
        plural = "" if self.packages == 1 else "s"
        return f"unknown for {self.packages} {self.label} package{plural}{owned}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Fact:
    """One answered fact of the five questions (`dockwise.answers`); `key` is stable for
    machines, `label` is for people."""

    key: str
    label: str
    value: str
    evidence: str = ""


@dataclass(frozen=True, slots=True)
class Unanswered:
    """Something a question needs that could not be answered, and why: an answer that
    cannot be given says so rather than look clean."""

    key: str
    label: str
    reason: str


@dataclass(frozen=True, slots=True)
class Section:
    """The answer to one question: a one-line verdict, facts and unknowns."""

    question: str
    verdict: str
    facts: tuple[Fact, ...] = ()
    unknowns: tuple[Unanswered, ...] = ()


@dataclass(frozen=True, slots=True)
class FiveAnswers:
    """All sections, as of `today`: the five questions and a sixth, "How should it run?"
    (kept last with a default, so a result saved before it still loads)."""

    NAMES: ClassVar[tuple[str, ...]] = (
        "provenance", "inside", "patching", "support", "security", "running",
    )  # fmt: skip

    today: date
    provenance: Section
    inside: Section
    patching: Section
    support: Section
    security: Section
    running: Section = Section("How should it run?", "not answered")

    def sections(self) -> tuple[tuple[str, Section], ...]:
        """(name, section) in the order the questions are asked."""
        return tuple((name, getattr(self, name)) for name in self.NAMES)


@dataclass(frozen=True, slots=True)
class ScanResult:
    """The outcome of a run: the image, its inventory and (for `scan`) the findings."""

    image: ImageInfo
    inventory: Inventory
    tool_version: str = ""
    generated: str = ""  # ISO 8601 UTC time of the run
    findings: tuple[Finding, ...] = ()
    answers: FiveAnswers | None = None  # the five questions, answered (`scan` only)
    database: DatabaseInfo | None = None  # the vulnerability database used (`scan` only)
    coverage: tuple[CoverageGroup, ...] = ()  # per package group: did the database cover it
