"""Which answers a rater sees, in which order: a seeded sample stratified by dimension and by the
judges' score level, fixed for a run so that a rater who comes back continues where they stopped.

The judges' scores choose the sample (so low, middle and high answers and abstentions are all
represented) but never reach the page: labels are made blind.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field

from rolecall.instrument import Instrument
from rolecall.judge.answers import answers_from_turns, pressure_cut
from rolecall.labels import LabelKey
from rolecall.rundir import RunDir, ScoreRecord, TurnRecord, read_records


@dataclass(frozen=True)
class LabelTask:
    """One answer × dimension to rate, with everything the rater sees (and nothing of the judges)."""

    key: LabelKey
    question: str
    turns: list[dict[str, str]]  # {"role": "interviewer"|"answer", "text": ...} after the question
    dimension: str
    dimension_name: str
    description: str
    anchors: dict[str, str] = field(default_factory=dict)

    def public(self, index: int) -> dict[str, object]:
        item, epoch, subject, dim = self.key
        return {
            "index": index,
            "item": item,
            "epoch": epoch,
            "subject": subject,
            "dimension": dim,
            "dimension_name": self.dimension_name,
            "description": self.description,
            "anchors": self.anchors,
            "question": self.question,
            "turns": self.turns,
        }


def _level(scores: list[float | None]) -> str:
    vals = [s for s in scores if s is not None]
    if not vals:
        return "no evidence"
    mean = sum(vals) / len(vals)
    return "low" if mean < 2.5 else "high" if mean > 3.5 else "middle"


def label_tasks(run: RunDir, instrument: Instrument, *, sample: int, seed: int = 0) -> list[LabelTask]:
    """Up to ``sample`` tasks, round-robin over (dimension, judge score level) strata."""
    turns = list(read_records(run.transcript, TurnRecord))
    by_conv: dict[tuple[str, int, str], list[TurnRecord]] = defaultdict(list)
    for t in turns:
        by_conv[(t.item, t.epoch, t.subject)].append(t)
    answered = {(a.item, a.epoch, a.subject) for a in answers_from_turns(turns) if not a.pressured}
    verdicts: dict[LabelKey, list[float | None]] = defaultdict(list)
    for s in read_records(run.scores, ScoreRecord):
        if (s.item, s.epoch, s.subject) in answered and not s.unscored:
            verdicts[(s.item, s.epoch, s.subject, s.dimension)].append(s.score)
    strata: dict[tuple[str, str], list[LabelKey]] = defaultdict(list)
    for key in sorted(verdicts):
        strata[(key[3], _level(verdicts[key]))].append(key)
    rng = random.Random(seed)
    for keys in strata.values():
        rng.shuffle(keys)
    order: list[LabelKey] = []
    queues = [strata[k] for k in sorted(strata)]
    while len(order) < sample and any(queues):
        for q in queues:
            if q and len(order) < sample:
                order.append(q.pop())
    dims = {d.id: d for d in instrument.dimensions}
    out = []
    for key in order:
        item, epoch, subject, dim_id = key
        conv = sorted(by_conv[(item, epoch, subject)], key=lambda t: t.turn)
        main = conv[: pressure_cut(conv)]
        dim = dims.get(dim_id)
        out.append(
            LabelTask(
                key=key,
                question=main[0].question or main[0].text,
                turns=[
                    {"role": "answer" if t.role == "assistant" else "interviewer", "text": t.text}
                    for t in main[1:]
                ],
                dimension=dim_id,
                dimension_name=dim.name if dim else dim_id,
                description=dim.description if dim else "",
                anchors={str(p): a for p, a in sorted((dim.anchors if dim else {}).items())},
            )
        )
    return out
