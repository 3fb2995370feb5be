"""How a stage of a run (the interview, the judging) works its tasks: a few workers take tasks
from a feed, each task's records are appended to the stage's file as soon as it finishes, and
each call that failed after its retries is recorded in failures.jsonl, which a resume retries. A
failure never stops the other tasks.

Tasks are taken as workers free up, not all started at once: a task does its own CPU work (the
judge's prompt and evidence screen, the cache key) before its first call, and starting thousands
of tasks at once did all of that in one burst on the event loop while the first round of calls
waited for it (1.7 s before the first judge verdicts came back, on 2,760 of them). Twice as
many workers as calls allowed in flight keep every call slot busy: while one worker writes its
records or prepares its next call, another one's call is already waiting for the slot.

A feed may grow while its workers run (``Feed.put``) until it is closed: that is how the judging
is fed with each conversation as soon as the interview has it on disk (``rolecall.overlap``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from rolecall.errors import ModelCallError
from rolecall.rundir import FailureRecord, GroupAppender, RunDir

T = TypeVar("T")
R = TypeVar("R", bound=BaseModel)


def workers_for(calls_in_flight: int) -> int:
    """Tasks worked at once for a stage whose callers allow ``calls_in_flight`` calls at once."""
    return 2 * max(1, calls_in_flight)


class _Closed:
    """Put in a feed's queue when it is closed; each worker that takes it passes it on."""


_CLOSED = _Closed()


class Feed(Generic[T]):
    """The tasks of a stage, taken in order by its workers; more may come until ``close``."""

    def __init__(self, tasks: Iterable[T] = (), *, closed: bool = False) -> None:
        self._queue: asyncio.Queue[T | _Closed] = asyncio.Queue()
        self._closed = False
        self.put(tasks)
        if closed:
            self.close()

    def put(self, tasks: Iterable[T]) -> None:
        if self._closed:
            raise RuntimeError("put on a closed feed")
        for t in tasks:
            self._queue.put_nowait(t)

    def close(self) -> None:
        """No more tasks will come: workers stop once the queued ones are taken."""
        if not self._closed:
            self._closed = True
            self._queue.put_nowait(_CLOSED)

    async def take(self) -> T | None:
        """The next task; None once the feed is closed and empty."""
        task = await self._queue.get()
        if isinstance(task, _Closed):
            self._queue.put_nowait(task)  # for the next worker
            return None
        return task


@dataclass(frozen=True)
class Stage(Generic[T, R]):
    """What a stage does with one task: ``work`` returns its records, which go to ``into``; a
    task whose call failed gets its ``failed`` record in failures.jsonl; ``on_done`` is called
    with each task's records once they are on disk (none for a failed task)."""

    work: Callable[[T], Awaitable[list[R]]]
    into: Path
    failed: Callable[[T, ModelCallError], FailureRecord]
    on_done: Callable[[list[R]], None] | None = None


async def work_feed(
    run: RunDir,
    feed: Feed[T],
    stage: Stage[T, R],
    *,
    workers: int,
    appender: GroupAppender,
) -> list[FailureRecord]:
    """Work ``feed``'s tasks with ``workers`` workers until it is closed and empty; return the
    failures. Records are appended through ``appender`` (one group commit per file, shared by
    stages that run side by side)."""
    failures: list[FailureRecord] = []

    async def one(task: T) -> None:
        try:
            records = await stage.work(task)
        except ModelCallError as exc:
            failure = stage.failed(task, exc)
            await appender.append(run.failures, [failure])
            failures.append(failure)
            records = []
        else:
            await appender.append(stage.into, records)
        if stage.on_done:
            stage.on_done(records)

    async def worker() -> None:
        while (task := await feed.take()) is not None:
            await one(task)

    await gather_or_cancel(*(worker() for _ in range(max(1, workers))))
    return failures


async def run_stage(
    run: RunDir,
    tasks: Iterable[T],
    work: Callable[[T], Awaitable[list[R]]],
    *,
    into: Path,
    failed: Callable[[T, ModelCallError], FailureRecord],
    on_done: Callable[[list[R]], None] | None = None,
    workers: int | None = None,
) -> list[FailureRecord]:
    """Run ``work`` on every task; append what it returns to ``into``, or the ``failed`` record
    of a task whose call failed to failures.jsonl; ``on_done`` with each task's records (none for
    a failed task). ``workers``: tasks worked at once (``workers_for`` the callers' limit; None:
    every task at once, for stages of a few long tasks such as sessions). Returns the failures."""
    todo = list(tasks)
    return await work_feed(
        run,
        Feed(todo, closed=True),
        Stage(work, into, failed, on_done),
        workers=len(todo) if workers is None else workers,
        appender=GroupAppender(),
    )


async def gather_or_cancel(*coros: Coroutine[Any, Any, Any]) -> list[Any]:
    """``asyncio.gather``, except that when one fails the others are cancelled (and awaited)
    instead of being left running; the first error is raised as it is (no ExceptionGroup, so a
    RolecallError still reaches the CLI as one)."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        return await asyncio.gather(*tasks)
    except BaseException:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
