"""ELF facts from synthetic files, cross-checked with pyelftools on real binaries."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from analyze.elfgen import make_elf
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile

from dockwise.analyze.elf import ElfAnalyzer, ElfError, elf_facts
from dockwise.analyze.script import ScriptAnalyzer

INTERP = "/lib64/ld-linux-x86-64.so.2"


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (dict(interp=INTERP, needed=("libc.so.6",)),
         dict(type="exec", linkage="dynamic", interpreter=INTERP, needed=["libc.so.6"])),
        (dict(etype=3, interp=INTERP, needed=("libc.so.6",), pie=True),
         dict(type="pie", linkage="dynamic")),
        (dict(etype=3, needed=("libc.so.6",), soname="libx.so.1"),
         dict(type="dyn", linkage="dynamic", soname="libx.so.1")),
        (dict(), dict(type="exec", linkage="static", language="c", stripped=True)),
        (dict(sections={".symtab": b"\0" * 24}), dict(stripped=False)),
        (dict(bits=32, big_endian=True, machine=20), dict(arch="ppc", endian="big")),
        (dict(machine=183), dict(arch="arm64", **{"class": 64})),
        (dict(sections={".comment": b"rustc version 1.75.0\0"}), dict(language="rust")),
    ],
    ids=["exec_dynamic", "pie", "shared_library", "static", "not_stripped", "ppc32_big",
         "arm64", "rust_comment"],
)  # fmt: skip
def test_header_facts(kwargs, expected):
    facts = elf_facts("bin/x", make_elf(**kwargs))
    assert {k: facts.get(k) for k in expected} == expected


def test_sha256_is_of_the_whole_file():
    import hashlib

    data = make_elf() + b"\0" * 100_000
    assert str(elf_facts("x", data)["sha256"]) == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("path", "rodata", "expected"),
    [
        ("usr/lib/libcrypto.so.3", b"\0OpenSSL 3.0.11 19 Sep 2023\0", {"openssl": "3.0.11"}),
        ("usr/lib/libcrypto.so.1.1", b"x\0OpenSSL 1.1.1w  11 Sep 2023\0", {"openssl": "1.1.1w"}),
        ("usr/bin/node", b"OpenSSL 3.0.13+quic 30 Jan 2024\0" b"/download/release/v20.11.0/",
         {"openssl": "3.0.13", "node": "20.11.0"}),
        ("bin/busybox", b"\0BusyBox v1.36.1 (2023-11-07) multi-call binary.\0",
         {"busybox": "1.36.1"}),
        ("usr/bin/python3.11", b"\0/build/Python-3.11.2\0", {"python": "3.11.2"}),
        ("usr/lib/libruby.so.3.3", b"ruby 3.3.0p0 (2023-12-25 revision 5124f9ac75)\0",
         {"ruby": "3.3.0"}),
        ("usr/bin/tool", b"OpenSSL is great\0/download/release/v1.2.3/", None),
    ],
    ids=["openssl3", "openssl111", "node", "busybox", "python", "ruby", "no_banner"],
)  # fmt: skip
def test_version_banners(path, rodata, expected):
    facts = elf_facts(path, make_elf(sections={".rodata": rodata}))
    assert facts.get("versions") == expected


@pytest.mark.parametrize(
    "data",
    [b"\x7fELF", b"\x7fELF\x09\x01" + b"\0" * 60, make_elf()[:60], b"\x7fELF" + b"\xff" * 200],
    ids=["magic_only", "bad_class", "truncated_header", "garbage"],
)
def test_malformed_files_raise_elf_error_or_give_partial_facts(data):
    try:
        facts = elf_facts("x", data)
    except ElfError:
        return
    assert isinstance(facts, dict)  # readable header, damaged tables: what could be read


def test_truncated_tables_do_not_crash():
    data = make_elf(interp=INTERP, needed=("libc.so.6",), sections={".rodata": b"x" * 64})
    for cut in range(64, len(data), 7):
        try:
            elf_facts("x", data[:cut])
        except ElfError:
            pass


def test_claims_elf_heads_and_globs_shared_libraries():
    analyzer = ElfAnalyzer()
    assert analyzer.claims("usr/bin/x", b"\x7fELF\x02")
    assert not analyzer.claims("usr/bin/x", b"#!/bin/sh")
    assert "**/*.so" in analyzer.globs and "**/*.so.*" in analyzer.globs


def test_script_facts():
    facts = ScriptAnalyzer().analyze("usr/local/bin/x", b"#!/usr/bin/env python3\nprint(1)\n")
    assert facts["interpreter"] == "/usr/bin/env" and facts["argument"] == "python3"
    assert len(facts["sha256"]) == 64


def _system_binaries() -> list[Path]:
    names = [shutil.which(n) for n in ("ls", "bash", "python3", "node", "rustc")]
    libs = sorted(Path("/usr/lib/x86_64-linux-gnu").glob("lib[cz].so*"))
    paths = [Path(os.path.realpath(p)) for p in [*names, *libs] if p]
    return [p for p in paths if p.read_bytes()[:4] == b"\x7fELF"]


@pytest.mark.parametrize("path", _system_binaries(), ids=lambda p: p.name.replace(".", "_"))
def test_agrees_with_pyelftools(path):
    data = path.read_bytes()
    facts = elf_facts(str(path), data)
    with path.open("rb") as fh:
        elf = ELFFile(fh)
        interp = next((s.get_interp_name() for s in elf.iter_segments()
                       if s["p_type"] == "PT_INTERP"), "")  # fmt: skip
        dynamic = next((s for s in elf.iter_sections() if isinstance(s, DynamicSection)), None)
        needed = [t.needed for t in dynamic.iter_tags() if t.entry.d_tag == "DT_NEEDED"]
        assert facts.get("interpreter", "") == interp
        assert facts.get("needed", []) == needed
        assert facts["stripped"] == (elf.get_section_by_name(".symtab") is None)
        assert facts["class"] == elf.elfclass
