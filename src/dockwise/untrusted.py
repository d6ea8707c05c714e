"""Parse JSON and YAML that came from outside: an image, a registry, an SBOM file.

Python's parsers recurse. `json.loads` of 200,000 nested brackets raises RecursionError,
and a document that just fits can still overflow later, when the report or the cache
walks it from a deeper stack. PyYAML's composer recurses per level too, and a YAML alias
lets a few hundred bytes stand for billions of nodes once anything walks the result.
Every such read goes through here, so a caller handles one `ValueError` (a warning for a
file inside an image, a one-line error for the image's own documents) instead of a
try/except for three exception types copied into every parser.
"""

from __future__ import annotations

import functools
import json
from itertools import accumulate
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml

# Real documents nest far less: npm v1 lockfiles, the deepest seen, stay under 50 levels.
# CPython's parsers and encoders give up near 1,000 levels minus the caller's own stack.
MAX_DEPTH = 256
# Nodes a YAML document stands for once its aliases are expanded.
MAX_YAML_NODES = 5_000_000

_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = [1 if b in b"[{" else -1 if b in b"]}" else 0 for b in range(256)]


@functools.cache
def _yaml() -> tuple[ModuleType, type]:
    """PyYAML and its fastest safe loader, imported on first use: 13 ms that every `sbom`
    paid, where most images hold no YAML file a cataloger reads."""
    import yaml

    return yaml, getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DocumentError(ValueError):
    """A document that is malformed, or built to exhaust the parser; says which, in one line."""


def load_json(data: bytes | str) -> Any:
    """The parsed document; any failure, however deep, is a one-line DocumentError."""
    if _json_depth(data) > MAX_DEPTH:
        raise DocumentError(f"invalid JSON (nested deeper than {MAX_DEPTH} levels)")
    try:
        return json.loads(data)
    except RecursionError:  # a depth the bracket count missed, e.g. UTF-16 text
        raise DocumentError("invalid JSON (nested too deep)") from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError alike
        raise DocumentError(f"invalid JSON ({_first_line(exc)})") from None


def load_yaml(data: bytes | str, *, aliases: bool = True) -> Any:
    """The first document, after one cheap pass over the parser's events has bounded its
    depth and its size with aliases expanded; `aliases=False` refuses any alias at all."""
    return next(iter(load_yaml_documents(data, aliases=aliases)), None)


def load_yaml_documents(data: bytes | str, *, aliases: bool = True) -> list[Any]:
    """Every document of a `---`-separated stream, bounded together as load_yaml's one."""
    yaml, loader = _yaml()
    try:
        _check_yaml_events(data, aliases)
        return list(yaml.load_all(data, Loader=loader))
    except yaml.YAMLError as exc:
        raise DocumentError(f"invalid YAML ({_first_line(exc)})") from None
    except RecursionError:
        raise DocumentError("invalid YAML (nested too deep)") from None


def load_jsonc(data: bytes | str) -> Any:
    """JSON with comments and trailing commas (bun.lock, tsconfig-style files), through
    pyjson5, which bounds nesting itself; failures are a one-line DocumentError."""
    import pyjson5  # on first use, as `_yaml`: few images hold a JSONC file

    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return pyjson5.decode(text, maxdepth=MAX_DEPTH)
    except UnicodeDecodeError:
        raise DocumentError("invalid JSON (not UTF-8 text)") from None
    except pyjson5.Json5NestingTooDeep:
        raise DocumentError(f"invalid JSON (nested deeper than {MAX_DEPTH} levels)") from None
    except pyjson5.Json5Exception as exc:  # its str() holds the partial result: not that
        raise DocumentError(f"invalid JSON ({exc.message})") from None


def _json_depth(data: bytes | str) -> int:
    """How deep brackets nest, in one C-speed pass: the largest running sum of +1 per
    opening and -1 per closing bracket.

    Brackets inside strings count too (stripping strings exactly costs more than the
    parse itself): text would need hundreds more opening than closing brackets to skew
    the count up, and one crafted to skew it down still meets json.loads's own
    RecursionError.
    """
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)
    if raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:
        return 0
    return _peak(raw, 0)[0]


def _peak(raw: bytes, start: int) -> tuple[int, int]:
    """The deepest point of `raw` entered at depth `start` (just `start` when it cannot
    reach MAX_DEPTH), and the depth it ends at."""
    brackets = raw.translate(None, _NOT_BRACKETS)
    opens = brackets.count(b"[") + brackets.count(b"{")
    end = start + 2 * opens - len(brackets)
    if start + opens <= MAX_DEPTH:  # cannot pass the cap: skip the per-bracket walk
        return start, end
    return max(accumulate(map(_STEP.__getitem__, brackets), initial=start)), end


class JsonDepthGuard:
    """The same bracket count for JSON read in chunks by a streaming parser (ijson), whose
    own cost grows with the square of the depth: `feed` each chunk before parsing it."""

    def __init__(self) -> None:
        self.depth = 0

    def feed(self, chunk: bytes) -> None:
        """DocumentError once the stream nests deeper than MAX_DEPTH."""
        peak, self.depth = _peak(chunk, self.depth)
        if peak > MAX_DEPTH:
            raise DocumentError(f"invalid JSON (nested deeper than {MAX_DEPTH} levels)")


def _check_yaml_events(data: bytes | str, aliases: bool) -> None:
    """Count nodes per anchor as the events pass, so an alias costs what it expands to."""
    sizes: dict[str, int] = {}
    open_nodes: list[list] = [[None, 0]]  # [anchor, nodes so far] per open collection
    total = 0
    yaml, loader = _yaml()
    for event in yaml.parse(data, Loader=loader):
        if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            open_nodes.append([event.anchor, 1])
            if len(open_nodes) > MAX_DEPTH:
                raise DocumentError(f"invalid YAML (nested deeper than {MAX_DEPTH} levels)")
            total += 1
        elif isinstance(event, yaml.CollectionEndEvent):
            _close(open_nodes, sizes, *open_nodes.pop())
        elif isinstance(event, yaml.ScalarEvent | yaml.AliasEvent):
            total += _leaf(event, open_nodes, sizes, aliases)
        if total > MAX_YAML_NODES:
            raise DocumentError(f"invalid YAML (over {MAX_YAML_NODES:,} nodes with aliases "
                                "expanded: an alias bomb?)")


def _leaf(event: yaml.Event, open_nodes: list[list], sizes: dict[str, int],
          aliases: bool) -> int:
    """The nodes a scalar or an alias adds, also counted into its parent collection."""
    if isinstance(event, _yaml()[0].ScalarEvent):
        return _close(open_nodes, sizes, event.anchor, 1)
    if not aliases:
        raise DocumentError("YAML aliases are not allowed here")
    return _close(open_nodes, sizes, None, sizes.get(event.anchor, 1))


def _close(open_nodes: list[list], sizes: dict[str, int], anchor: str | None,
           count: int) -> int:
    """Add a finished node of `count` nodes to its parent; remember it under its anchor."""
    if anchor:
        sizes[anchor] = count
    open_nodes[-1][1] += count
    return count


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
