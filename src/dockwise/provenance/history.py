"""The build-history rules: how the software got into the image.

Each rule reads one history entry (see `steps` for the shapes) and yields Hits; the
history checker (`checks.history`) makes them findings, and the Dockerfile linter
applies some of them to a Dockerfile's instructions. The rules mirror what
reviewers look for in a Dockerfile (hadolint DL3008/DL3013/DL3018/DL3016 for pinning,
DL4006/SC2002-style pipe-to-shell advice, DL3020 for ADD from a URL), applied to what was
actually built rather than to a Dockerfile that may have changed since.
Secret values never leave this module unmasked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from dockwise.model import Severity
from dockwise.provenance.pinning import unpinned
from dockwise.provenance.steps import (
    Step,
    assignments,
    commands,
    is_secret,
)
from dockwise.security.masking import NAME_MASK

_FETCH = r"\b(?:curl|wget)\b"
_INTERPRETER = r"(?:\S*/)?(?:ba|da|z|k|a)?sh|python[0-9.]*|perl|ruby|node"
_PIPE_TO_SHELL = re.compile(
    rf"{_FETCH}[^|;&\n]*\|\s*(?:sudo\s+(?:-\S+\s+)*)?(?:{_INTERPRETER})\b(?!\.)"
)
_SINGLE_QUOTED = re.compile(r"'[^']*'")
_SUBST_TO_SHELL = re.compile(rf"\b(?:ba)?sh\s+(?:-\S+\s+)*(?:[\"']?\$\(|<\()\s*{_FETCH}")
# a checksum or signature check of a download (sha256sum -c, gpg --verify, ...)
_VERIFIED = re.compile(
    r"\b(?:sha(?:1|224|256|384|512)sum|md5sum|b2sum|shasum)\b[^;&|\n]*(?:\s-c\b|--check)"
    r"|\bgpgv\b|\bgpg\b[^;&|\n]*--verify|\bcosign\s+verify|\bminisign\b[^;&|\n]*\s-V"
    r"|\bopenssl\s+dgst\b[^;&|\n]*-verify|\bsignify\b[^;&|\n]*\s-C"
)
_CURL_OUT = re.compile(r"\bcurl\b[^;&|\n]*?(?:\s-[A-Za-z]*o\s*|\s--output[=\s]+)(\S+)")
_WGET_OUT = re.compile(r"\bwget\b[^;&|\n]*?(?:\s-[A-Za-z]*O\s*|\s--output-document[=\s]+)(\S+)")
_ADD_URL = re.compile(r"^(?:--\S+\s+)*(?:https?|ftp)://\S+")
_CHMOD_777 = re.compile(r"\bchmod\s+(?:-\S+\s+)*(?:0?777|a\+rwx|ugo\+rwx)\b")
_SHELLS = {"sh", "bash", "dash", "ash", "zsh", "ksh", "source", "."}


Hit = tuple[str, Severity, str, str]  # rule id, severity, title, matched excerpt


def download_execute(step: Step) -> Iterator[Hit]:
    """Code fetched and run in one go: nothing checked what was run."""
    if step.instruction != "RUN":
        return
    unquoted = _SINGLE_QUOTED.sub("''", step.text)  # 'text' is data, not a pipeline
    piped = _PIPE_TO_SHELL.search(unquoted) or _SUBST_TO_SHELL.search(step.text)
    if piped:
        # the piped bytes never touch disk, so no checksum elsewhere can have covered them
        yield (
            "provenance/download-execute", Severity.HIGH,
            "downloaded script piped into an interpreter without verification", piped.group(0),
        )  # fmt: skip
        return
    if _VERIFIED.search(step.text):
        return
    for path in _executed_downloads(step.text):
        yield (
            "provenance/download-execute", Severity.MEDIUM,
            f"downloaded file {path} executed without a checksum or signature check", path,
        )  # fmt: skip


def add_from_url(step: Step) -> Iterator[Hit]:
    """ADD <url>: fetched at build time, not pinned unless `--checksum` is given."""
    if step.instruction == "ADD" and "--checksum=" not in step.text:
        match = _ADD_URL.match(step.text)
        if match:
            yield ("provenance/add-url", Severity.MEDIUM,
                   "ADD from a URL without --checksum", match.group(0))  # fmt: skip


def build_secrets(step: Step) -> Iterator[Hit]:
    """Credentials given as ENV, ARG defaults or build args stay readable in the image."""
    pairs = assignments(step)
    pairs += re.findall(r"--build-arg[=\s]+([A-Za-z_]\w*)=(\S+)", step.text)
    for name, value in pairs:
        if is_secret(name, value.strip("\"'")):
            how = "build arg" if step.instruction in ("RUN", "") else step.instruction
            yield ("provenance/build-secret", Severity.HIGH,
                   f"{name} set as {how} with a literal value (kept in the image history)",
                   f"{name}={NAME_MASK}")  # fmt: skip


def chmod_777(step: Step) -> Iterator[Hit]:
    """World-writable without the sticky bit (1777 and friends are /tmp-like, fine)."""
    if step.instruction == "RUN":
        for match in _CHMOD_777.finditer(step.text):
            yield ("provenance/chmod-777", Severity.LOW,
                   "chmod makes a path world-writable", match.group(0))  # fmt: skip


def unpinned_packages(step: Step) -> Iterator[Hit]:
    """Installs whose result depends on the day of the build."""
    if step.instruction != "RUN":
        return
    for manager, names in unpinned(commands(step.text)):
        shown = ", ".join(names[:8]) + (f" (+{len(names) - 8})" if len(names) > 8 else "")
        yield ("provenance/unpinned-packages", Severity.LOW,
               f"{manager} installs without a pinned version: {shown}", shown)  # fmt: skip


RULES: tuple[Callable[[Step], Iterator[Hit]], ...] = (
    download_execute,
    add_from_url,
    build_secrets,
    chmod_777,
    unpinned_packages,
)


def _executed_downloads(script: str) -> list[str]:
    """Files written by curl -o / wget -O that a later command runs."""
    targets = {m.strip("\"'") for m in _CURL_OUT.findall(script) + _WGET_OUT.findall(script)}
    targets.discard("-")
    words = commands(script)
    return sorted(t for t in targets if any(_runs(cmd, t) for cmd in words))


def _runs(words: list[str], path: str) -> bool:
    """`path ...`, `./name ...`, `sh path`, `bash -x path`, `. path`."""
    base = path.rsplit("/", 1)[-1]
    first = words[0]
    if first in (path, f"./{base}"):
        return True
    return first in _SHELLS and any(w in (path, f"./{base}") for w in words[1:])
