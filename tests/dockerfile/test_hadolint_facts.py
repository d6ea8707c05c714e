"""Our rules against hadolint's own test facts (shared corpus, section 7).

Every fact whose hadolint rule we map, run with hadolint's default config, is a test:
triggered means at least one finding of the mapped DW rule (exactly one for the ONBUILD
variant, where each RUN is wrapped as `ONBUILD RUN`); not triggered means none. The facts
we deliberately disagree with are strict xfails with the reason, so an accidental change
of behaviour either way shows up. The per-rule agreement is in docs/dockerfile-lint.md.
"""

import json

import pytest
from corpus import CORPUS

from dockwise.dockerfile.lint import lint
from dockwise.dockerfile.rules import hadolint_map

FACTS = CORPUS / "dockerfile-lint" / "hadolint-rule-cases.json"
_PIP_RANGE = (
    "a version range is not a pin: `>=`, `<`, `!=` and `~=` still resolve to whatever is "
    "newest in range on the day of the build (the same judgement as `dockwise scan`)"
)
_ARG_SCOPE = (
    "an ARG declared in another stage is out of scope after FROM, so `${version}` expands "
    "to nothing and the package is unpinned (Docker's scoping; hadolint treats it as set)"
)
_KEY_ID = (
    "AWS_ACCESS_KEY_ID is an identifier, not the secret: like the image secrets checker we "
    "report AWS_SECRET_ACCESS_KEY and leave key ids alone"
)
# (hadolint rule, line of the fact in hadolint's spec file) -> why we differ
DISAGREE = {
    ("DL3013", 43): _PIP_RANGE, ("DL3013", 44): _PIP_RANGE, ("DL3013", 113): _PIP_RANGE,
    ("DL3013", 116): _PIP_RANGE, ("DL3013", 117): _PIP_RANGE, ("DL3013", 119): _PIP_RANGE,
    ("DL3013", 120): _PIP_RANGE,
    ("DL3033", 80): _ARG_SCOPE, ("DL3041", 111): _ARG_SCOPE,
    ("DL3064", 53): _KEY_ID, ("DL3064", 74): _KEY_ID, ("DL3064", 75): _KEY_ID,
}  # fmt: skip


def facts() -> list[dict]:
    mapped = hadolint_map()
    return [
        fact
        for fact in json.loads(FACTS.read_text())["facts"]
        if fact["rule"] in mapped and not fact["non_default_config"]
    ]


def dockerfile(fact: dict) -> str:
    """The fact's Dockerfile, with each RUN wrapped as ONBUILD RUN for onbuild facts."""
    if not fact["onbuild"]:
        return fact["dockerfile"]
    lines = fact["dockerfile"].split("\n")
    return "\n".join(f"ONBUILD {ln}" if ln.lstrip().upper().startswith("RUN") else ln
                     for ln in lines)  # fmt: skip


def agrees(fact: dict) -> bool:
    rule_id = "dockerfile/" + hadolint_map()[fact["rule"]]
    hits = [f for f in lint(dockerfile(fact)).findings if f.rule_id == rule_id]
    if not fact["expect_triggered"]:
        return not hits
    return len(hits) == 1 if fact["onbuild"] else bool(hits)


def _param(fact: dict):
    key = (fact["rule"], fact["source_line"])
    name = f"{fact['rule'].lower()}_line{fact['source_line']}"
    marks = [pytest.mark.xfail(strict=True, reason=DISAGREE[key])] if key in DISAGREE else []
    return pytest.param(fact, id=name, marks=marks)


@pytest.mark.parametrize("fact", [_param(f) for f in facts()])
def test_hadolint_fact(fact):
    assert agrees(fact), f"{fact['test_description']}: {fact['dockerfile']!r}"


def test_every_disagreement_is_a_real_fact():
    keys = {(f["rule"], f["source_line"]) for f in facts()}
    assert set(DISAGREE) <= keys
