"""Who supports a distro release or a runtime, and in which phase it is on a given day.

A release moves through phases: active (bug and security fixes), maintenance (security
fixes only), lts (Debian's community LTS: fewer packages and architectures), extended
(paid: Ubuntu Pro ESM, Freexian ELTS, RHEL ELS, SUSE LTSS, Oracle Extended Support,
commercial runtime support) and end of life. The support class tells an operator who
stands behind the phase. Anything not in the snapshot is an explicit SupportUnknown:
an image on an unlisted release is never assumed to be supported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from dockwise.lifecycle.snapshot import Cycle, Milestone, Product, Snapshot, load_snapshot
from dockwise.model import Distro

# os-release ID -> endoflife.date slug
# (https://www.freedesktop.org/software/systemd/man/os-release.html)
DISTRO_PRODUCTS = {
    "debian": "debian", "ubuntu": "ubuntu", "alpine": "alpine-linux", "rhel": "rhel",
    "centos": "centos", "amzn": "amazon-linux", "rocky": "rocky-linux",
    "almalinux": "almalinux", "ol": "oracle-linux", "sles": "sles", "sled": "sles",
    "opensuse-leap": "opensuse", "fedora": "fedora", "photon": "vmware-photon",
    "azurelinux": "azure-linux", "mariner": "cbl-mariner",
}  # fmt: skip
RUNTIME_PRODUCTS = {
    "python": "python", "node": "nodejs", "nodejs": "nodejs", "go": "go", "golang": "go",
    "ruby": "ruby", "php": "php", "dotnet": "dotnet", "temurin": "eclipse-temurin",
    "eclipse-temurin": "eclipse-temurin", "oracle-jdk": "oracle-jdk", "jdk": "oracle-jdk",
    "jre": "oracle-jdk", "corretto": "amazon-corretto", "amazon-corretto": "amazon-corretto",
}  # fmt: skip
# a JDK `release` file's IMPLEMENTOR -> whose builds (and support dates) these are
JAVA_VENDORS = {
    "eclipse adoptium": "eclipse-temurin", "adoptium": "eclipse-temurin",
    "amazon.com inc.": "amazon-corretto", "oracle corporation": "oracle-jdk",
    "microsoft": "microsoft-build-of-openjdk", "red hat, inc.": "red-hat-build-of-openjdk",
    "azul systems, inc.": "azul-zulu",
}  # fmt: skip
# how many version components name a cycle at least ("3.19.1" -> "3.19" for Alpine)
_MIN_PARTS = {
    "alpine-linux": 2, "ubuntu": 2, "sles": 2, "opensuse": 2, "vmware-photon": 2, "python": 2,
    "go": 2, "ruby": 2, "php": 2,
}  # fmt: skip
ENTERPRISE = frozenset({
    "rhel", "sles", "oracle-linux", "amazon-linux", "vmware-photon", "azure-linux",
    "cbl-mariner", "dotnet", "oracle-jdk",
    "amazon-corretto", "microsoft-build-of-openjdk", "red-hat-build-of-openjdk", "azul-zulu",
})  # fmt: skip
SHORT_LIVED = frozenset({"fedora", "go"})  # every release is superseded within about a year
EXTENDED_NAMES = {
    "debian": "Freexian ELTS (commercial)",
    "ubuntu": "Ubuntu Pro ESM (subscription)",
    "rhel": "Red Hat ELS add-on (paid)",
    "sles": "SUSE LTSS (paid)",
    "oracle-linux": "Oracle Extended Support (paid)",
}
DEBIAN_LTS_NOTE = (
    "Debian LTS phase: a volunteer and sponsored team fixes a subset of packages on fewer "
    "architectures; check the debian-security-support package for what is not covered"
)
_NUMERIC = re.compile(r"\d+(?:\.\d+)*")


@dataclass(frozen=True, slots=True)
class Support:
    """A known release's support on `today`: class, phase, dates, and the record used."""

    product: str  # endoflife.date slug
    title: str
    cycle: str
    codename: str
    support_class: str  # enterprise | community-stable | community-lts | short-lived | ...
    phase: str  # pre-release | active | maintenance | lts | extended | end-of-life
    today: date
    release: date | None = None
    active_end: date | None = None
    security_end: date | None = None
    lts_end: date | None = None
    extended_end: date | None = None
    extended_name: str = ""
    phase_end: date | None = None  # None: no end scheduled (or not published)
    latest: str = ""
    note: str = ""
    evidence: tuple[tuple[str, str], ...] = ()

    @property
    def days_left(self) -> int | None:
        """Days until the current phase ends; None when no end is scheduled."""
        return (self.phase_end - self.today).days if self.phase_end else None

    @property
    def free_support_end(self) -> date | None:
        """The last day fixes arrive without a subscription (security or community LTS)."""
        return self.lts_end or self.security_end

    @property
    def is_end_of_life(self) -> bool:
        return self.phase == "end-of-life"


@dataclass(frozen=True, slots=True)
class SupportUnknown:
    """No answer, and why: the product or the release is not in the lifecycle data."""

    subject: str  # "debian 99", "python 2.8"
    reason: str
    evidence: tuple[tuple[str, str], ...] = ()


def distro_support(
    distro: Distro, today: date, snapshot: Snapshot | None = None
) -> Support | SupportUnknown:
    """The support of the image's OS release on `today`."""
    data = snapshot or load_snapshot()
    subject = f"{distro.id} {distro.version_id or distro.codename}".strip()
    if distro.id == "alpine" and _is_alpine_edge(distro.version_id):
        return _alpine_edge(subject, today, data)
    slug = _distro_slug(distro)
    product = data.products.get(slug or "")
    if product is None:
        return SupportUnknown(subject, _unknown_product(distro), _snapshot_evidence(data))
    cycle = match_cycle(product, distro.version_id) or _by_codename(product, distro.codename)
    if cycle is None:
        reason = f"{product.title} release {distro.version_id or distro.codename!r} not in data"
        return SupportUnknown(subject, reason, _snapshot_evidence(data))
    return evaluate(product, cycle, today, data)


def runtime_support(
    name: str, version: str, today: date, vendor: str = "", snapshot: Snapshot | None = None
) -> Support | SupportUnknown:
    """The support of a runtime release (`python 3.11.2`, `node 18.19.0`, `openjdk 17`).

    Java's support depends on whose build it is, so an OpenJDK needs `vendor` (the
    `release` file's IMPLEMENTOR); without one the answer is unknown, not a guess.
    """
    data = snapshot or load_snapshot()
    subject = f"{name} {version}".strip()
    slug = _runtime_slug(name, vendor)
    product = data.products.get(slug or "")
    if product is None:
        return SupportUnknown(subject, _unknown_runtime(name, vendor), _snapshot_evidence(data))
    cycle = match_cycle(product, _runtime_version(product.slug, version))
    if cycle is None:
        reason = f"{product.title} release {version!r} not in data"
        return SupportUnknown(subject, reason, _snapshot_evidence(data))
    return evaluate(product, cycle, today, data)


def match_cycle(product: Product, version: str) -> Cycle | None:
    """The longest dotted prefix of `version` that names a cycle ("8.10" -> "8").

    Stops at the product's minimum length so Python "3.99" never matches a cycle "3".
    A bare major ("15") also tries "15.0", the way SLES and Photon name a GA release.
    """
    numeric = _NUMERIC.match(version.strip())
    if not numeric:
        return None
    parts = numeric.group(0).split(".")
    candidates = [".".join(parts[:n]) for n in range(len(parts), 0, -1)]
    if len(parts) == 1 and product.kind == "os":
        candidates.append(f"{parts[0]}.0")
    minimum = _MIN_PARTS.get(product.slug, 1)
    for candidate in candidates:
        found = product.find(candidate) if candidate.count(".") + 1 >= minimum else None
        if found:
            return found
    return None


def evaluate(product: Product, cycle: Cycle, today: date, snapshot: Snapshot) -> Support:
    """Place `today` on the cycle's timeline and name who stands behind that phase."""
    timeline = _timeline(product.slug, cycle)
    phase, phase_end = _phase(cycle, timeline, today)
    klass = _support_class(product, cycle, phase)
    return Support(
        product=product.slug,
        title=product.title,
        cycle=cycle.cycle,
        codename=cycle.codename,
        support_class=klass,
        phase=phase,
        today=today,
        release=_as_date(cycle.release),
        active_end=_as_date(cycle.eoas),
        security_end=_as_date(cycle.eol),
        lts_end=_as_date(_lts_end(product.slug, cycle)),
        extended_end=_as_date(_extended_end(product.slug, cycle)),
        extended_name=_extended_name(product),
        phase_end=phase_end,
        latest=cycle.latest,
        note=DEBIAN_LTS_NOTE if phase == "lts" else "",
        evidence=_evidence(product, cycle, snapshot),
    )


def _timeline(slug: str, cycle: Cycle) -> list[tuple[str, Milestone]]:
    """(phase, end) in order; a later phase only counts when it ends after the one before."""
    steps: list[tuple[str, Milestone]] = []
    if cycle.eoas not in (None, False) and cycle.eoas != cycle.eol:
        steps.append(("active", cycle.eoas))
        steps.append(("maintenance", cycle.eol))
    else:
        steps.append(("active", cycle.eol))
    for phase, end in (("lts", _lts_end(slug, cycle)), ("extended", _extended_end(slug, cycle))):
        if isinstance(end, date) and _later(end, steps[-1][1]):
            steps.append((phase, end))
    return steps


def _phase(cycle: Cycle, timeline: list[tuple[str, Milestone]], today: date):
    """The phase `today` falls in, and when it ends (None: not scheduled)."""
    if isinstance(cycle.release, date) and today < cycle.release:
        return "pre-release", cycle.release
    if cycle.release is None and cycle.eol is None:
        return "pre-release", None  # distro-info lists the next release before its date
    for phase, end in timeline:
        if end is False or end is None:
            return phase, None
        if isinstance(end, date) and today < end:
            return phase, end
    return "end-of-life", None


def _support_class(product: Product, cycle: Cycle, phase: str) -> str:
    by_phase = {"end-of-life": "end-of-life", "lts": "community-lts",
                "extended": "commercial-extended"}  # fmt: skip
    if phase in by_phase:
        return by_phase[phase]
    if product.slug in SHORT_LIVED or _short_lived_cycle(product.slug, cycle):
        return "short-lived"
    if product.slug == "ubuntu":
        return "enterprise"  # an LTS: Canonical sells support for it
    return "enterprise" if product.slug in ENTERPRISE else "community-stable"


def _short_lived_cycle(slug: str, cycle: Cycle) -> bool:
    """Non-LTS Ubuntu, odd Node.js lines and non-LTS Java feature releases."""
    if slug in ("ubuntu", "nodejs", "eclipse-temurin", "oracle-jdk", "amazon-corretto"):
        return not cycle.lts
    return False


def _lts_end(slug: str, cycle: Cycle) -> Milestone:
    """Community LTS exists only for Debian (distro-info's eol-lts, endoflife's eoes)."""
    if slug != "debian":
        return None
    return cycle.eol_lts if cycle.eol_lts is not None else cycle.eoes


def _extended_end(slug: str, cycle: Cycle) -> Milestone:
    if slug == "debian":
        return cycle.eol_elts
    if slug == "ubuntu":
        return _latest_date(cycle.eol_legacy, cycle.eol_esm, cycle.eoes)
    return cycle.eoes


def _extended_name(product: Product) -> str:
    default = "commercial extended support" if product.kind == "runtime" else "paid extended"
    return EXTENDED_NAMES.get(product.slug, default)


def _alpine_edge(subject: str, today: date, data: Snapshot) -> Support:
    """Alpine edge is a rolling development branch: no release, no support dates."""
    return Support(
        product="alpine-linux", title="Alpine Linux", cycle="edge", codename="",
        support_class="short-lived", phase="active", today=today,
        note="edge is Alpine's rolling development branch: fixes only by rebuilding on a "
        "newer snapshot, no security support commitment",
        evidence=(("record", "alpine-linux edge (rolling, no cycle)"),
                  *_snapshot_evidence(data)),
    )  # fmt: skip


def _is_alpine_edge(version_id: str) -> bool:
    """Edge's VERSION_ID looks like "3.20.0_alpha20240315"."""
    return "_alpha" in version_id or "_beta" in version_id or version_id == "edge"


def _distro_slug(distro: Distro) -> str | None:
    if distro.id == "centos" and "stream" in f"{distro.name} {distro.pretty_name}".lower():
        return "centos-stream"
    return DISTRO_PRODUCTS.get(distro.id)


def _by_codename(product: Product, codename: str) -> Cycle | None:
    return product.find(codename) if codename else None


def _runtime_slug(name: str, vendor: str) -> str | None:
    key = name.lower()
    if key in ("openjdk", "java"):
        return JAVA_VENDORS.get(vendor.strip().lower())
    return RUNTIME_PRODUCTS.get(key)


def _runtime_version(slug: str, version: str) -> str:
    """Java's "1.8.0_392" is release 8; "17.0.9+9" is 17."""
    text = version.strip().lstrip("v").removeprefix("go")
    if slug in JAVA_VENDORS.values() and text.startswith("1."):
        text = text[2:]
    return text


def _unknown_product(distro: Distro) -> str:
    like = f" (like {', '.join(distro.id_like)})" if distro.id_like else ""
    return f"no lifecycle data for distribution {distro.id!r}{like}; a derivative is not guessed"


def _unknown_runtime(name: str, vendor: str) -> str:
    if name.lower() in ("openjdk", "java"):
        who = f"vendor {vendor!r}" if vendor else "an unknown vendor"
        return f"OpenJDK support depends on the build's vendor; no lifecycle data for {who}"
    return f"no lifecycle data for runtime {name!r}"


def _evidence(product: Product, cycle: Cycle, snapshot: Snapshot) -> tuple[tuple[str, str], ...]:
    name = f"{product.slug} {cycle.cycle}"
    records = tuple(("record", f"{source} {name}") for source in cycle.sources)
    return records + _snapshot_evidence(snapshot)


def _snapshot_evidence(snapshot: Snapshot) -> tuple[tuple[str, str], ...]:
    return (("snapshot", f"{snapshot.origin} {snapshot.generated.isoformat()}"),)


def _as_date(value: Milestone) -> date | None:
    return value if isinstance(value, date) else None


def _later(end: date, previous: Milestone) -> bool:
    if previous is False or previous is None:
        return False  # the phase before has no end yet
    return previous is True or end > previous


def _latest_date(*values: Milestone) -> Milestone:
    dates = [v for v in values if isinstance(v, date)]
    return max(dates) if dates else None
