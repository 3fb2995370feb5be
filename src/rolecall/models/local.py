"""The `local` provider: a GGUF model run in-process by llama.cpp (llama-cpp-python).

One batched engine per GGUF path per process (``llama_engine.Engine``: loading takes seconds and
hundreds of MB): up to ``SLOTS`` calls are decoded together in one batch, and every call starts
from the longest prompt prefix already in some slot's KV cache (the persona's system prompt, or
the whole earlier conversation for a follow-up). The output does not depend on what else runs
beside it, so ``ROLECALL_LOCAL_SLOTS=1`` (one call at a time) gives the same text.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import functools
import math
import os
import threading
from pathlib import Path
from typing import Any

from rolecall.errors import ModelCallError, RolecallError
from rolecall.models.base import Completion, GenParams, Message, ModelAPI
from rolecall.models.llama_engine import Engine, Generated, Sampling

N_CTX = int(os.environ.get("ROLECALL_LOCAL_N_CTX", "4096"))
#: calls decoded together; 4 roughly doubles a 2-core machine's generated tokens/s (bench/README.md)
SLOTS = int(os.environ.get("ROLECALL_LOCAL_SLOTS", "4"))
N_THREADS = max(1, os.cpu_count() or 1)

_LOADED: dict[str, Engine] = {}
_LOAD_LOCK = threading.Lock()


@atexit.register
def _close_loaded() -> None:
    """Free llama.cpp models before interpreter teardown (their __del__ fails once globals go)."""
    with _LOAD_LOCK:
        for engine in _LOADED.values():
            with contextlib.suppress(Exception):  # best effort at exit
                engine.close()
        _LOADED.clear()


def _load(path: Path) -> Engine:
    key = str(path.resolve())
    with _LOAD_LOCK:
        if key not in _LOADED:
            if SLOTS < 1:
                raise RolecallError("ROLECALL_LOCAL_SLOTS must be at least 1")
            _LOADED[key] = Engine(Path(key), slots=SLOTS, n_ctx=N_CTX, n_threads=N_THREADS)
        return _LOADED[key]


@functools.cache
def _formatter(template: str, eos: str, bos: str) -> Any:
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    return Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos)


def _prompt_tokens(engine: Engine, messages: list[Message], suffix: str = "") -> list[int]:
    """The tokens the GGUF's own chat template makes of ``messages`` (up to the assistant's turn)."""
    if not engine.chat_template:
        raise ModelCallError("this GGUF carries no chat template")
    model = engine.model
    formatter = _formatter(
        engine.chat_template, model.token_get_text(model.token_eos()), model.token_get_text(model.token_bos())
    )
    chat: Any = [m.model_dump() for m in messages]
    text = str(formatter(messages=chat).prompt) + suffix
    tokens = model.tokenize(text.encode("utf-8"), add_bos=False, special=True)
    if model.add_bos_token() and (not tokens or tokens[0] != model.token_bos()):
        tokens.insert(0, model.token_bos())
    return list(tokens)


class LocalModel(ModelAPI):
    max_concurrency = SLOTS
    context_window = N_CTX
    #: the engine's batch-invariant arithmetic gives other text than llama-cpp-python's defaults
    #: (which earlier versions used) for the same seed: cached replies of those are not reused
    revision = "batched-engine-1"

    def __init__(self, spec: str, path: Path, identity: str):
        if not path.exists():
            raise RolecallError(f"GGUF model file not found (model spec {spec!r})", path=path)
        self.spec = spec
        self.path = path
        self.identity = identity

    def _count(self, messages: list[Message]) -> int | None:
        engine = _load(self.path)
        if not engine.chat_template:
            return None  # no template to count with: a refusal is recognised instead
        return len(_prompt_tokens(engine, messages))

    async def count_tokens(self, messages: list[Message]) -> int | None:
        """Exact prompt tokens: the chat template applied and tokenized as llama.cpp will."""
        return await asyncio.to_thread(self._count, messages)

    async def generate(self, messages: list[Message], params: GenParams) -> Completion:
        engine = await asyncio.to_thread(_load, self.path)
        tokens = _prompt_tokens(engine, messages)
        sampling = Sampling(
            temperature=params.temperature,
            top_p=params.top_p,
            seed=params.seed,
            max_tokens=params.max_tokens,
            json_schema=params.json_schema,
        )
        out: Generated = await asyncio.wrap_future(engine.generate(tokens, sampling))
        text = engine.model.detokenize(out.tokens, special=False).decode("utf-8", errors="ignore")
        return Completion(
            text=text,
            tokens_in=out.tokens_in,
            tokens_out=len(out.tokens),
            latency_s=out.latency_s,
            finish_reason=out.finish_reason,
        )

    async def score_distribution(
        self, messages: list[Message], assistant_prefix: str, choices: list[str]
    ) -> dict[str, float]:
        """Next-token probabilities of ``choices`` after the chat prompt and ``assistant_prefix``
        (normalised over the choices), for probability-weighted (G-Eval style) scoring."""
        engine = await asyncio.to_thread(_load, self.path)
        if not engine.chat_template:
            raise ModelCallError("this GGUF carries no chat template; probability scoring needs one")
        tokens = _prompt_tokens(engine, messages, assistant_prefix)
        ids = [engine.model.tokenize(c.encode(), add_bos=False, special=False)[0] for c in choices]
        picked = await asyncio.wrap_future(engine.distribution(tokens, ids))
        top = max(picked)
        weights = [math.exp(x - top) for x in picked]
        total = sum(weights)
        return {c: w / total for c, w in zip(choices, weights, strict=True)}
