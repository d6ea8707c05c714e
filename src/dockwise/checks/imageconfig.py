"""`config/*` findings: how the image is built and configured to run.

Rules follow the CIS Docker Benchmark v1.6, section 4 ("Container Images and Build
File Configuration") where it has one, and common sense otherwise; each rule's CIS
reference is in docs/security-checks.md and in the finding's `references`.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator

from dockwise.model import FileRecord, Finding, ImageInfo, Inventory, Location, Package, Severity

KIND = "config"
ROOT_USERS = frozenset({"", "0", "root"})
REMOTE_ADMIN_PORTS = {"22": "SSH", "23": "telnet", "3389": "RDP", "5900": "VNC",
                      "5800": "VNC over HTTP", "2375": "Docker API without TLS"}  # fmt: skip
SSH_SERVERS = frozenset({"openssh-server", "dropbear", "dropbear-bin", "dropbear-run"})
PRIVILEGE_TOOLS = frozenset({"sudo", "doas", "sudo-ldap"})
SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox", "fish",
                    "python", "python3", "perl", "env"})  # fmt: skip
SHELL_DIRS = ("bin", "usr/bin", "usr/local/bin")  # where the image's own shells are looked up
# (manager, path prefix, what is ignored inside): caches a build should not ship
CACHES = (
    ("apt", "var/cache/apt/archives/", (".deb",)),
    ("apt", "var/lib/apt/lists/", ("lock", "partial")),
    ("apk", "var/cache/apk/", ()),
    ("yum/dnf", "var/cache/yum/", ()),
    ("yum/dnf", "var/cache/dnf/", ()),
    ("pip", "root/.cache/pip/", ()),
    ("npm", "root/.npm/_cacache/", ()),
)
CIS = "CIS Docker Benchmark v1.6 "


class ImageConfigChecker:
    """Root user, healthcheck, setuid/setgid, remote-admin, caches, base tag."""

    name = "image-config"

    def check(self, target) -> Iterable[Finding]:  # noqa: ANN001 - checks.base.Target
        image, inventory = target.image, target.inventory
        if image.config_digest:  # a dir: tree or a bare SBOM has no run config to judge
            yield from root_user(image)
            yield from no_healthcheck(image)
            yield from remote_admin_ports(image)
        yield from setuid_files(inventory, target.tree)
        yield from remote_admin_packages(inventory)
        if target.tree is not None:
            yield from package_caches(target.tree)
        yield from latest_base(image)


def _finding(rule: str, severity: Severity, title: str, cis: str, evidence=(), **kw) -> Finding:  # noqa: ANN001
    return Finding(
        kind=KIND, rule_id=f"config/{rule}", severity=severity, title=title,
        evidence=tuple(evidence), references=(CIS + cis,) if cis else (), **kw,
    )  # fmt: skip


def root_user(image: ImageInfo) -> Iterator[Finding]:
    """CIS 4.1: no USER, or USER 0/root (with or without a group)."""
    user = image.config.user.strip()
    if user.split(":", 1)[0] in ROOT_USERS:
        shown = user or "(not set)"
        yield _finding("root-user", Severity.MEDIUM, "container runs as root", "4.1",
                       [("user", shown)])  # fmt: skip


def no_healthcheck(image: ImageInfo) -> Iterator[Finding]:
    """CIS 4.6: a HEALTHCHECK lets the runtime notice a hung service."""
    test = image.config.healthcheck
    if not test or test[0].upper() == "NONE":
        yield _finding("no-healthcheck", Severity.LOW, "no HEALTHCHECK instruction", "4.6",
                       [("healthcheck", "NONE" if test else "(not set)")])  # fmt: skip


def setuid_files(inventory: Inventory, tree=None) -> Iterator[Finding]:  # noqa: ANN001 - FileTree
    """CIS 4.8: setuid/setgid files, with their owning package; unowned ones and
    shells are worse (a setuid shell is root for anyone who can run it)."""
    flagged = [r for r in inventory.files if {"setuid", "setgid"} & set(r.kinds)]
    shells = _shell_digests(tree) if flagged and tree is not None else {}
    for record in flagged:
        for bit in ("setuid", "setgid"):
            if bit in record.kinds:
                yield _setuid_finding(record, bit, _shell_evidence(record, shells, tree))


def _setuid_finding(record: FileRecord, bit: str, shell: tuple[str, str] | None) -> Finding:
    severity = Severity.HIGH if shell else Severity.LOW if record.owner else Severity.MEDIUM
    what = "shell" if shell else "file"
    evidence = [("mode", f"{record.mode & 0o7777:04o}"), ("owner", record.owner or "no package")]
    return _finding(f"{bit}-{what}", severity, f"{bit} {what} {record.path}", "4.8",
                    evidence + ([shell] if shell else []),
                    location=Location(record.path, record.layer))  # fmt: skip


def _shell_evidence(record: FileRecord, shells: dict[str, str], tree) -> tuple[str, str] | None:  # noqa: ANN001
    """Why the file is a shell: its name (hidden copies too: `.bash`), the interpreter of
    a script, or its content: the same bytes as one of the image's shells, or BusyBox."""
    names = [posixpath.basename(record.path).lstrip(".")]
    names.append(posixpath.basename(dict(record.metadata).get("interpreter", "")))
    named = next((n for n in names if n and (n in SHELLS or n.startswith(("python", "perl")))),
                 "")  # fmt: skip
    if named:
        return ("shell", named)
    if record.sha256 in shells:
        return ("shell", f"same content as /{shells[record.sha256]}")
    if _elf_versions(tree, record.path).get("busybox"):
        return ("shell", "BusyBox binary (version banner)")
    return None


def _shell_digests(tree) -> dict[str, str]:  # noqa: ANN001 - source.filetree.FileTree
    """sha256 -> path of the image's own shells, so a renamed copy is still known."""
    digests: dict[str, str] = {}
    for directory in SHELL_DIRS:
        for name in sorted(SHELLS):
            real = tree.resolve(f"{directory}/{name}")
            file = tree.file(real) if real else None
            elf = file.facts.get("elf") if file else None
            if isinstance(elf, dict) and elf.get("sha256"):
                digests.setdefault(str(elf["sha256"]), real)
    return digests


def _elf_versions(tree, path: str) -> dict:  # noqa: ANN001 - source.filetree.FileTree
    file = tree.file(path) if tree is not None else None
    elf = file.facts.get("elf") if file else None
    versions = elf.get("versions") if isinstance(elf, dict) else None
    return versions if isinstance(versions, dict) else {}


def remote_admin_packages(inventory: Inventory) -> Iterator[Finding]:
    """CIS 4.3: an SSH server or sudo in a container is almost never needed."""
    for package in inventory.packages:
        if package.name in SSH_SERVERS:
            yield _package_finding("ssh-server", "SSH server installed", package)
        elif package.name in PRIVILEGE_TOOLS:
            yield _package_finding("sudo", "sudo installed", package)


def _package_finding(rule: str, title: str, package: Package) -> Finding:
    return _finding(rule, Severity.MEDIUM, f"{title} ({package.name})", "4.3",
                    [("package", f"{package.name} {package.version}")], package=package,
                    location=package.location)  # fmt: skip


def remote_admin_ports(image: ImageInfo) -> Iterator[Finding]:
    """Remote-administration ports exposed (common sense; CIS 5.8 at run time)."""
    for port in image.config.exposed_ports:
        number = port.split("/", 1)[0]
        if number in REMOTE_ADMIN_PORTS:
            yield _finding("remote-admin-port", Severity.MEDIUM,
                           f"{REMOTE_ADMIN_PORTS[number]} port {port} exposed", "",
                           [("exposed", port)])  # fmt: skip


def package_caches(tree) -> Iterator[Finding]:  # noqa: ANN001 - source.filetree.FileTree
    """Package-manager caches left in the image: size, and stale package metadata."""
    totals: dict[str, list[int]] = {}
    for path in tree.paths():
        for manager, prefix, ignore in CACHES:
            if path.startswith(prefix) and not _ignored(path[len(prefix) :], ignore, prefix):
                entry = tree.entry(path)
                if entry is not None and not entry.is_dir and entry.size:
                    count = totals.setdefault(f"{manager}:{prefix}", [0, 0])
                    count[0] += 1
                    count[1] += entry.size
    for key, (files, size) in sorted(totals.items()):
        manager, prefix = key.split(":", 1)
        yield _finding("package-cache", Severity.LOW, f"{manager} cache left in /{prefix}", "",
                       [("files", str(files)), ("bytes", str(size))],
                       location=Location(prefix.rstrip("/")))  # fmt: skip


def _ignored(rest: str, ignore: tuple[str, ...], prefix: str) -> bool:
    if prefix.endswith("archives/"):
        return not rest.endswith(".deb")  # only the downloaded packages count
    return rest.split("/", 1)[0] in ignore


def latest_base(image: ImageInfo) -> Iterator[Finding]:
    """CIS 4.2: a base named by `latest` (or by no tag at all) changes under you."""
    names = dict(image.annotations) | dict(image.config.labels)
    base = names.get("org.opencontainers.image.base.name", "")
    if not base or "@sha256:" in base:
        return
    last = base.rsplit("/", 1)[-1]
    if ":" not in last or last.endswith(":latest"):
        yield _finding("latest-base", Severity.LOW, f"base image {base} is not pinned", "4.2",
                       [("base", base)])  # fmt: skip
