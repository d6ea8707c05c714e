"""Rules on instructions and stages: base image pinning, USER, WORKDIR, EXPOSE, ADD,
COPY --from, stage names, CMD/ENTRYPOINT form and count, HEALTHCHECK, credentials.

Each function takes the whole `Context` and yields `(instruction, detail)` hits.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dockwise.dockerfile.parser import Instruction
from dockwise.dockerfile.stages import Context, Hit, Stage, assignments
from dockwise.provenance import history
from dockwise.provenance.steps import Step, is_secret

_ARCHIVE = re.compile(r"\.(?:tar|t?gz|tgz|bz2|tbz2?|xz|txz|zst|tzst|lz4|lzma|Z)$", re.I)
_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@)", re.I)
_IMAGE_REF = re.compile(r"[:/@]")  # never in a stage name: only an image reference has them
_WINDOWS_ABS = re.compile(r"^[A-Za-z]:[\\/]")
_MAX_PORT = 65535
_PLACEHOLDER = "value"  # any literal: lets the secret-name test judge a bare `ARG NAME`


def untagged_base(ctx: Context) -> Iterator[Hit]:
    """FROM an image with neither tag nor digest (not scratch, not a stage, not $ARG)."""
    for stage in _from_stages(ctx):
        image = stage.image
        if "$" in image or image.lower() == "scratch" or _is_stage(image, ctx, stage.index):
            continue
        if "@" not in image and ":" not in image.rsplit("/", 1)[-1]:
            yield stage.start, image


def latest_base(ctx: Context) -> Iterator[Hit]:
    """FROM image:latest without a digest to hold it still."""
    for stage in _from_stages(ctx):
        if "@" not in stage.image and stage.image.rsplit("/", 1)[-1].endswith(":latest"):
            yield stage.start, stage.image


def root_user(ctx: Context) -> Iterator[Hit]:
    """The last USER of the final stage, following the stages it is built on."""
    stage: Stage | None = ctx.stages[-1] if ctx.stages else None
    seen = set()
    while stage is not None and stage.index not in seen:
        seen.add(stage.index)
        users = [i for i in stage.body if i.keyword == "USER" and not i.onbuild]
        if users:
            name = users[-1].args.strip().partition(":")[0]
            if name in ("root", "0"):
                yield users[-1], ""
            return
        stage = ctx.stages[stage.parent] if stage.parent is not None else None


def maintainer(ctx: Context) -> Iterator[Hit]:
    yield from ((i, "") for i in ctx.instructions if i.keyword == "MAINTAINER")


def relative_workdir(ctx: Context) -> Iterator[Hit]:
    """Absolute: `/x`, `$VAR` (unknown here), `C:\\` or `C:/` on Windows."""
    for item in _keyword(ctx, "WORKDIR"):
        path = item.args.strip().strip("\"'")
        if path and not (path.startswith(("/", "$")) or _WINDOWS_ABS.match(path)):
            yield item, path


def invalid_port(ctx: Context) -> Iterator[Hit]:
    for item in _keyword(ctx, "EXPOSE"):
        for word in item.args.split():
            ports = word.partition("/")[0].split("-")
            if any(p.isdigit() and int(p) > _MAX_PORT for p in ports):
                yield item, word
                break


def add_local_file(ctx: Context) -> Iterator[Hit]:
    """ADD of a source that is neither a URL nor an archive ADD would unpack."""
    for item in _keyword(ctx, "ADD"):
        if item.heredocs:
            continue
        words = list(item.exec_form) if item.exec_form else item.args.split()
        sources = [w.strip("\"'") for w in words[:-1]]
        local = [s for s in sources if not _URL.match(s) and not _ARCHIVE.search(s)]
        if local:
            yield item, ", ".join(local[:3])


def add_url_without_checksum(ctx: Context) -> Iterator[Hit]:
    for item in _keyword(ctx, "ADD"):
        flags = " ".join(f"--{key}={value}" for key, value in item.flags)
        for hit in history.add_from_url(Step("ADD", f"{flags} {item.args}".strip())):
            yield item, hit[3]


def copy_from_undefined(ctx: Context) -> Iterator[Hit]:
    """`--from=N` past the current stage, or a name no stage so far defines (hadolint DL3022).

    A reference with `:`, `/` or `@` is an image, which BuildKit pulls; a bare unknown word
    is far more often a misspelt stage (`builder` for `build`) than an untagged image.
    """
    for stage, item, source in _copies_from(ctx):
        if source.isdigit():
            if int(source) >= stage.index:
                yield item, source
        elif not _IMAGE_REF.search(source) and not _is_stage(source, ctx, stage.index + 1):
            yield item, source


def copy_from_self(ctx: Context) -> Iterator[Hit]:
    for stage, item, source in _copies_from(ctx):
        if stage.name and source.lower() == stage.name:
            yield item, source


def duplicate_stage_name(ctx: Context) -> Iterator[Hit]:
    seen: set[str] = set()
    for stage in _from_stages(ctx):
        if stage.name in seen:
            yield stage.start, stage.name
        elif stage.name:
            seen.add(stage.name)


def shell_form_command(ctx: Context) -> Iterator[Hit]:
    for item in ctx.instructions:
        if item.keyword in ("CMD", "ENTRYPOINT") and item.exec_form is None and item.args:
            yield item, item.keyword
        elif item.keyword == "HEALTHCHECK" and _healthcheck_shell_form(item):
            yield item, "HEALTHCHECK CMD"


def multiple_cmd(ctx: Context) -> Iterator[Hit]:
    yield from _repeated(ctx, "CMD")


def multiple_entrypoint(ctx: Context) -> Iterator[Hit]:
    yield from _repeated(ctx, "ENTRYPOINT")


def missing_healthcheck(ctx: Context) -> Iterator[Hit]:
    """The final stage, or a stage it is built on, should say HEALTHCHECK (even NONE)."""
    if not ctx.stages or ctx.stages[-1].start is None:
        return  # no FROM: not an image (or not a Dockerfile at all)
    stage: Stage | None = ctx.stages[-1]
    seen = set()
    while stage is not None and stage.index not in seen:
        seen.add(stage.index)
        if any(i.keyword == "HEALTHCHECK" and not i.onbuild for i in stage.body):
            return
        stage = ctx.stages[stage.parent] if stage.parent is not None else None
    yield ctx.stages[-1].start, ""


def build_secret(ctx: Context) -> Iterator[Hit]:
    """A credential-named ARG or ENV: a literal value is readable in the image, and a
    value given with --build-arg is recorded in its history."""
    for item in ctx.instructions:
        if item.keyword not in ("ARG", "ENV"):
            continue
        literal = [hit[3] for hit in history.build_secrets(Step(item.keyword, item.args))]
        if literal:
            yield item, ", ".join(literal)
            continue
        names = [n for n, v in assignments(item) if not v and is_secret(n, _PLACEHOLDER)]
        if names:
            yield item, ", ".join(names)


def _from_stages(ctx: Context) -> Iterator[Stage]:
    return (stage for stage in ctx.stages if stage.start is not None and stage.image)


def _is_stage(name: str, ctx: Context, before: int) -> bool:
    """Whether one of the first `before` stages is called `name` (names ignore case)."""
    return any(s.name == name.lower() for s in ctx.stages[:before])


def _keyword(ctx: Context, keyword: str) -> Iterator[Instruction]:
    return (item for item in ctx.instructions if item.keyword == keyword)


def _copies_from(ctx: Context) -> Iterator[tuple[Stage, Instruction, str]]:
    for stage in ctx.stages:
        for item in stage.body:
            source = item.flag("from") if item.keyword == "COPY" else None
            if source and "$" not in source:
                yield stage, item, source


def _repeated(ctx: Context, keyword: str) -> Iterator[Hit]:
    """Every occurrence after the first in one stage (ONBUILD ones belong to children)."""
    for stage in ctx.stages:
        found = [i for i in stage.body if i.keyword == keyword and not i.onbuild]
        yield from ((item, "") for item in found[1:])


def _healthcheck_shell_form(item: Instruction) -> bool:
    """HEALTHCHECK [--options] CMD command, where command is not a JSON array."""
    words = item.args.split()
    at = next((i for i, w in enumerate(words) if not w.startswith("--")), None)
    if at is None or words[at].upper() != "CMD":
        return False
    rest = item.args.split(words[at], 1)[1].strip()
    return not rest.startswith("[")
