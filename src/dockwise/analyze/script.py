"""Executable scripts: the `#!` line says which interpreter runs them.

Format: execve(2), "Interpreter scripts": `#!interpreter [optional-arg]` on the first
line. Only executables reach this analyzer, so the scripts seen are the runnable ones.
"""

from __future__ import annotations

import hashlib

MAX_SIZE = 4 * 1024 * 1024  # larger "scripts" are mostly self-extracting archives
MAX_LINE = 256  # Linux reads at most this much of the `#!` line (BINPRM_BUF_SIZE)


class ScriptAnalyzer:
    """Claims `#!` files; the facts are the interpreter, its argument and a digest."""

    name = "script"
    globs: tuple[str, ...] = ()  # executables only: a non-executable script cannot run
    max_size = MAX_SIZE

    def claims(self, path: str, head: bytes) -> bool:
        return head.startswith(b"#!")

    def analyze(self, path: str, content: bytes) -> object | None:
        line = content[2:MAX_LINE].split(b"\n", 1)[0].strip()
        interpreter, _, argument = line.decode("utf-8", "replace").partition(" ")
        facts = {"interpreter": interpreter, "sha256": hashlib.sha256(content).hexdigest()}
        if argument.strip():
            facts["argument"] = argument.strip()
        return facts
