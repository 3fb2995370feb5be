"""Rank, for every answer, the dimensions it evidences (e.g. which leadership principles).

The order comes from embedding relevance (``rolecall.scoring.relevance``), one yardstick for
every dimension; each entry also carries the judges' mean score on that dimension, so a
reader sees both "how much this answer is about X" and "how well it shows X". Without the
semantic extra installed, the order falls back to the judges' scores and says so.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any, Protocol

import numpy as np

from rolecall.errors import RolecallError
from rolecall.instrument import Instrument
from rolecall.judge.answers import Answer, is_pressure
from rolecall.rundir import ScoreRecord

TOP = 3


class Ranker(Protocol):
    def rank(self, instrument: Instrument, text: str) -> list[Any]: ...


def default_ranker() -> Ranker | None:
    try:
        from rolecall.scoring.relevance import RelevanceRanker

        ranker = RelevanceRanker()
        _ = ranker.embedder  # load now, so a missing extra is found here, once
        return ranker
    except (ImportError, RolecallError):
        return None


def _judge_means(records: list[ScoreRecord]) -> dict[str, tuple[float, ScoreRecord]]:
    by_dim: dict[str, list[ScoreRecord]] = defaultdict(list)
    for r in records:
        if r.score is not None:
            by_dim[r.dimension].append(r)
    out = {}
    for dim, rs in by_dim.items():
        best = max(rs, key=lambda r: (r.score or 0.0, bool(r.quote_verified)))
        out[dim] = (round(float(np.mean([r.score for r in rs])), 3), best)
    return out


def rank_answer(
    instrument: Instrument, answer: Answer, records: list[ScoreRecord], ranker: Ranker | None
) -> list[dict[str, Any]]:
    """Every dimension, most evidenced first, with relevance, judge score and a quote."""
    primary = set(instrument.dimensions_for(answer.rubric_item))
    judged = _judge_means(records)
    names = {d.id: d.name for d in instrument.dimensions}
    rows: list[dict[str, Any]] = []
    if ranker is not None:
        for rel in ranker.rank(instrument, answer.answer_only):
            judged_as = judged.get(rel.dimension)
            rows.append(
                {
                    "dimension": rel.dimension,
                    "name": names[rel.dimension],
                    "relevance": rel.relevance,
                    "score": judged_as[0] if judged_as else None,
                    "quote": rel.quote,
                    "asked_about": rel.dimension in primary,
                }
            )
        return rows
    for dim_id, (score, best) in judged.items():
        rows.append(
            {
                "dimension": dim_id,
                "name": names.get(dim_id, dim_id),
                "relevance": None,
                "score": score,
                "quote": best.evidence,
                "asked_about": dim_id in primary,
            }
        )
    rows.sort(key=lambda d: (-d["score"], d["dimension"]))
    return rows


def ranking_block(
    instrument: Instrument,
    answers: list[Answer],
    records: list[ScoreRecord],
    ranker: Ranker | None,
) -> dict[str, Any]:
    by_answer: dict[tuple[str, int, str], list[ScoreRecord]] = defaultdict(list)
    for r in records:
        by_answer[(r.item, r.epoch, r.subject)].append(r)
    out: list[dict[str, Any]] = []
    top_counts: Counter[str] = Counter()
    for a in answers:
        if a.subject != "persona" or is_pressure(a.item):
            continue
        ranked = rank_answer(instrument, a, by_answer.get((a.item, a.epoch, a.subject), []), ranker)
        top_counts.update(d["dimension"] for d in ranked[:TOP])
        out.append({"item": a.item, "epoch": a.epoch, "question": a.question, "ranked": ranked})
    return {
        "top": TOP,
        "method": "embedding relevance (all-MiniLM-L6-v2)" if ranker is not None else "judge scores",
        "answers": out,
        "top_counts": {d.id: top_counts.get(d.id, 0) for d in instrument.dimensions},
    }
