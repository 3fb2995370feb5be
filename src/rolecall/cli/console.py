"""Consoles and the rich progress display used by the CLI."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


class RichBar:
    def __init__(self, progress: Progress, task: TaskID):
        self._p = progress
        self._task = task
        self._tokens = 0

    def advance(self, tokens: int = 0) -> None:
        self._tokens += tokens
        self._p.update(self._task, advance=1, tokens=f"{self._tokens:,} tok")

    def recount(self, total: int) -> None:
        self._p.update(self._task, total=total)

    def close(self) -> None:
        self._p.refresh()


class RichProgress:
    """Draws one bar per stage with counts, tokens, elapsed time and ETA (on stderr)."""

    def __init__(self) -> None:
        self._p = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[tokens]}"),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=err_console,
            transient=False,
        )

    def __enter__(self) -> RichProgress:
        self._p.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._p.stop()

    def stage(self, description: str, total: int) -> RichBar:
        task = self._p.add_task(description, total=total, tokens="")
        return RichBar(self._p, task)

    def note(self, message: str) -> None:
        self._p.console.print(message, markup=False, highlight=False)
