"""Declared Go modules: go.mod directives, go.sum hashes and go.sum alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from declared_corpus import declared_params, expected_pairs, reported

from dockwise.catalog import catalog
from dockwise.catalog.golang_mod import GoModCataloger
from dockwise.source.filetree import FileTree

GO = (GoModCataloger(),)
LOCAL = "a replacement by a local folder keeps the required path, unversioned (as syft does)"
PRE_121 = "a `go` line before 1.21 is a language version, not a toolchain: no stdlib"
KNOWN = {
    "scalibr__golang-gomod__replace-local.mod": LOCAL,
    "scalibr__golang-gomod__indirect-packages.mod": PRE_121,
    "syft__cataloger-golang__go-mod-fixtures_relative-replace_go.mod": (
        "syft reports no stdlib for go.mod; `go 1.22` names the minimum toolchain"
    ),
    "trivy__golang-mod__go116_go.mod": (
        "trivy drops the indirect requires of a pre-1.17 go.mod; they are declared, we keep them"
    ),
    "trivy__golang-mod__no-pkg-found.txtar": (
        "trivy's analyzer lists stdlib only in its `comprehensive` mode; `go 1.23` is the "
        "minimum toolchain, so we do"
    ),
    "trivy__golang-mod__replaced-with-local-path_go.mod": LOCAL,
    "scalibr__golang-vendormodules__valid_vendor_modules.txt": (
        LOCAL + "; and the extracted expectation names github.com/BurntSushi/toml `github.com/`"
    ),
    "trivy__golang-mod__replaced-with-local-path-and-version_go.mod": LOCAL,
}


def place(name: str, data: bytes) -> str | None:
    if name.endswith(".mod"):
        return "go.mod"
    if name.endswith("modules.txt") or (data.startswith(b"# ") and b"\n## explicit" in data):
        return "vendor/modules.txt"
    return "go.sum" if name.endswith(".sum") else None


def version(value: str) -> str:
    """trivy and syft write `v1.2.3`, scalibr `1.2.3`; stdlib is `go1.22.5` here."""
    return value.removeprefix("go").removeprefix("v")


@pytest.mark.parametrize("case", declared_params("go", place, KNOWN))
def test_corpus_packages(case: Path) -> None:
    assert reported(case, place, GO, version) == expected_pairs(case, version)


GO_MOD = """module example.com/app

go 1.21.4
toolchain go1.22.5 // pinned

require github.com/a/direct v1.0.0
require (
\tgithub.com/b/indirect v0.2.0 // indirect
\tgolang.org/x/net v0.1.0
\texample.com/local v1.0.0
\texample.com/gone v0.9.0
)
exclude example.com/gone v0.9.0
replace (
\tgolang.org/x/net => golang.org/x/net v0.17.0
\texample.com/local v1.0.0 => ../local
)
"""
GO_SUM = (
    "golang.org/x/net v0.17.0 h1:net=\n"
    "golang.org/x/net v0.17.0/go.mod h1:netmod=\n"
    "github.com/only/gomod v1.0.0/go.mod h1:x=\n"
)


def test_go_mod_directives() -> None:
    tree = FileTree.from_files({"src/go.mod": GO_MOD, "src/go.sum": GO_SUM})
    packages = {p.name: p for p in catalog(tree, GO).packages}
    assert sorted((p.name, p.version) for p in packages.values()) == [
        ("example.com/local", ""),
        ("github.com/a/direct", "v1.0.0"),
        ("github.com/b/indirect", "v0.2.0"),
        ("golang.org/x/net", "v0.17.0"),
        ("stdlib", "go1.22.5"),
    ]
    assert {p.found_as for p in packages.values()} == {"declared"}
    assert {p.location.path for p in packages.values()} == {"src/go.mod"}
    net = dict(packages["golang.org/x/net"].metadata)
    assert net == {"h1_digest": "h1:net=", "relationship": "direct",
                   "replaces": "golang.org/x/net@v0.1.0"}  # fmt: skip
    assert dict(packages["github.com/b/indirect"].metadata)["relationship"] == "indirect"
    assert dict(packages["example.com/local"].metadata)["replaced_by_path"] == "../local"
    assert packages["stdlib"].purl == "pkg:golang/stdlib@go1.22.5"
    assert packages["github.com/a/direct"].purl == "pkg:golang/github.com/a/direct@v1.0.0"


@pytest.mark.parametrize(
    ("go_line", "stdlib"),
    [("go 1.21", "go1.21"), ("go 1.22.3", "go1.22.3"), ("go 1.20", None), ("", None)],
    ids=["go121", "go1223", "go120", "none"],
)
def test_stdlib_from_go_line(go_line: str, stdlib: str | None) -> None:
    tree = FileTree.from_files({"go.mod": f"module m\n{go_line}\n"})
    got = [p.version for p in catalog(tree, GO).packages if p.name == "stdlib"]
    assert got == ([stdlib] if stdlib else [])


def test_go_sum_alone_and_beside_go_mod() -> None:
    tree = FileTree.from_files(
        {
            "a/go.sum": GO_SUM,
            "b/go.mod": "module b\ngo 1.20\nrequire golang.org/x/net v0.17.0\n",
            "b/go.sum": GO_SUM,
        }
    )
    got = sorted((p.location.path, p.name, p.version) for p in catalog(tree, GO).packages)
    assert got == [
        ("a/go.sum", "golang.org/x/net", "v0.17.0"),
        ("b/go.mod", "golang.org/x/net", "v0.17.0"),
    ]


def test_pre_117_go_sum_fills_in_indirect_modules() -> None:
    go_sum = GO_SUM + "github.com/extra/dep v1.1.0 h1:e=\n"
    tree = FileTree.from_files(
        {"go.mod": "module m\ngo 1.15\nrequire golang.org/x/net v0.17.0\n", "go.sum": go_sum}
    )
    packages = {p.name: p for p in catalog(tree, GO).packages}
    assert sorted(packages) == ["github.com/extra/dep", "golang.org/x/net"]
    assert dict(packages["github.com/extra/dep"].metadata)["relationship"] == "indirect"


def test_dependency_trees_and_garbage() -> None:
    tree = FileTree.from_files(
        {
            "root/go/pkg/mod/github.com/x/y@v1.0.0/go.mod": "module y\nrequire a/b v1.0.0\n",
            "app/vendor/github.com/x/y/go.mod": "module y\nrequire a/b v1.0.0\n",
            "app/go.mod": b"\xff\xfe\x00require (\n  half\n" + b"x" * 100_000,
            "app/go.sum": b"\x00\x01 not a sum file\n",
        }
    )
    inventory = catalog(tree, GO)
    assert inventory.packages == ()
    assert inventory.warnings == ()


MODULES_TXT = """# github.com/a/direct v1.0.0
## explicit; go 1.21
github.com/a/direct
github.com/a/direct/sub
# golang.org/x/net v0.5.6 => example.com/fork/net v1.4.5
## explicit
example.com/fork/net/http2
# example.com/local v1.0.0 => ./local
example.com/local
# example.com/only-go-mod v0.1.0
## explicit; go 1.21
# github.com/a/direct v1.0.0
## explicit
github.com/a/direct/other
# malformed header with => and
"""


def test_vendor_modules_txt() -> None:
    tree = FileTree.from_files({"src/vendor/modules.txt": MODULES_TXT})
    got = {(p.name, p.version, dict(p.metadata).get("relationship", "")) for p in
           catalog(tree, GO).packages}  # fmt: skip
    assert got == {
        ("github.com/a/direct", "v1.0.0", "direct"),
        ("example.com/fork/net", "v1.4.5", "direct"),
        ("example.com/local", "", "indirect"),
    }
    beside = FileTree.from_files({"src/vendor/modules.txt": MODULES_TXT,
                                  "src/go.mod": "module x\ngo 1.20\n"})  # fmt: skip
    assert catalog(beside, GO).packages == ()  # go.mod declares them: never twice


def test_hostile_vendor_modules_txt() -> None:
    data = "# " + "=> " * 100_000 + "\nx\n" + "## explicit\n" * 10_000 + "\xff\n" * 1000
    tree = FileTree.from_files({"vendor/modules.txt": data.encode("utf-8", "surrogateescape")})
    assert catalog(tree, GO).packages == ()
