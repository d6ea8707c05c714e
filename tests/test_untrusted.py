"""The one bounded loader for JSON and YAML that came from an image, a registry or an SBOM."""

from __future__ import annotations

import pytest

from dockwise.untrusted import (
    MAX_DEPTH,
    MAX_YAML_NODES,
    DocumentError,
    load_json,
    load_jsonc,
    load_yaml,
    load_yaml_documents,
)


def nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def billion_laughs() -> str:
    """Ten levels of nine aliases each: 10**9 nodes from under a kilobyte."""
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 10)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"[" * 200_000 + b"]" * 200_000, f"nested deeper than {MAX_DEPTH} levels"),
        (nested(MAX_DEPTH + 1), f"nested deeper than {MAX_DEPTH} levels"),
        ("[" * 200_000, f"nested deeper than {MAX_DEPTH} levels"),
        (b"{not json", "invalid JSON (Expecting property name"),
        (b"\xff\xfe{", "invalid JSON ("),
        (b"", "invalid JSON (Expecting value"),
    ],
    ids=["deep_arrays", "just_too_deep", "deep_text", "malformed", "not_utf8", "empty"],
)
def test_bad_json_is_one_value_error(data, message):
    with pytest.raises(ValueError) as error:
        load_json(data)
    assert isinstance(error.value, DocumentError)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_json_at_the_depth_limit_and_brackets_in_strings_load():
    assert load_json(nested(MAX_DEPTH))["a"]["a"]["a"]
    text = '{"regex": "' + "[a-z]" * 1000 + '", "list": [' + "[1]," * 1000 + "[2]]}"
    assert len(load_json(text)["list"]) == 1001


def test_utf8_bom_is_accepted():
    assert load_json("\ufeff{}".encode()) == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (billion_laughs(), f"over {MAX_YAML_NODES:,} nodes"),
        ("a: " + "[" * 200_000 + "]" * 200_000, f"nested deeper than {MAX_DEPTH} levels"),
        ("- " * 300 + "x", f"nested deeper than {MAX_DEPTH} levels"),
        ("a: [unclosed", "invalid YAML ("),
        ("a: !!python/object:os.system x", "invalid YAML ("),
    ],
    ids=["billion_laughs", "deep_flow", "deep_block", "malformed", "python_tag"],
)
def test_bad_yaml_is_one_value_error(text, message):
    with pytest.raises(DocumentError) as error:
        load_yaml(text)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_yaml_aliases_within_the_bound_expand():
    doc = load_yaml("base: &b {x: 1}\none: *b\ntwo: *b\n")
    assert doc["one"] == doc["two"] == {"x": 1}


def test_yaml_aliases_can_be_refused():
    with pytest.raises(DocumentError, match="aliases are not allowed"):
        load_yaml("a: &a [x]\nb: *a\n", aliases=False)
    assert load_yaml("a: [x]\n---\nb: 2\n", aliases=False) == {"a": ["x"]}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"[" * 200_000 + b"]" * 200_000, f"nested deeper than {MAX_DEPTH} levels"),
        (nested(MAX_DEPTH + 1), f"nested deeper than {MAX_DEPTH} levels"),
        (b'{"a": 1', "invalid JSON (Unclosed"),
        (b"\xff\xfe{", "invalid JSON (not UTF-8 text)"),
        (b'{"a": 1} trailing', "invalid JSON (Extra data"),
    ],
    ids=["deep_arrays", "just_too_deep", "unclosed", "not_utf8", "trailing_junk"],
)
def test_bad_jsonc_is_one_value_error(data, message):
    with pytest.raises(DocumentError) as error:
        load_jsonc(data)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_jsonc_allows_trailing_commas_and_comments():
    assert load_jsonc(b'{"a": [1, 2,], // note\n "b": {"c": null,},}') == {
        "a": [1, 2], "b": {"c": None}}  # fmt: skip
    assert load_jsonc(nested(MAX_DEPTH - 1)) is not None


def test_yaml_documents_are_bounded_together():
    assert load_yaml_documents(b"a: 1\n---\nb: 2\n") == [{"a": 1}, {"b": 2}]
    with pytest.raises(DocumentError, match="aliases are not allowed"):
        load_yaml_documents(b"a: 1\n---\nb: &x 1\nc: *x\n", aliases=False)
