"""Type-checked reads from parsed JSON, so that a malformed record is a ValueError
(skipped with a warning), never an AttributeError deep inside a parser."""

from __future__ import annotations

from typing import Any


def obj(value: Any, what: str) -> dict:
    """`value` if it is a JSON object."""
    if not isinstance(value, dict):
        raise ValueError(f"{what}: expected an object, got {type(value).__name__}")
    return value


def text(body: dict, key: str, default: str = "") -> str:
    """A string field; missing or null is `default`."""
    value = body.get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        raise ValueError(f"{key}: expected a string, got {type(value).__name__}")
    return value


def texts(body: dict, key: str) -> tuple[str, ...]:
    """A list of strings; missing or null is empty."""
    value = body.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{key}: expected a list of strings")
    return tuple(value)


def objs(body: dict, key: str) -> list[dict]:
    """A list of objects; a lone object is accepted as a list of one (seen in real ELA
    records, whose `ranges` is sometimes an object)."""
    value = body.get(key)
    if value is None:
        return []
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise ValueError(f"{key}: expected a list")
    return [obj(v, key) for v in value]


def items(body: dict, key: str) -> list:
    """A list whose elements the caller checks one by one (so one bad element is one
    skipped record, not a skipped file); a lone object is a list of one, as in `objs`."""
    value = body.get(key)
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    if not isinstance(value, list):
        raise ValueError(f"{key}: expected a list")
    return value
