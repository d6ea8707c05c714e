"""Declared licenses as SPDX expressions: SPDX ids, DEP-5 short names, and the rest as
LicenseRefs that name what was declared."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from dockwise.report import licenses
from dockwise.report.licenses import combined, declared


@pytest.mark.parametrize(
    ("value", "expression"),
    [
        ("MIT", "MIT"),
        ("mit", "MIT"),
        ("GPL-2.0+", "GPL-2.0-or-later"),
        ("GPL-2+", "GPL-2.0-or-later"),
        ("GPL-2", "GPL-2.0-only"),
        ("LGPL-2.1+", "LGPL-2.1-or-later"),
        ("Apache-2", "Apache-2.0"),
        ("Expat", "MIT"),
        ("BSD-3-clause", "BSD-3-Clause"),
        ("GPL-1+ or Artistic", "GPL-1.0-or-later OR Artistic-1.0"),
        (
            "REGCOMP, and GPL-1+ or Artistic",
            "LicenseRef-REGCOMP AND (GPL-1.0-or-later OR Artistic-1.0)",
        ),
        ("GPL-2.0+ WITH Classpath-exception-2.0", "GPL-2.0-or-later WITH Classpath-exception-2.0"),
        ("GPL-3+ with Bison exception", "LicenseRef-GPL-3-with-Bison-exception"),
        ("public-domain", "LicenseRef-public-domain"),
        ("BSD", "LicenseRef-BSD"),
        ("Apache 2.0", "Apache-2.0"),  # LicenseRef-Apache-2.0 is on the list as an alias
        ("LicenseRef-Proprietary OR MIT", "LicenseRef-Proprietary OR MIT"),
        ("MIT AND (", "LicenseRef-MIT-AND"),
        ("BSD-3-clause and/or GPL-3+", "LicenseRef-BSD-3-clause-and-or-GPL-3"),
    ],
)  # fmt: skip
def test_declared(value, expression):
    assert declared(value).expression == expression


def test_license_refs_name_the_declared_text():
    assert declared("GPL-3+ with Bison exception or MIT").refs == (
        ("LicenseRef-GPL-3-with-Bison-exception", "GPL-3+ with Bison exception"),
    )
    assert declared("MIT").refs == ()


def test_combined_ands_every_value_once():
    values = ("GPL-2+", "GPL-1+ or Artistic", "public-domain", "BSD", "GPL-2.0+", "public-domain")
    both = combined(values)
    assert both.expression == (
        "GPL-2.0-or-later AND (GPL-1.0-or-later OR Artistic-1.0) AND LicenseRef-public-domain"
        " AND LicenseRef-BSD"
    )
    assert [ref for ref, _ in both.refs] == ["LicenseRef-public-domain", "LicenseRef-BSD"]


def _bundled_map() -> dict[str, list]:
    path = resources.files("dockwise.report").joinpath("data", "licenses.json")
    return json.loads(path.read_text("utf-8"))


def test_bundled_map_is_what_license_expression_answers():
    """license-expression stays the authority: every bundled answer is its answer today."""
    bundled = _bundled_map()
    assert len(bundled) > 150  # the Debian test images' distinct values
    for value, (expression, refs) in bundled.items():
        answer = licenses.computed(value)
        assert (answer.expression, [list(r) for r in answer.refs]) == (expression, refs), value


def test_bundled_values_skip_license_expression(monkeypatch):
    def refuse(value):
        raise AssertionError(f"parsed {value!r}")

    monkeypatch.setattr(licenses, "computed", refuse)
    licenses._declared.cache_clear()
    try:
        assert declared("GPL-1+ or Artistic").expression == "GPL-1.0-or-later OR Artistic-1.0"
        with pytest.raises(AssertionError, match="not in the map"):
            declared("not in the map")
    finally:
        licenses._declared.cache_clear()


def test_a_hostile_length_of_license_text_is_named_not_parsed(monkeypatch):
    """A 1 MB license field (package.json, METADATA) took license-expression minutes:
    it becomes one LicenseRef with a bounded id and text, without a parse."""
    def refuse(value):
        raise AssertionError("parsed a value past MAX_PARSED")

    monkeypatch.setattr(licenses, "computed", refuse)
    value = "MIT and " * 131072  # 1 MiB
    found = declared(value)
    [(ref, text)] = found.refs
    assert found.expression == ref and ref.startswith("LicenseRef-MIT-and-MIT")
    assert len(ref) < 100 and text.endswith(" [...]")
    assert len(text) == licenses.MAX_PARSED + len(" [...]")
    assert declared(value + "x").expression != ref  # the digest tells long values apart
