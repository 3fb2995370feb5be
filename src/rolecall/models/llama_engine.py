"""A batched llama.cpp engine: several requests decoded in one batch, shared prefixes reused.

Why: on a CPU a decode step is bound by reading the weights, so one step for four sequences costs
little more than one step for one; and every interview call starts with the same persona system
prompt, so a request that shares a prefix with any slot's KV cache need not read it again.

One engine per GGUF per process owns one llama.cpp context with ``slots`` sequences and one
worker thread. The worker admits waiting requests into free slots, starting each from the longest
reusable prefix in any slot (copied with llama.cpp's own ``llama_memory_seq_cp``/``seq_rm``), and
alternates two kinds of ``llama_decode`` call: one step of every generating slot (one token
each), and one prompt chunk of one reading slot. Each slot that finished a step is sampled with
its own llama.cpp sampler chain (greedy at temperature 0; otherwise top-k, typical, top-p, min-p,
temperature and a seeded draw, as llama-cpp-python's ``create_chat_completion`` builds it; plus
the GBNF grammar of a requested JSON schema).

The output is the same whatever else runs beside a request, and whatever was cached before it
(measured bit for bit in ``tests/models/test_llama_engine.py``). llama.cpp's CPU arithmetic is not
batch-invariant in general, so the engine keeps to the cases where it is:

- weights are loaded without the repacked CPU buffers (``use_extra_bufts=False``: the repacked
  kernels take a different arithmetic path for one token than for several);
- every slot has its own KV stream (``kv_unified=False``: in a shared cache, other sequences'
  cells change the order of the attention sums), and flash attention is off (its CPU kernel
  splits long contexts differently when the batch holds more sequences);
- a prompt is always read in the same chunks, ``CHUNK`` tokens from position 0 (small and large
  chunks take different kernels), one sequence per call (llama.cpp splits a mixed batch into
  equal per-sequence pieces), and only prompt tokens read in full chunks are reused by later
  requests; generated tokens, decoded one at a time, are read again when a follow-up needs them.

With seeded per-request samplers that makes a reply a function of its prompt and parameters
alone: ``ROLECALL_LOCAL_SLOTS=1`` gives the same text, and the cache and the seeds stay
reproducible.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rolecall.errors import ModelCallError, RolecallError

#: llama-cpp-python's create_chat_completion defaults, kept so the sampling means the same
TOP_K = 40
MIN_P = 0.05
#: prompt chunk: the unit of reading and of prefix reuse (see the module docstring)
CHUNK = 32


@dataclass(frozen=True)
class Sampling:
    temperature: float
    top_p: float
    seed: int
    max_tokens: int
    json_schema: dict[str, Any] | None = None


@dataclass(frozen=True)
class Generated:
    tokens: list[int]
    finish_reason: str
    tokens_in: int
    latency_s: float


@dataclass
class _Request:
    prompt: list[int]
    sampling: Sampling | None  # None: a next-token distribution request
    choices: list[int] | None
    future: Future[Any]
    submitted: float = field(default_factory=time.perf_counter)


@dataclass
class _Slot:
    seq: int
    cached: list[int] = field(default_factory=list)  # tokens whose KV is in this slot's stream
    reusable: int = 0  # leading cached tokens read as whole prompt chunks (reusable by others)
    req: _Request | None = None
    todo: list[int] = field(default_factory=list)  # prompt tokens still to read
    out: list[int] = field(default_factory=list)
    sampler: Any = None
    limit: int = 0  # tokens this request may still generate


def _lcp(a: list[int], b: list[int]) -> int:
    n = min(len(a), len(b))
    k = 0
    while k < n and a[k] == b[k]:
        k += 1
    return k


class Engine:
    """A llama.cpp model and context serving generate/distribution requests from any thread."""

    def __init__(self, path: Path, *, slots: int, n_ctx: int, n_threads: int):
        try:
            import llama_cpp
            from llama_cpp._internals import LlamaModel
        except ImportError:
            raise RolecallError(
                "the local provider needs llama-cpp-python: pip install 'rolecall[local]'"
            ) from None
        self._ll = llama_cpp
        from llama_cpp._logger import set_verbose

        set_verbose(False)  # llama.cpp's context and graph messages are not the user's business
        mparams = llama_cpp.llama_model_default_params()
        mparams.use_extra_bufts = False  # see the module docstring: batch-independent arithmetic
        try:
            self.model = LlamaModel(path_model=str(path), params=mparams, verbose=False)
        except (ValueError, RuntimeError) as exc:
            raise RolecallError(f"cannot load GGUF model: {exc}", path=path) from None
        cparams = llama_cpp.llama_context_default_params()
        cparams.n_ctx = n_ctx * slots
        n_batch = max(CHUNK, slots)  # a call holds one chunk, or one token per slot
        cparams.n_batch = n_batch
        cparams.n_ubatch = n_batch
        cparams.n_seq_max = slots
        cparams.n_threads = n_threads
        cparams.n_threads_batch = n_threads
        cparams.kv_unified = False
        cparams.flash_attn_type = llama_cpp.LLAMA_FLASH_ATTN_TYPE_DISABLED
        ctx = llama_cpp.llama_init_from_model(self.model.model, cparams)
        if not ctx:
            self.model.close()
            raise RolecallError(
                f"cannot create a llama.cpp context for {slots} slots of {n_ctx} tokens", path=path
            )
        self._ctx = ctx
        self._mem = llama_cpp.llama_get_memory(ctx)
        self.n_ctx = llama_cpp.llama_n_ctx_seq(ctx)
        self.chat_template: str | None = self.model.metadata().get("tokenizer.chat_template") or None
        self._batch = llama_cpp.llama_batch_init(n_batch, 0, 1)
        self._slots = [_Slot(seq=i) for i in range(slots)]
        self._queue: deque[_Request] = deque()
        self._cond = threading.Condition()
        self._closed = False
        self._stats = {"prompt_tokens": 0, "prompt_reused": 0, "decode_calls": 0, "generated": 0}
        self._thread = threading.Thread(target=self._loop, name="rolecall-llama", daemon=True)
        self._thread.start()

    # ---- public, any thread -------------------------------------------------------------
    def generate(self, prompt: list[int], sampling: Sampling) -> Future[Generated]:
        return self._submit(_Request(prompt, sampling, None, Future()))

    def distribution(self, prompt: list[int], choices: list[int]) -> Future[list[float]]:
        """Raw next-token logits of ``choices`` after ``prompt``."""
        return self._submit(_Request(prompt, None, choices, Future()))

    @property
    def stats(self) -> dict[str, int]:
        """Prompt tokens asked for and read from a cached prefix, decode calls, tokens generated."""
        return dict(self._stats)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout=30)
        ll = self._ll
        for slot in self._slots:
            if slot.sampler:
                ll.llama_sampler_free(slot.sampler)
                slot.sampler = None
        ll.llama_batch_free(self._batch)
        ll.llama_free(self._ctx)
        self.model.close()

    # ---- worker ---------------------------------------------------------------------------
    def _submit(self, req: _Request) -> Future[Any]:
        if not req.prompt:
            req.future.set_exception(ModelCallError("empty prompt"))
        elif len(req.prompt) >= self.n_ctx:
            req.future.set_exception(
                ModelCallError(
                    f"prompt of {len(req.prompt)} tokens exceeds the context window of {self.n_ctx}",
                    context_exhausted=True,
                )
            )
        else:
            with self._cond:
                if self._closed:
                    raise ModelCallError("the local model was closed")
                self._queue.append(req)
                self._cond.notify()
        return req.future

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._closed and not self._queue and not any(s.req for s in self._slots):
                    self._cond.wait()
                if self._closed:
                    failed = [s.req for s in self._slots if s.req] + list(self._queue)
                    self._queue.clear()
                    for req in failed:
                        _fail(req, ModelCallError("the local model was closed"))
                    return
                self._admit()
            try:
                self._step()
            except Exception as exc:  # a failed decode fails what was in it, not the worker
                for slot in self._slots:
                    if slot.req:
                        _fail(slot.req, ModelCallError(f"local model failed: {exc}"))
                        self._release(slot, keep=False)

    def _reusable(self, slot: _Slot, prompt: list[int]) -> int:
        """How many leading tokens of ``prompt`` can start from ``slot``'s cache: whole chunks
        only, and never the last prompt token (it is read for its logits)."""
        k = min(_lcp(slot.cached[: slot.reusable], prompt), len(prompt) - 1)
        return k - k % CHUNK

    def _admit(self) -> None:
        """Give waiting requests free slots, starting each from the longest reusable prefix."""
        ll = self._ll
        waiting: deque[_Request] = deque()
        while self._queue:
            free = [s for s in self._slots if s.req is None]
            if not free:
                break
            req = self._queue.popleft()
            if req.future.cancelled():
                continue
            reuse = [self._reusable(slot, req.prompt) for slot in self._slots]  # by seq
            if self._worth_waiting(req, max(reuse)):
                waiting.append(req)
                continue
            best = max(free, key=lambda s: reuse[s.seq])
            donor = max(self._slots, key=lambda s: reuse[s.seq])
            k = reuse[best.seq]
            if reuse[donor.seq] > k:
                # copy the donor's stream into the free slot whose cache is worth least
                best = min(free, key=lambda s: reuse[s.seq])
                k = reuse[donor.seq]
                ll.llama_memory_seq_rm(self._mem, best.seq, -1, -1)
                ll.llama_memory_seq_cp(self._mem, donor.seq, best.seq, -1, -1)
                best.cached = donor.cached[:k]
            ll.llama_memory_seq_rm(self._mem, best.seq, k, -1)
            best.cached = best.cached[:k]
            best.reusable = k
            best.req = req
            best.todo = req.prompt[k:]
            best.out = []
            self._stats["prompt_tokens"] += len(req.prompt)
            self._stats["prompt_reused"] += k
            if req.sampling is not None:
                best.limit = max(0, min(req.sampling.max_tokens, self.n_ctx - len(req.prompt)))
                best.sampler = self._sampler(req.sampling)
        self._queue.extendleft(reversed(waiting))

    def _worth_waiting(self, req: _Request, now: int) -> bool:
        """Whether a slot still reading a prompt will soon hold a longer reusable prefix of this
        one than the ``now`` tokens reusable already (e.g. the persona's system prompt that every
        first question shares)."""
        for slot in self._slots:
            if slot.req is not None and slot.todo:
                shared = min(_lcp(slot.req.prompt, req.prompt), len(req.prompt) - 1)
                if shared - shared % CHUNK > now:
                    return True
        return False

    def _sampler(self, s: Sampling) -> Any:
        ll = self._ll
        chain = ll.llama_sampler_chain_init(ll.llama_sampler_chain_default_params())
        if s.json_schema is not None:
            from llama_cpp.llama_grammar import LlamaGrammar

            grammar = LlamaGrammar.from_json_schema(json.dumps(s.json_schema), verbose=False)
            ll.llama_sampler_chain_add(
                chain,
                ll.llama_sampler_init_grammar(
                    self.model.vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8")
                ),
            )
        if s.temperature <= 0:
            ll.llama_sampler_chain_add(chain, ll.llama_sampler_init_greedy())
        else:
            ll.llama_sampler_chain_add(chain, ll.llama_sampler_init_top_k(TOP_K))
            ll.llama_sampler_chain_add(chain, ll.llama_sampler_init_typical(1.0, 1))
            ll.llama_sampler_chain_add(chain, ll.llama_sampler_init_top_p(s.top_p, 1))
            ll.llama_sampler_chain_add(chain, ll.llama_sampler_init_min_p(MIN_P, 1))
            ll.llama_sampler_chain_add(chain, ll.llama_sampler_init_temp(s.temperature))
            ll.llama_sampler_chain_add(chain, ll.llama_sampler_init_dist(s.seed & 0xFFFFFFFF))
        return chain

    def _step(self) -> None:
        """One step of every generating slot, then one prompt chunk of the first reading slot."""
        for slot in self._slots:
            if slot.req is not None and slot.req.future.cancelled():
                self._release(slot, keep=True)
        generating = [s for s in self._slots if s.req is not None and not s.todo and s.out]
        if generating:
            self._decode([(slot, [slot.out[-1]]) for slot in generating])
        reading = [s for s in self._slots if s.req is not None and s.todo]
        if reading:
            slot = min(reading, key=lambda s: s.req.submitted if s.req else 0.0)
            pos = len(slot.cached)
            chunk = slot.todo[: CHUNK - pos % CHUNK]
            slot.todo = slot.todo[len(chunk) :]
            self._decode([(slot, chunk)])
            if pos % CHUNK == 0 and len(chunk) == CHUNK:
                slot.reusable = len(slot.cached)

    def _decode(self, parts: list[tuple[_Slot, list[int]]]) -> None:
        """One llama_decode of ``parts``; each slot whose part ends its prompt (or is a generated
        token) is then sampled or answered."""
        ll, batch = self._ll, self._batch
        n = 0
        asked: list[tuple[_Slot, int]] = []
        for slot, tokens in parts:
            wants = not slot.todo  # the prompt is read: the last token's logits are needed
            for j, tok in enumerate(tokens):
                batch.token[n] = tok
                batch.pos[n] = len(slot.cached)
                batch.n_seq_id[n] = 1
                batch.seq_id[n][0] = slot.seq
                batch.logits[n] = wants and j == len(tokens) - 1
                slot.cached.append(tok)
                n += 1
            if wants:
                asked.append((slot, n - 1))
        batch.n_tokens = n
        rc = ll.llama_decode(self._ctx, batch)
        self._stats["decode_calls"] += 1
        if rc != 0:
            raise RuntimeError(f"llama_decode returned {rc}")
        for slot, idx in asked:
            self._after(slot, idx)

    def _after(self, slot: _Slot, idx: int) -> None:
        ll = self._ll
        req = slot.req
        assert req is not None
        if req.sampling is None:
            logits = ll.llama_get_logits_ith(self._ctx, idx)
            _resolve(req, [float(logits[t]) for t in req.choices or []])
            self._release(slot, keep=True)
            return
        if slot.limit <= 0:
            self._finish(slot, "length")
            return
        tok = int(ll.llama_sampler_sample(slot.sampler, self._ctx, idx))
        if ll.llama_vocab_is_eog(self.model.vocab, tok):
            self._finish(slot, "stop")
            return
        slot.out.append(tok)
        self._stats["generated"] += 1
        if len(slot.out) >= slot.limit:
            self._finish(slot, "length")

    def _finish(self, slot: _Slot, reason: str) -> None:
        req = slot.req
        assert req is not None
        _resolve(
            req,
            Generated(
                tokens=list(slot.out),
                finish_reason=reason,
                tokens_in=len(req.prompt),
                latency_s=time.perf_counter() - req.submitted,
            ),
        )
        self._release(slot, keep=True)

    def _release(self, slot: _Slot, *, keep: bool) -> None:
        """Free the slot; its KV cache stays for the next request that shares its prefix."""
        if not keep:
            self._ll.llama_memory_seq_rm(self._mem, slot.seq, -1, -1)
            slot.cached, slot.reusable = [], 0
        if slot.sampler:
            self._ll.llama_sampler_free(slot.sampler)
        slot.req, slot.todo, slot.out, slot.sampler, slot.limit = None, [], [], None, 0


def _resolve(req: _Request, value: Any) -> None:
    with contextlib.suppress(Exception):  # cancelled meanwhile
        req.future.set_result(value)


def _fail(req: _Request, exc: BaseException) -> None:
    with contextlib.suppress(Exception):
        req.future.set_exception(exc)
