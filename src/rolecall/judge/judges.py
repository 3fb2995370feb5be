"""Judges: something that turns (answer, dimension) into a ScoreRecord.

``LLMJudge`` prompts a model with the rubric and parses a structured verdict; an unparseable
verdict is retried once with a repair prompt, then kept as unscored (score None) with the raw
reply, never dropped and never zero. Other scorers (e.g. the semantic scorer) implement the
same ``Judge`` protocol and are registered in ``make_judge``.
"""

from __future__ import annotations

from typing import Protocol

from rolecall.calls import Caller, CallStats, ResponseCache
from rolecall.errors import RolecallError
from rolecall.instrument import Dimension, Instrument, Item
from rolecall.judge.answers import Answer
from rolecall.judge.prompt import REPAIR, judge_messages, verdict_format
from rolecall.judge.verdict import VerdictError, parse_verdict, quote_in_answer, verdict_schema
from rolecall.models import GenParams, Message, make_model
from rolecall.rundir import ScoreRecord

JUDGE_PARAMS = GenParams(temperature=0.0, top_p=1.0, max_tokens=220, seed=0)


class Judge(Protocol):
    name: str

    async def score(
        self, instrument: Instrument, dim: Dimension, item: Item | None, answer: Answer
    ) -> ScoreRecord: ...

    async def aclose(self) -> None: ...

    def call_stats(self) -> CallStats | None: ...


class LLMJudge:
    """A rubric judge backed by a chat model.

    ``mode="json"``: the verdict's integer score. ``mode="logprob"`` (local GGUF models): the same
    verdict, but the score is the probability-weighted mean over the scale points, read from the
    model's next-token distribution at the verdict's ``"score":`` position (G-Eval style).
    """

    def __init__(self, caller: Caller, params: GenParams = JUDGE_PARAMS, *, mode: str = "json"):
        self.caller = caller
        self.mode = mode
        self.name = caller.model.spec + ("+logprob" if mode == "logprob" else "")
        self.params = params

    async def _weighted(self, messages: list[Message], raw: str, lo: int, hi: int) -> float | None:
        cut = raw.rfind('"score"')
        if cut < 0:
            return None
        prefix = raw[: raw.find(":", cut) + 1] + " "
        points = [str(p) for p in range(lo, hi + 1)]
        model = self.caller.model
        dist = await model.score_distribution(messages, prefix, points)  # type: ignore[attr-defined]
        return sum(int(k) * v for k, v in dist.items())

    async def score(
        self, instrument: Instrument, dim: Dimension, item: Item | None, answer: Answer
    ) -> ScoreRecord:
        lo, hi = instrument.scale.min, instrument.scale.max
        params = self.params.model_copy(update={"json_schema": verdict_schema(lo, hi)})
        messages = judge_messages(instrument, dim, item, answer.question, answer.text)
        out = await self.caller.complete(messages, params)
        raw = out.text
        scored_reply = raw
        error: str | None = None
        try:
            verdict = parse_verdict(raw, lo, hi)
        except VerdictError as first:
            repair = [
                *messages,
                Message(role="assistant", content=raw),
                Message(role="user", content=REPAIR + verdict_format(instrument)),
            ]
            out = await self.caller.complete(repair, params)
            scored_reply = out.text
            try:
                verdict = parse_verdict(out.text, lo, hi)
            except VerdictError as second:
                error = f"unparseable verdict: {first}; after repair: {second}"
                raw = (raw + "\n---\n" + out.text)[:2000]
                verdict = None
        base = answer.record_base(dim.id, self.name, "json")
        if verdict is None:
            return ScoreRecord.model_validate({**base, "score": None, "error": error, "raw": raw})
        score = float(verdict.score)
        if self.mode == "logprob" and scored_reply is out.text:
            weighted = await self._weighted(messages, scored_reply, lo, hi)
            if weighted is not None:
                score = round(weighted, 3)
                base["mode"] = "logprob"
        return ScoreRecord.model_validate(
            {
                **base,
                "score": score,
                "evidence": verdict.evidence.strip(),
                "quote_verified": quote_in_answer(verdict.evidence, answer.answer_only),
                "indicators_seen": list(
                    dict.fromkeys(s.strip() for s in verdict.indicators_seen if s.strip())
                )[:6],
                "reasoning": verdict.reasoning.strip(),
            }
        )

    async def aclose(self) -> None:
        await self.caller.model.aclose()

    def call_stats(self) -> CallStats | None:
        return self.caller.stats


def make_judge(spec: str, cache: ResponseCache | None, *, concurrency: int, seed: int) -> Judge:
    """Build a judge from a spec: ``semantic`` is the embedding scorer; any model spec gives an
    LLM rubric judge."""
    if spec == "semantic":
        from rolecall.scoring import SemanticJudge

        return SemanticJudge()
    base, mode = _split_mode(spec)
    model = make_model(base)
    return LLMJudge(Caller(model, cache, concurrency=concurrency, seed=seed), mode=mode)


def _split_mode(spec: str) -> tuple[str, str]:
    if spec.endswith("+logprob"):
        base = spec.removesuffix("+logprob")
        if not base.startswith("local"):
            raise RolecallError(
                f"judge {spec!r}: probability-weighted scoring needs a local GGUF judge (local, local:...)"
            )
        return base, "logprob"
    return spec, "json"


def describe_judge(spec: str) -> dict[str, str]:
    """Validate a judge spec up front and return its manifest entry (spec and identity)."""
    if spec == "semantic":
        from importlib import metadata

        from rolecall.scoring.embedder import DIST, model_dir

        model_dir()  # fails with an install hint when the package is missing
        return {"spec": spec, "identity": f"all-MiniLM-L6-v2 ({DIST} {metadata.version(DIST)})"}
    base, _mode = _split_mode(spec)
    model = make_model(base)
    return {"spec": spec, "identity": model.identity}
