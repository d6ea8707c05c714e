"""Find secrets in bytes: keyword pre-filter, then the rule's regex, then masking.

The pre-filter finds every rule keyword in the lower-cased bytes in one Aho-Corasick pass
(as gitleaks does; one `in` test per keyword cost 30 passes over every text file), so a
file runs only the regexes of the rules whose keywords it contains; most files run none.
A hit keeps only the rule, the line, a masked excerpt and a sha256 of the secret, and
whether the value is a documented example (reported at low rather than dropped).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ahocorasick_rs import BytesAhoCorasick

from dockwise.security.masking import fingerprint, mask, tag
from dockwise.security.ruleset import CredentialFile, SecretRule, SecretRules, secret_rules

METADATA_SCOPES = ("any", "metadata")
METADATA_RULES = ("url-credentials",)  # a config-scope rule that also fits one-line metadata
CONTEXT = 40  # bytes of the line kept in front of a masked secret
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]+")
# scripts in a programming language are code (`'token': tok` is a dict, not a secret)
_CODE_SHEBANG = re.compile(rb"#![^\n]*\b(?:python|perl|node|ruby|php)")


@dataclass(frozen=True, slots=True)
class SecretHit:
    """One secret in one file, already masked."""

    rule: str
    line: int
    excerpt: str
    sha256: str
    example: bool = False  # a documented example value (AWS's ...EXAMPLE keys)

    def facts(self) -> dict[str, object]:
        facts = {"rule": self.rule, "line": self.line, "excerpt": self.excerpt,
                 "sha256": self.sha256}  # fmt: skip
        if self.example:
            facts["example"] = True
        return facts


def excluded(path: str) -> bool:
    """True for the documented known-false-positive and third-party paths. Every exclude
    glob names a directory (`X/**`, checked when the rules load), so the answer is the
    parent directory's, asked once per directory rather than once per file."""
    return _excluded_dir(path.rpartition("/")[0])


@functools.lru_cache(maxsize=4096)  # a layer lists a directory's files together
def _excluded_dir(parent: str) -> bool:
    return secret_rules().exclude.match(f"{parent}/_" if parent else "_") is not None


def scan_file(path: str, data: bytes, prone: bool = True) -> list[SecretHit]:
    """Secrets in one file, with the rules that apply to its kind of path: a file outside
    the secret-prone paths (`prone` False) gets the distinctive formats only, as code does."""
    ruleset = secret_rules()
    if not prone:  # the path-scoped rules' files are all secret-prone
        return scan(data, _distinctive(), ruleset)
    code = path.endswith(ruleset.code_suffixes) or _CODE_SHEBANG.match(data) is not None
    return scan(data, tuple(rules_for(path, ruleset, code)), ruleset)


@functools.cache
def _distinctive() -> tuple[SecretRule, ...]:
    """The rules of scope "any": all that most files get, so computed once."""
    return tuple(r for r in secret_rules().rules if r.scope == "any")


def credential_file(path: str, data: bytes) -> CredentialFile | None:
    """The well-known credential file this is (`.aws/credentials`, a kubeconfig with a
    user token, ...), when its content holds what makes it one."""
    ruleset = secret_rules()
    if ruleset.credential_paths.match(path) is None:
        return None
    for kind in ruleset.credential_files:
        if kind.paths.match(path) and kind.require.search(data):
            return kind
    return None


def rules_for(path: str, ruleset: SecretRules, code: bool = False) -> list[SecretRule]:
    """Code gets the distinctive formats only; config and shell files get all but
    the metadata rules; path-scoped rules only their own files."""
    wanted = {"any"} if code else {"any", "config"}
    return [
        r for r in ruleset.rules
        if r.scope in wanted or (r.paths is not None and r.paths.match(path))
    ]  # fmt: skip


def scan(data: bytes, rules: tuple[SecretRule, ...], ruleset: SecretRules) -> list[SecretHit]:
    """Every secret of `rules` in `data`, one hit per distinct secret, at most max_hits."""
    found: list[_Match] = []
    for rule in triggered(data, rules):
        _collect(data, rule, ruleset, found, examples=True)
    if not found:
        return []  # most files
    spans = [(m.s, m.e) for m in found]
    hits: dict[str, SecretHit] = {}
    for match in sorted(found, key=lambda m: m.s):
        hit = _hit(data, match, spans)
        hits.setdefault(hit.sha256, hit)
    return list(hits.values())


def triggered(data: bytes, rules: tuple[SecretRule, ...]) -> list[SecretRule]:
    """The rules (in their order) one of whose keywords occurs in `data`, any case."""
    automaton, owners = _prefilter(rules)
    hits = automaton.find_matches_as_indexes(data.lower(), overlapping=True)
    if not hits:
        return []
    wanted = {rule for keyword, _, _ in hits for rule in owners[keyword]}
    return [rule for i, rule in enumerate(rules) if i in wanted]


@functools.lru_cache(maxsize=64)
def _prefilter(
    rules: tuple[SecretRule, ...],
) -> tuple[BytesAhoCorasick, tuple[tuple[int, ...], ...]]:
    """One automaton over the keywords of these rules, and for each keyword the
    positions of the rules it belongs to (a few rule sets: by kind of path)."""
    keywords = sorted({k for rule in rules for k in rule.keywords})
    owners = tuple(
        tuple(i for i, rule in enumerate(rules) if keyword in rule.keywords) for keyword in keywords
    )
    return BytesAhoCorasick(keywords), owners


@dataclass(frozen=True, slots=True)
class _Match:
    start: int  # where the rule's match starts (its line is the hit's line)
    s: int  # the secret's span
    e: int
    rule: SecretRule
    example: bool


def _collect(
    data: bytes, rule: SecretRule, ruleset: SecretRules, found: list, examples: bool = False
) -> None:
    """Append the rule's matches that are secrets; documented example values too when
    `examples` (flagged), else they are dropped like placeholders."""
    for match in rule.regex.finditer(data):
        if len(found) >= ruleset.max_hits:
            return
        s, e = match.span("secret")
        if any(s < m.e and m.s < e for m in found):
            continue  # already reported by a more specific rule
        value = match["secret"].decode("utf-8", "replace")
        example = ruleset.examples.match(value) is not None
        if (example and not examples) or (not example and ruleset.placeholders.match(value)):
            continue
        found.append(_Match(match.start(), s, e, rule, example))


def _hit(data: bytes, match: _Match, spans: list) -> SecretHit:
    start, s, e = match.start, match.s, match.e
    begin = max(data.rfind(b"\n", 0, start) + 1, s - CONTEXT)
    return SecretHit(
        rule=match.rule.id,
        line=data.count(b"\n", 0, start) + 1,
        excerpt=_excerpt(data, begin, s, e, spans),
        sha256=fingerprint(data[s:e]),
        example=match.example,
    )


def _excerpt(data: bytes, begin: int, s: int, e: int, spans: list) -> str:
    """The text before the secret (other secrets in it masked) and the masked secret."""
    pieces, pos = [], begin
    for fs, fe in sorted(spans):
        if begin <= fs and fe <= s:  # another secret inside the context
            pieces += [_text(data[pos:fs]), mask(_text(data[fs:fe]))]
            pos = fe
        elif fs < begin < fe:  # the context starts inside another secret
            pos = fe
    pieces += [_text(data[min(pos, s) : s]), mask(_text(data[s:e]))]
    return "".join(pieces)


def _text(raw: bytes) -> str:
    return _UNPRINTABLE.sub(" ", raw.decode("utf-8", "replace"))


def redact(text: str) -> str:
    """Image metadata (an env value, a label, a history line) with every secret that
    any rule finds replaced by its tagged mask, `ghp_****[github-token]`."""
    if not text:
        return text
    ruleset = secret_rules()
    rules = [r for r in ruleset.rules if r.scope in METADATA_SCOPES or r.id in METADATA_RULES]
    data = text.encode("utf-8", "surrogateescape")
    found: list[_Match] = []
    for rule in triggered(data, tuple(rules)):
        _collect(data, rule, ruleset, found)
    for m in sorted(found, key=lambda m: m.s, reverse=True):
        data = data[: m.s] + tag(_text(data[m.s : m.e]), m.rule.id).encode() + data[m.e :]
    return data.decode("utf-8", "surrogateescape")
