"""Build history lines (`created_by`) as instructions, whichever builder wrote them.

Three shapes occur in real images:
  legacy builder   `/bin/sh -c apt-get update`, `/bin/sh -c #(nop)  ENV A=b`,
                   `|2 TOKEN=x B=y /bin/sh -c make` (build args used by the RUN)
  BuildKit         `RUN /bin/sh -c make # buildkit`, `ENV A=b`, `ADD https://x /y # buildkit`,
                   `RUN |1 TOKEN=x /bin/sh -c make # buildkit`
  other tools      `mmdebstrap ...`, `ADD file:3f1c... in / ` (a rootfs tarball), buildah's
                   `/bin/sh -c #(nop) ...`, or free text
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from dockwise.security.masking import NAME_MASK, STARS
from dockwise.source.imageconfig import mask_env

_SHELL_PREFIX = re.compile(r"^(?:/bin/(?:ba)?sh|sh|bash)\s+-c\s+")
_BUILD_ARGS = re.compile(r"^\|(\d+)\s+")
_INSTRUCTION = re.compile(
    r"^(RUN|ENV|ARG|ADD|COPY|LABEL|CMD|ENTRYPOINT|WORKDIR|USER|EXPOSE|VOLUME|SHELL|"
    r"HEALTHCHECK|STOPSIGNAL|ONBUILD|MAINTAINER)\b\s*(.*)$",
    re.S,
)
_COMMENT = re.compile(r"(^|\s)#[^\n]*")
_SEPARATORS = re.compile(r"&&|\|\||;|\||\n")
# public key ids are not secrets: the official images set GPG_KEY(S) to fingerprints
_PUBLIC_NAME = re.compile(r"GPG|PGP|PUBLIC|FINGERPRINT|KEY_?IDS?$|KEYS?_URL|_FILE$|_PATH$|_DIR$")
# whitespace-separated hex runs of 16+ digits; written without nested repetition, which
# backtracked exponentially on a long hex value followed by another character
_FINGERPRINTS = re.compile(r"^[0-9A-Fa-f]{16,}(?:\s+[0-9A-Fa-f]{16,})*\s*$")
_LEGACY_ENV = re.compile(r"(\bENV\s+)([A-Za-z_]\w*)\s+([^=\s][^=]*)$")  # `ENV NAME value`
_PAIR = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|'[^']*'|\S+)")


@dataclass(frozen=True, slots=True)
class Step:
    """One history entry read as a Dockerfile instruction."""

    instruction: str  # "RUN", "ENV", "ADD", ... ; "" when the line is not an instruction
    text: str  # the instruction's arguments (for RUN: the shell command)
    build_args: tuple[tuple[str, str], ...] = ()  # `|N K=V` values the RUN saw


def parse_step(created_by: str) -> Step:
    """Read a `created_by` line in any of the builders' shapes."""
    text = created_by.strip().removesuffix("# buildkit").strip()
    text = text.removeprefix("RUN ").strip() if text.startswith("RUN |") else text
    args, text = _build_args(text)
    shell = _SHELL_PREFIX.match(text)
    if shell:
        text = text[shell.end() :]
        if not text.startswith("#(nop)"):
            return Step("RUN", text, args)
        text = text.removeprefix("#(nop)").strip()
    match = _INSTRUCTION.match(text)
    if match:
        return Step(match.group(1), match.group(2).strip(), args)
    return Step("", text, args)


def assignments(step: Step) -> list[tuple[str, str]]:
    """The NAME=value pairs an ENV/ARG step sets, and the build args a RUN saw."""
    pairs = list(step.build_args)
    if step.instruction in ("ENV", "ARG"):
        found = _PAIR.findall(step.text)
        if not found and step.instruction == "ENV" and " " in step.text:
            name, _, value = step.text.partition(" ")  # legacy `ENV NAME value`
            found = [(name, value.strip())]
        pairs += [(name, value.strip("\"'")) for name, value in found]
    return pairs


def is_secret(name: str, value: str) -> bool:
    """A credential-named variable with a literal value (not `$REF`, not a key id)."""
    if not value or value.startswith("$") or STARS in value:
        return False  # a reference, or already masked (and reported) by the source
    if _PUBLIC_NAME.search(name.upper()) or _FINGERPRINTS.match(value):
        return False
    return mask_env(f"{name}={value}")[1] == NAME_MASK


def mask_secrets(text: str) -> str:
    """The line with every secret-looking NAME=value written NAME=********."""

    def replace(match: re.Match[str]) -> str:
        name, value = match.group(1), match.group(2).strip("\"'")
        return f"{name}={NAME_MASK}" if is_secret(name, value) else match.group(0)

    def replace_legacy(match: re.Match[str]) -> str:
        name, value = match.group(2), match.group(3).strip()
        return f"{match.group(1)}{name} {NAME_MASK}" if is_secret(name, value) else match.group(0)

    return _LEGACY_ENV.sub(replace_legacy, _PAIR.sub(replace, text))


def commands(script: str) -> list[list[str]]:
    """A shell script as simple commands (words), split on `;`, `&&`, `||`, `|`, newlines.

    Good enough for the patterns we look for; quoting that spans a separator falls back
    to whitespace splitting rather than failing.
    """
    result = []
    script = _COMMENT.sub(r"\1", script)  # the shell ignores the rest of the line
    for segment in _SEPARATORS.split(script):
        segment = segment.strip().strip("()").strip()
        if not segment:
            continue
        try:
            words = shlex.split(segment, comments=False)
        except ValueError:
            words = segment.split()
        if words:
            result.append(words)
    return result


def _build_args(text: str) -> tuple[tuple[tuple[str, str], ...], str]:
    """Split off the `|N K=V ...` prefix the builders record for build args."""
    match = _BUILD_ARGS.match(text)
    if not match:
        return (), text
    count = int(match.group(1))
    words = text[match.end() :].split(" ", count)
    pairs = tuple(tuple(word.split("=", 1)) for word in words[:count] if "=" in word)
    rest = words[count] if len(words) > count else ""
    return pairs, rest  # type: ignore[return-value]
