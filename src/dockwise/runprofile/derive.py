"""Work out the least privilege an image can run with, each line with its reason."""

from __future__ import annotations

import posixpath
import stat
from dataclasses import dataclass

from dockwise.model import Finding, ImageInfo, Inventory
from dockwise.runprofile import rules

ROOT = frozenset({"", "0", "root"})
WRITE_BITS = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH


@dataclass(frozen=True, slots=True)
class Setting:
    """One line of the profile (a capability, a mount, a file) and why."""

    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class Mount:
    """A writable path under the read-only root: a `volume` (data to keep, from VOLUME)
    or a `tmpfs` (scratch the container may lose)."""

    path: str
    kind: str
    reason: str


@dataclass(frozen=True, slots=True)
class RunProfile:
    """The least privilege: what a Kubernetes securityContext or `docker run` would say."""

    run_as_user: int | None  # None: it needs root (see user_reason)
    run_as_group: int | None
    user_reason: str
    mounts: tuple[Mount, ...]  # writable paths under a read-only root filesystem
    add_capabilities: tuple[Setting, ...]  # after dropping ALL
    allow_privilege_escalation: bool
    escalation_reason: str
    remove_setuid: tuple[Setting, ...] = ()  # setuid/setgid files nothing needs
    unknowns: tuple[str, ...] = ()
    image: str = ""  # the reference to run: the image's first tag, else its SOURCE
    read_only_root_filesystem: bool = True
    seccomp_profile: str = "RuntimeDefault"

    @property
    def run_as_non_root(self) -> bool:
        return self.run_as_user is not None and self.run_as_user != 0


@dataclass(frozen=True, slots=True)
class _User:
    uid: int | None
    gid: int | None
    reason: str


def derive(image: ImageInfo, inventory: Inventory, tree, findings: tuple[Finding, ...]  # noqa: ANN001
           ) -> RunProfile:  # fmt: skip
    """The profile of one image; `tree` is None for an SBOM source (files unknown)."""
    needs_root = _needs_root(image, findings)
    user = _user(image, tree, needs_root)
    setuid_needed, remove = _setuid(image, inventory)
    file_caps = _file_capabilities(tree)
    escalation = _escalation(setuid_needed, file_caps if user.uid else [])
    kept = escalation or "no setuid binary or file capability that the entrypoint needs"
    unknowns = () if tree is not None else (
        "no file tree (an SBOM source): owners, file capabilities and writable paths unknown",)
    return RunProfile(
        user.uid, user.gid, user.reason, _mounts(image, tree, user),
        _capabilities(image, file_caps, needs_root), bool(escalation), kept, remove, unknowns,
        image.repo_tags[0] if image.repo_tags else image.source,
    )  # fmt: skip


def _needs_root(image: ImageInfo, findings: tuple[Finding, ...]) -> list[Finding]:
    """Findings of daemons that start as root and switch users (sshd, cron, supervisors)."""
    if image.config.user.split(":", 1)[0] not in ROOT:
        return []
    return [f for f in findings if f.rule_id in rules.NEEDS_ROOT and not f.suppressed]


def _passwd(tree) -> dict[str, list]:  # noqa: ANN001 - source.filetree.FileTree
    file = tree.file("etc/passwd") if tree is not None else None
    facts = file.facts.get("run-config", {}) if file else {}
    return facts.get("users", {})


def _user(image: ImageInfo, tree, needs_root: list[Finding]) -> _User:  # noqa: ANN001
    """The image's USER if non-root; else who owns the app's files; else nobody."""
    name, _, group = image.config.user.partition(":")
    users = _passwd(tree)
    if name not in ROOT:
        uid, gid = _ids(name, group, users)
        return _User(uid, gid, f"the image's USER {image.config.user}" if uid is not None else
                     f"USER {name} is not in /etc/passwd: set a numeric uid")  # fmt: skip
    if needs_root:
        return _User(None, None, "needs root because " + "; ".join(f.title for f in needs_root)
                     + " (they start as root and switch users)")  # fmt: skip
    owner = _app_owner(image, tree)
    if owner is not None:
        return _User(owner[0], owner[1], f"uid {owner[0]} owns {owner[2]}; USER is root")
    if tree is None:
        return _User(rules.NOBODY, rules.NOBODY, f"USER is root and the files were not read: "
                     f"{rules.NOBODY} (nobody), to be confirmed")  # fmt: skip
    return _User(rules.NOBODY, rules.NOBODY, "USER is root and no other user owns the app's "
                 f"files: {rules.NOBODY} (nobody) can read what is world-readable")  # fmt: skip


def _ids(name: str, group: str, users: dict[str, list]) -> tuple[int | None, int | None]:
    known = users.get(name)
    uid = int(name) if name.isdigit() else known[0] if known else None
    gid = int(group) if group.isdigit() else known[1] if known else uid
    return uid, gid


def _app_owner(image: ImageInfo, tree) -> tuple[int, int, str] | None:  # noqa: ANN001
    """A non-root owner of the working directory or the entrypoint's file."""
    if tree is None:
        return None
    command = (*image.config.entrypoint, *image.config.cmd)
    for path in (image.config.working_dir, *(w for w in command[:1] if w.startswith("/"))):
        real = tree.resolve(path.strip("/")) if path.strip("/") else None
        entry = tree.entry(real) if real else None
        if entry is not None and entry.uid != 0:
            return entry.uid, entry.gid, f"/{real}"
    return None


def _mounts(image: ImageInfo, tree, user: _User) -> tuple[Mount, ...]:  # noqa: ANN001
    """VOLUMEs, /tmp, and the directories the user to run as can write."""
    mounts = {v.rstrip("/") or "/": Mount(v.rstrip("/") or "/", "volume", "VOLUME in the "
              "image config") for v in image.config.volumes}  # fmt: skip
    mounts.setdefault("/tmp", Mount("/tmp", "tmpfs", "scratch space most programs expect"))
    if user.uid is None:
        mounts.setdefault("/run", Mount("/run", "tmpfs", "daemons started as root write pid "
                                        "files and sockets here"))  # fmt: skip
    elif tree is not None and user.uid:
        for path, why in _writable(tree, user.uid, user.gid)[: rules.MAX_MOUNTS]:
            if not any(path == m or path.startswith(m.rstrip("/") + "/") for m in mounts):
                mounts[path] = Mount(path, "tmpfs", why)
    return tuple(mount for _, mount in sorted(mounts.items()))


def _writable(tree, uid: int, gid: int | None) -> list[tuple[str, str]]:  # noqa: ANN001
    """Top-most empty directories the user can write by owner, group or world bits: a
    tmpfs over a directory that holds the image's files would hide them."""
    candidates, files = [], []
    for path in tree.paths():
        entry = tree.entry(path)
        if entry is None or not stat.S_ISDIR(entry.mode):
            files.append(path)
        elif entry.mode & WRITE_BITS and path.split("/", 1)[0] not in rules.RUNTIME_DIRS:
            why = _write_reason(entry, uid, gid)
            if why:
                candidates.append((path, why))
    found: list[tuple[str, str]] = []
    for path, why in sorted(candidates):
        inside = f"{path}/"
        if any(p.startswith(inside) for p in files):
            continue  # holds files
        if not any(path.startswith(f"{p[1:]}/") for p, _ in found):
            found.append((f"/{path}", why))
    return found


def _write_reason(entry, uid: int, gid: int | None) -> str:  # noqa: ANN001 - filetree.Entry
    mode = entry.mode
    if entry.uid == uid and mode & stat.S_IWUSR:
        return f"owned by uid {uid} and writable: the app writes here"
    if gid is not None and entry.gid == gid and mode & stat.S_IWGRP:
        return f"group {gid} may write here"
    if mode & stat.S_IWOTH and not mode & stat.S_ISVTX:
        return "world-writable"
    return ""


def _file_capabilities(tree) -> list[tuple[str, str]]:  # noqa: ANN001
    """(capability, path) for each permitted capability a file carries."""
    if tree is None:
        return []
    return [(cap, f"/{file.path}") for file in tree.with_facts("capability")
            for cap in file.facts["capability"].get("permitted", [])]  # fmt: skip


def _capabilities(image: ImageInfo, file_caps: list[tuple[str, str]], needs_root: list[Finding]
                  ) -> tuple[Setting, ...]:  # fmt: skip
    """What to add back after `drop: [ALL]`."""
    added: dict[str, str] = {}
    for cap, path in file_caps:
        added.setdefault(cap, f"file capability on {path}")
    ports = [p for p in image.config.exposed_ports if _port(p) < rules.PRIVILEGED_PORT]
    if ports:
        added.setdefault("NET_BIND_SERVICE", f"EXPOSE {', '.join(ports)} is below 1024")
    for finding in needs_root:
        for cap in rules.NEEDS_ROOT[finding.rule_id]:
            added.setdefault(cap, f"{finding.title} switches users")
    return tuple(Setting(cap, why) for cap, why in sorted(added.items()))


def _port(exposed: str) -> int:
    number = exposed.split("/", 1)[0]
    return int(number) if number.isdigit() else rules.PRIVILEGED_PORT


def _setuid(image: ImageInfo, inventory: Inventory) -> tuple[list[str], tuple[Setting, ...]]:
    """Setuid/setgid files the entrypoint runs (needed), and the rest (to remove)."""
    command = {posixpath.basename(w) for w in (*image.config.entrypoint, *image.config.cmd)}
    needed, remove = [], []
    for record in inventory.files:
        if {"setuid", "setgid"} & set(record.kinds):
            if posixpath.basename(record.path) in command:
                needed.append(f"/{record.path}")
            else:
                remove.append(Setting(f"/{record.path}", "the entrypoint does not run it"))
    return needed, tuple(remove)


def _escalation(setuid: list[str], file_caps: list[tuple[str, str]]) -> str:
    """Why privilege escalation must stay allowed (no_new_privs would break it), or ""."""
    if setuid:
        return f"the entrypoint runs setuid {', '.join(setuid)}"
    if file_caps:
        paths = sorted({path for _, path in file_caps})
        return (f"file capabilities of {', '.join(paths)} are not granted under "
                "no_new_privs to a non-root user")  # fmt: skip
    return ""
