"""Declared Python packages from pip requirements files, with their -r/-c includes."""

from __future__ import annotations

from pathlib import Path

import pytest
from declared_corpus import declared_params, declared_tree, expected_pairs

from dockwise.catalog import catalog
from dockwise.catalog.python import PythonInstalledCataloger
from dockwise.catalog.python_requirements import MAX_INCLUDE_DEPTH, PythonRequirementsCataloger
from dockwise.source.filetree import FileTree

REQS = (PythonRequirementsCataloger(),)
RANGE = "{peer} reports a bound of a range as the version; a range is a constraint here"
KNOWN = {
    "scalibr__python-requirements__per_req_options.txt": (
        "scalibr keeps foo7's text before the options in its version; pip rejects that "
        "line and we warn"
    ),
    "scalibr__python-requirements__with_versions.txt": RANGE.format(peer="scalibr"),
    "syft__cataloger-python__requires_requirements.txt": (
        RANGE.format(peer="syft") + "; syft also normalises names, we keep them as written"
    ),
    "trivy__python-pip__requirements_compatible.txt": RANGE.format(peer="trivy"),
    "trivy__python-pip__empty": (
        "the extracted expectation is a neighbouring case's; this requirements.txt is empty"
    ),
}


def place(name: str, data: bytes) -> str | None:
    """Scalibr's fixtures are named for their case (`env_var.txt`): tell them by a pin."""
    if not name.endswith(".txt") or name.startswith("LICENSE"):
        return None
    return "requirements.txt" if "requirements" in name or b"==" in data else None


def version(value: str) -> str:
    return value


@pytest.mark.parametrize("case", declared_params("python", place, KNOWN))
def test_corpus_packages(case: Path) -> None:
    """Peers list pinned requirements only; what we report without a version (a range,
    kept as `constraint`) is tested below, so the comparison is on pinned ones."""
    tree = declared_tree(case, place)
    assert tree is not None
    got = {(p.name, p.version) for p in catalog(tree, REQS).packages if p.version}
    assert got == expected_pairs(case, version)


REQUIREMENTS = b"""\
# the app
Flask==2.0.0 --hash=sha256:aaa \\
    --hash=sha256:bbb
requests[security,socks] >= 2.8 ; python_version < "3.8"  # a range
urllib3===1.26.20
asdf==0.7.*
token==${TOKEN_VERSION}
mine @ git+https://github.com/o/mine.git@v1
-e git+https://github.com/pecan/pecan.git#egg=pecan
-e .
https://files.example/pkgs/wheelie-1.2.3-py3-none-any.whl
./vendor/tarred-0.4.tar.gz
--index-url https://pypi.example/simple
-r base.in
-c constraints.txt
"""
BASE = b"gunicorn==21.2.0\nclick\n-r requirements.txt\n-r base.in\n"
CONSTRAINTS = b"click==8.1.7\nrequests==2.31.0\nnot-required==1.0\n"


def packages(files: dict[str, bytes]) -> dict[str, tuple[str, str, dict[str, str]]]:
    found = catalog(FileTree.from_files(files), REQS).packages
    return {p.name: (p.version, p.location.path, dict(p.metadata)) for p in found}


def test_requirements_lines_and_includes() -> None:
    got = packages(
        {
            "app/requirements.txt": REQUIREMENTS,
            "app/base.in": BASE,
            "app/constraints.txt": CONSTRAINTS,
        }
    )
    req, base = "app/requirements.txt", "app/base.in"
    assert got == {
        "Flask": ("2.0.0", req, {"hashes": "sha256:aaa,sha256:bbb"}),
        "requests": (
            "2.31.0",
            req,
            {
                "extras": "security,socks",
                "pinned_by": "app/constraints.txt",
                "marker": 'python_version < "3.8"',
            },
        ),
        "urllib3": ("1.26.20", req, {}),
        "asdf": ("", req, {"constraint": "==0.7.*"}),
        "token": ("", req, {"constraint": "==${TOKEN_VERSION}"}),
        "mine": ("", req, {"source": "git+https://github.com/o/mine.git@v1"}),
        "pecan": (
            "",
            req,
            {"editable": "true", "source": "git+https://github.com/pecan/pecan.git"},
        ),
        "wheelie": (
            "1.2.3",
            req,
            {"source": "https://files.example/pkgs/wheelie-1.2.3-py3-none-any.whl"},
        ),
        "tarred": ("0.4", req, {"source": "./vendor/tarred-0.4.tar.gz"}),
        "gunicorn": ("21.2.0", base, {}),
        "click": ("8.1.7", base, {"pinned_by": "app/constraints.txt"}),
    }


def test_declared_package_shape() -> None:
    tree = FileTree.from_files({"srv/requirements-dev.txt": b"pytest==8.0.0\nruff\n"})
    found = {p.name: p for p in catalog(tree, REQS).packages}
    assert found["pytest"].purl == "pkg:pypi/pytest@8.0.0"
    assert found["ruff"].purl == "pkg:pypi/ruff"
    assert {p.found_as for p in found.values()} == {"declared"}
    assert {dict(p.metadata).get("dev") for p in found.values()} == {"true"}
    assert found["ruff"].version == ""


def test_included_requirements_file_is_read_once() -> None:
    """A -r file the cataloger finds by itself is reported from itself, not again."""
    files = {
        "a/requirements-dev.txt": b"-r requirements.txt\npytest==8.0.0\n",
        "a/requirements.txt": b"flask==3.0.0\n",
    }
    found = catalog(FileTree.from_files(files), REQS).packages
    assert sorted((p.name, p.location.path, dict(p.metadata).get("dev", "")) for p in found) == [
        ("flask", "a/requirements.txt", ""),
        ("pytest", "a/requirements-dev.txt", "true"),
    ]


@pytest.mark.parametrize(
    ("include", "warning"),
    [
        ("../../../../etc/base.txt", "leaves the image root"),
        ("missing.txt", "not found"),
        ("https://example.com/base.txt", None),
    ],
    ids=["outside_root", "missing", "remote"],
)
def test_includes_that_are_not_read(include: str, warning: str | None) -> None:
    tree = FileTree.from_files(
        {"app/requirements.txt": f"-r {include}\nflask==3.0.0\n", "etc/base.txt": b"secret==1.0\n"}
    )
    inventory = catalog(tree, REQS)
    assert [p.name for p in inventory.packages] == ["flask"]
    assert [w.message for w in inventory.warnings if warning and warning in w.message] == [
        w.message for w in inventory.warnings
    ]
    assert len(inventory.warnings) == (1 if warning else 0)


def test_absolute_include_is_inside_the_image_root() -> None:
    tree = FileTree.from_files(
        {"app/requirements.txt": b"-r /opt/base.in\n", "opt/base.in": b"flask==3.0.0\n"}
    )
    assert [(p.name, p.location.path) for p in catalog(tree, REQS).packages] == [
        ("flask", "opt/base.in")
    ]


def test_include_cycles_and_depth() -> None:
    chain = {f"app/r{i}.in": f"-r r{i + 1}.in\npkg{i}==1.0\n" for i in range(12)}
    files = {
        "app/requirements.txt": b"-r r0.in\n-r self.in\n",
        "app/self.in": b"-r self.in\n-r requirements.txt\nselfish==1.0\n",
        **chain,
    }
    inventory = catalog(FileTree.from_files(files), REQS)
    names = {p.name for p in inventory.packages}
    assert names == {"selfish"} | {f"pkg{i}" for i in range(MAX_INCLUDE_DEPTH)}
    assert [w.message for w in inventory.warnings] == [
        f"include 'r{MAX_INCLUDE_DEPTH}.in' nested deeper than {MAX_INCLUDE_DEPTH}"
    ]


def test_encodings_and_installed_trees() -> None:
    files = {
        "a/requirements.txt": "\ufeffattrs==20.3.0\r\n".encode("utf-16-le"),
        "b/requirements.txt": b"\xef\xbb\xbfsix==1.16.0\n",
        "usr/lib/python3/site-packages/pkg/requirements.txt": b"vendored==1.0\n",
    }
    got = {(p.name, p.version) for p in catalog(FileTree.from_files(files), REQS).packages}
    assert got == {("attrs", "20.3.0"), ("six", "1.16.0")}


def test_hostile_documents_warn() -> None:
    tree = FileTree.from_files(
        {
            "a/requirements.txt": b"\xff\xfe\xff\xd8garbage" + b"\x00" * 100,
            "b/requirements.txt": b"\x00\x01\x02\n" * 10_000 + b"ok==1.0\n",
            "c/requirements.txt": b"\\\n" * 100_000,
            "d/requirements.txt": b"[" * 100_000 + b"\n==2.3.4\n",
        }
    )
    inventory = catalog(tree, REQS)
    assert [(p.name, p.version) for p in inventory.packages] == [("ok", "1.0")]
    assert sorted(w.path for w in inventory.warnings) == [
        "a/requirements.txt",
        "b/requirements.txt",
        "d/requirements.txt",
    ]
    assert "10000 line(s)" in next(w.message for w in inventory.warnings if w.path[0] == "b")


def test_a_declared_package_also_installed_is_reported_once() -> None:
    """Issue 15's rule: installed wins, the lockfile is extra evidence, nothing doubles."""
    files = {
        "app/requirements.txt": b"Django==2.2\nflask==3.0.0\n",
        "usr/lib/python3/site-packages/Django-2.2.dist-info/METADATA":
            b"Metadata-Version: 2.1\nName: Django\nVersion: 2.2\n",
    }  # fmt: skip
    found = catalog(FileTree.from_files(files), (*REQS, PythonInstalledCataloger())).packages
    got = sorted((p.name, p.found_as, dict(p.metadata).get("declared_in", "")) for p in found)
    assert got == [("Django", "installed", "app/requirements.txt"), ("flask", "declared", "")]
