"""`design/*` findings: does the image expect to keep state, or to run a small VM's worth
of services inside? (issue 16; docs/run-as-designed.md says why each one matters).

The data applied lives in `runprofile/rules.py`; the facts about users, supervised
services, cron jobs and background daemons come from `analyze/runconfig.py`.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from dockwise.model import OS_PACKAGE_TYPES, Finding, ImageInfo, Inventory, Location, Severity
from dockwise.runprofile import rules
from dockwise.source.filetree import glob_regex

KIND = "design"
SHOWN = 5  # example paths or names in a finding's evidence
_HOST_KEYS = glob_regex(rules.SSH_HOST_KEYS)
# the only paths PathScan looks at closer (besides VOLUMEs and .git/HEAD): one startswith
_PREFIXES = ("etc/ssh/", "etc/dropbear/", "var/log/", *rules.DATABASE_DIRS)


class RunDesignChecker:
    """Service managers, background daemons, sshd host keys, cron, state and build leftovers."""

    name = "run-design"

    def check(self, target) -> Iterable[Finding]:  # noqa: ANN001 - checks.base.Target
        image, inventory, tree = target.image, target.inventory, target.tree
        yield from service_manager(image, inventory, tree)
        yield from build_tools(inventory)
        if tree is None:
            return
        yield from background_daemons(image, tree)
        yield from cron_jobs(inventory, tree)
        yield from state_paths(PathScan.of(tree, image.config.volumes), tree)


def _finding(rule: str, severity: Severity, title: str, evidence=(), **kw) -> Finding:  # noqa: ANN001
    return Finding(kind=KIND, rule_id=f"{KIND}/{rule}", severity=severity, title=title,
                   evidence=tuple(evidence), **kw)  # fmt: skip


def entry_command(image: ImageInfo) -> tuple[str, ...]:
    """What the container runs: ENTRYPOINT then CMD, as the runtime joins them."""
    return (*image.config.entrypoint, *image.config.cmd)


def service_manager(image: ImageInfo, inventory: Inventory, tree) -> Iterator[Finding]:  # noqa: ANN001
    """A process supervisor as the entrypoint, or installed with services to supervise."""
    command = entry_command(image)
    names = [posixpath.basename(word) for word in command[:2]]
    manager = next((rules.SERVICE_MANAGERS[n] for n in names if n in rules.SERVICE_MANAGERS), "")
    services = _supervised(tree)
    installed = [p for p in inventory.packages if p.name in rules.SERVICE_MANAGERS]
    if manager or (installed and services):
        shown = manager or rules.SERVICE_MANAGERS[installed[0].name]
        evidence = [("entrypoint", " ".join(command) or "(not set)")]
        evidence += [("package", f"{p.name} {p.version}") for p in installed[:SHOWN]]
        evidence += [("services", ", ".join(services[:SHOWN * 2]))] if services else []
        yield _finding("service-manager", Severity.MEDIUM,
                       f"runs a process supervisor ({shown}) with {len(services)} services",
                       evidence)  # fmt: skip


def _supervised(tree) -> list[str]:  # noqa: ANN001 - source.filetree.FileTree
    if tree is None:
        return []
    found = []
    for file in tree.with_facts("run-config"):
        facts = file.facts["run-config"]
        found += facts.get("programs", []) + ([facts["service"]] if "service" in facts else [])
    return sorted(set(found))


def background_daemons(image: ImageInfo, tree) -> Iterator[Finding]:  # noqa: ANN001
    """An entrypoint script that starts daemons with `&`: the runtime sees only the script,
    so it cannot restart, stop or log them one by one."""
    for word in entry_command(image)[:2]:
        real = tree.resolve(word.lstrip("/")) if word.startswith("/") else None
        file = tree.file(real) if real else None
        started = file.facts.get("run-config", {}).get("background") if file else None
        if started:
            yield _finding("background-daemons", Severity.MEDIUM,
                           f"entrypoint /{file.path} starts {len(started)} processes in the "
                           "background", [("background", ", ".join(started))],
                           location=file.location)  # fmt: skip
            return


def cron_jobs(inventory: Inventory, tree) -> Iterator[Finding]:  # noqa: ANN001
    """A cron daemon with jobs: scheduled work belongs to the orchestrator (a CronJob)."""
    daemons = [p for p in inventory.packages if p.name in rules.CRON_DAEMONS]
    jobs = [(f, f.facts["run-config"].get("cron_jobs", 0)) for f in tree.with_facts("run-config")]
    jobs = [(f, n) for f, n in jobs if n]
    if daemons and jobs:
        evidence = [("package", f"{p.name} {p.version}") for p in daemons]
        evidence += [("crontab", f"/{f.path}: {n} jobs") for f, n in jobs[:SHOWN]]
        yield _finding("cron-jobs", Severity.MEDIUM,
                       f"cron daemon with {sum(n for _, n in jobs)} scheduled jobs", evidence,
                       location=jobs[0][0].location)  # fmt: skip


def build_tools(inventory: Inventory) -> Iterator[Finding]:
    """Compilers, build tools and -dev packages in what should be a runtime image."""
    found = sorted(
        p.name
        for p in inventory.packages
        if p.type in OS_PACKAGE_TYPES
        and (p.name in rules.BUILD_TOOLS or p.name.endswith(rules.DEV_SUFFIXES))
    )
    if found:
        yield _finding("build-tools", Severity.LOW,
                       f"{len(found)} build tools or -dev packages in the image",
                       [("packages", ", ".join(found[: SHOWN * 2]))])  # fmt: skip


@dataclass(slots=True)
class PathScan:
    """One pass over every path: what the state and leftover rules need."""

    host_keys: list[str] = field(default_factory=list)
    databases: dict[str, list[str]] = field(default_factory=dict)
    volumes: dict[str, list[str]] = field(default_factory=dict)
    logs: list[str] = field(default_factory=list)
    git: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, tree, volumes: tuple[str, ...]) -> PathScan:  # noqa: ANN001 - FileTree
        scan = cls()
        prefixes = {v.strip("/") + "/": v for v in volumes if v.strip("/")}
        wanted = (*_PREFIXES, *prefixes)
        for path in tree.paths():
            if path.startswith(wanted) or path.endswith(".git/HEAD"):
                entry = tree.entry(path)
                if entry is not None and not entry.is_dir:
                    scan.add(path, entry.size, prefixes)
        return scan

    def add(self, path: str, size: int, volumes: dict[str, str]) -> None:
        if _HOST_KEYS.match(path):
            self.host_keys.append(path)
        for prefix, name in rules.DATABASE_DIRS.items():
            if path.startswith(prefix):
                self.databases.setdefault(name, []).append(path)
        for prefix, volume in volumes.items():
            if path.startswith(prefix):
                self.volumes.setdefault(volume, []).append(path)
        if path == ".git/HEAD" or path.endswith("/.git/HEAD"):
            self.git.append(path[: -len("/HEAD")])
        if size and path.startswith("var/log/") and not path.startswith(rules.BUILD_LOGS):
            self.logs.append(path)


def state_paths(scan: PathScan, tree) -> Iterator[Finding]:  # noqa: ANN001 - FileTree
    """Host keys, database data, pre-filled volumes, logs and git checkouts in the layers."""
    for path in sorted(scan.host_keys):
        yield _finding("ssh-host-keys", Severity.HIGH, f"SSH host key baked in: /{path}",
                       [("file", f"/{path}")], location=_located(tree, path))  # fmt: skip
    for name, paths in sorted(scan.databases.items()):
        yield _paths_finding("database-data", Severity.MEDIUM, f"{name} data directory "
                             "populated in the image", paths, tree)  # fmt: skip
    for volume, paths in sorted(scan.volumes.items()):
        yield _paths_finding("prefilled-volume", Severity.LOW,
                             f"VOLUME {volume} is pre-filled in the image", paths, tree)
    if scan.logs:
        yield _paths_finding("log-files", Severity.LOW, "log files written inside the image",
                             scan.logs, tree)  # fmt: skip
    for path in sorted(scan.git):
        yield _finding("git-checkout", Severity.MEDIUM, f"git checkout with history: /{path}",
                       [("directory", f"/{path}")],
                       location=_located(tree, f"{path}/HEAD"))  # fmt: skip


def _paths_finding(rule: str, severity: Severity, title: str, paths: list[str], tree  # noqa: ANN001
                   ) -> Finding:
    shown = sorted(paths)
    evidence = [("files", str(len(shown))), ("examples", ", ".join(f"/{p}" for p in shown[:SHOWN]))]
    return _finding(rule, severity, title, evidence, location=_located(tree, shown[0]))


def _located(tree, path: str) -> Location:  # noqa: ANN001 - source.filetree.FileTree
    """The path and the layer that wrote it."""
    file = tree.file(path)
    return Location(path, file.layer if file else None)
