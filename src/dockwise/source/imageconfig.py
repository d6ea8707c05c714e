"""The image config blob (OCI image-spec config.md) as dockwise's ImageInfo.

Required structure (rootfs.diff_ids) is checked strictly, because a wrong layer list
would make every later answer wrong; optional fields of the wrong type are dropped.
"""

from __future__ import annotations

import re
from typing import Any

from dockwise.errors import SourceError
from dockwise.model import HistoryEntry, ImageInfo, LayerRef, RunConfig
from dockwise.security.masking import NAME_MASK
from dockwise.security.secretscan import redact
from dockwise.untrusted import load_json

# names of environment variables whose values are credentials, not configuration
_SECRET_NAME = re.compile(
    r"(PASS(WORD|WD)?|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?|AUTH|"
    r"_KEY$|^KEY$|DSN|CONNECTION_STRING|SESSION)",
    re.I,
)
DIGEST = re.compile(r"sha256:[0-9a-f]{64}\Z")


def parse_json(raw: bytes, what: str) -> dict[str, Any]:
    """JSON object or a one-line SourceError naming the document."""
    try:
        doc = load_json(raw)
    except ValueError as exc:
        raise SourceError(f"{what}: {exc}") from None
    if not isinstance(doc, dict):
        raise SourceError(f"{what}: expected a JSON object")
    return doc


def diff_ids(config: dict[str, Any], what: str) -> list[str]:
    """`rootfs.diff_ids`, each a sha256 digest."""
    rootfs = config.get("rootfs")
    ids = rootfs.get("diff_ids") if isinstance(rootfs, dict) else None
    if not isinstance(ids, list) or not all(isinstance(i, str) and DIGEST.match(i) for i in ids):
        raise SourceError(f"{what}: rootfs.diff_ids is missing or malformed")
    return ids


def mask_env(item: str) -> tuple[str, str]:
    """`NAME=value` -> (NAME, value), the value masked when the name says it is secret,
    and any token the secret rules recognise masked with its rule (security/masking.py)."""
    name, _, value = item.partition("=")
    return name, (NAME_MASK if value and _SECRET_NAME.search(name) else redact(value))


def mask_label(key: str, value: str) -> tuple[str, str]:
    """A label with recognised tokens masked; not by key, as ".authors" is no secret."""
    return key, redact(value)


def layer_refs(
    config: dict[str, Any], ids: list[str], digests: list[str], sizes: list[int]
) -> tuple[LayerRef, ...]:
    """One LayerRef per diff_id, carrying the history line that created it."""
    lines = [h.created_by for h in history(config) if not h.empty_layer]
    return tuple(
        LayerRef(
            index=i,
            diff_id=diff_id,
            digest=digests[i] if i < len(digests) else "",
            created_by=lines[i] if i < len(lines) else "",
            size=sizes[i] if i < len(sizes) else 0,
        )
        for i, diff_id in enumerate(ids)
    )


def history(config: dict[str, Any]) -> tuple[HistoryEntry, ...]:
    entries = []
    layer = 0
    for item in _list(config.get("history")):
        if not isinstance(item, dict):
            continue
        empty = bool(item.get("empty_layer"))
        entries.append(
            HistoryEntry(
                created_by=redact(_str(item.get("created_by"))),  # `RUN |1 TOKEN=...`
                created=_str(item.get("created")),
                comment=_str(item.get("comment")),
                empty_layer=empty,
                layer_index=None if empty else layer,
            )
        )
        layer += 0 if empty else 1
    return tuple(entries)


def run_config(config: dict[str, Any]) -> RunConfig:
    """The `config` section: how the container will run."""
    section = config.get("config")
    section = section if isinstance(section, dict) else {}
    health = section.get("Healthcheck")
    return RunConfig(
        user=_str(section.get("User")),
        exposed_ports=tuple(sorted(_dict(section.get("ExposedPorts")))),
        entrypoint=_strings(section.get("Entrypoint")),
        cmd=_strings(section.get("Cmd")),
        working_dir=_str(section.get("WorkingDir")),
        env=tuple(mask_env(item) for item in _strings(section.get("Env"))),
        labels=tuple(
            sorted(mask_label(k, _str(v)) for k, v in _dict(section.get("Labels")).items())
        ),
        stop_signal=_str(section.get("StopSignal")),
        healthcheck=_strings(health.get("Test")) if isinstance(health, dict) else (),
        volumes=tuple(sorted(_dict(section.get("Volumes")))),
    )


def image_info(config: dict[str, Any], layers: tuple[LayerRef, ...], **facts: Any) -> ImageInfo:
    """ImageInfo from the config plus what the source knows (digests, tags, scheme)."""
    return ImageInfo(
        os=_str(config.get("os")),
        architecture=_str(config.get("architecture")),
        variant=_str(config.get("variant")),
        created=_str(config.get("created")),
        author=_str(config.get("author")),
        config=run_config(config),
        history=history(config),
        layers=layers,
        **facts,
    )


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(v for v in _list(value) if isinstance(v, str))
