"""Shell rules on RUN: sudo, cd, pipes without pipefail, curl and wget, and the
build-history rules (download-and-execute, chmod 777) applied to the Dockerfile's own text.

The history rules are the provenance module's functions, called on a `Step` built from the
RUN, so that `dockwise scan` (on the built image) and `dockwise lint` (on its source) can
never disagree about what counts as unverified code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from dockwise.dockerfile.stages import Context, Hit, Run
from dockwise.provenance import history
from dockwise.provenance.steps import Step

MAX_CHUNK = 2048  # characters of one command chain given to the history rules
_CHUNK = re.compile(r"[;&\n]+")
RunCheck = Callable[[Run], Iterable[str]]
_QUOTED = re.compile(r"'[^']*'|\"(?:[^\"\\]|\\.)*\"")
_PIPE = re.compile(r"(?<![|>])\|(?![|&])")  # not `||`, `>|` or `|&`
_NON_POSIX = re.compile(r"(?:pwsh|powershell|cmd)(?:\.exe)?$", re.I)
_PLAIN_SH = {"sh", "ash", "dash"}  # no pipefail option, or not one to rely on


def each_run(check: RunCheck) -> Callable[[Context], Iterator[Hit]]:
    """Lift a per-RUN check to a rule: at most one hit per RUN, details joined."""

    def rule(ctx: Context) -> Iterator[Hit]:
        for run in ctx.runs:
            details = list(dict.fromkeys(check(run)))
            if details:
                yield run.instruction, "; ".join(details)

    rule.__doc__ = check.__doc__
    rule.__name__ = check.__name__
    return rule


@each_run
def sudo(run: Run) -> Iterator[str]:
    """`sudo` as a command (installing the sudo package is fine)."""
    if any(words[0] == "sudo" for words in run.commands):
        yield ""


@each_run
def cd(run: Run) -> Iterator[str]:
    """`cd` as a command: the change lasts only for this RUN."""
    if any(words[0] == "cd" for words in run.commands):
        yield ""


@each_run
def download_execute(run: Run) -> Iterator[str]:
    for hit in history.download_execute(Step("RUN", _bounded(run.script))):
        yield hit[2]


@each_run
def chmod_777(run: Run) -> Iterator[str]:
    for hit in history.chmod_777(Step("RUN", _bounded(run.script))):
        yield hit[3]


def _bounded(script: str) -> str:
    """The script with each `;`/`&`/newline-separated chunk cut to MAX_CHUNK characters.

    The history patterns never match across those separators, but they are quadratic in
    the number of curl/wget words inside one chunk; real chunks are far below the cap.
    """
    if len(script) <= MAX_CHUNK:
        return script
    return "\n".join(chunk[:MAX_CHUNK] for chunk in _CHUNK.split(script))


def curl_and_wget(ctx: Context) -> Iterator[Hit]:
    """Once per stage, at the RUN where the second of the two tools appears."""
    for stage in ctx.stages:
        seen: set[str] = set()
        for run in (r for r in ctx.runs if r.stage is stage):
            before = len(seen)
            seen.update(name for name, _ in run.calls)
            seen &= {"curl", "wget"}
            if len(seen) == 2 and before < 2:
                yield run.instruction, ""
                break


def pipe_without_pipefail(ctx: Context) -> Iterator[Hit]:
    """A shell-form RUN with a pipe, under a shell that was not given `-o pipefail`."""
    for stage in ctx.stages:
        shell: tuple[str, ...] = ()
        for item in stage.body:
            if item.keyword == "SHELL" and item.exec_form and not item.onbuild:
                shell = item.exec_form
            elif item.keyword == "RUN" and item.exec_form is None and _has_pipe(item.script):
                if not _pipefail(shell):
                    yield item, ""


def _has_pipe(script: str) -> bool:
    return bool(_PIPE.search(_QUOTED.sub("''", script)))


def _pipefail(shell: tuple[str, ...]) -> bool:
    """True when the SHELL makes a pipe fail on any failure, or is not a POSIX shell."""
    if not shell:
        return False
    name = shell[0].replace("\\", "/").rsplit("/", 1)[-1]
    if _NON_POSIX.match(name):
        return True
    if name in _PLAIN_SH:
        return False
    options = shell[1:]
    return any(
        word.startswith("-") and not word.startswith("--") and word.endswith("o")
        and options[i + 1 : i + 2] == ("pipefail",)
        for i, word in enumerate(options)
    )  # fmt: skip
