"""Progress on a terminal (stderr, transient): one bar over the image's layers, or one
bar per feed file a database build downloads."""

from __future__ import annotations

import os
import sys
from contextlib import AbstractContextManager, nullcontext

from dockwise.model import LayerRef


def bars(quiet: bool, feeds: bool = False) -> AbstractContextManager:
    """Rich bars on a terminal (over the layers, or over the feed files a database build
    downloads); nothing in CI, pipes or when quiet. rich is imported only when a bar is
    shown: a quiet run never pays for it."""
    if quiet or os.environ.get("CI") or not sys.stderr.isatty():
        return nullcontext(None)
    return FeedProgress() if feeds else LayerProgress()


class LayerProgress:
    """Context manager and progress callback for `pipeline.read.sbom`."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

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


class FeedProgress:
    """One transient bar per downloading file (UpdateProgress for vulndb.update)."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
            console=Console(stderr=True), transient=True,
        )  # fmt: skip
        self._tasks: dict[str, int] = {}

    def __enter__(self) -> FeedProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def file_started(self, label: str, total: int | None) -> None:
        name = label.split("://", 1)[-1].split("/", 1)[-1]
        self._tasks[label] = self._progress.add_task(name[-48:], total=total)

    def file_advanced(self, label: str, done: int, total: int | None) -> None:
        if label in self._tasks:
            self._progress.update(self._tasks[label], completed=done, total=total)

    def file_done(self, label: str) -> None:
        if label in self._tasks:
            self._progress.remove_task(self._tasks.pop(label))
