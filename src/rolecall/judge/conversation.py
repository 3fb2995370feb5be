"""Sessions as judges read them: the whole conversation, and the answers judged turn by turn.

A session's records in ``transcript.jsonl`` have the item ``@session``; turn ``2(k-1)`` is the
user's message of session turn ``k`` and ``2(k-1)+1`` its answer. Only answered turns count,
from turn 1 on without a gap (a resumed session fills its gaps before it goes on).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rolecall.rundir import SESSION_ITEM, Subject, TurnRecord


@dataclass(frozen=True)
class SessionTurn:
    turn: int  # 1-based
    kind: str  # the user message's kind: prompt (a probe), chat, topic_change, pressure
    user: str
    answer: str
    probe: str | None  # the item a probe turn asks
    variant: int = 0


@dataclass(frozen=True)
class Conversation:
    epoch: int
    subject: Subject
    turns: tuple[SessionTurn, ...]
    planned: int  # how many turns the session was to have

    @property
    def complete(self) -> bool:
        return len(self.turns) == self.planned

    def said(self) -> str:
        """Everything the subject said, for verifying quotes."""
        return "\n\n".join(t.answer for t in self.turns)


def conversations_from_turns(records: Iterable[TurnRecord]) -> list[Conversation]:
    """Every session in the transcript, with its answered turns (persona first, then by epoch)."""
    groups: dict[tuple[int, Subject], dict[int, TurnRecord]] = defaultdict(dict)
    for rec in records:
        if rec.item == SESSION_ITEM:
            groups[(rec.epoch, rec.subject)][rec.turn] = rec
    out = []
    for (epoch, subject), by_turn in groups.items():
        turns: list[SessionTurn] = []
        k = 0
        while 2 * k in by_turn and 2 * k + 1 in by_turn:
            user, answer = by_turn[2 * k], by_turn[2 * k + 1]
            turns.append(SessionTurn(k + 1, user.kind, user.text, answer.text, user.probe, user.variant))
            k += 1
        planned = next(iter(by_turn.values())).turns // 2
        out.append(Conversation(epoch, subject, tuple(turns), planned))
    out.sort(key=lambda c: (c.subject != "persona", c.epoch))
    return out
