"""Every third-party module dockwise imports at run time is a declared dependency.

The quick start installs without the test extra: a module only the tests pull in would
work here and fail there.
"""

import ast
import re
import sys
import tomllib

from corpus import REPO

# import name -> distribution name, where they differ
DISTRIBUTIONS = {
    "yaml": "pyyaml",
    "yara": "yara-python",
    "cyclonedx": "cyclonedx-python-lib",
    "packageurl": "packageurl-python",
    "spdx_tools": "spdx-tools",
    "license_expression": "license-expression",
    "ahocorasick_rs": "ahocorasick-rs",
    "psycopg_pool": "psycopg-pool",
}


def imported_modules() -> set[str]:
    found = set()
    for path in (REPO / "src" / "dockwise").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m != "dockwise"}


def test_runtime_imports_are_declared():
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    declared = {re.split(r"[\[=<>~ ]", d)[0].lower() for d in config["project"]["dependencies"]}
    missing = {m for m in imported_modules() if DISTRIBUTIONS.get(m, m).lower() not in declared}
    assert missing == set()
