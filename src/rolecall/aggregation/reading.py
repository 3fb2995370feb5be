"""Read a run's files once, in the order the summary needs them, keeping only what it reads.

failures.jsonl first (small: it says which answered and judged keys matter), then the
transcript (the rubric item of each item is needed to tell on-item verdicts apart), then the
verdicts, then the session files. Each JSONL file is opened and read exactly once, streaming.

A run whose analyses need whole conversations or every verdict — STAR, dimension ranking,
sessions (drift), a learned calibration — is read keeping every record as well (``full``),
as before; every other run keeps no record list at all, and its memory does not grow with the
text of its answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rolecall.aggregation.columns import ScoreColumns
from rolecall.aggregation.digest import AnswerKey, JudgedKey, ScoreDigest, TurnDigest, calibration_map
from rolecall.analyses.answers import phrases_block, phrases_from_counts
from rolecall.calibration import Calibration, calibrated
from rolecall.instrument import Instrument
from rolecall.judge.answers import Answer, answers_from_turns
from rolecall.rundir import (
    SESSION_ITEM,
    FailureRecord,
    RunDir,
    ScoreRecord,
    SessionScoreRecord,
    SessionStop,
    TurnRecord,
    read_records,
)
from rolecall.rundir.jsonl import read_rows


@dataclass(frozen=True)
class FullRecords:
    """Every turn and (calibrated) verdict, and the answers, for the analyses that read them."""

    turns: list[TurnRecord]
    scores: list[ScoreRecord]
    answers: list[Answer]


@dataclass(frozen=True)
class RunReading:
    turns: TurnDigest
    scores: ScoreDigest
    columns: ScoreColumns
    failures: list[FailureRecord]
    session_scores: list[SessionScoreRecord]
    stops: list[SessionStop]
    phrases: dict[str, Any] | None
    full: FullRecords | None


def needs_full(instrument: Instrument, calibration: Calibration | None) -> bool:
    """Whether the run's analyses read whole conversations or every verdict."""
    return (
        (calibration is not None and calibration.method == "learned")
        or instrument.star != "off"
        or bool(instrument.rank_dimensions)
        or instrument.session is not None
    )


def needs_answers(instrument: Instrument, calibration: Calibration | None) -> bool:
    return (
        (calibration is not None and calibration.method == "learned")
        or instrument.star != "off"
        or bool(instrument.rank_dimensions)
    )


def read_run(
    run: RunDir, instrument: Instrument, calibration: Calibration | None, *, baseline_hint: bool
) -> RunReading:
    """One pass over each file (see the module docstring). ``baseline_hint``: the manifest says
    the run has a baseline, so the answers' phrases are counted as they stream by."""
    recorded = list(read_records(run.failures, FailureRecord))
    full = needs_full(instrument, calibration)
    turns = TurnDigest(
        wanted={(f.item, f.epoch, f.subject, f.session_turn) for f in recorded if f.stage == "interview"},
        phrases=baseline_hint and not full,
    )
    wanted_judged: set[JudgedKey] = {  # a judge failure names its dimension (else never made good)
        (f.item, f.epoch, f.subject, f.condition, f.dimension, f.model, f.session_turn)
        for f in recorded
        if f.stage == "judge" and f.dimension is not None
    }
    kept: FullRecords | None = None
    if full:
        turn_list = list(read_records(run.transcript, TurnRecord))
        for t in turn_list:
            turns.add(t.__dict__)
    else:
        for row in read_rows(run.transcript, TurnRecord):
            turns.add(row)
    lean_calibration = None
    if calibration is not None and not full:
        lean_calibration = (calibration.judge, calibration_map(calibration.apply))
    scores = ScoreDigest(instrument, turns.rubric, wanted=wanted_judged, calibrate=lean_calibration)
    if full:
        records = list(read_records(run.scores, ScoreRecord))
        session_judged = instrument.session.judged_turns() if instrument.session is not None else None
        answers = (
            answers_from_turns(turn_list, session_judged) if needs_answers(instrument, calibration) else []
        )
        if calibration is not None:
            records = calibrated(
                records, calibration, answers=answers, instrument=instrument, transcript=run.transcript
            )
        for r in records:
            scores.add(r.__dict__)
        kept = FullRecords(turn_list, records, answers)
    else:
        for row in read_rows(run.scores, ScoreRecord):
            scores.add(row)
    session_scores = list(read_records(run.session_scores, SessionScoreRecord))
    for s in session_scores:
        key = (SESSION_ITEM, s.epoch, s.subject, "ordinary", s.dimension, s.judge, None)
        if key in wanted_judged:
            scores.judged.add(key)
    failures = _unresolved(recorded, turns.answered, scores.judged)
    stops = list(read_records(run.sessions, SessionStop))
    return RunReading(
        turns=turns,
        scores=scores,
        columns=scores.columns.build(),
        failures=failures,
        session_scores=session_scores,
        stops=stops,
        phrases=_phrases(run, turns, kept),
        full=kept,
    )


def _phrases(run: RunDir, turns: TurnDigest, kept: FullRecords | None) -> dict[str, Any] | None:
    if kept is not None:
        return phrases_block(kept.turns)
    if not turns.saw_baseline_answer:
        return None
    if turns.phrases:
        return phrases_from_counts(turns.ngrams["persona"], turns.ngrams["baseline"])
    # baseline answers in a run whose manifest names no baseline: count them now (a second read,
    # only ever for such a run)
    return phrases_block(read_records(run.transcript, TurnRecord))


def _unresolved(
    failures: list[FailureRecord], answered: set[AnswerKey], judged: set[JudgedKey]
) -> list[FailureRecord]:
    """Failures that a later resume has not made good (latest per call site). A session's
    failure names its turn: it is made good once that turn is answered (judged)."""
    latest: dict[tuple[Any, ...], FailureRecord] = {}
    for f in failures:
        if f.stage == "interview" and (f.item, f.epoch, f.subject, f.session_turn) not in answered:
            latest[(f.stage, f.item, f.epoch, f.subject)] = f
        elif (
            f.stage == "judge"
            and (f.item, f.epoch, f.subject, f.condition, f.dimension, f.model, f.session_turn) not in judged
        ):
            latest[
                (f.stage, f.item, f.epoch, f.subject, f.condition, f.dimension, f.model, f.session_turn)
            ] = f
    return list(latest.values())
