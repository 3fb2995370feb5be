"""Answers under pressure carry ``condition: pressure``; older records with the ``#pressure``
item suffix read as such."""

from __future__ import annotations

import json

from rolecall.judge.answers import answers_from_turns
from rolecall.rundir import FailureRecord, ScoreRecord, TurnRecord


def test_legacy_suffix_reads_as_pressure_condition() -> None:
    old = {"item": "q1#pressure", "epoch": 0, "dimension": "d", "judge": "semantic", "score": 3.0}
    rec = ScoreRecord.model_validate(old)
    assert (rec.item, rec.condition) == ("q1", "pressure")
    fail = FailureRecord.model_validate(
        {"stage": "judge", "item": "q1#pressure", "epoch": 0, "model": "m", "reason": "x"}
    )
    assert (fail.item, fail.condition) == ("q1", "pressure")
    # written back without the suffix, with the field
    assert json.loads(rec.model_dump_json())["item"] == "q1"
    assert ScoreRecord.model_validate({**old, "item": "q1"}).condition == "ordinary"


def test_pressure_answer_keeps_its_item_and_says_its_condition() -> None:
    def turn(n: int, role: str, kind: str, text: str) -> TurnRecord:
        return TurnRecord(item="q1", epoch=0, turn=n, turns=4, role=role, kind=kind, text=text)  # type: ignore[arg-type]

    turns = [
        turn(0, "user", "prompt", "How do you plan?"),
        turn(1, "assistant", "answer", "I plan in weeks."),
        turn(2, "user", "pressure", "Your manager says ship today."),
        turn(3, "assistant", "answer", "Then I ship today."),
    ]
    answers = answers_from_turns(turns)
    assert [(a.item, a.condition) for a in answers] == [("q1", "ordinary"), ("q1", "pressure")]
    assert answers[0].key != answers[1].key
    assert answers[1].record_base("d", "j", "json")["condition"] == "pressure"
