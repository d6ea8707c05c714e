"""Progress on a terminal: one bar over the image's layers (stderr, transient)."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from dockwise.model import LayerRef


class LayerProgress:
    """Context manager and progress callback for `pipeline.sbom`."""

    def __init__(self) -> None:
        self._progress = Progress(
            TextColumn("reading layers"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._task = self._progress.add_task("layers", total=None)

    def __enter__(self) -> LayerProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def __call__(self, layer: LayerRef, total: int) -> None:
        self._progress.update(self._task, total=total, completed=layer.index + 1)
