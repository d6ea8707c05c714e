"""The policy file: `dockwise.toml`, `[tool.dockwise]` in `pyproject.toml`, or `--policy`.

Each top-level table is one rule; `action` is "fail" (the default) or "warn", and a rule
with no other options may be written as a string (`non-root = "fail"`). `[[ignore]]`
entries and `ignore-file` use the suppression file's format and loader
(`dockwise.checks.suppress`), so one ignore list serves `scan --ignore-file` and the gate.
`allow-uncovered` lists the package groups the vulnerability database may leave
uncovered (policy/coverage.py); `[severity] unknown` says how unrated findings count;
`ignore-dev = true` leaves out findings in dependencies a lockfile marks dev-only (the
verdict says how many it left out).

    allow-uncovered = ["Debian 12"]
    ignore-dev = true

    [severity]
    at-least = "high"
    only-fixed = true
    unknown = "medium"

    known-exploited = "fail"

    [[ignore]]
    id = "CVE-2023-4863"
    reason = "not reachable"
    expires = 2026-06-30

Validation is strict: an unknown key or a bad value is a `PolicyError`, which the CLI
prints as one line and exits 2, because a typo in a gate must not silently pass a build.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dockwise.checks.suppress import IgnoreRule, SuppressionError, load_ignore_file
from dockwise.checks.suppress import ignore_entry as _ignore_entry
from dockwise.errors import DockwiseError
from dockwise.model import Severity

ACTIONS = ("fail", "warn")
KINDS = ("vulnerability", "secret", "config", "suspicious-binary", "provenance", "lifecycle")
SIGNATURE_LEVELS = ("verified", "signed")
POLICY_FILE, PYPROJECT = "dockwise.toml", "pyproject.toml"
GENERAL_KEYS = ("ignore", "ignore-file", "allow-uncovered", "ignore-dev")
UNKNOWN_MODES = ("fail", "ignore")  # [severity] unknown = ...; or a level to rate them at


class PolicyError(DockwiseError):
    """The policy file cannot be read, or says something the gate does not understand."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of the policy, its options validated and converted."""

    name: str
    action: str = "fail"
    options: tuple[tuple[str, Any], ...] = ()

    def get(self, key: str, default: Any = None) -> Any:
        """An option's value, or its default when the file does not set it."""
        return dict(self.options).get(key, default)


@dataclass(frozen=True, slots=True)
class Policy:
    """The rules the gate applies, plus ignore entries (with expiry) of its own."""

    rules: tuple[Rule, ...] = ()
    ignore: tuple[IgnoreRule, ...] = ()
    source: str = ""  # where it came from, for messages: "dockwise.toml", "--fail-on high"
    # package groups the database may leave uncovered: types, releases or ecosystems (globs)
    allow_uncovered: tuple[str, ...] = ()
    ignore_dev: bool = False  # findings in dev-only dependencies do not count

    def rule(self, name: str) -> Rule | None:
        return next((r for r in self.rules if r.name == name), None)


# -- option validators: value in, converted value out, or ValueError with the expectation


def _severity(value: Any) -> Severity:
    """A level, `unknown` included (the unrated band); anything else is a typo."""
    word = value.strip().lower() if isinstance(value, str) else ""
    level = Severity.parse(word)
    if level is Severity.UNKNOWN and word != "unknown":
        raise ValueError("a severity: unknown, negligible, low, medium, high or critical")
    return level


def _unknown_mode(value: Any) -> str:
    """How the severity rule counts unknown-severity findings: "fail" (the default: they
    count at every level), "ignore", or a level to rate them at."""
    if value in UNKNOWN_MODES:
        return value
    level = Severity.parse(value) if isinstance(value, str) else Severity.UNKNOWN
    if level is Severity.UNKNOWN:
        raise ValueError('"fail", "ignore" or a level to count them as (low, medium, ...)')
    return str(level)


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("true or false")
    return value


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError("a whole number of days above 0")
    return value


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise ValueError("a non-empty list of strings")
    return tuple(value)


def _kinds(value: Any) -> tuple[str, ...]:
    kinds = _strings(value)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise ValueError(f"finding kinds among {', '.join(KINDS)} (not {unknown[0]!r})")
    return kinds


def _signature_level(value: Any) -> str:
    if value not in SIGNATURE_LEVELS:
        raise ValueError(f"one of {', '.join(SIGNATURE_LEVELS)}")
    return value


Validator = Callable[[Any], Any]
# rule name -> its options (besides `action`); the names a policy file may use
RULE_OPTIONS: Mapping[str, Mapping[str, Validator]] = {
    "severity": {
        "at-least": _severity,
        "only-fixed": _bool,
        "kinds": _kinds,
        "unknown": _unknown_mode,
    },
    "known-exploited": {},
    "end-of-life": {"include-extended": _bool},
    "max-age": {"days": _positive_int, "allow-unknown": _bool},
    "non-root": {},
    "no-secrets": {},
    "allowed-registries": {"registries": _strings},
    "allowed-bases": {"bases": _strings},
    "signature": {"require": _signature_level},
}
REQUIRED_OPTIONS = {
    "severity": ("at-least",),
    "max-age": ("days",),
    "allowed-registries": ("registries",),
    "allowed-bases": ("bases",),
}


def find_policy(directory: Path) -> Path | None:
    """`dockwise.toml`, else a `pyproject.toml` that has a `[tool.dockwise]` table."""
    candidate = directory / POLICY_FILE
    if candidate.is_file():
        return candidate
    pyproject = directory / PYPROJECT
    if pyproject.is_file() and "dockwise" in _read_toml(pyproject).get("tool", {}):
        return pyproject
    return None


def load_policy(path: Path) -> Policy:
    """Read and validate a policy file; any problem is a one-line `PolicyError`."""
    data = _read_toml(path)
    if path.name == PYPROJECT:
        data = data.get("tool", {}).get("dockwise")
        if not isinstance(data, dict):
            raise PolicyError(f"{path}: no [tool.dockwise] table")
    return parse_policy(data, path)


def parse_policy(data: Mapping[str, Any], path: Path) -> Policy:
    """A policy from the already-parsed table (the file itself, or `[tool.dockwise]`)."""
    rules = tuple(_parse_rule(path, name, value) for name, value in data.items()
                  if name not in GENERAL_KEYS)  # fmt: skip
    ignore = _ignore_entries(path, data.get("ignore", []))
    if "ignore-file" in data:
        ignore += _ignore_file(path, data["ignore-file"])
    ignore_dev = data.get("ignore-dev", False)
    if not isinstance(ignore_dev, bool):
        raise PolicyError(f"{path}: ignore-dev must be true or false, not {ignore_dev!r}")
    return Policy(rules, ignore, str(path), _allow_uncovered(path, data), ignore_dev)


def with_fail_on(policy: Policy | None, level: str) -> Policy:
    """`--fail-on LEVEL`: the policy's severity rule at LEVEL (its kinds and only-fixed
    kept, so a policy can narrow what counts), or a new rule counting every kind."""
    base = policy or Policy(source=f"--fail-on {level}")
    current = base.rule("severity")
    options = dict(current.options) if current else {}
    options["at-least"] = _severity(level)
    rule = Rule("severity", "fail", tuple(sorted(options.items())))
    others = tuple(r for r in base.rules if r.name != "severity")
    return dataclasses.replace(base, rules=(rule, *others))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise PolicyError(f"{path}: cannot read ({e.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise PolicyError(f"{path}: invalid TOML: {e}") from None


def _parse_rule(path: Path, name: str, value: Any) -> Rule:
    if name not in RULE_OPTIONS:
        known = ", ".join((*RULE_OPTIONS, *GENERAL_KEYS))
        raise PolicyError(f"{path}: unknown rule `{name}` (known: {known})")
    if isinstance(value, str):
        value = {"action": value}
    if not isinstance(value, dict):
        raise PolicyError(f'{path}: `{name}` must be a table or "fail"/"warn"')
    action = value.get("action", "fail")
    if action not in ACTIONS:
        raise PolicyError(f'{path}: {name}.action must be "fail" or "warn", not {action!r}')
    options = tuple(sorted(_options(path, name, value).items()))
    return Rule(name, action, options)


def _options(path: Path, name: str, table: Mapping[str, Any]) -> dict[str, Any]:
    spec = RULE_OPTIONS[name]
    out = {}
    for key, raw in table.items():
        if key == "action":
            continue
        if key not in spec:
            allowed = ", ".join(("action", *spec))
            raise PolicyError(f"{path}: {name}: unknown key `{key}` (allowed: {allowed})")
        try:
            out[key] = spec[key](raw)
        except ValueError as e:
            raise PolicyError(f"{path}: {name}.{key} must be {e}, not {raw!r}") from None
    missing = [k for k in REQUIRED_OPTIONS.get(name, ()) if k not in out]
    if missing:
        raise PolicyError(f"{path}: {name} needs `{missing[0]}`")
    return out


def _ignore_entries(path: Path, entries: Any) -> tuple[IgnoreRule, ...]:
    """`[[ignore]]`, validated entry by entry exactly as the suppression file is."""
    if not isinstance(entries, list):
        raise PolicyError(f"{path}: `ignore` must be a list of tables ([[ignore]])")
    try:
        return tuple(_ignore_entry(path, i, entry) for i, entry in enumerate(entries))
    except SuppressionError as e:
        raise PolicyError(str(e)) from None


def _allow_uncovered(path: Path, data: Mapping[str, Any]) -> tuple[str, ...]:
    """`allow-uncovered = ["deb", "Debian 12", "PyPI"]`: groups accepted without advisories."""
    if "allow-uncovered" not in data:
        return ()
    try:
        return _strings(data["allow-uncovered"])
    except ValueError as e:
        raise PolicyError(f"{path}: allow-uncovered must be {e}") from None


def _ignore_file(path: Path, value: Any) -> tuple[IgnoreRule, ...]:
    """The shared suppression file, relative to the policy file."""
    if not isinstance(value, str) or not value:
        raise PolicyError(f"{path}: ignore-file must be a path, not {value!r}")
    try:
        return load_ignore_file(path.parent / value)
    except SuppressionError as e:
        raise PolicyError(str(e)) from None
