"""Make strings that came from an image safe to show on a terminal.

Anything inside an image (package names, labels, env, paths, history lines) is attacker
controlled. Printed raw, an ESC sequence can rewrite the screen, hide lines or set the
window title, and rich would read `[bold]` as markup. We show such characters visibly
(ESC becomes the four characters `\\x1b`) instead of dropping them, so a reviewer sees that
something odd is there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported in `text`: the CLI cleans its error lines without rich
    from rich.text import Text

# C0 controls, DEL and C1 controls: C1 0x9b is a one-byte CSI on some terminals.
_CONTROLS = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]
# Bidirectional overrides and isolates can reorder what is displayed ("trojan source",
# CVE-2021-42574), and zero-width/BOM characters can hide text; show them as escapes too.
_INVISIBLE = [0x200B, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0xFEFF]
_READABLE = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}


def _escape(codepoint: int) -> str:
    if codepoint in _READABLE:
        return _READABLE[codepoint]
    if codepoint <= 0xFF:
        return f"\\x{codepoint:02x}"
    return f"\\u{codepoint:04x}"


_TABLE = {cp: _escape(cp) for cp in (*_CONTROLS, *_INVISIBLE)}


def clean(value: str) -> str:
    """`value` with every control or display-reordering character written as an escape."""
    return value.translate(_TABLE)


def text(value: str, style: str = "") -> Text:
    """A rich `Text` of the cleaned value: `Text` is never parsed as markup."""
    from rich.text import Text

    return Text(clean(value), style=style)
