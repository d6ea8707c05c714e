"""The run profile as something to paste: a Kubernetes Pod with its securityContext
(container and pod level), `docker run` / `podman run` flags, a Compose service, or JSON.

Each text format opens with comment lines giving the reason for every setting, so a
reviewer sees why a capability is there without running dockwise again.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable

import yaml

from dockwise.runprofile.derive import RunProfile

FORMATS = ("k8s", "docker", "compose", "json")
PROFILE_SCHEMA, PROFILE_VERSION = "dockwise/run-profile", 1


def render(profile: RunProfile, fmt: str) -> str:
    """The profile in one of FORMATS, for the image it was worked out for."""
    writers: dict[str, Callable[[RunProfile, str], str]] = {
        "k8s": kubernetes, "docker": docker, "compose": compose, "json": as_json,
    }  # fmt: skip
    return writers[fmt](profile, profile.image)


def reasons(profile: RunProfile) -> list[str]:
    """`setting: reason` lines, in the order the settings are written."""
    user = profile.run_as_user if profile.run_as_user is not None else "root"
    lines = [f"user {user}: {profile.user_reason}"]
    lines += [f"{m.kind} {m.path}: {m.reason}" for m in profile.mounts]
    lines.append("capabilities: drop ALL")
    lines += [f"add {c.name}: {c.reason}" for c in profile.add_capabilities]
    lines.append(f"allowPrivilegeEscalation {str(profile.allow_privilege_escalation).lower()}: "
                 f"{profile.escalation_reason}")
    lines += [f"remove setuid/setgid {s.name}: {s.reason}" for s in profile.remove_setuid]
    lines += [f"unknown: {why}" for why in profile.unknowns]
    return lines


def _comments(profile: RunProfile, image: str) -> str:
    lines = [f"dockwise run profile for {image}", *reasons(profile)]
    return "".join(f"# {_one_line(line)}\n" for line in lines)


def _one_line(text: str) -> str:
    """Image-supplied text never breaks out of a comment line."""
    return re.sub(r"[\x00-\x1f\x7f]", " ", text)


def container_context(profile: RunProfile) -> dict:
    """A Kubernetes SecurityContext (io.k8s.api.core.v1.SecurityContext)."""
    context: dict = {
        "allowPrivilegeEscalation": profile.allow_privilege_escalation,
        "readOnlyRootFilesystem": profile.read_only_root_filesystem,
        "runAsNonRoot": profile.run_as_non_root,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": profile.seccomp_profile},
    }
    if profile.add_capabilities:
        context["capabilities"]["add"] = [c.name for c in profile.add_capabilities]
    context.update(_ids(profile))
    return context


def pod_context(profile: RunProfile) -> dict:
    """A Kubernetes PodSecurityContext: what every container of the pod shares."""
    context: dict = {"runAsNonRoot": profile.run_as_non_root,
                     "seccompProfile": {"type": profile.seccomp_profile}}  # fmt: skip
    context.update(_ids(profile))
    if profile.run_as_group is not None:
        context["fsGroup"] = profile.run_as_group
    return context


def _ids(profile: RunProfile) -> dict:
    ids = {"runAsUser": profile.run_as_user} if profile.run_as_user is not None else {}
    if profile.run_as_group is not None:
        ids["runAsGroup"] = profile.run_as_group
    return ids


def _volume_name(path: str) -> str:
    """A DNS-1123 label for a mount path (`/var/cache/app` -> `var-cache-app`)."""
    return (re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "root")[:63]


def kubernetes(profile: RunProfile, image: str) -> str:
    """A Pod: no host namespaces, both security contexts, an emptyDir per writable path."""
    mounts = [{"name": _volume_name(m.path), "mountPath": m.path} for m in profile.mounts]
    volumes = [{"name": _volume_name(m.path),
                "emptyDir": {"medium": "Memory"} if m.kind == "tmpfs" else {}}
               for m in profile.mounts]  # fmt: skip
    pod = {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "app"},
        "spec": {
            "hostNetwork": False, "hostPID": False, "hostIPC": False,
            "automountServiceAccountToken": False,
            "securityContext": pod_context(profile),
            "containers": [{"name": "app", "image": image,
                            "securityContext": container_context(profile),
                            "volumeMounts": mounts}],
            "volumes": volumes,
        },
    }  # fmt: skip
    return _comments(profile, image) + yaml.safe_dump(pod, sort_keys=False)


def docker_flags(profile: RunProfile) -> list[str]:
    """`docker run` / `podman run` flags (both read the same ones)."""
    flags = ["--read-only", "--cap-drop", "ALL"]
    for cap in profile.add_capabilities:
        flags += ["--cap-add", cap.name]
    if not profile.allow_privilege_escalation:
        flags += ["--security-opt", "no-new-privileges"]
    if profile.run_as_user is not None:
        group = profile.run_as_group if profile.run_as_group is not None else profile.run_as_user
        flags += ["--user", f"{profile.run_as_user}:{group}"]
    for mount in profile.mounts:
        flags += (["--tmpfs", mount.path] if mount.kind == "tmpfs"
                  else ["--mount", f"type=volume,target={mount.path}"])  # fmt: skip
    return flags


def docker(profile: RunProfile, image: str) -> str:
    """One `docker run` line and one `podman run` line; the runtimes' default seccomp
    profile applies unless someone passes `--security-opt seccomp=unconfined`."""
    flags = docker_flags(profile)
    return (_comments(profile, image) + shlex.join(["docker", "run", *flags, image]) + "\n"
            + shlex.join(["podman", "run", *flags, image]) + "\n")  # fmt: skip


def compose(profile: RunProfile, image: str) -> str:
    """A Compose service with the same settings as the docker flags."""
    service: dict = {"image": image, "read_only": True, "cap_drop": ["ALL"]}
    if profile.add_capabilities:
        service["cap_add"] = [c.name for c in profile.add_capabilities]
    if not profile.allow_privilege_escalation:
        service["security_opt"] = ["no-new-privileges:true"]
    if profile.run_as_user is not None:
        group = profile.run_as_group if profile.run_as_group is not None else profile.run_as_user
        service["user"] = f"{profile.run_as_user}:{group}"
    service["tmpfs"] = [m.path for m in profile.mounts if m.kind == "tmpfs"]
    volumes = [m.path for m in profile.mounts if m.kind == "volume"]
    if volumes:
        service["volumes"] = volumes
    return _comments(profile, image) + yaml.safe_dump({"services": {"app": service}},
                                                       sort_keys=False)  # fmt: skip


def as_json(profile: RunProfile, image: str) -> str:
    """The profile for machines: the two security contexts, the flags, and the reasons."""
    doc = {
        "schema": PROFILE_SCHEMA, "version": PROFILE_VERSION, "image": image,
        "user": {"uid": profile.run_as_user, "gid": profile.run_as_group,
                 "reason": profile.user_reason},
        "mounts": [{"path": m.path, "kind": m.kind, "reason": m.reason} for m in profile.mounts],
        "capabilities": {"drop": ["ALL"], "add": [{"name": c.name, "reason": c.reason}
                                                  for c in profile.add_capabilities]},
        "allowPrivilegeEscalation": {"value": profile.allow_privilege_escalation,
                                     "reason": profile.escalation_reason},
        "removeSetuid": [{"path": s.name, "reason": s.reason} for s in profile.remove_setuid],
        "unknowns": list(profile.unknowns),
        "securityContext": container_context(profile),
        "podSecurityContext": pod_context(profile),
        "dockerFlags": docker_flags(profile),
    }  # fmt: skip
    return json.dumps(doc, indent=2) + "\n"
