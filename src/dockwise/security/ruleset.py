"""The security rules, loaded once from `security/rules/` (TOML and YARA).

Rules are data so that adding a token format or a system tool name is a one-line
change reviewed as such; this module only compiles them.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from dockwise.globs import glob_regex
from dockwise.model import Severity

RULES = resources.files("dockwise.security") / "rules"


@dataclass(frozen=True, slots=True, eq=False)
class SecretRule:
    """One secret format: cheap keywords first, then the regex. Compared and hashed by
    identity (rules are loaded once): tuples of rules key the keyword automata."""

    id: str
    title: str
    severity: Severity
    keywords: tuple[bytes, ...]
    regex: re.Pattern[bytes]
    scope: str  # "any", "config", or "paths"
    paths: re.Pattern[str] | None = None  # when scope == "paths"


@dataclass(frozen=True, slots=True)
class CredentialFile:
    """A well-known credential file: its presence (holding `require`) is the finding."""

    id: str
    title: str
    severity: Severity
    paths: re.Pattern[str]
    require: re.Pattern[bytes]


@dataclass(frozen=True, slots=True)
class SecretRules:
    """Every secret rule plus where to look and what to skip."""

    rules: tuple[SecretRule, ...]
    globs: tuple[str, ...]  # what the layer reader shows the analyzer ("**": every file)
    paths: tuple[str, ...]  # globs of files where the "config" rules apply too
    exclude: re.Pattern[str]
    code_suffixes: tuple[str, ...]
    placeholders: re.Pattern[str]
    examples: re.Pattern[str]  # documented example values: reported at low, not dropped
    example_reason: str
    credential_files: tuple[CredentialFile, ...]
    credential_globs: tuple[str, ...]  # every credential file's paths, for cheap filters
    credential_paths: re.Pattern[str]  # any credential file's path: one test per file
    max_size: int
    max_hits: int

    def by_id(self, rule_id: str) -> SecretRule | CredentialFile | None:
        every = (*self.rules, *self.credential_files)
        return next((r for r in every if r.id == rule_id), None)


@dataclass(frozen=True, slots=True)
class ScriptRule:
    """A pattern of hostile shell use (download-and-execute, reverse shell)."""

    id: str
    title: str
    severity: Severity
    keywords: tuple[bytes, ...]
    regex: re.Pattern[bytes]


@dataclass(frozen=True, slots=True)
class IndicatorRules:
    """What the indicators analyzer extracts and what the binaries checker judges by."""

    scripts: tuple[ScriptRule, ...]
    schemes: frozenset[bytes]
    benign_hosts: frozenset[str]
    risky_host_suffixes: tuple[str, ...]
    risky_schemes: frozenset[str]
    max_endpoints: int
    max_scan: int
    system_tools: frozenset[str]
    confusables: dict[str, str]


def _toml(name: str) -> dict[str, Any]:
    return tomllib.loads((RULES / name).read_text(encoding="utf-8"))


@functools.cache
def secret_rules() -> SecretRules:
    """The compiled `rules/secrets.toml`."""
    doc = _toml("secrets.toml")
    return SecretRules(
        rules=tuple(_secret_rule(item) for item in doc["rule"]),
        globs=tuple(doc["globs"]),
        paths=tuple(doc["paths"]),
        exclude=glob_regex(_directories(doc["exclude"])),
        code_suffixes=tuple(doc["code_suffixes"]),
        placeholders=re.compile(doc["placeholders"].strip()),
        examples=re.compile(doc["examples"].strip()),
        example_reason=doc["example_reason"],
        credential_files=tuple(_credential_file(item) for item in doc["credential_file"]),
        credential_globs=tuple(g for item in doc["credential_file"] for g in item["paths"]),
        credential_paths=glob_regex([g for item in doc["credential_file"] for g in item["paths"]]),
        max_size=int(doc["max_size"]),
        max_hits=int(doc["max_hits"]),
    )


def _directories(globs: list[str]) -> list[str]:
    """The exclude globs, each of which must name a directory (`secretscan.excluded`
    answers per directory)."""
    wrong = [g for g in globs if not g.endswith("/**")]
    if wrong:
        raise ValueError(f"secrets.toml: exclude globs must end in /**: {wrong}")
    return globs


def _secret_rule(item: dict[str, Any]) -> SecretRule:
    scope = item["scope"]
    return SecretRule(
        id=item["id"],
        title=item["title"],
        severity=Severity.parse(item["severity"]),
        keywords=tuple(k.lower().encode() for k in item["keywords"]),
        regex=re.compile(item["regex"].encode()),
        scope="paths" if isinstance(scope, list) else scope,
        paths=glob_regex(scope) if isinstance(scope, list) else None,
    )


def _credential_file(item: dict[str, Any]) -> CredentialFile:
    return CredentialFile(
        id=item["id"],
        title=item["title"],
        severity=Severity.parse(item["severity"]),
        paths=glob_regex(item["paths"]),
        require=re.compile(item["require"].encode()),
    )


@functools.cache
def indicator_rules() -> IndicatorRules:
    """The compiled `rules/indicators.toml`."""
    doc = _toml("indicators.toml")
    return IndicatorRules(
        scripts=tuple(
            ScriptRule(
                id=s["id"],
                title=s["title"],
                severity=Severity.parse(s["severity"]),
                keywords=tuple(k.lower().encode() for k in s["keywords"]),
                regex=re.compile(s["regex"].encode()),
            )
            for s in doc["script"]
        ),
        schemes=frozenset(s.encode() for s in doc["schemes"]),
        benign_hosts=frozenset(doc["benign_hosts"]),
        risky_host_suffixes=tuple(doc["risky_host_suffixes"]),
        risky_schemes=frozenset(doc["risky_schemes"]),
        max_endpoints=int(doc["max_endpoints"]),
        max_scan=int(doc["max_scan"]),
        system_tools=frozenset(doc["system_tools"]),
        confusables=dict(doc["confusables"]),
    )


@functools.cache
def miner_rules() -> Any:
    """The compiled YARA rules (`rules/*.yar`); None when yara-python is missing."""
    try:
        import yara
    except ImportError:  # a dependency; a broken install loses the miner rules only
        return None
    sources = {
        p.name: p.read_text(encoding="utf-8") for p in RULES.iterdir() if p.name.endswith(".yar")
    }
    return yara.compile(sources=sources)
