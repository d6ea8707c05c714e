"""Base image: annotation, known layers, history, distro; and the growing catalogue."""

from dataclasses import replace
from datetime import date

from dockwise.model import Distro, HistoryEntry, ImageInfo, LayerRef, RunConfig
from dockwise.provenance import BaseCatalogue, KnownBase, lessons, provenance
from dockwise.provenance.base import (
    HIGH_ANNOTATION,
    HIGH_LAYERS,
    LOW_DISTRO,
    MEDIUM_HISTORY,
    MEDIUM_LEARNED,
    infer_base,
)
from dockwise.provenance.catalogue import default_path

BOOKWORM = Distro("debian", "12", codename="bookworm")
DAY = date(2026, 11, 28)
T = "2023-11-14T22:13:20Z"


def layers(n):
    return tuple(LayerRef(i, f"sha256:{i + 1:064x}") for i in range(n))


def built(*lines, annotations=(), labels=(), tags=("app:1",)) -> ImageInfo:
    """History lines; "(empty)" suffix makes an empty-layer entry."""
    history, index = [], 0
    for line in lines:
        empty = line.endswith("(empty)")
        text = line.removesuffix("(empty)").strip()
        history.append(
            HistoryEntry(text, T, empty_layer=empty, layer_index=None if empty else index)
        )
        index += 0 if empty else 1
    return ImageInfo("x", "docker-archive", repo_tags=tags, history=tuple(history),
                     layers=layers(index), annotations=annotations,
                     config=RunConfig(labels=labels))  # fmt: skip


DEBIAN_APP = (
    "/bin/sh -c #(nop) ADD file:" + "5d67" * 16 + " in / ",
    '/bin/sh -c #(nop)  CMD ["bash"] (empty)',
    "/bin/sh -c #(nop)  ENV LANG C.UTF-8 (empty)",
    "/bin/sh -c apt-get update && apt-get install -y ca-certificates",
    "COPY . /app # buildkit",
)


def test_history_base_of_a_docker_hub_style_image():
    base = infer_base(built(*DEBIAN_APP), BOOKWORM)
    assert (base.name, base.confidence) == ("debian:12", MEDIUM_HISTORY)
    assert [layer.index for layer in base.layers] == [0]
    assert base.created == T


def test_history_base_of_the_shared_test_images():
    image = built("mmdebstrap --variant=minbase bookworm (SOURCE_DATE_EPOCH=1700000000)",
                  'CMD ["bash"] (empty)', "/bin/sh -c apt-get install -y curl openssl")  # fmt: skip
    base = infer_base(image, BOOKWORM)
    assert (base.name, base.confidence, len(base.layers)) == ("debian:12", MEDIUM_HISTORY, 1)


def test_annotation_wins():
    annotations = (("org.opencontainers.image.base.name", "docker.io/library/python:3.12-slim"),
                   ("org.opencontainers.image.base.digest", "sha256:" + "b" * 64))  # fmt: skip
    base = infer_base(built(*DEBIAN_APP, annotations=annotations), BOOKWORM)
    assert (base.name, base.digest, base.confidence) == (
        "docker.io/library/python:3.12-slim", "sha256:" + "b" * 64, HIGH_ANNOTATION)  # fmt: skip
    assert ("annotation org.opencontainers.image.base.name",
            "docker.io/library/python:3.12-slim") in base.evidence  # fmt: skip


def test_distro_only_and_unknown():
    no_rootfs = built("/bin/sh -c make", "/bin/sh -c make install")
    low = infer_base(no_rootfs, Distro("alpine", "3.19.1"))
    assert (low.name, low.confidence) == ("alpine:3.19", LOW_DISTRO)
    unknown = infer_base(no_rootfs, None)
    assert unknown.name == "" and "no base annotation" in unknown.reason


def test_catalogue_learns_and_matches(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_path() == tmp_path / "dockwise" / "bases.json"
    base_image = built(DEBIAN_APP[0], DEBIAN_APP[1], tags=("my/debian:12",))
    prov = provenance(base_image, BOOKWORM, DAY)
    BaseCatalogue.load().learn(*lessons(base_image, prov, DAY)).save()
    assert not [p for p in (tmp_path / "dockwise").iterdir() if p.suffix == ".tmp"]

    app = built(*DEBIAN_APP)
    base = infer_base(app, BOOKWORM, BaseCatalogue.load())
    # the name is only what the scanned image called itself: never high, and said so
    assert (base.name, base.confidence, len(base.layers)) == ("my/debian:12", MEDIUM_LEARNED, 1)
    assert base.evidence == (
        ("catalogue", "1 identical layers, learned from image my/debian:12 scanned on 2026-11-28"),
    )
    # an image is never its own base
    assert infer_base(base_image, BOOKWORM, BaseCatalogue.load()).confidence == MEDIUM_HISTORY


def test_catalogue_prefers_the_longest_chain_and_survives_garbage(tmp_path):
    chain = tuple(layer.diff_id for layer in layers(4))
    catalogue = BaseCatalogue(tmp_path / "bases.json").learn(
        KnownBase("os", chain[:1]), KnownBase("runtime", chain[:3]), KnownBase("same", chain)
    )
    assert catalogue.match(chain).name == "runtime"
    catalogue.save()
    assert BaseCatalogue.load(tmp_path / "bases.json").match(chain).name == "runtime"
    (tmp_path / "bases.json").write_text("{broken")
    assert BaseCatalogue.load(tmp_path / "bases.json").entries == ()
    (tmp_path / "bases.json").write_text('{"format": 2, "bases": 5}')
    assert BaseCatalogue.load(tmp_path / "bases.json").entries == ()


def test_annotated_base_is_learned_with_its_layers(tmp_path):
    annotations = (("org.opencontainers.image.base.name", "python:3.12-slim"),)
    image = built(*DEBIAN_APP, annotations=annotations)
    learned = lessons(image, provenance(image, BOOKWORM, DAY), DAY)
    assert [(k.name, len(k.diff_ids)) for k in learned] == [("app:1", 3), ("python:3.12-slim", 1)]
    unnamed = replace(image, repo_tags=(), annotations=())
    assert lessons(unnamed, provenance(unnamed, BOOKWORM, DAY), DAY) == ()


def test_a_learned_name_never_outranks_or_replaces_a_trusted_base(tmp_path, monkeypatch):
    chain = tuple(layer.diff_id for layer in layers(3))
    trusted = KnownBase("debian:12", chain[:2], source="debian.tar", recorded="2026-11-01",
                        trusted=True)  # fmt: skip
    catalogue = BaseCatalogue(tmp_path / "bases.json").learn(trusted)
    # an image copying the trusted layers under its own names, and re-scanning the base
    evil = KnownBase("evil:1", chain[:2], source="image evil:1")
    catalogue = catalogue.learn(evil, KnownBase("debian:12", chain[:2], source="image debian:12"))
    assert catalogue.match(chain) == trusted
    assert BaseCatalogue(catalogue.path, (evil, trusted)).match(chain) == trusted  # any order
    monkeypatch.setattr("dockwise.provenance.catalogue.MAX_ENTRIES", 1)
    catalogue = catalogue.learn(KnownBase("newer", chain[:1]))  # evicts learned entries only
    catalogue.save()
    loaded = BaseCatalogue.load(tmp_path / "bases.json")
    assert [(k.name, k.trusted) for k in loaded.entries] == [("debian:12", True), ("newer", False)]
    app = replace(built(*DEBIAN_APP), layers=layers(3))
    base = infer_base(app, BOOKWORM, loaded)
    assert (base.name, base.confidence) == ("debian:12", HIGH_LAYERS)
    assert "trusted base (cache learn-base debian.tar, 2026-11-01)" in base.evidence[0][1]


def test_a_catalogue_of_the_old_format_is_forgotten(tmp_path):
    """Format 1 had no trusted flag: everything in it was learned from scans."""
    path = tmp_path / "bases.json"
    path.write_text('{"format": 1, "bases": [{"name": "a", "diff_ids": ["sha256:1"]}]}')
    assert BaseCatalogue.load(path).entries == ()
