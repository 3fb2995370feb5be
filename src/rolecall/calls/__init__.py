"""Model calls with caching, retries and bounded concurrency."""

from rolecall.calls.cache import ResponseCache, cache_key, open_cache
from rolecall.calls.caller import Caller, CallStats, RetryPolicy

__all__ = ["CallStats", "Caller", "ResponseCache", "RetryPolicy", "cache_key", "open_cache"]
