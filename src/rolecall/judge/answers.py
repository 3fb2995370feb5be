"""Assemble what a judge rates from the transcript: one conversation per item × epoch × subject."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rolecall.rundir import RunDir, TurnRecord, read_records


@dataclass(frozen=True)
class Answer:
    item: str
    epoch: int
    subject: str
    question: str
    text: str  # what the judge sees: the answer, with follow-up exchanges when there were any
    answer_only: str  # the subject's own words, for verifying quotes
    respondent: str | None = None
    instrument_item: str | None = None  # for transcripts: the matched item (None: unmatched)

    @property
    def rubric_item(self) -> str:
        return self.instrument_item or self.item

    def record_base(self, dimension: str, judge: str, mode: str) -> dict[str, object]:
        """The fields every ScoreRecord about this answer shares."""
        return {
            "item": self.item,
            "epoch": self.epoch,
            "dimension": dimension,
            "judge": judge,
            "subject": self.subject,
            "mode": mode,
        }


def load_answers(run: RunDir) -> list[Answer]:
    groups: dict[tuple[str, int, str], list[TurnRecord]] = defaultdict(list)
    for rec in read_records(run.transcript, TurnRecord):
        groups[(rec.item, rec.epoch, rec.subject)].append(rec)
    answers = []
    for (item, epoch, subject), recs in groups.items():
        recs.sort(key=lambda r: r.turn)
        turns = {r.turn: r for r in recs}
        if set(turns) != set(range(recs[0].turns)):
            continue  # incomplete conversation: not judged until the interview finishes it
        ordered = [turns[i] for i in range(recs[0].turns)]
        first_q = ordered[0].question or ordered[0].text
        said = [r.text for r in ordered if r.role == "assistant"]
        if len(ordered) <= 2:
            text = said[0] if said else ""
        else:
            parts = []
            for r in ordered[1:]:
                label = "Answer" if r.role == "assistant" else "Follow-up question"
                parts.append(f"{label}: {r.text}")
            text = "\n\n".join(parts)
        answers.append(
            Answer(
                item=item,
                epoch=epoch,
                subject=subject,
                question=first_q,
                text=text,
                answer_only="\n\n".join(said),
                respondent=ordered[0].respondent,
                instrument_item=ordered[0].instrument_item,
            )
        )
    answers.sort(key=lambda a: (a.subject, a.epoch, a.item))
    return answers
