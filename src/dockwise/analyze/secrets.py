"""Secrets in files, found while the layer streams past (rules: security/rules/secrets.toml).

Every regular text file (no NUL in the first bytes) up to `max_size` is read, wherever
it is, except the documented known-false-positive paths: a key saved as `/tmp/deploy_key`
or deleted by the next layer is found by its content, not its name. The secret-prone
paths (the rules' `paths`) and scripts also get the looser "config" rules; well-known
credential files are recorded by their presence. The facts are masked hits; the content
is dropped.
"""

from __future__ import annotations

from dockwise.globs import glob_regex
from dockwise.security.ruleset import secret_rules
from dockwise.security.secretscan import credential_file, excluded, scan_file
from dockwise.source.filetree import normalize
from dockwise.source.selector import last_segment_filter

TEXT_SNIFF = 8000  # bytes that must hold no NUL for a file to be text (git's heuristic)


class SecretsAnalyzer:
    """Claims every text file outside the excluded paths, up to a size cap."""

    name = "secrets"

    def __init__(self, max_size: int | None = None) -> None:
        rules = secret_rules()
        self.globs: tuple[str, ...] = rules.globs
        self.max_size = rules.max_size if max_size is None else max_size
        self._paths = glob_regex(rules.paths)
        self._maybe_path = last_segment_filter(rules.paths)  # skips most regex runs
        self._maybe_credential = last_segment_filter(rules.credential_globs)

    def claims(self, path: str, head: bytes) -> bool:
        return b"\0" not in head[:TEXT_SNIFF] and not excluded(_clean(path))

    def ignores(self, path: str) -> bool:
        return excluded(_clean(path))

    def analyze(self, path: str, content: bytes) -> object | None:
        if b"\0" in content[:TEXT_SNIFF]:
            return None  # a binary that starts as text: a static library, a core file
        path = _clean(path)
        prone = content.startswith(b"#!") or self._prone(path)
        facts: dict[str, object] = {}
        hits = scan_file(path, content, prone)
        if hits:
            facts["hits"] = [h.facts() for h in hits]
        kind = credential_file(path, content) if self._maybe_credential(path) else None
        if kind is not None:
            facts["credential_file"] = kind.id
        return facts or None

    def _prone(self, path: str) -> bool:
        """A secret-prone path (`paths`): its file gets the "config" rules too."""
        return self._maybe_path(path) and self._paths.match(path) is not None


def _clean(path: str) -> str:
    """Archive names may start with "./" or "/"; rules are written for clean paths."""
    return (normalize(path) or "") if path.startswith(("./", "/")) else path
