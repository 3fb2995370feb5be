"""One place where model calls happen: cache lookup, bounded concurrency, retries, accounting."""

from __future__ import annotations

import asyncio
import random
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

from rolecall.calls.budget import CallBudget
from rolecall.calls.cache import ResponseCache, cache_key
from rolecall.errors import ModelCallError
from rolecall.models.base import Completion, GenParams, Message, ModelAPI


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_s: float = 0.5
    cap_s: float = 30.0

    def delay(self, attempt: int, rng: random.Random, retry_after: float | None) -> float:
        """Exponential backoff with full jitter; a server's Retry-After wins when longer."""
        backoff = rng.uniform(0, min(self.cap_s, self.base_s * 2**attempt))
        if retry_after is not None:
            return max(backoff, min(retry_after, self.cap_s * 4))
        return backoff


@dataclass
class CallStats:
    calls: int = 0
    cached: int = 0
    retries: int = 0
    failures: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    latencies: list[float] = field(default_factory=list)
    failure_reasons: dict[str, int] = field(default_factory=dict)


class Caller:
    """Calls one model through the cache with at most ``concurrency`` requests in flight.

    With a ``budget`` (a run that overlaps its interview and judging), the calls also count
    against the limit the budget shares among several callers, at ``priority`` (lower first).
    """

    def __init__(
        self,
        model: ModelAPI,
        cache: ResponseCache | None,
        *,
        concurrency: int = 4,
        retry: RetryPolicy | None = None,
        seed: int = 0,
        budget: CallBudget | None = None,
        priority: int = 0,
    ):
        self.model = model
        self.cache = cache
        limit = max(1, concurrency)
        if model.max_concurrency:
            limit = min(limit, model.max_concurrency)
        #: the most calls this caller has in flight at once
        self.limit = limit
        self._sem: AbstractAsyncContextManager[object] = (
            budget.gate(limit, priority) if budget is not None else asyncio.Semaphore(limit)
        )
        self.retry = retry or RetryPolicy()
        self._rng = random.Random(seed)
        self.stats = CallStats()

    async def complete(self, messages: list[Message], params: GenParams) -> Completion:
        # the key hashes the whole conversation: only worth it when there is a cache to ask
        key = ""
        if self.cache is not None:
            model = self.model
            key = cache_key(model.spec, model.identity, messages, params, model.revision)
            hit = self.cache.get(key)
            if hit is not None:
                self.stats.cached += 1
                return hit
        last: ModelCallError | None = None
        for attempt in range(self.retry.attempts):
            try:
                async with self._sem:
                    out = await self.model.generate(messages, params)
            except ModelCallError as exc:
                last = exc
                if not exc.retryable or attempt == self.retry.attempts - 1:
                    break
                self.stats.retries += 1
                await asyncio.sleep(self.retry.delay(attempt, self._rng, exc.retry_after))
                continue
            self.stats.calls += 1
            self.stats.tokens_in += out.tokens_in
            self.stats.tokens_out += out.tokens_out
            self.stats.latencies.append(out.latency_s)
            if self.cache is not None:
                self.cache.put(key, self.model.spec, out)
            return out
        assert last is not None
        self.stats.failures += 1
        reason = last.reason.split(":")[0][:60]
        self.stats.failure_reasons[reason] = self.stats.failure_reasons.get(reason, 0) + 1
        raise last
