"""Rank, for every answer, the dimensions it evidences (e.g. which leadership principles).

An answer's score on a dimension is the mean over judges of their scored verdicts; its quote is
the evidence of the highest-scoring verdict. Dimensions without a scored verdict are left out
of that answer's ranking (and counted), never ranked as zero.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import numpy as np

from rolecall.instrument import Instrument
from rolecall.judge.answers import Answer, is_pressure
from rolecall.judge.stage import dimensions_for
from rolecall.rundir import ScoreRecord

TOP = 3


def rank_answer(
    instrument: Instrument, answer: Answer, records: list[ScoreRecord]
) -> tuple[list[dict[str, Any]], int]:
    """(ranked dimensions, how many dimensions had no scored verdict) for one answer."""
    by_dim: dict[str, list[ScoreRecord]] = defaultdict(list)
    for r in records:
        by_dim[r.dimension].append(r)
    primary = set(dimensions_for(instrument, answer.rubric_item))
    ranked: list[dict[str, Any]] = []
    unscored = 0
    for dim in instrument.dimensions:
        scored = [r for r in by_dim.get(dim.id, []) if r.score is not None]
        if not scored:
            unscored += 1
            continue
        best = max(scored, key=lambda r: (r.score or 0.0, bool(r.quote_verified)))
        ranked.append(
            {
                "dimension": dim.id,
                "name": dim.name,
                "score": round(float(np.mean([r.score for r in scored])), 3),
                "quote": best.evidence,
                "verified": best.quote_verified,
                "asked_about": dim.id in primary,
            }
        )
    ranked.sort(key=lambda d: (-d["score"], d["dimension"]))
    return ranked, unscored


def ranking_block(
    instrument: Instrument, answers: list[Answer], records: list[ScoreRecord]
) -> dict[str, Any]:
    by_answer: dict[tuple[str, int, str], list[ScoreRecord]] = defaultdict(list)
    for r in records:
        by_answer[(r.item, r.epoch, r.subject)].append(r)
    out: list[dict[str, Any]] = []
    top_counts: Counter[str] = Counter()
    for a in answers:
        if a.subject != "persona" or is_pressure(a.item):
            continue
        ranked, unscored = rank_answer(instrument, a, by_answer.get((a.item, a.epoch, a.subject), []))
        top_counts.update(d["dimension"] for d in ranked[:TOP])
        out.append(
            {
                "item": a.item,
                "epoch": a.epoch,
                "question": a.question,
                "ranked": ranked,
                "unscored_dimensions": unscored,
            }
        )
    return {
        "top": TOP,
        "answers": out,
        "top_counts": {d.id: top_counts.get(d.id, 0) for d in instrument.dimensions},
    }
