"""Rank, for every answer, the dimensions it evidences (e.g. which leadership principles).

The order comes from embedding relevance (``rolecall.scoring.relevance``), one yardstick for
every dimension. Relevance needs an embedding model, so it is measured in the judging stage
(``rank_stage``) and stored in relevance.jsonl; building the summary reads it and needs no
model. Each entry also carries the judges' mean score on that dimension, so a reader sees both
"how much this answer is about X" and "how well it shows X". An answer with no stored relevance
(the semantic extra absent when it was judged) is ordered by the judges' scores, and the
summary says so.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any, Protocol

import numpy as np

from rolecall.errors import RolecallError
from rolecall.instrument import Instrument
from rolecall.judge.answers import Answer, AnswerKey, load_answers
from rolecall.progress import NullProgress, Progress
from rolecall.rundir import RelevanceRecord, RunDir, ScoreRecord, append_records, read_records
from rolecall.rundir.records import DimensionRelevance

TOP = 3
RANKER = "all-MiniLM-L6-v2"


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


def _ranked(a: Answer) -> bool:
    return a.subject == "persona" and not a.pressured


def rank_stage(
    run: RunDir,
    instrument: Instrument,
    *,
    ranker: Ranker | None = None,
    progress: Progress | None = None,
) -> int:
    """Measure and store the relevance of every ranked answer that has none yet; how many were
    measured. Without the semantic extra nothing is stored and the summary ranks by score."""
    if not instrument.rank_dimensions:
        return 0
    done = {(r.item, r.epoch, r.subject) for r in read_records(run.relevance, RelevanceRecord)}
    todo = [a for a in load_answers(run) if _ranked(a) and (a.item, a.epoch, a.subject) not in done]
    if not todo:
        return 0
    ranker = ranker or default_ranker()
    if ranker is None:
        return 0
    bar = (progress or NullProgress()).stage("ranking dimensions", len(todo))
    for a in todo:
        rows = [
            DimensionRelevance(dimension=r.dimension, relevance=r.relevance, quote=r.quote)
            for r in ranker.rank(instrument, a.answer_only)
        ]
        append_records(
            run.relevance,
            [RelevanceRecord(item=a.item, epoch=a.epoch, subject=a.subject, ranker=RANKER, dimensions=rows)],
        )
        bar.advance()
    bar.close()
    return len(todo)


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
    instrument: Instrument, answer: Answer, records: list[ScoreRecord], relevance: RelevanceRecord | None
) -> list[dict[str, Any]]:
    """Every dimension, most evidenced first, with relevance, judge score and a quote."""
    primary = set(instrument.dimensions_for(answer.rubric_item))
    judged = _judge_means(records)
    names = {d.id: d.name for d in instrument.dimensions}
    rows: list[dict[str, Any]] = []
    if relevance is not None:
        for rel in relevance.dimensions:
            judged_as = judged.get(rel.dimension)
            rows.append(
                {
                    "dimension": rel.dimension,
                    "name": names.get(rel.dimension, rel.dimension),
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
    relevance: list[RelevanceRecord],
) -> dict[str, Any]:
    by_answer: dict[AnswerKey, list[ScoreRecord]] = defaultdict(list)
    for r in records:
        by_answer[r.answer_key].append(r)
    measured = {(r.item, r.epoch, r.subject): r for r in relevance}
    out: list[dict[str, Any]] = []
    top_counts: Counter[str] = Counter()
    by_score = 0
    for a in answers:
        if not _ranked(a):
            continue
        rel = measured.get((a.item, a.epoch, a.subject))
        by_score += rel is None
        ranked = rank_answer(instrument, a, by_answer.get(a.key, []), rel)
        top_counts.update(d["dimension"] for d in ranked[:TOP])
        out.append({"item": a.item, "epoch": a.epoch, "question": a.question, "ranked": ranked})
    if by_score == 0 and out:
        method = f"embedding relevance ({RANKER})"
    elif by_score == len(out):
        method = "judge scores"
    else:
        method = f"embedding relevance ({RANKER}); judge scores for {by_score} of {len(out)} answers"
    return {
        "top": TOP,
        "method": method,
        "answers": out,
        "top_counts": {d.id: top_counts.get(d.id, 0) for d in instrument.dimensions},
    }
