"""Which OSV ecosystem and name each installed package is looked up under.

OS packages are looked up only under their own distro release (never upstream), named
the way that distro keys its advisories: Debian, Ubuntu and Alpine by source package,
RPM distros by binary package. Language packages go by their purl type, named as OSV
names them (PyPI: PEP 503 normalised; Maven: `group:artifact`; Go: the module path).
Ref. https://ossf.github.io/osv-schema/#defined-ecosystems
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packageurl import PackageURL

from dockwise.model import OS_PACKAGE_TYPES, Distro, Package
from dockwise.versions.golang import toolchain_semver


@dataclass(frozen=True, slots=True)
class Query:
    """One lookup: the advisories of `name` in `ecosystem`, judged at `version`."""

    ecosystem: str
    name: str
    version: str


# purl type -> OSV ecosystem. Ref. https://github.com/package-url/purl-spec PURL-TYPES.
LANGUAGE_ECOSYSTEMS = {
    "pypi": "PyPI",
    "npm": "npm",
    "golang": "Go",
    "maven": "Maven",
    "gem": "RubyGems",
    "cargo": "crates.io",
    "nuget": "NuGet",
    "composer": "Packagist",
}
# Package.type spellings catalogers may use when there is no purl.
_TYPE_ALIASES = {"python": "pypi", "go": "golang", "java": "maven", "rust": "cargo"}
_RHEL_REPOS = ("baseos", "appstream", "crb")
_SUSE_IDS = ("sles", "sles_sap", "sled", "opensuse-leap", "opensuse-tumbleweed")
# The SLE 15 modules a SLES subscription includes, as OSV's SUSE ecosystem names them
# ("SUSE:Linux Enterprise Module for Basesystem 15 SP5"): the base image's packages
# come from Basesystem and Server Applications, not from the product itself.
_SLE_MODULES = (
    "Basesystem", "Server Applications", "Containers", "Development Tools",
    "Web and Scripting", "Python 3", "Desktop Applications", "Legacy", "Public Cloud",
)  # fmt: skip
# os-release ID -> the ecosystem whose releases go by the major version (`ol` 8.9 -> 8,
# `photon` 5.0 -> 5, `amzn` 2023 -> 2023); the vendor feeds name theirs the same way.
_BY_MAJOR = {
    "debian": "Debian", "almalinux": "AlmaLinux", "rocky": "Rocky Linux",
    "amzn": "Amazon Linux", "ol": "Oracle Linux", "azurelinux": "Azure Linux",
    "mariner": "CBL-Mariner", "photon": "Photon OS",
}  # fmt: skip
# Vendors whose advisories name the source package (Photon's `pkg`, Azure Linux's OVAL
# objects: one spec's CVE tracking); RPM binaries of a subpackage carry other names.
_SOURCE_KEYED = ("Photon OS", "Azure Linux", "CBL-Mariner")


def package_distro(pkg: Package, default: Distro | None) -> Distro | None:
    """The release an OS package is matched against: its own purl's `distro` qualifier
    (an SBOM may mix releases), else the release of the image or SBOM as a whole."""
    return _purl_distro(pkg.purl) or default


def release_ecosystems(pkg: Package, default: Distro | None) -> tuple[str, ...]:
    """The ecosystems of the release `package_distro` picks; () for language packages."""
    if pkg.type not in OS_PACKAGE_TYPES:
        return ()
    return os_ecosystems(package_distro(pkg, default))


def _purl_distro(purl: str) -> Distro | None:
    try:
        parsed = PackageURL.from_string(purl) if purl else None
    except ValueError:
        return None
    if parsed is None or not isinstance(parsed.qualifiers, dict):
        return None
    return Distro.from_purl_qualifier(parsed.qualifiers.get("distro"), parsed.namespace)


def os_ecosystems(distro: Distro | None) -> tuple[str, ...]:
    """The OSV ecosystems holding this release's advisories ("" parts left out)."""
    if distro is None:
        return ()
    major = distro.version_id.split(".")[0]
    family = _family(distro)
    if family == "ubuntu":
        return _ubuntu(distro.version_id)
    if family == "alpine":
        minor = ".".join(distro.version_id.split(".")[:2])
        return (f"Alpine:v{minor}",) if minor else ()
    if family in ("wolfi", "chainguard"):
        return (family.capitalize(),)
    if family == "rhel":
        return _rhel(major)
    if family in _SUSE_IDS:
        return _suse(family, distro.version_id)
    name = _BY_MAJOR.get(family)
    return (f"{name}:{major}",) if name and major else ()


def _suse(family: str, version_id: str) -> tuple[str, ...]:
    """OSV's SUSE ecosystems are the marketing names os-release's PRETTY_NAME carries,
    built here from ID and VERSION_ID (a derived image may rewrite PRETTY_NAME):
    `sles` 15.5 -> `SUSE:Linux Enterprise Server 15 SP5` and the modules every SLES
    image draws its packages from; `opensuse-leap` 15.5 -> `openSUSE:Leap 15.5`."""
    if family == "opensuse-tumbleweed":
        return ("openSUSE:Tumbleweed",)
    if not version_id:
        return ()
    if family == "opensuse-leap":
        return (f"openSUSE:Leap {version_id}",)
    major, _, pack = version_id.partition(".")
    release = f"{major} SP{pack}" if pack not in ("", "0") else major
    products = ("Server", *(f"Module for {m}" for m in _SLE_MODULES))
    return tuple(f"SUSE:Linux Enterprise {p} {release}" for p in products)


def _rhel(major: str) -> tuple[str, ...]:
    """The release (Red Hat VEX's unfixed states) and its repositories (fixes, OSV):
    BaseOS, AppStream and CRB since RHEL 8, the Server variant before."""
    if not major.isdigit():
        return ()
    stream = f"Red Hat:enterprise_linux:{major}"
    repos = _RHEL_REPOS if int(major) >= 8 else ("server",)
    return (stream, *(f"{stream}::{repo}" for repo in repos))


def _family(distro: Distro) -> str:
    """CentOS Linux (7, 8), a rebuild with no feed of its own, is judged by Red Hat's
    records of its major release, as its builds carry RHEL's own versions; CentOS Stream,
    which runs ahead of RHEL, is not."""
    family = distro.id.lower()
    if family == "centos" and "stream" not in f"{distro.name} {distro.pretty_name}".lower():
        return "rhel"
    return family


def _ubuntu(version_id: str) -> tuple[str, ...]:
    """`22.04` -> `Ubuntu:22.04:LTS` (even-year April releases are LTS) and its Pro (ESM)
    twin, whose fixes an image may also carry; interim releases have no suffix."""
    year, _, month = version_id.partition(".")
    if not (year.isdigit() and month):
        return ()
    if month == "04" and int(year) % 2 == 0:
        return (f"Ubuntu:{version_id}:LTS", f"Ubuntu:Pro:{version_id}:LTS")
    return (f"Ubuntu:{version_id}",)


def queries(pkg: Package, distro_ecosystems: tuple[str, ...]) -> list[Query]:
    """Every lookup this package needs (none for a type we have no advisories for)."""
    if pkg.type in OS_PACKAGE_TYPES:
        return [Query(eco, name, version) for eco in distro_ecosystems
                for name, version in _os_names(pkg, eco)]  # fmt: skip
    return _language_queries(pkg)


def _os_names(pkg: Package, ecosystem: str) -> list[tuple[str, str]]:
    """Debian/Ubuntu/Alpine advisories are per source package and source version; a
    binNMU (`+b1`) binary version would otherwise sort above the fix it lacks. RPM
    families differ: SUSE names the source rpm, AlmaLinux and Rocky the binary rpm, Red
    Hat either (its VEX the source), and a module's rpm as `<module>:<stream>/<rpm>`;
    Photon and Azure Linux key by spec, so `openssl-libs` meets their `openssl` rows too.
    An rpm is judged at its own epoch:version-release, which its source shares."""
    if pkg.type != "rpm":
        return [(pkg.source_name or pkg.name, pkg.source_version or pkg.version)]
    family = ecosystem.split(":", 1)[0]
    if family in ("SUSE", "openSUSE"):
        return [(pkg.source_name or pkg.name, pkg.version)]
    if family in _SOURCE_KEYED:
        return [(n, pkg.version) for n in dict.fromkeys([pkg.name, pkg.source_name or pkg.name])]
    if family != "Red Hat":
        return [(pkg.name, pkg.version)]
    names = [pkg.name, *([pkg.source_name] if pkg.source_name else [])]
    stream = ":".join(dict(pkg.metadata).get("modularitylabel", "").split(":")[:2])
    if stream.count(":") == 1:  # a module's rpm: only its stream's records judge it
        names = [f"{stream}/{n}" for n in names]
    return [(name, pkg.version) for name in dict.fromkeys(names)]


def language_ecosystem(pkg: Package) -> str:
    """The OSV ecosystem a language package is looked up in; "" when there is none."""
    return LANGUAGE_ECOSYSTEMS.get(_purl_type_name(pkg)[0], "")


def _language_queries(pkg: Package) -> list[Query]:
    ptype, name = _purl_type_name(pkg)
    ecosystem = LANGUAGE_ECOSYSTEMS.get(ptype)
    if ecosystem is None or not pkg.version:
        return []
    if ecosystem == "Go":
        return _go_queries(name, pkg)
    if ecosystem == "PyPI":
        name = pep503(name)
    return [Query(ecosystem, name, pkg.version)]


def _purl_type_name(pkg: Package) -> tuple[str, str]:
    """(purl type, OSV package name) from the purl, else from the package's own fields."""
    try:
        purl = PackageURL.from_string(pkg.purl) if pkg.purl else None
    except ValueError:
        purl = None
    if purl is None:
        return _TYPE_ALIASES.get(pkg.type, pkg.type), pkg.name
    sep = ":" if purl.type == "maven" else "/"
    name = f"{purl.namespace}{sep}{purl.name}" if purl.namespace else purl.name
    return purl.type, name


def _go_queries(module: str, pkg: Package) -> list[Query]:
    """A Go module, or the `stdlib` entry: a Go binary reports its toolchain version
    (`go1.21.5`), its purl and SBOMs by other tools say `1.21.5`; golang/vulndb records
    SemVer. A main module built outside module mode (`(devel)`) has no version to match."""
    if module in ("stdlib", "go", "toolchain"):
        version = toolchain_semver("go" + pkg.version.removeprefix("go"))
        return [Query("Go", "stdlib", version)] if version else []
    if pkg.version == "(devel)":
        return []
    return [Query("Go", module, pkg.version.lstrip("v"))]


def pep503(name: str) -> str:
    """PEP 503 normalised name: `Foo_Bar.baz` -> `foo-bar-baz`."""
    return re.sub(r"[-_.]+", "-", name).lower()
