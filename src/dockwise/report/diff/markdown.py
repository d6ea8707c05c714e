"""`dockwise diff --format markdown`: the diff as a pull-request comment (GitHub-flavoured
Markdown tables).

Image strings are hostile and a comment is rendered as HTML by the forge, so every cell
is escaped twice over: controls shown as escapes (`sanitize.clean`), then every character
that Markdown or HTML would act on written as an entity or a backslash escape.
"""

from __future__ import annotations

from dockwise.changes import ImageDiff
from dockwise.report.diff.rows import Block, blocks, heading, non_empty
from dockwise.report.sanitize import clean

# Characters inline Markdown treats as syntax (a cell is inline only); `|` ends the cell.
_MD_SPECIAL = "\\`*_[]|~"
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}


class DiffMarkdownReporter:
    """`--format markdown` for `dockwise diff`."""

    name = "markdown"

    def render(self, change: ImageDiff) -> str:
        lines = ["## dockwise image diff", ""]
        lines += [f"- **{label}:** {md(value)}" for label, value in heading(change)]
        for block in non_empty(blocks(change)):
            lines += ["", *_table(block)]
        if change.is_empty:
            lines += ["", "No differences."]
        return "\n".join(lines) + "\n"


def _table(block: Block) -> list[str]:
    return [
        f"### {block.title} ({len(block.rows)})",
        "",
        "| " + " | ".join(block.headers) + " |",
        "|" + "---|" * len(block.headers),
        *("| " + " | ".join(md(cell) for cell in row) + " |" for row in block.rows),
    ]


def md(value: str) -> str:
    """`value` safe inside a Markdown table cell: no markup, no HTML, no line breaks."""
    out = []
    for char in clean(value):
        if char in _ENTITIES:
            out.append(_ENTITIES[char])
        elif char in _MD_SPECIAL:
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)
