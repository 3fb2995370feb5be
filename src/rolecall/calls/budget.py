"""One limit on the calls in flight shared by several callers, with priorities between them.

When a run overlaps its interview with its judging (``rolecall.overlap``), the subject's calls
and the judges' calls go out side by side. Each caller keeps its own limit (``--concurrency``
per model, or less where the model says so), and a ``CallBudget`` caps their sum at what the
two-stage run had in flight at its busiest: the larger of the subject's limit and the judges'
limits added up (the judges were one stage, the subject another). So overlapping never puts
more calls on a server than staging did; it only fills slots that staging left empty.

Within the budget a freed slot goes to the waiting call of the best priority (the lowest
number) whose caller is under its own limit, first come first served within a caller. The
subject gets priority 0, so the interview runs as fast as it did alone and the judges take
what it leaves: the slots of a subject with a smaller limit (a local model: one at a time),
and the tail of the interview, where the last conversations no longer fill the pipe.
"""

from __future__ import annotations

import asyncio
from collections import deque
from types import TracebackType


class CallBudget:
    """At most ``total`` calls in flight over every ``Gate`` made from it (see the module)."""

    def __init__(self) -> None:
        self._gates: list[Gate] = []
        self.total = 0
        self.in_flight = 0

    def gate(self, limit: int, priority: int) -> Gate:
        """A caller's way through the budget: at most ``limit`` of its calls at once. The total
        grows to the largest sum of limits of one priority."""
        g = Gate(self, max(1, limit), priority)
        self._gates.append(g)
        self._gates.sort(key=lambda x: x.priority)  # stable: equal priorities keep their order
        sums: dict[int, int] = {}
        for x in self._gates:
            sums[x.priority] = sums.get(x.priority, 0) + x.limit
        self.total = max(sums.values())
        return g

    def _release(self, gate: Gate) -> None:
        gate.in_flight -= 1
        self.in_flight -= 1
        for g in self._gates:  # hand the slot on: best priority first
            while g.waiters and g.in_flight < g.limit and self.in_flight < self.total:
                fut = g.waiters.popleft()
                if fut.done():  # cancelled while waiting
                    continue
                g.in_flight += 1
                self.in_flight += 1
                fut.set_result(None)


class Gate:
    """``async with gate:`` around one call. Made by ``CallBudget.gate``."""

    def __init__(self, budget: CallBudget, limit: int, priority: int) -> None:
        self._budget = budget
        self.limit = limit
        self.priority = priority
        self.in_flight = 0
        self.waiters: deque[asyncio.Future[None]] = deque()

    async def __aenter__(self) -> None:
        b = self._budget
        # Every release hands slots on at once, so nobody waits while a slot they could take
        # is free: a newcomer under both limits may take it without queueing.
        if self.in_flight < self.limit and b.in_flight < b.total:
            self.in_flight += 1
            b.in_flight += 1
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiters.append(fut)
        try:
            await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():
                b._release(self)  # granted, then cancelled before it could run: pass it on
            else:
                fut.cancel()  # _release skips it
            raise

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._budget._release(self)
