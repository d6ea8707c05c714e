"""Node.js: installed package.json files, lockfiles, and the never-count-twice rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from language_corpus import corpus_params, peer_pairs, reported_pairs

from dockwise.catalog import catalog
from dockwise.catalog.bun_lock import parse_bun_lock
from dockwise.catalog.npm import NpmLockCataloger, NpmPackageCataloger, author, npm_purl
from dockwise.catalog.npm_lock import parse_npm_lock
from dockwise.catalog.pnpm_lock import parse_pnpm_lock, split_key
from dockwise.catalog.yarn_lock import parse_yarn_lock
from dockwise.source.filetree import FileTree

NPM = [NpmPackageCataloger(), NpmLockCataloger()]
GARBLED = "the peer's expected list merges several fixtures (loose extraction); not comparable"
NOT_INSTALLED_STATE = "a dependency declaration/source scan, not installed state: not cataloged"
WORKSPACES = "the peer lists yarn workspaces from the lockfile; ours come from package.json"
DEV = "trivy drops dev dependencies by default; we keep them, marked dev=true"
LOCAL = "trivy drops file:/unknown-protocol entries; they are installed, so we keep them"
SYFT_TOP_LEVEL = "syft also lists pnpm importers absent from `packages` (a trimmed fixture)"
KNOWN = {
    "scalibr__javascript-packagejson__duplicate-keys.json": NOT_INSTALLED_STATE,
    "scalibr__javascript-packagejson__package-with-deps.json": NOT_INSTALLED_STATE,
    "scalibr__javascript-packagelockjson__files.v2.json": "scalibr follows file: links",
    "scalibr__javascript-yarnlock__exclude-root.v2.lock": WORKSPACES,
    "scalibr__javascript-yarnlock__files.v1.lock": "scalibr follows file: links",
    "syft__cataloger-javascript__pkg-lock": GARBLED,
    "syft__cataloger-javascript__pkg-lock_alias-package-lock-1.json": GARBLED,
    "syft__cataloger-javascript__pkg-lock_alias-package-lock-2.json": GARBLED,
    "syft__cataloger-javascript__pkg-lock_array-license-package-lock.json": GARBLED,
    "syft__cataloger-javascript__pkg-lock_package-lock-2.json": GARBLED,
    "syft__cataloger-javascript__pkg-lock_package-lock-3.json": GARBLED,
    "syft__cataloger-javascript__pkg-lock_package-lock.json": GARBLED,
    "syft__cataloger-javascript__pnpm-v5-peer-suffix_pnpm-lock.yaml": SYFT_TOP_LEVEL,
    "syft__cataloger-javascript__pnpm-v9-snapshots_pnpm-lock.yaml": SYFT_TOP_LEVEL,
    "syft__cataloger-javascript__pnpm_pnpm-lock.yaml": SYFT_TOP_LEVEL,
    "syft__cataloger-javascript__yarn-berry-dev-deps": "we also report the root package.json",
    "syft__cataloger-javascript__yarn-dev-deps": "we also report the root package.json",
    "syft__cataloger-javascript__yarn-berry-dups_yarn.lock": GARBLED,
    "syft__cataloger-javascript__yarn-dups_yarn.lock": GARBLED,
    "syft__cataloger-javascript__yarn-berry_yarn.lock": WORKSPACES,
    "syft__cataloger-javascript__yarn-v1-deps_yarn.lock": WORKSPACES,
    "syft__cataloger-javascript__yarn_yarn.lock": WORKSPACES,
    "trivy__nodejs-pnpm__pnpm-lock_v6_with_dev.yaml": DEV,
    "trivy__nodejs-pnpm__pnpm-lock_with_dev.yaml": DEV,
    "trivy__nodejs-pnpm__pnpm-lock_v9.yaml": LOCAL,
    "trivy__nodejs-yarn__alias": "yarn v1 alias of a scoped package keeps the alias name",
    "trivy__nodejs-yarn__yarn_with_bad_protocol.lock": LOCAL,
    "trivy__nodejs-yarn__yarn_with_local.lock": LOCAL,
}


@pytest.mark.parametrize("case", corpus_params("npm", KNOWN))
def test_corpus_packages(case: Path) -> None:
    assert reported_pairs("npm", case) == peer_pairs(case)


def manifest(name: str, version: str, **extra: object) -> str:
    return json.dumps({"name": name, "version": version, **extra})


APP = {
    "app/package.json": manifest("app", "1.0.0", dependencies={"a": "^1"}),
    "app/node_modules/a/package.json": manifest("a", "1.2.0", license="MIT"),
    "app/node_modules/@s/b/package.json": manifest("@s/b", "2.0.0", license={"type": "ISC"}),
    "app/node_modules/a/node_modules/c/package.json": manifest("c", "0.1.0"),
    "app/node_modules/a/test/fixtures/package.json": manifest("fixture", "9.9.9"),
    "app/node_modules/a/esm/package.json": '{"type": "module"}',
    "app/node_modules/.pnpm/d@1.0.0/node_modules/d/package.json": manifest("d", "1.0.0"),
    "app/package-lock.json": json.dumps(
        {"lockfileVersion": 3, "packages": {"node_modules/a": {"version": "1.2.0"}}}
    ),
}


def test_installed_tree_and_root() -> None:
    inventory = catalog(FileTree.from_files(APP), NPM)
    got = {(p.name, p.version, dict(p.metadata)["role"]) for p in inventory.packages}
    assert got == {
        ("app", "1.0.0", "root"),
        ("a", "1.2.0", "installed"),
        ("@s/b", "2.0.0", "installed"),
        ("c", "0.1.0", "installed"),
        ("d", "1.0.0", "installed"),
    }  # the lockfile adds nothing: its folder has an installed tree
    scoped = next(p for p in inventory.packages if p.name == "@s/b")
    assert scoped.purl == "pkg:npm/%40s/b@2.0.0"
    assert scoped.licenses == ("ISC",)
    assert inventory.warnings == ()
    assert {p.found_as for p in inventory.packages} == {"installed"}


def test_lockfile_without_installed_tree() -> None:
    lock = {
        "lockfileVersion": 2,
        "packages": {
            "": {"name": "app", "version": "1.0.0"},
            "node_modules/a": {"version": "1.2.0", "dependencies": {"b": "^2"}},
            "node_modules/b": {"version": "2.0.0", "dev": True},
            "node_modules/al": {"version": "npm:real@3.0.0"},
            "packages/ws": {"version": "0.1.0"},
            "node_modules/ws": {"resolved": "packages/ws", "link": True},
        },
    }
    tree = FileTree.from_files({"srv/package-lock.json": json.dumps(lock)})
    packages = {p.name: p for p in catalog(tree, NPM).packages}
    assert sorted(packages) == ["a", "b", "real", "ws"]
    assert (packages["ws"].version, dict(packages["ws"].metadata)["relationship"]) == (
        "0.1.0",
        "local",
    )  # a workspace: the link's target folder has its version, as trivy reports it
    assert dict(packages["a"].metadata)["dependencies"] == "b"
    assert dict(packages["b"].metadata)["dev"] == "true"
    assert {p.found_as for p in packages.values()} == {"declared"}


def test_lockfile_git_dependencies_have_no_version() -> None:
    """A git or file spec is not a version: it stays as `resolved`, as in bun.lock."""
    lock = {
        "lockfileVersion": 2,
        "packages": {
            "node_modules/g": {"resolved": "git+ssh://git@github.com/o/g.git#abc"},
            "node_modules/v": {"version": "1.7.1", "resolved": "git+ssh://git@h/o/v.git#def"},
        },
        "dependencies": {"f": {"version": "file:deps/f"}},
    }
    got = {(e.name, e.version, e.resolved) for e in parse_npm_lock(json.dumps(lock).encode())}
    assert got == {("g", "", "git+ssh://git@github.com/o/g.git#abc"),
                   ("v", "1.7.1", "git+ssh://git@h/o/v.git#def")}  # fmt: skip
    v1 = {"dependencies": {"f": {"version": "file:deps/f"}, "h": {"version": "github:o/h#1"}}}
    got = {(e.name, e.version, e.resolved) for e in parse_npm_lock(json.dumps(v1).encode())}
    assert got == {("f", "", "file:deps/f"), ("h", "", "github:o/h#1")}


def test_lockfile_v1_nested() -> None:
    lock = {
        "dependencies": {"a": {"version": "1.0.0", "dependencies": {"b": {"version": "2.0.0"}}}}
    }
    assert [(e.name, e.version) for e in parse_npm_lock(json.dumps(lock).encode())] == [
        ("a", "1.0.0"),
        ("b", "2.0.0"),
    ]


def test_yarn_git_specifiers_are_not_aliases() -> None:
    """An `@` inside a git URL is no `npm:` alias: the name is the one before it."""
    v1 = (
        b'"mine@git+ssh://git@github.com:o/mine#0a2d25":\n  version "1.0.0"\n'
        b'  resolved "git+ssh://git@github.com:o/mine#0a2d2506"\n\n'
        b'"al@npm:@s/real@^2":\n  version "2.1.0"\n'
    )
    assert [(e.name, e.version) for e in parse_yarn_lock(v1)] == [
        ("mine", "1.0.0"),
        ("@s/real", "2.1.0"),
    ]


def test_yarn_v1_and_berry() -> None:
    v1 = (
        b'# yarn lockfile v1\n\n"@s/a@^1.0.0", "@s/a@^1.1.0":\n  version "1.2.0"\n'
        b'  dependencies:\n    b "^2"\n\nb@^2:\n  version "2.0.0"\n'
    )
    assert [(e.name, e.version, e.dependencies) for e in parse_yarn_lock(v1)] == [
        ("@s/a", "1.2.0", ("b",)),
        ("b", "2.0.0", ()),
    ]
    berry = (
        b"__metadata:\n  version: 6\n\n"
        b'"app@workspace:.":\n  version: 0.0.0-use.local\n  resolution: "app@workspace:."\n\n'
        b'"a@npm:^1.0.0":\n  version: 1.0.0\n  resolution: "a@npm:1.0.0"\n'
    )
    assert [(e.name, e.version) for e in parse_yarn_lock(berry)] == [("a", "1.0.0")]


@pytest.mark.parametrize(
    ("key", "want"),
    [
        ("/acorn/8.8.0", ("acorn", "8.8.0")),
        ("/acorn-jsx/5.3.2_acorn@8.8.0", ("acorn-jsx", "5.3.2")),
        ("/@babel/core/7.0.0_x", ("@babel/core", "7.0.0")),
        ("/@babel/core@7.0.0(eslint@8.0.0)", ("@babel/core", "7.0.0")),
        ("ms@2.1.3", ("ms", "2.1.3")),
        ("lodash_x@1.0.0", ("lodash_x", "1.0.0")),
        ("registry.npmjs.org/@foo/bar/1.1.0", ("@foo/bar", "1.1.0")),
        ("example.com/foo/1.3.0_bar@2.0.0", ("foo", "1.3.0")),
        ("github.com/kevva/is-positive", ("", "")),
        ("foo.js@https://example.com/foo.tgz", ("foo.js", "https://example.com/foo.tgz")),
    ],
    ids=(
        "v5 v5_peer v5_scoped v6_peer v9 v9_underscore v5_host_scoped v5_host_peer v5_git_host"
        " v9_tarball"
    ).split(),
)
def test_pnpm_keys(key: str, want: tuple[str, str]) -> None:
    assert split_key(key) == want


def test_pnpm_env_document_before_the_project() -> None:
    env = b"lockfileVersion: '9.0'\nimporters:\n  .:\n    configDependencies: {}\n"
    env += b"packages:\n  pnpm@11.9.0:\n    resolution: {integrity: sha512-x}\n"
    project = b"lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n"
    project += b"      ms: {specifier: ^2, version: 2.1.3}\npackages:\n  ms@2.1.3: {}\n"
    assert [(e.name, e.version) for e in parse_pnpm_lock(env + b"---\n" + project)] == [
        ("ms", "2.1.3")
    ]
    assert [e.name for e in parse_pnpm_lock(env)] == ["pnpm"]  # alone, it is what there is


def test_pnpm_refuses_yaml_aliases() -> None:
    bomb = b"a: &a [x, x]\nb: &b [*a, *a]\npackages: {}\n"
    tree = FileTree.from_files({"app/pnpm-lock.yaml": bomb})
    inventory = catalog(tree, NPM)
    assert inventory.packages == ()
    assert "aliases" in inventory.warnings[0].message
    assert parse_pnpm_lock(b"lockfileVersion: '9.0'\n") == []


def test_hostile_json_warns_and_keeps_valid_packages() -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    files = {
        "app/node_modules/ok/package.json": manifest("ok", "1.0.0"),
        "app/node_modules/garbage/package.json": b"\xff\xfe{not json",
        "app/node_modules/deep/package.json": deep,
        "app/node_modules/list/package.json": b"[1, 2]",
        "srv/package-lock.json": deep,
        "srv2/package-lock.json": b'{"packages": {' + b'"node_modules/x": 1,' * 10 + b'"": 1}}',
    }
    inventory = catalog(FileTree.from_files(files), NPM)
    assert [(p.name, p.version) for p in inventory.packages] == [("ok", "1.0.0")]
    assert len(inventory.warnings) == 4


def test_huge_lockfile() -> None:
    packages = {f"node_modules/p{i}": {"version": "1.0.0"} for i in range(20_000)}
    data = json.dumps({"lockfileVersion": 3, "packages": packages})
    inventory = catalog(FileTree.from_files({"srv/package-lock.json": data}), NPM)
    assert len(inventory.packages) == 20_000


def test_npm_purl() -> None:
    assert npm_purl("@scope/name", "1.0.0") == "pkg:npm/%40scope/name@1.0.0"
    assert npm_purl("name", "1.0.0") == "pkg:npm/name@1.0.0"


BUN = b"""{
  "lockfileVersion": 1,
  // bun writes no comments, but JSONC allows them
  "workspaces": {
    "": {"name": "app", "dependencies": {"@s/a": "^1"}, "devDependencies": {"t": "^2"}},
    "packages/ui": {"name": "ui", "dependencies": {"c": "^1"}, "devDependencies": {"d": "1"}},
  },
  "packages": {
    "@s/a": ["@s/a@1.0.0", "", {"dependencies": {"c": "^2"}}, "sha512-a"],
    "@s/a/c": ["c@2.0.0", "", {}, "sha512-c2"],
    "c": ["c@1.0.0", "", {}, "sha512-c1"],
    "t": ["t@2.0.0", "", {"dependencies": {"c": "^1", "u": "1"}}, "sha512-t"],
    "u": ["u@1.0.0", "", {}, "sha512-u"],
    "d": ["d@github:o/d#abc123", {}, "o-d-abc123"],
    "ui": ["ui@workspace:packages/ui"],
    "bad": [123, "", {}],
  },
}"""


def test_bun_lock_workspaces_and_dev() -> None:
    entries = {(e.name, e.version, e.resolved): e for e in parse_bun_lock(BUN)}
    assert {k: e.dev for k, e in entries.items()} == {
        ("@s/a", "1.0.0", ""): False,
        ("c", "2.0.0", ""): False,  # nested under @s/a: its own copy
        ("c", "1.0.0", ""): False,  # the ui workspace's production dependency, and t's
        ("t", "2.0.0", ""): True,
        ("u", "1.0.0", ""): True,
        ("d", "", "github:o/d#abc123"): True,  # not a version: the resolution is kept
    }
    assert entries[("@s/a", "1.0.0", "")].integrity == "sha512-a"
    assert entries[("t", "2.0.0", "")].dependencies == ("c", "u")
    tree = FileTree.from_files({"srv/bun.lock": BUN})
    found = {p.name: p for p in catalog(tree, NPM).packages if p.version != "2.0.0"}
    assert found["@s/a"].purl == "pkg:npm/%40s/a@1.0.0"
    assert found["d"].purl == "pkg:npm/d"
    assert {p.found_as for p in found.values()} == {"declared"}


def test_bun_lock_hostile() -> None:
    tree = FileTree.from_files(
        {
            "a/bun.lock": b'{"packages": {"x": ["x@1.0.0",',
            "b/bun.lock": b"[" * 100_000,
            "c/bun.lock": b"\xff\xfe{}",
            "d/bun.lock": b'["not", "an", "object"]',
            "e/bun.lock": b'{"workspaces": [], "packages": {"x": "x@1.0.0", "y": [{}], "z": [""]}}',
        }
    )
    inventory = catalog(tree, NPM)
    assert inventory.packages == ()
    assert [w.path for w in inventory.warnings] == ["a/bun.lock", "b/bun.lock", "c/bun.lock",
                                                    "d/bun.lock"]  # fmt: skip
    assert "nested deeper than 256" in inventory.warnings[1].message


def test_bun_lock_huge() -> None:
    packages = ",".join(f'"p{i}": ["p{i}@1.0.{i}", "", {{}}, "sha512-x"]' for i in range(20_000))
    data = f'{{"lockfileVersion": 1, "packages": {{{packages},}},}}'.encode()
    assert len(parse_bun_lock(data)) == 20_000


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Jane <jane@example.org> (https://jane.example)", "Jane <jane@example.org>"),
        ({"name": "Jane", "email": "jane@example.org", "url": "x"}, "Jane <jane@example.org>"),
        ({"name": 3}, ""),
        (None, ""),
    ],
    ids=["string", "object", "hostile", "absent"],
)
def test_author_is_the_supplier(value, expected):
    assert author({"author": value}) == expected


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        ({"contributors": ["Doug <doug@example.org> (http://x)", "Jon <jon@example.org>"]},
         "Doug <doug@example.org>"),
        ({"maintainers": [{"name": "Mae", "email": "mae@example.org"}], "contributors": ["C"]},
         "Mae <mae@example.org>"),
        ({"author": "A", "contributors": ["C"]}, "A"),
        ({"contributors": "not a list", "maintainers": []}, ""),
    ],
    ids=["contributors", "maintainers-first", "author-wins", "hostile"],
)
def test_without_an_author_the_first_maintainer_or_contributor_supplies(manifest, expected):
    assert author(manifest) == expected
