"""Declared licenses from Debian's copyright files: DEP-5 read, free text never guessed."""

from __future__ import annotations

from pathlib import Path

from dockwise.catalog import catalog
from dockwise.catalog.debian_copyright import MAX_LICENSES, declared_licenses
from dockwise.catalog.dpkg import DpkgCataloger, stanzas
from dockwise.source.filetree import FileTree

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "dpkg" / "copyright"
STATUS = "".join(
    f"Package: {name}\nStatus: install ok installed\nVersion: 1.0-1\nArchitecture: amd64\n\n"
    for name in ("libcap2", "base-files", "libgcc-s1", "nodoc")
)


def licenses_of(text: str) -> tuple[str, ...]:
    return declared_licenses(stanzas(text))


def test_a_real_dep5_file_gives_every_files_paragraph_license():
    text = (ASSETS / "libcap2.dep5").read_text()
    assert licenses_of(text) == ("BSD-3-clause or GPL-2", "BSD-3-clause or GPL-2+")


def test_free_text_declares_nothing():
    assert licenses_of((ASSETS / "base-files.free-text").read_text()) == ()


def test_header_license_and_the_synopsis_line_only():
    text = (
        "Format: http://dep.debian.net/deps/dep5\nLicense: MIT\n\n"
        "Files: *\nCopyright: 2020 A\nLicense: GPL-2+\n This program is free software\n\n"
        "Files: doc/*\nLicense: MIT\n\n"
        "License: GPL-2+\n the full text, which adds no license\n"
    )
    assert licenses_of(text) == ("MIT", "GPL-2+")


def test_hostile_input_gives_nothing_not_an_error():
    assert licenses_of("") == ()
    assert licenses_of("\x00\xff garbage\n\n\n") == ()
    assert licenses_of("Format: copyright-format/1.0\n\nFiles: *\nLicense:\n") == ()


def test_the_dpkg_reader_fills_licenses_following_symlinked_doc_dirs():
    files = {
        "var/lib/dpkg/status": STATUS.encode(),
        "usr/share/doc/libcap2/copyright": (ASSETS / "libcap2.dep5").read_bytes(),
        "usr/share/doc/base-files/copyright": (ASSETS / "base-files.free-text").read_bytes(),
        "usr/share/doc/gcc-12-base/copyright": b"Format: copyright-format/1.0\n\n"
        b"Files: *\nLicense: GPL-3+\n",
        "usr/share/doc/libgcc-s1": "-> gcc-12-base",
    }
    tree = FileTree.from_files(files)
    found = {p.name: p.licenses for p in catalog(tree, [DpkgCataloger()]).packages}
    assert found == {
        "libcap2": ("BSD-3-clause or GPL-2", "BSD-3-clause or GPL-2+"),
        "base-files": (),
        "libgcc-s1": ("GPL-3+",),
        "nodoc": (),
    }


def test_a_file_naming_thousands_of_licenses_is_cut_at_the_cap():
    header = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
    body = "".join(f"Files: f{i}\nCopyright: x\nLicense: LIC-{i}\n\n" for i in range(5000))
    found = declared_licenses(stanzas(header + body))
    assert found == tuple(f"LIC-{i}" for i in range(MAX_LICENSES))
