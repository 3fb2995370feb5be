"""Run a grid: expand the grid file, decide which cells need work, hand them to an executor, keep
grid.json current, then write the results and the reports.

A cell is skipped when grid.json has it done with the same input hashes (and its run directory
still has its summary); it is continued (``rolecall run --resume``) when its inputs are unchanged
but it failed or was interrupted; anything else starts a new run directory for it.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from rolecall.errors import RolecallError
from rolecall.formatting import plural
from rolecall.grids.analysis import grid_results
from rolecall.grids.cells import Cell, expand
from rolecall.grids.jobs import CellEvent, CellJob, Executor
from rolecall.grids.spec import LoadedGrid, load_grid
from rolecall.hashing import sha256_text
from rolecall.rundir import RunDir, write_json_atomic, write_text_atomic
from rolecall.rundir.grid import GridIndex, read_grid_index
from rolecall.rundir.layout import slug
from rolecall.rundir.versioned import dump_versioned

INDEX = "grid.json"
#: grid.json is rewritten at most this often while cells run (and always at the end)
SAVE_EVERY_S = 1.0


@dataclass
class GridOptions:
    executor: Literal["local", "ray"] = "local"
    ray_address: str | None = None
    max_parallel: int = 4
    use_cache: bool = True


@dataclass
class GridOutcome:
    grid_dir: Path
    index: dict[str, Any]
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(c["status"] == status for c in self.index["cells"])


def default_grid_dir(grid_file: Path, out: Path) -> Path:
    """Where a grid file's cells go unless told: ``OUT/<grid name>``; running it again continues there."""
    return out / slug(load_grid(grid_file).name, 80)


def read_index(grid_dir: Path) -> dict[str, Any] | None:
    path = grid_dir / INDEX
    if not path.exists():
        return None
    import json

    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise RolecallError(
            f"{INDEX} cannot be read ({exc}); remove it to start the grid afresh", path=path
        ) from None
    return read_grid_index(path, data)


def save_index(grid_dir: Path, index: dict[str, Any]) -> None:
    """Validate and write grid.json."""
    path = grid_dir / INDEX
    index["updated"] = _now()
    write_json_atomic(path, dump_versioned(GridIndex, index, path=path))


@contextmanager
def _locked(grid_dir: Path) -> Iterator[None]:
    try:
        grid_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(grid_dir / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise RolecallError(f"cannot create the grid directory: {exc.strerror}", path=grid_dir) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise RolecallError(
                "another `rolecall grid` is running on this grid directory", path=grid_dir
            ) from None
        yield
    finally:
        os.close(fd)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _entry(cell: Cell, prev: dict[str, Any] | None) -> dict[str, Any]:
    keep = prev if prev and prev["inputs_sha256"] == cell.inputs_sha256 else None
    return {
        "id": cell.id,
        "persona": cell.persona,
        "persona_path": str(cell.persona_path),
        "model": cell.model,
        "instrument": cell.instrument,
        "instrument_ref": cell.instrument_ref,
        "persona_style": cell.persona_style,
        "column": cell.column,
        "status": keep["status"] if keep else "pending",
        "run_dir": keep["run_dir"] if keep else None,
        "inputs": dict(cell.inputs),
        "inputs_sha256": cell.inputs_sha256,
        "wall_s": keep["wall_s"] if keep else None,
        "attempts": keep["attempts"] if keep else 0,
        "error": keep["error"] if keep else None,
        "failed_calls": keep["failed_calls"] if keep else 0,
        "cost_usd": keep["cost_usd"] if keep else None,
        "calls": keep["calls"] if keep else None,
        "verdict": keep["verdict"] if keep else None,
        "worker": keep["worker"] if keep else None,
        "mlflow_run_id": prev.get("mlflow_run_id") if prev else None,
    }


def plan(
    grid_dir: Path, cells: list[Cell], previous: dict[str, Any] | None, use_cache: bool
) -> tuple[list[dict[str, Any]], list[CellJob], list[str]]:
    """(grid.json cell entries, jobs to run, ids of the cells skipped)."""
    prev_by_id = {c["id"]: c for c in (previous or {}).get("cells", [])}
    entries: list[dict[str, Any]] = []
    jobs: list[CellJob] = []
    skipped: list[str] = []
    for cell in cells:
        prev = prev_by_id.get(cell.id)
        entry = _entry(cell, prev)
        run_dir = entry["run_dir"]
        usable = run_dir is not None and (grid_dir / run_dir / "manifest.json").is_file()
        if usable and entry["status"] == "done" and (grid_dir / run_dir / "summary.json").is_file():
            skipped.append(cell.id)
        else:
            if not usable:
                entry.update(status="pending", run_dir=None, error=None, failed_calls=0)
            jobs.append(CellJob(cell, resume=run_dir if usable else None, use_cache=use_cache))
            entry["status"] = "pending"
        entries.append(entry)
    return entries, jobs, skipped


class _State:
    """grid.json while the grid runs: cells updated from executor events, and saved by a
    background thread at most every ``SAVE_EVERY_S`` when something changed (a grid of thousands
    of cells would otherwise rewrite it thousands of times)."""

    def __init__(self, grid_dir: Path, index: dict[str, Any], say: Callable[[str], None]):
        self.grid_dir = grid_dir
        self.index = index
        self.by_id = {c["id"]: c for c in index["cells"]}
        self.say = say
        self._lock = threading.Lock()
        self._dirty = False
        self._stop = threading.Event()
        self._flusher = threading.Thread(target=self._flush_loop, name="grid.json", daemon=True)

    def __enter__(self) -> _State:
        self.save()
        self._flusher.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._flusher.join()
        self.save()

    def save(self) -> None:
        with self._lock:
            save_index(self.grid_dir, self.index)
            self._dirty = False

    def _flush_loop(self) -> None:
        while not self._stop.wait(SAVE_EVERY_S):
            if self._dirty:
                self.save()

    def on_event(self, ev: CellEvent) -> None:
        with self._lock:
            self._on_event(ev)
            self._dirty = True

    def _on_event(self, ev: CellEvent) -> None:
        c = self.by_id[ev.cell_id]
        if ev.kind == "started":
            c["attempts"] += 1
            c["worker"] = ev.worker or c["worker"]
        elif ev.kind == "run_dir":
            c["run_dir"] = ev.run_dir
            c["worker"] = ev.worker or c["worker"]
        elif ev.kind == "retry":
            self._add_wall(c, ev.wall_s)
            c["error"] = ev.error
            if ev.run_dir:
                c["run_dir"] = ev.run_dir
            self.say(f"retry   {c['id']}: {ev.error}; starting it again from what was received")
        else:
            self._finished(c, ev)

    @staticmethod
    def _add_wall(c: dict[str, Any], wall: float | None) -> None:
        if wall is not None:
            c["wall_s"] = round((c["wall_s"] or 0.0) + wall, 3)

    def _finished(self, c: dict[str, Any], ev: CellEvent) -> None:
        self._add_wall(c, ev.wall_s)
        if ev.worker:
            c["worker"] = ev.worker
        c["failed_calls"] = ev.failed_calls
        error = ev.error
        if error is None and c["run_dir"]:
            try:
                s = RunDir(self.grid_dir / c["run_dir"]).read_summary()
            except RolecallError as exc:
                error = str(exc)
            else:
                timing = s.get("timing") or {}
                c["cost_usd"] = timing.get("cost_usd")
                c["calls"] = s["calls"]["subject_calls"]
                c["verdict"] = (s.get("hypothesis") or {}).get("verdict")
        if error is None and ev.failed_calls:
            error = f"{plural(ev.failed_calls, 'call')} failed after retries"
        c["status"] = "failed" if error else "done"
        c["error"] = error
        wall = f"{ev.wall_s:.1f} s" if ev.wall_s is not None else ""
        self.say(f"{c['status']:<7} {c['id']} {wall}" + (f": {error}" if error else ""))


def make_executor(options: GridOptions, grid: LoadedGrid) -> Executor:
    if options.executor == "ray":
        from rolecall.grids.ray_exec import RayExecutor

        res = grid.spec.resources
        return RayExecutor(
            address=options.ray_address,
            max_parallel=options.max_parallel,
            num_cpus=res.num_cpus,
            num_gpus=res.num_gpus,
        )
    if options.executor != "local":
        raise RolecallError(f"--executor {options.executor!r}: choose local or ray")
    from rolecall.grids.local import LocalExecutor

    return LocalExecutor(max_parallel=options.max_parallel)


def run_grid(
    grid_file: Path | None,
    grid_dir: Path,
    options: GridOptions | None = None,
    *,
    say: Callable[[str], None] = lambda _line: None,
    executor: Executor | None = None,
) -> GridOutcome:
    """Run every cell of the grid that needs it, into ``grid_dir``; write grid.json and the reports.

    ``grid_file`` None: the grid file grid.json names (``--resume GRID_DIR``).
    """
    options = options or GridOptions()
    if options.max_parallel < 1:
        raise RolecallError("--max-parallel must be at least 1")
    if grid_file is None:
        recorded = read_index(grid_dir)
        if recorded is None:
            raise RolecallError(f"no {INDEX} here: not a grid directory", path=grid_dir)
        grid_file = Path(recorded["grid_file"])
    # every input is read and checked before the grid directory is created or locked
    grid = load_grid(grid_file)
    cells = expand(grid)
    executor = executor or make_executor(options, grid)
    with _locked(grid_dir):
        previous = read_index(grid_dir)
        entries, jobs, skipped = plan(grid_dir, cells, previous, options.use_cache)
        index: dict[str, Any] = {
            "name": grid.name,
            "grid_file": str(grid_file.resolve()),
            "grid_sha256": sha256_text(grid.text),
            "created": previous["created"] if previous else _now(),
            "updated": _now(),
            "executor": executor.name,
            "cells": entries,
        }
        if previous and previous.get("tracking"):
            index["tracking"] = previous["tracking"]
        write_text_atomic(grid_dir / "grid.yaml", grid.text)
        if skipped:
            say(f"{plural(len(skipped), 'cell')} done already with the same inputs: skipped")
        with _State(grid_dir, index, say) as state:
            executor.run(grid_dir, jobs, state.on_event)
        index["results"] = grid_results(grid_dir, index["cells"], seed=grid.spec.seed)
        save_index(grid_dir, index)
        from rolecall.report.grid_report import write_grid_reports

        write_grid_reports(grid_dir, index)
        return GridOutcome(grid_dir, index, ran=[j.cell.id for j in jobs], skipped=skipped)
