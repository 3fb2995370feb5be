"""Model calls with caching, retries and bounded concurrency."""

from rolecall.calls.budget import CallBudget, Gate
from rolecall.calls.cache import ResponseCache, cache_key, open_cache
from rolecall.calls.caller import Caller, CallStats, RetryPolicy

__all__ = [
    "CallBudget",
    "CallStats",
    "Caller",
    "Gate",
    "ResponseCache",
    "RetryPolicy",
    "cache_key",
    "open_cache",
]
