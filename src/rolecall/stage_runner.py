"""One way to run a stage of a run (the interview, the judging): every pending task at once
(the callers bound the calls in flight), each task's records appended to the stage's file as
soon as it finishes, and each call that failed after its retries recorded in failures.jsonl,
which a resume retries. A failure never stops the other tasks."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from rolecall.errors import ModelCallError
from rolecall.rundir import FailureRecord, GroupAppender, RunDir

T = TypeVar("T")
R = TypeVar("R", bound=BaseModel)


async def run_stage(
    run: RunDir,
    tasks: Iterable[T],
    work: Callable[[T], Awaitable[list[R]]],
    *,
    into: Path,
    failed: Callable[[T, ModelCallError], FailureRecord],
    on_done: Callable[[list[R]], None] | None = None,
) -> list[FailureRecord]:
    """Run ``work`` on every task; append what it returns to ``into``, or the ``failed`` record
    of a task whose call failed to failures.jsonl; ``on_done`` with each task's records (none for
    a failed task). Returns the failures."""
    failures: list[FailureRecord] = []
    appender = GroupAppender()

    async def one(task: T) -> None:
        try:
            records = await work(task)
        except ModelCallError as exc:
            failure = failed(task, exc)
            await appender.append(run.failures, [failure])
            failures.append(failure)
            records = []
        else:
            await appender.append(into, records)
        if on_done:
            on_done(records)

    await asyncio.gather(*(one(t) for t in tasks))
    return failures
