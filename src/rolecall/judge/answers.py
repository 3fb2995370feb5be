"""Assemble what a judge rates from the transcript: one conversation per item × epoch × subject."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Container, Iterable
from dataclasses import dataclass

from rolecall.judge.conversation import conversations_from_turns
from rolecall.rundir import SESSION_ITEM, Condition, RunDir, Subject, TurnRecord, read_records

#: An answer's identity in a run: item, epoch, subject, condition and session turn (None outside
#: sessions).
AnswerKey = tuple[str, int, Subject, Condition, int | None]


@dataclass(frozen=True)
class Answer:
    item: str
    epoch: int
    subject: Subject
    question: str
    text: str  # what the judge sees: the answer, with follow-up exchanges when there were any
    answer_only: str  # the subject's own words, for verifying quotes
    respondent: str | None = None
    instrument_item: str | None = None  # for transcripts: the matched item (None: unmatched)
    #: everything the interviewer said in this conversation (question, follow-ups, probes,
    #: pressure): judges use it to see what the answer responds to and what it merely restates
    prompts: tuple[str, ...] = ()
    #: what was said before this answer that frames it (the earlier answer, for pressure)
    context: str = ""
    #: "pressure": what the subject said once the interviewer pushed back, judged apart
    condition: Condition = "ordinary"
    #: sessions: the 1-based turn this answer was given at (None for item conversations)
    session_turn: int | None = None

    @property
    def key(self) -> AnswerKey:
        return (self.item, self.epoch, self.subject, self.condition, self.session_turn)

    @property
    def pressured(self) -> bool:
        return self.condition == "pressure"

    @classmethod
    def lone(
        cls, item: str, question: str, text: str, *, epoch: int = 0, subject: Subject = "persona"
    ) -> Answer:
        """A one-turn answer to ``question`` (benches, tests, scoring a single reply)."""
        return cls(
            item=item,
            epoch=epoch,
            subject=subject,
            question=question,
            text=text,
            answer_only=text,
            prompts=(question,) if question else (),
        )

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
            "respondent": self.respondent,
            "condition": self.condition,
            "session_turn": self.session_turn,
        }


def _conversation_text(turns: list[TurnRecord]) -> str:
    """What a judge reads: the lone answer, or every exchange after the opening question."""
    said = [r.text for r in turns if r.role == "assistant"]
    if len(turns) <= 2:
        return said[0] if said else ""
    parts = []
    for r in turns[1:]:
        label = "Answer" if r.role == "assistant" else "Follow-up question"
        parts.append(f"{label}: {r.text}")
    return "\n\n".join(parts)


def pressure_cut(ordered: list[TurnRecord]) -> int:
    """Index of a conversation's first pressure turn (its length when there is none): the turns
    before it are the answer proper, the ones from it on are judged apart."""
    return next((n for n, r in enumerate(ordered) if r.kind == "pressure"), len(ordered))


def _pressure_answer(item: str, epoch: int, subject: Subject, ordered: list[TurnRecord], cut: int) -> Answer:
    """What the subject said once pressed, judged with its earlier answer as context."""
    before = [r.text for r in ordered[:cut] if r.role == "assistant"]
    after = ordered[cut:]
    parts = []
    for r in after:
        parts.append(f"{'Answer' if r.role == 'assistant' else 'Interviewer pressure'}: {r.text}")
    return Answer(
        item=item,
        condition="pressure",
        epoch=epoch,
        subject=subject,
        question=after[0].text,
        text="\n\n".join(parts),
        answer_only="\n\n".join(r.text for r in after if r.role == "assistant"),
        respondent=ordered[0].respondent,
        instrument_item=item,
        prompts=tuple(r.text for r in ordered if r.role == "user"),
        context=before[-1] if before else "",
    )


def load_answers(run: RunDir, session_judged: Container[int] | None = None) -> list[Answer]:
    """The run's answers, read from its transcript (see ``answers_from_turns``)."""
    return answers_from_turns(read_records(run.transcript, TurnRecord), session_judged)


def session_answers(records: Iterable[TurnRecord], judged: Container[int] | None = None) -> list[Answer]:
    """One Answer per judged session turn: a probe's answer under its item (judged on the item's
    dimensions), any other judged turn's under ``@session`` (judged on every dimension).
    ``judged``: the session turns to judge (``Session.judged_turns``); None: the probe turns."""
    out = []
    for convo in conversations_from_turns(records):
        for t in convo.turns:
            if (t.probe is None) if judged is None else (t.turn not in judged):
                continue
            out.append(
                Answer(
                    item=t.probe or SESSION_ITEM,
                    epoch=convo.epoch,
                    subject=convo.subject,
                    question=t.user,
                    text=t.answer,
                    answer_only=t.answer,
                    instrument_item=t.probe,
                    prompts=(t.user,),
                    session_turn=t.turn,
                )
            )
    return out


def answers_from_turns(
    turns: Iterable[TurnRecord], session_judged: Container[int] | None = None
) -> list[Answer]:
    """One Answer per complete conversation; pressure turns make a second, separate Answer; one
    per judged session turn (``session_answers``, with ``session_judged``)."""
    groups: dict[tuple[str, int, Subject], list[TurnRecord]] = defaultdict(list)
    sessions: list[TurnRecord] = []
    for rec in turns:
        if rec.item == SESSION_ITEM:
            sessions.append(rec)
            continue
        groups[(rec.item, rec.epoch, rec.subject)].append(rec)
    answers = []
    for (item, epoch, subject), recs in groups.items():
        recs.sort(key=lambda r: r.turn)
        by_turn = {r.turn: r for r in recs}
        if set(by_turn) != set(range(recs[0].turns)):
            continue  # incomplete conversation: not judged until the interview finishes it
        ordered = [by_turn[i] for i in range(recs[0].turns)]
        cut = pressure_cut(ordered)
        main = ordered[:cut]
        answers.append(
            Answer(
                item=item,
                epoch=epoch,
                subject=subject,
                question=main[0].question or main[0].text,
                text=_conversation_text(main),
                answer_only="\n\n".join(r.text for r in main if r.role == "assistant"),
                respondent=main[0].respondent,
                instrument_item=main[0].instrument_item,
                prompts=tuple(
                    dict.fromkeys(
                        [
                            *([main[0].question] if main[0].question else []),
                            *(r.text for r in main if r.role == "user"),
                        ]
                    )
                ),
            )
        )
        if cut < len(ordered):
            answers.append(_pressure_answer(item, epoch, subject, ordered, cut))
    if sessions:
        answers += session_answers(sessions, session_judged)
    answers.sort(key=lambda a: (a.subject, a.epoch, a.item, a.condition, a.session_turn or 0))
    return answers
