"""The ``local`` executor: cells run concurrently in this process, on one event loop.

At most ``max_parallel`` cells run at once; inside each, the usual per-model bound on calls in
flight (``concurrency``) applies, so an API-bound grid keeps up to max_parallel × concurrency
requests going. Local (GGUF) models are loaded once per process and serialise their own calls.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Literal

from rolecall.grids.jobs import CellEvent, CellJob, Emit, cell_out, describe, worker_name
from rolecall.pipeline import execute_run_async, reopen_run, start_run


async def run_cell(grid_dir: Path, job: CellJob, emit: Emit, opening: asyncio.Lock) -> int:
    """Run (or continue) one cell in the grid directory; return its failed calls.

    Cells are opened one at a time (``opening``): opening one may assemble the embedded model's
    file, which is not safe to do from two threads of one process at once.
    """
    async with opening:
        if job.resume is not None:
            run, persona, instrument, manifest = await asyncio.to_thread(reopen_run, grid_dir / job.resume)
        else:
            cfg = job.cell.run_config(cell_out(grid_dir, job.cell), use_cache=job.use_cache)
            run, persona, instrument, manifest = await asyncio.to_thread(start_run, cfg)
    emit(CellEvent(job.cell.id, "run_dir", run_dir=run.path.relative_to(grid_dir).as_posix()))
    run.verify()
    outcome = await execute_run_async(run, persona, instrument, manifest, use_cache=job.use_cache)
    return outcome.failures


class LocalExecutor:
    name: Literal["local"] = "local"

    def __init__(self, max_parallel: int = 4):
        self.max_parallel = max(1, max_parallel)

    def run(self, grid_dir: Path, jobs: list[CellJob], emit: Emit) -> None:
        asyncio.run(self._run_all(grid_dir, jobs, emit))

    async def _run_all(self, grid_dir: Path, jobs: list[CellJob], emit: Emit) -> None:
        sem = asyncio.Semaphore(self.max_parallel)
        opening = asyncio.Lock()
        where = worker_name()

        async def one(job: CellJob) -> None:
            async with sem:
                emit(CellEvent(job.cell.id, "started", worker=where))
                start = time.perf_counter()
                try:
                    failed = await run_cell(grid_dir, job, emit, opening)
                except Exception as exc:  # a failed cell never stops the others
                    emit(
                        CellEvent(
                            job.cell.id, "finished", error=describe(exc), wall_s=time.perf_counter() - start
                        )
                    )
                else:
                    emit(
                        CellEvent(
                            job.cell.id, "finished", failed_calls=failed, wall_s=time.perf_counter() - start
                        )
                    )

        await asyncio.gather(*(one(j) for j in jobs))
