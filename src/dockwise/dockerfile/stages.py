"""A parsed Dockerfile seen as build stages, and each RUN with what it can see.

Rules about stages (aliases, `COPY --from`, the last USER, inherited HEALTHCHECK) and
rules about shell commands (which need the ENV/ARG values in scope to expand
`git-core-$version`) both start from here, so the scoping is decided once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from dockwise.dockerfile.parser import Dockerfile, Instruction, expand
from dockwise.provenance.steps import commands

Hit = tuple[Instruction, str]  # where a rule fired, and a detail for the title ("" for none)
_WRAPPERS = frozenset({"sudo", "env", "exec", "command", "nohup", "time"})
_ASSIGNMENT = re.compile(r"[A-Za-z_]\w*=")
_PAIR = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(\"(?:[^\"\\]|\\.)*\"|'[^']*'|\S*)")


@dataclass(frozen=True, slots=True)
class Stage:
    """One `FROM` and the instructions up to the next (index 0 may have no FROM)."""

    index: int
    name: str  # the `AS` alias, lower-case; "" when unnamed
    image: str  # the base as written; "" for instructions before any FROM
    parent: int | None  # the stage this one builds on, when its base is a stage
    start: Instruction | None  # the FROM instruction
    body: tuple[Instruction, ...]


@dataclass(frozen=True, slots=True)
class Run:
    """A RUN (or ONBUILD RUN) with its commands split and its variables expanded."""

    instruction: Instruction
    stage: Stage
    commands: tuple[tuple[str, ...], ...]
    env: tuple[tuple[str, str], ...]  # ENV and ARG values in scope, inherited ones first
    calls: tuple[tuple[str, tuple[str, ...]], ...] = ()  # program() of each command

    @property
    def script(self) -> str:
        return self.instruction.script

    def mounts(self) -> list[dict[str, str]]:
        """The `--mount=type=...,target=...` options as dicts."""
        found = []
        for key, value in self.instruction.flags:
            if key == "mount":
                found.append(dict(_option(part) for part in value.split(",")))
        return found


@dataclass(frozen=True, slots=True)
class Context:
    """Everything a rule may look at."""

    dockerfile: Dockerfile
    stages: tuple[Stage, ...]
    runs: tuple[Run, ...]

    @property
    def instructions(self) -> tuple[Instruction, ...]:
        return self.dockerfile.instructions


def context(dockerfile: Dockerfile) -> Context:
    """Split into stages and prepare every RUN once."""
    stages = tuple(_stages(dockerfile.instructions))
    runs = tuple(run for stage in stages for run in _runs(stage, stages))
    return Context(dockerfile, stages, runs)


def assignments(instruction: Instruction) -> list[tuple[str, str]]:
    """NAME=value pairs of ENV/ARG/LABEL (quotes removed); `ENV NAME value` and a bare
    `ARG NAME` (value "") too."""
    args = instruction.args
    pairs = [(name, _unquote(value)) for name, value in _PAIR.findall(args)]
    if pairs:
        return pairs
    name, _, value = args.partition(" ")
    if instruction.keyword == "ENV" and value.strip():
        return [(name, _unquote(value.strip()))]
    return [(word, "") for word in args.split()] if instruction.keyword == "ARG" else []


def program(words: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """The command's name (basename) and its arguments, past `sudo`, `env`, `VAR=x`."""
    i = 0
    while i < len(words) and (words[i] in _WRAPPERS or _ASSIGNMENT.match(words[i])):
        i += 1
    if i >= len(words):
        return "", ()
    return words[i].rsplit("/", 1)[-1], words[i + 1 :]


def _stages(instructions: tuple[Instruction, ...]) -> Iterator[Stage]:
    names: dict[str, int] = {}
    start: Instruction | None = None
    body: list[Instruction] = []
    index = 0
    for item in instructions:
        if item.keyword == "FROM" and not item.onbuild:
            if start is not None or body:
                yield _stage(index, start, body, names)
                index += 1
            start, body = item, []
        else:
            body.append(item)
    if start is not None or body:
        yield _stage(index, start, body, names)


def _stage(index: int, start: Instruction | None, body: list, names: dict[str, int]) -> Stage:
    words = start.args.split() if start else []
    image = words[0] if words else ""
    name = words[2].lower() if len(words) >= 3 and words[1].lower() == "as" else ""
    parent = names.get(image.lower())
    if name:
        names.setdefault(name, index)
    return Stage(index, name, image, parent, start, tuple(body))


def _runs(stage: Stage, stages: tuple[Stage, ...]) -> Iterator[Run]:
    env = _inherited_env(stage, stages)
    for item in stage.body:
        if item.keyword in ("ENV", "ARG") and not item.onbuild:
            for name, value in assignments(item):
                if value or name not in env:
                    env[name] = expand(value, env)
        elif item.keyword == "RUN":
            script = expand(item.script, env)
            words = tuple(tuple(words) for words in commands(script))
            calls = tuple(program(w) for w in words)
            yield Run(item, stage, words, tuple(env.items()), calls)


def _inherited_env(stage: Stage, stages: tuple[Stage, ...]) -> dict[str, str]:
    """ENV set by the stages this one is built on (ARG does not cross a FROM)."""
    chain = []
    seen = set()
    parent = stage.parent
    while parent is not None and parent not in seen and parent < len(stages):
        seen.add(parent)
        chain.append(stages[parent])
        parent = stages[parent].parent
    env: dict[str, str] = {}
    for ancestor in reversed(chain):
        for item in ancestor.body:
            if item.keyword == "ENV" and not item.onbuild:
                env.update(assignments(item))
    return env


def _option(part: str) -> tuple[str, str]:
    key, _, value = part.partition("=")
    return key.strip().lower(), value.strip()


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value
