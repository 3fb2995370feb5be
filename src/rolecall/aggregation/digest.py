"""What the summary keeps of each transcript turn and each verdict, taken as they stream by.

``TurnDigest`` and ``ScoreDigest`` are fed one row at a time (a validated dict of the line's
fields, ``rolecall.rundir.read_rows``; or a record's ``__dict__``) and keep only what the summary
reads: totals, the first epoch's persona turns, the rubric item of each item, the keys that
settle a recorded failure, the verdicts on on-item dimensions as columns, and the few verdicts
whose quotes are cited. Fields a line left out take the record model's default.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rolecall.aggregation.columns import ColumnsBuilder
from rolecall.aggregation.evidence import CitedFirsts, Representatives
from rolecall.analyses.answers import PHRASE_NGRAM
from rolecall.instrument import Instrument
from rolecall.rundir import SESSION_ITEM, ScoreRecord, TurnRecord
from rolecall.rundir.rows import row_default
from rolecall.stats.phrases import add_ngrams

_T_SUBJECT = row_default(TurnRecord, "subject")
_T_MODEL = row_default(TurnRecord, "model")
_T_CACHED = row_default(TurnRecord, "cached")
_T_LATENCY = row_default(TurnRecord, "latency_s")
_T_TOKENS = row_default(TurnRecord, "tokens_in"), row_default(TurnRecord, "tokens_out")
_S_SUBJECT = row_default(ScoreRecord, "subject")
_S_CONDITION = row_default(ScoreRecord, "condition")
_S_ABSTAINED = row_default(ScoreRecord, "abstained")
_S_EVIDENCE = row_default(ScoreRecord, "evidence")

#: (item, epoch, subject, session turn): an answered interview call
AnswerKey = tuple[str, int, str, int | None]
#: (item, epoch, subject, condition, dimension, judge, session turn): a judged call
JudgedKey = tuple[str, int, str, str, str, str, int | None]


@dataclass
class TurnDigest:
    """The transcript as the summary reads it (``_calls_block``, ``answers_block``, phrases).

    ``wanted``: the answered-keys that matter (those of recorded interview failures); ``phrases``:
    count the n-grams of every answer (a run with a baseline).
    """

    wanted: set[AnswerKey] = field(default_factory=set)
    phrases: bool = False
    rubric: dict[str, str] = field(default_factory=dict)
    first_epoch: list[TurnRecord] = field(default_factory=list)
    answered: set[AnswerKey] = field(default_factory=set)
    calls: int = 0
    cached: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    latencies: array[float] = field(default_factory=lambda: array("d"))
    ngrams: dict[str, Counter[str]] = field(
        default_factory=lambda: {"persona": Counter(), "baseline": Counter()}
    )
    saw_baseline_answer: bool = False

    def add(self, row: dict[str, Any]) -> None:
        item: str = row["item"]
        if item not in self.rubric:  # an item's rubric item is its first turn's
            self.rubric[item] = row.get("instrument_item") or item
        subject = row.get("subject", _T_SUBJECT)
        if subject == "persona" and row["epoch"] == 0:
            self.first_epoch.append(TurnRecord.model_validate(row))
        if row["role"] != "assistant":
            return
        if subject != "persona":
            self.saw_baseline_answer = True
        if row.get("model", _T_MODEL) != "transcript":  # a transcript's recorded answers are no calls
            self.calls += 1
            if row.get("cached", _T_CACHED):
                self.cached += 1
            else:
                self.latencies.append(row.get("latency_s", _T_LATENCY))
            self.tokens_in += row.get("tokens_in", _T_TOKENS[0])
            self.tokens_out += row.get("tokens_out", _T_TOKENS[1])
        if self.wanted:
            turn = row["turn"] // 2 + 1 if item == SESSION_ITEM else None  # TurnRecord.session_turn
            for key in ((item, row["epoch"], subject, turn), (item, row["epoch"], subject, None)):
                if key in self.wanted:
                    self.answered.add(key)
        if self.phrases:
            add_ngrams(self.ngrams[subject], row["text"], PHRASE_NGRAM)


#: maps (dimension, score) of the calibrated judge's verdicts to the calibrated score
ScoreMap = Callable[[str, float], float]


class ScoreDigest:
    """The verdicts as the summary reads them: totals over all of them, the on-item ones as
    columns (``on_item_dimensions``), quote candidates, and the judged keys that matter."""

    def __init__(
        self,
        instrument: Instrument,
        rubric: dict[str, str],
        *,
        wanted: set[JudgedKey],
        calibrate: tuple[str, ScoreMap] | None = None,
    ) -> None:
        self._instrument = instrument
        self._rubric = rubric
        self._allowed: dict[str, set[str]] = {}
        self._wanted = wanted
        self._calibrate = calibrate
        self.columns = ColumnsBuilder()
        self.representatives = Representatives()
        self.cited = CitedFirsts()
        self.judged: set[JudgedKey] = set()
        self.judges: set[str] = set()
        self.unscored_by_judge: dict[str, int] = {}
        self.persona_total = self.persona_scored = self.persona_abstained = 0
        self._seq = 0

    def add(self, row: dict[str, Any]) -> None:
        seq = self._seq
        self._seq += 1
        item: str = row["item"]
        dim: str = row["dimension"]
        judge: str = row["judge"]
        score: float | None = row["score"]
        if self._calibrate is not None and score is not None and judge == self._calibrate[0]:
            score = self._calibrate[1](dim, score)
        abstained: bool = row.get("abstained", _S_ABSTAINED)
        subject: str = row.get("subject", _S_SUBJECT)
        condition: str = row.get("condition", _S_CONDITION)
        self.judges.add(judge)
        if score is None and not abstained:
            self.unscored_by_judge[judge] = self.unscored_by_judge.get(judge, 0) + 1
        if subject == "persona":
            self.persona_total += 1
            self.persona_scored += score is not None
            self.persona_abstained += abstained
        if self._wanted:
            key = (item, row["epoch"], subject, condition, dim, judge, row.get("session_turn"))
            if key in self._wanted:
                self.judged.add(key)
        rubric = self._rubric.get(item, item)
        allowed = self._allowed.get(rubric)
        if allowed is None:
            allowed = self._allowed[rubric] = set(self._instrument.dimensions_for(rubric))
        if dim not in allowed:
            return
        session = item == SESSION_ITEM
        pressure = condition != "ordinary"
        verified: bool | None = row.get("quote_verified")
        self.columns.add(
            item,
            row["epoch"],
            dim,
            judge,
            baseline=subject != "persona",
            pressure=pressure,
            session=session,
            score=score,
            abstained=abstained,
            reason=row.get("abstain_reason") or "insufficient_evidence",
            verified=verified,
        )
        if pressure or session:
            return
        evidence: str = row.get("evidence", _S_EVIDENCE)
        if score is not None and evidence.strip():
            self.representatives.add(
                subject,
                dim,
                item=item,
                epoch=row["epoch"],
                judge=judge,
                score=score,
                evidence=evidence,
                verified=verified,
                seq=seq,
            )
        if subject == "persona":
            self.cited.add(row, score, seq)


def calibration_map(apply: Callable[[float, str, Any], float]) -> ScoreMap:
    """``calibrated``'s mapping of one score (``round(cal.apply(score, dimension, None), 3)``),
    computed once per distinct (dimension, score): scores are few-valued."""
    memo: dict[tuple[str, float], float] = {}

    def mapped(dim: str, score: float) -> float:
        out = memo.get((dim, score))
        if out is None:
            out = memo[(dim, score)] = round(apply(score, dim, None), 3)
        return out

    return mapped
