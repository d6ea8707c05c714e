"""Rust binaries with cargo-auditable `.dep-v0` sections, per the corpus cases."""

from __future__ import annotations

import pytest
from analyze.elfgen import dep_v0, make_elf
from binary_corpus import binary_cases, names_versions
from binary_image import Member, inventory_of

from dockwise.catalog.rust import RustBinaryCataloger

CASES = binary_cases("rust")


def _binary(case: dict) -> bytes:
    """A .dep-v0 listing the case's crates, the first marked as the root crate."""
    crates = [
        {"name": p["name"], "version": p["version"], "source": "crates.io", "root": i == 0}
        for i, p in enumerate(case["packages"])
    ]
    return make_elf(sections={".dep-v0": dep_v0(crates)})


ELF_CASES = sorted(c for c in CASES if not c.endswith((".exe", ".macho")))


def test_only_pe_and_macho_cases_are_left_out():
    """PE and Mach-O Rust binaries are not read (ELF only): at most those are uncovered."""
    assert len(CASES) - len(ELF_CASES) <= 2


@pytest.mark.parametrize("case", ELF_CASES, ids=lambda c: c.split("__")[-1].replace(".", "_"))
def test_corpus_case(tmp_path, case):
    data = _binary(CASES[case])
    inventory = inventory_of(tmp_path, [[Member("usr/bin/app", data, mode=0o755)]],
                             (RustBinaryCataloger(),))  # fmt: skip
    got = sorted((p.name, p.version) for p in inventory.packages)
    assert got == names_versions(CASES[case]["packages"])
    assert all(p.purl == f"pkg:cargo/{p.name}@{p.version}" for p in inventory.packages)


def test_root_and_source_in_metadata(tmp_path):
    crates = [
        {"name": "app", "version": "0.1.0", "source": "local", "root": True},
        {"name": "serde", "version": "1.0.217", "source": "crates.io", "kind": "build"},
    ]
    data = make_elf(sections={".dep-v0": dep_v0(crates)})
    inventory = inventory_of(tmp_path, [[Member("app", data, mode=0o755)]])
    meta = {p.name: dict(p.metadata) for p in inventory.packages if p.type == "cargo"}
    assert meta == {"app": {"source": "local", "kind": "runtime", "relationship": "root"},
                    "serde": {"source": "crates.io", "kind": "build"}}  # fmt: skip


@pytest.mark.parametrize(
    "section", [b"not zlib", b"x\x9c" + b"\0" * 10], ids=["not_zlib", "truncated_zlib"]
)
def test_damaged_dep_v0_is_a_warning(tmp_path, section):
    data = make_elf(sections={".dep-v0": section})
    inventory = inventory_of(tmp_path, [[Member("app", data, mode=0o755)]])
    assert any("elf: cannot analyze" in w.message for w in inventory.warnings)


def test_dep_v0_bomb_is_refused(tmp_path):
    import zlib

    data = make_elf(sections={".dep-v0": zlib.compress(b" " * (9 << 20))})
    inventory = inventory_of(tmp_path, [[Member("app", data, mode=0o755)]])
    assert any("inflates to over" in w.message for w in inventory.warnings)
