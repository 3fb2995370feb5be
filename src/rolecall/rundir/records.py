"""Typed records of the run directory's files (one pydantic model per JSONL line or JSON file)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TurnRecord(Record):
    """One turn of one item's conversation (transcript.jsonl)."""

    item: str
    epoch: int
    turn: int = Field(description="0-based index of this turn within the item's conversation.")
    turns: int = Field(description="How many turns the item's conversation has in all.")
    role: Literal["user", "assistant"]
    kind: Literal["prompt", "follow_up", "probe", "pressure", "answer"] = "answer"
    text: str
    model: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    latency_s: float = 0.0
    cached: bool = False
    subject: Literal["persona", "baseline"] = "persona"
    variant: int = Field(default=0, description="Which wording of the item was asked (0: its prompt).")
    respondent: str | None = None
    question: str | None = Field(default=None, description="The source's own question text, if any.")
    match_score: float | None = None
    instrument_item: str | None = Field(
        default=None, description="The instrument item this answer was matched to (transcripts)."
    )


#: Why a judge found no evidence for a dimension in an answer (see rolecall.judge.evidence).
AbstainReason = Literal["refusal", "non_answer", "echo", "code_only", "off_topic", "insufficient_evidence"]


class ScoreRecord(Record):
    """One judge's verdict on one answer × dimension (scores.jsonl).

    ``score`` is None either because the judge abstained (``abstained``: the answer holds no
    evidence for this dimension, for ``abstain_reason``) or because the verdict was unparseable
    (``error``): the first is a finding about the answer, the second a failure of the judge.
    """

    item: str
    epoch: int
    dimension: str
    judge: str
    score: float | None
    evidence: str = ""
    quote_verified: bool | None = None
    indicators_seen: list[str] = Field(default_factory=list)
    reasoning: str = ""
    mode: str = "json"
    error: str | None = None
    raw: str | None = None
    subject: Literal["persona", "baseline"] = "persona"
    abstained: bool = False
    abstain_reason: AbstainReason | None = None

    @property
    def unscored(self) -> bool:
        """No score because the verdict could not be read (not because the judge abstained)."""
        return self.score is None and not self.abstained


class FailureRecord(Record):
    """A call that failed after its retries (failures.jsonl); resume retries these."""

    stage: Literal["interview", "judge"]
    item: str
    epoch: int
    model: str
    reason: str
    dimension: str | None = None
    subject: Literal["persona", "baseline"] = "persona"


class Manifest(Record):
    """Everything needed to repeat or resume a run (manifest.json)."""

    rolecall_version: str
    created: str
    command: Literal["run", "score"] = "run"
    persona: dict[str, Any] | None = None
    instrument: dict[str, Any]
    subject_model: dict[str, Any] | None = None
    judges: list[dict[str, Any]]
    params: dict[str, Any]
    judge_params: dict[str, Any]
    epochs: int
    seed: int
    concurrency: int
    baseline: bool = False
    transcript_source: dict[str, Any] | None = None
    calibration: dict[str, Any] | None = Field(
        default=None, description="The calibration applied to a judge's scores: path, sha256, judge, method."
    )
    packages: dict[str, str] = Field(default_factory=dict)
    platform: dict[str, str] = Field(default_factory=dict)
