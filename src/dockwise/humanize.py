"""Numbers as people read them, shared by the answers and every reporter so a size reads
the same in the five questions, the table and the HTML page."""

from __future__ import annotations


def human_size(size: int) -> str:
    """Bytes in the largest binary unit that keeps the number >= 1, like `docker images`."""
    value, unit = float(size), "B"
    for bigger in ("KiB", "MiB", "GiB", "TiB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"


def counted(count: int, noun: str) -> str:
    """`1 group`, `2 groups`: a count with its noun agreeing, for headings and verdicts."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
