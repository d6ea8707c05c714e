"""Origin: names, labels and annotations, build time and age."""

from datetime import UTC, date, datetime

import pytest

from dockwise.model import HistoryEntry, ImageInfo, RunConfig
from dockwise.provenance.origin import human_age, origin, parse_time

CLAMPED = "2023-11-14T22:13:20Z"  # SOURCE_DATE_EPOCH=1700000000, the shared test images
SCAN_DAY = date(2026, 11, 28)
TEST_IMAGE_LABELS = (("org.opencontainers.image.licenses", "MIT"),
                     ("org.opencontainers.image.source", "vetting-test-fixtures"))  # fmt: skip


def make_image(**changes) -> ImageInfo:
    history = tuple(
        HistoryEntry(line, CLAMPED, empty_layer=empty, layer_index=None if empty else i)
        for i, (line, empty) in enumerate([
            ("mmdebstrap --variant=minbase bookworm (SOURCE_DATE_EPOCH=1700000000)", False),
            ('CMD ["bash"]', True),
            ("/bin/sh -c apt-get install -y python3", False)])
    )  # fmt: skip
    fields = dict(source="debian-python.docker.tar", scheme="docker-archive",
                  repo_tags=("debian-python:latest",), os="linux", architecture="amd64",
                  created=CLAMPED, author="ocipack", history=history,
                  config=RunConfig(labels=TEST_IMAGE_LABELS))  # fmt: skip
    return ImageInfo(**{**fields, **changes})


def test_shared_test_image_age_and_clamp():
    found = origin(make_image(), SCAN_DAY)
    assert found.created == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert found.age_days == (SCAN_DAY - date(2023, 11, 14)).days == 1110
    assert human_age(found.age_days) == "3 years ago"
    assert "clamped" in found.created_note
    assert (found.registry, found.repository, found.tag) == ("docker.io", "library/debian-python",
                                                             "latest")  # fmt: skip
    assert not found.from_registry and found.platform == "linux/amd64"
    assert found.get("source") == "vetting-test-fixtures"
    assert found.get("licenses") == "MIT" and found.author == "ocipack"


def test_annotations_win_over_labels_and_legacy_names_are_read():
    labels = (("org.opencontainers.image.source", "https://github.com/base/image"),
              ("org.label-schema.vcs-ref", "0123abc"), ("maintainer", "Ops <ops@x.io>"),
              ("org.label-schema.vendor", "ACME"))  # fmt: skip
    annotations = (("org.opencontainers.image.source", "https://github.com/org/app"),)
    found = origin(make_image(config=RunConfig(labels=labels), annotations=annotations), SCAN_DAY)
    by_field = {m.field: (m.value, m.where) for m in found.metadata}
    assert by_field["source"] == ("https://github.com/org/app",
                                  "annotation org.opencontainers.image.source")  # fmt: skip
    assert by_field["revision"] == ("0123abc", "label org.label-schema.vcs-ref")
    assert by_field["maintainer"] == ("Ops <ops@x.io>", "label maintainer")
    assert by_field["vendor"] == ("ACME", "label org.label-schema.vendor")


def test_registry_reference():
    image = make_image(scheme="registry", source="ghcr.io/org/app:1.2", repo_tags=(),
                       manifest_digest="sha256:" + "a" * 64)  # fmt: skip
    found = origin(image, SCAN_DAY)
    assert (found.registry, found.repository, found.tag) == ("ghcr.io", "org/app", "1.2")
    assert found.from_registry and found.manifest_digest.endswith("a" * 64)


@pytest.mark.parametrize(
    ("created", "note"),
    [
        ("", "no build time recorded"),
        ("yesterday", "unreadable build time"),
        ("1970-01-01T00:00:00Z", "zeroed"),
        ("2099-01-01T00:00:00Z", "in the future"),
    ],
    ids=["missing", "unreadable", "epoch_zero", "future"],
)
def test_doubtful_build_times(created, note):
    found = origin(make_image(created=created, history=()), SCAN_DAY)
    assert note in found.created_note
    assert found.age_days is None  # a time that cannot date the build gives no age


def test_parse_time_nanoseconds_and_offsets():
    assert parse_time("2024-03-01T10:00:00.123456789Z") == datetime(
        2024, 3, 1, 10, 0, 0, 123456, tzinfo=UTC)  # fmt: skip
    assert parse_time("2024-03-01T12:00:00+02:00").astimezone(UTC).hour == 10
