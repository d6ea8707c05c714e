"""Where an image says it came from: its name, digests, build time and metadata.

Metadata is read from manifest annotations first and config labels second, because
annotations are attached when the image is pushed (OCI image-spec annotations.md,
https://github.com/opencontainers/image-spec/blob/main/annotations.md) while labels are
baked in by the Dockerfile and often inherited unchanged from the base image. The legacy
label-schema.org names (`org.label-schema.*`, http://label-schema.org/rc1/) and the
`maintainer` label that replaced the MAINTAINER instruction are read too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from dockwise.errors import SourceError
from dockwise.model import ImageInfo
from dockwise.source.registry.reference import Reference

OCI = "org.opencontainers.image."
LEGACY = "org.label-schema."
# field -> the keys that carry it, strongest first
METADATA_KEYS = {
    "source": (OCI + "source", LEGACY + "vcs-url"),
    "revision": (OCI + "revision", LEGACY + "vcs-ref"),
    "vendor": (OCI + "vendor", LEGACY + "vendor"),
    "authors": (OCI + "authors",),
    "maintainer": ("maintainer", "MAINTAINER", LEGACY + "maintainer"),
    "url": (OCI + "url", LEGACY + "url"),
    "documentation": (OCI + "documentation", LEGACY + "usage"),
    "version": (OCI + "version", LEGACY + "version"),
    "title": (OCI + "title", LEGACY + "name"),
    "description": (OCI + "description", LEGACY + "description"),
    "licenses": (OCI + "licenses",),
    "created": (OCI + "created", LEGACY + "build-date"),
    "base_name": (OCI + "base.name",),
    "base_digest": (OCI + "base.digest",),
}
# annotations sources put on an image to say which name it was read under
NAME_ANNOTATIONS = ("io.containerd.image.name", "io.dockwise.registry.resolved")
EPOCH_ZERO = date(1970, 1, 1)
CLAMPED_NOTE = "every history entry has the same time: likely clamped (SOURCE_DATE_EPOCH)"


@dataclass(frozen=True, slots=True)
class Metadata:
    """One provenance field and the annotation or label it was read from."""

    field: str  # "source", "revision", ...
    value: str
    where: str  # "annotation org.opencontainers.image.source" or "label maintainer"


@dataclass(frozen=True, slots=True)
class Origin:
    """The image's identity and self-description."""

    reference: str  # the name it was read under ("" when it has none)
    registry: str  # "docker.io", "ghcr.io"; "" when unnamed
    repository: str
    tag: str
    from_registry: bool  # False: the registry is only what the name implies
    manifest_digest: str
    config_digest: str
    platform: str  # "linux/arm64/v8"
    created: datetime | None
    age_days: int | None  # None when the recorded time cannot date the build
    created_note: str  # why age_days is None, or the caveat on it ("" when fine)
    author: str
    metadata: tuple[Metadata, ...]

    def get(self, name: str) -> str:
        """The value of one metadata field, or ""."""
        return next((m.value for m in self.metadata if m.field == name), "")


def origin(image: ImageInfo, today: date) -> Origin:
    """Everything the image says about where it came from, with its age on `today`."""
    reference, ref = _reference(image)
    created = parse_time(image.created)
    age_days, note = image_age(image, created, today)
    return Origin(
        reference=reference,
        registry=ref.domain if ref else "",
        repository=ref.repository if ref else "",
        tag=ref.tag if ref else "",
        from_registry=image.scheme == "registry",
        manifest_digest=image.manifest_digest,
        config_digest=image.config_digest,
        platform="/".join(p for p in (image.os, image.architecture, image.variant) if p),
        created=created,
        age_days=age_days,
        created_note=note,
        author=image.author,
        metadata=metadata(image),
    )


def metadata(image: ImageInfo) -> tuple[Metadata, ...]:
    """Each known field once, from the strongest place that carries it."""
    annotations = dict(image.annotations)
    labels = dict(image.config.labels)
    found = []
    for name, keys in METADATA_KEYS.items():
        hit = _first(annotations, keys, "annotation") or _first(labels, keys, "label")
        if hit:
            found.append(Metadata(name, *hit))
    return tuple(found)


def parse_time(text: str) -> datetime | None:
    """RFC 3339 as image configs write it, nanoseconds included ("...20.123456789Z")."""
    text = text.strip()
    if not text:
        return None
    head, dot, rest = text.partition(".")
    if dot:  # Python parses at most microseconds
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = f"{head}.{rest[: min(digits, 6)]}{rest[digits:]}"
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def image_age(image: ImageInfo, created: datetime | None, today: date) -> tuple[int | None, str]:
    """Days since the build and the note on them: the one place the age is decided, so the
    answers and the policy never disagree. A zeroed or future time gives no age (the note
    says why); a clamped one still dates the content, and the note is its caveat."""
    if created is None:
        return None, "no build time recorded" if not image.created else "unreadable build time"
    if created.date() <= EPOCH_ZERO:
        return None, "build time zeroed (reproducible build): age unknown"
    if created.date() > today:
        return None, "build time is in the future: clock or clamp error"
    stamps = {h.created for h in image.history if h.created}
    clamped = len(image.history) > 1 and stamps == {image.created}
    return (today - created.date()).days, CLAMPED_NOTE if clamped else ""


def human_age(days: int) -> str:
    """Say how long ago: "3 years ago", "5 months ago", "12 days ago"."""
    for unit, size in (("year", 365), ("month", 30), ("day", 1)):
        if days >= size:
            count = days // size
            return f"{count} {unit}{'s' if count > 1 else ''} ago"
    return "today"


def _reference(image: ImageInfo) -> tuple[str, Reference | None]:
    names = [*image.repo_tags, *(v for k, v in image.annotations if k in NAME_ANNOTATIONS)]
    if image.scheme == "registry":
        names.insert(0, image.source)
    for name in names:
        try:
            return name, Reference.parse(name)
        except SourceError:
            continue
    return (names[0] if names else ""), None


def _first(values: dict[str, str], keys: tuple[str, ...], kind: str) -> tuple[str, str] | None:
    for key in keys:
        if values.get(key, "").strip():
            return values[key].strip(), f"{kind} {key}"
    return None
