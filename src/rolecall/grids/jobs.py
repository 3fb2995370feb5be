"""What the grid asks an executor to do (``CellJob``) and what it hears back (``CellEvent``).

Executors decide only where a cell runs, never what it contains: every cell is an ordinary
``rolecall run`` (``pipeline.start_run`` / ``reopen_run`` and ``execute_run_async``) whose run
directory ends up under ``GRID_DIR/cells/<cell id>/``.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from rolecall.errors import RolecallError
from rolecall.grids.cells import Cell

#: a cell whose worker died is started again (resuming what the driver holds) this many times in all
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class CellJob:
    cell: Cell
    #: the cell's run directory to continue, relative to the grid directory; None: a new run
    resume: str | None
    use_cache: bool = True
    attempt: int = 1


@dataclass(frozen=True)
class CellEvent:
    """``started``: a worker took the cell; ``run_dir``: its run directory exists (relative to the
    grid directory); ``retry``: its worker died and it is queued again; ``finished``: it ended,
    with ``error`` set when it did not complete (failed calls are counted, not errors)."""

    cell_id: str
    kind: Literal["started", "run_dir", "retry", "finished"]
    run_dir: str | None = None
    failed_calls: int = 0
    error: str | None = None
    wall_s: float | None = None
    worker: str | None = None


Emit = Callable[[CellEvent], None]


class Executor(Protocol):
    @property
    def name(self) -> Literal["local", "ray"]: ...

    def run(self, grid_dir: Path, jobs: list[CellJob], emit: Emit) -> None:
        """Run every job; report through ``emit`` (always from the calling thread)."""


def describe(exc: BaseException) -> str:
    """One line saying why a cell failed."""
    if isinstance(exc, RolecallError):
        text = str(exc)
    else:
        text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return " ".join(text.split())[:2000]


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def cell_out(grid_dir: Path, cell: Cell) -> Path:
    """The folder a cell's run directories are created in."""
    return grid_dir / "cells" / cell.id
