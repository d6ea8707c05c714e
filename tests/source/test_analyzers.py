"""Content analyzers see claimed files during the layer pass and keep only facts."""

from __future__ import annotations

from dataclasses import dataclass

from dockwise.source import open_source
from dockwise.source.filetree import FileTree
from dockwise.source.selector import Selector
from tools.imagepack import ImageSpec, Member, write_oci_archive

ELF = b"\x7fELF" + b"\0" * 60
TOOL = ELF + b"\xff Go buildinf:" + b"x" * 100


@dataclass
class MarkerAnalyzer:
    """Claims ELF files and *.jar; records the size and whether a marker is inside."""

    name: str = "marker"
    globs: tuple[str, ...] = ("**/*.jar",)
    max_size: int = 1 << 20

    def claims(self, path: str, head: bytes) -> bool:
        return head.startswith((b"\x7fELF", b"PK"))

    def analyze(self, path: str, content: bytes) -> object | None:
        if b"BOOM" in content:
            raise ValueError("odd binary")
        return {"size": len(content), "go": b"Go buildinf:" in content}


def tree_of(tmp_path, layers, analyzer=None) -> FileTree:
    path = tmp_path / "image.tar"
    write_oci_archive(ImageSpec(layers=layers), path)
    image = open_source(str(path))
    selector = Selector.build({}, [analyzer or MarkerAnalyzer()])
    return FileTree.from_layers(layer.analyze(selector) for layer in image.layers)


def test_executables_and_globbed_archives_are_analyzed(tmp_path):
    layer = [
        Member("usr/bin/tool", TOOL, mode=0o755),
        Member("usr/lib/libx.so", ELF, mode=0o644),  # not executable, not globbed: unseen
        Member("opt/app.jar", b"PK\x03\x04" + b"z" * 50),
        Member("usr/bin/script", b"#!/bin/sh\necho hi\n", mode=0o755),  # seen, not claimed
    ]
    tree = tree_of(tmp_path, [layer])
    assert [f.path for f in tree.with_facts("marker")] == ["opt/app.jar", "usr/bin/tool"]
    tool = tree.file("usr/bin/tool")
    assert tool.facts["marker"] == {"size": len(TOOL), "go": True}
    assert tool.content is None  # facts only: the bytes are not kept
    assert tree.file("usr/lib/libx.so").facts == {}


def test_facts_follow_hard_links_and_whiteouts(tmp_path):
    base = [Member("bin/a", ELF, mode=0o755), Member("bin/b", kind="hardlink", target="bin/a")]
    top = [Member("bin/.wh.a")]
    tree = tree_of(tmp_path, [base, top])
    assert [f.path for f in tree.with_facts("marker")] == ["bin/b"]
    assert tree.file("bin/b").layer.index == 0


def test_analyzer_failure_is_a_warning(tmp_path):
    tree = tree_of(tmp_path, [[Member("bin/odd", ELF + b"BOOM", mode=0o755)]])
    assert list(tree.with_facts("marker")) == []
    assert any("cannot analyze (odd binary)" in w.message for w in tree.warnings)


def test_oversized_claimed_file_is_reported(tmp_path):
    big = [Member("bin/big", ELF * 100, mode=0o755)]
    tree = tree_of(tmp_path, [big], MarkerAnalyzer(max_size=100))
    assert list(tree.with_facts("marker")) == []
    assert any("over the size cap" in w.message for w in tree.warnings)


def test_dir_source_uses_the_same_analyzers(tmp_path):
    root = tmp_path / "rootfs"
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "tool").write_bytes(ELF)
    (root / "bin" / "tool").chmod(0o755)
    (root / "bin" / "link").symlink_to("/bin/tool")
    image = open_source(f"dir:{root}")
    selector = Selector.build({}, [MarkerAnalyzer()])
    tree = FileTree.from_layers(layer.analyze(selector) for layer in image.layers)
    assert [f.path for f in tree.with_facts("marker")] == ["bin/tool"]
    assert tree.lookup("bin/link").facts["marker"]["size"] == len(ELF)


def test_facts_history_keeps_deleted_and_overwritten_versions(tmp_path):
    layers = [
        [Member("bin/a", ELF, mode=0o755), Member("bin/b", ELF, mode=0o755)],
        [Member("bin/.wh.a"), Member("bin/b", ELF + b"v2", mode=0o755)],
        [Member("bin/c", ELF, mode=0o755)],
    ]
    tree = tree_of(tmp_path, layers)
    history = {
        (f.path, f.layer.index, hidden.index if hidden else None)
        for f, hidden in tree.facts_history("marker")
    }
    assert history == {("bin/a", 0, 1), ("bin/b", 0, 1), ("bin/b", 1, None), ("bin/c", 2, None)}
