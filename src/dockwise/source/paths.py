"""Archive paths made root-relative: the one rule every reader of names follows (the
outer archive's index, the layer reader, the file tree, the analyzers)."""

from __future__ import annotations


def normalize(path: str) -> str | None:
    """Archive path to a root-relative path; None when it climbs out of the root."""
    if path and path[0] not in "./" and "//" not in path and "/." not in path:
        return path[:-1] if path[-1] == "/" else path  # the common, already clean case
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)
