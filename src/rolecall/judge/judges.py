"""Judges: something that turns (answer, dimension) into a ScoreRecord.

``LLMJudge`` prompts a model with the rubric and parses a structured verdict; an unparseable
verdict is retried once with a repair prompt, then kept as unscored (score None) with the raw
reply, never dropped and never zero. Other scorers (e.g. the semantic scorer) implement the
same ``Judge`` protocol and are registered in ``make_judge``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from rolecall.calls import CallBudget, Caller, CallStats, ResponseCache
from rolecall.errors import RolecallError
from rolecall.instrument import Dimension, Instrument, Item
from rolecall.judge.answers import Answer
from rolecall.judge.evidence import ECHO_MIN_MATCHED, References, abstention, echo_of, references, screen
from rolecall.judge.prompt import ECHO_REPAIR, REPAIR, judge_messages, verdict_format
from rolecall.judge.verdict import Verdict, VerdictError, parse_verdict, quote_in_answer, verdict_schema
from rolecall.models import Completion, GenParams, Message, make_model
from rolecall.rundir import ScoreRecord
from rolecall.rundir.records import JudgeRef
from rolecall.text import sentences

JUDGE_PARAMS = GenParams(temperature=0.0, top_p=1.0, max_tokens=220, seed=0)


class Judge(Protocol):
    name: str

    async def score(
        self, instrument: Instrument, dim: Dimension, item: Item | None, answer: Answer
    ) -> ScoreRecord: ...

    async def aclose(self) -> None: ...

    def call_stats(self) -> CallStats | None: ...


@dataclass(frozen=True)
class _Reply:
    """A verdict as the judge gave it: the conversation asked, the reply, the parsed verdict
    (None if unparseable even after a repair, with the error and both raw replies)."""

    asked: list[Message]
    out: Completion
    verdict: Verdict | None
    error: str | None = None
    raw: str | None = None


class LLMJudge:
    """A rubric judge backed by a chat model.

    Before any call, the answer goes through the judges' common screen (``judge.evidence``): a
    refusal, a non-answer, code alone or a restatement of the question is abstained on without
    asking the model. The model sees the rubric, the question, earlier turns and the fenced
    answer, and may itself answer "no evidence" (``score: null`` with a reason). An evidence
    quote that restates the question or rubric is sent back once; if the judge insists, it is an
    ``echo`` abstention.

    ``mode="json"``: the verdict's integer score. ``mode="logprob"``: the probability-weighted
    mean over the scale points at the verdict's ``"score":`` position (G-Eval style), read from
    the model's next-token distribution (local GGUF models) or from the returned top
    log-probabilities (servers that return them; otherwise the integer score is kept, mode json).
    """

    def __init__(self, caller: Caller, params: GenParams = JUDGE_PARAMS, *, mode: str = "json"):
        self.caller = caller
        self.mode = mode
        self.name = caller.model.spec + ("+logprob" if mode == "logprob" else "")
        self.params = params
        if mode == "logprob" and not hasattr(caller.model, "score_distribution"):
            self.params = params.model_copy(update={"top_logprobs": 10})

    async def _weighted(self, messages: list[Message], out: Completion, lo: int, hi: int) -> float | None:
        raw = out.text
        cut = raw.rfind('"score"')
        if cut < 0:
            return None
        points = [str(p) for p in range(lo, hi + 1)]
        model = self.caller.model
        if hasattr(model, "score_distribution"):
            prefix = raw[: raw.find(":", cut) + 1] + " "
            dist = await model.score_distribution(messages, prefix, points)
            return float(sum(int(k) * v for k, v in dist.items()))
        return weighted_from_logprobs(out, points)

    async def _ask_again(
        self, asked: list[Message], out: Completion, prompt: str, params: GenParams
    ) -> tuple[list[Message], Completion]:
        """Send the judge's reply back with ``prompt``; the longer conversation and the new reply."""
        again = [*asked, Message(role="assistant", content=out.text), Message(role="user", content=prompt)]
        return again, await self.caller.complete(again, params)

    async def _verdict(self, messages: list[Message], params: GenParams, instrument: Instrument) -> _Reply:
        """Ask, and once more with a repair prompt if the reply does not parse."""
        lo, hi = instrument.scale.min, instrument.scale.max
        out = await self.caller.complete(messages, params)
        try:
            return _Reply(messages, out, parse_verdict(out.text, lo, hi))
        except VerdictError as first:
            repair, again = await self._ask_again(messages, out, REPAIR + verdict_format(instrument), params)
            try:
                return _Reply(repair, again, parse_verdict(again.text, lo, hi))
            except VerdictError as second:
                return _Reply(
                    repair,
                    again,
                    None,
                    error=f"unparseable verdict: {first}; after repair: {second}",
                    raw=(out.text + "\n---\n" + again.text)[:2000],
                )

    async def score(
        self, instrument: Instrument, dim: Dimension, item: Item | None, answer: Answer
    ) -> ScoreRecord:
        lo, hi = instrument.scale.min, instrument.scale.max
        base = answer.record_base(dim.id, self.name, "json")
        refs = references(instrument, dim, item, answer.prompts)
        checked = screen(answer.answer_only, refs)
        if checked.reason is not None:
            return abstention(base, checked.reason, checked.note() + " (screened before the model was asked)")
        params = self.params.model_copy(update={"json_schema": verdict_schema(lo, hi)})
        messages = judge_messages(instrument, dim, item, answer.question, answer.text, answer.context)
        reply = await self._verdict(messages, params, instrument)
        asked, out, verdict = reply.asked, reply.out, reply.verdict
        if verdict is not None and verdict.score is not None and quotes_echo(verdict.evidence, answer, refs):
            asked, out = await self._ask_again(asked, out, ECHO_REPAIR + verdict_format(instrument), params)
            try:
                verdict = parse_verdict(out.text, lo, hi)
            except VerdictError:
                verdict = None
            if verdict is None or (verdict.score is not None and quotes_echo(verdict.evidence, answer, refs)):
                return abstention(
                    base, "echo", "the judge quoted only a restatement of the question or rubric"
                )
        if verdict is None:
            return ScoreRecord.model_validate({**base, "score": None, "error": reply.error, "raw": reply.raw})
        if verdict.score is None:
            return abstention(base, verdict.abstain_reason, verdict.reasoning.strip())
        score = float(verdict.score)
        if self.mode == "logprob":
            weighted = await self._weighted(asked, out, lo, hi)
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


def quotes_echo(quote: str, answer: Answer, refs: References) -> bool:
    """True when the judge's evidence is a restatement: every sentence of the answer that holds
    the quote is an echo, or the quote is not in the answer but copies the question (small
    judges quote the question). Any other quote not found in the answer is flagged unverified."""
    holding = [s for s in sentences(answer.answer_only) if quote_in_answer(quote, s)]
    if holding:
        return all(refs.echo(s) is not None for s in holding)
    return len(quote.split()) >= ECHO_MIN_MATCHED and echo_of(quote, refs.asked) is not None


def weighted_from_logprobs(out: Completion, points: list[str]) -> float | None:
    """Expected score from the top log-probabilities at the score token, if the reply has them.

    The score token is the first token after the last ``"score"`` key whose text is a scale
    point; its alternatives restricted to the scale points are renormalised.
    """
    if not out.logprobs:
        return None
    seen = ""
    after_key = False
    for tok in out.logprobs:
        seen += tok.token
        if not after_key:
            after_key = seen.rstrip().endswith('"score":') or seen.rstrip().endswith('"score"')
            continue
        if tok.token.strip() in points:
            probs = {p: math.exp(lp) for t, lp in tok.top.items() if (p := t.strip()) in points}
            total = sum(probs.values())
            if total <= 0:
                return None
            return sum(int(p) * v for p, v in probs.items()) / total
        if tok.token.strip() not in ("", ":"):
            return None
    return None


def make_judge(
    spec: str,
    cache: ResponseCache | None,
    *,
    concurrency: int,
    seed: int,
    budget: CallBudget | None = None,
) -> Judge:
    """Build a judge from a spec: ``semantic`` is the embedding scorer; any model spec gives an
    LLM rubric judge. ``budget``: a limit its calls share with the subject's (after the
    subject's, priority 1), when the judging overlaps the interview."""
    if spec == "semantic":
        from rolecall.scoring import SemanticJudge

        return SemanticJudge()
    base, mode = _split_mode(spec)
    model = make_model(base)
    caller = Caller(model, cache, concurrency=concurrency, seed=seed, budget=budget, priority=1)
    return LLMJudge(caller, mode=mode)


def call_limit(judge: Judge, concurrency: int) -> int:
    """How many of ``judge``'s verdicts can be in progress at once: its caller's limit for an LLM
    judge; ``concurrency`` for any other (the semantic scorer works in threads)."""
    return judge.caller.limit if isinstance(judge, LLMJudge) else max(1, concurrency)


def _split_mode(spec: str) -> tuple[str, str]:
    if spec.endswith("+logprob"):
        base = spec.removesuffix("+logprob")
        if not (base.startswith("local") or base.startswith("openai:")):
            raise RolecallError(
                f"judge {spec!r}: probability-weighted scoring needs a local GGUF judge (local, "
                "local:...) or an OpenAI-compatible server that returns log-probabilities (openai:...)"
            )
        return base, "logprob"
    return spec, "json"


def describe_judge(spec: str) -> JudgeRef:
    """Validate a judge spec up front and return its manifest entry (spec and identity)."""
    if spec == "semantic":
        from importlib import metadata

        from rolecall.scoring.embedder import DIST, model_dir

        model_dir()  # fails with an install hint when the package is missing
        return JudgeRef(spec=spec, identity=f"all-MiniLM-L6-v2 ({DIST} {metadata.version(DIST)})")
    base, _mode = _split_mode(spec)
    model = make_model(base)
    return JudgeRef(spec=spec, identity=model.identity)
