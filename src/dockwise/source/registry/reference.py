"""Docker image references (`python:3.12-slim`, `ghcr.io/org/app@sha256:...`), normalised
as Docker normalises them.

Grammar: distribution's reference package
(https://github.com/distribution/reference/blob/main/reference.go). A first component
is a registry host only if it has a `.` or a `:` or is `localhost`; otherwise the image
is on Docker Hub, whose one-component names live under `library/`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dockwise.errors import SourceError

SCHEME = "registry"  # ImageInfo.scheme of an image read from a registry (registry/image.py)
DOCKER_HUB = "docker.io"
DOCKER_HUB_ENDPOINT = "registry-1.docker.io"  # where docker.io's API actually answers
_HUB_ALIASES = {"docker.io", "index.docker.io", "registry-1.docker.io"}
_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_HOST = re.compile(
    r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
    r"|\[[0-9a-fA-F:.]+\])(?::[0-9]{1,5})?"
)
_TAG = re.compile(r"[\w][\w.-]{0,127}")
_DIGEST = re.compile(r"sha256:[a-f0-9]{64}")
MAX_NAME = 255  # distribution's limit on the repository name


@dataclass(frozen=True, slots=True)
class Reference:
    """A parsed image reference; `digest` wins over `tag` when both are given."""

    domain: str  # "docker.io", "ghcr.io", "localhost:5000"
    repository: str  # "library/python"
    tag: str = ""
    digest: str = ""

    @classmethod
    def parse(cls, text: str) -> Reference:
        """Parse and normalise `text`; a SourceError names what is wrong with it."""
        rest, digest = _split_digest(text)
        rest, tag = _split_tag(rest)
        domain, repository = _split_domain(rest, text)
        if not digest and not tag:
            tag = "latest"
        return cls(domain, repository, tag, digest)

    @property
    def host(self) -> str:
        """The host[:port] that serves the registry API for this domain."""
        return DOCKER_HUB_ENDPOINT if self.domain == DOCKER_HUB else self.domain

    @property
    def name(self) -> str:
        """The fully qualified repository, as Docker prints it."""
        return f"{self.domain}/{self.repository}"

    @property
    def target(self) -> str:
        """What to ask the manifests endpoint for: the digest if pinned, else the tag."""
        return self.digest or self.tag

    def __str__(self) -> str:
        tag = f":{self.tag}" if self.tag else ""
        digest = f"@{self.digest}" if self.digest else ""
        return f"{self.name}{tag}{digest}"


def looks_like_reference(text: str) -> bool:
    """Whether `text` parses as an image reference (for a bare SOURCE argument)."""
    try:
        Reference.parse(text)
    except SourceError:
        return False
    return True


def _split_digest(text: str) -> tuple[str, str]:
    rest, at, digest = text.partition("@")
    if not at:
        return text, ""
    if not _DIGEST.fullmatch(digest):
        raise SourceError(f"{text}: invalid digest {digest!r} (expected sha256:<64 hex>)")
    return rest, digest


def _split_tag(text: str) -> tuple[str, str]:
    """A tag is after the last `:` that follows the last `/` (a port is not a tag)."""
    slash = text.rfind("/")
    colon = text.rfind(":")
    if colon <= slash:
        return text, ""
    tag = text[colon + 1 :]
    if not _TAG.fullmatch(tag):
        raise SourceError(f"{text}: invalid tag {tag!r}")
    return text[:colon], tag


def _split_domain(text: str, original: str) -> tuple[str, str]:
    first, slash, remainder = text.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        if not _HOST.fullmatch(first):
            raise SourceError(f"{original}: invalid registry host {first!r}")
        domain, path = first.lower(), remainder
    else:
        domain, path = DOCKER_HUB, text
    if domain in _HUB_ALIASES:
        domain = DOCKER_HUB
        if "/" not in path:
            path = f"library/{path}"
    _check_path(path, original)
    return domain, path


def _check_path(path: str, original: str) -> None:
    if not path or len(path) > MAX_NAME:
        raise SourceError(f"{original}: invalid repository name")
    for component in path.split("/"):
        if not _COMPONENT.fullmatch(component):
            raise SourceError(
                f"{original}: invalid repository name component {component!r} "
                "(lower-case letters, digits and . _ - only)"
            )
