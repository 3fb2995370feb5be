"""The semantic scorer reading a whole session (``SemanticJudge.score_session``); deterministic.

1. Every answer of the session goes through the common evidence screen, against its own question
   (and, on a probe turn, its item): what is left are the session's evidence sentences, each with
   the turn it was said at.
2. Each is placed between the dimension's poles as for a single answer (``sentence_positions``).
3. Each turn's position is that of its answer (the mean of its ``TOP_K`` most polarised
   sentences); a turn whose strongest sentence leans less than ``POLARITY_MIN`` either way says
   nothing on this dimension (small talk) and is left out. The session's position is the mean
   over the other turns, each turn one vote, so that a conversation half one way and half the
   other lands in the middle rather than at its most extreme sentence; the calibration line maps
   it to the scale.
4. The evidence turns are the (at most ``EVIDENCE_TURNS``) turns leaning furthest in the
   direction of the score; the quote is the most polarised sentence in that direction.
5. Persona breaks come from the deterministic detector (``rolecall.judge.breaks``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from rolecall.instrument import Dimension, Instrument
from rolecall.judge.breaks import first_break
from rolecall.judge.conversation import Conversation
from rolecall.judge.session import base_record, screened_evidence
from rolecall.rundir import SessionScoreRecord

if TYPE_CHECKING:
    from rolecall.scoring.semantic import SemanticJudge

#: how many turns a whole-session verdict names as its evidence
EVIDENCE_TURNS = 6


def score_session(
    judge: SemanticJudge, instrument: Instrument, dim: Dimension, convo: Conversation
) -> SessionScoreRecord:
    from rolecall.scoring.semantic import POLARITY_MIN, answer_position, sentence_positions

    scale = instrument.scale
    record: dict[str, Any] = base_record(convo, dim, judge.name)
    brk = first_break(convo.turns)
    if brk is not None:
        record |= {"persona_break_turn": brk.turn, "persona_break_quote": brk.quote}
    pooled = screened_evidence(instrument, dim, convo)
    if not pooled:
        return SessionScoreRecord.model_validate(
            {**record, "score": None, "abstained": True, "abstain_reason": "insufficient_evidence",
             "reasoning": "no answer of the session holds evidence after the screen"}
        )  # fmt: skip
    cal = judge.calibration(instrument, dim)
    if cal.slope == 0:
        return SessionScoreRecord.model_validate(
            {**record, "score": None,
             "error": f"dimension {dim.id!r}: its exemplars do not separate the poles"}
        )  # fmt: skip
    sents = [s for _, s in pooled]
    _, pos = sentence_positions(judge.embedder, sents, instrument, dim, None)
    strongest = float(np.abs(pos).max())
    if strongest < POLARITY_MIN:
        return SessionScoreRecord.model_validate(
            {**record, "score": None, "abstained": True, "abstain_reason": "insufficient_evidence",
             "reasoning": f"no sentence leans either way (|position| {strongest:.3f} < {POLARITY_MIN})"}
        )  # fmt: skip
    turn_of = np.array([t for t, _ in pooled])
    positions: dict[int, float] = {}
    for t in dict.fromkeys(turn_of.tolist()):
        mine = pos[turn_of == t]
        if float(np.abs(mine).max()) >= POLARITY_MIN:
            positions[t] = answer_position(mine)
    position = float(np.mean(list(positions.values())))
    score = round(cal.apply(position, scale.min, scale.max), 3)
    high = score >= scale.midpoint
    leaning = {t: cal.apply(p, scale.min, scale.max) >= scale.midpoint for t, p in positions.items()}
    toward = sorted((t for t in positions if leaning[t] == high), key=lambda t: -abs(positions[t]))
    best = int(np.argmax(pos) if high else np.argmin(pos))
    return SessionScoreRecord.model_validate(
        {
            **record,
            "score": score,
            "evidence": sents[best],
            "quote_verified": True,
            "evidence_turns": sorted(toward[:EVIDENCE_TURNS]),
            "reasoning": f"position {position:+.3f} (mean of the {len(positions)} of {len(convo.turns)} "
            f"turns that lean) → {score:.2f} by calibration {cal.intercept:.2f} + {cal.slope:.2f}·position",
        }
    )
