"""A Dockerfile parser that never gives up: odd input becomes a warning, not an exception.

Format reference: https://docs.docker.com/reference/dockerfile/ (parser directives, the
escape character, line continuations, comments, here-documents, exec vs shell form) and
BuildKit's frontend/dockerfile/parser, whose behaviour this follows where the docs are
silent: comment and blank lines inside a continuation are dropped, directives are only
read before the first instruction or ordinary comment, and the keyword is case-insensitive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dockwise.untrusted import load_json

MAX_FILE = 4 * 1024 * 1024  # bytes read: real Dockerfiles are a few KiB
MAX_INSTRUCTION = 256 * 1024  # characters of one instruction the rules look at
MAX_WARNINGS = 10  # a garbage file must not produce a garbage-sized report

KEYWORDS = frozenset(
    "ADD ARG CMD COPY ENTRYPOINT ENV EXPOSE FROM HEALTHCHECK LABEL MAINTAINER ONBUILD RUN "
    "SHELL STOPSIGNAL USER VOLUME WORKDIR".split()
)
_HEREDOC_KEYWORDS = frozenset({"RUN", "COPY", "ADD"})
_DIRECTIVE = re.compile(r"#\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(\S*)\s*$")
_HEREDOC = re.compile(r"(?<!<)<<(-?)\s*([\"']?)([A-Za-z_][A-Za-z0-9_.-]*)\2")
_IGNORE = re.compile(r"#\s*(?:dockwise|hadolint)\s+ignore\s*=\s*([A-Za-z0-9_,\s/]+)", re.I)
_FLAG = re.compile(r"--([A-Za-z][A-Za-z0-9-]*)(?:=(\S*))?")
_VAR = re.compile(
    r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))"
)


@dataclass(frozen=True, slots=True)
class Heredoc:
    """The body of one `<<WORD` here-document, with its delimiter."""

    delimiter: str
    body: str


@dataclass(frozen=True, slots=True)
class Instruction:
    """One instruction, continuations joined; `ONBUILD RUN x` is RUN with `onbuild` set."""

    keyword: str  # upper-case: "FROM", "RUN", ... (an unknown word is kept as written)
    args: str  # the arguments after the keyword and its --flags, continuations joined
    line: int  # 1-based line of the keyword
    flags: tuple[tuple[str, str], ...] = ()  # leading --name=value options (--from, --mount)
    exec_form: tuple[str, ...] | None = None  # the JSON array, when written in exec form
    heredocs: tuple[Heredoc, ...] = ()
    onbuild: bool = False
    ignores: frozenset[str] = frozenset()  # rule ids from `# dockwise ignore=` just above
    source: str = ""  # the instruction as written (joined, trimmed), for evidence

    def flag(self, name: str) -> str | None:
        """The value of `--name` ("" for a bare `--name`), or None when absent."""
        return next((value for key, value in self.flags if key == name), None)

    @property
    def script(self) -> str:
        """What a RUN executes: the shell text, the exec words, or the here-documents."""
        if self.exec_form is not None:
            return " ".join(self.exec_form)
        if not self.heredocs:
            return self.args
        bodies = "\n".join(doc.body for doc in self.heredocs)
        return f"{_HEREDOC.sub('', self.args).strip()}\n{bodies}"


@dataclass(frozen=True, slots=True)
class Dockerfile:
    """A parsed Dockerfile: its directives, instructions and what could not be read."""

    instructions: tuple[Instruction, ...]
    directives: tuple[tuple[str, str], ...] = ()
    warnings: tuple[tuple[int, str], ...] = ()  # (line, message)


def parse(text: str) -> Dockerfile:
    """Parse Dockerfile text; never raises on malformed input."""
    return _Parser(text.replace("\r\n", "\n").replace("\r", "\n").split("\n")).run()


def parse_bytes(data: bytes) -> Dockerfile:
    """Parse raw bytes: UTF-8 (with or without BOM), undecodable bytes replaced."""
    text = data[:MAX_FILE].decode("utf-8", errors="replace").removeprefix("\ufeff")
    parsed = parse(text)
    notes = []
    if len(data) > MAX_FILE:
        notes.append((0, f"file larger than {MAX_FILE} bytes; only the start was read"))
    if "\x00" in text or "\ufffd" in text:
        notes.append((0, "file is not valid UTF-8 text (binary content?)"))
    if notes:
        return Dockerfile(parsed.instructions, parsed.directives, (*notes, *parsed.warnings))
    return parsed


def expand(text: str, env: dict[str, str]) -> str:
    """`$VAR`, `${VAR}`, `${VAR:-default}` and `${VAR:+alt}` with the values known in `env`;
    unknown variables stay as written, so a rule can still see that a variable was used."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(4)
        op, word = match.group(2), match.group(3)
        value = env.get(name)
        if op and op.endswith("-"):
            return value if value else word if value is None or op == ":-" else value
        if op and op.endswith("+"):
            return word if value else ""
        return value if value is not None else match.group(0)

    return _VAR.sub(replace, text)


def split_flags(args: str) -> tuple[tuple[tuple[str, str], ...], str]:
    """Leading `--name[=value]` words (FROM --platform, COPY --from, RUN --mount)."""
    flags = []
    rest = args.lstrip()
    while rest.startswith(("--", "\\ ")):
        if rest.startswith("\\ "):  # an escaped space between flags: still a separator
            rest = rest[1:].lstrip()
            continue
        match = _FLAG.match(rest)
        if not match:
            break
        flags.append((match.group(1).lower(), match.group(2) or ""))
        rest = rest[match.end() :].lstrip()
    return tuple(flags), rest


class _Parser:
    """Line-by-line state: the escape character, pending ignores and the output."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.pos = 0
        self.escape = "\\"
        self.directives: list[tuple[str, str]] = []
        self.reading_directives = True
        self.ignores: set[str] = set()
        self.instructions: list[Instruction] = []
        self.warnings: list[tuple[int, str]] = []
        self.dropped = 0

    def run(self) -> Dockerfile:
        while self.pos < len(self.lines):
            line = self.lines[self.pos]
            self.pos += 1
            self._line(line)
        if self.dropped:
            self.warnings.append((0, f"{self.dropped} more warnings not shown"))
        return Dockerfile(tuple(self.instructions), tuple(self.directives), tuple(self.warnings))

    def warn(self, line: int, message: str) -> None:
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append((line, message))
        else:
            self.dropped += 1

    def _line(self, line: str) -> None:
        stripped = line.strip()
        if not stripped:
            self.reading_directives = False
            return
        if stripped.startswith("#"):
            self._comment(stripped)
            return
        self.reading_directives = False
        start = self.pos
        self._instruction(self._continued(line), start)

    def _comment(self, comment: str) -> None:
        """A parser directive at the top, an ignore pragma, or just a comment."""
        directive = _DIRECTIVE.match(comment) if self.reading_directives else None
        if directive:
            name, value = directive.group(1).lower(), directive.group(2)
            self.directives.append((name, value))
            if name == "escape":
                self._set_escape(value)
            return
        self.reading_directives = False
        ignore = _IGNORE.search(comment)
        if ignore:
            self.ignores.update(w.upper() for w in re.split(r"[,\s]+", ignore.group(1)) if w)

    def _set_escape(self, value: str) -> None:
        if value in ("\\", "`"):
            self.escape = value
        else:
            self.warn(self.pos, f"escape directive {value!r} is not \\ or `; kept \\")

    def _continued(self, first: str) -> str:
        """Join continuation lines; comments and blank lines inside are dropped."""
        parts = []
        line = first
        while True:
            body = line.rstrip()
            if not body.endswith(self.escape) or self.pos >= len(self.lines):
                if body.endswith(self.escape):
                    body = body[:-1]  # a continuation at end of file ends the instruction
                parts.append(body)
                return " ".join(p.strip() for p in parts if p.strip())
            parts.append(body[:-1])
            line = self._next_content_line()
            if line is None:
                return " ".join(p.strip() for p in parts if p.strip())

    def _next_content_line(self) -> str | None:
        while self.pos < len(self.lines):
            line = self.lines[self.pos]
            self.pos += 1
            if line.strip() and not line.lstrip().startswith("#"):
                return line
        return None

    def _instruction(self, text: str, line: int) -> None:
        if len(text) > MAX_INSTRUCTION:
            self.warn(line, f"instruction longer than {MAX_INSTRUCTION} characters; truncated")
            text = text[:MAX_INSTRUCTION]
        keyword, args = _split_word(text)
        onbuild = keyword == "ONBUILD"
        if onbuild:
            keyword, args = _split_word(args)
        if keyword not in KEYWORDS:
            self.warn(line, f"unknown instruction {keyword[:40]!r}")
        self.instructions.append(self._build(keyword, args.strip(), line, onbuild, text))
        self.ignores = set()

    def _build(self, keyword: str, args: str, line: int, onbuild: bool, text: str) -> Instruction:
        flags, rest = split_flags(args) if keyword in ("FROM", "RUN", "COPY", "ADD") else ((), args)
        heredocs = self._heredocs(rest, line) if keyword in _HEREDOC_KEYWORDS else ()
        return Instruction(
            keyword=keyword,
            args=rest,
            line=line,
            flags=flags,
            exec_form=_exec_form(rest) if not heredocs else None,
            heredocs=heredocs,
            onbuild=onbuild,
            ignores=frozenset(self.ignores),
            source=text.strip(),
        )

    def _heredocs(self, args: str, line: int) -> tuple[Heredoc, ...]:
        """Read the body of each `<<WORD` on the line, in order, from the lines below."""
        docs = []
        for match in _HEREDOC.finditer(args):
            strip_tabs, word = match.group(1) == "-", match.group(3)
            body = []
            while self.pos < len(self.lines):
                raw = self.lines[self.pos]
                self.pos += 1
                candidate = raw.lstrip("\t") if strip_tabs else raw
                if candidate.rstrip() == word:
                    break
                body.append(candidate)
            else:
                self.warn(line, f"here-document <<{word} is not terminated")
            docs.append(Heredoc(word, "\n".join(body)))
        return tuple(docs)


def _split_word(text: str) -> tuple[str, str]:
    """The upper-cased first word and the rest; any whitespace separates them."""
    parts = text.strip().split(None, 1)
    if not parts:
        return "", ""
    return parts[0].upper(), parts[1] if len(parts) > 1 else ""


def _exec_form(args: str) -> tuple[str, ...] | None:
    """The JSON array of the exec form, or None for shell form (as Docker decides)."""
    if not args.startswith("["):
        return None
    try:
        value = load_json(args)
    except ValueError:
        return None
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    return None
