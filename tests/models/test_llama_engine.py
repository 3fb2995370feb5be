"""The batched llama.cpp engine on the real embedded model: several conversations at once give
exactly the text one at a time gives, whatever was cached before (slow: real decoding)."""

from __future__ import annotations

import os
from concurrent.futures import Future
from pathlib import Path

import pytest
from tests.conftest import needs_local_model

from rolecall.errors import ModelCallError
from rolecall.models.llama_engine import CHUNK, Engine, Generated, Sampling

pytestmark = [pytest.mark.local_model, pytest.mark.slow, needs_local_model]

SYSTEM = (
    "You are Dana, a machine-learning engineer who starts every project with a small experiment, "
    "measures before building, and writes down what each result does and does not show. "
) * 3
QUESTIONS = [
    "How would you start a recommendation system?",
    "Would you ship a model that fails on rare inputs?",
    "What do you do when an experiment contradicts your plan?",
    "How do you pick a metric?",
]


@pytest.fixture(scope="module")
def gguf() -> Path:
    from rolecall.models.embedded import ensure_embedded

    os.environ.setdefault("ROLECALL_CACHE_DIR", str(Path.home() / ".cache/rolecall"))
    return ensure_embedded()


def _prompts(engine: Engine) -> list[list[int]]:
    def chat(user: str, history: str = "") -> list[int]:
        text = f"<|im_start|>system\n{SYSTEM}<|im_end|>\n{history}<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n"
        return list(engine.model.tokenize(text.encode(), add_bos=False, special=True))

    first = [chat(q) for q in QUESTIONS]
    # a follow-up: the whole first exchange, then a new question (reuses a long prefix)
    follow = chat(
        "Why?",
        f"<|im_start|>user\n{QUESTIONS[0]}<|im_end|>\n<|im_start|>assistant\nI would measure first.<|im_end|>\n",
    )
    return [*first, follow]


def _texts(engine: Engine, futures: list[Future[Generated]]) -> list[str]:
    return [engine.model.detokenize(f.result(timeout=600).tokens).decode("utf-8", "ignore") for f in futures]


def test_batched_equals_one_at_a_time_and_cache_state_does_not_matter(gguf):
    greedy = Sampling(temperature=0.0, top_p=1.0, seed=0, max_tokens=16)
    sampled = [Sampling(temperature=0.7, top_p=0.95, seed=7 + i, max_tokens=16) for i in range(5)]
    one = Engine(gguf, slots=1, n_ctx=2048, n_threads=2)
    try:
        prompts = _prompts(one)
        alone_greedy = _texts(one, [one.generate(p, greedy) for p in prompts[:3]])
        alone_sampled = []
        for p, s in zip(prompts, sampled, strict=True):  # one at a time, each after the last
            alone_sampled += _texts(one, [one.generate(p, s)])
        # the same prompt again starts from a cached prefix: still the same text
        assert _texts(one, [one.generate(prompts[0], sampled[0])]) == alone_sampled[:1]
        assert one.stats["prompt_reused"] > 0
    finally:
        one.close()
    four = Engine(gguf, slots=4, n_ctx=2048, n_threads=2)
    try:
        together_sampled = _texts(four, [four.generate(p, s) for p, s in zip(prompts, sampled, strict=True)])
        together_greedy = _texts(four, [four.generate(p, greedy) for p in reversed(prompts[:3])])[::-1]
        stats = four.stats
        head = len(four.model.tokenize(f"<|im_start|>system\n{SYSTEM}<|im_end|>\n".encode(), False, True))
    finally:
        four.close()
    assert together_sampled == alone_sampled
    assert together_greedy == alone_greedy
    assert all(t.strip() for t in together_sampled)
    # the system prompt was read once and copied to the other slots, in whole chunks
    assert stats["prompt_reused"] >= (len(prompts) - 1) * (head - head % CHUNK)
    assert stats["decode_calls"] < stats["generated"]  # several conversations per llama.cpp call


def test_grammar_distribution_and_limits(gguf):
    engine = Engine(gguf, slots=2, n_ctx=512, n_threads=2)
    try:
        prompt = _prompts(engine)[1]
        schema = {
            "type": "object",
            "properties": {"score": {"type": "integer", "minimum": 1, "maximum": 5}},
            "required": ["score"],
        }
        out = engine.generate(prompt, Sampling(0.0, 1.0, 0, 40, json_schema=schema)).result(timeout=600)
        text = engine.model.detokenize(out.tokens).decode()
        assert text.lstrip().startswith("{") and '"score"' in text, text
        assert out.tokens_in == len(prompt)
        capped = engine.generate(prompt, Sampling(0.7, 0.95, 1, 3)).result(timeout=600)
        assert len(capped.tokens) == 3 and capped.finish_reason == "length"
        ids = [engine.model.tokenize(c.encode(), add_bos=False, special=False)[0] for c in "12345"]
        logits = engine.distribution(prompt, ids).result(timeout=600)
        assert len(logits) == 5 and len(set(logits)) > 1
        too_long = engine.generate(list(range(100, 700)), Sampling(0.0, 1.0, 0, 8))
        with pytest.raises(ModelCallError) as err:
            too_long.result(timeout=60)
        assert err.value.context_exhausted
    finally:
        engine.close()
