"""Secrets in files, found while the layer streams past (rules: security/rules/secrets.toml).

Only text files are read (no NUL in the first bytes), only where secrets live (the
rules' `paths`, plus text executables: scripts) and never in the documented
known-false-positive paths. The facts are masked hits; the content is dropped.
"""

from __future__ import annotations

from dockwise.globs import glob_regex
from dockwise.security.ruleset import secret_rules
from dockwise.security.secretscan import excluded, scan_file
from dockwise.source.filetree import normalize


class SecretsAnalyzer:
    """Claims text files in secret-prone paths and text executables."""

    name = "secrets"

    def __init__(self) -> None:
        rules = secret_rules()
        self.globs: tuple[str, ...] = rules.globs
        self.max_size = rules.max_size
        self._paths = glob_regex(rules.paths)

    def claims(self, path: str, head: bytes) -> bool:
        if b"\0" in head:
            return False
        path = _clean(path)
        if excluded(path):
            return False
        return head.startswith(b"#!") or self._paths.match(path) is not None

    def analyze(self, path: str, content: bytes) -> object | None:
        hits = scan_file(_clean(path), content)
        return {"hits": [h.facts() for h in hits]} if hits else None


def _clean(path: str) -> str:
    """Archive names may start with "./" or "/"; rules are written for clean paths."""
    return (normalize(path) or "") if path.startswith(("./", "/")) else path
