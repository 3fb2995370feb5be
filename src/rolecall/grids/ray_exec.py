"""The ``ray`` executor: cells run on Ray workers, one cell at a time per worker.

* Workers are Ray actors (``CellWorker``), at most ``max_parallel`` of them, each reserving the
  grid's ``resources`` (``num_cpus``, ``num_gpus``). An actor is one long-lived process, so a
  local GGUF model or the semantic judge's embedder is loaded once per worker and kept for every
  cell it runs (rolecall keeps loaded models per process).
* Nothing depends on a shared file system. The driver sends each cell its persona file and
  instrument file (and, to continue a cell, its run directory); the worker runs the cell in a
  temporary folder and streams the run directory back (``rolecall.grids.sync``), and the driver
  writes it under the grid directory. Model files a spec names (a GGUF, a scripted rules file)
  must exist on the workers at the same path, as must ``rolecall`` itself.
* A worker that dies loses only what it had not yet sent: its cell is started again on a fresh
  worker from the driver's copy of its run directory, and resumes (``MAX_ATTEMPTS`` in all).
* Without ``--ray-address`` a local Ray instance is started on 127.0.0.1 (and stopped at the end).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from rolecall.errors import RolecallError
from rolecall.grids.cells import Cell
from rolecall.grids.jobs import MAX_ATTEMPTS, CellEvent, CellJob, Emit, describe, worker_name
from rolecall.grids.sync import DirSync, apply_chunks, read_dir, safe_rel
from rolecall.instrument import Instrument
from rolecall.persona import Persona
from rolecall.pipeline import execute_run_async, reopen_run, start_run
from rolecall.rundir import Manifest, RunDir, write_json_atomic

Opened = tuple[RunDir, Persona, Instrument, Manifest]

RAY_MISSING = "the ray executor needs Ray: pip install -e '.[ray]' (or pip install ray)"


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise RolecallError(RAY_MISSING) from None
    return ray


# ---------------------------------------------------------------- worker side


def _with_paths(manifest: Manifest, persona_path: str, instrument_ref: str) -> Manifest:
    assert manifest.persona is not None
    return manifest.model_copy(
        update={
            "persona": manifest.persona.model_copy(update={"path": persona_path}),
            "instrument": manifest.instrument.model_copy(update={"ref": instrument_ref}),
        }
    )


class CellWorker:
    """A Ray actor that runs cells (``run_cell``) and hands out their files as they grow (``poll``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sync: DirSync | None = None

    def poll(self) -> dict[str, Any]:
        with self._lock:
            sync = self._sync
        if sync is None:
            return {"rel": None, "chunks": [], "worker": worker_name()}
        return {"rel": sync.rel, "chunks": sync.delta(), "worker": worker_name()}

    def run_cell(self, payload: dict[str, Any]) -> dict[str, Any]:
        tmp = Path(tempfile.mkdtemp(prefix="rolecall-cell-"))
        sync: DirSync | None = None
        result: dict[str, Any] = {"failed_calls": 0, "error": None, "worker": worker_name()}
        try:
            sync, (run, persona, instrument, manifest) = self._prepare(tmp, payload)
            with self._lock:
                self._sync = sync
            run.verify()
            outcome = asyncio.run(
                execute_run_async(run, persona, instrument, manifest, use_cache=payload["use_cache"])
            )
            result["failed_calls"] = outcome.failures
        except Exception as exc:  # reported to the driver: a failed cell never stops the others
            result["error"] = describe(exc)
        finally:
            with self._lock:
                self._sync = None
            result["rel"] = sync.rel if sync else None
            result["chunks"] = sync.delta() if sync else []
            shutil.rmtree(tmp, ignore_errors=True)
        return result

    def _prepare(self, tmp: Path, payload: dict[str, Any]) -> tuple[DirSync, Opened]:
        """Write the cell's inputs into ``tmp`` and open its run there (new, or continued)."""
        cell: Cell = payload["cell"]
        for sub in ("persona", "instrument"):
            (tmp / "inputs" / sub).mkdir(parents=True)
        name, data = payload["persona_file"]
        persona_path = tmp / "inputs" / "persona" / Path(name).name
        persona_path.write_bytes(data)
        instrument_ref = cell.instrument_ref
        if payload["instrument_file"] is not None:
            iname, idata = payload["instrument_file"]
            instrument_path = tmp / "inputs" / "instrument" / Path(iname).name
            instrument_path.write_bytes(idata)
            instrument_ref = str(instrument_path)
        resume = payload["resume"]
        if resume is None:
            cfg = cell.run_config(tmp / "cells" / cell.id, use_cache=payload["use_cache"])
            cfg.persona, cfg.instrument = persona_path, instrument_ref
            run, persona, instrument, manifest = start_run(cfg)
            # the run directory names the driver's files, as if it had run there
            manifest = _with_paths(manifest, str(cell.persona_path), cell.instrument_ref)
            write_json_atomic(run.manifest, manifest)
            sync = DirSync(tmp, run.path.relative_to(tmp).as_posix())
        else:
            rel = safe_rel(resume["rel"])
            folder = tmp / rel
            folder.mkdir(parents=True)
            for fname, fdata in resume["files"].items():
                (folder / fname).write_bytes(fdata)
            sync = DirSync(tmp, rel)
            sync.mark_sent()
            driver_manifest = RunDir(folder).read_manifest()
            write_json_atomic(
                folder / "manifest.json", _with_paths(driver_manifest, str(persona_path), instrument_ref)
            )
            run, persona, instrument, _ = reopen_run(folder)
            write_json_atomic(run.manifest, driver_manifest)
            manifest = driver_manifest
        return sync, (run, persona, instrument, manifest)


# ---------------------------------------------------------------- driver side


@dataclass
class _Busy:
    job: CellJob
    ref: Any
    started: float
    rel: str | None
    announced: bool = False


class RayExecutor:
    name: Literal["ray"] = "ray"

    def __init__(
        self,
        *,
        address: str | None = None,
        max_parallel: int = 4,
        num_cpus: float = 1.0,
        num_gpus: float = 0.0,
        poll_s: float = 0.5,
    ):
        self.ray = import_ray()
        self.address = address
        self.max_parallel = max(1, max_parallel)
        self.num_cpus = num_cpus
        self.num_gpus = num_gpus
        self.poll_s = poll_s

    def run(self, grid_dir: Path, jobs: list[CellJob], emit: Emit) -> None:
        if not jobs:
            return
        ray = self.ray
        started_here = False
        if not ray.is_initialized():
            os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no usage reports leave the machine
            kwargs: dict[str, Any] = {"logging_level": logging.ERROR, "log_to_driver": False}
            try:
                if self.address:
                    ray.init(address=self.address, **kwargs)
                else:
                    ray.init(address="local", _node_ip_address="127.0.0.1", include_dashboard=False, **kwargs)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                where = self.address or "a local Ray instance"
                raise RolecallError(f"cannot start or reach Ray ({where}): {describe(exc)}") from None
            started_here = True
        try:
            self._loop(grid_dir, jobs, emit)
        finally:
            if started_here:
                ray.shutdown()

    def _new_worker(self) -> Any:
        # two threads: one runs the cell, the other answers polls for its files
        options = {"num_cpus": self.num_cpus, "num_gpus": self.num_gpus, "max_concurrency": 2}
        return self.ray.remote(CellWorker).options(**options).remote()

    def _fits(self) -> int:
        """How many workers the cluster can hold at once: a worker holds its resources for the
        whole grid, so one that cannot be placed would keep its cells waiting for ever."""
        have = self.ray.cluster_resources()
        fits: list[int] = []
        for key, need in (("CPU", self.num_cpus), ("GPU", self.num_gpus)):
            if need > 0:
                n = int(have.get(key, 0.0) / need + 1e-9)
                if n < 1:
                    raise RolecallError(
                        f"the Ray cluster has {have.get(key, 0.0):g} {key}s; each grid worker needs {need:g} "
                        "(the grid file's resources)"
                    )
                fits.append(n)
        return min(fits, default=self.max_parallel)

    def _payload(self, grid_dir: Path, job: CellJob) -> dict[str, Any]:
        cell = job.cell
        instrument_file = None
        if cell.instrument_is_file:
            p = Path(cell.instrument_ref)
            instrument_file = (p.name, p.read_bytes())
        resume = None
        if job.resume is not None:
            resume = {"rel": job.resume, "files": read_dir(grid_dir / job.resume)}
        return {
            "cell": cell,
            "persona_file": (cell.persona_path.name, cell.persona_path.read_bytes()),
            "instrument_file": instrument_file,
            "resume": resume,
            "use_cache": job.use_cache,
        }

    def _apply(self, grid_dir: Path, busy: _Busy, part: dict[str, Any], emit: Emit) -> None:
        rel = part.get("rel")
        if rel is None:
            return
        rel = safe_rel(rel)
        if busy.rel is None:
            busy.rel = rel
        if part["chunks"]:
            apply_chunks(grid_dir / rel, part["chunks"])
        if not busy.announced:  # the run directory exists on the driver, and where the cell runs
            busy.announced = True
            emit(CellEvent(busy.job.cell.id, "run_dir", run_dir=rel, worker=part.get("worker")))

    def _loop(self, grid_dir: Path, jobs: list[CellJob], emit: Emit) -> None:
        ray = self.ray
        died = (
            ray.exceptions.RayActorError,
            ray.exceptions.WorkerCrashedError,
            ray.exceptions.ObjectLostError,
        )
        n = min(self.max_parallel, len(jobs), self._fits())
        actors = [self._new_worker() for _ in range(n)]
        queue: deque[CellJob] = deque(jobs)
        idle = list(range(n))
        busy: dict[int, _Busy] = {}
        while queue or busy:
            while queue and idle:
                i = idle.pop(0)
                job = queue.popleft()
                ref = actors[i].run_cell.remote(self._payload(grid_dir, job))
                busy[i] = _Busy(job, ref, time.perf_counter(), job.resume)
                emit(CellEvent(job.cell.id, "started"))
            ray.wait([b.ref for b in busy.values()], num_returns=1, timeout=self.poll_s)
            polls = {i: actors[i].poll.remote() for i in busy}
            for i, pref in polls.items():
                with contextlib.suppress(*died):  # a dead worker: its run_cell says so below
                    self._apply(grid_dir, busy[i], ray.get(pref), emit)
            ready, _ = ray.wait([b.ref for b in busy.values()], num_returns=len(busy), timeout=0)
            for i in [i for i, b in busy.items() if b.ref in ready]:
                b = busy.pop(i)
                wall = time.perf_counter() - b.started
                try:
                    res = ray.get(b.ref)
                except died as exc:
                    with contextlib.suppress(Exception):  # already gone
                        ray.kill(actors[i], no_restart=True)
                    actors[i] = self._new_worker()
                    idle.append(i)
                    reason = f"its worker died ({type(exc).__name__})"
                    if b.job.attempt < MAX_ATTEMPTS:
                        queue.appendleft(replace(b.job, resume=b.rel, attempt=b.job.attempt + 1))
                        emit(CellEvent(b.job.cell.id, "retry", error=reason, wall_s=wall, run_dir=b.rel))
                    else:
                        emit(CellEvent(b.job.cell.id, "finished", error=reason, wall_s=wall))
                    continue
                except ray.exceptions.RayError as exc:
                    idle.append(i)
                    emit(CellEvent(b.job.cell.id, "finished", error=describe(exc)[:500], wall_s=wall))
                    continue
                idle.append(i)
                self._apply(grid_dir, b, res, emit)
                emit(
                    CellEvent(
                        b.job.cell.id,
                        "finished",
                        failed_calls=res["failed_calls"],
                        error=res["error"],
                        wall_s=wall,
                        worker=res["worker"],
                    )
                )
