"""`lint()`: a Dockerfile's text in, Findings and parse warnings out.

Findings use the shape every reporter and the policy already understand: kind
"dockerfile", rule id `dockerfile/DW###`, the Dockerfile's path as location, and the line,
the instruction (secrets masked) and the hadolint equivalent as evidence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from dockwise.dockerfile.parser import parse_bytes
from dockwise.dockerfile.rules import Rule, hadolint_map, rules
from dockwise.dockerfile.stages import Context, Hit, context
from dockwise.errors import DockwiseError
from dockwise.model import Finding, Location, ScanWarning
from dockwise.provenance.steps import mask_secrets

KIND = "dockerfile"
EXCERPT = 240  # characters of the instruction kept as evidence


@dataclass(frozen=True, slots=True)
class LintResult:
    """What `dockwise lint` found in one Dockerfile."""

    path: str
    findings: tuple[Finding, ...]
    warnings: tuple[ScanWarning, ...] = ()


BINARY_PROBE = 8192  # bytes looked at to tell a binary file from a Dockerfile
BUILD_FILES = ("Dockerfile", "Containerfile")  # what `docker build` / `podman build` DIR read


def lint_path(path: str) -> LintResult:
    """Lint a file, the build file in a directory, or stdin (`-`); an unreadable file is a
    DockwiseError (exit 2)."""
    import sys

    if path != "-" and Path(path).is_dir():
        path = str(_build_file(Path(path)))
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise DockwiseError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if b"\0" in data[:BINARY_PROBE]:
        # a NUL byte never occurs in a Dockerfile: linting it would report nothing wrong
        raise DockwiseError(f"{path}: not a Dockerfile (binary content)")
    return lint(data, path="<stdin>" if path == "-" else path)


def _build_file(directory: Path) -> Path:
    """A directory stands for its Dockerfile, else its Containerfile, as for a build."""
    candidates = [directory / name for name in BUILD_FILES]
    found = next((c for c in candidates if c.is_file()), None)
    if found is None:
        raise DockwiseError(f"{directory}: neither {candidates[0]} nor {candidates[1]} is a file")
    return found


def lint(data: bytes | str, path: str = "Dockerfile", ignore: Iterable[str] = ()) -> LintResult:
    """Every rule over one Dockerfile, minus ignored ids (`DW###` or hadolint `DL####`)."""
    raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
    dockerfile = parse_bytes(raw)
    ignored = normalise_ids(ignore)
    ctx = context(dockerfile)
    warnings = [ScanWarning(f"line {n}: {m}" if n else m, path) for n, m in dockerfile.warnings]
    findings = []
    for rule in rules():
        if rule.id in ignored:
            continue
        hits, error = _run(rule, ctx)
        if error:
            warnings.append(ScanWarning(f"rule {rule.id} could not run: {error}", path))
        findings += [_finding(rule, hit, path) for hit in hits if not _ignored_inline(rule, hit)]
    findings.sort(key=lambda f: (_line(f), f.rule_id))
    return LintResult(path, tuple(findings), tuple(warnings))


def normalise_ids(ids: Iterable[str]) -> set[str]:
    """`DW101`, `dockerfile/DW101` and hadolint's `DL3008` all mean DW101."""
    mapping = hadolint_map()
    result = set()
    for raw in ids:
        word = raw.strip().upper().removeprefix("DOCKERFILE/")
        result.add(mapping.get(word, word))
    return result


def unknown_ids(ids: Iterable[str]) -> list[str]:
    """The ids, as given, that name none of our rules: a typo would silently ignore nothing."""
    known = {rule.id for rule in rules()}
    return [raw for raw in ids if not normalise_ids([raw]) <= known]


def _run(rule: Rule, ctx: Context) -> tuple[list[Hit], str]:
    """A rule's hits; a crashing rule on odd input is a warning, never a traceback."""
    try:
        return list(rule.check(ctx)), ""
    except (ValueError, IndexError, KeyError, TypeError, RecursionError) as exc:
        return [], f"{type(exc).__name__}: {exc}"[:200]


def _ignored_inline(rule: Rule, hit: Hit) -> bool:
    return rule.id in normalise_ids(hit[0].ignores) if hit[0].ignores else False


def _finding(rule: Rule, hit: Hit, path: str) -> Finding:
    instruction, detail = hit
    title = f"{rule.title}: {detail}" if detail else rule.title
    evidence = [("line", str(instruction.line)),
                ("instruction", mask_secrets(instruction.source)[:EXCERPT])]  # fmt: skip
    if rule.hadolint:
        evidence.append(("hadolint", ",".join(rule.hadolint)))
    return Finding(
        kind=KIND,
        rule_id=rule.rule_id,
        severity=rule.severity,
        title=mask_secrets(title)[:EXCERPT],
        location=Location(path),
        evidence=tuple(evidence),
        references=(f"https://github.com/hadolint/hadolint/wiki/{rule.hadolint[0]}",)
        if rule.hadolint
        else (),
    )


def _line(finding: Finding) -> int:
    return int(dict(finding.evidence).get("line", "0"))
