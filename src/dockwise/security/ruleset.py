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


@dataclass(frozen=True, slots=True)
class SecretRule:
    """One secret format: cheap keywords first, then the regex."""

    id: str
    title: str
    severity: Severity
    keywords: tuple[bytes, ...]
    regex: re.Pattern[bytes]
    scope: str  # "any", "config", or "paths"
    paths: re.Pattern[str] | None = None  # when scope == "paths"


@dataclass(frozen=True, slots=True)
class SecretRules:
    """Every secret rule plus where to look and what to skip."""

    rules: tuple[SecretRule, ...]
    globs: tuple[str, ...]  # coarse globs for the layer reader
    paths: tuple[str, ...]  # globs of non-executable files worth a look
    exclude: re.Pattern[str]
    code_suffixes: tuple[str, ...]
    placeholders: re.Pattern[str]
    max_size: int
    max_hits: int

    def by_id(self, rule_id: str) -> SecretRule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


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
        exclude=glob_regex(doc["exclude"]),
        code_suffixes=tuple(doc["code_suffixes"]),
        placeholders=re.compile(doc["placeholders"].strip()),
        max_size=int(doc["max_size"]),
        max_hits=int(doc["max_hits"]),
    )


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
