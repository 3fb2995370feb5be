"""A model's ``revision`` is part of the response cache key: replies another revision of the same
weights gave (e.g. the local model before its batched engine) are not served as this one's."""

from __future__ import annotations

import asyncio

from rolecall.calls import Caller, ResponseCache
from rolecall.models import GenParams, Message
from rolecall.models.scripted import ScriptedModel


def test_revision_separates_cached_replies(tmp_path):
    rules = tmp_path / "subject.yaml"
    rules.write_text("default: I would test it first.\n")
    cache = ResponseCache(tmp_path / "responses.sqlite")
    messages = [Message(role="user", content="How would you start?")]
    params = GenParams(temperature=0.0, max_tokens=16)

    def calls(revision: str) -> tuple[int, int]:
        model = ScriptedModel(f"scripted:{rules}", rules)
        model.revision = revision
        caller = Caller(model, cache, concurrency=1)
        asyncio.run(caller.complete(messages, params))
        return caller.stats.calls, caller.stats.cached

    assert calls("") == (1, 0)
    assert calls("") == (0, 1)  # same weights, same revision: served from the cache
    assert calls("engine-2") == (1, 0)  # another revision of the same weights: asked again
    assert calls("engine-2") == (0, 1)
