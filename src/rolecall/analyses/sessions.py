"""The ``session`` block of summary.json: how each session went, and the whole-session judgements.

- per session (epoch × subject): turns answered, where it stopped for context
  (``context_exhausted_at``), the first persona break found by the deterministic detector
  (``rolecall.judge.breaks``) and the first one each judge reported;
- per dimension: the judges' whole-session scores (mean over sessions and judges, and each
  verdict with its evidence turns), beside the mean of the per-turn scores of the same sessions.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from rolecall.formatting import rounded
from rolecall.instrument import Instrument
from rolecall.judge.breaks import first_break
from rolecall.judge.conversation import conversations_from_turns
from rolecall.rundir import ScoreRecord, SessionScoreRecord, SessionStop, Subject, TurnRecord


def session_block(
    instrument: Instrument,
    turns: list[TurnRecord],
    records: list[ScoreRecord],
    stops: list[SessionStop],
    judged: list[SessionScoreRecord],
) -> dict[str, Any] | None:
    """None for an instrument without a session. ``records``: the per-turn verdicts counted."""
    session = instrument.session
    if session is None:
        return None
    stopped: dict[tuple[int, Subject], SessionStop] = {}
    for s in stops:
        stopped.setdefault((s.epoch, s.subject), s)
    judge_breaks: dict[tuple[int, Subject], dict[str, int | None]] = defaultdict(dict)
    for j in judged:
        seen = judge_breaks[(j.epoch, j.subject)]
        if j.persona_break_turn is not None:
            prev = seen.get(j.judge)
            seen[j.judge] = j.persona_break_turn if prev is None else min(prev, j.persona_break_turn)
        else:
            seen.setdefault(j.judge, None)
    sessions: list[dict[str, Any]] = []
    convos = {(c.epoch, c.subject): c for c in conversations_from_turns(turns)}
    for key in sorted(convos.keys() | stopped.keys(), key=lambda k: (k[1] != "persona", k[1], k[0])):
        convo = convos.get(key)
        stop = stopped.get(key)
        brk = first_break(convo.turns) if convo else None  # a session stopped at turn 1 said nothing
        sessions.append(
            {
                "epoch": key[0],
                "subject": key[1],
                "turns_answered": len(convo.turns) if convo else 0,
                "context_exhausted_at": stop.context_exhausted_at if stop else None,
                "context_window": stop.context_window if stop else None,
                "tokens_needed": stop.tokens_needed if stop else None,
                "persona_break": {"turn": brk.turn, "reason": brk.reason, "quote": brk.quote}
                if brk
                else None,
                "judge_breaks": dict(sorted(judge_breaks.get(key, {}).items())),
            }
        )
    persona = [s for s in sessions if s["subject"] == "persona"]
    breaks: list[int] = [s["persona_break"]["turn"] for s in persona if s["persona_break"]]
    dims: dict[str, Any] = {}
    for dim in instrument.dimensions:
        mine = [j for j in judged if j.dimension == dim.id and j.subject == "persona"]
        scores = [j.score for j in mine if j.score is not None]
        per_turn = [
            r.score
            for r in records
            if r.dimension == dim.id
            and r.subject == "persona"
            and r.session_turn is not None
            and r.score is not None
        ]
        dims[dim.id] = {
            "name": dim.name,
            "mean": rounded(float(np.mean(scores))) if scores else None,
            "n": len(scores),
            "abstained": sum(j.abstained for j in mine),
            "unscored": sum(j.score is None and not j.abstained for j in mine),
            "turn_mean": rounded(float(np.mean(per_turn))) if per_turn else None,
            "turn_n": len(per_turn),
            "verdicts": [
                {
                    "epoch": j.epoch,
                    "judge": j.judge,
                    "score": j.score,
                    "evidence": j.evidence,
                    "verified": j.quote_verified,
                    "evidence_turns": j.evidence_turns,
                    "persona_break_turn": j.persona_break_turn,
                    "abstain_reason": j.abstain_reason,
                }
                for j in sorted(mine, key=lambda j: (j.epoch, j.judge))
            ],
        }
    interlocutor = session.interlocutor
    kinds = {t.turn: t.kind for t in interlocutor.turns() if t.turn is not None}
    loose = iter(t for t in interlocutor.turns() if t.turn is None)
    probed = {p.turn for p in session.probes}
    for n in range(1, session.turns + 1):
        if n not in probed and n not in kinds:
            nxt = next(loose, None)
            kinds[n] = nxt.kind if nxt else "chat"
    return {
        "turns": session.turns,
        "pressure_turns": sorted(t for t, k in kinds.items() if k == "pressure"),
        "topic_change_turns": sorted(t for t, k in kinds.items() if k == "topic_change"),
        "judge_every": session.judge_every,
        "interlocutor": interlocutor.model or "script",
        "sessions": sessions,
        "context_exhausted": sum(s["context_exhausted_at"] is not None for s in sessions),
        "persona_breaks": len(breaks),
        "first_break_turn": min(breaks) if breaks else None,
        "dimensions": dims,
    }
