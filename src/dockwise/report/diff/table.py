"""`dockwise diff --format table`: the diff for a terminal, laid out like `scan`'s table.

Every image string goes through `sanitize.text` (escaped controls, never rich markup).
"""

from __future__ import annotations

import io

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from dockwise.changes import ImageDiff
from dockwise.report.diff.rows import Block, blocks, heading, non_empty
from dockwise.report.sanitize import text
from dockwise.report.table import DEFAULT_WIDTH


class DiffTableReporter:
    """`--format table` for `dockwise diff`: the default, for people."""

    name = "table"

    def __init__(self, width: int = DEFAULT_WIDTH) -> None:
        self.width = width

    def render(self, change: ImageDiff) -> str:
        buffer = io.StringIO()
        console = Console(file=buffer, width=self.width, color_system=None, force_terminal=False,
                          markup=False, emoji=False, highlight=False)  # fmt: skip
        console.print(_heading(change))
        for block in non_empty(blocks(change)):
            console.print()
            console.print(_table(block))
        if change.is_empty:
            console.print()
            console.print(Text("No differences."))
        lines = [line.rstrip() for line in buffer.getvalue().rstrip().splitlines()]
        return "\n".join(lines) + "\n"


def _heading(change: ImageDiff) -> Table:
    grid = Table(title="Image diff", title_justify="left", box=None, show_header=False)
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in heading(change):
        grid.add_row(label, text(value))
    return grid


def _table(block: Block) -> Table:
    table = Table(title=f"{block.title} ({len(block.rows)})", title_justify="left",
                  box=box.SIMPLE_HEAD, show_edge=False)  # fmt: skip
    for header in block.headers:
        table.add_column(header, overflow="fold")
    for row in block.rows:
        table.add_row(*(text(cell) for cell in row))
    return table
