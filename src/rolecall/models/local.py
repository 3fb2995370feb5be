"""The `local` provider: a GGUF model run in-process with llama-cpp-python.

One ``Llama`` per GGUF path per process (loading takes seconds and hundreds of MB), guarded by
a lock: llama.cpp contexts are not thread-safe, so calls are serialised and run off the event loop.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from rolecall.errors import ModelCallError, RolecallError
from rolecall.models.base import Completion, GenParams, Message, ModelAPI

_LOADED: dict[str, tuple[Any, threading.Lock]] = {}
_LOAD_LOCK = threading.Lock()

N_CTX = int(os.environ.get("ROLECALL_LOCAL_N_CTX", "4096"))


@atexit.register
def _close_loaded() -> None:
    """Free llama.cpp models before interpreter teardown (their __del__ fails once globals go)."""
    with _LOAD_LOCK:
        for llm, _lock in _LOADED.values():
            with contextlib.suppress(Exception):  # best effort at exit
                llm.close()
        _LOADED.clear()


def _load(path: Path) -> tuple[Any, threading.Lock]:
    key = str(path.resolve())
    with _LOAD_LOCK:
        if key in _LOADED:
            return _LOADED[key]
        try:
            from llama_cpp import Llama
        except ImportError:
            raise RolecallError(
                "the local provider needs llama-cpp-python: pip install 'rolecall[local]'"
            ) from None
        try:
            llm = Llama(
                model_path=key,
                n_ctx=N_CTX,
                n_threads=max(1, os.cpu_count() or 1),
                verbose=False,
            )
        except (ValueError, RuntimeError) as exc:
            raise RolecallError(f"cannot load GGUF model: {exc}", path=path) from None
        _LOADED[key] = (llm, threading.Lock())
        return _LOADED[key]


def _chat_prompt(llm: Any, messages: list[Message]) -> str:
    """The text the GGUF's own chat template makes of ``messages`` (up to the assistant's turn)."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    template = llm.metadata.get("tokenizer.chat_template")
    if not template:
        raise ModelCallError("this GGUF carries no chat template")
    formatter = Jinja2ChatFormatter(
        template=template,
        eos_token=llm._model.token_get_text(llm.token_eos()),
        bos_token=llm._model.token_get_text(llm.token_bos()),
    )
    chat: Any = [m.model_dump() for m in messages]
    return str(formatter(messages=chat).prompt)


class LocalModel(ModelAPI):
    max_concurrency = 1
    context_window = N_CTX

    def __init__(self, spec: str, path: Path, identity: str):
        if not path.exists():
            raise RolecallError(f"GGUF model file not found (model spec {spec!r})", path=path)
        self.spec = spec
        self.path = path
        self.identity = identity

    def _count(self, messages: list[Message]) -> int | None:
        llm, lock = _load(self.path)
        if not llm.metadata.get("tokenizer.chat_template"):
            return None  # no template to count with: a refusal is recognised instead
        with lock:
            prompt = _chat_prompt(llm, messages)
            return len(llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True))

    async def count_tokens(self, messages: list[Message]) -> int | None:
        """Exact prompt tokens: the chat template applied and tokenized as llama.cpp will."""
        return await asyncio.to_thread(self._count, messages)

    def _call(self, messages: list[Message], params: GenParams) -> Completion:
        llm, lock = _load(self.path)
        kwargs: dict[str, Any] = {
            "messages": [m.model_dump() for m in messages],
            "temperature": params.temperature,
            "top_p": params.top_p,
            "max_tokens": params.max_tokens,
            "seed": params.seed,
        }
        if params.json_schema is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": params.json_schema}
        with lock:
            start = time.perf_counter()
            try:
                out = llm.create_chat_completion(**kwargs)
            except ValueError as exc:  # e.g. prompt longer than the context window
                raise ModelCallError(f"local model refused the request: {exc}") from None
            latency = time.perf_counter() - start
        choice = out["choices"][0]
        usage = out.get("usage") or {}
        return Completion(
            text=choice["message"].get("content") or "",
            tokens_in=int(usage.get("prompt_tokens", 0)),
            tokens_out=int(usage.get("completion_tokens", 0)),
            latency_s=latency,
            finish_reason=choice.get("finish_reason") or "stop",
        )

    async def generate(self, messages: list[Message], params: GenParams) -> Completion:
        return await asyncio.to_thread(self._call, messages, params)

    def _distribution(
        self, messages: list[Message], assistant_prefix: str, choices: list[str]
    ) -> dict[str, float]:
        import llama_cpp

        llm, lock = _load(self.path)
        if not llm.metadata.get("tokenizer.chat_template"):
            raise ModelCallError("this GGUF carries no chat template; probability scoring needs one")
        with lock:
            prompt = _chat_prompt(llm, messages) + assistant_prefix
            tokens = llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
            if len(tokens) >= llm.n_ctx():
                raise ModelCallError("prompt longer than the context window")
            # reuse the KV cache for the shared prefix (usually the whole prompt just generated)
            cached = llm.input_ids[: llm.n_tokens].tolist()
            k = 0
            while k < min(len(cached), len(tokens) - 1) and cached[k] == tokens[k]:
                k += 1
            llm.n_tokens = k
            llm.eval(tokens[k:])
            logits = np.ctypeslib.as_array(
                llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(llm.n_vocab(),)
            )
            ids = [llm.tokenize(c.encode(), add_bos=False, special=False) for c in choices]
            picked = np.array([float(logits[t[0]]) for t in ids])
        probs = np.exp(picked - picked.max())
        probs /= probs.sum()
        return {c: float(p) for c, p in zip(choices, probs, strict=True)}

    async def score_distribution(
        self, messages: list[Message], assistant_prefix: str, choices: list[str]
    ) -> dict[str, float]:
        """Next-token probabilities of ``choices`` after the chat prompt and ``assistant_prefix``
        (normalised over the choices), for probability-weighted (G-Eval style) scoring."""
        return await asyncio.to_thread(self._distribution, messages, assistant_prefix, choices)
