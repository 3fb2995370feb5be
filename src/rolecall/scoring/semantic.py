"""Anchored semantic scorer: places an answer between a dimension's poles by embedding similarity.

Method (deterministic, no LLM):

1. Each dimension has high-pole and low-pole exemplar sentences (``high_exemplars`` /
   ``low_exemplars``, plus the top and bottom anchors); an item's positive / negative indicators
   join the high / low sets when scoring that item.
2. A sentence's *position* is its mean cosine similarity to the high set minus that to the low set.
3. An answer's position is the mean position of its ``TOP_K`` most polarised sentences (the ones
   with the largest absolute position), so neutral filler does not dilute the signal. (Weighting
   those sentences by their own polarisation was tried and dropped: it cut risk-tolerance
   agreement with the labelled set from 0.62 to 0.34.)
4. Calibration, fitted per dimension on the instrument's own text: every anchor sentence (at its
   scale point) and every exemplar (at the scale's max or min, scored leave-one-out) gets a
   position; a least-squares line maps position → scale point. The answer's position goes
   through that line and is clipped to the scale.
5. Before any of this, the answer goes through the judges' common screen
   (``rolecall.judge.evidence``): code, refusals, filler, questions back to the interviewer,
   sentences addressed to the grader, and sentences that restate the question or the rubric are
   set aside, and when nothing is left the scorer abstains with the reason. It also abstains
   when no remaining sentence is about what was asked (``off_topic``: cosine similarity to the
   questions of the conversation and the item below ``RELEVANCE_MIN``) or when no
   sentence leans toward either pole (``insufficient_evidence``: |position| below
   ``POLARITY_MIN``).
6. Evidence is the answer's most polarised sentence in the direction of the final score
   (verbatim, so the quote always verifies). Indicators are "seen" when a sentence's cosine
   similarity to the indicator is at least ``INDICATOR_THRESHOLD``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import numpy as np

from rolecall.calls import CallStats
from rolecall.instrument import Dimension, Instrument, Item
from rolecall.judge.answers import Answer
from rolecall.judge.conversation import Conversation
from rolecall.judge.evidence import abstention, addresses_grader, references, screen
from rolecall.rundir import ScoreRecord, SessionScoreRecord
from rolecall.scoring.embedder import Embedder, get_embedder
from rolecall.text import sentences

__all__ = ["SemanticJudge", "addresses_grader", "answer_position", "poles", "sentence_positions", "sentences"]

TOP_K = 3
INDICATOR_THRESHOLD = 0.65
#: an answer none of whose evidence sentences reaches this cosine similarity with what was asked
#: (the conversation's questions and the item's prompt) is off topic; with no question known the
#: gate is not applied. Low on purpose: concise on-topic human answers sit as low as 0.2 (none of
#: the 60 clean written answers is below 0.15), unrelated text at 0.03-0.14 (bench/judges.md)
RELEVANCE_MIN = 0.15
#: an answer whose most polarised evidence sentence sits closer than this to the middle of the
#: dimension (|position|) says nothing either way about it: insufficient evidence
POLARITY_MIN = 0.01


@dataclass(frozen=True)
class Calibration:
    slope: float
    intercept: float

    def apply(self, position: float, lo: int, hi: int) -> float:
        return float(np.clip(self.intercept + self.slope * position, lo, hi))


def _position(vecs: np.ndarray, high: np.ndarray, low: np.ndarray) -> np.ndarray:
    return (vecs @ high.T).mean(axis=1) - (vecs @ low.T).mean(axis=1)


def poles(instrument: Instrument, dim: Dimension, item: Item | None) -> tuple[list[str], list[str]]:
    """The high-pole and low-pole texts an answer is placed between (step 1 above)."""
    high = [*dim.high_exemplars, dim.anchors[instrument.scale.max]]
    low = [*dim.low_exemplars, dim.anchors[instrument.scale.min]]
    if item is not None:
        high += item.positive_indicators
        low += item.negative_indicators
    return high, low


def sentence_positions(
    embedder: Embedder, sents: list[str], instrument: Instrument, dim: Dimension, item: Item | None
) -> tuple[np.ndarray, np.ndarray]:
    """The sentences' embeddings and their positions between the dimension's poles (step 2)."""
    high, low = poles(instrument, dim, item)
    sv = embedder.encode(sents)
    return sv, _position(sv, embedder.encode(high), embedder.encode(low))


def answer_position(pos: np.ndarray) -> float:
    """An answer's position: the mean of its TOP_K most polarised sentences' (step 3)."""
    order = np.argsort(-np.abs(pos), kind="stable")[:TOP_K]
    return float(pos[order].mean())


class SemanticJudge:
    """``--judge semantic``: the anchored embedding scorer, behind the Judge protocol."""

    name = "semantic"

    def __init__(self, embedder: Embedder | None = None):
        self._embedder = embedder
        self._calibrations: dict[tuple[str, str], Calibration] = {}

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = get_embedder()
        return self._embedder

    def calibration(self, instrument: Instrument, dim: Dimension) -> Calibration:
        key = (instrument.id, dim.id)
        if key in self._calibrations:
            return self._calibrations[key]
        scale = instrument.scale
        high, low = poles(instrument, dim, None)
        hv, lv = self.embedder.encode(high), self.embedder.encode(low)
        xs: list[float] = []
        ys: list[float] = []
        # leave-one-out (an exemplar is not compared with itself) when a pole has more than one text
        for i in range(len(high)):
            rest = np.delete(hv, i, axis=0) if len(high) > 1 else hv
            xs.append(float(_position(hv[i : i + 1], rest, lv)[0]))
            ys.append(scale.max)
        for i in range(len(low)):
            rest = np.delete(lv, i, axis=0) if len(low) > 1 else lv
            xs.append(float(_position(lv[i : i + 1], hv, rest)[0]))
            ys.append(scale.min)
        mids = {p: t for p, t in dim.anchors.items() if p not in (scale.min, scale.max)}
        if mids:
            mv = self.embedder.encode(list(mids.values()))
            for p, pos in zip(mids, _position(mv, hv, lv), strict=True):
                xs.append(float(pos))
                ys.append(p)
        slope, intercept = np.polyfit(np.array(xs), np.array(ys), 1)
        if not np.isfinite(slope) or slope <= 0:
            slope, intercept = 0.0, scale.midpoint
        cal = Calibration(float(slope), float(intercept))
        self._calibrations[key] = cal
        return cal

    def _asked(self, item: Item | None, answer: Answer) -> np.ndarray | None:
        """Embeddings of what was asked (the conversation's questions, the item), if known."""
        texts = [*answer.prompts, *([item.prompt] if item is not None else [])]
        texts = list(dict.fromkeys(t for t in texts if t.strip()))
        return self.embedder.encode(texts) if texts else None

    def score_sync(
        self, instrument: Instrument, dim: Dimension, item: Item | None, answer: Answer
    ) -> ScoreRecord:
        scale = instrument.scale
        base = answer.record_base(dim.id, self.name, "semantic")
        checked = screen(answer.answer_only, references(instrument, dim, item, answer.prompts))
        note = checked.note()
        if checked.reason is not None:
            return abstention(base, checked.reason, note)
        sents = checked.evidence
        cal = self.calibration(instrument, dim)
        if cal.slope == 0:
            return ScoreRecord.model_validate(
                {
                    **base,
                    "score": None,
                    "raw": answer.answer_only[:2000],
                    "error": f"dimension {dim.id!r}: its exemplars do not separate the poles "
                    "(degenerate calibration)",
                }
            )
        sv = self.embedder.encode(sents)
        asked = self._asked(item, answer)
        relevance = float((sv @ asked.T).max()) if asked is not None else 1.0
        if asked is not None and relevance < RELEVANCE_MIN:
            return abstention(
                base,
                "off_topic",
                f"relevance {relevance:.2f} < {RELEVANCE_MIN}" + (f"; {note}" if note else ""),
            )
        _, pos = sentence_positions(self.embedder, sents, instrument, dim, item)
        strongest = float(np.abs(pos).max())
        if strongest < POLARITY_MIN:
            return abstention(
                base,
                "insufficient_evidence",
                f"no sentence leans either way (|position| {strongest:.3f} < {POLARITY_MIN})"
                + (f"; {note}" if note else ""),
            )
        answer_pos = answer_position(pos)
        score = round(cal.apply(answer_pos, scale.min, scale.max), 3)
        toward_high = score >= scale.midpoint
        best = int(np.argmax(pos) if toward_high else np.argmin(pos))
        seen: list[str] = []
        if item is not None:
            indicators = [*item.positive_indicators, *item.negative_indicators]
            if indicators:
                sims = sv @ self.embedder.encode(indicators).T
                seen = [ind for j, ind in enumerate(indicators) if sims[:, j].max() >= INDICATOR_THRESHOLD]
        return ScoreRecord.model_validate(
            {
                **base,
                "score": score,
                "evidence": sents[best],
                "quote_verified": True,
                "indicators_seen": seen,
                "reasoning": f"position {answer_pos:+.3f} (top-{min(TOP_K, len(sents))} sentences) "
                f"→ {score:.2f} "
                f"by calibration {cal.intercept:.2f} + {cal.slope:.2f}·position; relevance {relevance:.2f}; "
                f"strongest |position| {strongest:.3f}" + (f"; {note}" if note else ""),
            }
        )

    async def score(
        self, instrument: Instrument, dim: Dimension, item: Item | None, answer: Answer
    ) -> ScoreRecord:
        return await asyncio.to_thread(self.score_sync, instrument, dim, item, answer)

    async def score_session(
        self, instrument: Instrument, dim: Dimension, convo: Conversation
    ) -> SessionScoreRecord:
        """A whole session on one dimension (``rolecall.scoring.session``)."""
        from rolecall.scoring.session import score_session

        return await asyncio.to_thread(score_session, self, instrument, dim, convo)

    async def aclose(self) -> None:
        return None

    def call_stats(self) -> CallStats | None:
        return None
