"""Which package installs in a shell command name a version, per package manager.

Version syntax: apt `pkg=1.2-3` (apt-get(8)), apk `pkg=1.2-r0` or `pkg~1.2` (apk-world(5)),
pip `pkg==1.2` (PEP 440 `==`/`===`, or a direct `pkg @ url`), npm `pkg@1.2.3`. Words that
are variables (`$runDeps`), files, URLs or requirement files are not judged: the
history does not say what they expand to.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

# options that consume the next word, per manager
_VALUE_OPTIONS = {
    "apt-get": {"-o", "-t", "-c", "--option", "--target-release", "--config-file"},
    "apk": {"-t", "--virtual", "-X", "--repository", "--repositories-file", "-p", "--root",
            "--arch", "--cache-dir", "--keys-dir"},
    "pip": {"-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i",
            "--index-url", "--extra-index-url", "-f", "--find-links", "-t", "--target",
            "--prefix", "--root", "--platform", "--python-version", "--implementation",
            "--abi", "--src", "--upgrade-strategy", "--cache-dir", "--trusted-host", "--log",
            "--proxy", "--retries", "--timeout", "-C", "--config-settings", "--progress-bar",
            "--root-user-action", "--python", "--pip-args"},
    "npm": {"--prefix", "--registry", "-w", "--workspace", "--cache", "--omit", "--include",
            "--loglevel"},
}  # fmt: skip
_NOT_A_NAME = re.compile(
    r"^(?:\$|\d*[<>]|[./~]|\w+://|git\+|github:|file:)|\.(?:deb|apk|whl|tgz|zip|tar|tar\.gz)$"
)
# a version-control URL names a moving branch unless it carries a ref: `@v1` (pip), `#v1` (npm)
_VCS_URL = re.compile(r"^(?:git\+[a-z]+|git|hg\+[a-z]+|svn\+[a-z]+|bzr\+[a-z]+)://")
_VCS_REF = {"pip": re.compile(r"://[^#]*?[^/:]@[^/#]+(?:#|$)|@[^/#@]+(?:#|$)"),
            "npm": re.compile(r"#.+")}  # fmt: skip
_CONSTRAINTS = {"-c", "--constraint"}  # pip: the versions come from a constraints file
_NPM_TAGS = {"", "latest", "next"}


def unpinned(commands: list[list[str]]) -> Iterator[tuple[str, list[str]]]:
    """(manager, unpinned package names) for each install command that has any."""
    for words in commands:
        found = _install_args(words)
        if found is None:
            continue
        manager, args = found
        if manager == "pip" and any(a in _CONSTRAINTS or a.startswith("--constraint=")
                                    for a in args):  # fmt: skip
            continue
        names = [w for w in _packages(manager, args) if not _PINNED[manager](w)]
        names += _unpinned_vcs(manager, args)
        if names:
            yield manager, names


def _install_args(words: list[str]) -> tuple[str, list[str]] | None:
    """The manager and the words after its install verb, or None for other commands."""
    words = _strip_wrappers(words)
    if len(words) < 2:
        return None
    head = words[0].rsplit("/", 1)[-1]
    if head.startswith("python") and words[1:3] == ["-m", "pip"]:
        head, words = "pip", words[2:]
    manager = _manager(head)
    verbs = {"apt-get": ("install",), "apk": ("add",), "pip": ("install",),
             "npm": ("install", "i", "add")}  # fmt: skip
    rest = [w for w in words[1:]]
    verb_at = next((i for i, w in enumerate(rest) if not w.startswith("-")), None)
    if manager is None or verb_at is None or rest[verb_at] not in verbs[manager]:
        return None
    return manager, rest[:verb_at] + rest[verb_at + 1 :]


def _manager(head: str) -> str | None:
    if head in ("apt-get", "apt", "aptitude"):
        return "apt-get"
    if head == "apk":
        return "apk"
    if re.fullmatch(r"pip(?:\d(?:\.\d+)?)?", head):
        return "pip"
    return "npm" if head == "npm" else None


def _strip_wrappers(words: list[str]) -> list[str]:
    """Drop `sudo`, `env A=b`, `DEBIAN_FRONTEND=noninteractive` before the command."""
    i = 0
    while i < len(words) and (words[i] in ("sudo", "env", "exec", "command") or
                              re.fullmatch(r"[A-Za-z_]\w*=\S*", words[i])):  # fmt: skip
        i += 1
    return words[i:]


def _packages(manager: str, args: list[str]) -> Iterator[str]:
    skip_next = False
    for word in args:
        if word.startswith("$(") or "`" in word:
            return  # a command substitution: what follows is not ours to judge
        if skip_next:
            skip_next = False
        elif word in _VALUE_OPTIONS[manager]:
            skip_next = True
        elif not word.startswith("-") and not _NOT_A_NAME.search(word):
            yield word


def _unpinned_vcs(manager: str, args: list[str]) -> list[str]:
    """VCS URLs without a ref (pip `@ref`, npm `#ref`) install whatever the branch is."""
    if manager not in _VCS_REF:
        return []
    return [w for w in args if _VCS_URL.match(w) and not _VCS_REF[manager].search(w)]


def _npm_pinned(word: str) -> bool:
    at = word.find("@", 1)  # a leading @ is a scope
    return at > 0 and word[at + 1 :] not in _NPM_TAGS


_PINNED: dict[str, Callable[[str], bool]] = {
    "apt-get": lambda w: "=" in w,
    "apk": lambda w: "=" in w or "~" in w or "<" in w or ">" in w,
    "pip": lambda w: "==" in w or "@" in w or "/" in w,  # a name has no `/`: a local path
    "npm": _npm_pinned,
}
