"""Installed Python distributions: the peers' corpus, then our own edge cases."""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus import expected
from language_corpus import corpus_params, reported_pairs

from dockwise.catalog import catalog
from dockwise.catalog.python import (
    PythonInstalledCataloger,
    licenses,
    normalize_name,
    parse_headers,
    supplier,
)
from dockwise.source.filetree import FileTree, glob_regex

PY = PythonInstalledCataloger()
SITE = "usr/local/lib/python3.11/site-packages"
LOCK_ONLY = "a project lockfile (poetry/uv/pylock/requirements), not installed state: not cataloged"
KNOWN = {
    "trivy__python-pip__empty": LOCK_ONLY,
    "trivy__python-poetry__happy": LOCK_ONLY,
    "trivy__python-poetry__no-pyproject": LOCK_ONLY,
    "trivy__python-poetry__wrong-pyproject": LOCK_ONLY,
    "trivy__python-pylock__happy": LOCK_ONLY,
    "trivy__python-uv__happy": LOCK_ONLY,
}


@pytest.mark.parametrize("case", corpus_params("python", KNOWN))
def test_corpus_packages(case: Path) -> None:
    # Syft lower-cases names ("pygments" for Name: Pygments); we keep the name as
    # written and normalise per PEP 503 on both sides to compare.
    got = reported_pairs("python", case, normalize_name)
    want = {(normalize_name(p["name"]), p["version"]) for p in expected(case)["packages"]}
    assert got == want


@pytest.mark.parametrize(
    ("path", "wanted"),
    [
        (f"{SITE}/requests-2.31.0.dist-info/METADATA", True),
        (f"{SITE}/requests-2.31.0.dist-info/RECORD", False),
        (f"{SITE}/six-1.16.0.egg-info/PKG-INFO", True),
        ("usr/lib/python3/dist-packages/requests-2.28.1.egg-info", True),
        (f"{SITE}/foo-1.0-py3.11.egg/EGG-INFO/PKG-INFO", True),
        (f"{SITE}/foo-1.0-py3.11.egg", False),  # a zipped egg is an archive
        (f"{SITE}/pkg/METADATA", False),
    ],
    ids=["dist_info", "record", "egg_info_dir", "egg_info_file", "egg_dir", "zipped_egg", "other"],
)
def test_globs(path: str, wanted: bool) -> None:
    assert bool(glob_regex(PY.globs).match(path)) is wanted


METADATA = (
    "Metadata-Version: 2.1\nName: Foo.Bar_baz\nVersion: 1.0rc1\nLicense: MIT\n"
    "Classifier: License :: OSI Approved :: MIT License\nAuthor: A\n\n"
    "Name: not-a-header\nbody text\n"
)
RECORD = (
    "foo/__init__.py,sha256=x,10\n"
    "Foo.Bar_baz-1.0rc1.dist-info/METADATA,,\n"
    "../../../bin/foo,sha256=y,20\n"
)


def test_dist_info_with_record() -> None:
    info = f"{SITE}/Foo.Bar_baz-1.0rc1.dist-info"
    tree = FileTree.from_files({f"{info}/METADATA": METADATA, f"{info}/RECORD": RECORD})
    inventory = catalog(tree, [PY])
    [pkg] = inventory.packages
    assert (pkg.name, pkg.version, pkg.type) == ("Foo.Bar_baz", "1.0rc1", "pypi")
    assert pkg.purl == "pkg:pypi/foo-bar-baz@1.0rc1"
    assert dict(pkg.metadata)["normalized_name"] == "foo-bar-baz"
    assert pkg.licenses == ("MIT",)
    assert pkg.files == (
        f"{SITE}/foo/__init__.py",
        f"{info}/METADATA",
        "usr/local/bin/foo",
    )
    assert pkg.location.path == f"{info}/METADATA"
    assert pkg.found_by == "python-installed"
    assert inventory.warnings == ()


def test_egg_info_installed_files() -> None:
    info = f"{SITE}/six-1.16.0-py3.11.egg-info"
    tree = FileTree.from_files(
        {
            f"{info}/PKG-INFO": "Name: six\nVersion: 1.16.0\n",
            f"{info}/installed-files.txt": "../six.py\nPKG-INFO\n",
        }
    )
    [pkg] = catalog(tree, [PY]).packages
    assert pkg.files == (f"{SITE}/six.py", f"{info}/PKG-INFO")


@pytest.mark.parametrize(
    ("headers", "want"),
    [
        ("License-Expression: Apache-2.0 OR MIT\nLicense: BSD\n", ("Apache-2.0 OR MIT",)),
        ("License: BSD-3-Clause\n", ("BSD-3-Clause",)),
        (
            "License: UNKNOWN\nClassifier: License :: OSI Approved :: BSD License\n",
            ("BSD License",),
        ),
        ("License: Copyright (c)\n        all the text\n", ()),  # a license text, not a name
        ("Classifier: License :: OSI Approved\n", ()),
    ],
    ids=["expression", "license", "classifier", "multiline_text", "bare_classifier"],
)
def test_licenses(headers: str, want: tuple[str, ...]) -> None:
    assert licenses(parse_headers(headers)[0]) == want


def test_non_utf8_metadata_warns_and_still_reports() -> None:
    data = b"Name: caf\xe9\nVersion: 1.0\nAuthor: Jos\xe9\n"
    inventory = catalog(FileTree.from_files({f"{SITE}/cafe.egg-info/PKG-INFO": data}), [PY])
    assert [(p.name, p.version) for p in inventory.packages] == [("café", "1.0")]
    assert "not valid UTF-8" in inventory.warnings[0].message


def test_garbage_and_missing_version_warn_others_reported() -> None:
    files = {
        f"{SITE}/good-1.0.dist-info/METADATA": "Name: good\nVersion: 1.0\n",
        f"{SITE}/bad.dist-info/METADATA": bytes(range(256)) * 8,
        f"{SITE}/noversion.dist-info/METADATA": "Name: noversion\n",
        f"{SITE}/broken-1.0.dist-info/METADATA": "Name: broken\nVersion: 1.0\n",
        f"{SITE}/broken-1.0.dist-info/RECORD": '"unterminated\n\x00,,\n',
    }
    inventory = catalog(FileTree.from_files(files), [PY])
    assert sorted(p.name for p in inventory.packages) == ["broken", "good"]
    assert len(inventory.warnings) >= 2


def test_normalize_name() -> None:
    assert normalize_name("Foo__Bar..baz-Qux") == "foo-bar-baz-qux"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"maintainer": ["Team"], "author": ["Jane"]}, "Team"),
        ({"author": ["Jane"], "author-email": ["jane@example.org"]}, "Jane <jane@example.org>"),
        ({"author-email": ["DSF <dsf@example.org>"]}, "DSF <dsf@example.org>"),
        ({"summary": ["no one says"]}, ""),
    ],
    ids=["maintainer_first", "name_and_email", "email_field", "nothing"],
)  # fmt: skip
def test_supplier_from_core_metadata(headers, expected):
    assert supplier(headers) == expected
