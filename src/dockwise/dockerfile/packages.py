"""Package-manager rules on RUN: pinning, non-interactive switches, cache cleanup.

Pinning for apt-get, apk, pip and npm is the provenance module's `unpinned()`, the same
judgement `dockwise scan` makes on the built image's history. The rpm-family managers
(yum, dnf, microdnf, zypper) are judged here: `name-1.2` (yum/dnf, `name-1:1.2` with an
epoch, `mod:stream` for modules), `name=1.2`/`name>=1.2` (zypper) and `.rpm` files count as
pinned. Manager references: apt-get(8), apk(8), pip install, npm-install, yum(8), dnf(8),
zypper(8).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dockwise.dockerfile.runs import each_run
from dockwise.dockerfile.stages import Context, Hit, Run, program
from dockwise.provenance.pinning import unpinned

_APT = ("apt-get", "apt", "aptitude")
_DNF = ("dnf", "microdnf", "dnf5")
_DNF_INSTALL = {"install", "in", "reinstall", "rei", "upgrade", "up", "upgrade-minimal",
                "up-min", "update", "groupinstall", "localinstall"}  # fmt: skip
_YUM_INSTALL = {"install", "groupinstall", "localinstall", "reinstall", "update", "upgrade"}
_ZYPPER_INSTALL = {"install", "in", "source-install", "si", "patch", "update", "up",
                   "dist-upgrade", "dup"}  # fmt: skip
_FALSY = {"0", "off", "no", "false"}
_RPM_PINNED = re.compile(r"-\d|\.rpm$")
_ZYPPER_PINNED = re.compile(r"[=<>]|\.rpm$")
_APT_LISTS = ("/var/lib/apt/lists",)
_YUM_CACHE = ("/var/cache/yum", "/var/cache/dnf", "/var/cache/libdnf5")


# --- apt -----------------------------------------------------------------------------


@each_run
def apt_unpinned(run: Run) -> Iterator[str]:
    yield from _unpinned(run, "apt-get")


@each_run
def apt_without_yes(run: Run) -> Iterator[str]:
    """apt-get install that would ask: no -y/--yes/--assume-yes and fewer than two -q."""
    for args in _verb_calls(run, ("apt-get",), {"install"}):
        if not _apt_assumes_yes(args):
            yield ""


@each_run
def apt_recommends(run: Run) -> Iterator[str]:
    for args in _verb_calls(run, ("apt-get",), {"install"}):
        if "--no-install-recommends" not in args and not any(
            re.search(r"Install-Recommends=(?:false|0|no)", a, re.I) for a in args
        ):
            yield ""


@each_run
def apt_not_apt_get(run: Run) -> Iterator[str]:
    if any(name == "apt" and args for name, args in _calls(run, ("apt",))):
        yield ""


@each_run
def apt_update_alone(run: Run) -> Iterator[str]:
    """`apt-get update` with nothing installed after it in the same RUN."""
    verbs = [args[_verb_at(args)] for _, args in _calls(run, _APT) if _verb_at(args) >= 0]
    if "update" in verbs and not {"install", "upgrade", "dist-upgrade", "full-upgrade"} & set(
        verbs[verbs.index("update") :]
    ):
        yield ""


def apt_lists_kept(ctx: Context) -> Iterator[Hit]:
    """apt-get update/install in a shipped stage with /var/lib/apt/lists left behind.

    A stage that no later stage builds FROM does not reach the final image; an ONBUILD RUN
    always reaches the child image.
    """
    shipped = _shipped_stages(ctx)
    for run in ctx.runs:
        if not (run.instruction.onbuild or run.stage.index in shipped):
            continue
        uses = _verb_calls(run, _APT, {"update", "install"})
        if any(True for _ in uses) and not _removes(run, _APT_LISTS) and not _apt_mounts(run):
            yield run.instruction, ""


# --- apk, pip, npm ---------------------------------------------------------------------


@each_run
def apk_unpinned(run: Run) -> Iterator[str]:
    yield from _unpinned(run, "apk")


@each_run
def apk_cache_kept(run: Run) -> Iterator[str]:
    if _mounted(run, ("/var/cache/apk",)):
        return
    for args in _verb_calls(run, ("apk",), {"add"}):
        if "--no-cache" not in args:
            yield ""


@each_run
def pip_unpinned(run: Run) -> Iterator[str]:
    yield from _unpinned(run, "pip")


@each_run
def pip_cache_kept(run: Run) -> Iterator[str]:
    """pip install without --no-cache-dir, a truthy PIP_NO_CACHE_DIR or a cache mount."""
    if _mounted(run, ("/root/.cache/pip",)):
        return
    env = dict(run.env)
    for words in run.commands:
        if words[0] == "export":
            env.update(w.split("=", 1) for w in words[1:] if "=" in w)
        name, args = _pip(words)
        prefix = dict(w.split("=", 1) for w in words[: len(words) - len(args)] if "=" in w)
        no_cache = prefix.get("PIP_NO_CACHE_DIR", env.get("PIP_NO_CACHE_DIR"))
        if name == "pip" and args[:1] == ("install",) and "--no-cache-dir" not in args:
            if no_cache is None or no_cache.lower() in _FALSY:
                yield ""


@each_run
def npm_unpinned(run: Run) -> Iterator[str]:
    yield from _unpinned(run, "npm")


# --- yum, dnf, zypper ------------------------------------------------------------------


@each_run
def yum_without_yes(run: Run) -> Iterator[str]:
    for args in _verb_calls(run, ("yum",), _YUM_INSTALL | {"module"}):
        if not _has_short_or_long(args, "y", "--assumeyes"):
            yield ""


@each_run
def yum_cache_kept(run: Run) -> Iterator[str]:
    yield from _cache_kept(run, ("yum",), _YUM_INSTALL)


@each_run
def yum_unpinned(run: Run) -> Iterator[str]:
    yield from _rpm_unpinned(run, ("yum",))


@each_run
def dnf_without_yes(run: Run) -> Iterator[str]:
    for args in _verb_calls(run, _DNF, _DNF_INSTALL | {"module", "group"}):
        if not _has_short_or_long(args, "y", "--assumeyes"):
            yield ""


@each_run
def dnf_cache_kept(run: Run) -> Iterator[str]:
    if not _mounted(run, _YUM_CACHE):
        yield from _cache_kept(run, _DNF, _DNF_INSTALL)


@each_run
def dnf_unpinned(run: Run) -> Iterator[str]:
    yield from _rpm_unpinned(run, _DNF)


@each_run
def zypper_interactive(run: Run) -> Iterator[str]:
    for args in _verb_calls(run, ("zypper",), _ZYPPER_INSTALL | {"remove", "rm"}):
        if not _has_short_or_long(args, "n", "--non-interactive", "--no-confirm", "-y"):
            yield ""


@each_run
def zypper_cache_kept(run: Run) -> Iterator[str]:
    if _mounted(run, ("/var/cache/zypp",)):
        return
    last_install = _last_index(run, ("zypper",), _ZYPPER_INSTALL)
    cleaned = _last_index(run, ("zypper",), {"clean", "cc"})
    if last_install >= 0 and cleaned < last_install:
        yield ""


@each_run
def zypper_unpinned(run: Run) -> Iterator[str]:
    for args in _verb_calls(run, ("zypper",), {"install", "in"}):
        names = [w for w in _operands(args) if not _ZYPPER_PINNED.search(w)]
        if names:
            yield ", ".join(names)


# --- helpers ---------------------------------------------------------------------------


def _unpinned(run: Run, manager: str) -> Iterator[str]:
    """The provenance judgement; `pipx install` is read as a pip install."""
    words = [_as_pip(list(w)) for w in run.commands]
    for found, names in unpinned(words):
        if found == manager:
            yield ", ".join(names)


def _as_pip(words: list[str]) -> list[str]:
    name, args = program(tuple(words))
    return ["pip", *args] if name == "pipx" else words


def _pip(words: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """("pip", args) for pip, pip3, pip3.12 and `python -m pip`; else ("", ())."""
    name, args = program(words)
    if name.startswith("python") and args[:2] == ("-m", "pip"):
        return "pip", args[2:]
    return ("pip", args) if re.fullmatch(r"pip(?:\d(?:\.\d+)?)?", name) else ("", ())


def _calls(run: Run, names: tuple[str, ...]) -> Iterator[tuple[str, tuple[str, ...]]]:
    for name, args in run.calls:
        if name in names:
            yield name, args


def _verb_at(args: tuple[str, ...]) -> int:
    return next((i for i, w in enumerate(args) if not w.startswith("-")), -1)


def _verb_calls(run: Run, names: tuple[str, ...], verbs: set[str]) -> Iterator[tuple[str, ...]]:
    """The arguments of each `manager [opts] verb ...` whose verb is in `verbs`."""
    for _, args in _calls(run, names):
        at = _verb_at(args)
        if at >= 0 and args[at] in verbs:
            yield args


def _operands(args: tuple[str, ...]) -> list[str]:
    """Package words after the verb (and after `module install`); `group` has none."""
    at = _verb_at(args)
    rest = list(args[at + 1 :])
    if args[at] in ("group", "groupinstall"):
        return []
    if args[at] == "module":
        rest = rest[1:] if rest[:1] and not rest[0].startswith("-") else rest
        rest = [w for w in rest if not w.startswith("-")]
        return [w for w in rest if ":" not in w]
    return [w for w in rest if not w.startswith(("-", "$"))]


def _rpm_unpinned(run: Run, names: tuple[str, ...]) -> Iterator[str]:
    for args in _verb_calls(run, names, {"install", "in", "module", "groupinstall"}):
        verb = args[_verb_at(args)]
        if verb == "module" and "install" not in args:
            continue
        words = _operands(args)
        if verb != "module":
            words = [w for w in words if not _RPM_PINNED.search(w)]
        if words:
            yield ", ".join(words)


def _cache_kept(run: Run, names: tuple[str, ...], verbs: set[str]) -> Iterator[str]:
    """An install with no `clean all` (or rm of the cache) after it in the same RUN."""
    last_install = _last_index(run, names, verbs)
    if last_install < 0:
        return
    cleaned = max(_last_index(run, names, {"clean"}), _last_rm(run, _YUM_CACHE))
    if cleaned < last_install:
        yield ""


def _last_index(run: Run, names: tuple[str, ...], verbs: set[str]) -> int:
    found = -1
    for i, (name, args) in enumerate(run.calls):
        at = _verb_at(args)
        if name in names and at >= 0 and args[at] in verbs:
            found = i
    return found


def _last_rm(run: Run, prefixes: tuple[str, ...]) -> int:
    found = -1
    for i, (name, args) in enumerate(run.calls):
        if name == "rm" and any(a.startswith(prefixes) for a in args):
            found = i
    return found


def _removes(run: Run, prefixes: tuple[str, ...]) -> bool:
    return _last_rm(run, prefixes) >= 0


def _mounted(run: Run, targets: tuple[str, ...]) -> bool:
    """A cache or tmpfs mount over one of `targets` keeps that directory out of the layer."""
    return any(
        mount.get("type") in ("cache", "tmpfs")
        and (mount.get("target") or mount.get("dst") or mount.get("destination", "")).rstrip("/")
        in targets
        for mount in run.mounts()
    )  # fmt: skip


def _apt_mounts(run: Run) -> bool:
    """Mounting the lists, or both /var/lib/apt and /var/cache/apt, keeps them out."""
    return _mounted(run, _APT_LISTS) or (
        _mounted(run, ("/var/lib/apt",)) and _mounted(run, ("/var/cache/apt",))
    )


def _apt_assumes_yes(args: tuple[str, ...]) -> bool:
    if _has_short_or_long(args, "y", "--yes", "--assume-yes", "--force-yes"):
        return True
    if any(re.search(r"Assume-Yes=(?:true|1|yes)", a, re.I) for a in args):
        return True
    quiet = 0
    for word in args:
        if word.startswith("-q="):
            quiet += int(word[3:]) if word[3:].isdigit() else 1
        elif word.startswith("--quiet"):
            quiet += int(word[8:]) if word[8:].isdigit() else 1
        elif re.fullmatch(r"-[a-zA-Z]+", word):
            quiet += word.count("q")
    return quiet >= 2


def _has_short_or_long(args: tuple[str, ...], short: str, *longs: str) -> bool:
    """`-y`, a bundle like `-yq`, or one of the long spellings."""
    return any(
        w in longs or (re.fullmatch(r"-[a-zA-Z]+", w) is not None and short in w[1:]) for w in args
    )


def _shipped_stages(ctx: Context) -> set[int]:
    """The final stage and every stage some later stage is built FROM."""
    shipped = {stage.parent for stage in ctx.stages if stage.parent is not None}
    if ctx.stages:
        shipped.add(ctx.stages[-1].index)
    return shipped
