"""Lifecycle findings: end-of-life releases and runtimes, and releases in a reduced phase.

Runtimes are found two ways: interpreters and JDKs the runtime cataloger identified from
their own files (type "runtime"), and the distro packages that ship them (`python3.11`,
`nodejs`, `openjdk-17-jre-headless`, `golang-1.19-go`, `ruby3.1`, `php8.2`, ...). A
distro-packaged runtime gets security fixes from the distro for the distro's lifetime,
even after upstream's end of life, so its end of life is a medium finding, not a high one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from dockwise.lifecycle.snapshot import Snapshot, load_snapshot
from dockwise.lifecycle.support import Support, SupportUnknown, distro_support, runtime_support
from dockwise.model import Finding, Inventory, Package, Severity

KIND = "lifecycle"
SOON_DAYS = 90  # "ends soon": within one quarter, the usual patch-planning horizon
RUNTIME_NAMES = {"python", "node", "nodejs", "go", "ruby", "php", "dotnet", "openjdk", "jdk",
                 "jre"}  # fmt: skip
# OS package names that are runtimes: pattern -> runtime name; the version comes from
# group 1 when the name carries it, else from the package version
_OS_RUNTIMES = (
    (re.compile(r"^python(3\.\d+)$"), "python"),
    (re.compile(r"^python3$"), "python"),
    (re.compile(r"^nodejs$"), "node"),
    (re.compile(r"^golang-(1\.\d+)(?:-go)?$"), "go"),
    (re.compile(r"^go$"), "go"),
    (re.compile(r"^ruby(\d\.\d)$"), "ruby"),
    (re.compile(r"^php(\d\.\d)$"), "php"),
    (re.compile(r"^openjdk-?(\d+)-(?:jre|jdk)(?:-headless)?$"), "openjdk"),
    (re.compile(r"^java-(\d+)-openjdk(?:-headless)?$"), "openjdk"),
    (re.compile(r"^dotnet-runtime-(\d+\.\d+)$"), "dotnet"),
)
_OS_TYPES = ("deb", "apk", "rpm")
_UPSTREAM = re.compile(r"^(?:\d+:)?v?(\d+(?:\.\d+)*)")


@dataclass(frozen=True, slots=True)
class RuntimeRef:
    """One runtime release in the image, and the package that says so."""

    name: str  # "python", "node", "openjdk", ...
    version: str
    vendor: str  # a JDK's implementor; "" otherwise
    package: Package
    distro_packaged: bool

    @property
    def key(self) -> tuple[str, str]:
        """Name and major.minor: one answer per runtime line, however many copies."""
        return self.name, ".".join(self.version.split(".")[:2])


def runtimes_in(inventory: Inventory) -> tuple[RuntimeRef, ...]:
    """Each runtime line once; a cataloged interpreter wins over the package that ships it."""
    found: dict[tuple[str, str], RuntimeRef] = {}
    for ref in sorted(_all_runtimes(inventory.packages), key=_preference):
        found.setdefault(ref.key, ref)
    return tuple(sorted(found.values(), key=lambda r: r.key))


def lifecycle_findings(
    inventory: Inventory, today: date, snapshot: Snapshot | None = None
) -> tuple[Finding, ...]:
    """Findings of kind "lifecycle" for the distro and every runtime line found."""
    data = snapshot or load_snapshot()
    found: list[Finding] = []
    if inventory.distro is not None:
        found.extend(distro_findings(distro_support(inventory.distro, today, data)))
    for ref in runtimes_in(inventory):
        support = runtime_support(ref.name, ref.version, today, ref.vendor, data)
        found.extend(runtime_findings(support, ref))
    return tuple(found)


def distro_findings(support: Support | SupportUnknown) -> Iterable[Finding]:
    """End of life (high), paid-only extended support (medium), Debian LTS (low), ending
    within SOON_DAYS (low)."""
    if isinstance(support, SupportUnknown):
        return
    name = _name(support)
    if support.phase == "end-of-life":
        yield _finding("lifecycle/distro-eol", Severity.HIGH,
                       f"{name} is end of life{_since(support)}", support)  # fmt: skip
    elif support.phase == "extended":
        yield _finding("lifecycle/distro-extended", Severity.MEDIUM,
                       f"{name}: only {support.extended_name} until {support.phase_end}",
                       support)  # fmt: skip
    elif support.phase == "lts":
        yield _finding("lifecycle/distro-lts", Severity.LOW,
                       f"{name} is in the Debian LTS phase until {support.phase_end}: "
                       "fewer packages and architectures are covered", support)  # fmt: skip
    if support.phase != "end-of-life" and _ends_soon(support):
        yield _finding("lifecycle/distro-eol-soon", Severity.LOW,
                       f"{name}: free security support ends {support.free_support_end}",
                       support)  # fmt: skip


def runtime_findings(support: Support | SupportUnknown, ref: RuntimeRef) -> Iterable[Finding]:
    """End of life: high, or medium when the distro ships it (and may still patch it)."""
    if isinstance(support, SupportUnknown):
        return
    name = f"{support.title} {support.cycle} ({ref.version})"
    if support.phase == "end-of-life":
        severity = Severity.MEDIUM if ref.distro_packaged else Severity.HIGH
        yield _finding("lifecycle/runtime-eol", severity, f"{name} is end of life"
                       f"{_since(support)}", support, ref.package)  # fmt: skip
    elif support.phase == "extended":
        yield _finding("lifecycle/runtime-extended", Severity.MEDIUM,
                       f"{name}: only {support.extended_name} until {support.phase_end}",
                       support, ref.package)  # fmt: skip


class LifecycleChecker:
    """The lifecycle findings as a checker; `today` is fixed when the scan starts."""

    name = "lifecycle"

    def __init__(self, today: date | None = None, snapshot: Snapshot | None = None) -> None:
        self.today = today or date.today()
        self.snapshot = snapshot

    def check(self, target) -> Iterable[Finding]:  # noqa: ANN001 - checks.base.Target
        return lifecycle_findings(target.inventory, self.today, self.snapshot)


def _preference(ref: RuntimeRef) -> tuple[bool, bool]:
    """Upstream builds first, then an interpreter found by its files, then a package."""
    return ref.distro_packaged, ref.package.type != "runtime"


def _all_runtimes(packages: Iterable[Package]) -> Iterable[RuntimeRef]:
    for package in packages:
        if package.type == "runtime" and package.name in RUNTIME_NAMES:
            vendor = dict(package.metadata).get("implementor", "")
            yield RuntimeRef(package.name, _upstream(package.version), vendor, package,
                             bool(package.owned_by))  # fmt: skip
        elif package.type in _OS_TYPES:
            ref = _os_runtime(package)
            if ref is not None:
                yield ref


def _os_runtime(package: Package) -> RuntimeRef | None:
    for pattern, name in _OS_RUNTIMES:
        match = pattern.match(package.name)
        if match:
            version = _upstream(package.version)
            if match.groups() and not version.startswith(match.group(1)):
                version = match.group(1)  # python3.11's version may be "3.11.2-6"
            return RuntimeRef(name, version, "", package, True)
    return None


def _upstream(version: str) -> str:
    """ "18.19.0+dfsg-6~deb12u1" -> "18.19.0"; "1:3.2.3-1" -> "3.2.3"."""
    match = _UPSTREAM.match(version.strip())
    return match.group(1) if match else version


def _finding(rule: str, severity: Severity, title: str, support: Support,
             package: Package | None = None) -> Finding:  # fmt: skip
    evidence = (("product", support.product), ("cycle", support.cycle),
                ("phase", support.phase), *support.evidence)  # fmt: skip
    return Finding(kind=KIND, rule_id=rule, severity=severity, title=title, package=package,
                   status=support.phase, evidence=evidence)  # fmt: skip


def _name(support: Support) -> str:
    codename = f" ({support.codename.lower()})" if support.codename else ""
    return f"{support.title} {support.cycle}{codename}"


def _since(support: Support) -> str:
    end = support.extended_end or support.lts_end or support.security_end
    return f" since {end}" if end and end <= support.today else ""


def _ends_soon(support: Support) -> bool:
    end = support.free_support_end
    return end is not None and 0 <= (end - support.today).days <= SOON_DAYS
